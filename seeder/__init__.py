"""seeder: fill a running service with realistic, related test data through its
own commands.

The public surface: build a :class:`Scenario` (or load a YAML/Python file), compile
it into a :class:`Model`, and stream its :class:`PlanItem` s.
"""

from seeder.commands import Command, Credential, HttpBinding, InProcessBinding, bind
from seeder.errors import PlanError, Problem, ScenarioError, SeederError
from seeder.loader import load_model, load_scenario
from seeder.model import Model, compile_model
from seeder.planner import PlanItem, plan_items
from seeder.providers import (
    Choice,
    Const,
    Counter,
    DateRange,
    Fake,
    LogNormal,
    Normal,
    Poisson,
    PythonFunction,
    Range,
    Seq,
    Series,
    Template,
)
from seeder.references import From, Ref
from seeder.scenario import Entity, Scenario

__all__ = [
    "Choice",
    "Command",
    "Const",
    "Counter",
    "Credential",
    "DateRange",
    "Entity",
    "Fake",
    "From",
    "HttpBinding",
    "InProcessBinding",
    "LogNormal",
    "Model",
    "Normal",
    "PlanError",
    "PlanItem",
    "Poisson",
    "Problem",
    "PythonFunction",
    "Range",
    "Ref",
    "Scenario",
    "ScenarioError",
    "SeederError",
    "Seq",
    "Series",
    "Template",
    "bind",
    "compile_model",
    "load_model",
    "load_scenario",
    "plan_items",
]
