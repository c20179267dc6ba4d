"""School data hub: schools (centre codes of four to eight digits), classes, staff, students,
parents, emergency contacts and enrolment history.

Centre codes, class codes and staff ids are chosen by the client; a student's
enrolment id is assigned by the service and referenced by everything that
mentions the student.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from seeder.commands import Command, HttpBinding, bind

CentreCode = str


@bind(
    http=HttpBinding("POST", "/schools", success=(201,), identity="centre_code", idempotent=True),
    handler="create_school",
)
class CreateSchool(Command):
    centre_code: CentreCode = Field(pattern=r"^\d{4,8}$")
    name: str = Field(min_length=1, max_length=200)
    suburb: str | None = None


@bind(
    http=HttpBinding(
        "POST", "/schools/{centre_code}/staff", success=(201,), identity="staff_id", idempotent=True
    ),
    handler="hire_staff",
)
class HireStaff(Command):
    centre_code: CentreCode = Field(pattern=r"^\d{4,8}$")
    staff_id: str = Field(pattern=r"^S\d{6}$")
    given_name: str
    family_name: str
    role: Literal["teacher", "principal", "admin", "support"]
    email: str
    photo_url: str | None = None


@bind(
    http=HttpBinding(
        "POST",
        "/schools/{centre_code}/classes",
        success=(201,),
        identity="class_code",
        idempotent=True,
    ),
    handler="create_class",
)
class CreateClass(Command):
    centre_code: CentreCode = Field(pattern=r"^\d{4,8}$")
    class_code: str = Field(min_length=1, max_length=10)
    year_level: int = Field(ge=0, le=12)
    teacher_staff_id: str = Field(pattern=r"^S\d{6}$")


@bind(
    http=HttpBinding(
        "POST",
        "/schools/{centre_code}/students",
        success=(201,),
        identity="enrolment_id",
        idempotent=True,
    ),
    handler="enrol_student",
)
class EnrolStudent(Command):
    centre_code: CentreCode = Field(pattern=r"^\d{4,8}$")
    given_name: str
    family_name: str
    date_of_birth: dt.date
    gender: Literal["F", "M", "X"]
    class_code: str
    street: str
    suburb: str
    postcode: str
    photo_url: str | None = None
    flags: list[Literal["medical", "learning_support", "custody", "allergy"]] = Field(
        default_factory=list
    )


@bind(
    http=HttpBinding(
        "POST",
        "/schools/{centre_code}/students/{enrolment_id}/parents",
        success=(201,),
        idempotent=True,
    ),
    handler="add_parent",
)
class AddParent(Command):
    centre_code: CentreCode = Field(pattern=r"^\d{4,8}$")
    enrolment_id: str
    given_name: str
    family_name: str
    relationship: Literal["mother", "father", "guardian", "carer"]
    phone: str
    email: str | None = None


@bind(
    http=HttpBinding(
        "POST",
        "/schools/{centre_code}/students/{enrolment_id}/emergency-contacts",
        success=(201,),
        idempotent=True,
    ),
    handler="add_emergency_contact",
)
class AddEmergencyContact(Command):
    centre_code: CentreCode = Field(pattern=r"^\d{4,8}$")
    enrolment_id: str
    name: str
    phone: str
    relationship: str


@bind(
    http=HttpBinding(
        "POST",
        "/schools/{centre_code}/students/{enrolment_id}/enrolment-history",
        success=(201,),
        idempotent=True,
    ),
    handler="record_enrolment",
)
class RecordEnrolment(Command):
    """One period of a student's enrolment; periods of one student must not overlap."""

    centre_code: CentreCode = Field(pattern=r"^\d{4,8}$")
    enrolment_id: str
    class_code: str
    start_date: dt.date
    end_date: dt.date | None = None
    recorded_by_staff_id: str = Field(pattern=r"^S\d{6}$")
