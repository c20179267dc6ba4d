"""The scenario skeleton: one entity per table, written as seeder's YAML with
comments that give every figure's sample size and fit quality.

Decisions it makes (each said in a comment where it is made):

- a table whose rows per referenced row fit a constant, a uniform range or a
  Poisson (total-variation distance within sampling noise) becomes ``per:`` that
  parent, with that ``count``; a column equal to the parent's is ``from: parent.X``;
- every other table gets ``count`` (its rows): its references pick from fixed pools
  (``--pools fixed``, the default), with ``skew`` when the skew curve reproduces the
  quartile shares, else ``weights``; ``--pools growing`` leaves a pool that only one
  reference fills without ``count`` and gives the reference ``mean`` instead;
- a column with at most 20 values is a ``choice``; numbers a ``range`` when their
  spread is that of a uniform one, else ``normal`` or (positive, right-skewed)
  ``lognormal``, truncated to the measured range; ISO strings are dates; other
  strings a Faker provider guessed from the name, else ``pystr`` of the measured
  lengths; unique constraints are ``unique``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from seeder.fit.introspect import ForeignKey, Table
from seeder.fit.measure import ColumnStats, TableStats, same_as_parent
from seeder.fit.shape import CountFit, RefStats, counts_noise, fit_counts, implied_shares
from seeder.fit.sources import Source

__all__ = [
    "Options",
    "entity_name",
    "flow",
    "guess_fake",
    "match_commands",
    "reference_shape",
    "value_provider",
    "write_skeleton",
]


@dataclass
class Options:
    pools: str = "fixed"  # or "growing"
    commands: str | None = None  # the commands: line
    command_of: dict[str, tuple[str, frozenset[str]]] | None = None  # table -> (class, fields)
    source: str = ""  # what was fitted, for the header


def entity_name(table: str) -> str:
    """A table's entity name: its singular (``authors`` → ``author``)."""
    low = table
    for plural, single in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch")):
        if low.endswith(plural) and len(low) > len(plural) + 1:
            return low[: -len(plural)] + single
    if low.endswith("s") and not low.endswith("ss") and len(low) > 2:
        return low[:-1]
    return low


