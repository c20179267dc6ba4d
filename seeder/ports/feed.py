"""The feed port: writes commands to a command log instead of sending them (the
same writer as ``seeder plan``). It needs no values from a service, so the
executor hands it items with their placeholders as they are."""

from __future__ import annotations

from seeder.plan.commandlog import JsonlCommandLog
from seeder.ports import Outcome, Send

__all__ = ["FeedPort"]


class FeedPort:
    needs_values = False

    def __init__(self, log: JsonlCommandLog) -> None:
        self.log = log

    async def send(self, request: Send) -> Outcome:
        self.log.write(request.item)
        return Outcome(True, status=None)

    async def aclose(self) -> None:
        self.log.close()
