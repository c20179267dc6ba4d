"""Issue 11's findings against a service not built for seeder, each reproduced:
a dotted identity, a user function reading vars, an identity named like a var,
Faker's own ``unique=``, and rejections whose words are not under ``message``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wild.harness import one_error, project, run
from tests.wild.recorder import Recorder, Request, serving

BLOG = """\
from seeder.commands import Command, Credential, HttpBinding, bind

TOKEN = Credential("token", "user.token", template="Token {value}")

@bind(http=HttpBinding("POST", "/users", success=(201,), identity="user.username",
                       captures={"token": "user.token"}, credential=TOKEN))
class RegisterUser(Command):
    user: dict

@bind(http=HttpBinding("POST", "/articles", success=(201,), identity="article.slug"))
class CreateArticle(Command):
    article: dict

@bind(http=HttpBinding("POST", "/articles/{slug}/comments", success=(201,)))
class AddComment(Command):
    slug: str
    comment: dict
"""


def _blog() -> Recorder:
    def user(r: Request, n: int) -> tuple[int, object, dict[str, str]]:
        name = r.json()["user"]["username"]
        return 201, {"user": {"username": name, "token": f"tok-{name}"}}, {}

    return Recorder(
        {
            "POST /users": user,
            "POST /articles": lambda r, n: (201, {"article": {"slug": f"slug-{n}"}}, {}),
            "POST /articles/[^/]+/comments": lambda r, n: (201, {"comment": {"id": n}}, {}),
        }
    )


@pytest.fixture
def blog() -> Iterator[tuple[Recorder, str]]:
    service = _blog()
    with serving(service) as url:
        yield service, url


FNS = """\
def user(rng, fields):
    return {"username": fields["name"], "email": fields["name"] + "@example.org"}

def article(rng, fields):
    return {"title": "t" + str(rng.random())}
"""

SCENARIO = """\
entities:
  user:
    command: RegisterUser
    count: 3
    fields:
      user: {python: "fns:user"}
    vars:
      name: {seq: "writer{n}"}
  article:
    command: CreateArticle
    per: user
    count: 2
    actor: parent
    fields:
      article: {python: "fns:article"}
  comment:
    command: AddComment
    per: article
    count: 2
    fields:
      slug: {from: parent}
      comment: {const: {body: hi}}
"""


def test_dotted_identity_fills_the_path_of_dependents(
    tmp_path: Path, blog: tuple[Recorder, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 1: ``identity="article.slug"`` passed validate, then run crashed."""
    service, url = blog
    ran = run(project(tmp_path, BLOG, SCENARIO, **{"fns.py": FNS}), url, capsys)
    assert ran.code == 0, ran.err
    slugs = {f"slug-{n}" for n in range(1, 20)}
    comments = service.of("POST", "/articles/[^/]+/comments")
    assert len(comments) == 12
    used = [r.path.split("/")[2] for r in comments]
    assert set(used) <= slugs and len(set(used)) == 6  # each article's own slug, twice
    assert all(used.count(s) == 2 for s in set(used))


