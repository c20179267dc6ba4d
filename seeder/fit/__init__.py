"""``seeder fit``: read what exists and write it as a scenario.

- :mod:`.sources` — DSNs (passwords masked everywhere), connections to PostgreSQL and
  MariaDB/MySQL, and the SQL dialect differences;
- :mod:`.introspect` — tables, columns, foreign keys and unique constraints;
- :mod:`.measure` — the aggregations, run on the server (GROUP BY, window functions),
  so the client's memory does not grow with the table;
- :mod:`.shape` — the estimators (skew from the cumulative uses by rank, the Zipf
  regression and its r², band shares, per-parent count distributions);
- :mod:`.skeleton` — the scenario YAML, with comments giving sample sizes and fit quality;
- :mod:`.check` — a seeded database against what a scenario asked (``--check``);
- :mod:`.csvfile` — one column of a CSV file;
- :mod:`.api` and :mod:`.cli` — the entry points and the ``seeder fit`` flags.

Beside :mod:`seeder.ports` in the layers: reads the model (for ``--check``) and
seeder's own pick function (for tolerances); nothing below imports it.
"""
