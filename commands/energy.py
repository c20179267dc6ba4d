"""Energy: customers, their meters, and meter readings.

Meter ids are chosen by the client; readings of one meter must move forward in
time and never decrease in value (the service refuses them with 422).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from seeder.commands import Command, HttpBinding, bind


@bind(
    http=HttpBinding("POST", "/customers", success=(201,), idempotent=True),
    handler="register_customer",
)
class RegisterCustomer(Command):
    name: str
    email: str
    tariff: Literal["flat", "time_of_use", "demand"]
    postcode: str | None = None


@bind(
    http=HttpBinding(
        "POST",
        "/customers/{customer_id}/meters",
        success=(201,),
        identity="meter_id",
        idempotent=True,
    ),
    handler="install_meter",
)
class InstallMeter(Command):
    customer_id: int
    meter_id: str = Field(pattern=r"^MTR-\d{8}$")
    kind: Literal["electricity", "gas", "water"]
    installed_on: dt.date


@bind(
    http=HttpBinding("POST", "/meters/{meter_id}/readings", success=(201,), idempotent=True),
    handler="record_reading",
)
class RecordReading(Command):
    meter_id: str = Field(pattern=r"^MTR-\d{8}$")
    taken_at: dt.datetime
    value: float = Field(ge=0)
