"""The scenario: what data to make, before anything is checked against commands.

- :mod:`.api` — ``Scenario`` and ``Entity``, the Python API;
- :mod:`.compose` — YAML composed safely into plain values with their locations;
- :mod:`.build` — those values built into the API's objects;
- :mod:`.load` — a scenario file (YAML or Python) read into a ``Scenario``;
- :mod:`.problems` — problems collected with their file:line:column;
- :mod:`.modules` — user modules (commands files, ``python:`` providers).

Next in the flow: :mod:`seeder.model` checks a scenario against its commands.
"""

from seeder.scenario.api import Entity, Existing, Scenario

__all__ = ["Entity", "Existing", "Scenario"]
