"""Where ``given`` sends: the run's target resolver (:mod:`seeder.run.targets`)
with a test's profile — application objects, ASGI apps and
``package.module:attribute`` accepted; ``demo`` a fresh in-memory demo per
target; a short retry policy (a test wants a quick, clear failure when the service
is down, not a minute of retries); mistakes raised as ``GivenError``."""

from __future__ import annotations

from collections.abc import Mapping

from seeder.errors import GivenError
from seeder.ports.http import RetryPolicy
from seeder.run.targets import Target, TargetOptions
from seeder.run.targets import resolve_target as resolve
from seeder.testing.blueprint import Blueprint

__all__ = ["Target", "resolve_target"]


def resolve_target(
    target: object, blueprint: Blueprint, headers: Mapping[str, str] | None = None
) -> Target:
    options = TargetOptions(
        concurrency=4,
        headers=dict(headers or {}),
        policy=RetryPolicy(attempts=3, total_seconds=10.0, timeout=10.0),
        demo_served=False,
        objects=True,
        error=GivenError,
    )
    handlers = [
        b.in_process.handler for b in blueprint.bindings.by_command.values() if b.in_process
    ]
    return resolve(target, options, handlers=handlers)
