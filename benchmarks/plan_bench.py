"""Planning speed, whole processes: ``seeder plan`` against the same records made by
a plain Faker loop, factory_boy, a plain mimesis loop, Snowfakery and polyfactory.

The graph is scenarios/library.yaml's tenant/author/book (members and loans left
out: the other tools have no actor or per-parent counts to mirror them with), with
``--books`` books (100,000). seeder plans it with ``seeder plan SCENARIO --out
FILE``; every other tool is a separate process that makes exactly the counts of
tenants, authors and books that seeder made and writes **the same JSONL records**
(one line per command: seq, key, command, method, path, body with the same fields
in the same order, refs, deps, idempotency_key; encoded with orjson like seeder's):

- tenant: name ``Tenant {n:03d}``, plan weighted free/team/enterprise 0.6/0.3/0.1;
- author: a tenant reference, ``name()``, birth_year in [1920, 2000] or null (0.2);
- book: a tenant and an author of that tenant, ``isbn13()`` unique per tenant,
  ``sentence(nb_words=4)`` title, ``sentence(nb_words=6)`` subtitle or null (0.4),
  status weighted published/draft 0.85/0.15, published_on in [1990-01-01, 2026-06-30].

Tools, each at its own defaults:

- ``faker loop``: dicts, Faker methods called directly, ``use_weighting=False`` (the
  same Faker setting as seeder's default; the 1.5x target is against this one);
- ``factory_boy``: ``factory.Factory`` classes with ``factory.Faker`` declarations,
  ``build()``; Faker weighted (factory_boy's default; the 10x target);
- ``mimesis loop``: dicts from mimesis' own data (``Person.full_name``,
  ``Code.isbn(ISBN13)`` — a mask, no check digit —, ``Text.words`` joined as a
  sentence of Faker's 60-140% word count, a uniform date);
- ``snowfakery``: a recipe (``random_reference`` is uniform; the book's tenant is
  its author's; no unique guard: Snowfakery has none) through a JSONL output stream
  (benchmarks/plan_bench_snowfakery.py);
- ``polyfactory``: ``DataclassFactory`` classes with ``Use`` of its shared Faker
  (weighted, its default), ``build()`` per entity.

Reference picks in the baselines: the first authors go one per tenant, the rest pick a
tenant with seeder's skew 2.0; books pick an author by seeder's weighted bands and take
its tenant. mimesis, Snowfakery and polyfactory are not dependencies of seeder: they are
installed, with orjson, in the benchmark's own virtualenvs under ``--env-dir``
(~/.cache/seeder-bench), created on the first run; a tool whose install fails is
skipped and said so.

Measured: CPU time (user + system, ``os.wait4``) of each whole process — start-up,
imports, planning, writing — in ``--rounds`` interleaved rounds (each tool once per
round, so a burst of load hits every tool), best kept; wall time is printed too.
Each output is checked: the counts per entity, and the keys of the first record of
each entity (and of its body) equal to seeder's.

Run:  .venv/bin/python benchmarks/plan_bench.py                 # 100,000 books, 3 rounds
      .venv/bin/python benchmarks/plan_bench.py --quick         # 20,000 books, 2 rounds
      .venv/bin/python benchmarks/plan_bench.py --tools seeder,factory_boy --rounds 5

Worker mode (used by the above): ``plan_bench.py --worker TOOL --shape FILE --out FILE``.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = 42
LOCALE = "en_US"
PLANS = ("free", "team", "enterprise")
PLAN_WEIGHTS = (0.6, 0.3, 0.1)
STATUSES = ("published", "draft")
STATUS_WEIGHTS = (0.85, 0.15)
BIRTH_YEARS = (1920, 2000)
BIRTH_YEAR_NULL = 0.2
SUBTITLE_NULL = 0.4
PUBLISHED = ("1990-01-01", "2026-06-30")
TENANT_SKEW = 2.0
AUTHOR_BANDS = (0.7, 0.2, 0.07, 0.03)
ENTITIES = ("tenant", "author", "book")
TARGET_VS_FACTORY_BOY = 10.0
TARGET_VS_FAKER_LOOP = 1.5

# tool -> the packages of its own virtualenv (None: the project's .venv)
ENVS: dict[str, list[str] | None] = {
    "seeder": None,
    "faker loop": None,
    "factory_boy": None,
    "mimesis loop": ["mimesis", "orjson"],
    "snowfakery": ["snowfakery", "setuptools<81", "orjson"],
    "polyfactory": ["polyfactory", "orjson"],
}


# -- what every baseline shares --------------------------------------------------


class Writer:
    """The records of seeder's JSONL command log, for the baselines."""

    def __init__(self, shape: dict[str, Any], out: Any) -> None:
        import orjson

        self.dumps = orjson.dumps
        self.opt = orjson.OPT_APPEND_NEWLINE
        self.write = out.write
        self.shape = shape
        self.fp = shape["fingerprint"]
        self.seq = 0

    def __call__(
        self, entity: str, n: int, body: dict[str, Any], refs: dict[str, str], deps: list[str]
    ) -> None:
        self.seq += 1
        key = f"{entity}:{n}"
        command, method, path = self.shape["bindings"][entity]
        record = {
            "seq": self.seq,
            "key": key,
            "command": command,
            "method": method,
            "path": path,
            "body": body,
            "refs": refs,
            "deps": deps,
            "idempotency_key": f"{self.fp}:{key}",
        }
        self.write(self.dumps(record, option=self.opt))


