"""The plan: a checked model turned into a deterministic stream of commands, with
no I/O — values only the service will know are placeholders (``author:17.id``).

- :mod:`.items` — ``PlanItem``, and the key and placeholder format;
- :mod:`.streams` — one random stream per (entity, field), derived from the seed;
- :mod:`.registry` — what exists so far, in compact columns and indexes;
- :mod:`.fingerprints` — the compact set behind ``unique``;
- :mod:`.fields` — one field compiled: provider, options, ``seed_by``, ``unique``;
- :mod:`.draws` — reference and copy draws (picks, indexes, creation on demand);
- :mod:`.planner` — the streaming planner;
- :mod:`.checks` — the first items validated against the command models;
- :mod:`.commandlog` — JSONL and CSV command logs, written and read back.

This ``__init__`` imports nothing: ``seeder replay`` reads a command log without
loading the planner, its providers or Faker.
"""
