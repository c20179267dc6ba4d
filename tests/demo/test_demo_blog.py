"""The blog context (issue 11): envelopes, slug identities and login-acquired tokens
expressed with binding options alone (no python: provider), seeded exactly, read
back through the service's own read API."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import httpx
import pytest

from seeder.cli import main
from seeder.demo.app import create_app
from seeder.demo.server import serve_in_thread
from tests.conftest import ROOT

SCENARIO = ROOT / "scenarios" / "blog.yaml"


def _plan() -> list[dict[str, object]]:
    out = ROOT / ".pytest-blog-plan.jsonl"
    try:
        assert main(["plan", str(SCENARIO), "--out", str(out)]) == 0
        return [json.loads(line) for line in out.read_text().splitlines()[1:]]
    finally:
        out.unlink(missing_ok=True)


def test_blog_seeded_exactly_with_binding_options_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "python:" not in SCENARIO.read_text()
    assert "python" not in (ROOT / "commands" / "blog.py").read_text().replace("pydantic", "")
    planned = collections.Counter(str(r["key"]).split(":")[0] for r in _plan())
    app = create_app()
    with serve_in_thread(app) as url:
        report = tmp_path / "report.json"
        code = main(
            ["run", str(SCENARIO), "--target", url, "--no-progress", "--report", str(report)]
        )
        assert code == 0, capsys.readouterr().err
        with httpx.Client(base_url=url) as client:
            profiles = client.get("/api/profiles").json()["profiles"]
            listed = client.get("/api/articles", params={"limit": 10_000}).json()
            comments = {
                a["slug"]: client.get(f"/api/articles/{a['slug']}/comments").json()["comments"]
                for a in listed["articles"]
            }
    store = app.state.blog
    assert len(profiles) == planned["writer"] == 20
    assert len(store.tokens) == planned["session"] == 20  # one login each
    assert listed["articlesCount"] == len(listed["articles"]) == planned["article"]
    assert planned["article"] > 20
    assert sum(len(c) for c in comments.values()) == planned["comment"] > 40
    # references right: each article's author is the writer whose session (its
    # actor) logged in; each comment is on its own article, by its actor's writer
    plan = _plan()
    writer_of = {
        r["key"]: str(r["body"]["email"]).split("@")[0]  # type: ignore[index]
        for r in plan
        if r["command"] == "Login"
    }
    slug_of = {}
    for r in plan:
        if r["command"] == "CreateArticle":
            slug = "notes-on-seeding-part-" + str(r["key"]).split(":")[1]
            slug_of[r["key"]] = slug
            assert store.articles[slug]["author"] == writer_of[r["actor"]]
            assert store.articles[slug]["tagList"] == r["body"]["tag_list"]  # type: ignore[index]
    expected = collections.Counter(
        (slug_of[str(r["refs"]["slug"]).split(".")[0]], writer_of[r["actor"]])  # type: ignore[index]
        for r in plan
        if r["command"] == "AddComment"
    )
    seeded = collections.Counter((c["article"], c["author"]) for c in store.comments)
    assert seeded == expected
    assert {slug: len(c) for slug, c in comments.items()} == {
        slug: sum(n for (s, _), n in expected.items() if s == slug) for slug in slug_of.values()
    }