def flow(value: Any) -> str:
    """``value`` in YAML flow style (one line)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "null"
    if isinstance(value, dt.datetime):
        return json.dumps(value.isoformat())
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ .\-]*", text) and text == text.strip():
        try:
            if yaml.safe_load(text) == text:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)


def _key(key: Any) -> str:
    return flow(key) if not isinstance(key, str) else flow(str(key))


def _r(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}") if abs(x) >= 1 else round(x, digits)


# column name (lower case, exact or as a suffix after _) -> Faker method and arguments
_FAKES: list[tuple[tuple[str, ...], str]] = [
    (("email", "email_address", "mail"), "email"),
    (("first_name", "given_name", "firstname", "forename"), "first_name"),
    (("last_name", "family_name", "lastname", "surname"), "last_name"),
    (("full_name", "name", "display_name", "author", "contact_name"), "name"),
    (("username", "user_name", "login", "handle"), "user_name"),
    (("phone", "phone_number", "mobile", "telephone", "tel"), "phone_number"),
    (("street", "address", "street_address", "address_line1"), "street_address"),
    (("city", "suburb", "town", "locality"), "city"),
    (("postcode", "zip", "zipcode", "zip_code", "postal_code"), "postcode"),
    (("country",), "country"),
    (("country_code",), "country_code"),
    (("state", "region", "province"), "state"),
    (("company", "organisation", "organization", "employer"), "company"),
    (("url", "website", "homepage", "link", "photo_url", "avatar_url", "image_url"), "url"),
    (("isbn", "isbn13"), "isbn13"),
    (("iban",), "iban"),
    (("color", "colour"), "color_name"),
    (("ip", "ip_address", "ipv4"), "ipv4"),
    (("slug",), "slug"),
    (("currency", "currency_code"), "currency_code"),
    (("job", "job_title", "occupation"), "job"),
    (("uuid", "guid"), "uuid4"),
    (("sha256", "token_sha256", "password_sha256", "hash", "checksum"), "sha256"),
]


def guess_fake(column: str, kind: str, stats: ColumnStats) -> dict[str, Any]:
    """A Faker provider for a string column, from its name, else its lengths."""
    low = column.lower()
    if kind == "uuid":
        return {"fake": "uuid4"}
    for names, method in _FAKES:
        if low in names or any(low.endswith("_" + n) for n in names):
            return {"fake": method}
    longest = stats.len_max or 20
    shortest = stats.len_min or 0
    if low in ("title", "subject", "headline") or low.endswith("_title"):
        words = max(1, round((stats.len_mean or 24) / 6))
        return {"fake": "sentence", "nb_words": words}
    if longest > 80 or low in ("description", "body", "text", "content", "bio", "comment"):
        return {"fake": "text", "max_nb_chars": max(5, longest)}
    return {"fake": "pystr", "min_chars": shortest, "max_chars": max(shortest, longest)}


@dataclass
class _Line:
    text: str
    comment: str = ""


def write_skeleton(
    source: Source, tables: dict[str, Table], stats: dict[str, TableStats], options: Options
) -> str:
    empty = [t for t in tables if stats[t].rows == 0]
    names = _entity_names({t: tables[t] for t in tables if t not in empty})
    parents = {t: _parent_of(tables[t], stats[t], names) for t in names}
    filled_by: dict[str, list[tuple[str, ForeignKey]]] = {}
    for t, table in tables.items():
        for fk in table.foreign_keys:
            if fk.ref_table in names and t in names:
                filled_by.setdefault(fk.ref_table, []).append((t, fk))
    growing: set[str] = set()
    if options.pools == "growing":
        for ref_table, users in filled_by.items():
            # a column copied from another reference (a book's tenant_id is its
            # author's) does not fill the pool
            filling = [
                (child, fk)
                for child, fk in users
                if _copied_through(source, tables, tables[child], fk.columns[0], fk, names) is None
            ]
            if len(filling) == 1 and parents[filling[0][0]] is None:
                growing.add(ref_table)
    out: list[str] = [
        f"# Fitted by seeder fit from {options.source} (schema {source.schema}).",
        "# Figures in comments: N = rows (or uses) they were measured on; fit quality",
        "# (r², distance) where a distribution was fitted. Review, then seed it.",
        "seed: 1",
        f"commands: {options.commands or 'commands.py'}"
        + ("" if options.commands else "  # TODO: the Python file with your command models"),
        "",
        "entities:",
    ]
    for tname in _order(tables):
        if tname in empty:
            out.extend([f"  # table {tname}: empty, left out", ""])
            continue
        out.extend(
            _entity(
                source,
                tables,
                stats,
                tname,
                names,
                parents[tname],
                tname in growing,
                growing,
                options,
            )
        )
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _entity_names(tables: dict[str, Table]) -> dict[str, str]:
    names: dict[str, str] = {}
    taken: set[str] = set()
    for t in tables:
        name = entity_name(t)
        if name in taken:
            name = t
        taken.add(name)
        names[t] = name
    return names


def _order(tables: dict[str, Table]) -> list[str]:
    """Referenced tables first (a cycle keeps name order)."""
    done: list[str] = []
    seen: set[str] = set()

    def visit(t: str, path: set[str]) -> None:
        if t in seen or t in path:
            return
        path.add(t)
        for fk in tables[t].foreign_keys:
            if fk.ref_table in tables and fk.ref_table != t:
                visit(fk.ref_table, path)
        seen.add(t)
        done.append(t)

    for t in tables:
        visit(t, set())
    return done


def _parent_of(
    table: Table, stats: TableStats, names: dict[str, str]
) -> tuple[ForeignKey, CountFit] | None:
    best: tuple[ForeignKey, CountFit] | None = None
    for fk in table.foreign_keys:
        if fk.ref_table == table.name or fk.ref_table not in names or len(fk.columns) != 1:
            continue
        if table.columns[fk.columns[0]].nullable:
            continue
        refs = stats.refs[fk.columns]
        if refs.histogram is None or refs.rows == 0:
            continue
        fit = fit_counts(refs.histogram)
        if fit is None or fit.distance > counts_noise(refs.rows, len(refs.histogram)):
            continue
        if not _dispersion_fits(fit, refs):
            continue
        if best is None or fit.distance < best[1].distance:
            best = (fk, fit)
    return best


PER_PARENT_MIN = 30  # fewer parents than this: too few to tell a per-parent count


def _dispersion_fits(fit: CountFit, refs: RefStats) -> bool:
    """The variance of the children per parent is the distribution's, within three
    standard errors of a sample variance (relative sd ≲ sqrt(2/(P−1)) for these
    light-tailed distributions): a skewed reference has a far larger one."""
    parents = refs.rows
    if parents < PER_PARENT_MIN:
        return False
    if fit.kind == "const":
        return True
    if fit.kind == "poisson":
        expected = fit.lam
    else:
        width = fit.high - fit.low + 1
        expected = (width * width - 1) / 12
    if expected <= 0:
        return False
    return abs(refs.variance / expected - 1) <= 3 * math.sqrt(2 / (parents - 1))


def _entity(
    source: Source,
    tables: dict[str, Table],
    all_stats: dict[str, TableStats],
    tname: str,
    names: dict[str, str],
    parent: tuple[ForeignKey, CountFit] | None,
    grows: bool,
    growing: set[str],
    options: Options,
) -> list[str]:
    table, stats = tables[tname], all_stats[tname]
    name = names[tname]
    command, fields = None, None
    if options.command_of and tname in options.command_of:
        command, fields = options.command_of[tname]
    lines = [f"  {name}:  # table {tname}, {stats.rows:,} rows"]
    if command:
        lines.append(f"    command: {command}")
    else:
        camel = "".join(p.capitalize() for p in re.split(r"[_\W]+", name) if p)
        lines.append(
            f"    command: Create{camel}  # TODO: the command that creates one {tname} row"
        )
    if parent is not None:
        fk, fit = parent
        refs = stats.refs[fk.columns]
        lines.append(f"    per: {names[fk.ref_table]}")
        lines.append(
            f"    count: {flow(fit.as_yaml())}  # {tname} per {fk.ref_table} row over "
            f"{refs.rows:,} rows: mean {refs.mean:.3g}, variance {refs.variance:.3g}, "
            f"{refs.min_uses}..{refs.max_uses}; {fit.kind} fits at distance {fit.distance:.3f}"
        )
    elif grows:
        lines.append(
            f"    # no count: made on demand by its one reference ({stats.rows:,} rows today)"
        )
    else:
        lines.append(f"    count: {stats.rows}")
    uniques = [u for u in table.uniques if len(u) > 1]
    pk = table.primary_key
    if len(pk) > 1 and not any(table.columns[c].generated for c in pk):
        uniques.insert(0, pk)
    single = {u[0] for u in table.uniques if len(u) == 1}
    if len(pk) == 1 and not table.columns[pk[0]].generated:
        single.add(pk[0])
    if fields is not None:
        uniques = [u for u in uniques if set(u) <= fields]
    if uniques:
        lines.append(f"    unique: {flow([list(u) for u in uniques])}  # unique constraints")
    lines.append("    fields:")
    body: list[str] = []
    for column in table.columns.values():
        col = column.name
        if fields is not None and col not in fields:
            body.append(f"      # {col}: not a field of {command}")
            continue
        if column.generated:
            body.append(f"      # {col}: assigned by the database ({column.raw_type} identity)")
            continue
        cstats = stats.columns[col]
        provider, comment = _field(
            source, tables, table, stats, cstats, col, names, parent, growing
        )
        if provider is None:
            body.append(f"      # {col}: {comment}")
            continue
        if col in single and isinstance(provider, dict) and "from" not in provider:
            provider["unique"] = True
        nulls = cstats.null_share(stats.rows)
        if nulls > 0 and isinstance(provider, dict) and "null_weight" not in provider:
            provider["null_weight"] = round(nulls, 4)
            comment = f"{comment}; null in {stats.rows - cstats.nonnull:,} of {stats.rows:,}"
        if len(comment) > 60:  # a long one goes above its field
            body.append(f"      # {col}: {comment}")
            body.append(f"      {col}: {flow(provider)}")
        else:
            body.append(f"      {col}: {flow(provider)}" + (f"  # {comment}" if comment else ""))
    if fields is not None:
        missing = sorted(fields - set(table.columns))
        for f in missing:
            body.append(f"      # {f}: a field of {command} with no column in {tname}: TODO")
    lines.extend(body or ["      {}"])
    return lines


def _field(
    source: Source,
    tables: dict[str, Table],
    table: Table,
    stats: TableStats,
    cstats: ColumnStats,
    col: str,
    names: dict[str, str],
    parent: tuple[ForeignKey, CountFit] | None,
    growing: set[str],
) -> tuple[dict[str, Any] | Any, str]:
    fk = table.fk_of(col)
    if fk is not None and fk.ref_table not in names:
        return None, f"references {fk.ref_table}, which is not fitted (empty, or not in --tables)"
    if fk is not None:
        return _reference(source, tables, table, stats, col, fk, names, parent, growing)
    return value_provider(cstats, stats.rows)


def _reference(
    source: Source,
    tables: dict[str, Table],
    table: Table,
    stats: TableStats,
    col: str,
    fk: ForeignKey,
    names: dict[str, str],
    parent: tuple[ForeignKey, CountFit] | None,
    growing: set[str],
) -> tuple[dict[str, Any], str]:
    target = names[fk.ref_table]
    ref_col = fk.ref_columns[fk.columns.index(col)]
    if parent is not None and parent[0] is fk:
        return {"from": "parent" if ref_col == "id" else f"parent.{ref_col}"}, ""
    if (
        parent is not None
        and col in tables[parent[0].ref_table].columns
        and same_as_parent(source, table, parent[0], col, col)
    ):
        return {"from": f"parent.{col}"}, "equal to the parent's in every row"
    via = _copied_through(source, tables, table, col, fk, names)
    if via is not None:
        return {"from": f"{via}.{col}"}, f"equal to the {via} row's in every row"
    if len(fk.columns) > 1 and col != fk.columns[-1]:
        last = fk.columns[-1]
        return {"from": f"{last}.{ref_col}"}, f"part of the key ({', '.join(fk.columns)})"
    refs = stats.refs[fk.columns]
    provider: dict[str, Any] = {"ref": target}
    if ref_col != "id":
        provider["field"] = ref_col
    comment = _ref_comment(refs, fk)
    if fk.ref_table in growing:
        provider["mean"] = round(refs.mean, 3)
    shape, why = reference_shape(refs)
    provider.update(shape)
    return provider, f"{comment}; {why}" if why else comment


def _copied_through(
    source: Source,
    tables: dict[str, Table],
    table: Table,
    col: str,
    fk: ForeignKey,
    names: dict[str, str],
) -> str | None:
    """Another single-column reference of ``table`` whose row holds ``col`` with
    the same foreign key, equal to this row's ``col`` in every row (a book's
    tenant_id is its author's): then ``col`` is copied, ``from: other.col``."""
    if len(fk.columns) != 1:
        return None
    for other in table.foreign_keys:
        if other is fk or len(other.columns) != 1 or other.ref_table not in names:
            continue
        target = tables.get(other.ref_table)
        if target is None or target.name == table.name:
            continue
        theirs = target.fk_of(col)
        if theirs is None or theirs.ref_table != fk.ref_table or len(theirs.columns) != 1:
            continue
        if same_as_parent(source, table, other, col, col):
            return other.columns[0]
    return None


