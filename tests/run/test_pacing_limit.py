"""The adaptive concurrency limit (run.pacing) on scripted answers: it grows to the
maximum while latency holds, sinks as latency rises with the load (a queue
forming), cuts once per latency period on drops, never leaves [1, maximum], does
not grow when the plan leaves its slots unused, and keeps its trace."""

from __future__ import annotations

import pytest

from seeder.run.pacing import AdaptiveLimit, FixedLimit


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def limiter(maximum: int = 32) -> tuple[AdaptiveLimit, Clock]:
    clock = Clock()
    limit = AdaptiveLimit(maximum)
    limit._now = clock
    limit._started = 0.0
    return limit, clock


def test_steady_latency_grows_to_the_maximum() -> None:
    limit, clock = limiter()
    assert limit.limit == 8
    for _ in range(200):
        clock.now += 0.001
        limit.sample(0.002, False, limit.limit, timeout=10)
    assert limit.limit == 32
    times = [t for t, _ in limit.trace]
    assert limit.trace[0] == (0.0, 8) and times == sorted(times)
    assert [n for _, n in limit.trace] == sorted(n for _, n in limit.trace)


def test_a_rise_in_latency_cuts_the_limit() -> None:
    limit, clock = limiter()
    for _ in range(1000):  # steady at 2 ms: the long-term latency settles there
        clock.now += 0.001
        limit.sample(0.002, False, limit.limit, timeout=10)
    assert limit.limit == 32
    for _ in range(20):  # the service slows down tenfold (a queue forming)
        clock.now += 0.02
        limit.sample(0.02, False, limit.limit, timeout=10)
    assert limit.limit <= 16  # the gradient (at most halving per answer, smoothed)


def test_a_serial_service_is_never_pushed_near_the_timeout() -> None:
    limit, clock = limiter()
    seen = []
    for _ in range(5000):
        clock.now += 0.4
        limit.sample(limit.limit * 0.4, False, limit.limit, timeout=10)
        seen.append(limit.limit)
    assert max(seen) * 0.4 < 10 / 2  # answers stay well inside the timeout


def test_drops_cut_once_per_latency_period() -> None:
    limit, clock = limiter()
    for _ in range(200):
        clock.now += 0.001
        limit.sample(0.01, False, limit.limit, timeout=10)
    assert limit.limit == 32
    for _ in range(32):  # one burst of failures, all at once
        limit.sample(0.01, True, 32, timeout=10)
    assert limit.limit == int(32 * 0.9) and limit.drops == 1
    for _ in range(200):  # an outage: a drop every latency period
        clock.now += 0.02
        limit.sample(0.01, True, limit.limit, timeout=10)
    assert limit.limit == 1  # never below one


def test_an_answer_near_the_timeout_is_a_drop() -> None:
    limit, clock = limiter()
    clock.now = 1.0
    limit.sample(3.0, False, 8, timeout=10)
    assert limit.drops == 1 and limit.limit == 7


def test_unused_slots_do_not_grow() -> None:
    limit, clock = limiter()
    for _ in range(200):
        clock.now += 0.001
        limit.sample(0.002, False, 2, timeout=10)  # the plan keeps only 2 in flight
    assert limit.limit == 8


@pytest.mark.parametrize("maximum", [1, 3])
def test_the_maximum_bounds_the_start(maximum: int) -> None:
    limit, _ = limiter(maximum)
    assert limit.limit == maximum


def test_a_fixed_limit_stays() -> None:
    fixed = FixedLimit(16)
    assert fixed.sample(9.0, True, 16, timeout=10) == 16
    assert fixed.as_dict() == {"adaptive": False, "maximum": 16, "trace": [(0.0, 16)]}


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--retry-for", "soon"], "--retry-for needs seconds, e.g. 90, got 'soon'"),
        (["--retry-for", "-1"], "--retry-for must be between 0 and 86400 seconds"),
    ],
)
def test_pacing_flags_are_checked(
    flags: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from seeder.cli import main
    from tests.conftest import SCENARIOS

    with pytest.raises(SystemExit) as exit_:
        main(["run", str(SCENARIOS / "library.yaml"), *flags])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err
