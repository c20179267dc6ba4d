"""The checked model: a scenario whose every name, kind and order has been checked
against its commands' real fields, ready to plan.

- :mod:`.types` — ``Model``, ``EntityModel``, ``Kind``, ``SpecIndex``;
- :mod:`.compile` — ``compile_model`` (and ``load_model``: a file, compiled), which
  runs the steps :mod:`.definitions`, :mod:`.kinds`, :mod:`.constraints` and
  :mod:`.ordering` in that order;
- :mod:`.canonical` — the scenario's canonical form and fingerprint.

Comes from :mod:`seeder.scenario`; goes to :mod:`seeder.plan`.
"""

from seeder.model.compile import compile_model, load_model, with_records
from seeder.model.types import EntityModel, Kind, Model, SpecIndex

__all__ = [
    "EntityModel",
    "Kind",
    "Model",
    "SpecIndex",
    "compile_model",
    "load_model",
    "with_records",
]