BAND_CUM = list(itertools.accumulate(AUTHOR_BANDS))


def skew_index(n: int, u: float) -> int:
    """seeder's skew pick: ``floor(n * (1 - u) ** skew)``."""
    return int(n * (1.0 - u) ** TENANT_SKEW)


def band_index(n: int, u_band: float, u_within: float) -> int:
    """seeder's weights pick: a rank band by weight, then uniform inside it."""
    band = min(bisect.bisect_right(BAND_CUM, u_band * BAND_CUM[-1]), len(AUTHOR_BANDS) - 1)
    return min(n - 1, int((band + u_within) * n / len(AUTHOR_BANDS)))


def author_tenant(i: int, tenants: int, u: float) -> int:
    """The first ``tenants`` authors go one per tenant (every tenant has an author,
    as in seeder's plan); the others pick a tenant with skew 2.0. 1-based."""
    return (i if i < tenants else skew_index(tenants, u)) + 1


def ref(entity: str, n: int) -> str:
    return f"{entity}:{n}.id"


# -- workers ---------------------------------------------------------------------


def plain_loop(
    shape: dict[str, Any],
    write: Writer,
    name: Callable[[], str],
    isbn: Callable[[], str],
    sentence: Callable[[int], str],
) -> None:
    """The library graph as a hand-written loop: one value function per kind of
    fake value (the tool's own), the same draws for everything else."""
    import random

    rng = random.Random(SEED)
    rand, choices, randint = rng.random, rng.choices, rng.randint
    plan_cum = list(itertools.accumulate(PLAN_WEIGHTS))
    status_cum = list(itertools.accumulate(STATUS_WEIGHTS))
    start = dt.date.fromisoformat(PUBLISHED[0])
    days = (dt.date.fromisoformat(PUBLISHED[1]) - start).days + 1
    counts = shape["counts"]
    tenants = counts["tenant"]
    for n in range(1, tenants + 1):
        plan = choices(PLANS, cum_weights=plan_cum)[0]
        write("tenant", n, {"name": f"Tenant {n:03d}", "plan": plan}, {}, [])
    author_tenants: list[int] = []
    for i in range(counts["author"]):
        t = author_tenant(i, tenants, rand())
        author_tenants.append(t)
        birth = None if rand() < BIRTH_YEAR_NULL else randint(*BIRTH_YEARS)
        body = {"name": name(), "birth_year": birth}
        write("author", i + 1, body, {"tenant_id": ref("tenant", t)}, [f"tenant:{t}"])
    authors = len(author_tenants)
    seen: set[tuple[int, str]] = set()
    for i in range(counts["book"]):
        a = band_index(authors, rand(), rand()) + 1
        t = author_tenants[a - 1]
        value = isbn()
        while (t, value) in seen:
            value = isbn()
        seen.add((t, value))
        body = {
            "isbn": value,
            "title": sentence(4),
            "subtitle": None if rand() < SUBTITLE_NULL else sentence(6),
            "status": choices(STATUSES, cum_weights=status_cum)[0],
            "published_on": (start + dt.timedelta(days=int(rand() * days))).isoformat(),
        }
        refs = {"tenant_id": ref("tenant", t), "author_id": ref("author", a)}
        write("book", i + 1, body, refs, [f"tenant:{t}", f"author:{a}"])


