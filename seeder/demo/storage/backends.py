"""Choosing a storage backend from a database name."""

from __future__ import annotations

from seeder.demo.storage.sql import Database

__all__ = ["open_database"]


def open_database(db: str | None) -> Database:
    """``None`` or ``:memory:``: in-memory SQLite; ``postgresql://...``: PostgreSQL;
    anything else: an SQLite file path (created when missing)."""
    if db is not None and db.startswith(("postgresql://", "postgres://")):
        from seeder.demo.storage.postgres import PostgresDatabase

        return PostgresDatabase(db)
    from seeder.demo.storage.sqlite import SqliteDatabase

    return SqliteDatabase(db or ":memory:")
