"""The served API's OpenAPI description (FastAPI's, at /openapi.json) names every
route with its path, paging, format and filter parameters, and each documented
parameter is one the route really takes (an undocumented one is a 422)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.serve.sandbox import ROOT, serving

SCHOOL = ROOT / "scenarios" / "school.yaml"


@pytest.fixture(scope="module")
def hub() -> Iterator[httpx.Client]:
    with serving(SCHOOL) as client:
        yield client


def test_every_route_is_described_with_its_parameters(hub: httpx.Client) -> None:
    spec = hub.get("/openapi.json").json()
    listed = {r["path"] for r in hub.get("/").json()["routes"]}
    assert listed <= set(spec["paths"])
    students = spec["paths"]["/qt_student/school-api/schools/{centreCode}/students"]["get"]
    params = {p["name"]: p for p in students["parameters"]}
    assert params["centreCode"]["in"] == "path" and params["centreCode"]["required"]
    assert params["navigationPage"]["schema"] == {"type": "integer", "minimum": 0, "default": 0}
    assert params["navigationPageSize"]["schema"]["maximum"] == 500
    assert params["format"]["schema"]["enum"] == ["json", "ndjson", "csv"]
    assert {"enrolment_id", "given_name", "gender"} <= set(params)
    code = hub.get("/schools").json()["items"][0]["centre_code"]
    for name, param in params.items():
        if param["in"] != "query":
            continue
        value = {"integer": "1", "string": "json" if name == "format" else "x"}[
            param["schema"]["type"]
        ]
        answer = hub.get(f"/qt_student/school-api/schools/{code}/students", params={name: value})
        assert answer.status_code == 200, (name, answer.text)
    undocumented = hub.get(f"/qt_student/school-api/schools/{code}/students", params={"q": "1"})
    assert undocumented.status_code == 422
