"""What a schema holds: tables, their columns (type, nullability, length), primary
keys, unique constraints and indexes, and foreign keys, read from the catalog."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from seeder.errors import suggest
from seeder.fit.sources import FitError, Source

__all__ = ["Column", "ForeignKey", "Table", "introspect"]

_KINDS = {
    "int": (
        "smallint",
        "integer",
        "bigint",
        "int",
        "int2",
        "int4",
        "int8",
        "tinyint",
        "mediumint",
        "serial",
        "bigserial",
        "year",
    ),
    "float": ("real", "double precision", "float", "double", "float4", "float8"),
    "decimal": ("numeric", "decimal"),
    "text": (
        "text",
        "character varying",
        "varchar",
        "character",
        "char",
        "bpchar",
        "longtext",
        "mediumtext",
        "tinytext",
        "citext",
        "enum",
        "set",
    ),
    "date": ("date",),
    "datetime": (
        "timestamp",
        "timestamp without time zone",
        "timestamp with time zone",
        "timestamptz",
        "datetime",
    ),
    "bool": ("boolean", "bool", "bit"),
    "uuid": ("uuid",),
}
KIND_OF = {raw: kind for kind, raws in _KINDS.items() for raw in raws}


@dataclass
class Column:
    name: str
    raw_type: str
    nullable: bool
    max_length: int | None = None
    generated: bool = False  # identity / serial / auto_increment: the service assigns it

    @property
    def kind(self) -> str:
        return KIND_OF.get(self.raw_type.lower(), "other")


@dataclass
class ForeignKey:
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass
class Table:
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    uniques: list[tuple[str, ...]] = field(default_factory=list)  # the primary key excluded
    foreign_keys: list[ForeignKey] = field(default_factory=list)

    def fk_of(self, column: str) -> ForeignKey | None:
        for fk in self.foreign_keys:
            if column in fk.columns:
                return fk
        return None


def introspect(source: Source, only: Sequence[str] | None = None) -> dict[str, Table]:
    """The schema's tables (all, or ``only`` those, which must exist), in name order."""
    names = [r[0] for r in source.rows(_SQL[source.dialect]["tables"], [source.schema])]
    if only:
        unknown = [t for t in only if t not in names]
        if unknown:
            hint = suggest(unknown[0], names)
            listed = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            raise FitError(
                f"{source.shown}: no table {unknown[0]!r} in schema {source.schema!r}; "
                f"{hint + ' ' if hint else ''}the tables are: {listed or '(none)'}; "
                "check --tables"
            )
        names = [t for t in names if t in only]
    if not names:
        raise FitError(
            f"{source.shown}: schema {source.schema!r} has no tables; check --schema or --dsn"
        )
    tables = {name: Table(name) for name in names}
    sql = _SQL[source.dialect]
    for tname, cname, raw, nullable, length, default, extra in source.rows(
        sql["columns"], [source.schema]
    ):
        table = tables.get(tname)
        if table is None:
            continue
        generated = (
            str(extra or "").upper() in ("YES", "AUTO_INCREMENT")
            or "auto_increment" in str(extra or "").lower()
            or str(default or "").startswith("nextval(")
        )
        table.columns[cname] = Column(
            cname, str(raw), nullable == "YES", int(length) if length else None, generated
        )
    for tname, primary, columns in _unique_rows(source):
        table = tables.get(tname)
        if table is None:
            continue
        if primary:
            table.primary_key = columns
        elif columns not in table.uniques:
            table.uniques.append(columns)
    for tname, columns, ref_table, ref_columns in _fk_rows(source):
        table = tables.get(tname)
        if table is not None:
            table.foreign_keys.append(ForeignKey(columns, ref_table, ref_columns))
    return tables


def _unique_rows(source: Source) -> list[tuple[str, bool, tuple[str, ...]]]:
    if source.dialect == "postgresql":
        return [
            (t, bool(p), tuple(cols)) for t, p, cols in source.rows(_PG_UNIQUE, [source.schema])
        ]
    grouped: dict[tuple[str, str], list[str]] = {}
    for tname, index, column in source.rows(_MY_UNIQUE, [source.schema]):
        grouped.setdefault((tname, index), []).append(column)
    return [(t, i == "PRIMARY", tuple(cols)) for (t, i), cols in grouped.items()]


def _fk_rows(source: Source) -> list[tuple[str, tuple[str, ...], str, tuple[str, ...]]]:
    if source.dialect == "postgresql":
        return [
            (t, tuple(c), rt, tuple(rc)) for t, c, rt, rc in source.rows(_PG_FK, [source.schema])
        ]
    grouped: dict[tuple[str, str], tuple[str, list[str], list[str]]] = {}
    for tname, name, column, ref_table, ref_column in source.rows(_MY_FK, [source.schema]):
        entry = grouped.setdefault((tname, name), (ref_table, [], []))
        entry[1].append(column)
        entry[2].append(ref_column)
    return [(t, tuple(c), rt, tuple(rc)) for (t, _), (rt, c, rc) in grouped.items()]


_SQL = {
    "postgresql": {
        "tables": "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
        "AND table_type = 'BASE TABLE' ORDER BY table_name",
        "columns": "SELECT table_name, column_name, udt_name, is_nullable, "
        "character_maximum_length, column_default, is_identity "
        "FROM information_schema.columns WHERE table_schema = %s "
        "ORDER BY table_name, ordinal_position",
    },
    "mysql": {
        "tables": "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
        "AND table_type = 'BASE TABLE' ORDER BY table_name",
        "columns": "SELECT table_name, column_name, data_type, is_nullable, "
        "character_maximum_length, column_default, extra "
        "FROM information_schema.columns WHERE table_schema = %s "
        "ORDER BY table_name, ordinal_position",
    },
}

_PG_COLUMNS = (
    "array(SELECT a.attname::text FROM unnest({keys}) WITH ORDINALITY k(n, i) "
    "JOIN pg_attribute a ON a.attrelid = {rel} AND a.attnum = k.n ORDER BY k.i)"
)
_PG_UNIQUE = (
    "SELECT cl.relname::text, i.indisprimary, "
    + _PG_COLUMNS.format(keys="i.indkey::int2[]", rel="i.indrelid")
    + " FROM pg_index i JOIN pg_class cl ON cl.oid = i.indrelid "
    "JOIN pg_namespace ns ON ns.oid = cl.relnamespace "
    "WHERE ns.nspname = %s AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL "
    "ORDER BY 1, 2 DESC, 3"
)
_PG_FK = (
    "SELECT cl.relname::text, "
    + _PG_COLUMNS.format(keys="c.conkey", rel="c.conrelid")
    + ", fcl.relname::text, "
    + _PG_COLUMNS.format(keys="c.confkey", rel="c.confrelid")
    + " FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid "
    "JOIN pg_namespace ns ON ns.oid = cl.relnamespace "
    "JOIN pg_class fcl ON fcl.oid = c.confrelid "
    "WHERE c.contype = 'f' AND ns.nspname = %s ORDER BY 1, c.conname"
)
_MY_UNIQUE = (
    "SELECT table_name, index_name, column_name FROM information_schema.statistics "
    "WHERE table_schema = %s AND non_unique = 0 ORDER BY table_name, index_name, seq_in_index"
)
_MY_FK = (
    "SELECT table_name, constraint_name, column_name, referenced_table_name, "
    "referenced_column_name FROM information_schema.key_column_usage "
    "WHERE table_schema = %s AND referenced_table_name IS NOT NULL "
    "ORDER BY table_name, constraint_name, ordinal_position"
)
