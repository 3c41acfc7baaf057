"""Lean runs: a Monte Carlo chunk that needs only metrics (and the lines it was asked for)
does not store the ledger lines nobody reads.

Each stage module declares its ``DETAIL`` lines next to the code that records them: lines
only the tables, the workbook and the reports show. A lean run computes the stage as
usual but does not keep those arrays; the ledger still counts them as recorded (``in``), so
no branch changes, and reading one raises ``KeyError`` naming it, so a declaration that is
wrong fails loudly instead of changing a figure (``tests/test_lean.py`` runs every bundled
model and scenario lean and full and compares every metric and check).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache

from renewfin.core import (
    cashflow,
    depreciation,
    exit,
    investment,
    opex,
    revenue,
    tax,
    working_capital,
)
from renewfin.financing import stage

STAGES = (investment, revenue, opex, tax, working_capital, depreciation, exit, cashflow, stage)
"""The stage modules whose ``DETAIL`` lines a lean run leaves out."""


@cache
def _detail_pattern() -> re.Pattern[str]:
    patterns = [p for m in STAGES for p in m.DETAIL]
    return re.compile("|".join(re.escape(p).replace(r"\*", ".*") for p in patterns))


def detail_lines(ids: Iterable[str]) -> list[str]:
    """Those of ``ids`` that a lean run does not store."""
    pattern = _detail_pattern()
    return [i for i in ids if pattern.fullmatch(i)]


def skip(keep: Iterable[str] = ()) -> Callable[[str], bool]:
    """The ledger's rule in a lean run: leave out a declared ``DETAIL`` line unless it is
    one of ``keep`` (the lines a Monte Carlo was asked for)."""
    pattern = _detail_pattern()
    kept = frozenset(keep)
    return lambda id: id not in kept and pattern.fullmatch(id) is not None
