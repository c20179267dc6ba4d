"""Compiling a scenario into the checked model, in four steps, collecting every
problem with its location before anything is planned or sent:

1. :mod:`.definitions` — each entity against its command's real fields;
2. :mod:`.kinds` — what each value is: a literal, or a reference (placeholder or not);
3. :mod:`.constraints` — ``where:`` specifications and ``unique``;
4. :mod:`.ordering` — field and entity order, expected counts.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from seeder.model.canonical import fingerprint
from seeder.model.constraints import (
    check_actor,
    check_counter_factors,
    check_references,
    check_unique,
    check_unique_space,
)
from seeder.model.definitions import entity_model, link_parents, resolve_commands
from seeder.model.kinds import existing_refs, field_kinds
from seeder.model.ordering import entity_order, evaluation_order, expected_counts
from seeder.model.types import EntityModel, Model
from seeder.scenario import Scenario
from seeder.scenario.load import load_scenario
from seeder.scenario.problems import Locate, Problems

__all__ = ["compile_model", "load_model", "with_records"]


def compile_model(scenario: Scenario, *, scale: float = 1.0, locate: Locate | None = None) -> Model:
    """Checks and analyses ``scenario``; raises ScenarioError listing every problem."""
    problems = Problems(scenario.source, locate)
    if not isinstance(scenario.seed, int) or isinstance(scenario.seed, bool):
        problems.add(("seed",), f"seed must be a whole number, got {scenario.seed!r}")
    if not scale > 0:
        problems.add(("scale",), f"--scale must be > 0, got {scale}")
    commands = resolve_commands(scenario, problems)
    problems.raise_if_any()
    if not scenario.entities:
        problems.add(("entities",), "the scenario has no entities; add at least one")

    models: dict[str, EntityModel] = {}
    for name, entity in scenario.entities.items():
        em = entity_model(name, entity, commands, scenario, problems)
        if em is not None:
            models[name] = em
    problems.raise_if_any()

    if not link_parents(models, problems, scale):
        problems.raise_if_any()  # a cycle of parents: what follows would only repeat it
    existing_refs(models, problems)
    problems.raise_if_any()  # what follows would only repeat a wrong refs: as kinds
    for em in models.values():
        field_kinds(em, models, problems)
    for em in models.values():
        check_references(em, models, problems)
        evaluation_order(em, problems, scenario.base_dir)
        check_unique(em, models, problems)
        check_counter_factors(em, models, problems)
        check_actor(em, models, problems)
    order = entity_order(models, problems)
    problems.raise_if_any()
    expected_counts(models, order)
    check_unique_space(models, problems)
    problems.raise_if_any()

    roots = [n for n in order if models[n].parent is None and models[n].count]
    return Model(scenario, models, order, roots, scale, fingerprint(scenario, scale), locate)


def load_model(path: str | Path, *, scale: float = 1.0, seed: int | None = None) -> Model:
    """Loads and compiles a scenario file (``seed`` overrides the file's seed)."""
    scenario, locate = load_scenario(path)
    if seed is not None:
        scenario = dataclasses.replace(scenario, seed=seed)
    return compile_model(scenario, scale=scale, locate=locate)


def with_records(
    model: Model, records: dict[str, list[dict[str, Any]]], fingerprint: str | None = None
) -> Model:
    """``model`` with the records of its existing entities read: how many each holds
    is then known, and so the expected counts of their children (``per:``) and the
    final pools those children draw over. ``model`` itself is left as it was."""
    entities = {
        name: dataclasses.replace(
            em, pools=dict(em.pools), held=len(records.get(name, ())) if em.existing else 0
        )
        for name, em in model.entities.items()
    }
    expected_counts(entities, model.order)
    return dataclasses.replace(
        model,
        entities=entities,
        records=records,
        fingerprint=model.fingerprint if fingerprint is None else fingerprint,
    )
