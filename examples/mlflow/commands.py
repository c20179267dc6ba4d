"""MLflow's tracking server (REST API 2.0): experiments -> runs -> metrics. Ids come
back nested (``run.info.run_id``); there are no idempotency keys, and a name used
twice is refused with ``RESOURCE_ALREADY_EXISTS`` (HTTP 400).

What a lost answer (a timeout, seeder killed) left behind is found again:
an experiment by its unique name (``experiments/get-by-name``), a run by its name in
its experiment — MLflow searches runs only by ``POST`` (``runs/search``, a filter
string), and answers ``{}`` when nothing matches. A metric value needs no lookup:
MLflow's SQL store keys each one by (run, key, step, timestamp, value) and ignores
the same value logged again, so sending it twice leaves one entry in its history."""

from __future__ import annotations

from seeder.commands import Adopt, Command, HttpBinding, Lookup, bind

API = "/api/2.0/mlflow"


@bind(
    http=HttpBinding(
        "POST",
        f"{API}/experiments/create",
        identity="experiment_id",
        idempotent=False,
        # GET .../experiments/get-by-name?experiment_name=x -> {"experiment": {...}}, or 404
        lookup=Lookup(
            f"{API}/experiments/get-by-name",
            query={"experiment_name": "name"},
            items=None,
            identity="experiment.experiment_id",
        ),
        # sent again after a lost answer: "Experiment(name=x) already exists"
        adopt=Adopt(statuses=(400,), message="already exists"),
    )
)
class CreateExperiment(Command):
    name: str


@bind(
    http=HttpBinding(
        "POST",
        f"{API}/runs/create",
        identity="run.info.run_id",
        idempotent=False,
        # POST .../runs/search {"experiment_ids": ["1"], "filter": "..."} -> {"runs": [..]} or {}
        lookup=Lookup(
            f"{API}/runs/search",
            method="POST",
            body={
                "experiment_ids": ["{experiment_id}"],
                "filter": "attributes.run_name = '{run_name}'",
                "max_results": 2,  # two say the name is not unique: left uncertain
            },
            items="runs",
            omits_empty=True,
            identity="info.run_id",
        ),
    )
)
class CreateRun(Command):
    experiment_id: str
    run_name: str
    start_time: int


@bind(
    http=HttpBinding(
        "POST",
        f"{API}/runs/log-metric",
        identity=None,
        # not Idempotency-Key: the same (run, key, step, timestamp, value) logged again
        # is ignored by MLflow's SQL store, so resending it is safe
        idempotent=True,
    )
)
class LogMetric(Command):
    run_id: str
    key: str
    value: float
    timestamp: int
    step: int
