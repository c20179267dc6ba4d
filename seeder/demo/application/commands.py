"""The service's own command types (it does not import the seeder's ``commands/``).

Each command is split in two models: ``XBody`` holds the fields a client sends in
the request body, and ``X`` adds the fields that HTTP carries in the path. The HTTP
adapter documents and validates the bodies; handlers receive whole commands, so the
in-process face takes one flat mapping with every field.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CentreCode = str
_CENTRE = r"^\d{4,8}$"
_STAFF = r"^S\d{6}$"
_METER = r"^MTR-\d{8}$"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# library


class CreateTenant(Body):
    name: str = Field(min_length=1, max_length=200)
    plan: Literal["free", "team", "enterprise"] = "free"


class RegisterAuthorBody(Body):
    name: str = Field(min_length=1, max_length=200)
    birth_year: int | None = Field(default=None, ge=1000, le=2100)


class RegisterAuthor(RegisterAuthorBody):
    tenant_id: int


class PublishBookBody(Body):
    author_id: int
    isbn: str = Field(min_length=10, max_length=17)
    title: str = Field(min_length=1, max_length=300)
    subtitle: str | None = None
    status: Literal["draft", "published"] = "published"
    published_on: dt.date | None = None


class PublishBook(PublishBookBody):
    tenant_id: int


class RegisterMemberBody(Body):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320)
    # optional: a member with a password can log in again for a new token
    password: str | None = Field(default=None, min_length=8, max_length=200)


class RegisterMember(RegisterMemberBody):
    tenant_id: int


class LogInMemberBody(Body):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=8, max_length=200)


class LogInMember(LogInMemberBody):
    tenant_id: int


class RemoveTenant(Body):
    tenant_id: int


class RemoveAuthor(Body):
    tenant_id: int
    author_id: int


class RemoveBook(Body):
    tenant_id: int
    book_number: int


class RemoveMember(Body):
    tenant_id: int
    member_id: int


class RemoveLoan(Body):
    tenant_id: int
    loan_id: int


class BorrowBookBody(Body):
    member_id: int
    due_on: dt.date | None = None


class BorrowBook(BorrowBookBody):
    tenant_id: int
    book_number: int


# school


class CreateSchool(Body):
    centre_code: CentreCode = Field(pattern=_CENTRE)
    name: str = Field(min_length=1, max_length=200)
    suburb: str | None = None


class HireStaffBody(Body):
    staff_id: str = Field(pattern=_STAFF)
    given_name: str
    family_name: str
    role: Literal["teacher", "principal", "admin", "support"]
    email: str
    photo_url: str | None = None


class HireStaff(HireStaffBody):
    centre_code: CentreCode = Field(pattern=_CENTRE)


class CreateClassBody(Body):
    class_code: str = Field(min_length=1, max_length=10)
    year_level: int = Field(ge=0, le=12)
    teacher_staff_id: str = Field(pattern=_STAFF)


class CreateClass(CreateClassBody):
    centre_code: CentreCode = Field(pattern=_CENTRE)


Flag = Literal["medical", "learning_support", "custody", "allergy"]


class EnrolStudentBody(Body):
    given_name: str
    family_name: str
    date_of_birth: dt.date
    gender: Literal["F", "M", "X"]
    class_code: str
    street: str
    suburb: str
    postcode: str
    photo_url: str | None = None
    flags: list[Flag] = []


class EnrolStudent(EnrolStudentBody):
    centre_code: CentreCode = Field(pattern=_CENTRE)


class AddParentBody(Body):
    given_name: str
    family_name: str
    relationship: Literal["mother", "father", "guardian", "carer"]
    phone: str
    email: str | None = None


class AddParent(AddParentBody):
    centre_code: CentreCode = Field(pattern=_CENTRE)
    enrolment_id: str


class AddEmergencyContactBody(Body):
    name: str
    phone: str
    relationship: str


class AddEmergencyContact(AddEmergencyContactBody):
    centre_code: CentreCode = Field(pattern=_CENTRE)
    enrolment_id: str


class RecordEnrolmentBody(Body):
    class_code: str
    start_date: dt.date
    end_date: dt.date | None = None
    recorded_by_staff_id: str = Field(pattern=_STAFF)


class RecordEnrolment(RecordEnrolmentBody):
    centre_code: CentreCode = Field(pattern=_CENTRE)
    enrolment_id: str


# energy


class RegisterCustomer(Body):
    name: str
    email: str
    tariff: Literal["flat", "time_of_use", "demand"]
    postcode: str | None = None


class InstallMeterBody(Body):
    meter_id: str = Field(pattern=_METER)
    kind: Literal["electricity", "gas", "water"]
    installed_on: dt.date


class InstallMeter(InstallMeterBody):
    customer_id: int


class RecordReadingBody(Body):
    taken_at: dt.datetime
    value: float = Field(ge=0)


class RecordReading(RecordReadingBody):
    meter_id: str = Field(pattern=_METER)