def work_faker_loop(shape: dict[str, Any], write: Writer, weighting: bool = False) -> None:
    from faker import Faker

    fake = Faker(LOCALE, use_weighting=weighting)
    fake.seed_instance(SEED)
    plain_loop(shape, write, fake.name, fake.isbn13, lambda nb: fake.sentence(nb_words=nb))


def work_factory_boy(shape: dict[str, Any], write: Writer) -> None:
    import dataclasses
    import random

    import factory
    import factory.fuzzy
    import factory.random

    @dataclasses.dataclass(slots=True)
    class Tenant:
        id: int
        name: str
        plan: str

    @dataclasses.dataclass(slots=True)
    class Author:
        id: int
        tenant: Tenant
        name: str
        birth_year: int | None

    @dataclasses.dataclass(slots=True)
    class Book:
        id: int
        tenant: Tenant
        author: Author
        isbn: str
        title: str
        subtitle: str | None
        status: str
        published_on: dt.date

    def weighted(values: tuple[str, ...], weights: tuple[float, ...]) -> Any:
        cum = list(itertools.accumulate(weights))
        return lambda: factory.random.randgen.choices(values, cum_weights=cum)[0]

    def present(null_weight: float) -> Any:
        return lambda: factory.random.randgen.random() >= null_weight

    class TenantFactory(factory.Factory):
        class Meta:
            model = Tenant

        id = factory.Sequence(lambda n: n + 1)
        name = factory.Sequence(lambda n: f"Tenant {n + 1:03d}")
        plan = factory.LazyFunction(weighted(PLANS, PLAN_WEIGHTS))

    class AuthorFactory(factory.Factory):
        class Meta:
            model = Author

        class Params:
            has_birth_year = factory.LazyFunction(present(BIRTH_YEAR_NULL))

        id = factory.Sequence(lambda n: n + 1)
        tenant = None  # always passed: an existing tenant
        name = factory.Faker("name")
        birth_year = factory.Maybe("has_birth_year", factory.fuzzy.FuzzyInteger(*BIRTH_YEARS), None)

    start, end = (dt.date.fromisoformat(d) for d in PUBLISHED)

    class BookFactory(factory.Factory):
        class Meta:
            model = Book

        class Params:
            has_subtitle = factory.LazyFunction(present(SUBTITLE_NULL))

        id = factory.Sequence(lambda n: n + 1)
        tenant = None  # always passed: the author's tenant
        author = None  # always passed: an existing author
        isbn = factory.Faker("isbn13")
        title = factory.Faker("sentence", nb_words=4)
        subtitle = factory.Maybe("has_subtitle", factory.Faker("sentence", nb_words=6), None)
        status = factory.LazyFunction(weighted(STATUSES, STATUS_WEIGHTS))
        published_on = factory.fuzzy.FuzzyDate(start, end)

    factory.random.reseed_random(SEED)
    rand = random.Random(SEED).random
    counts = shape["counts"]
    tenants = []
    for _ in range(counts["tenant"]):
        t = TenantFactory.build()
        tenants.append(t)
        write("tenant", t.id, {"name": t.name, "plan": t.plan}, {}, [])
    authors = []
    for i in range(counts["author"]):
        tenant = tenants[author_tenant(i, len(tenants), rand()) - 1]
        a = AuthorFactory.build(tenant=tenant)
        authors.append(a)
        body = {"name": a.name, "birth_year": a.birth_year}
        tid = a.tenant.id
        write("author", a.id, body, {"tenant_id": ref("tenant", tid)}, [f"tenant:{tid}"])
    seen: set[tuple[int, str]] = set()
    for _ in range(counts["book"]):
        author = authors[band_index(len(authors), rand(), rand())]
        book = BookFactory.build(author=author, tenant=author.tenant)
        while (book.tenant.id, book.isbn) in seen:  # unique isbn per tenant
            book = BookFactory.build(author=author, tenant=author.tenant)
        seen.add((book.tenant.id, book.isbn))
        body = {
            "isbn": book.isbn,
            "title": book.title,
            "subtitle": book.subtitle,
            "status": book.status,
            "published_on": book.published_on.isoformat(),
        }
        t, a = book.tenant.id, book.author.id
        refs = {"tenant_id": ref("tenant", t), "author_id": ref("author", a)}
        write("book", book.id, body, refs, [f"tenant:{t}", f"author:{a}"])


