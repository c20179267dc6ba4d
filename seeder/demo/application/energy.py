"""Energy command handlers."""

from __future__ import annotations

from typing import Any

from seeder.demo.application.commands import InstallMeter, RecordReading, RegisterCustomer
from seeder.demo.application.unit_of_work import Handler, UnitOfWork
from seeder.demo.domain import energy as rules


def register_customer(uow: UnitOfWork, cmd: RegisterCustomer, _: str | None) -> dict[str, Any]:
    customer_id = uow.energy.add_customer(cmd.name, cmd.email, cmd.tariff, cmd.postcode)
    return {"id": customer_id, **cmd.model_dump(mode="json")}


def install_meter(uow: UnitOfWork, cmd: InstallMeter, _: str | None) -> dict[str, Any]:
    rules.require_customer(uow.energy.customer_exists(cmd.customer_id), cmd.customer_id)
    rules.require_new_meter_id(uow.energy.meter_exists(cmd.meter_id), cmd.meter_id)
    fields = cmd.model_dump(mode="json")
    uow.energy.add_meter(cmd.meter_id, cmd.customer_id, cmd.kind, fields["installed_on"])
    return fields


def record_reading(uow: UnitOfWork, cmd: RecordReading, _: str | None) -> dict[str, Any]:
    meter = rules.require_meter(uow.energy.lock_meter(cmd.meter_id), cmd.meter_id)
    rules.require_reading_advances(meter, cmd.taken_at, cmd.value)
    reading_id = uow.energy.add_reading(cmd.meter_id, cmd.taken_at, cmd.value)
    return {"id": reading_id, **cmd.model_dump(mode="json")}


HANDLERS = {
    "register_customer": Handler(RegisterCustomer, register_customer),
    "install_meter": Handler(InstallMeter, install_meter),
    "record_reading": Handler(RecordReading, record_reading),
}
