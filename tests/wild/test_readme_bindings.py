"""The README's "Writing a commands module" runs: its commands module and scenario
are written to files from the README's own blocks, validated, planned and sent to
a live service that answers as the shop would and records every request; its
console lines run; the mistake it quotes is said as it says."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from seeder.cli import main
from tests.conftest import ROOT
from tests.wild.harness import one_error, run
from tests.wild.recorder import Recorder, Request, serving

README = (ROOT / "README.md").read_text()
SECTION = README.split("## Writing a commands module", 1)[1].split("\n## ", 1)[0]


def _block(info: str) -> str:
    (text,) = re.findall(rf"```{re.escape(info)}\n(.*?)```", SECTION, flags=re.S)
    return text


def _shop() -> Recorder:
    tokens: dict[str, str] = {}

    def session(r: Request, n: int) -> tuple[int, object, dict[str, str]]:
        form = dict(parse_qsl(r.body.decode()))
        tokens[f"tok-{n}"] = form["username"]
        return 200, {"ok": True}, {"X-Auth-Token": f"tok-{n}"}

    def order(r: Request, n: int) -> tuple[int, object, dict[str, str]]:
        if r.headers.get("x-auth-token") not in tokens:
            return 401, {"errors": {"token": ["is missing"]}}, {}
        return 201, {"order": {"number": f"O-{n}", "total_cents": 100 * n}}, {}

    emails: dict[int, str] = {}

    def customer(r: Request, n: int) -> tuple[int, object, dict[str, str]]:
        emails[100 + n] = r.json()["customer"]["email"]
        return 201, {"customer": {"id": 100 + n}}, {}

    recorder = Recorder(
        {
            "POST /customers": customer,
            "POST /sessions": session,
            "PUT /products/[^/]+": lambda r, n: (201, {}, {}),
            "POST /customers/[0-9]+/orders": order,
            "POST /orders/[^/]+/invoice": lambda r, n: (
                201,
                {},
                {"Location": f"/invoices/inv-{n}"},
            ),
        }
    )
    recorder.tokens = tokens  # type: ignore[attr-defined]
    recorder.emails = emails  # type: ignore[attr-defined]
    return recorder


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[Recorder, str, Path]]:
    (tmp_path / "commands").mkdir()
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "commands" / "shop.py").write_text(_block("python commands/shop.py"))
    scenario = tmp_path / "scenarios" / "shop.yaml"
    scenario.write_text(_block("yaml scenarios/shop.yaml"))
    recorder = _shop()
    with serving(recorder) as url:
        yield recorder, url, scenario


def test_the_shop_is_seeded_as_the_readme_says(
    shop: tuple[Recorder, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    recorder, url, scenario = shop
    ran = run(scenario, url, capsys)
    assert ran.code == 0, (ran.err, ran.report.get("rejections"))
    customers = recorder.of("POST", "/customers")
    assert len(customers) == 5
    assert all(set(r.json()) == {"customer"} for r in customers)
    emails = [r.json()["customer"]["email"] for r in customers]
    # independent commands in flight together arrive in any order
    assert sorted(emails) == [f"customer{n}@example.org" for n in range(1, 6)]
    products = recorder.of("PUT", "/products/.*")
    assert sorted(r.path for r in products) == [
        "/products/SKU-001",
        "/products/SKU-002",
        "/products/SKU-003",
    ]
    assert all(set(r.json()) == {"title", "priceCents"} for r in products)
    orders = recorder.of("POST", "/customers/[0-9]+/orders")
    assert 5 <= len(orders) <= 15
    tokens = recorder.tokens  # type: ignore[attr-defined]
    for r in orders:
        body = r.json()
        assert body["order"]["kind"] == "web"
        assert set(body["order"]) == {"kind", "productSku", "quantity"}
        assert body["order"]["productSku"].startswith("SKU-")
        assert body["meta"]["source"] in ("web", "app")
        assert r.query[0][0] == "notify" and r.query[0][1] in ("true", "false")
        assert r.headers["x-request-id"].startswith("req-")
        # sent on behalf of the session of the customer whose path it is
        email = recorder.emails[int(r.path.split("/")[2])]  # type: ignore[attr-defined]
        assert tokens[r.headers["x-auth-token"]] == email
    invoices = recorder.of("POST", "/orders/[^/]+/invoice")
    # each order's invoice at the number its answer gave (every order answered O-<n>)
    assert len(invoices) == len(orders)
    assert len({r.path.split("/")[2] for r in invoices}) == len(orders)
    assert all(r.path.split("/")[2].startswith("O-") for r in invoices)
    part = invoices[0]
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + part.headers["content-type"].encode() + b"\r\n\r\n" + part.body
    )
    files = [p for p in message.iter_parts() if p.get_filename()]
    assert [(f.get_filename(), f.get_content()) for f in files] == [("invoice.txt", "paid")]


def test_the_console_lines_run(
    shop: tuple[Recorder, str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder, url, scenario = shop
    lines = [x for x in _block("console").splitlines() if x.startswith(".venv/bin/seeder ")]
    assert len(lines) == 3
    monkeypatch.chdir(scenario.parent.parent)
    for line in lines:
        argv = shlex.split(line.split("#")[0])[1:]
        argv = [url if a.startswith("http://127.0.0.1:8000") else a for a in argv]
        if argv[0] == "run":
            argv.append("--no-progress")
        assert main(argv) == 0, capsys.readouterr().err
    assert len(recorder.of("POST", "/customers")) == 5


def test_the_quoted_mistake(
    shop: tuple[Recorder, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    recorder, url, scenario = shop
    commands = scenario.parent.parent / "commands" / "shop.py"
    commands.write_text(
        commands.read_text().replace('query={"notify": "notify"}', 'query={"notify": "notfy"}')
    )
    line = one_error(
        run(scenario, url, capsys), commands, '"/customers/{customer_id}/orders",', back=True
    )
    quoted = " ".join(SECTION.split("nothing sent: `", 1)[1].split("`", 1)[0].split())
    head, _, tail = quoted.partition("(customer_id, sku, ...)")
    message = line.split(": ", 1)[1]
    assert message.startswith(head.split(": ", 1)[1]) and message.endswith(tail), (quoted, line)
    assert recorder.requests == []
