"""Running a plan: sending it to a target, fast, in dependency order, resumably.

- :mod:`.runner` — one flow for ``seeder run``, ``replay`` and ``--resume``;
- :mod:`.targets` — one target resolver (URLs, the embedded demo, a command log,
  and for tests application objects and ASGI apps), used by the CLI and by
  :mod:`seeder.testing`;
- :mod:`.guard` — the target guard, headers, URLs as they may be shown;
- :mod:`.executor` — workers, dependency waits, parking, transitive skips;
- :mod:`.bindings` — how each command is sent, and whose answer holds a credential;
- :mod:`.results` — the service's answers by logical key;
- :mod:`.journal` and :mod:`.resume` — what a run did, and what a resume sends again;
- :mod:`.stats` — the run's statistics and the report's data.

Sends through :mod:`seeder.ports`; plans come from :mod:`seeder.plan`.
"""
