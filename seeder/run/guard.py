"""Where a run may go, checked before anything is sent: the target guard (a
scenario's ``allowed_targets``, else loopback only), the target's reachability,
``--header`` values with ``${ENV}`` expanded, and URLs as they may be shown (a
password in them becomes ``***``). Header values are secrets: no message here
ever repeats them."""

from __future__ import annotations

import base64
import ipaddress
import re
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import unquote, urlsplit

from seeder.errors import SeederError, redact_url

__all__ = [
    "Guard",
    "basic_auth",
    "check_reachable",
    "check_url",
    "expand_headers",
    "guard_target",
    "redact_url",
    "url_userinfo",
]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Guard:
    """The URLs a run may be sent to: ``allowed`` patterns (the scenario's
    ``allowed_targets``), else loopback only unless ``allow_any``."""

    allowed: Sequence[str] | None = None
    allowed_from: str = "the scenario"  # where they were written, for messages
    allow_any: bool = False


def expand_headers(raw: Iterable[str], environ: Mapping[str, str]) -> dict[str, str]:
    """``'Authorization: Bearer ${TOKEN}'`` → a header, with the variable expanded.
    The values are secrets: no message ever repeats them."""
    headers: dict[str, str] = {}
    for number, text in enumerate(raw, 1):
        name, sep, value = text.partition(":")
        name = name.strip()
        if not sep or not name or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
            # never echo the text: without its colon, a value is all there is
            problem = "has no ':'" if not sep else "has no valid name before its ':'"
            raise SeederError(
                f"--header number {number} {problem}; write it as 'Name: value', e.g. "
                "--header 'Authorization: Bearer ${TOKEN}'"
            )

        def env(match: re.Match[str], name: str = name) -> str:
            var = match.group(1)
            if var not in environ:
                raise SeederError(
                    f"--header {name}: environment variable {var} is not set; "
                    "export it or write the value"
                )
            return environ[var]

        expanded = _ENV.sub(env, value.strip())
        if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", expanded):  # a header splitting in two
            raise SeederError(
                f"--header {name}: the value holds a control character (a line break?); "
                "a header value is one line"
            )
        headers[name] = expanded
    return headers


def url_userinfo(url: str) -> str:
    """The ``user:password`` part of a URL ("" without one)."""
    authority = url.partition("://")[2].partition("/")[0]
    return authority.rpartition("@")[0]


def basic_auth(url: str) -> tuple[str, dict[str, str]]:
    """A URL without its user and password, and the Authorization header that
    carries them instead (the HTTP clients refuse both at once)."""
    userinfo = url_userinfo(url)
    if not userinfo:
        return url, {}
    scheme, _, rest = url.partition("://")
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
    return f"{scheme}://{rest.partition('@')[2]}", {"Authorization": f"Basic {token}"}


def check_url(url: str) -> None:
    """A target is a base URL: a query or a fragment would be glued to every path."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # http://[::1
        raise SeederError(
            f"target {redact_url(url)!r}: {exc}; write it like http://127.0.0.1:8000. "
            "Nothing was sent"
        ) from exc
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise SeederError(
            f"target {redact_url(url)!r} has a query or fragment; give the service's base "
            "URL (http://host:port/prefix), the bindings add the paths. Nothing was sent"
        )


def guard_target(url: str, guard: Guard) -> None:
    """Refuses, before anything is sent, a URL the scenario does not allow: one of
    its ``allowed_targets`` patterns, or else loopback only (unless
    ``allow_any_target``). A seeding run aimed at production by a typo is the most
    expensive mistake this tool can make."""

    try:
        parts = urlsplit(url)
    except ValueError as exc:  # http://[::1
        raise SeederError(
            f"target {redact_url(url)!r}: {exc}; write it like http://127.0.0.1:8000. "
            "Nothing was sent"
        ) from exc
    normal = f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"
    if guard.allowed is not None:
        for pattern in guard.allowed:
            pattern = pattern.rstrip("/")
            if fnmatchcase(normal, pattern) or fnmatchcase(normal, pattern + "/*"):
                return
        shown = ", ".join(guard.allowed)
        raise SeederError(
            f"target {redact_url(url)} is not in allowed_targets of "
            f"{guard.allowed_from} ({shown}); use an allowed target or add a pattern "
            "to allowed_targets. Nothing was sent"
        )
    if guard.allow_any or _is_loopback(parts.hostname or ""):
        return
    raise SeederError(
        f"target {redact_url(url)} is not on this machine and {guard.allowed_from} has no "
        "allowed_targets; list the target's URL pattern under allowed_targets in the "
        "scenario, or pass --allow-any-target. Nothing was sent"
    )


def _is_loopback(host: str) -> bool:

    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_reachable(url: str) -> None:
    """Fails fast, before anything is sent, when nothing listens at the target (a
    mistyped port would otherwise make every command retry for a minute)."""

    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise SeederError(
            f"target {redact_url(url)!r} has no host; write it like http://127.0.0.1:8000"
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise SeederError(
            f"target {redact_url(url)!r}: {exc}; write it like http://127.0.0.1:8000"
        ) from exc
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SeederError(
            f"cannot reach {parts.scheme}://{host}:{port} ({reason}); is the "
            "service running, and is the URL right? Nothing was sent"
        ) from exc
