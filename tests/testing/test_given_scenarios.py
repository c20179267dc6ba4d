"""Given on the other example contexts: what is made per parent (a school's staff,
classes and students; a meter's readings) comes with its parent, and a reference to
such an entity gets one made in the right parent (a class's teacher is a staff
member of its school)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from seeder.demo.app import build_application
from seeder.demo.application.service import Application
from seeder.testing import Given
from tests.testing.conftest import ROOT


@pytest.fixture
def application() -> Iterator[Application]:
    made = build_application(":memory:")
    yield made
    made.close()


def test_a_student_comes_with_its_school_class_and_teacher(application: Application) -> None:
    with Given(ROOT / "scenarios" / "school.yaml", application, seed="school") as given:
        student = given("student")
        assert [h.key for h in given.created] == ["school:1", "staff:1", "class:1", "student:1"]
        school = student.parent
        teacher = given.created[1]
        assert student.centre_code == school.centre_code == teacher.centre_code
        klass = given.created[2]
        assert klass.teacher_staff_id == teacher.staff_id and student.class_code == klass.class_code
        page = application.queries.school_list("students", school.centre_code, page=0, size=50)
        assert [s["enrolment_id"] for s in page["items"]] == [student.id]
        other = given("class", school=school)
        assert other.centre_code == school.centre_code and other.class_code != klass.class_code


def test_readings_of_a_meter_follow_its_series(application: Application) -> None:
    with Given(ROOT / "scenarios" / "energy.yaml", application, seed="energy") as given:
        meter = given("meter", kind="gas")
        readings = given.many("reading", 3, meter=meter)
        assert [r.meter_id for r in readings] == [meter.meter_id] * 3
        assert [r.taken_at[11:16] for r in readings] == ["00:00", "00:15", "00:30"]
        values = [r.value for r in readings]
        assert values == sorted(values)
        stored = application.queries.list_view("readings", meter.meter_id, offset=0, limit=10)
        assert [r["value"] for r in stored["items"]] == values
