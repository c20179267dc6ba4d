"""One transaction and the repositories that work inside it, and the shape of a
command handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from seeder.demo.storage.energy import EnergyRepository
from seeder.demo.storage.idempotency import IdempotencyRepository
from seeder.demo.storage.library import LibraryRepository
from seeder.demo.storage.school import SchoolRepository
from seeder.demo.storage.sql import Sql


class UnitOfWork:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql
        self.library = LibraryRepository(sql)
        self.school = SchoolRepository(sql)
        self.energy = EnergyRepository(sql)
        self.idempotency = IdempotencyRepository(sql)


@dataclass(frozen=True, slots=True)
class Handler:
    """``run(uow, command, credential)`` applies ``command`` (an instance of
    ``model``) and returns the response body."""

    model: type[BaseModel]
    run: Callable[[UnitOfWork, Any, str | None], dict[str, Any]]
