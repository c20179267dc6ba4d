"""A Locust ``User`` that sends a seeder plan (the ``locust`` extra):

    # locustfile.py
    from seeder.load.locust import SeederUser

    class Library(SeederUser):
        log = "library.jsonl"          # or: scenario = "scenarios/library.yaml"

    $ locust -f locustfile.py --headless -u 32 -r 32 --host http://127.0.0.1:8000

Every user of one Locust process takes the next item of the same replay (items
wait for their dependencies, placeholders are filled from earlier answers, an
actor's credential is presented). In distributed mode each worker sends its own
shard (``seeder.load.shards``): the worker's index of ``SEEDER_LOCUST_WORKERS``
(the number of workers the master expects). ``repeat = True`` sends the plan again
when it is done, under a new nonce each pass (new idempotency keys and unique
values): a write load loop without 409s. Requests are named by path template in
Locust's statistics; a status outside the binding's success is a failure.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import gevent  # type: ignore[import-untyped]
from locust import HttpUser, constant, events, task
from locust.exception import StopUser
from locust.runners import WORKER_REPORT_INTERVAL, LocalRunner, MasterRunner, WorkerRunner

from seeder.load.replayer import Replay, from_log, from_scenario

__all__ = ["SeederUser"]

_REPLAYS: dict[type, Replay] = {}
DONE = "seeder_done"


class SeederUser(HttpUser):
    """Subclass it with ``log`` (a command log: JSONL or a CSV folder) or
    ``scenario`` (planned on the fly, with ``scale`` and ``seed``)."""

    abstract = True
    wait_time = constant(0)
    log: ClassVar[str | None] = None
    scenario: ClassVar[str | None] = None
    scale: ClassVar[float] = 1.0
    seed: ClassVar[int | None] = None
    nonce: ClassVar[str | None] = None  # the first pass's (None: the log as written)
    # False: one pass; True: again and again; N: N passes (each after the first
    # under a new nonce: new idempotency keys and unique values)
    repeat: ClassVar[bool | int] = False
    quit_when_done: ClassVar[bool] = True  # the run ends when the plan is sent

    def _another_pass(self, replay: Replay) -> bool:
        repeat = self.repeat
        if repeat is True:
            return True
        return not isinstance(repeat, bool) and replay.passes + 1 < repeat

    def _done(self, replay: Replay) -> None:
        """The plan (this worker's shard) is sent: a local run quits; a worker tells
        the master, which quits once every worker has said so."""
        if replay.reported or not self.quit_when_done:
            return
        replay.reported = True
        runner = self.environment.runner
        if isinstance(runner, WorkerRunner):
            runner.send_message(DONE, {"worker": runner.worker_index})
        elif isinstance(runner, LocalRunner):
            gevent.spawn(runner.quit)

    def replay(self) -> Replay:
        cls = type(self)
        replay = _REPLAYS.get(cls)
        if replay is None:
            shard = _shard(self.environment.runner)
            if cls.log is not None:
                replay = from_log(cls.log, shard=shard, nonce=cls.nonce)
            elif cls.scenario is not None:
                replay = from_scenario(
                    cls.scenario, scale=cls.scale, seed=cls.seed, shard=shard, nonce=cls.nonce
                )
            else:
                raise ValueError(f"{cls.__name__} needs log = PATH or scenario = PATH")
            _REPLAYS[cls] = replay
        return replay

    @task
    def send_next(self) -> None:
        replay = self.replay()
        item = replay.take()
        if item is None:
            if not replay.idle:  # the pass's last answers are not all in
                gevent.sleep(0.005)
                return
            if self._another_pass(replay):
                replay.again()
                return
            self._done(replay)
            raise StopUser()
        request = replay.request(item)
        if request is None:
            return
        with self.client.request(
            request.method,
            request.target,
            data=request.data or None,
            headers=request.headers,
            name=request.name,
            catch_response=True,
        ) as response:
            try:
                ok = replay.answered(
                    request, response.status_code, response.content or b"", response.headers
                )
            except Exception as exc:  # a broken answer: said as a failure, never lost
                replay.failed(request, repr(exc))
                response.failure(repr(exc))
                return
            if ok:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code} for {item.key}")


def _shard(runner: Any) -> tuple[int, int]:
    """This process's shard: (worker index, SEEDER_LOCUST_WORKERS) on a worker."""
    if isinstance(runner, WorkerRunner):
        total = int(os.environ.get("SEEDER_LOCUST_WORKERS", "1"))
        return runner.worker_index % max(total, 1), max(total, 1)
    return 0, 1


def _forget(**_: Any) -> None:
    _REPLAYS.clear()


events.test_stop.add_listener(_forget)  # type: ignore[no-untyped-call]


def _on_init(environment: Any, **_: Any) -> None:
    """On the master: quit once every worker has sent its shard."""
    runner = environment.runner
    if not isinstance(runner, MasterRunner):
        return
    done: set[int] = set()

    def worker_done(msg: Any, **__: Any) -> None:
        done.add(int(msg.data["worker"]))
        total = int(os.environ.get("SEEDER_LOCUST_WORKERS", "0")) or runner.worker_count
        if len(done) >= total:  # after the workers' next statistics report
            gevent.spawn_later(WORKER_REPORT_INTERVAL + 0.5, runner.quit)

    runner.register_message(DONE, worker_done)


events.init.add_listener(_on_init)  # type: ignore[no-untyped-call]
