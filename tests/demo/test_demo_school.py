"""School data hub rules, through HTTP and in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from demo_drivers import Driver, ok, send

from commands.school import (
    AddEmergencyContact,
    AddParent,
    CreateClass,
    CreateSchool,
    EnrolStudent,
    HireStaff,
    RecordEnrolment,
)


def school(driver: Driver, code: str) -> None:
    assert ok(driver, CreateSchool(centre_code=code, name=f"School {code}"))["centre_code"] == code


def staff(driver: Driver, code: str, staff_id: str, role: str = "teacher") -> None:
    command = HireStaff(
        centre_code=code,
        staff_id=staff_id,
        given_name="Tess",
        family_name="Teacher",
        role=role,  # type: ignore[arg-type]
        email=f"{staff_id}@school.example",
        photo_url=f"https://photos.example/{staff_id}.jpg",
    )
    assert ok(driver, command)["staff_id"] == staff_id


def klass(driver: Driver, code: str, class_code: str, teacher: str) -> None:
    command = CreateClass(
        centre_code=code, class_code=class_code, year_level=7, teacher_staff_id=teacher
    )
    assert ok(driver, command)["class_code"] == class_code


def enrol_command(code: str, class_code: str, **changes: Any) -> EnrolStudent:
    fields: dict[str, Any] = {
        "centre_code": code,
        "given_name": "Sam",
        "family_name": "Student",
        "date_of_birth": dt.date(2012, 5, 17),
        "gender": "X",
        "class_code": class_code,
        "street": "1 Main St",
        "suburb": "Springfield",
        "postcode": "4000",
    }
    return EnrolStudent(**{**fields, **changes})


def enrol(driver: Driver, code: str, class_code: str, **changes: Any) -> str:
    return str(ok(driver, enrol_command(code, class_code, **changes))["enrolment_id"])


@pytest.fixture
def hub(driver: Driver) -> dict[str, Any]:
    """Schools 4650 and 1690, a teacher and a class in each, a student in 4650."""
    for code, teacher, cls in (("4650", "S000001", "7A"), ("1690", "S000002", "8B")):
        school(driver, code)
        staff(driver, code, teacher)
        klass(driver, code, cls, teacher)
    return {"student": enrol(driver, "4650", "7A")}


def test_centre_codes_are_four_to_eight_digits_and_unique(driver: Driver) -> None:
    school(driver, "4650")
    taken = send(driver, CreateSchool(centre_code="4650", name="again"))
    assert (taken.status, taken.error) == (409, "centre_code_taken")
    school(driver, "12345")  # past the 9,999th school (scenarios/school.yaml at scale)
    for bad in ("123456789", "46a0", "465"):
        reply = driver.send_raw(CreateSchool, {"centre_code": bad, "name": "x", "suburb": None})
        assert (reply.status, reply.error) == (422, "invalid_command"), bad
        assert "centre_code" in reply.body["message"]
    assert driver.counts()["schools"] == 2


def test_staff_ids_are_unique_across_schools(driver: Driver, hub: dict[str, Any]) -> None:
    command = HireStaff(
        centre_code="1690",
        staff_id="S000001",
        given_name="Dup",
        family_name="Licate",
        role="admin",
        email="d@x.example",
    )
    reply = send(driver, command)
    assert (reply.status, reply.error) == (409, "staff_id_taken")
    assert "4650" in reply.body["message"]
    unknown = send(
        driver, command.model_copy(update={"centre_code": "9999", "staff_id": "S999999"})
    )
    assert (unknown.status, unknown.error) == (404, "school_not_found")


def test_class_codes_are_unique_per_school(driver: Driver, hub: dict[str, Any]) -> None:
    again = send(
        driver,
        CreateClass(centre_code="4650", class_code="7A", year_level=7, teacher_staff_id="S000001"),
    )
    assert (again.status, again.error) == (409, "class_code_taken")
    klass(driver, "1690", "7A", "S000002")  # the same code in another school is fine
    assert driver.counts()["classes"] == 3


def test_a_class_teacher_is_staff_of_the_same_school(driver: Driver, hub: dict[str, Any]) -> None:
    for teacher in ("S000002", "S123456"):  # another school's teacher; nobody's
        reply = send(
            driver,
            CreateClass(
                centre_code="4650", class_code="9Z", year_level=9, teacher_staff_id=teacher
            ),
        )
        assert (reply.status, reply.error) == (422, "teacher_not_in_school"), teacher
    assert driver.counts()["classes"] == 2


def test_enrolment_ids_are_assigned_by_the_service(driver: Driver, hub: dict[str, Any]) -> None:
    assert hub["student"] == "E0000001"
    assert enrol(driver, "1690", "8B") == "E0000002"
    assert enrol(driver, "4650", "7A", flags=["medical"]) == "E0000003"


def test_a_students_class_must_exist_in_the_school(driver: Driver, hub: dict[str, Any]) -> None:
    reply = send(driver, enrol_command("4650", "8B"))  # 8B is a class of 1690
    assert (reply.status, reply.error) == (422, "class_not_in_school")
    missing = send(driver, enrol_command("9999", "7A"))
    assert (missing.status, missing.error) == (404, "school_not_found")
    assert driver.counts()["students"] == 1


def test_records_of_an_unknown_student_are_404(driver: Driver, hub: dict[str, Any]) -> None:
    student = hub["student"]
    commands = [
        AddParent(
            centre_code="4650",
            enrolment_id="E9999999",
            given_name="P",
            family_name="Q",
            relationship="mother",
            phone="1",
        ),
        AddEmergencyContact(
            centre_code="4650", enrolment_id="E9999999", name="N", phone="2", relationship="aunt"
        ),
        RecordEnrolment(
            centre_code="4650",
            enrolment_id="E9999999",
            class_code="7A",
            start_date=dt.date(2020, 1, 1),
            recorded_by_staff_id="S000001",
        ),
        # a real student, but of another school
        AddParent(
            centre_code="1690",
            enrolment_id=student,
            given_name="P",
            family_name="Q",
            relationship="father",
            phone="1",
        ),
    ]
    for command in commands:
        reply = send(driver, command)
        assert (reply.status, reply.error) == (404, "student_not_found"), command
    counts = driver.counts()
    assert counts["parents"] == counts["emergency_contacts"] == counts["enrolments"] == 0
    parent = ok(driver, commands[3].model_copy(update={"centre_code": "4650"}))
    assert isinstance(parent["id"], int) and parent["enrolment_id"] == student
    contact = ok(driver, commands[1].model_copy(update={"enrolment_id": student}))
    assert isinstance(contact["id"], int)


def period(student: str, start: str, end: str | None, by: str = "S000001") -> RecordEnrolment:
    return RecordEnrolment(
        centre_code="4650",
        enrolment_id=student,
        class_code="7A",
        start_date=dt.date.fromisoformat(start),
        end_date=dt.date.fromisoformat(end) if end else None,
        recorded_by_staff_id=by,
    )


def test_enrolment_periods_do_not_overlap(driver: Driver, hub: dict[str, Any]) -> None:
    s = hub["student"]
    ok(driver, period(s, "2020-01-28", "2020-12-11"))
    ok(driver, period(s, "2021-01-27", "2021-12-10"))
    cases = [
        ("2020-06-01", "2020-07-01"),  # inside the first
        ("2019-06-01", "2020-01-28"),  # ends on the first's start day (inclusive)
        ("2020-12-11", "2021-01-01"),  # starts on the first's end day
        ("2019-01-01", None),  # open-ended, covers both
        ("2019-01-01", "2022-01-01"),  # around both
    ]
    for start, end in cases:
        reply = send(driver, period(s, start, end))
        assert (reply.status, reply.error) == (422, "enrolment_periods_overlap"), (start, end)
    ok(driver, period(s, "2020-12-12", "2021-01-26"))  # fits exactly between them
    ok(driver, period(s, "2022-01-31", None))  # still enrolled
    late = send(driver, period(s, "2023-01-01", "2023-02-01"))
    assert (late.status, late.error) == (422, "enrolment_periods_overlap")
    assert driver.counts()["enrolments"] == 4


def test_an_enrolment_period_ends_on_or_after_its_start(
    driver: Driver, hub: dict[str, Any]
) -> None:
    reply = send(driver, period(hub["student"], "2020-02-01", "2020-01-31"))
    assert (reply.status, reply.error) == (422, "period_ends_before_start")
    ok(driver, period(hub["student"], "2020-02-01", "2020-02-01"))  # one day


def test_the_recorder_is_staff_of_the_school(driver: Driver, hub: dict[str, Any]) -> None:
    for by in ("S000002", "S777777"):
        reply = send(driver, period(hub["student"], "2020-01-01", None, by=by))
        assert (reply.status, reply.error) == (422, "recorder_not_in_school"), by
    wrong_class = send(
        driver, period(hub["student"], "2020-01-01", None).model_copy(update={"class_code": "8B"})
    )
    assert (wrong_class.status, wrong_class.error) == (422, "class_not_in_school")
    assert driver.counts()["enrolments"] == 0