def work_mimesis_loop(shape: dict[str, Any], write: Writer) -> None:
    from mimesis import Code, Person, Text
    from mimesis.enums import ISBNFormat
    from mimesis.locales import Locale

    person, code, text = Person(Locale.EN, seed=SEED), Code(seed=SEED), Text(Locale.EN, seed=SEED)
    words, rand = text.words, text.random.random

    def sentence(nb: int) -> str:  # Faker's word count: 60-140% of nb, at least 1
        k = max(1, int(nb * (60 + int(rand() * 81)) / 100))
        return " ".join(words(quantity=k)).capitalize() + "."

    plain_loop(shape, write, person.full_name, lambda: code.isbn(fmt=ISBNFormat.ISBN13), sentence)


def work_polyfactory(shape: dict[str, Any], write: Writer) -> None:
    import dataclasses
    import random

    from polyfactory import Use
    from polyfactory.factories import DataclassFactory

    rng = random.Random(SEED)
    rand, choices, randint = rng.random, rng.choices, rng.randint
    plan_cum = list(itertools.accumulate(PLAN_WEIGHTS))
    status_cum = list(itertools.accumulate(STATUS_WEIGHTS))
    start = dt.date.fromisoformat(PUBLISHED[0])
    days = (dt.date.fromisoformat(PUBLISHED[1]) - start).days + 1

    @dataclasses.dataclass
    class Tenant:
        id: int
        name: str
        plan: str

    @dataclasses.dataclass
    class Author:
        id: int
        tenant_id: int
        name: str
        birth_year: int | None

    @dataclasses.dataclass
    class Book:
        id: int
        tenant_id: int
        author_id: int
        isbn: str
        title: str
        subtitle: str | None
        status: str
        published_on: dt.date

    class TenantFactory(DataclassFactory[Tenant]):
        __set_as_default_factory_for_type__ = True
        plan = Use(lambda: choices(PLANS, cum_weights=plan_cum)[0])

    class AuthorFactory(DataclassFactory[Author]):
        name = Use(DataclassFactory.__faker__.name)
        birth_year = Use(lambda: None if rand() < BIRTH_YEAR_NULL else randint(*BIRTH_YEARS))

    class BookFactory(DataclassFactory[Book]):
        isbn = Use(DataclassFactory.__faker__.isbn13)
        title = Use(DataclassFactory.__faker__.sentence, nb_words=4)
        subtitle = Use(
            lambda: (
                None if rand() < SUBTITLE_NULL else DataclassFactory.__faker__.sentence(nb_words=6)
            )
        )
        status = Use(lambda: choices(STATUSES, cum_weights=status_cum)[0])
        published_on = Use(lambda: start + dt.timedelta(days=int(rand() * days)))

    DataclassFactory.seed_random(SEED)
    counts = shape["counts"]
    tenants = counts["tenant"]
    for n in range(1, tenants + 1):
        tenant = TenantFactory.build(id=n, name=f"Tenant {n:03d}")
        write("tenant", n, {"name": tenant.name, "plan": tenant.plan}, {}, [])
    author_tenants: list[int] = []
    for i in range(counts["author"]):
        t = author_tenant(i, tenants, rand())
        author = AuthorFactory.build(id=i + 1, tenant_id=t)
        author_tenants.append(t)
        body = {"name": author.name, "birth_year": author.birth_year}
        write("author", i + 1, body, {"tenant_id": ref("tenant", t)}, [f"tenant:{t}"])
    authors = len(author_tenants)
    seen: set[tuple[int, str]] = set()
    for i in range(counts["book"]):
        a = band_index(authors, rand(), rand()) + 1
        t = author_tenants[a - 1]
        book = BookFactory.build(id=i + 1, tenant_id=t, author_id=a)
        while (t, book.isbn) in seen:
            book = BookFactory.build(id=i + 1, tenant_id=t, author_id=a)
        seen.add((t, book.isbn))
        body = {
            "isbn": book.isbn,
            "title": book.title,
            "subtitle": book.subtitle,
            "status": book.status,
            "published_on": book.published_on.isoformat(),
        }
        refs = {"tenant_id": ref("tenant", t), "author_id": ref("author", a)}
        write("book", i + 1, body, refs, [f"tenant:{t}", f"author:{a}"])


