"""Sending what a test planned: in order, one at a time, through the run's
executor, remembering what was sent and answered; and, for what did not go
through, the error the test sees — the service's rejection (:class:`Rejected`),
or why it could not be sent."""

from __future__ import annotations

from typing import Any

from seeder.errors import GivenError, Rejected
from seeder.plan.items import PlanItem, placeholder_attr, placeholder_key
from seeder.ports import Outcome, Port, Send
from seeder.run.bindings import Bindings
from seeder.run.executor import Executor
from seeder.run.results import DONE, FAILED, Results

__all__ = ["Answer", "Sender", "failure", "send_items", "unsent"]

Answer = tuple[dict[str, Any], Outcome]  # the fields sent, and the outcome


class _Recorder:
    """The port, remembering the fields sent and the outcome of every item."""

    def __init__(self, port: Port) -> None:
        self.port = port
        self.needs_values = port.needs_values
        self.sent: dict[str, Answer] = {}

    async def send(self, request: Send) -> Outcome:
        outcome = await self.port.send(request)
        self.sent[request.item.key] = (request.fields, outcome)
        return outcome

    async def aclose(self) -> None:
        """The port belongs to the face that made it."""


class Sender:
    """Sends through one port in order, with one executor for a test's calls."""

    def __init__(self, port: Port, bindings: Bindings, results: Results) -> None:
        self.port = port
        self._results = results
        self._recorder = _Recorder(port)
        self._executor = Executor(self._recorder, bindings, concurrency=1, results=results)

    async def send(self, items: list[PlanItem]) -> dict[str, Answer]:
        """Sends ``items`` in order; the answer of each item sent, by key. If
        sending fails, what was not done is marked failed and the error goes on."""
        recorder = self._recorder
        recorder.sent = {}
        try:
            await self._executor.run_in_order(items)  # no tasks: the sync face drives it
        except BaseException:
            unsent(items, self._results)
            raise
        return recorder.sent


async def send_items(
    items: list[PlanItem], port: Port, bindings: Bindings, results: Results
) -> dict[str, Answer]:
    """Sends ``items`` in order, once (:class:`Sender`)."""
    return await Sender(port, bindings, results).send(items)


def failure(
    item: PlanItem,
    answer: Answer | None,
    results: Results,
    bindings: Bindings,
    call: str,
    where: str,
) -> GivenError:
    """What the test sees of an item that was not created."""
    if answer is None:
        results.failed(item.key)
        return GivenError(f"{call}: {item.key} was not sent: {_why_not(item, results, bindings)}")
    fields, outcome = answer
    if outcome.retryable or outcome.status is None:
        return GivenError(
            f"{call}: could not send {item.command} ({item.key}) to {where}: "
            f"{outcome.message}; is the service running there?"
        )
    return Rejected(
        item.command,
        outcome.status,
        outcome.message,
        entity=item.entity,
        key=item.key,
        fields=fields,
        call=call,
    )


def unsent(items: list[PlanItem], results: Results) -> None:
    """Marks failed what of ``items`` was not done (it will never be sent)."""
    for item in items:
        if results.state(item.key) != DONE:
            results.failed(item.key)


def _why_not(item: PlanItem, results: Results, bindings: Bindings) -> str:
    for dep in item.deps:
        if results.state(dep) == FAILED:
            return (
                f"it needs {dep}, which the service rejected earlier in this test; "
                "pass another one explicitly"
            )
    for name, placeholder in item.refs.items():
        if results.resolve(placeholder) is None:
            return (
                f"the answer for {placeholder_key(placeholder)} had no "
                f"{placeholder_attr(placeholder)!r} to fill {name}; check the "
                "binding's identity/captures"
            )
    if item.actor is not None:
        cred = bindings.credential_of_entity.get(item.actor.partition(":")[0])
        if cred is not None and results.resolve(f"{item.actor}.{cred.name}") is None:
            return (
                f"the answer for its actor {item.actor} had nothing at "
                f"{cred.capture!r} to act with; check the binding's Credential"
            )
    return "the executor did not send it"
