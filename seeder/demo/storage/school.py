"""School repository: the writes and lookups the school handlers need."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from seeder.demo.domain.school import Period
from seeder.demo.storage.sql import Row, Sql, exists, scalar


class SchoolRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def school_exists(self, centre_code: str) -> bool:
        return exists(self._sql, "SELECT 1 FROM schools WHERE centre_code = ?", (centre_code,))

    def add_school(self, centre_code: str, name: str, suburb: str | None) -> None:
        self._sql.query(
            "INSERT INTO schools (centre_code, name, suburb) VALUES (?, ?, ?)",
            (centre_code, name, suburb),
        )

    def school_of_staff(self, staff_id: str) -> str | None:
        """The centre code of the school ``staff_id`` works at, if any."""
        value = scalar(self._sql, "SELECT centre_code FROM staff WHERE staff_id = ?", (staff_id,))
        return None if value is None else str(value)

    def add_staff(self, row: Row) -> None:
        self._insert("staff", row)

    def class_exists(self, centre_code: str, class_code: str) -> bool:
        return exists(
            self._sql,
            "SELECT 1 FROM classes WHERE centre_code = ? AND class_code = ?",
            (centre_code, class_code),
        )

    def add_class(self, row: Row) -> None:
        self._insert("classes", row)

    def next_enrolment_number(self) -> int:
        return int(
            scalar(
                self._sql,
                "UPDATE sequences SET value = value + 1 WHERE name = 'enrolment' RETURNING value",
            )
        )

    def add_student(self, row: Row, flags: Sequence[str]) -> None:
        self._insert("students", {**row, "flags": json.dumps(list(flags))})

    def lock_student(self, centre_code: str, enrolment_id: str) -> bool:
        """Whether the school has the student; locks the student's row if so."""
        return exists(
            self._sql,
            "SELECT 1 FROM students WHERE centre_code = ? AND enrolment_id = ?"
            + self._sql.for_update,
            (centre_code, enrolment_id),
        )

    def add_parent(self, row: Row) -> int:
        return self._insert("parents", row, returning="id")

    def add_emergency_contact(self, row: Row) -> int:
        return self._insert("emergency_contacts", row, returning="id")

    def periods(self, enrolment_id: str) -> list[Period]:
        rows = self._sql.query(
            "SELECT start_date, end_date FROM enrolments WHERE enrolment_id = ? "
            "ORDER BY start_date",
            (enrolment_id,),
        )
        return [
            Period(
                dt.date.fromisoformat(r["start_date"]),
                dt.date.fromisoformat(r["end_date"]) if r["end_date"] else None,
            )
            for r in rows
        ]

    def add_enrolment(self, row: Row) -> int:
        return self._insert("enrolments", row, returning="id")

    def _insert(self, table: str, row: Row, *, returning: str | None = None) -> int:
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        suffix = f" RETURNING {returning}" if returning else ""
        rows = self._sql.query(
            f"INSERT INTO {table} ({columns}) VALUES ({marks}){suffix}", tuple(row.values())
        )
        return int(rows[0][returning]) if returning else 0
