"""Random YAML never escapes as anything but the project's own error."""

from __future__ import annotations

from pathlib import Path

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
