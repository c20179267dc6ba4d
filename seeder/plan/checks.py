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


def sample_model(model: Model) -> Model:
    """``model`` scaled down so that its smallest root has about PER_ENTITY items:
    every entity then comes up within a few hundred items, whatever --scale (the
    full plan reaches the members of a 50,000-book library only after the books).
    The same scenario and seed: the same providers, the same first values."""
    from seeder.model import compile_model, with_records

    counts = [model.entities[r].count or 0 for r in model.roots]
    if not counts or min(counts) <= PER_ENTITY:
        return model
    factor = max(PER_ENTITY / c for c in counts if c)
    sample = compile_model(model.scenario, scale=model.scale * factor, locate=model.locate)
    if model.records is None:
        return sample
    return with_records(sample, model.records)  # existing entities: the same records


def check_sample(model: Model, limit: int = SAMPLE_ITEMS) -> None:
    """Plans a sample of ``model`` (:func:`sample_model`, at most ``limit`` items)
    and validates up to 20 bodies per entity: in a fraction of a second at any
    scale, so the run's first command goes out soon after start."""
    problems = Problems(model.scenario.source, model.locate)
    seen: dict[str, int] = {}
    reported: set[tuple[str, str]] = set()
    try:
        for n, item in enumerate(Planner(sample_model(model)).items()):
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
