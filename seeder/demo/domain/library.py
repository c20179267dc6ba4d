"""Library rules: tenants, authors, books, members and loans.

A book belongs to a tenant and its author must be one of that tenant's authors; an
ISBN is unique within a tenant; a member borrows with their own token, a lent book
cannot be lent again, and a member has at most :data:`MAX_ACTIVE_LOANS` at a time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from seeder.demo.errors import Conflict, Forbidden, NotFound, RuleViolation, Unauthenticated

MAX_ACTIVE_LOANS = 5


@dataclass(frozen=True, slots=True)
class Author:
    id: int
    tenant_id: int


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    tenant_id: int


def new_member_token() -> str:
    """A fresh secret token, handed to a member once, at registration."""
    return secrets.token_urlsafe(24)


def require_tenant(exists: bool, tenant_id: int) -> None:
    if not exists:
        raise NotFound("tenant_not_found", f"tenant {tenant_id} does not exist")


def require_author_in_tenant(author: Author | None, author_id: int, tenant_id: int) -> None:
    """A book's author must be an author of the book's own tenant."""
    if author is None or author.tenant_id != tenant_id:
        raise RuleViolation(
            "author_not_in_tenant", f"author {author_id} is not an author of tenant {tenant_id}"
        )


def require_unique_isbn(taken: bool, isbn: str, tenant_id: int) -> None:
    if taken:
        raise Conflict("isbn_taken", f"ISBN {isbn} already exists in tenant {tenant_id}")


def authorise_borrower(token_owner: Member | None, member_id: int, tenant_id: int) -> None:
    """Only the member themself, presenting their token, may borrow in their name."""
    if token_owner is None:
        raise Unauthenticated(
            "invalid_token", "borrowing needs the member's token: Authorization: Bearer <token>"
        )
    if token_owner.id != member_id:
        raise Forbidden(
            "token_of_another_member",
            f"the token presented belongs to member {token_owner.id}, not member {member_id}",
        )
    if token_owner.tenant_id != tenant_id:
        raise Forbidden(
            "member_of_another_tenant",
            f"member {member_id} belongs to tenant {token_owner.tenant_id}, not {tenant_id}",
        )


def authenticate(member: Member | None, email: str) -> Member:
    """A log-in needs a member of the tenant with this email and password."""
    if member is None:
        raise Unauthenticated("invalid_credentials", f"no member {email} with this password")
    return member


def require_found(removed: bool, what: str) -> None:
    """A removal of something that does not exist is a 404 (removing twice is safe)."""
    if not removed:
        raise NotFound("not_found", f"{what} does not exist")


def require_unused(users: int, what: str, by: str, rule: str) -> None:
    """Nothing is removed while something refers to it: its dependents go first."""
    if users:
        raise Conflict(rule, f"{what} still has {users} {by}; remove them first")


def require_book(exists: bool, tenant_id: int, book_number: int) -> None:
    if not exists:
        raise NotFound("book_not_found", f"tenant {tenant_id} has no book number {book_number}")


def require_book_available(on_loan: bool, tenant_id: int, book_number: int) -> None:
    if on_loan:
        raise Conflict("book_on_loan", f"book {book_number} of tenant {tenant_id} is on loan")


def require_loan_allowance(active_loans: int, member_id: int) -> None:
    if active_loans >= MAX_ACTIVE_LOANS:
        raise RuleViolation(
            "loan_limit_reached",
            f"member {member_id} already has {active_loans} active loans "
            f"(at most {MAX_ACTIVE_LOANS})",
        )
