"""Checks the first planned commands of every entity against their command model
(pydantic), so a provider that makes values the command refuses is reported with
its location before anything is planned in bulk or sent."""

from __future__ import annotations

from pydantic import ValidationError

from seeder.errors import PlanError, Problem, ScenarioError
from seeder.model import Model
from seeder.planner import Planner

__all__ = ["check_sample"]

SAMPLE_ITEMS = 5000
PER_ENTITY = 20


def check_sample(model: Model, limit: int = SAMPLE_ITEMS) -> None:
    """Plans up to ``limit`` items and validates up to 20 bodies per entity."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    reported: set[tuple[str, str]] = set()
    source = model.scenario.source
    try:
        for n, item in enumerate(Planner(model).items()):
            if n >= limit or (
                len(seen) == len(model.entities) and all(v >= PER_ENTITY for v in seen.values())
            ):
                break
            if seen.get(item.entity, 0) >= PER_ENTITY:
                continue
            seen[item.entity] = seen.get(item.entity, 0) + 1
            em = model.entities[item.entity]
            try:
                em.command.model_validate(item.body)
            except ValidationError as exc:
                for err in exc.errors():
                    field = str(err["loc"][0]) if err["loc"] else ""
                    if field in item.refs or (item.entity, field) in reported:
                        continue  # filled by the service's answer at run time
                    reported.add((item.entity, field))
                    section = "vars" if field in em.var_names else "fields"
                    line = col = None
                    if model.locate is not None:
                        line, col = model.locate(("entities", item.entity, section, field))
                    value = item.body.get(field)
                    problems.append(
                        Problem(
                            f"{item.entity}.{field}: {em.command.__name__} refuses {value!r}: "
                            f"{err['msg']}; change the provider so its values fit",
                            source,
                            line,
                            col,
                        )
                    )
    except PlanError as exc:
        line = col = None
        if exc.entity in model.entities and exc.field and model.locate is not None:
            section = "vars" if exc.field in model.entities[exc.entity].var_names else "fields"
            line, col = model.locate(("entities", exc.entity, section, exc.field))
        problems.append(Problem(str(exc), source, line, col))
    if problems:
        raise ScenarioError(problems)
