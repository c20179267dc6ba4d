"""seeder: fill a running service with realistic, related test data through its
own commands.

The public surface: build a :class:`Scenario` (or load a YAML/Python file), compile
it into a :class:`Model`, and stream its :class:`PlanItem` s. Names are imported on
first use, so ``seeder replay`` does not pay for Faker and the planner.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"  # the distribution's version too (pyproject.toml reads it)

if TYPE_CHECKING:
    from seeder.commands import Command, Credential, HttpBinding, InProcessBinding, bind
    from seeder.errors import PlanError, Problem, ScenarioError, SeederError
    from seeder.model import Model, compile_model, load_model
    from seeder.plan.items import PlanItem
    from seeder.plan.planner import plan_items
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
    from seeder.providers.references import From, Ref
    from seeder.scenario import Entity, Existing, Scenario
    from seeder.scenario.load import load_scenario

_WHERE = {
    "seeder.commands": ("Command", "Credential", "HttpBinding", "InProcessBinding", "bind"),
    "seeder.errors": ("PlanError", "Problem", "ScenarioError", "SeederError"),
    "seeder.model": ("Model", "compile_model", "load_model"),
    "seeder.plan.items": ("PlanItem",),
    "seeder.plan.planner": ("plan_items",),
    "seeder.providers": (
        "Choice",
        "Const",
        "Counter",
        "DateRange",
        "Fake",
        "LogNormal",
        "Normal",
        "Poisson",
        "PythonFunction",
        "Range",
        "Series",
        "Seq",
        "Template",
    ),
    "seeder.providers.references": ("From", "Ref"),
    "seeder.scenario": ("Entity", "Existing", "Scenario"),
    "seeder.scenario.load": ("load_scenario",),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [
    "Choice",
    "Command",
    "Const",
    "Counter",
    "Credential",
    "DateRange",
    "Entity",
    "Existing",
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


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'seeder' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
