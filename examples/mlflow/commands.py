"""MLflow's tracking server (REST API 2.0): experiments -> runs -> metrics. Ids come
back nested (``run.info.run_id``); there are no idempotency keys, and a name used
twice is refused with ``RESOURCE_ALREADY_EXISTS``."""

from __future__ import annotations

from seeder.commands import Command, HttpBinding, bind

API = "/api/2.0/mlflow"


@bind(
    http=HttpBinding(
        "POST", f"{API}/experiments/create", identity="experiment_id", idempotent=False
    )
)
class CreateExperiment(Command):
    name: str


@bind(http=HttpBinding("POST", f"{API}/runs/create", identity="run.info.run_id", idempotent=False))
class CreateRun(Command):
    experiment_id: str
    run_name: str
    start_time: int


@bind(http=HttpBinding("POST", f"{API}/runs/log-metric", identity=None, idempotent=False))
class LogMetric(Command):
    run_id: str
    key: str
    value: float
    timestamp: int
    step: int
