"""``seeder fit --check SCENARIO``: a seeded database against what the scenario asked.

Each entity is matched to a table (its name, or plural: ``author`` → ``authors``;
``--map entity=table`` overrides), each field to the column of the same name.
What is compared, and its tolerance:

- root counts: exactly;
- per-parent counts (``poisson``, ``range``, a constant): the mean children per
  parent within 3 standard errors (λ/P, or the uniform's variance over P parents);
  a range's bounds exactly;
- ``null_weight`` p and each ``choice`` weight w: the measured share within
  3·sqrt(p(1−p)/N) of N rows;
- references without ``where``, to a fixed pool: the ntile(4) band shares of the
  uses and the fitted skew, within 3 standard deviations of what seeder's own pick
  function gives at the measured sizes (simulated, so the bias of ranking rows by
  their observed uses is included — see :func:`.shape.simulate_reference`);
  with ``mean``: the uses per referenced row within 3 standard errors of the
  pool's size, ~1 + Binomial(N−1, 1/m);
- ``range`` numbers: the bounds exactly, the mean within 3·(b−a)/sqrt(12·N);
  ``date`` ranges: the bounds;
- ``unique`` combinations and ``unique: true`` fields: no value repeated.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from seeder.fit.introspect import ForeignKey, Table, introspect
from seeder.fit.measure import TableStats, measure_table, reference_stats
from seeder.fit.shape import implied_shares, simulate_reference
from seeder.fit.sources import FitError, Source
from seeder.model import EntityModel, Model
from seeder.providers import Provider
from seeder.providers.base import InvalidProvider
from seeder.providers.numbers import Normal, Poisson, Range
from seeder.providers.references import From, Ref
from seeder.providers.time import DateRange, parse_when
from seeder.providers.values import Choice

__all__ = ["Difference", "check_model", "format_table"]


@dataclass
class Difference:
    parameter: str
    asked: str
    measured: str
    tolerance: str
    ok: bool


def _num(x: float) -> str:
    return f"{x:.4g}"


def table_of(entity: str, tables: Mapping[str, Table], mapping: Mapping[str, str]) -> str | None:
    if entity in mapping:
        return mapping[entity]
    stem = entity[:-1] if entity.endswith("y") else entity
    for candidate in (entity, entity + "s", entity + "es", stem + "ies"):
        if candidate in tables:
            return candidate
    return None


def check_model(source: Source, model: Model, mapping: Mapping[str, str]) -> list[Difference]:
    tables = introspect(source)
    unknown = [t for t in mapping.values() if t not in tables]
    if unknown:
        raise FitError(f"--map: no table {unknown[0]!r} in schema {source.schema!r}; check --map")
    where = {name: table_of(name, tables, mapping) for name in model.entities}
    if not any(where.values()):
        raise FitError(
            f"{source.shown}: no table of schema {source.schema!r} matches an entity of the "
            f"scenario ({', '.join(model.entities)}); name them with --map entity=table"
        )
    stats: dict[str, TableStats] = {}
    out: list[Difference] = []
    for name in model.order:
        tname = where[name]
        if tname is None:
            out.append(Difference(f"{name}", "a table", "none found", "--map", True))
            continue
        table = tables[tname]
        stats[tname] = measure_table(source, table)
        out.extend(_entity(source, model, model.entities[name], table, stats[tname], where))
    return out


def _entity(
    source: Source,
    model: Model,
    em: EntityModel,
    table: Table,
    stats: TableStats,
    where: Mapping[str, str | None],
) -> list[Difference]:
    out: list[Difference] = []
    label = f"{em.name} ({table.name})"
    rows = stats.rows
    if em.parent is None and em.count is not None:
        out.append(Difference(f"{label} rows", str(em.count), str(rows), "0", rows == em.count))
    if em.parent is not None and em.count_provider is not None:
        out.extend(_per_parent(source, em, table, where))
    if rows == 0:
        if em.parent is None and em.count is not None:
            return out  # its rows line says it
        return [*out, Difference(f"{label} rows", "some", "0", "-", False)]
    out.extend(_unique(source, em, table))
    for field_name, provider in em.providers.items():
        if field_name in em.var_names or field_name not in table.columns:
            continue
        column = stats.columns[field_name]
        param = f"{em.name}.{field_name}"
        if provider.null_weight > 0:
            p = provider.null_weight
            share = column.null_share(rows)
            tol = 3 * math.sqrt(p * (1 - p) / max(1, rows))
            out.append(
                Difference(
                    f"{param} null_weight",
                    _num(p),
                    _num(share),
                    f"±{tol:.3g}",
                    abs(share - p) <= tol,
                )
            )
        out.extend(_provider(source, model, em, table, stats, field_name, provider, where))
    return out


def _provider(
    source: Source,
    model: Model,
    em: EntityModel,
    table: Table,
    stats: TableStats,
    field_name: str,
    provider: Provider,
    where: Mapping[str, str | None],
) -> list[Difference]:
    column = stats.columns[field_name]
    param = f"{em.name}.{field_name}"
    out: list[Difference] = []
    if isinstance(provider, Choice):
        counts = {str(v): n for v, n in (column.choices or [])}
        total = column.nonnull
        weights = list(provider.weights or [1.0] * len(provider.values))
        norm = sum(weights)
        for value, w in zip(provider.values, weights, strict=True):
            p = w / norm
            share = counts.get(str(value), 0) / total if total else 0.0
            tol = 3 * math.sqrt(p * (1 - p) / max(1, total))
            out.append(
                Difference(
                    f"{param} choice {value}",
                    _num(p),
                    _num(share),
                    f"±{tol:.3g}",
                    abs(share - p) <= tol,
                )
            )
    elif isinstance(provider, Range) and column.nonnull and column.mean is not None:
        low, high = provider.low, provider.high
        ok = float(column.low) >= low and float(column.high) <= high
        out.append(
            Difference(
                f"{param} range",
                f"[{_num(low)}, {_num(high)}]",
                f"[{_num(column.low)}, {_num(column.high)}]",
                "within",
                ok,
            )
        )
        mid = (low + high) / 2
        tol = 3 * (high - low) / math.sqrt(12 * column.nonnull)
        out.append(
            Difference(
                f"{param} mean",
                _num(mid),
                _num(column.mean),
                f"±{tol:.3g}",
                abs(column.mean - mid) <= tol,
            )
        )
    elif (
        isinstance(provider, Normal)
        and provider.min is None
        and provider.max is None
        and column.mean is not None
    ):
        tol = 3 * provider.sd / math.sqrt(max(1, column.nonnull))
        out.append(
            Difference(
                f"{param} mean",
                _num(provider.mean),
                _num(column.mean),
                f"±{tol:.3g}",
                abs(column.mean - provider.mean) <= tol,
            )
        )
    elif isinstance(provider, DateRange) and column.nonnull:
        start, end = (parse_when(provider.start), parse_when(provider.end))
        first, last = _when(column.low, start), _when(column.high, start)
        ok = first is not None and last is not None and _key(start) <= first <= last <= _key(end)
        out.append(
            Difference(
                f"{param} range",
                f"[{start.isoformat()}, {end.isoformat()}]",
                f"[{column.low}, {column.high}]",
                "within",
                ok,
            )
        )
    elif isinstance(provider, Ref):
        out.extend(_reference(source, model, em, table, field_name, provider, where))
    return out


def _key(when: dt.date) -> dt.datetime:
    """Dates and datetimes, aware or not, on one comparable scale (naive UTC)."""
    if not isinstance(when, dt.datetime):
        return dt.datetime.combine(when, dt.time())
    if when.tzinfo is not None:
        return when.astimezone(dt.UTC).replace(tzinfo=None)
    return when


def _when(value: Any, like: dt.date) -> dt.datetime | None:
    """A measured bound (ISO text is parsed) on the scale of :func:`_key`, else None;
    a datetime measured against date bounds counts by its date."""
    try:
        when = value if isinstance(value, dt.date) else parse_when(str(value))
    except InvalidProvider:
        return None
    if not isinstance(like, dt.datetime) and isinstance(when, dt.datetime):
        when = when.date()
    return _key(when)


def _unique(source: Source, em: EntityModel, table: Table) -> list[Difference]:
    """Each ``unique`` combination (and ``unique: true`` field): no repeats."""
    combos = list(em.unique)
    combos += [(f,) for f, p in em.providers.items() if p.unique and f not in em.var_names]
    out: list[Difference] = []
    for combo in combos:
        if not all(c in table.columns for c in combo):
            continue
        cols = ", ".join(source.quote(c) for c in combo)
        ((repeats,),) = source.rows(
            f"SELECT COUNT(*) FROM (SELECT {cols} FROM {source.table(table.name)} "
            f"GROUP BY {cols} HAVING COUNT(*) > 1) repeated"
        )
        out.append(
            Difference(
                f"{em.name} unique ({', '.join(combo)})",
                "no repeats",
                f"{repeats} repeated",
                "0",
                int(repeats) == 0,
            )
        )
    return out


def _fk(table: Table, column: str, target: str, identity: str) -> ForeignKey:
    found = table.fk_of(column)
    if found is not None and found.ref_table == target:
        return found
    return ForeignKey((column,), target, (identity,))


def _reference(
    source: Source,
    model: Model,
    em: EntityModel,
    table: Table,
    field_name: str,
    ref: Ref,
    where: Mapping[str, str | None],
) -> list[Difference]:
    param = f"{em.name}.{field_name}"
    target = where.get(ref.entity)
    if target is None:
        return []
    if ref.where:
        return [Difference(f"{param} shape", "where: filtered", "not compared", "-", True)]
    fk = _fk(table, field_name, target, ref.field or "id")
    refs = reference_stats(source, table, fk)
    out: list[Difference] = []
    if ref.mean is not None:
        m = ref.mean
        n_uses = refs.total
        # the pool is ~1 + Binomial(N-1, 1/m) rows: its sd, carried to the mean N/rows
        sd_rows = math.sqrt(max(1.0, (n_uses - 1) * (1 / m) * (1 - 1 / m)))
        tol = 3 * m * sd_rows / max(1, refs.rows)
        out.append(
            Difference(
                f"{param} mean", _num(m), _num(refs.mean), f"±{tol:.3g}", abs(refs.mean - m) <= tol
            )
        )
    if refs.total == 0 or refs.rows == 0:
        return out
    sim = simulate_reference(refs.rows, refs.total, ref.skew, ref.weights)
    if ref.weights is not None:
        total = sum(ref.weights)
        k = len(ref.weights)
        # k equal bands other than 4: their uses re-split into quartiles, as simulated
        asked = [w / total for w in ref.weights] if k == 4 else [s.mean for s in sim.shares]
    elif ref.skew is not None:
        asked = implied_shares(ref.skew)
    else:
        asked = [0.25] * 4
    for p, (a, measured, spread) in enumerate(zip(asked, refs.shares, sim.shares, strict=True)):
        tol = spread.tolerance(a)
        out.append(
            Difference(
                f"{param} band {p + 1} share",
                _num(a),
                _num(measured),
                f"±{tol:.3g}",
                abs(measured - a) <= tol,
            )
        )
    if ref.skew is not None and sim.skew is not None and refs.skew is not None:
        tol = sim.skew.tolerance(ref.skew)
        out.append(
            Difference(
                f"{param} skew",
                _num(ref.skew),
                _num(refs.skew),
                f"±{tol:.3g}",
                abs(refs.skew - ref.skew) <= tol,
            )
        )
    return out


def _per_parent(
    source: Source, em: EntityModel, table: Table, where: Mapping[str, str | None]
) -> list[Difference]:
    assert em.parent is not None and em.count_provider is not None
    parent_table = where.get(em.parent)
    if parent_table is None:
        return []
    link = next(
        (
            f
            for f, p in em.providers.items()
            if isinstance(p, From) and p.path == "parent" and f in table.columns
        ),
        None,
    )
    if link is None:
        fks = [fk for fk in table.foreign_keys if fk.ref_table == parent_table]
        if not fks:
            return []
        fk = fks[0]
    else:
        fk = _fk(table, link, parent_table, "id")
    refs = reference_stats(source, table, fk)
    out: list[Difference] = []
    label = f"{em.name} per {em.parent}"
    count: Any = em.count_provider
    parents = max(1, refs.rows)
    if isinstance(count, Poisson):
        lam = count.lam
        tol = 3 * math.sqrt(lam / parents)
        out.append(
            Difference(
                f"{label} mean (poisson)",
                _num(lam),
                _num(refs.mean),
                f"±{tol:.3g}",
                abs(refs.mean - lam) <= tol,
            )
        )
        tol_var = 3 * math.sqrt((lam + 2 * lam * lam) / parents)  # var of s² for a Poisson
        out.append(
            Difference(
                f"{label} variance (poisson)",
                _num(lam),
                _num(refs.variance),
                f"±{tol_var:.3g}",
                abs(refs.variance - lam) <= tol_var,
            )
        )
    elif isinstance(count, Range):
        low, high = round(count.low), round(count.high)
        ok = refs.min_uses >= low and refs.max_uses <= high
        out.append(
            Difference(
                f"{label} range",
                f"[{low}, {high}]",
                f"[{refs.min_uses}, {refs.max_uses}]",
                "within",
                ok,
            )
        )
        mid = (low + high) / 2
        var = ((high - low + 1) ** 2 - 1) / 12
        tol = 3 * math.sqrt(var / parents) if var else 0.0
        out.append(
            Difference(
                f"{label} mean",
                _num(mid),
                _num(refs.mean),
                f"±{tol:.3g}",
                abs(refs.mean - mid) <= tol + 1e-9,
            )
        )
    else:
        avg = count.average()
        tol = 3 * math.sqrt(max(avg, 1e-9) / parents)
        out.append(
            Difference(
                f"{label} mean",
                _num(avg),
                _num(refs.mean),
                f"±{tol:.3g}",
                abs(refs.mean - avg) <= tol,
            )
        )
    return out


def format_table(rows: list[Difference]) -> str:
    header = Difference("parameter", "asked", "measured", "tolerance", True)
    cells = [
        [d.parameter, d.asked, d.measured, d.tolerance, "ok" if d.ok else "NO"]
        for d in [header, *rows]
    ]
    cells[0][4] = "ok"
    widths = [max(len(r[i]) for r in cells) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
