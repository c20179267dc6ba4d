"""Contract tests of the served API by a real client-side tool: schemathesis reads
``seeder serve``'s OpenAPI description (the school sandbox's nine routes, the
default ones, and the runs API) and sends requests it generates from it, checking
every answer against it — documented status codes and content types, the
documented response schemas, no 5xx — a bounded number of examples per operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.serve.sandbox import ROOT, start_serve, stop

SCHOOL = ROOT / "scenarios" / "school.yaml"
EXAMPLES = 6  # per operation: ~37 operations, about two hundred requests in all


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    process, url = start_serve(SCHOOL, "--scale", "0.2")
    try:
        yield url
    finally:
        stop(process)


def checker(operation: Any, excluded: list[Any]) -> Callable[[], None]:
    """The hypothesis test of one operation: its generated cases sent and checked."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,  # the same requests in every run
        database=None,
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(excluded_checks=excluded)

    return check  # type: ignore[no-any-return]


def test_the_served_api_keeps_its_description(served: str) -> None:
    api = schemathesis.openapi.from_url(served + "/openapi.json")
    found: dict[str, str] = {}
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        # a run's target must also be one the scenario allows (loopback here): a
        # policy of the server, not of the schema, so a schema-valid URL may be a 422
        starts = operation.method.upper() == "POST"
        excluded = [schemathesis.checks.positive_data_acceptance] if starts else []
        try:
            checker(operation, excluded)()
        except Exception as exc:  # every operation's finding is said, not the first only
            found[operation.label] = str(exc)[:2000]
    assert not found, "\n\n".join(f"{k}:\n{v}" for k, v in found.items())
