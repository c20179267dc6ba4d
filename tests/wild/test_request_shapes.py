"""Request shapes in the binding (issue 11, item 1): envelopes and body templates,
wire names (``wire=`` and pydantic aliases), query parameters, header fields,
form-encoded and multipart bodies, PUT upserts with client-chosen ids — and each
shape that does not fit its command refused at the binding's line, nothing sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from tests.wild.harness import one_error, project, run
from tests.wild.recorder import Recorder, serving


@pytest.fixture
def service() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder(
        {
            "POST /.*": lambda r, n: (201, {"id": n}, {}),
            "PUT /.*": lambda r, n: (200, {}, {}),
        }
    )
    with serving(recorder) as url:
        yield recorder, url


COMMANDS = """\
from pydantic import Field
from seeder.commands import Command, HttpBinding, bind

@bind(http=HttpBinding("POST", "/users", envelope="user"))
class RegisterUser(Command):
    username: str
    email: str

@bind(http=HttpBinding("POST", "/articles",
    body={"data": {"type": "articles", "attributes": "$...", "meta": {"by": "$author"}}},
    query={"draft": "draft"}, headers={"X-Tenant": "tenant"}, wire={"title": "headline"}))
class WriteArticle(Command):
    author: str
    tenant: str
    draft: bool
    title: str
    tag_list: list[str] = Field(alias="tagList")

@bind(http=HttpBinding("POST", "/photos", encoding="multipart"))
class UploadPhoto(Command):
    caption: str
    file: dict

@bind(http=HttpBinding("POST", "/login", encoding="form", query=("next",)))
class Login(Command):
    username: str
    password: str
    next: str | None = None

@bind(http=HttpBinding("PUT", "/buckets/{bucket}", identity=None))
class PutBucket(Command):
    bucket: str
    title: str
"""

SCENARIO = """\
entities:
  user:
    command: RegisterUser
    count: 2
    fields:
      username: {seq: "writer{n}"}
      email: {template: "{username}@example.org"}
  article:
    command: WriteArticle
    count: 2
    fields:
      author: {seq: "writer{n}"}
      tenant: {seq: "t-{n}"}
      draft: {choice: [true]}
      title: {template: "On {topic}"}
      tag_list: {const: [a, "b c"]}
    vars:
      topic: {choice: [seeding]}
  photo:
    command: UploadPhoto
    count: 1
    fields:
      caption: "a \\"quoted\\" caption"
      file: {const: {filename: p.txt, content: hello, content_type: text/plain}}
  login:
    command: Login
    count: 1
    fields:
      username: "a b&c"
      password: "p=1"
      next: /home
  bucket:
    command: PutBucket
    count: 3
    fields:
      bucket: {seq: "b{n}"}
      title: {fake: word}
"""


def test_each_shape_on_the_wire(
    tmp_path: Path, service: tuple[Recorder, str], capsys: pytest.CaptureFixture[str]
) -> None:
    recorder, url = service
    ran = run(project(tmp_path, COMMANDS, SCENARIO), url, capsys)
    assert ran.code == 0, ran.err
    users = recorder.of("POST", "/users")
    assert [r.json() for r in users] == [
        {"user": {"username": f"writer{n}", "email": f"writer{n}@example.org"}} for n in (1, 2)
    ]
    articles = recorder.of("POST", "/articles")
    assert [r.json() for r in articles] == [
        {
            "data": {
                "type": "articles",
                "attributes": {"headline": "On seeding", "tagList": ["a", "b c"]},
                "meta": {"by": f"writer{n}"},
            }
        }
        for n in (1, 2)
    ]
    assert [r.query for r in articles] == [[("draft", "true")]] * 2
    assert [r.headers["x-tenant"] for r in articles] == ["t-1", "t-2"]
    (photo,) = recorder.of("POST", "/photos")
    content_type = photo.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + photo.body
    )
    parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
    assert parts["caption"].get_content() == 'a "quoted" caption'
    assert parts["file"].get_filename() == "p.txt"
    assert parts["file"].get_content_type() == "text/plain"
    assert parts["file"].get_content() == "hello"
    (login,) = recorder.of("POST", "/login")
    assert login.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(login.body.decode()) == [("username", "a b&c"), ("password", "p=1")]
    assert login.query == [("next", "/home")]
    puts = recorder.of("PUT", "/buckets/.*")
    # sent concurrently: they may arrive in any order
    assert sorted(r.path for r in puts) == ["/buckets/b1", "/buckets/b2", "/buckets/b3"]
    assert all(set(json.loads(r.body)) == {"title"} for r in puts)


def test_plan_and_validate_accept_shapes(
    tmp_path: Path, service: tuple[Recorder, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, url = service
    path = project(tmp_path, COMMANDS, SCENARIO)
    assert run(path, url, capsys, verb="validate").code == 0


BAD = [
    ('query={"draft": "drafts"}', "query of WriteArticle names 'drafts'", "did you mean 'draft'"),
    ('headers={"X-Tenant": "draft"}', "WriteArticle.draft is sent twice (query and headers)", ""),
    ('headers={"X Tenant": "tenant"}', "headers: 'X Tenant' is not a header name", ""),
    ('wire={"titel": "headline"}', "wire of WriteArticle renames 'titel'", "did you mean"),
    ('body={"data": {"author": "$author"}}', "places neither 'tenant' nor '$...'", ""),
    ('body={"data": "$nope"}', "body of WriteArticle names 'nope'", ""),
    ('body={"a": "$author", "b": "$author"}', "'$author' is placed twice", ""),
    ('body={"a": {"b": 1}}, encoding="form"', "must be a flat object", ""),
    ('envelope="user", body={}', "takes envelope= or body=, not both", ""),
    ('envelope="data..x"', "envelope must be a key or a dotted path", ""),
    ('encoding="xml"', "encoding 'xml' is not one of json, form, multipart", ""),
]


@pytest.mark.parametrize(("shape", "needle", "hint"), BAD)
def test_a_shape_that_does_not_fit_is_said_at_the_binding(
    shape: str,
    needle: str,
    hint: str,
    tmp_path: Path,
    service: tuple[Recorder, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    recorder, url = service
    original = (
        'query={"draft": "draft"}, headers={"X-Tenant": "tenant"}, wire={"title": "headline"}'
    )
    kept = {
        "query": 'query={"draft": "draft"}',
        "headers": 'headers={"X-Tenant": "tenant"}',
        "wire": 'wire={"title": "headline"}',
    }
    key = shape.split("=")[0]
    changed = ", ".join(shape if k == key else v for k, v in kept.items())
    if key not in kept:
        changed = shape
    commands = COMMANDS.replace(original, changed)
    if key in ("body", "envelope", "encoding"):
        commands = commands.replace(
            'body={"data": {"type": "articles", "attributes": "$...", "meta": {"by": "$author"}}},',
            "",
        ).replace(changed, changed + ', query={"draft": "draft"}', 1)
    path = project(tmp_path, commands, SCENARIO)
    for verb in ("validate", "run"):
        line = one_error(run(path, url, capsys, verb=verb), tmp_path / "cmds.py", '"/articles"')
        assert needle in line, line
        assert hint in line, line
    assert recorder.requests == []