SNOWFAKERY_RECIPE = """\
- object: tenant
  count: {tenant}
  fields:
    name: ${{{{ "Tenant %03d" | format(id) }}}}
    plan:
      random_choice:
        free: 60%
        team: 30%
        enterprise: 10%
- object: author
  count: {author}
  fields:
    tenant:
      random_reference: tenant
    name:
      fake: name
    birth_year:
      random_choice:
        - choice:
            probability: 20%
            pick:
        - choice:
            probability: 80%
            pick:
              random_number:
                min: 1920
                max: 2000
- object: book
  count: {book}
  fields:
    author:
      random_reference: author
    tenant: ${{{{ book.author.tenant.id }}}}
    isbn:
      fake: isbn13
    title:
      fake.sentence:
        nb_words: 4
    subtitle:
      random_choice:
        - choice:
            probability: 40%
            pick:
        - choice:
            probability: 60%
            pick:
              fake.sentence:
                nb_words: 6
    status:
      random_choice:
        published: 85%
        draft: 15%
    published_on:
      date_between:
        start_date: 1990-01-01
        end_date: 2026-06-30
"""


def work_snowfakery(shape: dict[str, Any], out_path: str) -> None:
    from snowfakery import generate_data

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    recipe = Path(out_path).with_suffix(".recipe.yml")
    recipe.write_text(SNOWFAKERY_RECIPE.format(**shape["counts"]), encoding="utf-8")
    os.environ["PLAN_BENCH_SHAPE"] = json.dumps(shape)
    generate_data(
        str(recipe),
        output_format="plan_bench_snowfakery.JsonlCommandStream",
        output_file=out_path,
    )


WORKERS = {
    "faker loop": work_faker_loop,
    "factory_boy": work_factory_boy,
    "mimesis loop": work_mimesis_loop,
    "polyfactory": work_polyfactory,
}


