"""The sandbox data service, ``seeder serve``: a scenario's data, read-only over
HTTP, with no target service.

- :mod:`.routes` — each entity as a table, and the routes over them (default ones
  and the scenario's ``serve:`` section), checked against the model;
- :mod:`.store` — the plan written into an embedded SQLite file with indexes;
- :mod:`.reads`, :mod:`.pages`, :mod:`.formats` — a page or an instance read,
  paged, and rendered as JSON, NDJSON or CSV;
- :mod:`.app` — the FastAPI app; :mod:`.server` — building and running it.

Comes from :mod:`seeder.plan` (the planner); the CLI's ``serve`` command calls it.
"""
