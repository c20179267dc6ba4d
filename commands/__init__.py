"""Command models and bindings for the demo service's bounded contexts."""