def _ref_comment(refs: RefStats, fk: ForeignKey) -> str:
    shares = ", ".join(f"{s:.3f}" for s in refs.shares)
    text = (
        f"N={refs.total:,} uses over {refs.rows:,} {fk.ref_table} rows: mean {refs.mean:.3g} "
        f"(max {refs.max_uses:,}, {refs.min_uses} min); quartile shares {shares}"
    )
    zipf = refs.zipf
    if zipf is not None:
        text += f"; Zipf alpha {zipf[0]:.3f} (r² {zipf[1]:.3f}, uses by rank, top 90%)"
    return text


def reference_shape(refs: RefStats) -> tuple[dict[str, Any], str]:
    """skew when the skew curve gives the measured quartile shares (within three
    standard errors, 0.02 at least: ranking rows by observed uses bends the
    tail that much at a few dozen uses per row), else weights."""
    if not refs.total:
        return {}, "no uses"
    skew = refs.skew
    shares = refs.shares
    allowance = max(0.02, 3 * math.sqrt(0.25 * 0.75 / refs.total))
    if skew is not None and skew >= 1.0:
        implied = implied_shares(skew)
        worst = max(abs(a - b) for a, b in zip(implied, shares, strict=True))
        fit_note = f"skew {skew:.3f} gives the quartile shares within {worst:.3f}"
        if worst <= allowance:
            if skew < 1.02:
                return {}, f"uniform ({fit_note})"
            return {"skew": round(skew, 3)}, fit_note
        return {"weights": [round(s, 4) for s in shares]}, f"weights: {fit_note} only"
    return {"weights": [round(s, 4) for s in shares]}, "weights (no skew fits)"


