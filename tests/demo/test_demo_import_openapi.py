"""``seeder import openapi`` against the demo's own ``/openapi.json`` (OpenAPI 3.1,
fetched over HTTP from a live demo): the written commands module passes ruff and
imports, the starter scenario passes ``seeder validate``, and ``seeder run`` seeds
the demo with it end to end (exit 0); the demo's read API then holds exactly what
the plan made."""

from __future__ import annotations

import collections
import importlib.util
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from seeder.cli import main
from seeder.commands import Command, binding_of
from seeder.demo.app import create_app
from seeder.scenario.schema import SCHEMA_URL, scenario_schema
from tests.conftest import ROOT, log_records
from tests.demo.demo_live import LiveDemo

# the demo's operations a starter scenario can seed as it is written: not the logins
# (they create nothing), loans and articles (sent on behalf of a member or a user,
# with a token: credentials are not guessed) and enrolment periods (they must not
# overlap, an invariant no guess knows)
INCLUDE = ("/tenants*", "/schools*", "/customers*")
EXCLUDE = ("*/login", "*/loans", "*/enrolment-history")
# command -> the demo's count of what it makes (GET /_counts)
COUNTED = {
    "CreateTenant": "tenants",
    "RegisterAuthor": "authors",
    "PublishBook": "books",
    "RegisterMember": "members",
    "CreateSchool": "schools",
    "CreateClass": "classes",
    "HireStaff": "staff",
    "EnrolStudent": "students",
    "AddParent": "parents",
    "AddEmergencyContact": "emergency_contacts",
    "RegisterCustomer": "customers",
    "InstallMeter": "meters",
}


