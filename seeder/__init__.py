"""seeder: fill a running service with realistic, related test data through its
own commands.

The public surface: build a :class:`Scenario` (or load a YAML/Python file), compile
it into a :class:`Model`, and stream its :class:`PlanItem` s. Names are imported on
first use, so ``seeder replay`` does not pay for Faker and the planner.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from seeder.commands import Command, Credential, HttpBinding, InProcessBinding, bind
    from seeder.errors import PlanError, Problem, ScenarioError, SeederError
    from seeder.items import PlanItem
    from seeder.loader import load_model, load_scenario
    from seeder.model import Model, compile_model
    from seeder.planner import plan_items
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

_WHERE = {
    "seeder.commands": ("Command", "Credential", "HttpBinding", "InProcessBinding", "bind"),
    "seeder.errors": ("PlanError", "Problem", "ScenarioError", "SeederError"),
    "seeder.loader": ("load_model", "load_scenario"),
    "seeder.model": ("Model", "compile_model"),
    "seeder.items": ("PlanItem",),
    "seeder.planner": ("plan_items",),
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
    "seeder.references": ("From", "Ref"),
    "seeder.scenario": ("Entity", "Scenario"),
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
