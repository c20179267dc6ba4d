"""Energy repository: customers, meters and readings."""

from __future__ import annotations

import datetime as dt

from seeder.demo.domain.energy import Meter, as_utc
from seeder.demo.storage.sql import Sql, exists, one, scalar


def timestamp_text(moment: dt.datetime) -> str:
    """Fixed-width UTC text, so that text order is time order."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


class EnergyRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def add_customer(self, name: str, email: str, tariff: str, postcode: str | None) -> int:
        return int(
            scalar(
                self._sql,
                "INSERT INTO customers (name, email, tariff, postcode) VALUES (?, ?, ?, ?) "
                "RETURNING id",
                (name, email, tariff, postcode),
            )
        )

    def customer_exists(self, customer_id: int) -> bool:
        return exists(self._sql, "SELECT 1 FROM customers WHERE id = ?", (customer_id,))

    def meter_exists(self, meter_id: str) -> bool:
        return exists(self._sql, "SELECT 1 FROM meters WHERE meter_id = ?", (meter_id,))

    def add_meter(self, meter_id: str, customer_id: int, kind: str, installed_on: str) -> None:
        self._sql.query(
            "INSERT INTO meters (meter_id, customer_id, kind, installed_on) VALUES (?, ?, ?, ?)",
            (meter_id, customer_id, kind, installed_on),
        )

    def lock_meter(self, meter_id: str) -> Meter | None:
        """The meter and its last reading; the row stays locked until commit."""
        row = one(
            self._sql,
            "SELECT meter_id, last_taken_at, last_value FROM meters WHERE meter_id = ?"
            + self._sql.for_update,
            (meter_id,),
        )
        if row is None:
            return None
        last = row["last_taken_at"]
        return Meter(
            meter_id=row["meter_id"],
            last_taken_at=dt.datetime.fromisoformat(last) if last else None,
            last_value=row["last_value"],
        )

    def add_reading(self, meter_id: str, taken_at: dt.datetime, value: float) -> int:
        text = timestamp_text(taken_at)
        self._sql.query(
            "UPDATE meters SET last_taken_at = ?, last_value = ? WHERE meter_id = ?",
            (text, value, meter_id),
        )
        return int(
            scalar(
                self._sql,
                "INSERT INTO readings (meter_id, taken_at, value) VALUES (?, ?, ?) RETURNING id",
                (meter_id, text, value),
            )
        )
