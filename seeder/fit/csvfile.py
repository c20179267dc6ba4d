"""One column of a CSV file: its distribution, as a scenario field.

The file is streamed; what is kept is a count per distinct value (so memory grows
with the distinct values, not the rows). An empty cell is a null. A reference-like
column (named ``*_id``) is fitted as the uses per
referenced value (skew or weights, mean); any other as a value provider.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

from seeder.errors import suggest
from seeder.fit.measure import CHOICE_MAX, ISO_DATE, ISO_DATETIME, ColumnStats
from seeder.fit.shape import counts_noise, fit_counts, stats_of_counts
from seeder.fit.sources import FitError

__all__ = ["fit_csv"]


def _read(path: Path, column: str) -> tuple[int, Counter[str]]:
    values: Counter[str] = Counter()
    rows = 0
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise FitError(f"{path}: the file is empty; give a CSV file with a header row")
            if column not in header:
                hint = suggest(column, header)
                raise FitError(
                    f"{path}:1: no column {column!r}; {hint + ' ' if hint else ''}"
                    f"the columns are: {', '.join(header[:12])}; check --column"
                )
            at = header.index(column)
            for record in reader:
                if not record:
                    continue
                rows += 1
                values[record[at] if at < len(record) else ""] += 1
    except OSError as exc:
        raise FitError(f"cannot read {path}: {exc.strerror}; check --csv") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FitError(f"{path}: not a UTF-8 CSV file ({exc}); check --csv") from exc
    return rows, values


def fit_csv(path: Path, column: str) -> str:
    """A YAML snippet for ``column``: the provider, with comments."""
    from seeder.fit.skeleton import flow, reference_shape, value_provider

    rows, values = _read(path, column)
    nulls = values.pop("", 0)
    nonnull = rows - nulls
    head = [f"# Fitted by seeder fit from {path}, column {column}: {rows:,} rows"]
    if nonnull == 0:
        return "\n".join([*head, f"{column}: null  # always empty"]) + "\n"
    provider: dict[str, Any]
    if column.lower().endswith("_id"):
        refs = stats_of_counts(list(values.values()))
        shape, why = reference_shape(refs)
        provider = {"ref": "TODO", **shape}
        zipf = refs.zipf
        comment = (
            f"reference-like: N={refs.total:,} uses over {refs.rows:,} values "
            f"(unused ones cannot be seen in a CSV): mean {refs.mean:.3g}, max {refs.max_uses}; "
            f"quartile shares {', '.join(f'{s:.3f}' for s in refs.shares)}; {why}"
        )
        if zipf is not None:
            comment += f"; Zipf alpha {zipf[0]:.3f} (r² {zipf[1]:.3f})"
        if refs.histogram is not None:
            fit = fit_counts(refs.histogram)
            if fit is not None and fit.distance <= counts_noise(refs.rows, len(refs.histogram)):
                comment += f"; per parent: count {flow(fit.as_yaml())} fits ({fit.distance:.3f})"
        if nulls:
            provider["null_weight"] = round(nulls / rows, 4)
        lines = [*head, f"# {comment}", f"{column}: {flow(provider)}"]
        return "\n".join(lines) + "\n"
    stats = _column_stats(column, values, nonnull)
    value, comment = value_provider(stats, rows)
    if isinstance(value, dict) and nulls:
        value["null_weight"] = round(nulls / rows, 4)
    return "\n".join([*head, f"{column}: {flow(value)}  # {comment}"]) + "\n"


def _number(text: str) -> int | float | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _column_stats(name: str, values: Counter[str], nonnull: int) -> ColumnStats:
    numbers = {v: _number(v) for v in values}
    stats = ColumnStats(name, "text", nonnull=nonnull, distinct=len(values))
    if all(n is not None for n in numbers.values()):
        integer = all(isinstance(n, int) for n in numbers.values())
        stats.kind = "int" if integer else "float"
        pairs = [(float(n), k) for v, k in values.items() if (n := numbers[v]) is not None]
        mean = sum(x * k for x, k in pairs) / nonnull
        var = sum(k * (x - mean) ** 2 for x, k in pairs) / max(1, nonnull - 1)
        stats.low = min(n for n in numbers.values() if n is not None)
        stats.high = max(n for n in numbers.values() if n is not None)
        stats.mean, stats.sd = mean, math.sqrt(var)
        stats.cube = sum(k * x**3 for x, k in pairs) / nonnull
        positive = [(math.log(x), k) for x, k in pairs if x > 0]
        stats.nonpositive = sum(k for x, k in pairs if x <= 0)
        if positive:
            m = sum(y * k for y, k in positive) / sum(k for _, k in positive)
            count = sum(k for _, k in positive)
            stats.log_mean = m
            stats.log_sd = math.sqrt(sum(k * (y - m) ** 2 for y, k in positive) / max(1, count - 1))
    else:
        stats.low, stats.high = min(values), max(values)
        lengths = [(len(v), k) for v, k in values.items()]
        stats.len_min = min(n for n, _ in lengths)
        stats.len_max = max(n for n, _ in lengths)
        stats.len_mean = sum(n * k for n, k in lengths) / nonnull
        stats.iso_dates = sum(k for v, k in values.items() if re.match(ISO_DATE, v))
        stats.iso_datetimes = sum(k for v, k in values.items() if re.match(ISO_DATETIME, v))
        if stats.iso_dates == nonnull:
            stats.low = dt.date.fromisoformat(min(values))
            stats.high = dt.date.fromisoformat(max(values))
            stats.kind = "date"
    if len(values) <= CHOICE_MAX:
        stats.choices = sorted(
            ((numbers[v] if numbers[v] is not None else v, k) for v, k in values.items()),
            key=lambda item: (-item[1], str(item[0])),
        )
    return stats
