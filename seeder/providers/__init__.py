"""Providers: each makes one field's value — Faker values, sequences, choices,
numbers, dates, time series, constants, user functions — and references to other
entities (:class:`Ref`, :class:`From`), which are providers too.

A provider is a small immutable value (printable, comparable, testable alone) that
compiles into a fast draw function of the row being built (:mod:`.base`). One
module per family: ``values``, ``numbers``, ``time``, ``references``.
"""

from seeder.errors import InvalidProvider
from seeder.providers.base import CompileContext, Draw, Provider, Row
from seeder.providers.numbers import LogNormal, Normal, Number, Poisson, Range
from seeder.providers.references import From, Ref
from seeder.providers.time import Counter, DateRange, Series
from seeder.providers.values import Choice, Const, Fake, PythonFunction, Seq, Template

__all__ = [
    "Choice",
    "CompileContext",
    "Const",
    "Counter",
    "DateRange",
    "Draw",
    "Fake",
    "From",
    "InvalidProvider",
    "LogNormal",
    "Normal",
    "Number",
    "Poisson",
    "Provider",
    "PythonFunction",
    "Range",
    "Ref",
    "Row",
    "Seq",
    "Series",
    "Template",
]
