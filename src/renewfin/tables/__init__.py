"""The standard evaluation tables of 《建设项目经济评价方法与参数》(第三版).

Each table is a pandas DataFrame for one scenario of a run, read from the ledger
(``DESIGN.md`` §2: the tables recompute nothing the ledger holds). Layout:

- the index holds a stable row key (the ledger id where the row is one ledger line,
  e.g. ``revenue.total``; otherwise a short English key such as ``uses.total``);
- ``序号`` the row number in the textbook style (``1``, ``1.1``, ``1.1.1``; empty for
  memo rows "其中：…"), ``项目`` and ``Item`` the Chinese and English headings;
- ``合计 Total`` the sum over the years shown, for flows only (NaN for balances,
  ratios and heading rows);
- one column per model year, labelled by the calendar year its first period starts in
  (``"2026"``). Sub-annual periods are summed for flows; balances take the value at the
  end of the year and opening balances the value at its start.

``df.attrs`` carries ``id``, ``title_zh``, ``title_en``, ``unit`` (the money unit),
``scenario``, ``kinds`` (row key → ``flow`` | ``balance`` | ``ratio`` | ``heading``),
``formulas`` (row key → ``("flow" | "end" | "start", terms)`` for rows that are a signed
sum of ledger lines, optionally masked by a flag line — the workbook writes those rows as
formulas) and, for tables that report headline indicators (IRR, NPV, coverage multiples …),
``indicators``: key → ``{"zh", "en", "value", "unit"}``; ``indicators(df)`` turns them
into a small footer DataFrame. Ratios are plain fractions or multiples (0.25, not 25 %).

Public API: one function per table (``investment_estimate`` … ``bond_balance``), each
``f(result, scenario=0) -> DataFrame``; the registry ``TABLES`` (id → ``TableInfo``:
Chinese title, English title, function); ``standard_tables(result, scenario=0)`` builds
them all, keyed by id in textbook order.

The package: ``sheet`` (the columns, ``Term`` / ``Lines`` / ``Formula``, the table under
construction and the titles), ``readings`` (readings of the ledger several tables share),
``investment`` (tables 1–3), ``operations`` (4–6), ``debt`` (7 and 13), ``statements`` (8
and 12) and ``cash_flows`` (9–11).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import pandas as pd

from renewfin.tables.cash_flows import equity_cash_flow, financial_plan, project_cash_flow
from renewfin.tables.debt import bond_balance, debt_service
from renewfin.tables.investment import construction_interest, investment_estimate, investment_plan
from renewfin.tables.operations import OTHER_TAXES, depreciation, revenue_and_taxes, total_cost
from renewfin.tables.readings import VAT_REFUND, WC_INVESTMENT, WC_RECOVERY
from renewfin.tables.sheet import (
    AND,
    BALANCE,
    EN,
    FLOW,
    HEADING,
    INPUT,
    LAG,
    NO,
    POSITIVE,
    RATIO,
    SHARE,
    TITLES,
    TOTAL,
    VAT,
    ZH,
    C,
    Formula,
    Lines,
    Term,
    indicators,
    lagged,
    positive,
)
from renewfin.tables.statements import balance_sheet, profit_and_distribution

if TYPE_CHECKING:
    from renewfin.engine import Result

__all__ = [
    "AND",
    "BALANCE",
    "EN",
    "FLOW",
    "HEADING",
    "INPUT",
    "LAG",
    "NO",
    "OTHER_TAXES",
    "POSITIVE",
    "RATIO",
    "SHARE",
    "TABLES",
    "TITLES",
    "TOTAL",
    "VAT",
    "VAT_REFUND",
    "WC_INVESTMENT",
    "WC_RECOVERY",
    "ZH",
    "C",
    "Formula",
    "Lines",
    "TableInfo",
    "Term",
    "balance_sheet",
    "bond_balance",
    "construction_interest",
    "debt_service",
    "depreciation",
    "equity_cash_flow",
    "financial_plan",
    "indicators",
    "investment_estimate",
    "investment_plan",
    "lagged",
    "positive",
    "profit_and_distribution",
    "project_cash_flow",
    "revenue_and_taxes",
    "standard_tables",
    "total_cost",
]


class TableInfo(NamedTuple):
    """A standard table: its titles and the function that builds it."""

    zh: str
    """Chinese title (as in 《建设项目经济评价方法与参数》(第三版))."""
    en: str
    """English title."""
    build: Callable[[Result, int], pd.DataFrame]
    """``build(result, scenario)``."""


_BUILDERS: dict[str, Callable[[Result, int], pd.DataFrame]] = {
    "investment_estimate": investment_estimate,
    "construction_interest": construction_interest,
    "investment_plan": investment_plan,
    "revenue_and_taxes": revenue_and_taxes,
    "total_cost": total_cost,
    "depreciation": depreciation,
    "debt_service": debt_service,
    "profit_and_distribution": profit_and_distribution,
    "project_cash_flow": project_cash_flow,
    "equity_cash_flow": equity_cash_flow,
    "financial_plan": financial_plan,
    "balance_sheet": balance_sheet,
    "bond_balance": bond_balance,
}

TABLES: dict[str, TableInfo] = {
    key: TableInfo(zh, en, _BUILDERS[key]) for key, (zh, en) in TITLES.items()
}
"""The standard tables in textbook order: id → (Chinese title, English title, function)."""


def standard_tables(result: Result, scenario: int = 0) -> dict[str, pd.DataFrame]:
    """Every standard table of one scenario, keyed by the ids of ``TABLES`` in order."""
    return {key: info.build(result, scenario) for key, info in TABLES.items()}
