"""The measurements, each one aggregate query run on the server.

Per table: the row count; one scan for every column's null share, distinct count
(PostgreSQL's planner estimate where ANALYZE made one),
range, moments (of the value and of its logarithm) and string lengths; a GROUP BY
for each low-cardinality column's choice weights; and per foreign key the uses of
every referenced row (a LEFT JOIN, so unused rows count as zero), ranked with
window functions in a second step (ROW_NUMBER, a running SUM and NTILE(4) over the
aggregate — never a window function inside another's definition, which PostgreSQL
refuses) and summed to a single row. The client receives a few numbers per column,
so its memory does not depend on the size of the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from seeder.fit.introspect import ForeignKey, Table
from seeder.fit.shape import BANDS, TRIM, RefStats
from seeder.fit.sources import Source

__all__ = ["CHOICE_MAX", "ColumnStats", "TableStats", "measure_table", "reference_stats"]

CHOICE_MAX = 20  # at most this many distinct values: a choice with weights
HISTOGRAM_MAX = 200  # children per parent up to this: the histogram is read too
ISO_DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
ISO_DATETIME = "^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}"


@dataclass
class ColumnStats:
    name: str
    kind: str
    nonnull: int = 0
    distinct: int = 0
    low: Any = None
    high: Any = None
    mean: float | None = None
    sd: float | None = None
    cube: float | None = None  # mean of x³, for the skewness
    log_mean: float | None = None  # of ln x over x > 0
    log_sd: float | None = None
    nonpositive: int = 0
    len_min: int | None = None
    len_max: int | None = None
    len_mean: float | None = None
    iso_dates: int = 0
    iso_datetimes: int = 0
    choices: list[tuple[Any, int]] | None = None
    distinct_estimated: bool = False  # from the planner's statistics (pg_stats)

    def null_share(self, rows: int) -> float:
        return (rows - self.nonnull) / rows if rows else 0.0

    @property
    def skewness(self) -> float | None:
        if self.mean is None or self.sd is None or self.cube is None or self.sd <= 0:
            return None
        m, n = self.mean, self.nonnull
        var = self.sd * self.sd * (n - 1) / n if n > 1 else 0.0  # the population's
        if var <= 0:
            return None
        # E[(x-m)³] = E[x³] - 3·m·var - m³ (population moments: the sample variance's
        # n-1 would leave 3·m·var/n, large next to the third moment when m is large)
        return (self.cube - 3 * m * var - m**3) / (var * math.sqrt(var))


@dataclass
class TableStats:
    table: Table
    rows: int
    columns: dict[str, ColumnStats] = field(default_factory=dict)
    refs: dict[tuple[str, ...], RefStats] = field(default_factory=dict)


NUMERIC = ("int", "float", "decimal")


def measure_table(source: Source, table: Table) -> TableStats:
    """Every statistic :mod:`.skeleton` writes for ``table``."""
    name = source.table(table.name)
    ((rows,),) = source.rows(f"SELECT COUNT(*) FROM {name}")
    stats = TableStats(table, int(rows))
    estimates = _distinct_estimates(source, table, stats.rows)
    exprs: list[str] = []
    layout: list[tuple[ColumnStats, list[str]]] = []
    for column in table.columns.values():
        col = ColumnStats(column.name, column.kind)
        stats.columns[column.name] = col
        q = source.quote(column.name)
        parts = {"nonnull": f"COUNT({q})"}
        if column.kind != "other" and column.name not in estimates:
            parts["distinct"] = f"COUNT(DISTINCT {q})"
        if column.kind in NUMERIC:
            x = source.real(q)
            positive = f"CASE WHEN {q} > 0 THEN LN({x}) END"
            parts |= {
                "low": f"MIN({q})",
                "high": f"MAX({q})",
                "mean": f"AVG({x})",
                "sd": f"STDDEV_SAMP({x})",
                "cube": f"AVG({x} * {x} * {x})",
                "log_mean": f"AVG({positive})",
                "log_sd": f"STDDEV_SAMP({positive})",
                "nonpositive": f"SUM(CASE WHEN {q} <= 0 THEN 1 ELSE 0 END)",
            }
        elif column.kind in ("date", "datetime"):
            parts |= {"low": f"MIN({q})", "high": f"MAX({q})"}
        elif column.kind == "text":
            length = f"CHAR_LENGTH({q})"
            parts |= {
                "low": f"MIN({q})",
                "high": f"MAX({q})",
                "len_min": f"MIN({length})",
                "len_max": f"MAX({length})",
                "len_mean": f"AVG({source.real(length)})",
                "iso_dates": f"SUM(CASE WHEN {source.matches(q, ISO_DATE)} THEN 1 ELSE 0 END)",
                "iso_datetimes": "SUM(CASE WHEN "
                f"{source.matches(q, ISO_DATETIME)} THEN 1 ELSE 0 END)",
            }
        layout.append((col, list(parts)))
        exprs.extend(parts.values())
    if exprs and stats.rows:
        (values,) = source.rows(f"SELECT {', '.join(exprs)} FROM {name}")
        at = 0
        for col, keys in layout:
            for key in keys:
                setattr(col, key, _plain(values[at], key))
                at += 1
    for col in stats.columns.values():
        if col.name in estimates:
            col.distinct = estimates[col.name]
            col.distinct_estimated = True
        few = col.distinct <= (2 * CHOICE_MAX if col.distinct_estimated else CHOICE_MAX)
        if col.distinct > 0 and few and col.kind != "other" and col.nonnull:
            q = source.quote(col.name)
            found = source.rows(
                f"SELECT {q}, COUNT(*) FROM {name} WHERE {q} IS NOT NULL "
                f"GROUP BY {q} ORDER BY 2 DESC, 1 LIMIT {CHOICE_MAX + 1}"
            )
            if len(found) <= CHOICE_MAX:  # the exact values (an estimate said few)
                col.choices = [(_plain(v, "low"), int(n)) for v, n in found]
                col.distinct, col.distinct_estimated = len(found), False
    for fk in table.foreign_keys:
        stats.refs[fk.columns] = reference_stats(source, table, fk)
    return stats


def _distinct_estimates(source: Source, table: Table, rows: int) -> dict[str, int]:
    """PostgreSQL's own estimate of each column's distinct values (``pg_stats``,
    kept by ANALYZE and autovacuum), where it has one: COUNT(DISTINCT) sorts every
    column and was 90% of a fit. A column estimated to have few values is then
    counted exactly by its GROUP BY. MySQL, and tables never analysed, are counted."""
    if source.dialect != "postgresql" or rows == 0:
        return {}
    found = source.rows(
        "SELECT attname::text, n_distinct FROM pg_stats WHERE schemaname = %s AND tablename = %s",
        [source.schema, table.name],
    )
    out: dict[str, int] = {}
    for column, n in found:
        if n is None or column not in table.columns:
            continue
        n = float(n)
        out[column] = max(1, round(n if n > 0 else -n * rows))
    return out


def _plain(value: Any, key: str) -> Any:
    """Driver values (Decimal, date) as plain Python numbers where arithmetic is done."""
    if value is None:
        return None
    if key in ("nonnull", "distinct", "nonpositive", "len_min", "len_max", "iso_dates"):
        return int(value)
    if key in ("iso_datetimes",):
        return int(value)
    if key in ("mean", "sd", "cube", "log_mean", "log_sd", "len_mean"):
        return float(value)
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _uses_cte(source: Source, table: Table, fk: ForeignKey) -> str:
    parent, child = source.table(fk.ref_table), source.table(table.name)
    on = " AND ".join(
        f"c.{source.quote(c)} = p.{source.quote(r)}"
        for c, r in zip(fk.columns, fk.ref_columns, strict=True)
    )
    keys = ", ".join(f"p.{source.quote(r)}" for r in fk.ref_columns)
    first = source.quote(fk.columns[0])
    return (
        f"uses AS (SELECT COUNT(c.{first}) AS n FROM {parent} p "
        f"LEFT JOIN {child} c ON {on} GROUP BY {keys})"
    )


def reference_stats(source: Source, table: Table, fk: ForeignKey) -> RefStats:
    """Uses per referenced row of ``fk``: band sums, regression sums, moments."""
    real = source.real
    top = f"r <= {TRIM} * rows_n"
    x_cum = f"LN({real('r')} / rows_n)"
    y_cum = f"LN({real('cum')} / total)"
    zipf = f"{top} AND n > 0"
    bands = ", ".join(f"SUM(CASE WHEN band = {p} THEN n ELSE 0 END)" for p in range(1, BANDS + 1))
    sql = (
        f"WITH {_uses_cte(source, table, fk)}, "
        "ranked AS (SELECT n, ROW_NUMBER() OVER (ORDER BY n DESC) AS r, "
        "SUM(n) OVER (ORDER BY n DESC ROWS UNBOUNDED PRECEDING) AS cum, "
        f"NTILE({BANDS}) OVER (ORDER BY n DESC) AS band FROM uses), "
        "tot AS (SELECT COUNT(*) AS rows_n, SUM(n) AS total FROM uses) "
        f"SELECT rows_n, total, {bands}, "
        f"SUM(CASE WHEN {top} AND cum > 0 THEN {x_cum} * {y_cum} END), "
        f"SUM(CASE WHEN {top} AND cum > 0 THEN {x_cum} * {x_cum} END), "
        f"SUM(CASE WHEN {zipf} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {zipf} THEN LN({real('r')}) END), "
        f"SUM(CASE WHEN {zipf} THEN LN({real('n')}) END), "
        f"SUM(CASE WHEN {zipf} THEN LN({real('r')}) * LN({real('r')}) END), "
        f"SUM(CASE WHEN {zipf} THEN LN({real('n')}) * LN({real('n')}) END), "
        f"SUM(CASE WHEN {zipf} THEN LN({real('r')}) * LN({real('n')}) END), "
        f"MIN(n), MAX(n), SUM({real('n')} * n) "
        "FROM ranked CROSS JOIN tot WHERE tot.total > 0 GROUP BY rows_n, total"
    )
    found = source.rows(sql)
    if not found:
        ((rows_n,),) = source.rows(f"SELECT COUNT(*) FROM {source.table(fk.ref_table)}")
        return RefStats(int(rows_n), 0, [0.0] * BANDS, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0)
    v = [0 if x is None else x for x in found[0]]
    stats = RefStats(
        rows=int(v[0]),
        total=int(v[1]),
        bands=[float(b) for b in v[2 : 2 + BANDS]],
        cum_sxy=float(v[6]),
        cum_sxx=float(v[7]),
        zipf_k=int(v[8]),
        zipf_sx=float(v[9]),
        zipf_sy=float(v[10]),
        zipf_sxx=float(v[11]),
        zipf_syy=float(v[12]),
        zipf_sxy=float(v[13]),
        min_uses=int(v[14]),
        max_uses=int(v[15]),
        sum_sq=float(v[16]),
    )
    if stats.max_uses <= HISTOGRAM_MAX:
        stats.histogram = {
            int(n): int(k)
            for n, k in source.rows(
                f"WITH {_uses_cte(source, table, fk)} SELECT n, COUNT(*) FROM uses GROUP BY n"
            )
        }
    return stats


def same_as_parent(
    source: Source, table: Table, via: ForeignKey, column: str, parent_column: str
) -> bool:
    """Whether ``table.column`` equals the referenced row's ``parent_column`` in
    every row (then the field is ``from: parent.COLUMN``, not a reference of its own)."""
    child, parent = source.table(table.name), source.table(via.ref_table)
    on = " AND ".join(
        f"c.{source.quote(c)} = p.{source.quote(r)}"
        for c, r in zip(via.columns, via.ref_columns, strict=True)
    )
    q, pq = source.quote(column), source.quote(parent_column)
    ((differ,),) = source.rows(
        f"SELECT COUNT(*) FROM {child} c JOIN {parent} p ON {on} "
        f"WHERE c.{q} <> p.{pq} OR (c.{q} IS NULL) <> (p.{pq} IS NULL)"
    )
    return int(differ) == 0


def finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
