"""Kinto (https://kinto.readthedocs.io): buckets -> collections -> records, a JSON
store with its own shapes — every body and answer wrapped in ``data``, buckets
upserted with ``PUT`` at ids the client chooses, collections named in the body,
records given ids by the server, Basic auth (put the user and password in the
target URL: ``--target http://seeder:secret@127.0.0.1:8888``)."""

from __future__ import annotations

from seeder.commands import Command, HttpBinding, bind


@bind(
    http=HttpBinding(
        "PUT",
        "/v1/buckets/{id}",
        success=(200, 201),
        envelope="data",
        identity="data.id",
        idempotent=True,  # a PUT at an id we choose: sending it again changes nothing
    )
)
class PutBucket(Command):
    id: str
    title: str


@bind(
    http=HttpBinding(
        "POST",
        "/v1/buckets/{bucket}/collections",
        success=(201,),
        envelope="data",
        identity="data.id",
        idempotent=False,  # Kinto ignores Idempotency-Key
    )
)
class CreateCollection(Command):
    bucket: str
    id: str
    kind: str


@bind(
    http=HttpBinding(
        "POST",
        "/v1/buckets/{bucket}/collections/{collection}/records",
        success=(201,),
        envelope="data",
        identity="/data/id",
        captures={"modified": "data.last_modified"},
        idempotent=False,
    )
)
class CreateRecord(Command):
    bucket: str
    collection: str
    title: str
    score: float
    tags: list[str]
