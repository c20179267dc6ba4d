"""Kinto (https://kinto.readthedocs.io): buckets -> collections -> records, a JSON
store with its own shapes — every body and answer wrapped in ``data``, buckets
upserted with ``PUT`` at ids the client chooses, collections named in the body,
records given ids by the server, Basic auth (put the user and password in the
target URL: ``--target http://seeder:secret@127.0.0.1:8888``).

Kinto ignores ``Idempotency-Key``, so a collection or a record whose answer was lost
(a timeout, seeder killed) is found again by a lookup: a collection by its id, a
record by its title — Kinto filters a list by any field (``?title=record%207``) and
lists without the ``data`` envelope of a single answer."""

from __future__ import annotations

from seeder.commands import Command, HttpBinding, Lookup, bind

RECORDS = "/v1/buckets/{bucket}/collections/{collection}/records"


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
        # GET /v1/buckets/b/collections/c001 -> {"data": {"id": "c001", ...}}, or 404
        lookup=Lookup("/v1/buckets/{bucket}/collections/{id}", items=None),
    )
)
class CreateCollection(Command):
    bucket: str
    id: str
    kind: str


@bind(
    http=HttpBinding(
        "POST",
        RECORDS,
        success=(201,),
        envelope="data",
        identity="/data/id",
        captures={"modified": "data.last_modified"},
        idempotent=False,
        # GET .../records?title=record%207 -> {"data": [{"id": "..", "title": "record 7", ..}]}
        lookup=Lookup(
            RECORDS,
            query={"title": "title"},
            items="data",
            identity="id",
            captures={"modified": "last_modified"},
        ),
    )
)
class CreateRecord(Command):
    bucket: str
    collection: str
    title: str
    score: float
    tags: list[str]
