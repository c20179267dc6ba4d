"""Every provider argument is declared (kinds, range, where it is written), and the
declarations are what the loader and the compiler check: a new provider cannot
forget an argument, and a Python scenario is checked like a YAML one."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import seeder
from seeder.errors import InvalidProvider, ScenarioError
from seeder.providers import Choice, Counter, Fake, Provider, Range, Ref, Seq
from seeder.providers.args import ARG, check_args
from tests.conftest import model_of


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


PROVIDERS = sorted(
    {c for c in _subclasses(Provider) if c.__module__.startswith("seeder.providers")},
    key=lambda c: c.__name__,
)


def test_the_providers_are_all_found() -> None:
    names = {c.__name__ for c in PROVIDERS}
    assert {"Range", "Fake", "Ref", "From", "Counter", "Series", "Choice"} <= names


@pytest.mark.parametrize("cls", PROVIDERS, ids=[c.__name__ for c in PROVIDERS])
def test_every_argument_of_every_provider_is_declared(cls: type) -> None:
    undeclared = [f.name for f in dataclasses.fields(cls) if ARG not in f.metadata]
    assert undeclared == [], f"{cls.__name__} declares no Arg for {undeclared}"


@pytest.mark.parametrize(
    ("provider", "needle", "at"),
    [
        (Counter(Range(0, 1), round="three"), "counter round must be a whole number", ("round",)),
        (Counter(Range(0, 1), start="zero"), "counter start must be a number", ("$kind", "start")),
        (Fake("name", args=[1]), "fake args must be a mapping", ("args",)),  # type: ignore[arg-type]
        (Ref("user", field=3), "ref field must be a string", ("field",)),  # type: ignore[arg-type]
        (Choice([1, 2], seed_by="x y"), "choice seed_by must be a name", ("seed_by",)),
        (
            Counter(Range(0, 1, seed_by="a b")),  # a nested provider is checked too
            "range seed_by must be a name",
            ("$kind", "step", "seed_by"),
        ),
    ],
)
def test_a_wrong_argument_is_refused_where_it_is_written(
    provider: Any, needle: str, at: tuple[Any, ...]
) -> None:
    with pytest.raises(InvalidProvider) as refused:
        check_args(provider)
    assert needle in str(refused.value) and refused.value.at == at


def test_a_python_scenario_is_checked_against_the_declarations_too() -> None:
    entities = {
        "user": seeder.Entity("CreateUser", count=3, fields={"name": Seq("u{n}")}),
        "post": seeder.Entity(
            "CreatePost",
            per="user",
            count=2,
            fields={
                "author_id": seeder.From("parent"),
                "title": Seq("p{n}"),
                "size": Counter(Range(0, 2), round="three"),
            },
        ),
    }
    with pytest.raises(ScenarioError) as refused:
        model_of(entities)
    assert "counter round must be a whole number >= 0, got 'three'" in str(refused.value)


def test_a_reference_s_declarations_hold_its_own_checks_first() -> None:
    """The providers' own messages come first (they say more than the declaration)."""
    with pytest.raises(InvalidProvider, match="mean is the average uses"):
        Ref("user", mean=0)
