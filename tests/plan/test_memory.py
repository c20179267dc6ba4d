"""Planning memory stays a compact registry: what grows with the number of items
is accounted for by the registry's arrays, indexes and unique fingerprints."""

from __future__ import annotations

import gc
import tracemalloc

import seeder
from seeder.plan.fingerprints import FingerprintSet
from seeder.plan.planner import Planner
from tests.conftest import SCENARIOS

# a date field keeps each drawn day's ISO text (seeder/providers/time.py): bounded by
# the days of its range (13,330 for the books' published_on), not by the plan's size,
# so it is measured apart from what grows per item
_DAY_TEXTS = tracemalloc.Filter(True, "*/seeder/providers/time.py")


def _traced(snapshot: tracemalloc.Snapshot, *, days: bool) -> int:
    filtered = snapshot.filter_traces([_DAY_TEXTS if days else _exclude(_DAY_TEXTS)])
    return sum(stat.size for stat in filtered.statistics("filename"))


def _exclude(f: tracemalloc.Filter) -> tracemalloc.Filter:
    return tracemalloc.Filter(False, f.filename_pattern)


def _grow(scale: float) -> tuple[int, int, int, int]:
    """Items planned, bytes grown (day texts apart), the registry's bytes, and the
    day texts' bytes."""
    model = seeder.load_model(SCENARIOS / "library.yaml", scale=scale)
    # garbage of earlier runs and tests is collected first, not freed inside the
    # measured window (that would count as negative growth); garbage the planning
    # itself makes is collected before the last snapshot (it is not kept)
    gc.collect()
    tracemalloc.start()
    try:
        planner = Planner(model)
        gc.collect()
        base = tracemalloc.take_snapshot()
        n = sum(1 for _ in planner.items())
        gc.collect()
        end = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = _traced(end, days=False) - _traced(base, days=False)
    days = _traced(end, days=True) - _traced(base, days=True)
    return n, grown, planner.nbytes(), days


def test_memory_per_planned_item_is_a_few_words() -> None:
    # once first, so that what happens once per process (lazy imports, copies of
    # shared tables, caches that earlier tests in this worker may or may not have
    # filled) falls outside the difference measured below
    _grow(4)
    n1, grown1, _, _ = _grow(2)
    n2, grown2, registry, days = _grow(4)
    per_item = (grown2 - grown1) / (n2 - n1)
    print(f"{per_item:.1f} bytes per planned item; registry {registry:,} bytes; days {days:,}")
    # at most one text (~60 B) and its slot (8 B) per day of the books' and loans' ranges
    assert days < 80 * (13_330 + 62)
    # library keeps per book: an index entry (4 B), a unique fingerprint (4 B at a
    # load between 1/4 and 1/2: 8-16 B a value), per loan a fingerprint; about 14 B
    # per planned item (30 B with 64-bit indexes and fingerprints; a
    # dict-of-objects registry would cost ~150+ B)
    assert per_item < 24
    assert grown2 < 1.3 * registry + 512 * 1024  # nothing but the registry grows


def test_fingerprint_set() -> None:
    seen = FingerprintSet()
    values = [("tenant", i, f"isbn-{i}") for i in range(5000)]
    assert all(seen.add(v) for v in values)
    assert not any(seen.add(v) for v in values)
    assert len(seen) == 5000 and all(v in seen for v in values)
    assert ("tenant", -1, "x") not in seen
    assert seen.nbytes() <= 16 * 5000  # 32-bit fingerprints, at least a quarter full
    assert FingerprintSet.fingerprint(("a", 1)) == FingerprintSet.fingerprint(("a", 1))
