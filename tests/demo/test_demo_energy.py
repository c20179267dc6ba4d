"""Energy rules, through HTTP and in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from demo_drivers import Driver, ok, send

from commands.energy import InstallMeter, RecordReading, RegisterCustomer

T0 = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def meter(driver: Driver) -> str:
    customer = ok(driver, RegisterCustomer(name="Cleo", email="c@x.example", tariff="flat"))
    assert isinstance(customer["id"], int)
    install = InstallMeter(
        customer_id=customer["id"],
        meter_id="MTR-00000001",
        kind="electricity",
        installed_on=dt.date(2024, 1, 1),
    )
    assert ok(driver, install)["meter_id"] == "MTR-00000001"
    return "MTR-00000001"


def reading(meter_id: str, minutes: float, value: float) -> RecordReading:
    return RecordReading(
        meter_id=meter_id, taken_at=T0 + dt.timedelta(minutes=minutes), value=value
    )


def test_meter_ids_are_unique_and_need_a_customer(driver: Driver, meter: str) -> None:
    again = send(
        driver,
        InstallMeter(customer_id=1, meter_id=meter, kind="gas", installed_on=dt.date(2024, 2, 1)),
    )
    assert (again.status, again.error) == (409, "meter_id_taken")
    orphan = send(
        driver,
        InstallMeter(
            customer_id=999, meter_id="MTR-00000002", kind="gas", installed_on=dt.date(2024, 2, 1)
        ),
    )
    assert (orphan.status, orphan.error) == (404, "customer_not_found")
    assert driver.counts()["meters"] == 1


def test_readings_move_forward_in_time(driver: Driver, meter: str) -> None:
    assert isinstance(ok(driver, reading(meter, 0, 10.0))["id"], int)
    same_time = send(driver, reading(meter, 0, 11.0))
    assert (same_time.status, same_time.error) == (422, "reading_not_after_last")
    earlier = send(driver, reading(meter, -5, 11.0))
    assert (earlier.status, earlier.error) == (422, "reading_not_after_last")
    # the same instant written in another time zone is still not after the last one
    shifted = RecordReading(
        meter_id=meter, taken_at=T0.astimezone(dt.timezone(dt.timedelta(hours=10))), value=12.0
    )
    assert send(driver, shifted).error == "reading_not_after_last"
    ok(driver, reading(meter, 0.001, 10.0))  # a moment later, same value: fine
    assert driver.counts()["readings"] == 2


def test_readings_never_decrease(driver: Driver, meter: str) -> None:
    ok(driver, reading(meter, 0, 10.5))
    lower = send(driver, reading(meter, 30, 10.25))
    assert (lower.status, lower.error) == (422, "reading_decreases")
    assert "10.25" in lower.body["message"]
    ok(driver, reading(meter, 30, 10.5))
    ok(driver, reading(meter, 60, 99.0))
    assert driver.counts()["readings"] == 3


def test_a_reading_needs_an_installed_meter(driver: Driver) -> None:
    reply = send(driver, reading("MTR-99999999", 0, 1.0))
    assert (reply.status, reply.error) == (404, "meter_not_found")
    malformed = driver.send_raw(
        RecordReading, {"meter_id": "MTR-00000001", "taken_at": "yesterday", "value": -1}
    )
    assert (malformed.status, malformed.error) == (422, "invalid_command")
