"""Checks the first planned commands of every entity against their command model
(pydantic), so a provider that makes values the command refuses is reported with
its location before anything is planned in bulk or sent."""

from __future__ import annotations

from pydantic import ValidationError

from seeder.errors import PlanError
from seeder.model import Model
from seeder.plan.planner import Planner
from seeder.scenario.problems import Problems

__all__ = ["check_sample"]

SAMPLE_ITEMS = 5000
PER_ENTITY = 20


def check_sample(model: Model, limit: int = SAMPLE_ITEMS) -> None:
    """Plans up to ``limit`` items and validates up to 20 bodies per entity."""
    problems = Problems(model.scenario.source, model.locate)
    seen: dict[str, int] = {}
    reported: set[tuple[str, str]] = set()
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
                    value = item.body.get(field)
                    problems.add(
                        em.path(field),
                        f"{item.entity}.{field}: {em.command.__name__} refuses {value!r}: "
                        f"{err['msg']}; change the provider so its values fit",
                    )
    except PlanError as exc:
        at = model.entities.get(exc.entity or "")
        problems.add(at.path(exc.field) if at is not None and exc.field else None, str(exc))
    problems.raise_if_any()
