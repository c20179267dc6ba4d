"""Random YAML never escapes as anything but the project's own error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import seeder
from seeder.errors import SeederError
from tests.conftest import ROOT

WORDS = [
    "seed",
    "commands",
    "entities",
    "command",
    "count",
    "per",
    "fields",
    "vars",
    "actor",
    "unique",
    "ref",
    "fake",
    "seq",
    "choice",
    "range",
    "from",
    "where",
    "mean",
    "skew",
    "weights",
    "null_weight",
    "tenant",
    "author",
    "book",
    "name",
    "tenant_id",
    "author_id",
    "CreateTenant",
    "RegisterAuthor",
    "PublishBook",
    "parent",
    "series",
    "counter",
    "step",
    "start",
    "$tenant_id",
    "$ne",
    "$in",
    "template",
    "python",
    "date",
    "poisson",
    "normal",
    "min",
    "max",
    "round",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=12),
)
keys = st.one_of(st.sampled_from(WORDS), st.text(max_size=8))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=30,
)


def _check(text: str, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        model = seeder.load_model(path)
        for _, _item in zip(range(50), seeder.plan_items(model), strict=False):
            pass
    except SeederError:
        event("refused with a SeederError")
    else:
        event("loaded and planned")


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(documents)
def test_random_documents_load_or_raise_our_error(tmp_path: Path, doc: object) -> None:
    if isinstance(doc, dict):
        doc = {"commands": str(ROOT / "commands" / "library.py"), **doc}
    _check(yaml.safe_dump(doc, allow_unicode=True), tmp_path)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=st.sampled_from(list("{}[]:,-&*!|>'\"#%@ \n\tab1$.")), max_size=80))
def test_random_text_loads_or_raises_our_error(tmp_path: Path, text: str) -> None:
    _check(text, tmp_path)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_mutated_example_scenario_loads_or_raises_our_error(
    tmp_path: Path, data: st.DataObject
) -> None:
    text = (
        (ROOT / "scenarios" / "library.yaml")
        .read_text()
        .replace("../commands/library.py", str(ROOT / "commands" / "library.py"))
    )
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        choice = data.draw(st.integers(0, 2))
        if choice == 0:
            del lines[i]
        elif choice == 1:
            lines[i] = lines[i].replace(
                data.draw(st.sampled_from(WORDS)), data.draw(st.sampled_from(WORDS))
            )
        else:
            lines.insert(i, data.draw(st.sampled_from(lines)))
    _check("\n".join(lines), tmp_path)


# YAML's riskier corners: tags (unsafe and unknown), anchors, aliases, merge keys,
# several documents. Lines are assembled from these pieces at random indentations.
PIECES = [
    "&a",
    "&b",
    "*a",
    "*b",
    "<<:",
    "<<: *a",
    "<<: [*a, *b]",
    "!!python/object/apply:os.system",
    '!!python/object/apply:os.system ["exit 3"]',
    "!!python/name:os.system",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!str",
    "!!int 3",
    "!!float .nan",
    "!local",
    "!<tag:example.com:x>",
    "%YAML 1.1",
    "%TAG ! tag:example.com,2000:",
    "---",
    "...",
    "? [a, b]",
    "[",
    "]",
    "{",
    "}",
    ":",
    "-",
    "entities:",
    "tenant:",
    "command: CreateTenant",
    "fields:",
    "name:",
    "{seq: T{n}}",
    ".inf",
    "~",
]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.lists(st.sampled_from(PIECES), min_size=1, max_size=4)),
        max_size=12,
    )
)
def test_random_tags_anchors_and_aliases_load_or_raise_our_error(
    tmp_path: Path, lines: list[tuple[int, list[str]]]
) -> None:
    text = "\n".join("  " * indent + " ".join(words) for indent, words in lines)
    _check(f"commands: {ROOT / 'commands' / 'library.py'}\n{text}", tmp_path)


def _bomb(width: int, depth: int, merge: bool) -> str:
    if merge:  # merge keys copy the pairs of the mappings they name
        lines = ["k0: &k0 {x: 1, y: 2}"]
        for k in range(1, depth + 1):
            lines.append(f"k{k}: &k{k} {{<<: [{', '.join([f'*k{k - 1}'] * width)}]}}")
    else:
        lines = [f"k0: &k0 [{', '.join(['x'] * width)}]"]
        for k in range(1, depth + 1):
            lines.append(f"k{k}: &k{k} [{', '.join([f'*k{k - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(2, 12), st.integers(1, 12), st.booleans())
def test_alias_bombs_are_refused_with_a_limit_message(
    tmp_path: Path, width: int, depth: int, merge: bool
) -> None:
    """Billion laughs: `&a [*a, *a, ...]` nested expands to width**depth values from a
    few hundred bytes. Over the limit the loader refuses it without expanding it."""
    from seeder.scenario.compose import MAX_NODES

    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(width, depth, merge))
    with pytest.raises(SeederError) as refused:
        seeder.load_model(path)  # no entities: refused anyway, the question is how
    if merge:  # mapping k holds 2 * width**k pairs once merged
        expanded = sum(1 + 2 * width**k for k in range(depth + 1))
    else:  # list k holds width**(k+1) leaves under its inner lists
        expanded = sum(sum(width**j for j in range(k + 2)) for k in range(depth + 1))
    if expanded > 2 * MAX_NODES:
        assert "expands to more than" in str(refused.value)
