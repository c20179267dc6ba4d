"""Library command handlers."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class _Removal:
    """``DELETE FROM table WHERE where`` with the command's ``keys``, refused while
    a row of ``users`` (table, condition, the command's fields) refers to it."""

    noun: str
    table: str
    where: str
    keys: tuple[str, ...]
    users: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def __call__(self, uow: UnitOfWork, cmd: Any, _: str | None) -> dict[str, Any]:
        values = cmd.model_dump()
        what = f"{self.noun} {values[self.keys[0]]}" + (
            f" of tenant {cmd.tenant_id}" if self.noun != "tenant" else ""
        )
        for table, condition, fields in self.users:
            users = uow.library.count(table, condition, tuple(values[f] for f in fields))
            rules.require_unused(users, what, table, "in_use")
        params = tuple(values[k] for k in self.keys)
        rules.require_found(uow.library.remove(self.table, self.where, params), what)
        return {"removed": what}


_IN_TENANT = ("tenant_id = ?", ("tenant_id",))
remove_tenant = _Removal(
    "tenant",
    "tenants",
    "id = ?",
    ("tenant_id",),
    tuple((table, *_IN_TENANT) for table in ("authors", "books", "members")),
)
remove_author = _Removal(
    "author",
    "authors",
    "id = ? AND tenant_id = ?",
    ("author_id", "tenant_id"),
    (("books", "author_id = ?", ("author_id",)),),
)
remove_book = _Removal(
    "book",
    "books",
    "number = ? AND tenant_id = ?",
    ("book_number", "tenant_id"),
    (("loans", "tenant_id = ? AND book_number = ?", ("tenant_id", "book_number")),),
)
remove_member = _Removal(
    "member",
    "members",
    "id = ? AND tenant_id = ?",
    ("member_id", "tenant_id"),
    (("loans", "member_id = ?", ("member_id",)),),
)
remove_loan = _Removal("loan", "loans", "id = ? AND tenant_id = ?", ("loan_id", "tenant_id"))


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
