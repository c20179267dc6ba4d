"""The acceptance suite's setup: the given fixture (seeder's pytest plugin) makes
the Given data through the library service's own commands, on a fresh in-memory
demo service per test; the When steps call that service's API; the Then steps read
its read side.

The plugin is configured here by overriding its two fixtures (the other way is the
``seeder_scenario``/``seeder_target`` ini options)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from seeder.demo.app import build_application
from seeder.demo.application.service import Application
from seeder.demo.errors import DomainError
from seeder.testing import Handle

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def seeder_scenario() -> Path:
    return ROOT / "scenarios" / "library.yaml"


@pytest.fixture
def library() -> Iterator[Application]:
    """The service under test: the demo's application object on a fresh database."""
    application = build_application(":memory:")
    yield application
    application.close()


@pytest.fixture
def seeder_target(library: Application) -> Application:
    return library


def borrow(library: Application, member: Handle, book: Handle) -> dict[str, Any] | DomainError:
    """The member borrows the book through the service's API, with their own token:
    the loan's body, or the service's refusal."""
    command = {"tenant_id": book.tenant_id, "book_number": book.id, "member_id": member.id}
    try:
        return library.borrow_book(command, credential=member.token)
    except DomainError as refusal:
        return refusal


def loans(library: Application, tenant_id: int) -> list[dict[str, Any]]:
    """The tenant's loans, as the read side lists them."""
    page = library.queries.list_view("loans", tenant_id, offset=0, limit=100)
    return list(page["items"])
