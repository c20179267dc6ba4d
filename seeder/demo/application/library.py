"""Library command handlers."""

from __future__ import annotations

from typing import Any

from seeder.demo.application.commands import (
    BorrowBook,
    CreateTenant,
    LogInMember,
    PublishBook,
    RegisterAuthor,
    RegisterMember,
)
from seeder.demo.application.unit_of_work import Handler, UnitOfWork
from seeder.demo.domain import library as rules


def create_tenant(uow: UnitOfWork, cmd: CreateTenant, _: str | None) -> dict[str, Any]:
    tenant_id = uow.library.add_tenant(cmd.name, cmd.plan)
    return {"id": tenant_id, **cmd.model_dump(mode="json")}


def register_author(uow: UnitOfWork, cmd: RegisterAuthor, _: str | None) -> dict[str, Any]:
    rules.require_tenant(uow.library.tenant_exists(cmd.tenant_id), cmd.tenant_id)
    author_id = uow.library.add_author(cmd.tenant_id, cmd.name, cmd.birth_year)
    return {"id": author_id, **cmd.model_dump(mode="json")}


def publish_book(uow: UnitOfWork, cmd: PublishBook, _: str | None) -> dict[str, Any]:
    repo = uow.library
    rules.require_tenant(repo.tenant_exists(cmd.tenant_id), cmd.tenant_id)
    rules.require_author_in_tenant(repo.author(cmd.author_id), cmd.author_id, cmd.tenant_id)
    rules.require_unique_isbn(repo.isbn_taken(cmd.tenant_id, cmd.isbn), cmd.isbn, cmd.tenant_id)
    number = repo.next_book_number(cmd.tenant_id)
    fields = cmd.model_dump(mode="json")
    repo.add_book(
        cmd.tenant_id,
        number,
        cmd.author_id,
        cmd.isbn,
        cmd.title,
        cmd.subtitle,
        cmd.status,
        fields["published_on"],
    )
    return {"number": number, **fields}


def register_member(uow: UnitOfWork, cmd: RegisterMember, _: str | None) -> dict[str, Any]:
    rules.require_tenant(uow.library.tenant_exists(cmd.tenant_id), cmd.tenant_id)
    token = rules.new_member_token()
    member_id = uow.library.add_member(cmd.tenant_id, cmd.name, cmd.email, token, cmd.password)
    fields = cmd.model_dump(mode="json", exclude={"password"})
    return {"id": member_id, **fields, "token": token}


def log_in_member(uow: UnitOfWork, cmd: LogInMember, _: str | None) -> dict[str, Any]:
    """A new token for a member registered with a password (the old one is revoked)."""
    repo = uow.library
    rules.require_tenant(repo.tenant_exists(cmd.tenant_id), cmd.tenant_id)
    member = rules.authenticate(
        repo.member_by_password(cmd.tenant_id, cmd.email, cmd.password), cmd.email
    )
    token = rules.new_member_token()
    repo.replace_token(member.id, token)
    return {"id": member.id, "tenant_id": member.tenant_id, "token": token}


def borrow_book(uow: UnitOfWork, cmd: BorrowBook, credential: str | None) -> dict[str, Any]:
    repo = uow.library
    owner = repo.member_by_token(credential) if credential else None
    rules.authorise_borrower(owner, cmd.member_id, cmd.tenant_id)
    rules.require_book(repo.book_exists(cmd.tenant_id, cmd.book_number), *_book(cmd))
    rules.require_book_available(repo.book_on_loan(cmd.tenant_id, cmd.book_number), *_book(cmd))
    rules.require_loan_allowance(repo.active_loans(cmd.member_id), cmd.member_id)
    fields = cmd.model_dump(mode="json")
    loan_id = repo.add_loan(cmd.tenant_id, cmd.book_number, cmd.member_id, fields["due_on"])
    return {"id": loan_id, **fields}


def _book(cmd: BorrowBook) -> tuple[int, int]:
    return cmd.tenant_id, cmd.book_number


HANDLERS = {
    "create_tenant": Handler(CreateTenant, create_tenant),
    "register_author": Handler(RegisterAuthor, register_author),
    "publish_book": Handler(PublishBook, publish_book),
    "register_member": Handler(RegisterMember, register_member),
    "log_in_member": Handler(LogInMember, log_in_member),
    "borrow_book": Handler(BorrowBook, borrow_book),
}