def value_provider(c: ColumnStats, rows: int) -> tuple[Any, str]:
    if c.nonnull == 0:
        return None, f"always null in {rows:,} rows"
    if c.choices is not None and (c.kind == "bool" or len(c.choices) <= c.nonnull / 2):
        total = sum(n for _, n in c.choices)
        weights = {_choice_key(v): round(n / total, 4) for v, n in c.choices}
        return {"choice": weights}, f"{len(c.choices)} values in N={total:,}"
    n = f"N={c.nonnull:,}"
    if c.kind in ("int", "float", "decimal"):
        return _number(c)
    if c.kind in ("date", "datetime"):
        key = "date" if c.kind == "date" else "datetime"
        return {key: [c.low, c.high]}, f"{n}; the measured range"
    if c.kind == "text":
        if c.iso_dates == c.nonnull:
            first, last = dt.date.fromisoformat(str(c.low)), dt.date.fromisoformat(str(c.high))
            return {"date": [first, last]}, f"{n} ISO dates; the measured range"
        if c.iso_datetimes == c.nonnull:
            return {"datetime": [str(c.low), str(c.high)]}, f"{n} ISO times; the measured range"
        fake = guess_fake(c.name, c.kind, c)
        approx = "~" if c.distinct_estimated else ""
        return fake, f"{n}, {approx}{c.distinct:,} distinct, length {c.len_min}..{c.len_max}"
    if c.kind == "uuid":
        return {"fake": "uuid4"}, n
    return None, f"TODO: a provider for its type ({c.kind}), {n}"


