"""Providers: each makes one field's value. Small immutable values that compile
into fast draw functions (see :mod:`seeder.providers.base`)."""

from seeder.providers.base import CompileContext, Draw, InvalidProvider, Provider, Row
from seeder.providers.numbers import LogNormal, Normal, Number, Poisson, Range
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
    "InvalidProvider",
    "LogNormal",
    "Normal",
    "Number",
    "Poisson",
    "Provider",
    "PythonFunction",
    "Range",
    "Row",
    "Seq",
    "Series",
    "Template",
]