def test_python_provider_sees_vars_it_reads(
    tmp_path: Path, blog: tuple[Recorder, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 3: a ``python:`` field could not see the entity's vars unless an
    unrelated ``seed_by`` forced the order; now the order follows what it reads
    (inferred from ``fields["name"]`` in the function)."""
    service, url = blog
    ran = run(project(tmp_path, BLOG, SCENARIO, **{"fns.py": FNS}), url, capsys)
    assert ran.code == 0, ran.err
    names = sorted(r.json()["user"]["username"] for r in service.of("POST", "/users"))
    assert names == ["writer1", "writer2", "writer3"]
    # each article is sent with its own author's token
    tokens = sorted(r.headers["authorization"] for r in service.of("POST", "/articles"))
    assert tokens == sorted(f"Token tok-writer{n}" for n in (1, 2, 3) for _ in range(2))


def test_python_provider_reads_declared(
    tmp_path: Path, blog: tuple[Recorder, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """What a function reads can also be declared (``reads:``), for a function whose
    reading cannot be seen (it passes ``fields`` on); a name it declares that is not
    a field or var is refused at its line."""
    service, url = blog
    fns = (
        "def user(rng, fields):\n    return build(dict(fields))\n\n"
        + FNS.split("\n\n", 1)[1]
        + ("def build(f):\n    return {'username': f['name'], 'email': 'x@example.org'}\n")
    )
    scenario = SCENARIO.replace('{python: "fns:user"}', '{python: "fns:user", reads: [name]}')
    ran = run(project(tmp_path, BLOG, scenario, **{"fns.py": fns}), url, capsys)
    assert ran.code == 0, ran.err
    assert len(service.of("POST", "/users")) == 3
    bad = scenario.replace("reads: [name]", "reads: [nmae]")
    path = project(tmp_path, BLOG, bad, **{"fns.py": fns})
    line = one_error(run(path, url, capsys), path, "reads: [nmae]")
    assert "'nmae'" in line and "did you mean 'name'" in line


IDENTITY_VAR = """\
entities:
  user:
    command: RegisterUser
    count: 3
    identity: handle
    vars:
      handle: {seq: "u{n}"}
    fields:
      user: {python: "fns:user"}
  article:
    command: CreateArticle
    count: 2
    actor: {ref: user, where: {key: u2}}
    fields:
      article: {const: {title: x}}
"""


@pytest.mark.parametrize("where", ["key", "handle"])
def test_identity_named_like_a_var(
    where: str, tmp_path: Path, blog: tuple[Recorder, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 4: an identity named like one of the entity's vars made ``where:
    {key: ..}`` fail with "'user' has no field 'key'; did you mean 'key'?"."""
    service, url = blog
    fns = "def user(rng, fields):\n    return {'username': fields['handle']}\n"
    scenario = IDENTITY_VAR.replace("{key: u2}", f"{{{where}: u2}}")
    ran = run(project(tmp_path, BLOG, scenario, **{"fns.py": fns}), url, capsys)
    assert ran.code == 0, ran.err
    tokens = [r.headers["authorization"] for r in service.of("POST", "/articles")]
    assert tokens == ["Token tok-u2", "Token tok-u2"]


def test_faker_own_unique_argument(
    tmp_path: Path, blog: tuple[Recorder, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 5: Faker's ``unique=`` argument collided with seeder's ``unique:``;
    ``args:`` passes a mapping to Faker as it is."""
    service, url = blog
    scenario = """\
    entities:
      user:
        command: RegisterUser
        count: 40
        fields:
          user: {python: "fns:user"}
        vars:
          tags: {fake: words, args: {nb: 3, ext_word_list: [a, b, c], unique: true}}
    """
    fns = "def user(rng, fields):\n    return {'username': ','.join(fields['tags'])}\n"
    ran = run(project(tmp_path, BLOG, scenario, **{"fns.py": fns}), url, capsys)
    assert ran.code == 0, ran.err
    lists = [r.json()["user"]["username"].split(",") for r in service.of("POST", "/users")]
    assert len(lists) == 40
    assert all(sorted(x) == ["a", "b", "c"] for x in lists)  # without unique: ~78% repeat one


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        ({"errors": ["user with this username already exists"]}, "user with this username"),
        ({"errors": {"username": ["has already been taken"]}}, "username: has already been"),
    ],
)
def test_rejection_in_the_service_words(
    answer: object,
    shown: str,
    tmp_path: Path,
    blog: tuple[Recorder, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Finding 6: a rejection whose words are not under message/detail/error/title
    was shown as a Python repr."""
    service, url = blog
    service.routes["POST /users"] = lambda r, n: (400, answer, {})
    scenario = "entities:\n  user:\n    command: RegisterUser\n    count: 2\n"
    scenario += "    fields:\n      user: {const: {username: x}}\n"
    ran = run(project(tmp_path, BLOG, scenario), url, capsys)
    assert ran.code == 1
    (message,) = ran.rejections()
    assert message.startswith(shown), message
    assert not re.search(r"[{}\[\]']", message), message


@pytest.mark.parametrize(
    ("binding", "needle"),
    [
        ('identity="article..slug"', "identity 'article..slug'"),
        ('identity="header:"', "identity 'header:'"),
        ('identity="/article/~2"', "identity '/article/~2'"),
        ('captures={"slug": "article."}', "captures 'slug'"),
    ],
)
def test_bad_response_path_is_said_at_the_binding(
    binding: str,
    needle: str,
    tmp_path: Path,
    blog: tuple[Recorder, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A response path that cannot name anything is refused where the binding is
    made: exit 2, one line at the binding's line, nothing sent."""
    service, url = blog
    commands = BLOG.replace('identity="article.slug"', binding)
    path = project(tmp_path, commands, SCENARIO, **{"fns.py": FNS})
    line = one_error(run(path, url, capsys), tmp_path / "cmds.py", '"/articles", success')
    assert needle in line, line
    assert service.requests == []


@pytest.mark.parametrize(
    ("change", "line_of", "needle"),
    [
        (  # finding 10: a path placeholder that is not a field sent POST /projects/%20/...
            ('"/articles/{slug}/comments"', '"/articles/{article}/comments"'),
            '"/articles/{article}/comments"',
            "{article} is not one of its fields (slug, comment)",
        ),
        (  # an unbalanced brace raised a traceback after requests were sent
            ('"/articles/{slug}/comments"', '"/articles/{slug/comments"'),
            '"/articles/{slug/comments"',
            "balance its braces",
        ),
        (  # a path without its leading slash built a broken URL
            ('"/articles/{slug}/comments"', '"articles/{slug}/comments"'),
            '"articles/{slug}/comments"',
            "must start with '/'",
        ),
        (  # a command without an HTTP binding was said after "sending to ..."
            (
                '@bind(http=HttpBinding("POST", "/articles/{slug}/comments", success=(201,)))\n',
                "",
            ),
            "class AddComment",
            "command AddComment (entity comment) has no HTTP binding",
        ),
    ],
)
def test_a_bad_binding_is_said_before_anything_is_sent(
    change: tuple[str, str],
    line_of: str,
    needle: str,
    tmp_path: Path,
    blog: tuple[Recorder, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    service, url = blog
    commands = BLOG.replace(*change)
    assert commands != BLOG
    path = project(tmp_path, commands, SCENARIO, **{"fns.py": FNS})
    ran = run(path, url, capsys)
    line = one_error(ran, tmp_path / "cmds.py", line_of)
    assert needle in line, line
    assert "sending to" not in ran.err
    assert service.requests == []


def test_an_unsaid_idempotency_is_said_once(
    tmp_path: Path, blog: tuple[Recorder, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 10 / item 7: a second run against a service that ignores
    Idempotency-Key silently doubled its data, with no word that ``idempotent=True``
    was assumed. Now a run against a URL names, once, each binding that leaves it
    unsaid, at its line; a binding that says it is not named."""
    _, url = blog
    commands = BLOG.replace(
        'HttpBinding("POST", "/articles", success=(201,),',
        'HttpBinding("POST", "/articles", success=(201,), idempotent=False,',
    )
    ran = run(project(tmp_path, commands, SCENARIO, **{"fns.py": FNS}), url, capsys)
    assert ran.code == 0, ran.err
    notes = [x for x in ran.err.splitlines() if "Idempotency-Key" in x]
    assert len(notes) == 1, ran.err
    (note,) = notes
    lines = (tmp_path / "cmds.py").read_text().splitlines()
    users = next(i for i, x in enumerate(lines, 1) if '"/users"' in x)
    assert f"RegisterUser ({(tmp_path / 'cmds.py').resolve()}:{users})" in note
    assert "AddComment" in note and "CreateArticle" not in note
    said = commands.replace("success=(201,))", "success=(201,), idempotent=False)").replace(
        "credential=TOKEN)", "credential=TOKEN, idempotent=False)"
    )
    (tmp_path / "said").mkdir()
    ran = run(project(tmp_path / "said", said, SCENARIO, **{"fns.py": FNS}), url, capsys)
    assert ran.code == 0 and "Idempotency-Key" not in ran.err, ran.err