def _choice_key(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _number(c: ColumnStats) -> tuple[dict[str, Any], str]:
    integer = c.kind == "int"
    low, high = c.low, c.high
    mean, sd = c.mean or 0.0, c.sd or 0.0
    n = f"N={c.nonnull:,}"
    if low == high or sd == 0:
        return {"range": [low, high]}, f"{n}; constant"
    width = float(high) - float(low) + (1 if integer else 0)
    uniform_sd = math.sqrt((width**2 - (1 if integer else 0)) / 12)
    ratio = sd / uniform_sd if uniform_sd else 0.0
    skewness = c.skewness or 0.0
    centre = ((float(low) + float(high)) / 2 - mean) / (sd or 1)
    if 0.9 <= ratio <= 1.1 and abs(skewness) < 0.25 and abs(centre) < 0.15:
        return {"range": [low, high]}, (
            f"{n}; uniform: sd {sd:.4g} is {ratio:.2f}× a uniform's, skewness {skewness:.2f}"
        )
    bounds: dict[str, Any] = {"min": low, "max": high}
    if integer:
        bounds["round"] = 0
    if (
        c.nonpositive == 0
        and skewness > 0.5
        and c.log_mean is not None
        and c.log_sd is not None
        and c.log_sd > 0
    ):
        return {"lognormal": [_r(c.log_mean), _r(c.log_sd)], **bounds}, (
            f"{n}; right-skewed (skewness {skewness:.2f}): lognormal of ln x "
            f"(mean {c.log_mean:.4g}, sd {c.log_sd:.4g})"
        )
    return {"normal": [_r(mean), _r(sd)], **bounds}, (
        f"{n}; mean {mean:.4g}, sd {sd:.4g}, skewness {skewness:.2f}"
    )


def match_commands(
    tables: Sequence[Table], commands: dict[str, frozenset[str]]
) -> dict[str, tuple[str, frozenset[str]]]:
    """Each table's command: the one whose fields share most of its columns (each
    command used once, best matches first)."""
    scored: list[tuple[float, str, str]] = []
    for t in tables:
        columns = set(t.columns)
        for name, fields in commands.items():
            common = len(columns & fields)
            if common == 0:
                continue
            single = entity_name(t.name).replace("_", "").lower()
            bonus = 0.5 if single in name.lower() else 0.0
            scored.append((common / len(fields) + common / len(columns) + bonus, t.name, name))
    scored.sort(reverse=True)
    out: dict[str, tuple[str, frozenset[str]]] = {}
    used: set[str] = set()
    for _, tname, name in scored:
        if tname in out or name in used:
            continue
        out[tname] = (name, commands[name])
        used.add(name)
    return out
