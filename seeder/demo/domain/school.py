"""School data hub rules: schools, staff, classes, students and their records.

Centre codes are four to eight digits and unique; staff ids are unique across schools; class
codes are unique within a school; a class's teacher and whoever records an enrolment
period are staff of that school; a student's class exists in the school; the
enrolment periods of one student do not overlap.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from seeder.demo.errors import Conflict, NotFound, RuleViolation

_CENTRE_CODE = re.compile(r"\d{4,8}")


@dataclass(frozen=True, slots=True)
class Period:
    """One enrolment period; ``end`` is inclusive, ``None`` means still enrolled."""

    start: dt.date
    end: dt.date | None

    def overlaps(self, other: Period) -> bool:
        ends_before_other = self.end is not None and self.end < other.start
        starts_after_other = other.end is not None and other.end < self.start
        return not (ends_before_other or starts_after_other)

    def describe(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat() if self.end else 'open'}"


def require_centre_code(centre_code: str) -> None:
    if not _CENTRE_CODE.fullmatch(centre_code):
        raise RuleViolation(
            "invalid_centre_code",
            f"centre code {centre_code!r} is not four to eight digits, e.g. 4650",
        )


def require_school(exists: bool, centre_code: str) -> None:
    if not exists:
        raise NotFound("school_not_found", f"no school has centre code {centre_code}")


def require_new_centre_code(taken: bool, centre_code: str) -> None:
    if taken:
        raise Conflict("centre_code_taken", f"centre code {centre_code} is already a school")


def require_new_staff_id(owner_school: str | None, staff_id: str) -> None:
    if owner_school is not None:
        raise Conflict(
            "staff_id_taken", f"staff id {staff_id} is already staff of school {owner_school}"
        )


def require_new_class_code(taken: bool, class_code: str, centre_code: str) -> None:
    if taken:
        raise Conflict(
            "class_code_taken", f"class {class_code} already exists in school {centre_code}"
        )


def require_staff_of_school(
    staff_school: str | None, staff_id: str, centre_code: str, *, rule: str
) -> None:
    """``rule`` names the use: ``teacher_not_in_school`` or ``recorder_not_in_school``."""
    if staff_school != centre_code:
        where = "no school" if staff_school is None else f"school {staff_school}"
        raise RuleViolation(
            rule, f"staff {staff_id} is not staff of school {centre_code} (found in {where})"
        )


def require_class_in_school(exists: bool, class_code: str, centre_code: str) -> None:
    if not exists:
        raise RuleViolation(
            "class_not_in_school", f"school {centre_code} has no class {class_code}"
        )


def require_student(exists: bool, enrolment_id: str, centre_code: str) -> None:
    if not exists:
        raise NotFound("student_not_found", f"school {centre_code} has no student {enrolment_id}")


def require_period_fits(new: Period, existing: Iterable[Period], enrolment_id: str) -> None:
    """The period ends on or after its start, and overlaps none of the student's."""
    if new.end is not None and new.end < new.start:
        raise RuleViolation(
            "period_ends_before_start",
            f"end_date {new.end.isoformat()} is before start_date {new.start.isoformat()}",
        )
    for period in existing:
        if new.overlaps(period):
            raise RuleViolation(
                "enrolment_periods_overlap",
                f"period {new.describe()} overlaps period {period.describe()} "
                f"of student {enrolment_id}",
            )


def enrolment_id_for(sequence_number: int) -> str:
    """The service-assigned enrolment id: ``E`` and seven digits (``E0000001``)."""
    return f"E{sequence_number:07d}"