def worker_main(tool: str, shape_path: str, out_path: str) -> int:
    shape = json.loads(Path(shape_path).read_text(encoding="utf-8"))
    if tool == "snowfakery":
        work_snowfakery(shape, out_path)
        return 0
    with open(out_path, "wb") as out:
        WORKERS[tool](shape, Writer(shape, out))
    return 0


# -- the parent: environments, rounds, checks --------------------------------------


def tool_python(tool: str, env_dir: Path) -> str | None:
    """The interpreter a tool runs with: the project's, or its own virtualenv's
    (created and installed on first use; None if that fails)."""
    packages = ENVS[tool]
    if packages is None:
        return sys.executable
    venv = env_dir / tool.split()[0]
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.exists() and stamp.read_text() == " ".join(packages):
        return str(python)
    print(f"installing {tool} into {venv} ({', '.join(packages)}) ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *packages],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"  {tool}: could not install ({exc}); skipped", flush=True)
        return None
    stamp.write_text(" ".join(packages))
    return str(python)


def library_subset(books: int, folder: Path) -> Path:
    """scenarios/library.yaml's tenant, author and book, with ``books`` books."""
    import yaml

    spec = yaml.safe_load((ROOT / "scenarios" / "library.yaml").read_text(encoding="utf-8"))
    spec["entities"] = {k: v for k, v in spec["entities"].items() if k in ENTITIES}
    spec["entities"]["book"]["count"] = books
    spec["commands"] = str((ROOT / "commands" / "library.py").resolve())
    path = folder / "library-books.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def run_timed(argv: list[str]) -> tuple[float, float]:
    """Runs a whole process; its CPU time (user + system) and wall time."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{err[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall


def read_log(path: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Counts per entity, and the record and body keys of each entity's first line."""
    import orjson

    counts: dict[str, int] = {}
    shapes: dict[str, list[str]] = {}
    with path.open("rb") as handle:
        for line in handle:
            record = orjson.loads(line)
            if "key" not in record:  # seeder's manifest
                continue
            entity = record["key"].rpartition(":")[0]
            counts[entity] = counts.get(entity, 0) + 1
            if entity not in shapes:
                shapes[entity] = [*record, "|", *record["body"], "|", *record["refs"]]
    return counts, shapes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--books", type=int, default=100_000, help="books to plan (100000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds, best kept (3)")
    parser.add_argument("--quick", action="store_true", help="20,000 books, 2 rounds")
    parser.add_argument("--tools", default=",".join(ENVS), help="comma-separated (all)")
    parser.add_argument(
        "--env-dir",
        type=Path,
        default=Path.home() / ".cache" / "seeder-bench",
        help="the other tools' virtualenvs (~/.cache/seeder-bench)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--shape", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args.worker, args.shape, args.out)

    books = 20_000 if args.quick else args.books
    rounds = 2 if args.quick else max(1, args.rounds)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in ENVS]
    if unknown or "seeder" not in tools:
        raise SystemExit(f"--tools: {unknown or 'seeder missing'}; choose among {list(ENVS)}")
    pythons = {t: tool_python(t, args.env_dir) for t in tools}
    tools = [t for t in tools if pythons[t] is not None]

    # bytecode for seeder, the commands modules and this script, as an installed
    # package has it: with PYTHONDONTWRITEBYTECODE set (as on this project's
    # machine) each timed process would otherwise compile them from source again
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "seeder", "commands", "benchmarks"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    work = Path(tempfile.mkdtemp(prefix="plan-bench-"))
    try:
        scenario = library_subset(books, work)
        seeder_bin = [sys.executable, "-m", "seeder", "plan", str(scenario), "--out"]
        # a first run: the counts every tool makes, the records' shape (and warm caches)
        first = work / "seeder.jsonl"
        run_timed([*seeder_bin, str(first)])
        counts, seeder_shapes = read_log(first)
        with first.open("rb") as handle:
            manifest = json.loads(handle.readline())
        bindings = {
            e: [c, manifest["commands"][c]["method"], manifest["commands"][c]["path"]]
            for e, c in (("tenant", "CreateTenant"), ("author", "RegisterAuthor"))
        }
        bindings["book"] = [
            "PublishBook",
            *(manifest["commands"]["PublishBook"][k] for k in ("method", "path")),
        ]
        shape = {
            "counts": counts,
            "fingerprint": manifest["scenario_fingerprint"],
            "bindings": bindings,
        }
        shape_path = work / "shape.json"
        shape_path.write_text(json.dumps(shape), encoding="utf-8")

        def argv_of(tool: str) -> list[str]:
            out = str(work / f"{tool.replace(' ', '_')}.jsonl")
            if tool == "seeder":
                return [*seeder_bin, out]
            python = pythons[tool]
            assert python is not None
            # imported as a module (its bytecode), not run as a script (compiled each time)
            here = str(Path(__file__).resolve().parent)
            run = f"import sys; sys.path.insert(0, {here!r}); import plan_bench as b; b.cli()"
            return [python, "-c", run, "--worker", tool, "--shape", str(shape_path), "--out", out]

        total = sum(counts.values())
        print(
            f"machine: nproc={os.cpu_count()}, load average {os.getloadavg()[0]:.1f}, Python "
            f"{platform.python_version()}; {books:,} books: seeder made "
            + ", ".join(f"{counts[e]:,} {e}s" for e in ENTITIES)
            + f" ({total:,} commands); CPU time of whole processes, best of {rounds} rounds\n"
        )
        cpu: dict[str, list[float]] = {t: [] for t in tools}
        wall: dict[str, list[float]] = {t: [] for t in tools}
        for r in range(1, rounds + 1):
            print(f"round {r}/{rounds}:", flush=True)
            for tool in tools:
                c, w = run_timed(argv_of(tool))
                cpu[tool].append(c)
                wall[tool].append(w)
                print(f"  {tool:<14} {c:7.2f} s CPU {w:7.2f} s wall", flush=True)
        problems: list[str] = []
        for tool in tools:
            got, shapes = read_log(work / f"{tool.replace(' ', '_')}.jsonl")
            if got != counts:
                problems.append(f"{tool} made {got}, not {counts}")
            if shapes != seeder_shapes:
                problems.append(f"{tool}: records {shapes} differ from seeder's {seeder_shapes}")
        for p in problems:
            print("NOT THE SAME RECORDS:", p)
        print(f"load average after: {os.getloadavg()[0]:.1f}\n")

        best = {t: min(cpu[t]) for t in tools}
        print(f"{'tool':<14} {'CPU s':>7} {'wall s':>7} {'commands/s (CPU)':>17} {'seeder is':>10}")
        for tool in tools:
            ratio = best[tool] / best["seeder"]
            print(
                f"{tool:<14} {best[tool]:7.2f} {min(wall[tool]):7.2f} "
                f"{total / best[tool]:17,.0f} {ratio:9.2f}x"
            )
        print("\ntargets (seeder's CPU time against the tool's, whole processes):")
        for tool, target in (
            ("faker loop", TARGET_VS_FAKER_LOOP),
            ("factory_boy", TARGET_VS_FACTORY_BOY),
            ("mimesis loop", 1.0),
        ):
            if tool in best:
                ratio = best[tool] / best["seeder"]
                verdict = "PASS" if ratio >= target else "FAIL"
                print(f"  seeder / {tool:<13} {ratio:6.2f}x  target >= {target:g}x: {verdict}")
        if "factory_boy" in best:
            need = best["factory_boy"] / TARGET_VS_FACTORY_BOY
            print(
                f"  10x factory_boy means {need:.2f} s of CPU for the whole seeder process "
                f"({need / total * 1e6:.1f} us per command); it took {best['seeder']:.2f} s"
            )
        return 1 if problems else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cli() -> None:
    raise SystemExit(main(sys.argv[1:]))


if __name__ == "__main__":
    cli()
