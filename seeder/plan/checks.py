"""Checks the first planned commands of every entity against their command model
(pydantic), so a provider that makes values the command refuses is reported with
its location before anything is planned in bulk or sent."""

from __future__ import annotations

from pydantic import ValidationError

from seeder.errors import PlanError, SeederError
from seeder.model import Model
from seeder.plan.planner import Planner
from seeder.scenario.problems import Problems

__all__ = ["MAX_COMMANDS", "check_sample", "check_size"]

# More commands than any run or command log of this tool can be meant to hold (at
# 100,000 commands/s, a day is 8.6e9): a typo in --scale, refused before planning.
MAX_COMMANDS = 1_000_000_000

SAMPLE_ITEMS = 5000
PER_ENTITY = 20


def check_size(model: Model, limit: int = MAX_COMMANDS) -> None:
    """Refuses a plan of more than ``limit`` commands (expected), in one line."""
    expected = model.expected_total()
    if expected > limit:
        raise SeederError(
            f"--scale {model.scale:g} plans ~{expected:,.3g} commands, more than the "
            f"{limit:,} seeder plans at most; lower --scale"
        )


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
