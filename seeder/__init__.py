"""seeder: fill a running service with realistic, related test data through its
own commands."""

from seeder.commands import Command, Credential, HttpBinding, InProcessBinding, bind
from seeder.errors import PlanError, Problem, ScenarioError, SeederError

__all__ = [
    "Command",
    "Credential",
    "HttpBinding",
    "InProcessBinding",
    "PlanError",
    "Problem",
    "ScenarioError",
    "SeederError",
    "bind",
]
