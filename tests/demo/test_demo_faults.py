"""Fault injection: parsing, determinism and fractions, and what a real HTTP client
sees (503 with or without Retry-After, a dropped connection, a late response)."""

from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest
from demo_live import LiveDemo

from seeder.demo.app import create_app
from seeder.demo.faults import Fault, FaultSpec, FaultSpecError, parse_faults

SPEC = "status503=0.1,retry_after=0.5,drop=0.02,delay=0.01,delay_seconds=5,seed=7"


def test_a_spec_is_parsed() -> None:
    assert parse_faults(SPEC) == FaultSpec(
        status503=0.1, retry_after=0.5, drop=0.02, delay=0.01, delay_seconds=5.0, seed=7
    )
    assert not parse_faults(None).active and not parse_faults("").active
    assert parse_faults(" drop = 0.5 , ").drop == 0.5


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("status503", "'status503'"),
        ("status503=lots", "status503 must be a number"),
        ("drop=1.5", "'drop=1.5'"),
        ("colour=0.1", "'colour=0.1'"),
        ("seed=1.5", "seed must be an integer"),
        ("delay_seconds=-1", "delay_seconds"),
        ("drop=0.1,drop=0.2", "'drop' is given twice"),
        ("drop=0.6,status503=0.6", "more than 1"),
    ],
)
def test_a_bad_spec_names_the_bad_part(text: str, named: str) -> None:
    with pytest.raises(FaultSpecError) as raised:
        parse_faults(text)
    assert isinstance(raised.value, ValueError)
    assert named in str(raised.value)
    with pytest.raises(ValueError, match="faults"):
        create_app(None, text)


def test_faults_are_deterministic_and_hit_their_fractions() -> None:
    spec = parse_faults(SPEC)
    n = 20_000
    fates = [spec.decide(i) for i in range(n)]
    assert fates == [parse_faults(SPEC).decide(i) for i in range(n)]
    assert fates != [parse_faults(SPEC.replace("seed=7", "seed=8")).decide(i) for i in range(n)]
    seen = Counter(fates)
    unavailable = seen[Fault.UNAVAILABLE] + seen[Fault.UNAVAILABLE_RETRY_AFTER]
    # binomial standard errors at n = 20000: 0.0021 (503), 0.001 (drop), 0.0007 (delay)
    assert abs(unavailable / n - 0.1) < 0.01
    assert abs(seen[Fault.UNAVAILABLE_RETRY_AFTER] / unavailable - 0.5) < 0.05
    assert abs(seen[Fault.DROP] / n - 0.02) < 0.005
    assert abs(seen[Fault.DELAY] / n - 0.01) < 0.004
    assert parse_faults("status503=1").decide(123) is Fault.UNAVAILABLE
    assert parse_faults("seed=3").decide(0) is Fault.NONE


def post_tenants(client: httpx.Client, count: int) -> list[tuple[int, str | None]]:
    replies = [client.post("/tenants", json={"name": f"t{i}"}) for i in range(count)]
    return [(r.status_code, r.headers.get("retry-after")) for r in replies]


def test_a_fraction_of_commands_is_refused_with_503(live_demo: LiveDemo) -> None:
    faults = "status503=0.3,retry_after=0.5,seed=11"
    client = live_demo.serve(create_app(None, faults))
    outcomes = post_tenants(client, 200)
    spec = parse_faults(faults)
    expected = {
        Fault.NONE: (201, None),
        Fault.UNAVAILABLE: (503, None),
        Fault.UNAVAILABLE_RETRY_AFTER: (503, "1"),
    }
    assert outcomes == [expected[spec.decide(i)] for i in range(200)]
    refused = sum(status == 503 for status, _ in outcomes)
    assert 40 <= refused <= 80  # 30% of 200, give or take
    assert 0 < sum(retry == "1" for _, retry in outcomes) < refused
    # a refused command was not applied
    assert client.get("/_counts").json()["tenants"] == 200 - refused
    # the same seed on a fresh service gives the same sequence
    assert post_tenants(live_demo.serve(create_app(None, faults)), 200) == outcomes


def test_reads_never_suffer_faults(live_demo: LiveDemo) -> None:
    client = live_demo.serve(create_app(None, "status503=1"))
    for _ in range(20):
        assert client.get("/_counts").status_code == 200
        assert client.get("/tenants/1/books").status_code == 404
    assert client.get("/openapi.json").status_code == 200
    reply = client.post("/tenants", json={"name": "x"})
    assert reply.status_code == 503 and reply.json()["error"] == "service_unavailable"


def test_a_dropped_connection_is_a_transport_error_after_the_command_applied(
    live_demo: LiveDemo, db: str
) -> None:
    faults = "drop=0.4,seed=5"
    spec = parse_faults(faults)
    client = live_demo.serve(create_app(db, faults))
    dropped = []
    for i in range(20):
        if spec.decide(i) is Fault.DROP:
            with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
                client.post(
                    "/tenants", json={"name": f"t{i}"}, headers={"Idempotency-Key": f"k{i}"}
                )
            dropped.append(i)
        else:
            reply = client.post(
                "/tenants", json={"name": f"t{i}"}, headers={"Idempotency-Key": f"k{i}"}
            )
            assert reply.status_code == 201
    assert 3 <= len(dropped) <= 15
    assert client.get("/_counts").json()["tenants"] == 20  # dropped ones landed too
    # retrying a dropped command with its key does not duplicate it
    for i in dropped:
        for _attempt in range(20):
            try:
                reply = client.post(
                    "/tenants", json={"name": f"t{i}"}, headers={"Idempotency-Key": f"k{i}"}
                )
            except httpx.TransportError:
                continue
            assert reply.status_code == 201 and reply.json()["name"] == f"t{i}"
            break
        else:
            pytest.fail(f"request {i} was dropped 20 times in a row")
    assert client.get("/_counts").json()["tenants"] == 20


def test_a_delayed_response_times_out_after_the_command_applied(live_demo: LiveDemo) -> None:
    client = live_demo.serve(create_app(None, "delay=1,delay_seconds=0.6"))
    command, key = {"name": "slow"}, {"Idempotency-Key": "slow-1"}
    with pytest.raises(httpx.ReadTimeout):
        client.post("/tenants", json=command, headers=key, timeout=0.2)
    assert client.get("/_counts").json()["tenants"] == 1  # applied although the client gave up
    started = time.monotonic()
    retry = client.post("/tenants", json=command, headers=key, timeout=5)
    assert time.monotonic() - started >= 0.6
    assert retry.status_code == 201 and retry.json()["id"] == 1
    assert client.get("/_counts").json()["tenants"] == 1
