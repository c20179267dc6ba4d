"""School data hub command handlers."""

from __future__ import annotations

from typing import Any

from seeder.demo.application.commands import (
    AddEmergencyContact,
    AddParent,
    CreateClass,
    CreateSchool,
    EnrolStudent,
    HireStaff,
    RecordEnrolment,
)
from seeder.demo.application.unit_of_work import Handler, UnitOfWork
from seeder.demo.domain import school as rules


def create_school(uow: UnitOfWork, cmd: CreateSchool, _: str | None) -> dict[str, Any]:
    rules.require_centre_code(cmd.centre_code)
    rules.require_new_centre_code(uow.school.school_exists(cmd.centre_code), cmd.centre_code)
    uow.school.add_school(cmd.centre_code, cmd.name, cmd.suburb)
    return cmd.model_dump(mode="json")


def hire_staff(uow: UnitOfWork, cmd: HireStaff, _: str | None) -> dict[str, Any]:
    rules.require_school(uow.school.school_exists(cmd.centre_code), cmd.centre_code)
    rules.require_new_staff_id(uow.school.school_of_staff(cmd.staff_id), cmd.staff_id)
    fields = cmd.model_dump(mode="json")
    uow.school.add_staff(fields)
    return fields


def create_class(uow: UnitOfWork, cmd: CreateClass, _: str | None) -> dict[str, Any]:
    school = uow.school
    rules.require_school(school.school_exists(cmd.centre_code), cmd.centre_code)
    rules.require_new_class_code(
        school.class_exists(cmd.centre_code, cmd.class_code), cmd.class_code, cmd.centre_code
    )
    rules.require_staff_of_school(
        school.school_of_staff(cmd.teacher_staff_id),
        cmd.teacher_staff_id,
        cmd.centre_code,
        rule="teacher_not_in_school",
    )
    fields = cmd.model_dump(mode="json")
    school.add_class(fields)
    return fields


def enrol_student(uow: UnitOfWork, cmd: EnrolStudent, _: str | None) -> dict[str, Any]:
    school = uow.school
    rules.require_school(school.school_exists(cmd.centre_code), cmd.centre_code)
    rules.require_class_in_school(
        school.class_exists(cmd.centre_code, cmd.class_code), cmd.class_code, cmd.centre_code
    )
    enrolment_id = rules.enrolment_id_for(school.next_enrolment_number())
    fields = cmd.model_dump(mode="json")
    flags = fields.pop("flags")
    school.add_student({"enrolment_id": enrolment_id, **fields}, flags)
    return {"enrolment_id": enrolment_id, **fields, "flags": flags}


def _require_student(uow: UnitOfWork, centre_code: str, enrolment_id: str) -> None:
    rules.require_school(uow.school.school_exists(centre_code), centre_code)
    rules.require_student(
        uow.school.lock_student(centre_code, enrolment_id), enrolment_id, centre_code
    )


def add_parent(uow: UnitOfWork, cmd: AddParent, _: str | None) -> dict[str, Any]:
    _require_student(uow, cmd.centre_code, cmd.enrolment_id)
    fields = cmd.model_dump(mode="json")
    parent_id = uow.school.add_parent(_without(fields, "centre_code"))
    return {"id": parent_id, **fields}


def add_emergency_contact(
    uow: UnitOfWork, cmd: AddEmergencyContact, _: str | None
) -> dict[str, Any]:
    _require_student(uow, cmd.centre_code, cmd.enrolment_id)
    fields = cmd.model_dump(mode="json")
    contact_id = uow.school.add_emergency_contact(_without(fields, "centre_code"))
    return {"id": contact_id, **fields}


def record_enrolment(uow: UnitOfWork, cmd: RecordEnrolment, _: str | None) -> dict[str, Any]:
    school = uow.school
    _require_student(uow, cmd.centre_code, cmd.enrolment_id)
    rules.require_class_in_school(
        school.class_exists(cmd.centre_code, cmd.class_code), cmd.class_code, cmd.centre_code
    )
    rules.require_staff_of_school(
        school.school_of_staff(cmd.recorded_by_staff_id),
        cmd.recorded_by_staff_id,
        cmd.centre_code,
        rule="recorder_not_in_school",
    )
    period = rules.Period(cmd.start_date, cmd.end_date)
    rules.require_period_fits(period, school.periods(cmd.enrolment_id), cmd.enrolment_id)
    fields = cmd.model_dump(mode="json")
    enrolment_row_id = school.add_enrolment(_without(fields, "centre_code"))
    return {"id": enrolment_row_id, **fields}


def _without(fields: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k != name}


HANDLERS = {
    "create_school": Handler(CreateSchool, create_school),
    "hire_staff": Handler(HireStaff, hire_staff),
    "create_class": Handler(CreateClass, create_class),
    "enrol_student": Handler(EnrolStudent, enrol_student),
    "add_parent": Handler(AddParent, add_parent),
    "add_emergency_contact": Handler(AddEmergencyContact, add_emergency_contact),
    "record_enrolment": Handler(RecordEnrolment, record_enrolment),
}
