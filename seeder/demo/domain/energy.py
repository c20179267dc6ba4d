"""Energy rules: customers own meters; a meter's readings move forward.

A meter id is unique; a reading must be taken strictly after the meter's last
reading and must not be lower than it (meters count up).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from seeder.demo.errors import Conflict, NotFound, RuleViolation


@dataclass(frozen=True, slots=True)
class Meter:
    meter_id: str
    last_taken_at: dt.datetime | None
    last_value: float | None


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Readings are compared in UTC; a naive timestamp is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def require_customer(exists: bool, customer_id: int) -> None:
    if not exists:
        raise NotFound("customer_not_found", f"customer {customer_id} does not exist")


def require_new_meter_id(taken: bool, meter_id: str) -> None:
    if taken:
        raise Conflict("meter_id_taken", f"meter {meter_id} is already installed")


def require_meter(meter: Meter | None, meter_id: str) -> Meter:
    if meter is None:
        raise NotFound("meter_not_found", f"meter {meter_id} is not installed")
    return meter


def require_reading_advances(meter: Meter, taken_at: dt.datetime, value: float) -> None:
    if meter.last_taken_at is not None and as_utc(taken_at) <= meter.last_taken_at:
        raise RuleViolation(
            "reading_not_after_last",
            f"reading at {as_utc(taken_at).isoformat()} is not after meter {meter.meter_id}'s "
            f"last reading at {meter.last_taken_at.isoformat()}",
        )
    if meter.last_value is not None and value < meter.last_value:
        raise RuleViolation(
            "reading_decreases",
            f"reading {value} is lower than meter {meter.meter_id}'s last reading "
            f"{meter.last_value}",
        )
