"""Library repository: the writes and lookups the library handlers need."""

from __future__ import annotations

import hashlib

from seeder.demo.domain.library import Author, Member
from seeder.demo.storage.sql import Sql, exists, one, scalar


def token_digest(token: str) -> str:
    """Tokens are stored as digests only, as a real service would."""
    return hashlib.sha256(token.encode()).hexdigest()


def password_digest(tenant_id: int, email: str, password: str) -> str:
    """A salted digest (a demo: a real service would use a slow KDF)."""
    return hashlib.sha256(f"{tenant_id}:{email}:{password}".encode()).hexdigest()


class LibraryRepository:
    def __init__(self, sql: Sql) -> None:
        self._sql = sql

    def tenant_exists(self, tenant_id: int) -> bool:
        return exists(self._sql, "SELECT 1 FROM tenants WHERE id = ?", (tenant_id,))

    def add_tenant(self, name: str, plan: str) -> int:
        return int(
            scalar(
                self._sql,
                "INSERT INTO tenants (name, plan) VALUES (?, ?) RETURNING id",
                (name, plan),
            )
        )

    def author(self, author_id: int) -> Author | None:
        row = one(self._sql, "SELECT id, tenant_id FROM authors WHERE id = ?", (author_id,))
        return None if row is None else Author(id=row["id"], tenant_id=row["tenant_id"])

    def add_author(self, tenant_id: int, name: str, birth_year: int | None) -> int:
        return int(
            scalar(
                self._sql,
                "INSERT INTO authors (tenant_id, name, birth_year) VALUES (?, ?, ?) RETURNING id",
                (tenant_id, name, birth_year),
            )
        )

    def isbn_taken(self, tenant_id: int, isbn: str) -> bool:
        return exists(
            self._sql, "SELECT 1 FROM books WHERE tenant_id = ? AND isbn = ?", (tenant_id, isbn)
        )

    def next_book_number(self, tenant_id: int) -> int:
        """Numbers books 1, 2, 3... within a tenant; the update locks the tenant row."""
        return int(
            scalar(
                self._sql,
                "UPDATE tenants SET next_book_number = next_book_number + 1 WHERE id = ? "
                "RETURNING next_book_number",
                (tenant_id,),
            )
        )

    def add_book(
        self,
        tenant_id: int,
        number: int,
        author_id: int,
        isbn: str,
        title: str,
        subtitle: str | None,
        status: str,
        published_on: str | None,
    ) -> None:
        self._sql.query(
            "INSERT INTO books (tenant_id, number, author_id, isbn, title, subtitle, status, "
            "published_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (tenant_id, number, author_id, isbn, title, subtitle, status, published_on),
        )

    def book_exists(self, tenant_id: int, number: int) -> bool:
        return exists(
            self._sql,
            "SELECT 1 FROM books WHERE tenant_id = ? AND number = ?",
            (tenant_id, number),
        )

    def add_member(
        self, tenant_id: int, name: str, email: str, token: str, password: str | None = None
    ) -> int:
        digest = None if password is None else password_digest(tenant_id, email, password)
        return int(
            scalar(
                self._sql,
                "INSERT INTO members (tenant_id, name, email, token_sha256, password_sha256) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (tenant_id, name, email, token_digest(token), digest),
            )
        )

    def count(self, table: str, where: str, params: tuple[object, ...]) -> int:
        """How many rows of a library ``table`` match ``where`` (removal rules)."""
        return int(scalar(self._sql, f"SELECT count(*) FROM {table} WHERE {where}", params))

    def remove(self, table: str, where: str, params: tuple[object, ...]) -> bool:
        """Deletes the rows of a library ``table`` matching ``where``; False if none."""
        rows = self._sql.query(f"DELETE FROM {table} WHERE {where} RETURNING 1", params)
        return bool(rows)

    def member_by_password(self, tenant_id: int, email: str, password: str) -> Member | None:
        """The member of ``tenant_id`` with this email and password (a log-in)."""
        row = one(
            self._sql,
            "SELECT id, tenant_id FROM members WHERE tenant_id = ? AND email = ? "
            "AND password_sha256 = ? ORDER BY id LIMIT 1",
            (tenant_id, email, password_digest(tenant_id, email, password)),
        )
        return None if row is None else Member(id=row["id"], tenant_id=row["tenant_id"])

    def replace_token(self, member_id: int, token: str) -> None:
        """A log-in issues a new token; the old one stops working."""
        self._sql.query(
            "UPDATE members SET token_sha256 = ? WHERE id = ?", (token_digest(token), member_id)
        )

    def member_by_token(self, token: str) -> Member | None:
        """The token's owner, row-locked so one member's loans are counted serially."""
        row = one(
            self._sql,
            "SELECT id, tenant_id FROM members WHERE token_sha256 = ?" + self._sql.for_update,
            (token_digest(token),),
        )
        return None if row is None else Member(id=row["id"], tenant_id=row["tenant_id"])

    def active_loans(self, member_id: int) -> int:
        return int(
            scalar(
                self._sql,
                "SELECT count(*) FROM loans WHERE member_id = ? AND returned_on IS NULL",
                (member_id,),
            )
        )

    def book_on_loan(self, tenant_id: int, number: int) -> bool:
        return exists(
            self._sql,
            "SELECT 1 FROM loans WHERE tenant_id = ? AND book_number = ? AND returned_on IS NULL",
            (tenant_id, number),
        )

    def add_loan(self, tenant_id: int, number: int, member_id: int, due_on: str | None) -> int:
        return int(
            scalar(
                self._sql,
                "INSERT INTO loans (tenant_id, book_number, member_id, due_on) "
                "VALUES (?, ?, ?, ?) RETURNING id",
                (tenant_id, number, member_id, due_on),
            )
        )
