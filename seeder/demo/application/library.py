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
    RemoveAuthor,
    RemoveBook,
    RemoveLoan,
    RemoveMember,
    RemoveTenant,
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


# removals: dependents first (a tenant with authors, an author with books, a book
# or a member with loans are refused with 409), a missing one is a 404


def remove_tenant(uow: UnitOfWork, cmd: RemoveTenant, _: str | None) -> dict[str, Any]:
    what, t = f"tenant {cmd.tenant_id}", (cmd.tenant_id,)
    for table, noun in (("authors", "authors"), ("books", "books"), ("members", "members")):
        rules.require_unused(uow.library.count(table, "tenant_id = ?", t), what, noun, "in_use")
    rules.require_found(uow.library.remove("tenants", "id = ?", t), what)
    return {"removed": what}


def remove_author(uow: UnitOfWork, cmd: RemoveAuthor, _: str | None) -> dict[str, Any]:
    what, repo = f"author {cmd.author_id} of tenant {cmd.tenant_id}", uow.library
    rules.require_unused(
        repo.count("books", "author_id = ?", (cmd.author_id,)), what, "books", "in_use"
    )
    key = (cmd.author_id, cmd.tenant_id)
    rules.require_found(repo.remove("authors", "id = ? AND tenant_id = ?", key), what)
    return {"removed": what}


def remove_book(uow: UnitOfWork, cmd: RemoveBook, _: str | None) -> dict[str, Any]:
    what, repo = f"book {cmd.book_number} of tenant {cmd.tenant_id}", uow.library
    key = (cmd.tenant_id, cmd.book_number)
    loans = repo.count("loans", "tenant_id = ? AND book_number = ?", key)
    rules.require_unused(loans, what, "loans", "in_use")
    rules.require_found(repo.remove("books", "tenant_id = ? AND number = ?", key), what)
    return {"removed": what}


def remove_member(uow: UnitOfWork, cmd: RemoveMember, _: str | None) -> dict[str, Any]:
    what, repo = f"member {cmd.member_id} of tenant {cmd.tenant_id}", uow.library
    rules.require_unused(
        repo.count("loans", "member_id = ?", (cmd.member_id,)), what, "loans", "in_use"
    )
    key = (cmd.member_id, cmd.tenant_id)
    rules.require_found(repo.remove("members", "id = ? AND tenant_id = ?", key), what)
    return {"removed": what}


def remove_loan(uow: UnitOfWork, cmd: RemoveLoan, _: str | None) -> dict[str, Any]:
    what = f"loan {cmd.loan_id} of tenant {cmd.tenant_id}"
    key = (cmd.loan_id, cmd.tenant_id)
    rules.require_found(uow.library.remove("loans", "id = ? AND tenant_id = ?", key), what)
    return {"removed": what}


def _book(cmd: BorrowBook) -> tuple[int, int]:
    return cmd.tenant_id, cmd.book_number


HANDLERS = {
    "create_tenant": Handler(CreateTenant, create_tenant),
    "register_author": Handler(RegisterAuthor, register_author),
    "publish_book": Handler(PublishBook, publish_book),
    "register_member": Handler(RegisterMember, register_member),
    "log_in_member": Handler(LogInMember, log_in_member),
    "remove_tenant": Handler(RemoveTenant, remove_tenant),
    "remove_author": Handler(RemoveAuthor, remove_author),
    "remove_book": Handler(RemoveBook, remove_book),
    "remove_member": Handler(RemoveMember, remove_member),
    "remove_loan": Handler(RemoveLoan, remove_loan),
    "borrow_book": Handler(BorrowBook, borrow_book),
}
