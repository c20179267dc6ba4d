"""The per-entity builders (seeder/plan/builders.py) make exactly the items of the
planner's generic create: the same draws in the same order, the same body, refs,
deps, actor and keys, on every example scenario (references on demand, final
pools, unique combinations, children per parent, actors, null_weight)."""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any

import pytest

import seeder
from seeder.plan.planner import Planner
from tests.conftest import SCENARIOS

LIMIT = 20_000  # items compared per scenario


def _items(model: seeder.Model, generic: bool) -> list[tuple[Any, ...]]:
    planner = Planner(model)
    if generic:
        planner.builders = {
            name: (lambda parent, i, name=name: planner.create_generic(name, None, parent, i))
            for name in planner.builders
        }
    fields = ("seq", "key", "entity", "command", "body", "refs", "deps", "actor")
    return [
        (*(getattr(x, f) for f in fields), x.idempotency_key, x.links)
        for x in islice(planner.items(), LIMIT)
    ]


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: Path(p).stem)
def test_builders_make_the_items_of_the_generic_create(path: Path) -> None:
    model = seeder.load_model(path)
    fast, generic = _items(model, False), _items(model, True)
    assert len(fast) > 100
    assert fast == generic


def test_a_draw_that_fails_is_said_at_its_field_by_the_builder() -> None:
    """A provider failing inside a generated builder is reported as the generic
    create reports it: at the entity and the field, with the item."""
    from tests.conftest import model_of

    model = model_of(
        {
            "user": seeder.Entity(
                command="CreateUser",
                count=3,
                fields={"name": seeder.Seq("u{n}"), "score": seeder.Series(1.0e308, 1.0e308)},
            )
        }
    )
    said = []
    for generic in (False, True):
        with pytest.raises(seeder.SeederError) as err:
            _items(model, generic)
        said.append(str(err.value))
    assert "user.score" in said[0] and "at item user:2" in said[0]
    assert said[0] == said[1]


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: Path(p).stem)
def test_the_planner_writing_lines_writes_the_lines_of_its_items(path: Path) -> None:
    """``seeder plan`` has the builders write each line as they make it (no plan
    items): the same file as writing the plan's items, byte for byte."""
    import io

    from seeder.plan.commandlog import JsonlCommandLog
    from seeder.plan.manifest import manifest_of
    from tests.conftest import jsonl

    model = seeder.load_model(path)
    out = io.StringIO()
    log = JsonlCommandLog(model, out, manifest_of(model))
    count = log.write_plan(model)
    log.close()
    assert out.getvalue() == jsonl(model)
    assert count == out.getvalue().count("\n") - 1 > 100  # the manifest is no command