def _ruff(module: Path) -> None:
    """ruff check and format, with the project's rules, in a folder of its own (the
    module is a file of the user's project: seeder is a third-party package there)."""
    config = str(ROOT / "pyproject.toml")
    ruff = str(Path(sys.executable).parent / "ruff")
    for argv in (["check", "--config", config], ["format", "--check", "--config", config]):
        done = subprocess.run(
            [ruff, *argv, str(module)], cwd=module.parent, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_imported_demo_seeds_the_demo(tmp_path: Path, live_demo: LiveDemo) -> None:
    client = live_demo.serve(create_app(str(tmp_path / "demo.db")))
    module = tmp_path / "commands" / "demo_api.py"
    scenario = tmp_path / "scenarios" / "demo_api.yaml"
    argv = ["import", "openapi", f"{live_demo.base_url}/openapi.json", "--out", str(module)]
    argv += ["--scenario", str(scenario)]
    argv += [x for p in INCLUDE for x in ("--include", p)]
    argv += [x for p in EXCLUDE for x in ("--exclude", p)]
    assert main(argv) == 0
    _ruff(module)
    spec = importlib.util.spec_from_file_location("demo_api_imported", module)
    assert spec is not None and spec.loader is not None
    imported = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(imported)
    commands = {
        name: obj
        for name, obj in vars(imported).items()
        if isinstance(obj, type) and issubclass(obj, Command) and obj is not Command
    }
    assert sorted(commands) == sorted(COUNTED)
    for command in commands.values():
        binding = binding_of(command)
        assert binding is not None and binding.http is not None
        assert binding.http.method == "POST" and 201 in binding.http.success
    # what the guesses made of the demo's keys
    school = binding_of(commands["CreateSchool"])
    assert school is not None and school.http is not None and school.http.identity is None
    text = scenario.read_text()
    for line in (
        "    identity: centre_code",
        "      email: {fake: email}",
        "      plan: {choice: [free, team, enterprise]}",
        "      tenant_id: {from: parent}",
        "      centre_code: {from: parent.centre_code}",
        "      author_id: {ref: author, where: {tenant_id: $tenant_id}}",
        "      meter_id: {seq: 'MTR-{n:08d}', unique: true}",
        "      year_level: {range: [0, 12]}",
        "      published_on: {date: ['2020-01-01', '2026-06-30']}",
    ):
        assert line in text.splitlines(), line
    assert main(["validate", str(scenario)]) == 0

    plan_file = tmp_path / "plan.jsonl"
    assert main(["plan", str(scenario), "--out", str(plan_file)]) == 0
    planned = collections.Counter(r["command"] for r in log_records(plan_file.read_text()))
    report = tmp_path / "report.json"
    code = main(
        [
            *("run", str(scenario), "--target", live_demo.base_url, "--no-progress"),
            *("--report", str(report), "--journal", str(tmp_path / "journal.sqlite")),
        ]
    )
    assert code == 0, report.read_text()
    counts = client.get("/_counts").json()
    assert {COUNTED[c]: n for c, n in planned.items()} == {
        k: v for k, v in counts.items() if k in COUNTED.values()
    }
    assert all(planned[c] > 0 for c in COUNTED)
    # the read API shows them where the plan put them: each author in its tenant
    records = log_records(plan_file.read_text())
    tenant_name = {r["key"]: r["body"]["name"] for r in records if r["command"] == "CreateTenant"}
    expected = collections.defaultdict(list)
    for r in records:
        if r["command"] == "RegisterAuthor":
            tenant = r["refs"]["tenant_id"].split(".")[0]
            expected[tenant_name[tenant]].append(r["body"]["name"])
    seeded = {}
    for tenant in client.get("/tenants").json()["items"]:
        authors = client.get(f"/tenants/{tenant['id']}/authors").json()["items"]
        if authors:
            seeded[tenant["name"]] = sorted(a["name"] for a in authors)
    assert seeded == {k: sorted(v) for k, v in expected.items()}


SPEC_30 = """\
openapi: 3.0.3
info: {title: shop, version: "2"}
servers: [{url: "https://shop.example/v2"}]
paths:
  /customers:
    post:
      operationId: registerCustomer
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewCustomer"}
      responses:
        "201":
          description: made
          headers: {Location: {schema: {type: string}}}
  /customers/{customerId}:
    delete:
      parameters: [{name: customerId, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: gone}}
  /products/{sku}:
    put:
      operationId: putProduct
      parameters: [{name: sku, in: path, required: true, schema: {type: string}}]
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [price]
              properties:
                price: {type: number, minimum: 1, maximum: 500}
      responses: {"200": {description: upserted}}
  /orders:
    post:
      operationId: placeOrder
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [customer_id, reference, placed_at, status]
              properties:
                customer_id: {type: string}
                reference: {type: string, format: uuid}
                placed_at: {type: string, format: date-time}
                status: {type: string, enum: [new, paid]}
                note: {type: string, maxLength: 40}
      responses:
        "201":
          description: placed
          content:
            application/json:
              schema:
                type: object
                properties:
                  order: {type: object, properties: {number: {type: integer}}}
    get:
      responses: {"200": {description: list}}
components:
  schemas:
    NewCustomer:
      type: object
      required: [email, tier]
      properties:
        email: {type: string, format: email}
        tier: {type: string, enum: [gold, silver]}
        age: {type: integer, minimum: 18, maximum: 99}
"""


def test_an_openapi_30_document_in_yaml(tmp_path: Path) -> None:
    spec = tmp_path / "shop.yaml"
    spec.write_text(SPEC_30)
    module = tmp_path / "commands" / "shop.py"
    scenario = tmp_path / "scenarios" / "shop.yaml"
    argv = ["import", "openapi", str(spec), "--out", str(module), "--scenario", str(scenario)]
    assert main(argv) == 0
    _ruff(module)
    loaded = importlib.util.spec_from_file_location("shop_imported", module)
    assert loaded is not None and loaded.loader is not None
    shop = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(shop)
    bindings = {}
    for name in ("RegisterCustomer", "PutProduct", "PlaceOrder"):
        binding = binding_of(getattr(shop, name))
        assert binding is not None and binding.http is not None
        bindings[name] = binding.http
    customer, product, order = bindings.values()
    assert (customer.path, customer.identity, customer.success) == (
        "/v2/customers",
        "Location",
        (200, 201),
    )
    assert customer.undo is not None and customer.undo.path == "/v2/customers/{id}"
    assert (product.method, product.path, product.identity) == ("PUT", "/v2/products/{sku}", None)
    assert product.encoding == "form"
    assert order.identity == "order.number"
    text = scenario.read_text()
    for line in (
        "      email: {fake: email}",
        "      tier: {choice: [gold, silver]}",
        "      age: {range: [18, 99]}",
        "    identity: sku",
        "      price: {uniform: [1.0, 500.0], round: 2}",
        "      customer_id: {ref: customer}",
        "      reference: {fake: uuid4}",
        "      placed_at: {datetime: ['2025-01-01T00:00:00', '2026-06-30T23:59:59']}",
    ):
        assert line in text.splitlines(), line
    # an optional field only where its name or format says what it is (and its length)
    assert "      note: {fake: text, max_nb_chars: 40}" in text.splitlines()
    assert main(["validate", str(scenario)]) == 0
    # the starter scenario points editors at the schema, and passes it
    assert text.startswith(f"# yaml-language-server: $schema={SCHEMA_URL}\n")
    validator = jsonschema.Draft202012Validator(scenario_schema())
    assert list(validator.iter_errors(yaml.safe_load(text))) == []
    assert main(["plan", str(scenario), "--out", str(tmp_path / "plan.jsonl")]) == 0


@pytest.mark.parametrize(
    ("document", "said"),
    [
        (None, "OpenAPI document not found: "),
        (
            '{"swagger": "2.0", "paths": {}}',
            "is Swagger 2.0 (OpenAPI 2); seeder imports OpenAPI 3.0",
        ),
        (
            '{"openapi": "4.0.0", "paths": {}}',
            "is OpenAPI 4.0.0; seeder imports OpenAPI 3.0 and 3.1",
        ),
        ("- a\n- list\n", "is not an OpenAPI document"),
        ('{"name": "not a spec"}', "is not an OpenAPI document (no 'openapi:' key)"),
        (": : :\n", "is neither JSON nor YAML"),
        (
            '{"openapi": "3.1.0", "paths": {"/x": {"get": {"responses": {"200": {}}}}}}',
            "has no write operation (POST, PUT, PATCH); nothing to import",
        ),
    ],
)
def test_what_cannot_be_imported_is_said_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: str | None, said: str
) -> None:
    spec = tmp_path / "spec.json"
    if document is not None:
        spec.write_text(document)
    out = tmp_path / "x.py"
    assert main(["import", "openapi", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and said in err, err
    assert not out.exists()


def test_an_unreachable_url_is_said_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/openapi.json"
    assert main(["import", "openapi", url, "--out", "x.py"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"cannot fetch {url}" in err
