"""Domain layer: the entities the rules need and the rules themselves, free of
storage and transport. Each function raises a :mod:`seeder.demo.errors` error
naming the rule it enforces."""
