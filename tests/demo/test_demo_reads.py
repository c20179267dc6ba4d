"""Read endpoints over HTTP, on SQLite and PostgreSQL: counts, lists that let a
test verify seeded data, and the school hub's paged APIs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from demo_drivers import HttpDriver, ok

from commands.energy import InstallMeter, RecordReading, RegisterCustomer
from commands.library import CreateTenant, PublishBook, RegisterAuthor, RegisterMember
from commands.school import (
    AddEmergencyContact,
    AddParent,
    CreateClass,
    CreateSchool,
    EnrolStudent,
    HireStaff,
    RecordEnrolment,
)

COUNT_KEYS = {
    "tenants", "authors", "books", "members", "loans", "schools", "classes", "staff",
    "students", "parents", "emergency_contacts", "enrolments", "customers", "meters", "readings",
}  # fmt: skip
STUDENT_API = "/qt_student/school-api/schools/{}/"
STAFF_API = "/qt_staff/school-api/schools/{}/"


def get(client: httpx.Client, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_counts_name_every_entity(http_client: httpx.Client) -> None:
    assert get(http_client, "/_counts") == dict.fromkeys(COUNT_KEYS, 0)


def test_library_lists_show_every_books_author_in_its_tenant(http_client: httpx.Client) -> None:
    driver = HttpDriver(http_client)
    tenants = [ok(driver, CreateTenant(name=f"t{i}"))["id"] for i in range(2)]
    for t in tenants:
        authors = [ok(driver, RegisterAuthor(tenant_id=t, name=f"a{i}"))["id"] for i in range(3)]
        for i in range(7):
            ok(
                driver,
                PublishBook(
                    tenant_id=t, author_id=authors[i % 3], isbn=f"97800000{t}{i:04d}", title="T"
                ),
            )
        ok(driver, RegisterMember(tenant_id=t, name="m", email="m@x.example"))
    for t in tenants:
        authors = {a["id"] for a in get(http_client, f"/tenants/{t}/authors")["items"]}
        books = get(http_client, f"/tenants/{t}/books")
        assert books["total"] == 7 and [b["number"] for b in books["items"]] == list(range(1, 8))
        assert all(b["author_id"] in authors and b["tenant_id"] == t for b in books["items"])
        members = get(http_client, f"/tenants/{t}/members")["items"]
        assert len(members) == 1 and "token" not in members[0] and "token_sha256" not in members[0]
    page = get(http_client, f"/tenants/{tenants[0]}/books", offset=5, limit=10)
    assert [b["number"] for b in page["items"]] == [6, 7] and page["total"] == 7
    assert get(http_client, f"/tenants/{tenants[1]}")["name"] == "t1"
    assert http_client.get("/tenants/99/books").status_code == 404
    assert (
        http_client.get("/tenants/1/books", params={"limit": 0}).json()["error"] == "invalid_query"
    )


def test_readings_list_oldest_first_and_never_decreasing(http_client: httpx.Client) -> None:
    driver = HttpDriver(http_client)
    customer = ok(driver, RegisterCustomer(name="c", email="c@x.example", tariff="demand"))["id"]
    ok(
        driver,
        InstallMeter(
            customer_id=customer,
            meter_id="MTR-12345678",
            kind="water",
            installed_on=dt.date(2024, 1, 1),
        ),
    )
    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for hour, value in enumerate([1.0, 1.5, 1.5, 4.0]):
        ok(
            driver,
            RecordReading(
                meter_id="MTR-12345678", taken_at=t0 + dt.timedelta(hours=hour), value=value
            ),
        )
    items = get(http_client, "/meters/MTR-12345678/readings")["items"]
    values = [r["value"] for r in items]
    assert values == [1.0, 1.5, 1.5, 4.0] and values == sorted(values)
    times = [dt.datetime.fromisoformat(r["taken_at"]) for r in items]
    assert times == sorted(times) and len(set(times)) == 4
    meters = get(http_client, f"/customers/{customer}/meters")["items"]
    assert [m["meter_id"] for m in meters] == ["MTR-12345678"]
    assert http_client.get("/meters/MTR-00000000/readings").status_code == 404


@pytest.fixture
def school_data(http_client: httpx.Client) -> dict[str, Any]:
    """School 4650 with 3 staff (2 with photos), 2 classes and 7 students."""
    driver = HttpDriver(http_client)
    ok(driver, CreateSchool(centre_code="4650", name="Hill State School"))
    ok(driver, CreateSchool(centre_code="1690", name="Empty State School"))
    for i in range(3):
        hire = HireStaff(
            centre_code="4650",
            staff_id=f"S00000{i}",
            given_name="G",
            family_name=f"F{i}",
            role="teacher",
            email=f"s{i}@x.example",
            photo_url=f"https://p/{i}" if i < 2 else None,
        )
        ok(driver, hire)
    for code in ("7A", "7B"):
        create = CreateClass(
            centre_code="4650", class_code=code, year_level=7, teacher_staff_id="S000000"
        )
        ok(driver, create)
    students = []
    for i in range(7):
        enrol = EnrolStudent(
            centre_code="4650",
            given_name=f"g{i}",
            family_name="f",
            date_of_birth=dt.date(2012, 1, 1 + i),
            gender="F",
            class_code="7A" if i % 2 == 0 else "7B",
            street=f"{i} Road",
            suburb="Town",
            postcode="4650",
            photo_url=f"https://p/s{i}" if i % 3 == 0 else None,
            flags=["allergy", "medical"] if i == 4 else [],
        )
        students.append(ok(driver, enrol)["enrolment_id"])
    first = students[0]
    ok(
        driver,
        AddParent(
            centre_code="4650",
            enrolment_id=first,
            given_name="M",
            family_name="f",
            relationship="mother",
            phone="1",
        ),
    )
    ok(
        driver,
        AddParent(
            centre_code="4650",
            enrolment_id=students[1],
            given_name="D",
            family_name="f",
            relationship="father",
            phone="2",
        ),
    )
    ok(
        driver,
        AddEmergencyContact(
            centre_code="4650",
            enrolment_id=first,
            name="Nan",
            phone="3",
            relationship="grandmother",
        ),
    )
    ok(
        driver,
        RecordEnrolment(
            centre_code="4650",
            enrolment_id=first,
            class_code="7A",
            start_date=dt.date(2024, 1, 29),
            recorded_by_staff_id="S000001",
        ),
    )
    return {"students": students}


def test_school_students_are_paged_with_totals(
    http_client: httpx.Client, school_data: dict[str, Any]
) -> None:
    url = STUDENT_API.format("4650") + "students"
    default = get(http_client, url)
    assert default["navigationPage"] == 0 and default["navigationPageSize"] == 50
    assert default["totalItems"] == 7 and default["totalPages"] == 1
    seen = []
    for page in range(3):
        body = get(http_client, url, navigationPage=page, navigationPageSize=3)
        assert (body["totalItems"], body["totalPages"], body["navigationPage"]) == (7, 3, page)
        seen += [s["enrolment_id"] for s in body["items"]]
    assert seen == school_data["students"]
    beyond = get(http_client, url, navigationPage=5, navigationPageSize=3)
    assert beyond["items"] == [] and beyond["totalItems"] == 7
    for params in ({"navigationPageSize": 0}, {"navigationPageSize": 501}, {"navigationPage": -1}):
        reply = http_client.get(url, params=params)
        assert (reply.status_code, reply.json()["error"]) == (422, "invalid_query"), params
    assert get(http_client, url, navigationPageSize=500)["totalPages"] == 1


def test_school_views_show_what_was_recorded(
    http_client: httpx.Client, school_data: dict[str, Any]
) -> None:
    s = school_data["students"]
    student_api, staff_api = STUDENT_API.format("4650"), STAFF_API.format("4650")
    photos = get(http_client, student_api + "photos")["items"]
    assert [p["enrolment_id"] for p in photos] == [s[0], s[3], s[6]] and photos[0][
        "photo_url"
    ] == "https://p/s0"
    assert get(http_client, student_api + "flags")["items"] == [
        {"enrolment_id": s[4], "flags": ["allergy", "medical"]}
    ]
    addresses = get(http_client, student_api + "addresses")
    assert addresses["totalItems"] == 7 and addresses["items"][2]["street"] == "2 Road"
    parents = get(http_client, student_api + "parents")["items"]
    assert [(p["enrolment_id"], p["relationship"]) for p in parents] == [
        (s[0], "mother"),
        (s[1], "father"),
    ]
    contacts = get(http_client, student_api + "emergency-contacts")["items"]
    assert [(c["enrolment_id"], c["name"]) for c in contacts] == [(s[0], "Nan")]
    history = get(http_client, student_api + "enrolment-history")["items"]
    assert history[0]["recorded_by_staff_id"] == "S000001" and history[0]["end_date"] is None
    staff = get(http_client, staff_api + "staff")
    assert staff["totalItems"] == 3 and [m["staff_id"] for m in staff["items"]] == [
        "S000000",
        "S000001",
        "S000002",
    ]
    staff_photos = get(http_client, staff_api + "photos")["items"]
    assert [m["staff_id"] for m in staff_photos] == ["S000000", "S000001"]
    assert get(http_client, staff_api + "staff/photos")["items"] == staff_photos  # the old path
    classes = get(http_client, "/schools/4650/classes")["items"]
    assert [c["class_code"] for c in classes] == ["7A", "7B"]
    assert get(http_client, STUDENT_API.format("1690") + "students")["totalItems"] == 0
    counts = get(http_client, "/_counts")
    assert (counts["schools"], counts["staff"], counts["students"], counts["parents"]) == (
        2,
        3,
        7,
        2,
    )


@pytest.mark.parametrize(
    "path",
    [
        STUDENT_API + v
        for v in (
            "students",
            "photos",
            "flags",
            "addresses",
            "parents",
            "emergency-contacts",
            "enrolment-history",
        )
    ]
    + [STAFF_API + "staff", STAFF_API + "photos", STAFF_API + "staff/photos"]
    + ["/schools/{}/classes", "/schools/{}"],
)
def test_an_unknown_centre_code_is_404(http_client: httpx.Client, path: str) -> None:
    reply = http_client.get(path.format("9999"))
    assert (reply.status_code, reply.json()["error"]) == (404, "school_not_found")
