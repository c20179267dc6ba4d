"""The school data hub's sandbox (scenarios/school.yaml's ``serve:`` section)
through real HTTP: the hub's nine endpoints at its own paths, paged by
navigationPage (0-based) / navigationPageSize, with the same enrolment and staff
ids across them, and the same bytes from two server processes.

The expected contents come from the plan itself (``seeder.plan_items``), the
independent record of what the scenario makes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import seeder
from tests.serve.sandbox import ROOT, serving, start_serve, stop

SCENARIO = ROOT / "scenarios" / "school.yaml"
STUDENT_API = "/qt_student/school-api/schools/{}/"
STAFF_API = "/qt_staff/school-api/schools/{}/"
STUDENT_ENDPOINTS = [
    "students",
    "photos",
    "flags",
    "addresses",
    "parents",
    "emergency-contacts",
    "enrolment-history",
]
STAFF_ENDPOINTS = ["staff", "photos"]
NINE = [STUDENT_API + e for e in STUDENT_ENDPOINTS] + [STAFF_API + e for e in STAFF_ENDPOINTS]


@pytest.fixture(scope="module")
def plan() -> list[seeder.PlanItem]:
    return list(seeder.plan_items(seeder.load_model(SCENARIO)))


@pytest.fixture(scope="module")
def hub() -> Iterator[httpx.Client]:
    with serving(SCENARIO) as client:
        yield client


def centre_codes(plan: list[seeder.PlanItem]) -> list[str]:
    return [i.body["centre_code"] for i in plan if i.entity == "school"]


def everything(client: httpx.Client, path: str) -> dict[str, Any]:
    answer = client.get(path, params={"navigationPageSize": 500})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert body["totalPages"] <= 1
    return body


def test_the_hub_has_four_schools_with_four_digit_centre_codes(plan: list[seeder.PlanItem]) -> None:
    codes = centre_codes(plan)
    assert len(codes) == 4 and all(len(c) == 4 and c.isdigit() for c in codes)


def test_page_one_of_size_five_is_the_sixth_to_tenth_students(
    hub: httpx.Client, plan: list[seeder.PlanItem]
) -> None:
    for code in centre_codes(plan):
        path = STUDENT_API.format(code) + "students"
        page = hub.get(path, params={"navigationPage": 1, "navigationPageSize": 5}).json()
        # the plan's students of this school, in plan order: the 6th to 10th
        planned = [i for i in plan if i.entity == "student" and i.body["centre_code"] == code]
        names = [(s.body["given_name"], s.body["family_name"]) for s in planned[5:10]]
        assert [(s["given_name"], s["family_name"]) for s in page["items"]] == names
        assert page["navigationPage"] == 1 and page["navigationPageSize"] == 5
        assert page["totalItems"] == len(planned) == 50
        assert page["totalPages"] == 10
        whole = everything(hub, path)["items"]
        assert page["items"] == whole[5:10]


def test_totals_are_what_the_plan_made(hub: httpx.Client, plan: list[seeder.PlanItem]) -> None:
    enrolled: dict[str, str] = {}  # student key -> centre code
    for i in plan:
        if i.entity == "student":
            enrolled[i.key] = i.body["centre_code"]

    def per_school(entity: str, keep: Any = lambda body: True) -> Counter[str]:
        return Counter(i.body["centre_code"] for i in plan if i.entity == entity and keep(i.body))

    expected = {
        "students": per_school("student"),
        "photos": per_school("student", lambda b: b["photo_url"] is not None),
        "flags": per_school("student", lambda b: b["flags"] != []),
        "addresses": per_school("student"),
        "parents": per_school("guardian"),
        "emergency-contacts": per_school("emergency_contact"),
        "enrolment-history": per_school("enrolment"),
    }
    staff = per_school("staff")
    staff_photos = per_school("staff", lambda b: b["photo_url"] is not None)
    for code in centre_codes(plan):
        for endpoint, counts in expected.items():
            body = everything(hub, STUDENT_API.format(code) + endpoint)
            assert body["totalItems"] == len(body["items"]) == counts[code], endpoint
        assert everything(hub, STAFF_API.format(code) + "staff")["totalItems"] == staff[code] == 10
        assert (
            everything(hub, STAFF_API.format(code) + "photos")["totalItems"] == staff_photos[code]
        )
        assert 0 < staff_photos[code] < 10  # some staff have no photo: the filter is seen working


def test_the_same_enrolment_and_staff_ids_across_every_endpoint(
    hub: httpx.Client, plan: list[seeder.PlanItem]
) -> None:
    for code in centre_codes(plan):
        student_api, staff_api = STUDENT_API.format(code), STAFF_API.format(code)
        students = [s["enrolment_id"] for s in everything(hub, student_api + "students")["items"]]
        assert len(set(students)) == 50 and all(e.startswith("E") for e in students)
        assert [a["enrolment_id"] for a in everything(hub, student_api + "addresses")["items"]] == (
            students
        )
        for endpoint in ("photos", "flags"):
            ids = [x["enrolment_id"] for x in everything(hub, student_api + endpoint)["items"]]
            assert set(ids) <= set(students) and ids == sorted(ids, key=students.index)
        for endpoint in ("parents", "emergency-contacts", "enrolment-history"):
            ids = {x["enrolment_id"] for x in everything(hub, student_api + endpoint)["items"]}
            assert ids == set(students), endpoint  # every student has 1..3 of each
        staff = [m["staff_id"] for m in everything(hub, staff_api + "staff")["items"]]
        assert len(set(staff)) == 10
        photos = {m["staff_id"] for m in everything(hub, staff_api + "photos")["items"]}
        assert photos <= set(staff)
        history = everything(hub, student_api + "enrolment-history")["items"]
        assert {h["recorded_by_staff_id"] for h in history} <= set(staff)
        # and the same student is the same record by its key, at the default route
        first = hub.get(f"/students/{students[0]}").json()
        assert first["centre_code"] == code and first["enrolment_id"] == students[0]


def test_a_page_past_the_end_is_empty_with_its_totals(hub: httpx.Client) -> None:
    codes = [s["centre_code"] for s in hub.get("/schools").json()["items"]]
    page = hub.get(
        STUDENT_API.format(codes[0]) + "students",
        params={"navigationPage": 10, "navigationPageSize": 5},
    )
    assert page.status_code == 200
    assert page.json() == {
        "items": [],
        "navigationPage": 10,
        "navigationPageSize": 5,
        "totalItems": 50,
        "totalPages": 10,
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"navigationPageSize": 0}, "navigationPageSize must be between 1 and 500, got 0"),
        ({"navigationPageSize": 501}, "navigationPageSize must be between 1 and 500, got 501"),
        ({"navigationPageSize": "ten"}, "navigationPageSize must be a whole number, got 'ten'"),
        ({"navigationPage": -1}, "navigationPage must be >= 0, got -1"),
        ({"pageSize": 5}, "unknown query parameter 'pageSize'"),
    ],
)
def test_a_bad_page_is_a_clear_422(hub: httpx.Client, params: dict[str, Any], message: str) -> None:
    code = hub.get("/schools").json()["items"][0]["centre_code"]
    answer = hub.get(STUDENT_API.format(code) + "students", params=params)
    assert answer.status_code == 422
    (detail,) = answer.json()["detail"]
    assert detail["loc"] == ["query", next(iter(params))]
    assert detail["msg"].startswith(message)


def test_an_unknown_centre_code_is_a_404(hub: httpx.Client) -> None:
    codes = {s["centre_code"] for s in hub.get("/schools").json()["items"]}
    missing = next(c for c in ("0000", "0001", "0002", "0003", "0004") if c not in codes)
    for path in NINE:
        answer = hub.get(path.format(missing))
        assert answer.status_code == 404
        assert answer.json() == {"detail": f"no school with centre_code '{missing}'"}


def test_formats_by_accept_or_query_show_the_same_items(hub: httpx.Client) -> None:
    code = hub.get("/schools").json()["items"][0]["centre_code"]
    path = STUDENT_API.format(code) + "parents"
    params = {"navigationPage": 2, "navigationPageSize": 7}
    items = hub.get(path, params=params).json()["items"]
    ndjson = hub.get(path, params=params, headers={"Accept": "application/x-ndjson"})
    assert ndjson.headers["content-type"].startswith("application/x-ndjson")
    assert [json.loads(line) for line in ndjson.text.splitlines()] == items
    assert ndjson.headers["X-Total-Count"] == str(hub.get(path).json()["totalItems"])
    csv_answer = hub.get(path, params={**params, "format": "csv"})
    assert csv_answer.headers["content-type"].startswith("text/csv")
    header, *rows = csv_answer.text.splitlines()
    assert header.split(",") == list(items[0])
    assert len(rows) == 7
    import csv

    parsed = list(csv.DictReader(csv_answer.text.splitlines()))
    assert [r["enrolment_id"] for r in parsed] == [i["enrolment_id"] for i in items]
    assert [r["email"] or None for r in parsed] == [i["email"] for i in items]
    bad = hub.get(path, params={"format": "xml"})
    assert bad.status_code == 422 and "format must be one of json, ndjson, csv" in bad.text


def test_identical_bytes_from_two_server_processes(plan: list[seeder.PlanItem]) -> None:
    first, url_a = start_serve(SCENARIO)
    second, url_b = start_serve(SCENARIO)
    try:
        paths = ["/", "/_counts", "/students?navigationPageSize=500", "/guardians"]
        for code in centre_codes(plan):
            paths += [p.format(code) + "?navigationPageSize=500" for p in NINE]
            paths += [STUDENT_API.format(code) + "parents?format=csv&navigationPage=1"]
        with httpx.Client(base_url=url_a) as a, httpx.Client(base_url=url_b) as b:
            for path in paths:
                one, two = a.get(path), b.get(path)
                assert one.status_code == two.status_code == 200, path
                assert one.content == two.content, path
    finally:
        stop(first)
        stop(second)
