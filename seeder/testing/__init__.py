"""Given steps for acceptance tests: entities made through the service's own
commands, with their real ids in hand.

``Given(scenario, target)`` (sync) and ``AsyncGiven`` (async) share one engine:
the scenario's planner, a port, and the service's answers. The pytest plugin
(``seeder.pytest_plugin``) provides them as the ``given`` and ``agiven`` fixtures.
"""

from seeder.errors import GivenError, Rejected
from seeder.testing.given import AsyncGiven, Given
from seeder.testing.handles import Handle
from seeder.testing.targets import Target

__all__ = ["AsyncGiven", "Given", "GivenError", "Handle", "Rejected", "Target"]
