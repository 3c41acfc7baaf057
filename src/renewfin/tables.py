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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from renewfin import finance
from renewfin.core.concession import handed_back_at
from renewfin.core.investment import (
    CATEGORY_ZH,
    credited_vat_per_gross,
    deed_taxed,
    input_vat_credit_share,
)
from renewfin.metrics import PROJECT_RETURNS, metric_info
from renewfin.metrics_funding import cn_numerators, test_years
from renewfin.ratios import safe_ratio, shown, window
from renewfin.spec.investment import InvestmentCategory
from renewfin.spec.model import default_asset_class
from renewfin.spec.opex import OpexBasis
from renewfin.spec.tax import resolve_tax

if TYPE_CHECKING:
    from renewfin.engine import Result

__all__ = [
    "EN",
    "NO",
    "SHARE",
    "TABLES",
    "TOTAL",
    "VAT",
    "ZH",
    "Lines",
    "TableInfo",
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
    "profit_and_distribution",
    "project_cash_flow",
    "revenue_and_taxes",
    "standard_tables",
    "total_cost",
]

NO = "序号"
"""Column of row numbers (``1``, ``1.1`` …)."""
ZH = "项目"
"""Column of Chinese headings."""
EN = "Item"
"""Column of English headings."""
TOTAL = "合计 Total"
"""Column of totals over the years shown (flows only)."""
VAT = "其中：可抵扣进项税额 Input VAT"
"""Investment estimate: deductible input VAT included in each amount."""
SHARE = "占建设投资比例 Share"
"""Investment estimate: share of construction investment (a fraction)."""

FLOW, BALANCE, RATIO, HEADING = "flow", "balance", "ratio", "heading"
C = "flag.construction"
"""The ledger flag of construction periods (1 in construction, else 0)."""
LAG = "lag:"
"""Prefix of a term's line id: the line's value in the previous period (0 in the first)."""
POSITIVE = "pos:"
"""Prefix of a term's flag: 1 where the line named after the prefix is positive, else 0."""
INPUT = "in:"
"""Prefix of a term's flag: a scalar input of the workbook named after the prefix (its
value in ``attrs["params"]`` of the table)."""
AND = "&"
"""Joins the flags of a term counted only where all of them apply (their product)."""


# --------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------


Term = tuple[float, str, str | None]
"""``(coefficient, ledger id, flag id or None)``: coefficient × flag × line, per period.
The id may be ``LAG`` + id (the previous period's value); the flag may be several joined
by ``AND``, each a flag line, ``POSITIVE`` + id or ``INPUT`` + input path."""


def lagged(id: str) -> str:
    """The term id of line ``id``'s value in the previous period."""
    return LAG + id


def positive(id: str) -> str:
    """The flag that is 1 where line ``id`` is positive."""
    return POSITIVE + id


@dataclass(frozen=True)
class Lines:
    """A signed sum of ledger lines, each optionally masked by a 0/1 flag line
    (Σ coefficient · flag · line, per period). A row built from one records it, so that
    the workbook rebuilds the row as a formula on those lines instead of a number."""

    terms: tuple[Term, ...] = ()

    def __add__(self, other: Lines) -> Lines:
        return Lines(self.terms + other.terms)

    def __neg__(self) -> Lines:
        return Lines(tuple((-c, i, m) for c, i, m in self.terms))

    def __sub__(self, other: Lines) -> Lines:
        return self + (-other)

    def masked(self, flag: str) -> Lines:
        """The same lines counted only in periods where ``flag`` is 1 (and where any flag
        they already carry applies)."""
        return Lines(tuple((c, i, flag if m is None else m + AND + flag) for c, i, m in self.terms))


Formula = tuple[str, tuple[Term, ...]]
"""How a row derives: from ledger lines, ``("flow" | "end" | "start" | "upto", terms)``
(``upto``: the running total of flows to the year end); from rows
of its table, ``("rows", terms)`` (a signed sum, ids are row keys) or ``("cumsum",
((1.0, key, None),))`` (the running total of one row), ``("lag", ((1.0, key, None),))``
(the row's value in the year before, 0 in the first) or ``("reserve", ((1.0, net, None),
(1.0, available, None)))`` (the statutory reserve rate × max(min(net, available), 0))."""


@dataclass
class _Row:
    key: str
    zh: str
    en: str
    values: np.ndarray
    """(Y,) values by model year (NaN for a heading)."""
    kind: str
    level: int
    numbered: bool
    formula: Formula | None = None


def _as_lines(x: np.ndarray | str | Lines) -> Lines | None:
    """A ledger id or Lines as Lines; None for a computed series."""
    if isinstance(x, str):
        return Lines(((1.0, x, None),))
    return x if isinstance(x, Lines) else None


def _numbers(rows: list[tuple[int, bool]]) -> list[str]:
    """Textbook row numbers from (level, numbered) pairs: 1, 1.1, 1.1.1, 1.2, 2 …"""
    counters: list[int] = []
    out = []
    for level, numbered in rows:
        if not numbered:
            out.append("")
            continue
        counters = counters[: level + 1]
        counters += [0] * (level + 1 - len(counters))
        counters[level] += 1
        out.append(".".join(str(c) for c in counters))
    return out


@dataclass
class _Sheet:
    """One table under construction: period access to the ledger for one scenario, year
    aggregation, and the rows added so far."""

    result: Result
    scenario: int
    table_id: str
    rows: list[_Row] = field(default_factory=list)
    indicators: dict[str, dict[str, object]] = field(default_factory=dict)
    params: dict[str, tuple[float, str, str]] = field(default_factory=dict)
    """Scalar inputs the rows' formulas scale by (``INPUT``): path → (value, zh, en)."""

    def __post_init__(self) -> None:
        n = self.result.n_scenarios
        if not 0 <= self.scenario < n:
            raise IndexError(f"scenario {self.scenario} out of range: the run has {n}")
        tl = self.result.timeline
        self.ppy = tl.ppy
        self.n_periods = tl.n_periods
        self.year = np.arange(self.n_periods) // self.ppy
        self.n_years = int(self.year[-1]) + 1
        self.first = np.arange(self.n_years) * self.ppy
        self.last = np.minimum(self.first + self.ppy, self.n_periods) - 1
        starts = tl.starts
        self.labels = [str(starts[int(f)].year) for f in self.first]

    # -- period series of the scenario ------------------------------------------------
    def p(self, id: str) -> np.ndarray:
        """Ledger line ``id`` for this scenario, (T,)."""
        return np.array(self.result.ledger[id][self.scenario], dtype=float)

    def opt(self, id: str) -> np.ndarray:
        """Like ``p`` for a line that only some runs record (zeros when absent)."""
        if id in self.result.ledger:
            return self.p(id)
        return np.zeros(self.n_periods)

    def ids(self, prefix: str, suffix: str) -> list[str]:
        """Names ``x`` of ledger ids ``{prefix}x{suffix}``, in recording order."""
        return [
            i[len(prefix) : -len(suffix)]
            for i in self.result.ledger.ids(prefix=prefix)
            if i.endswith(suffix)
        ]

    def zeros(self) -> np.ndarray:
        """A (T,) series of zeros."""
        return np.zeros(self.n_periods)

    def nonzero(self, x: np.ndarray | str | Lines) -> bool:
        """Whether a ledger line, Lines sum or series is non-zero in any period (rows a
        run does not need are left out)."""
        if isinstance(x, str) and x not in self.result.ledger:
            return False
        return bool(np.any(np.abs(self.series(x)) > 1e-12))

    def lines(self, *ids: str, optional: bool = False) -> Lines:
        """The sum of ledger lines ``ids`` (with ``optional``, lines absent from the run
        are left out, as zeros)."""
        led = self.result.ledger
        for i in ids:
            if not optional and i not in led:
                raise KeyError(f"ledger has no line {i!r}")
        return Lines(tuple((1.0, i, None) for i in ids if i in led))

    def series(self, x: np.ndarray | str | Lines) -> np.ndarray:
        """A (T,) series from a ledger id, a Lines sum or a series."""
        if isinstance(x, str):
            return self.p(x)
        if isinstance(x, Lines):
            out = self.zeros()
            for c, i, m in x.terms:
                line = _lagged(self.p(i.removeprefix(LAG))) if i.startswith(LAG) else self.p(i)
                out += c * line * self.flag(m)
            return out
        return np.asarray(x, dtype=float)

    def flag(self, m: str | None) -> np.ndarray | float:
        """The value of a term's flag ``m`` (``Term``), (T,) or a scalar; 1 for None."""
        out: np.ndarray | float = 1.0
        for part in m.split(AND) if m is not None else ():
            if part.startswith(POSITIVE):
                out = out * (self.p(part.removeprefix(POSITIVE)) > 0.0)
            elif part.startswith(INPUT):
                out = out * self.params[part.removeprefix(INPUT)][0]
            else:
                out = out * self.p(part)
        return out

    def param(self, path: str, value: float, zh: str, en: str) -> str:
        """Record the scalar input ``path`` (``value``, labels) that the workbook writes
        for this table's formulas; return its flag (``INPUT`` + path)."""
        self.params[path] = (float(value), zh, en)
        return INPUT + path

    # -- year aggregation ---------------------------------------------------------------
    def flow(self, x: np.ndarray | str | Lines) -> np.ndarray:
        """Sum of a flow over each model year, (Y,)."""
        return np.bincount(self.year, weights=self.series(x), minlength=self.n_years)

    def end(self, x: np.ndarray | str | Lines) -> np.ndarray:
        """A balance at the end of each model year, (Y,)."""
        return self.series(x)[self.last]

    def start(self, x: np.ndarray | str | Lines) -> np.ndarray:
        """A balance at the start of each model year (an opening line), (Y,)."""
        return self.series(x)[self.first]

    def years_with(self, mask: np.ndarray) -> list[int]:
        """Model years in which any period of ``mask`` (T,) is set."""
        return sorted({int(y) for y in self.year[np.asarray(mask) > 0]})

    # -- rows -------------------------------------------------------------------------
    def _add(
        self,
        key: str,
        zh: str,
        en: str,
        values: np.ndarray,
        kind: str,
        level: int,
        numbered: bool,
        formula: Formula | None = None,
    ) -> np.ndarray:
        if any(r.key == key for r in self.rows):
            raise KeyError(f"row {key!r} added twice to {self.table_id}")
        row = _Row(key, zh, en, np.asarray(values, dtype=float), kind, level, numbered, formula)
        self.rows.append(row)
        return row.values

    def add_flow(
        self,
        key: str,
        zh: str,
        en: str,
        x: np.ndarray | str | Lines | None = None,
        level: int = 0,
        numbered: bool = True,
    ) -> np.ndarray:
        """A flow row from a ledger id (``x`` None: the id is ``key``), a Lines sum or a
        (T,) series (a row the workbook shows as a number)."""
        src = _as_lines(key if x is None else x)
        values = self.flow(src if src is not None else x)  # type: ignore[arg-type]
        formula = ("flow", src.terms) if src is not None else None
        return self._add(key, zh, en, values, FLOW, level, numbered, formula)

    def add_balance(
        self,
        key: str,
        zh: str,
        en: str,
        x: np.ndarray | str | Lines | None = None,
        level: int = 0,
        numbered: bool = True,
        opening: bool = False,
        kind: str = BALANCE,
    ) -> np.ndarray:
        """A balance row (year-end value, or year-start value when ``opening``; ``kind``
        RATIO for a ratio line of the ledger)."""
        src = _as_lines(key if x is None else x)
        series = src if src is not None else x
        values = self.start(series) if opening else self.end(series)  # type: ignore[arg-type]
        how = "start" if opening else "end"
        formula = (how, src.terms) if src is not None else None
        return self._add(key, zh, en, values, kind, level, numbered, formula)

    def add_running(
        self, key: str, zh: str, en: str, x: Lines, level: int = 0, numbered: bool = True
    ) -> np.ndarray:
        """A balance row: the running total of flow ``x`` from the first period to each
        year end."""
        values = np.cumsum(self.series(x))[self.last]
        return self._add(key, zh, en, values, BALANCE, level, numbered, ("upto", x.terms))

    def add_yearly(
        self,
        key: str,
        zh: str,
        en: str,
        values: np.ndarray,
        kind: str,
        level: int = 0,
        numbered: bool = True,
        formula: Formula | None = None,
    ) -> np.ndarray:
        """A row of values already by model year, (Y,), with the formula (on rows of this
        table) that computes them, if any."""
        return self._add(key, zh, en, values, kind, level, numbered, formula)

    def add_sum(
        self,
        key: str,
        zh: str,
        en: str,
        plus: list[str],
        minus: list[str] | None = None,
        level: int = 0,
        numbered: bool = True,
        kind: str = FLOW,
    ) -> None:
        """A row (a flow, or a balance of balances) that is the sum of rows ``plus`` less
        rows ``minus`` of this table, which may be added before or after it (the workbook
        writes it as a sum of those rows). Its values are filled in when the table is
        framed."""
        terms = tuple((1.0, k, None) for k in plus) + tuple((-1.0, k, None) for k in minus or ())
        self._add(key, zh, en, np.full(self.n_years, np.nan), kind, level, numbered)
        self.rows[-1].formula = ("rows", terms)

    def add_cumulative(self, key: str, zh: str, en: str, of: str, level: int = 0) -> None:
        """The running total over the years of flow row ``of`` (a balance; filled in when
        the table is framed)."""
        self._add(key, zh, en, np.full(self.n_years, np.nan), BALANCE, level, True)
        self.rows[-1].formula = ("cumsum", ((1.0, of, None),))

    def _values(self, key: str, seen: tuple[str, ...] = ()) -> np.ndarray:
        """Values of row ``key``, computing sum and running-total rows from their rows."""
        row = next((r for r in self.rows if r.key == key), None)
        if row is None:
            raise KeyError(f"{self.table_id} has no row {key!r}")
        if key in seen:
            raise ValueError(f"{self.table_id}: row {key!r} sums itself")
        how = row.formula[0] if row.formula else None
        if how == "rows":
            terms = row.formula[1]  # type: ignore[index]
            row.values = sum(
                (c * self._values(k, (*seen, key)) * self.flag(m) for c, k, m in terms),
                np.zeros(self.n_years),
            )
        elif how == "cumsum":
            row.values = np.cumsum(self._values(row.formula[1][0][1], (*seen, key)))  # type: ignore[index]
        return row.values

    def heading(self, key: str, zh: str, en: str, level: int = 0) -> None:
        """A heading row without values."""
        self._add(key, zh, en, np.full(self.n_years, np.nan), HEADING, level, True)

    def indicator(
        self,
        key: str,
        value: float,
        zh: str | None = None,
        en: str | None = None,
        unit: str | None = None,
    ) -> None:
        """A headline indicator for ``attrs["indicators"]``; labels default to the metric's."""
        info = metric_info(key)
        self.indicators[key] = {
            "zh": zh or info.zh,
            "en": en or info.en,
            "value": float(value),
            "unit": unit or info.unit,
        }

    def metric(self, key: str) -> None:
        """Report ``result.values[key]`` of this scenario as an indicator (NaN if absent)."""
        v = self.result.values.get(key)
        self.indicator(key, float(v[self.scenario]) if v is not None else np.nan)

    # -- output -------------------------------------------------------------------------
    def frame(self, years: list[int] | None = None) -> pd.DataFrame:
        """The table as a DataFrame, with year columns for ``years`` (default all)."""
        ys = list(range(self.n_years)) if years is None else years
        for r in self.rows:
            self._values(r.key)
        nums = _numbers([(r.level, r.numbered) for r in self.rows])
        records = []
        for num, r in zip(nums, self.rows, strict=True):
            vals = r.values[ys] if ys else np.zeros(0)
            total = float(vals.sum()) if r.kind == FLOW else np.nan
            records.append(
                {
                    NO: num,
                    ZH: r.zh,
                    EN: r.en,
                    TOTAL: total,
                    **{self.labels[y]: float(v) for y, v in zip(ys, vals, strict=True)},
                }
            )
        columns = [NO, ZH, EN, TOTAL, *(self.labels[y] for y in ys)]
        df = pd.DataFrame(
            records, columns=columns, index=pd.Index([r.key for r in self.rows], name="key")
        )
        self._attrs(df)
        df.attrs["kinds"] = {r.key: r.kind for r in self.rows}
        df.attrs["formulas"] = {r.key: r.formula for r in self.rows if r.formula is not None}
        df.attrs["params"] = dict(self.params)
        return df

    def _attrs(self, df: pd.DataFrame) -> None:
        info = TABLES[self.table_id]
        df.attrs.update(
            {
                "id": self.table_id,
                "title_zh": info.zh,
                "title_en": info.en,
                "unit": self.result.ledger.money_unit,
                "scenario": self.scenario,
            }
        )
        if self.indicators:
            df.attrs["indicators"] = self.indicators


def indicators(table: pd.DataFrame) -> pd.DataFrame:
    """The headline indicators a table carries in ``attrs["indicators"]`` as a footer
    DataFrame (index: indicator key; columns ``项目``, ``Item``, ``value``, ``unit``)."""
    items = table.attrs.get("indicators", {})
    rows = [
        {ZH: v["zh"], EN: v["en"], "value": v["value"], "unit": v["unit"]} for v in items.values()
    ]
    return pd.DataFrame(
        rows, columns=[ZH, EN, "value", "unit"], index=pd.Index(list(items), name="key")
    )


# --------------------------------------------------------------------------------------
# Shared readings of the ledger
# --------------------------------------------------------------------------------------


def _item_credited_vat(result: Result) -> dict[str, float]:
    """Input VAT credited per unit of each investment item's amount (incl. VAT): the
    item's own rate or the tax preset's rate for its category, times the share credited
    (``core.investment.input_vat_credit_share``: 0 for handed-over works or when every
    stream is on the simplified method), as the investment stage uses [fraction]."""
    spec = result.spec
    rates = resolve_tax(spec.tax, spec.project.city_tier)
    return {
        i.name: credited_vat_per_gross(
            i.input_vat_rate if i.input_vat_rate is not None else rates.capex_input_vat[i.category],
            input_vat_credit_share(spec, i),
        )
        for i in spec.investment
    }


def _capital_shares(result: Result) -> tuple[dict[str, bool], dict[str, float]]:
    """Which capital grants count as project capital, and each bond tranche's capital share
    (from the compiled funding plan, else from the spec)."""
    plan = result.plan
    if plan is not None:
        return dict(plan.grants_capital), {tr.name: tr.capital_share for tr in plan.bonds}
    fs = result.spec.funding
    grants = {
        f.name: f.counts_as_capital for f in fs.fiscal_funds if f.use.value == "capital_grant"
    }
    return grants, {b.name: b.capital_share for b in fs.special_bonds}


def _operating_cash_flow(sh: _Sheet) -> Lines:
    """Operating cash flow before financing and income tax: revenue + output VAT +
    operating subsidies + working capital recovered − operating costs − their input VAT −
    VAT payable − taxes and surcharges − working capital invested (the cash the funding
    stage counts as a construction-period source)."""
    return sh.lines(
        "revenue.total",
        "tax.output_vat",
        "fiscal.operating_subsidies",
        "wc.recovery",
        "tax.vat_refund",
    ) - sh.lines(
        "opex.total",
        "opex.input_vat",
        "tax.vat_payable",
        "tax.taxes_and_surcharges",
        "wc.investment",
    )


def _masked(sh: _Sheet, x: Lines | np.ndarray, flag: str) -> Lines | np.ndarray:
    """``x`` counted only where ``flag`` is 1 (Lines stay Lines)."""
    return x.masked(flag) if isinstance(x, Lines) else sh.p(flag) * x


def _outside_construction(x: Lines) -> Lines:
    """``x`` counted only outside construction periods."""
    return x - x.masked(C)


def _lagged(x: np.ndarray) -> np.ndarray:
    """The previous period's value of a balance (0 before the first period), (T,)."""
    return np.concatenate([[0.0], x[:-1]])


def _cash_change(id: str, sign: float) -> Lines:
    """``sign`` × the change of the cash line ``id`` in each period (its value less its
    value in the period before)."""
    return Lines(((sign, id, None), (-sign, lagged(id), None)))


def _expensed_construction_interest(sh: _Sheet) -> Lines:
    """Construction-period interest, net of interest subsidies, that is not IDC because it
    is interest on the investment of phases already in operation (expensed, issue 17.6):
    bond interest and loan interest rolled into the balances or paid in cash in
    construction, less ``finance.interest_capitalised``. Zero with a single phase."""
    return sh.lines("bond.interest", "loan.capitalised", "loan.idc_paid").masked(C) - sh.lines(
        "finance.interest_capitalised"
    )


def _paid_interest_loans(result: Result) -> set[str]:
    """Names of the loans that pay their construction interest in cash."""
    return {ln.name for ln in result.spec.funding.loans if ln.construction_interest.value == "paid"}


def _subsidised_loans(result: Result) -> set[str]:
    """Names of the loans that an interest subsidy (贴息) applies to."""
    return {
        f.loan
        for f in result.spec.funding.fiscal_funds
        if f.use.value == "interest_subsidy" and f.loan is not None
    }


def _ratio_rows(sh: _Sheet) -> np.ndarray:
    """The test years (fully in operation, held, not the year of a REIT exit), where the
    ratios are assessed (``metrics_funding.test_years``), (Y,) bool."""
    rows = test_years(sh.result.ledger, sh.ppy)
    return np.asarray(rows[min(sh.scenario, rows.shape[0] - 1)], dtype=bool)


# --------------------------------------------------------------------------------------
# 1. 建设投资估算表
# --------------------------------------------------------------------------------------


def investment_estimate(result: Result, scenario: int = 0) -> pd.DataFrame:
    """建设投资估算表 — construction investment by category and item.

    Static: amounts (VAT included, as spent over construction) in ``合计 Total``, the
    deductible input VAT they include in ``VAT``, and each row's share of construction
    investment in ``SHARE``; no year columns. Rows: 1 工程费用 (建安工程费, 设备购置费 and
    their items), 2 工程建设其他费用 (other costs and land items), 3 预备费 (基本预备费,
    涨价预备费), 4 建设投资合计 (``capex.total``). Input VAT per item uses the item's rate or
    the tax preset's rate for its category; their sum is ``capex.input_vat``.
    ``attrs["levels"]`` gives each row's level (a row sums the rows one level below it
    that follow it; 建设投资合计 sums the level-0 rows) and ``attrs["leaves"]`` the
    investment items each row without sub-rows shows.
    """
    sh = _Sheet(result, scenario, "investment_estimate")
    spec = result.spec
    credited = _item_credited_vat(result)
    amount = {i.name: sh.p(f"capex.item[{i.name}]").sum() for i in spec.investment}
    vat = {n: a * credited[n] for n, a in amount.items()}
    total = sh.p("capex.total").sum()
    rows: list[tuple[str, str, str, float, float, int]] = []
    leaves: dict[str, list[str]] = {}  # row key → investment items it shows (no sub-rows)

    def items_of(cat: InvestmentCategory) -> list[str]:
        return [i.name for i in spec.investment if i.category is cat]

    def item_rows(names: list[str], level: int) -> None:
        for n in names:
            it = result.ledger.item(f"capex.item[{n}]")
            rows.append((f"capex.item[{n}]", n, it.en, amount[n], vat[n], level))
            leaves[f"capex.item[{n}]"] = [n]

    def category_row(
        cat: InvestmentCategory, level: int, zh: str | None = None, items: bool = True
    ) -> None:
        names = items_of(cat)
        if not names:
            return
        rows.append(
            (
                f"capex.category[{cat.value}]",
                zh or CATEGORY_ZH[cat],
                cat.value.replace("_", " ").capitalize(),
                sum(amount[n] for n in names),
                sum(vat[n] for n in names),
                level,
            )
        )
        if items:
            item_rows(names, level + 1)
        else:
            leaves[rows[-1][0]] = names

    def group(
        key: str, zh: str, en: str, cats: list[InvestmentCategory], extra: float = 0.0
    ) -> None:
        names = [n for c in cats for n in items_of(c)]
        rows.append(
            (key, zh, en, sum(amount[n] for n in names) + extra, sum(vat[n] for n in names), 0)
        )

    deed = sh.p("capex.deed_tax").sum() if "capex.deed_tax" in result.ledger else 0.0

    C = InvestmentCategory
    group("engineering", "工程费用", "Engineering costs", [C.CONSTRUCTION, C.EQUIPMENT])
    category_row(C.CONSTRUCTION, 1)
    category_row(C.EQUIPMENT, 1, "设备及工器具购置费")
    group(
        "other_costs", "工程建设其他费用", "Other construction costs", [C.OTHER_COSTS, C.LAND], deed
    )
    item_rows(items_of(C.OTHER_COSTS), 1)
    category_row(C.LAND, 1, "建设用地及征拆补偿费")
    if "capex.deed_tax" in result.ledger:
        rows.append(("capex.deed_tax", "契税", "Deed tax on land", deed, 0.0, 1))
        leaves["capex.deed_tax"] = []
    price = sh.p("capex.price_contingency").sum()
    cont = items_of(C.CONTINGENCY)
    rows.append(
        (
            "contingencies",
            "预备费",
            "Contingencies",
            sum(amount[n] for n in cont) + price,
            sum(vat[n] for n in cont),
            0,
        )
    )
    category_row(C.CONTINGENCY, 1, "基本预备费", items=len(cont) > 1)
    if not cont:
        rows.append(("capex.category[contingency]", "基本预备费", "Basic contingency", 0.0, 0.0, 1))
        leaves["capex.category[contingency]"] = []
    rows.append(("capex.price_contingency", "涨价预备费", "Price contingency", price, 0.0, 1))
    leaves["capex.price_contingency"] = []
    rows.append(
        ("capex.total", "建设投资合计", "Construction investment", total, sum(vat.values()), 0)
    )

    nums = _numbers([(r[5], True) for r in rows])
    records = [
        {
            NO: num,
            ZH: zh,
            EN: en,
            TOTAL: float(a),
            VAT: float(v),
            SHARE: float(a / total) if abs(total) > 1e-12 else np.nan,
        }
        for num, (_, zh, en, a, v, _) in zip(nums, rows, strict=True)
    ]
    df = pd.DataFrame(
        records,
        columns=[NO, ZH, EN, TOTAL, VAT, SHARE],
        index=pd.Index([r[0] for r in rows], name="key"),
    )
    sh.metric("total_investment")
    sh._attrs(df)
    df.attrs["kinds"] = {r[0]: FLOW for r in rows}
    df.attrs["levels"] = {r[0]: r[5] for r in rows}
    df.attrs["leaves"] = leaves
    return df


# --------------------------------------------------------------------------------------
# 2. 建设期利息估算表
# --------------------------------------------------------------------------------------


def construction_interest(result: Result, scenario: int = 0) -> pd.DataFrame:
    """建设期利息估算表 — interest and financing fees during construction, by loan and bond.

    Columns: the construction years. Loan interest of construction periods is rolled into
    the loan balance (建设期利息资本化, q_j = (P_{j−1} + A_j / 2) · i with P including the
    interest already rolled), net of any interest subsidy (贴息). For each loan: opening
    balance, drawdown, interest accrued (``当期应计利息``, gross), the part paid by interest
    subsidies (memo, when the loan has one), interest capitalised into the balance
    (``loan[…].capitalised``), the construction interest paid in cash
    (``loan[…].idc_paid``: all of it for a loan with ``construction_interest: paid``, else
    the part that no longer fitted in the facility, shown when there is any), principal
    repaid, up-front and commitment fees, closing balance — so that opening + drawdown +
    capitalised − repaid = closing and accrued − subsidy = capitalised + paid in cash. For
    each bond tranche: opening balance, issue, principal, interest (paid from the
    construction sources or from own funds), issuance and payment fees, closing balance.
    With several phases, the construction-period interest on the investment of phases
    already in operation is expensed, not capitalised (issue 17.6): ``idc.expensed`` (shown
    when there is any) takes it off. Then the totals ``finance.interest_capitalised``
    (建设期利息 = bond interest + loan interest net of subsidies, rolled in or paid in cash,
    − ``idc.expensed``) and ``finance.fees_capitalised``. Interest and fees count only in
    construction periods; balances and principal are the year's own.
    """
    sh = _Sheet(result, scenario, "construction_interest")
    c = sh.p("flag.construction")
    subsidised = _subsidised_loans(result)
    paid_loans = _paid_interest_loans(result)
    for name in sh.ids("loan[", "].opening"):
        at = f"loan[{name}]"
        sh.heading(at, name, f"Loan: {name}")
        sh.add_balance(f"{at}.opening", "期初借款余额", "Opening balance", level=1, opening=True)
        sh.add_flow(f"{at}.draw", "当期借款", "Drawdown", level=1)
        accrued = sh.lines(f"{at}.interest").masked(C)
        sh.add_flow(
            f"{at}.accrued", "当期应计利息", "Interest accrued in construction", accrued, level=1
        )
        if name in subsidised:
            sh.add_flow(
                f"{at}.subsidy",
                "其中：财政贴息",
                "of which: paid by interest subsidies",
                accrued - sh.lines(f"{at}.capitalised", f"{at}.idc_paid"),
                level=1,
                numbered=False,
            )
        sh.add_flow(
            f"{at}.idc",
            "当期利息资本化（建设期利息）",
            "Interest capitalised into the balance (IDC)",
            f"{at}.capitalised",
            level=1,
        )
        if name in paid_loans:
            sh.add_flow(
                f"{at}.idc_paid",
                "当期现金支付的建设期利息",
                "Construction interest paid in cash",
                level=1,
            )
        elif sh.nonzero(f"{at}.idc_paid"):
            sh.add_flow(
                f"{at}.idc_paid",
                "当期现金支付的建设期利息（超出贷款额度）",
                "Construction interest paid in cash (beyond the facility)",
                level=1,
            )
        sh.add_flow(
            f"{at}.repaid",
            "当期还本",
            "Principal repaid",
            sh.lines(f"{at}.principal", f"{at}.prepayment"),
            level=1,
        )
        sh.add_flow(
            f"{at}.idc_fees",
            "其他融资费用",
            "Up-front and commitment fees",
            sh.lines(f"{at}.upfront_fee", f"{at}.commitment_fee").masked(C),
            level=1,
        )
        sh.add_balance(f"{at}.closing", "期末借款余额", "Closing balance", level=1)
    for name in sh.ids("bond[", "].opening"):
        at = f"bond[{name}]"
        sh.heading(at, f"专项债券：{name}", f"Special bond: {name}")
        sh.add_balance(f"{at}.opening", "期初余额", "Opening balance", level=1, opening=True)
        sh.add_flow(f"{at}.issue", "当期发行", "Issue", level=1)
        sh.add_flow(f"{at}.principal", "当期还本", "Principal repaid", level=1)
        sh.add_flow(
            f"{at}.idc",
            "当期利息（建设期利息）",
            "Interest during construction",
            sh.lines(f"{at}.interest").masked(C),
            level=1,
        )
        sh.add_flow(
            f"{at}.idc_fees",
            "发行及兑付费",
            "Issuance and payment fees",
            sh.lines(f"{at}.fees").masked(C),
            level=1,
        )
        sh.add_balance(f"{at}.closing", "期末余额", "Closing balance", level=1)
    expensed = _expensed_construction_interest(sh)
    if sh.nonzero(expensed):
        sh.add_flow(
            "idc.expensed",
            "减：已投入运营分期的利息（计入当期费用）",
            "less: interest on phases already in operation (expensed)",
            expensed,
        )
    sh.add_flow(
        "finance.interest_capitalised", "建设期利息合计", "Interest during construction (IDC)"
    )
    sh.add_flow(
        "finance.fees_capitalised", "建设期融资费用合计", "Financing fees during construction"
    )
    sh.add_flow(
        "total",
        "合计",
        "Total capitalised financing costs",
        sh.lines("finance.interest_capitalised", "finance.fees_capitalised"),
    )
    sh.metric("idc")
    return sh.frame(sh.years_with(c))


# --------------------------------------------------------------------------------------
# 3. 项目总投资使用计划与资金筹措表
# --------------------------------------------------------------------------------------


def investment_plan(result: Result, scenario: int = 0) -> pd.DataFrame:
    """项目总投资使用计划与资金筹措表 — uses and sources of funds in the construction years.

    Uses (``su.uses``): construction investment, IDC (``finance.interest_capitalised``:
    bond interest and the loan interest net of subsidies, rolled into the balances or paid
    in cash), loan interest paid by interest subsidies (贴息; it does not enter the total
    investment), the construction-period interest on phases already in operation (expensed,
    not IDC; with several phases), financing fees, the DSRA funded at completion
    (``funding.dsra_funding: construction``), and — when they fall in construction — debt
    principal repaid and income tax. Sources
    (``su.sources``): 项目资本金 (sponsor equity, state equity injections, the fund,
    capital grants counted as capital, the capital share of special bonds), 债务资金 (the
    rest of the bonds, loan drawings, loan interest capitalised into the balances), 其他资金
    (grants not counted as capital, operating cash flow, interest subsidies and interest on
    cash received in construction, cash on hand used). Every row counts construction
    periods only, so sources equal uses in every column.
    """
    sh = _Sheet(result, scenario, "investment_plan")
    c = sh.p("flag.construction")
    grant_capital, bond_share = _capital_shares(result)
    sh.add_flow("su.uses", "资金使用合计", "Total uses of funds")
    sh.add_flow(
        "capex.total",
        "建设投资",
        "Construction investment",
        sh.lines("capex.total").masked(C),
        level=1,
    )
    sh.add_flow(
        "finance.interest_capitalised", "建设期利息", "Interest during construction", level=1
    )
    sh.add_flow(
        "uses.subsidised_interest",
        "建设期贴息支付的利息",
        "Loan interest in construction paid by interest subsidies",
        sh.lines("loan.interest").masked(C) - sh.lines("loan.capitalised", "loan.idc_paid"),
        level=1,
    )
    expensed = _expensed_construction_interest(sh)
    if sh.nonzero(expensed):
        sh.add_flow(
            "uses.expensed_interest",
            "建设期已投入运营分期的利息（计入当期费用）",
            "Construction-period interest on phases in operation (expensed)",
            expensed,
            level=1,
        )
    sh.add_flow(
        "finance.fees_capitalised", "建设期融资费用", "Financing fees during construction", level=1
    )
    dsra = sh.lines("cash.dsra_change").masked(C)
    if sh.nonzero(dsra):
        sh.add_flow(
            "uses.dsra",
            "完工时存入偿债准备金（DSRA）",
            "Debt-service reserve funded at completion",
            dsra,
            level=1,
        )
    sh.add_flow(
        "uses.principal",
        "建设期偿还债务本金",
        "Debt principal repaid in construction",
        sh.lines("bond.principal", "loan.principal").masked(C),
        level=1,
    )
    sh.add_flow(
        "uses.income_tax",
        "建设期所得税",
        "Income tax paid in construction",
        sh.lines("tax.income_tax").masked(C),
        level=1,
    )
    sh.add_flow(
        "invest.project_total",
        "其中：项目总投资",
        "of which: total project investment",
        sh.lines("invest.project_total").masked(C),
        level=1,
        numbered=False,
    )

    capital_grants = sh.lines(
        *(f"fiscal.grant[{n}]" for n, cap in grant_capital.items() if cap), optional=True
    )
    other_grants = sh.lines("fiscal.grants") - capital_grants
    bond_capital = Lines(
        tuple(
            (1.0, f"bond[{n}].issue", sh.param(
                f"funding.special_bonds[{n}].capital_share", share, f"作资本金比例：{n}",
                f"Capital share: {n}"))
            for n, share in bond_share.items()
            if share > 0 and f"bond[{n}].issue" in result.ledger
        )
    )
    interest_income = sh.lines("finance.interest_income").masked(C)
    parts = {
        "equity.sponsor": ("股东资本金", "Sponsor equity", sh.lines("equity.sponsor")),
        "sources.injections": (
            "财政资本金注入",
            "State equity injections",
            sh.lines("fiscal.injections"),
        ),
        "sources.fund": ("城市更新基金出资", "Fund contribution", sh.lines("fund.contribution")),
        "sources.capital_grants": (
            "财政资本性补助（计入资本金）",
            "Capital grants counted as capital",
            capital_grants,
        ),
        "sources.bond_capital": (
            "专项债券（用作资本金）",
            "Special bonds used as capital",
            bond_capital,
        ),
        "sources.bonds": (
            "专项债券", "Special bonds (debt)", sh.lines("bond.issue") - bond_capital
        ),
        "loan.draw": ("银行贷款", "Loans drawn", sh.lines("loan.draw")),
        "loan.capitalised": (
            "建设期利息资本化（计入贷款）",
            "Loan interest capitalised",
            sh.lines("loan.capitalised"),
        ),
        "sources.other_grants": (
            "财政资本性补助（不计入资本金）",
            "Capital grants not counted as capital",
            other_grants,
        ),
        "sources.operating_cash": (
            "建设期经营净现金流量",
            "Operating cash flow in construction",
            _operating_cash_flow(sh),
        ),
        "sources.interest_subsidies": (
            "贴息资金",
            "Interest subsidies",
            sh.lines("fiscal.interest_subsidies"),
        ),
        "sources.interest_income": (
            "建设期利息收入",
            "Interest earned in construction",
            sh.lines("finance.interest_income"),
        ),
        "sources.cash_used": (
            "动用期初现金余额",
            "Cash on hand used (− retained)",
            # cash on hand, reserves excluded: a DSRA funded at completion is a use above
            _cash_change("cash.balance", -1.0),
        ),
    }
    sections = [
        (
            "sources.capital",
            "项目资本金",
            "Project capital",
            [
                "equity.sponsor",
                "sources.injections",
                "sources.fund",
                "sources.capital_grants",
                "sources.bond_capital",
            ],
        ),
        ("sources.debt", "债务资金", "Debt", ["sources.bonds", "loan.draw", "loan.capitalised"]),
        (
            "sources.other",
            "其他资金",
            "Other sources",
            [
                "sources.other_grants",
                "sources.operating_cash",
                "sources.interest_subsidies",
                *(["sources.interest_income"] if sh.nonzero(interest_income) else []),
                "sources.cash_used",
            ],
        ),
    ]
    sh.add_flow("su.sources", "资金筹措合计", "Total sources of funds")
    for key, zh, en, members in sections:
        sh.add_sum(key, zh, en, members, level=1)
        for m in members:
            mzh, men, series = parts[m]
            sh.add_flow(m, mzh, men, _masked(sh, series, C), level=2)
    sh.metric("total_project_investment")
    sh.metric("capital_ratio")
    return sh.frame(sh.years_with(c))


# --------------------------------------------------------------------------------------
# 4. 营业收入、税金及附加和增值税估算表
# --------------------------------------------------------------------------------------


WC_INVESTMENT = ("wc.investment", "流动资金", "Working capital invested")
"""The row of the working capital invested (第三版: 流动资金, an outflow)."""
WC_RECOVERY = ("wc.recovery", "回收流动资金", "Working capital recovered")
VAT_REFUND = ("tax.vat_refund", "增值税留抵退税", "Refund of the retained VAT credit")
"""The row of the 留抵退税 received (an inflow)."""
"""The row of the working capital recovered in the last period held (an inflow)."""


def revenue_and_taxes(result: Result, scenario: int = 0) -> pd.DataFrame:
    """营业收入、税金及附加和增值税估算表 — revenue by stream (excluding VAT), taxes and
    surcharges (VAT surcharges split into 城建税 / 教育费附加 / 地方教育附加 in proportion to
    their rates; property tax on rent and on value; 土地增值税 prepaid and settled, when a
    stream bears it), the other taxes (stamp duty on the loan contracts, with the fees; the
    taxes on a REIT exit's transfer, against its proceeds), and VAT (output, of which on the
    exit, input from construction and operation, payable, input VAT carried forward at year
    end)."""
    sh = _Sheet(result, scenario, "revenue_and_taxes")
    spec = result.spec
    sh.add_flow("revenue.total", "营业收入", "Operating revenue")
    for r in spec.revenues:
        it = result.ledger.item(f"revenue.stream[{r.name}]")
        sh.add_flow(it.id, it.zh, it.en, level=1)

    sh.add_flow("tax.taxes_and_surcharges", "税金及附加", "Taxes and surcharges")
    surcharges = sh.add_flow("tax.surcharges", "增值税附加", "VAT surcharges", level=1)
    rates = resolve_tax(spec.tax, spec.project.city_tier)
    if rates.surcharge > 0:
        for key, zh, en, rate in (
            (
                "tax.urban_maintenance",
                "城市维护建设税",
                "Urban maintenance and construction tax",
                rates.urban_maintenance,
            ),
            ("tax.education", "教育费附加", "Education surcharge", rates.education),
            (
                "tax.local_education",
                "地方教育附加",
                "Local education surcharge",
                rates.local_education,
            ),
        ):
            name = key.removeprefix("tax.")
            share = sh.param(f"xl.surcharge_share[{name}]", rate / rates.surcharge,
                             f"{zh}占增值税附加比例（由预设税率计算）",
                             f"Share of the VAT surcharges: {en} (from the preset rates)")
            sh.add_yearly(key, zh, en, surcharges * rate / rates.surcharge, FLOW, level=2,
                          formula=("rows", ((1.0, "tax.surcharges", share),)))
    sh.add_flow("tax.property_rental", "房产税（从租计征）", "Property tax on rent", level=1)
    sh.add_flow("tax.property_ad_valorem", "房产税（从价计征）", "Property tax on value", level=1)
    sh.add_flow("tax.land_use", "城镇土地使用税", "Urban land-use tax", level=1)
    sh.add_flow("tax.stamp_duty", "印花税", "Stamp duty", level=1)
    sh.add_flow("tax.stamp_lease", "租赁合同", "leases", level=2)
    sh.add_flow("tax.stamp_construction", "建设工程及采购合同", "construction contracts", level=2)
    sh.add_flow("tax.stamp_transfer", "产权转移书据", "transfer deeds", level=2)
    if "tax.land_appreciation" in result.ledger:
        sh.add_flow("tax.land_appreciation", "土地增值税", "Land appreciation tax", level=1)
        sh.add_flow("tax.lat_prepaid", "预缴", "prepaid", level=2)
        sh.add_flow("tax.lat_settlement", "清算补（退）税", "settled (refund < 0)", level=2)
    _other_taxes(sh)

    sh.add_flow("tax.vat_payable", "增值税（应纳税额）", "VAT payable")
    sh.add_flow("tax.output_vat", "销项税额", "Output VAT", level=1)
    if sh.nonzero("tax.exit_output_vat"):
        sh.add_flow("tax.exit_output_vat", "其中：资产转让（退出）", "of which: exit transfer",
                    level=2, numbered=False)
    sh.add_flow("tax.input_vat", "进项税额", "Input VAT", level=1)
    sh.add_flow("capex.input_vat", "建设投资进项税额", "on construction investment", level=2)
    sh.add_flow("opex.input_vat", "经营成本进项税额", "on operating costs", level=2)
    if sh.nonzero("tax.vat_refund"):
        sh.add_flow(*VAT_REFUND, level=1)
    sh.add_balance("tax.vat_credit", "期末留抵进项税额", "Input VAT carried forward", level=1)
    return sh.frame()


OTHER_TAXES = (
    ("tax.stamp_loan", "印花税：借款合同（计入融资费用）",
     "Stamp duty: loan contracts (in the fees)"),
    ("tax.exit_surcharges", "资产转让增值税附加（退出）", "VAT surcharges on the exit transfer"),
    ("tax.exit_stamp_duty", "印花税：资产转让产权转移书据（退出）",
     "Stamp duty on the exit's transfer deed"),
    ("tax.exit_lat", "土地增值税（退出，旧房转让）", "Land appreciation tax on the exit"),
)
"""The taxes outside 税金及附加: stamp duty on the loan contracts (with the loan fees) and the
taxes on a REIT exit's transfer (against the proceeds, 固定资产清理); the exit's VAT is in
the output VAT."""


def _other_taxes(sh: _Sheet) -> None:
    """The rows of ``OTHER_TAXES`` a run bears, under their total."""
    ids = [id for id, *_ in OTHER_TAXES if sh.nonzero(id)]
    if not ids:
        return
    sh.add_flow("tax.other", "其他税费（不计入税金及附加）",
                "Other taxes (not in taxes and surcharges)", sh.lines(*ids))
    for id, zh, en in OTHER_TAXES:
        if id in ids:
            sh.add_flow(id, zh, en, level=1)


# --------------------------------------------------------------------------------------
# 5. 总成本费用估算表
# --------------------------------------------------------------------------------------


def total_cost(result: Result, scenario: int = 0) -> pd.DataFrame:
    """总成本费用估算表 — operating costs (经营成本) by item, depreciation and amortisation
    (including capitalised financing costs, ``dep_fin.total``), interest expense (bond and
    loan interest outside construction and, with several phases, the construction-period
    interest on the phases already in operation), financing fees expensed, and total cost
    (``pl.total_cost``), split into variable costs (operating items proportional to revenue
    or to a revenue driver) and fixed costs (the rest)."""
    sh = _Sheet(result, scenario, "total_cost")
    sh.add_flow("opex.total", "经营成本", "Operating costs")
    for o in result.spec.opex:
        it = result.ledger.item(f"opex.item[{o.name}]")
        sh.add_flow(it.id, it.zh, it.en, level=1)
    if "opex.vat_not_creditable" in result.ledger:
        it = result.ledger.item("opex.vat_not_creditable")
        sh.add_flow(it.id, it.zh, it.en, level=1)
    if "opex.safety" in result.ledger:
        sh.add_flow(
            "opex.safety",
            "其中：全生命周期安全费用",
            "of which: whole-life safety costs",
            level=1,
            numbered=False,
        )
    sh.add_flow("dep_fin.total", "折旧摊销费", "Depreciation and amortisation")
    sh.add_flow("finance.interest_expensed", "利息支出", "Interest expense")
    sh.add_flow(
        "interest.bond",
        "专项债券利息",
        "Special-bond interest",
        _outside_construction(sh.lines("bond.interest")),
        level=1,
    )
    sh.add_flow(
        "interest.loan",
        "贷款利息",
        "Loan interest",
        _outside_construction(sh.lines("loan.interest")),
        level=1,
    )
    in_construction = sh.lines("finance.interest_expensed").masked(C)
    if sh.nonzero(in_construction):
        sh.add_flow(
            "interest.construction",
            "建设期已投入运营分期的利息",
            "Construction-period interest on phases in operation",
            in_construction,
            level=1,
        )
    sh.add_flow("finance.fees_expensed", "融资费用", "Financing fees")
    sh.add_flow("pl.total_cost", "总成本费用合计", "Total cost")
    variable = sh.lines(
        *(
            f"opex.item[{o.name}]"
            for o in result.spec.opex
            if o.basis is OpexBasis.REVENUE_SHARE
            or (o.basis is OpexBasis.PER_UNIT and o.driver is not None)
        )
    )
    sh.add_flow(
        "cost.variable",
        "其中：可变成本",
        "of which: variable costs",
        variable,
        level=1,
        numbered=False,
    )
    sh.add_flow(
        "cost.fixed",
        "其中：固定成本",
        "of which: fixed costs",
        sh.lines("pl.total_cost") - variable,
        level=1,
        numbered=False,
    )
    return sh.frame()


# --------------------------------------------------------------------------------------
# 6. 折旧摊销估算表
# --------------------------------------------------------------------------------------


def _original_values(result: Result, sh: _Sheet) -> dict[str, float]:
    """Original value of each asset class excluding deductible input VAT, before
    capitalised financing costs: the items' amounts net of VAT, by the class each item
    capitalises into, plus the price contingency in its class [money]. Works handed over
    to residents or the government are not company assets."""
    spec = result.spec
    credited = _item_credited_vat(result)
    out: dict[str, float] = {}
    for i in spec.investment:
        if not i.ownership.kept:
            continue
        cls = i.asset_class or default_asset_class(i.category)
        net = sh.p(f"capex.item[{i.name}]").sum() * (1.0 - credited[i.name])
        out[cls] = out.get(cls, 0.0) + net
    pc = spec.price_contingency.asset_class or "building"
    out[pc] = out.get(pc, 0.0) + sh.p("capex.price_contingency").sum()
    if "capex.deed_tax" in result.ledger:  # 契税 capitalised into the land it is paid on
        rates = resolve_tax(spec.tax, spec.project.city_tier)
        items = {i.name: i for i in spec.investment}
        for n in deed_taxed(spec):
            it = items[n]
            vat = it.input_vat_rate
            if vat is None:
                vat = rates.capex_input_vat[it.category]
            cls = it.asset_class or default_asset_class(it.category)
            paid = sh.p(f"capex.item[{n}]").sum() / (1.0 + vat) * rates.deed
            out[cls] = out.get(cls, 0.0) + paid
    return out


def depreciation(result: Result, scenario: int = 0) -> pd.DataFrame:
    """折旧摊销估算表 — by asset class: original value, charge for the year and net book
    value at year end, then the totals.

    Original values exclude deductible input VAT and include the capitalised financing
    costs (IDC and fees), allocated to classes in proportion to their values; charges are
    the ledger's ``dep.class[…]`` scaled to ``dep_fin.total`` (the engine spreads financing
    costs over all assets in proportion to value). Original value and net book value show
    while the class is in service and held (0 before it enters service and after a REIT
    exit or, for a concession, from the hand-back on); the total net book value equals
    ``bs.fixed_assets`` once construction is over.
    """
    sh = _Sheet(result, scenario, "depreciation")
    pre, fin = sh.p("dep.total"), sh.p("dep_fin.total")
    scale = np.divide(fin, pre, out=np.zeros_like(fin), where=np.abs(pre) > 1e-12)
    ov = _original_values(result, sh)
    ov_total = sum(ov.values())
    capitalised = (sh.p("finance.interest_capitalised") + sh.p("finance.fees_capitalised")).sum()
    uplift = 1.0 + (capitalised / ov_total if abs(ov_total) > 1e-12 else 0.0)
    held = sh.p("flag.held") - sh.opt("reit.flag_exit")
    handed = handed_back_at(result.spec, result.timeline)
    if handed is not None:  # a concession's assets, handed back at the end of period handed
        held = held * (np.arange(result.timeline.n_periods) < handed)

    def block(key: str, zh: str, en: str, original: float, charge: np.ndarray | str) -> None:
        sh.heading(key, zh, en)
        cum = np.cumsum(sh.series(charge))
        mask = (cum > 1e-12) * held
        sh.add_balance(f"{key}.original_value", "原值", "Original value", original * mask, level=1)
        sh.add_flow(f"{key}.charge", "当期折旧摊销费", "Charge for the year", charge, level=1)
        sh.add_balance(
            f"{key}.net_value", "净值", "Net book value", (original - cum) * mask, level=1
        )

    for cls in result.spec.depreciation.classes:
        id = f"dep.class[{cls.name}]"
        if id not in result.ledger:
            continue
        label = cls.label_zh or cls.name
        block(
            id,
            f"{label}（{cls.life_years:g}年，残值率{cls.residual_rate:.0%}）",
            f"{cls.name} ({cls.life_years:g} years, residual {cls.residual_rate:.0%})",
            ov.get(cls.name, 0.0) * uplift,
            sh.p(id) * scale,
        )
    block("dep_fin.total", "合计", "Total", ov_total * uplift, "dep_fin.total")
    return sh.frame()


# --------------------------------------------------------------------------------------
# 7. 借款还本付息计划表
# --------------------------------------------------------------------------------------


def debt_service(result: Result, scenario: int = 0) -> pd.DataFrame:
    """借款还本付息计划表 — each loan and bond tranche: opening balance, drawdown or issue,
    for loans the interest accrued and the construction interest capitalised into the
    balance (建设期利息资本化), debt service (principal, prepayment, interest paid), fees,
    closing balance; the totals; and by year 偿债备付率 (DSCR = ``cash.cfads`` / bond and
    loan debt service), the loan DSCR after bond service, and 利息备付率 (ICR = ``pl.ebit``
    / ``finance.interest_expensed``).

    Each loan's corkscrew closes: opening + drawdown + capitalised − principal − prepayment
    = closing. Interest paid (``付息``) is the interest accrued less the part capitalised;
    in construction the rest of it is paid by interest subsidies. Bonds pay their
    construction interest from the construction sources (nothing is capitalised into a bond).

    Ratios show in fully operating, held years with a positive denominator (NaN
    elsewhere), the years ``min_dscr`` / ``min_icr`` are taken over; those metrics and the
    LLCR / PLCR are in ``attrs["indicators"]``.
    """
    sh = _Sheet(result, scenario, "debt_service")
    loans = sh.ids("loan[", "].opening")
    bonds = sh.ids("bond[", "].opening")
    for name in loans:
        at = f"loan[{name}]"
        paid = sh.lines(f"{at}.interest") - sh.lines(f"{at}.capitalised")
        sh.heading(at, name, f"Loan: {name}")
        sh.add_balance(f"{at}.opening", "期初借款余额", "Opening balance", level=1, opening=True)
        sh.add_flow(f"{at}.draw", "当期借款", "Drawdown", level=1)
        sh.add_flow(f"{at}.interest", "当期应计利息", "Interest accrued", level=1)
        sh.add_flow(
            f"{at}.capitalised", "建设期利息资本化", "Construction interest capitalised", level=1
        )
        sh.add_flow(
            f"{at}.service",
            "当期还本付息",
            "Debt service",
            sh.lines(f"{at}.principal", f"{at}.prepayment") + paid,
            level=1,
        )
        sh.add_flow(
            f"{at}.principal",
            "其中：还本",
            "of which: scheduled principal",
            level=1,
            numbered=False,
        )
        sh.add_flow(
            f"{at}.prepayment", "其中：提前还款", "of which: prepayment", level=1, numbered=False
        )
        sh.add_flow(
            f"{at}.interest_paid",
            "其中：付息",
            "of which: interest paid",
            paid,
            level=1,
            numbered=False,
        )
        sh.add_flow(
            f"{at}.fees",
            "融资费用",
            "Up-front and commitment fees",
            sh.lines(f"{at}.upfront_fee", f"{at}.commitment_fee"),
            level=1,
        )
        sh.add_balance(f"{at}.closing", "期末借款余额", "Closing balance", level=1)
    for name in bonds:
        at = f"bond[{name}]"
        sh.heading(at, f"专项债券：{name}", f"Special bond: {name}")
        sh.add_balance(f"{at}.opening", "期初余额", "Opening balance", level=1, opening=True)
        sh.add_flow(f"{at}.issue", "当期发行", "Issue", level=1)
        sh.add_flow(
            f"{at}.service",
            "当期还本付息",
            "Debt service",
            sh.lines(f"{at}.principal", f"{at}.interest"),
            level=1,
        )
        sh.add_flow(f"{at}.principal", "其中：还本", "of which: principal", level=1, numbered=False)
        sh.add_flow(f"{at}.interest", "其中：付息", "of which: interest", level=1, numbered=False)
        sh.add_flow(f"{at}.fees", "发行及兑付费", "Issuance and payment fees", level=1)
        sh.add_balance(f"{at}.closing", "期末余额", "Closing balance", level=1)

    opening = sh.lines(*(f"loan[{n}].opening" for n in loans)) + sh.lines(
        *(f"bond[{n}].opening" for n in bonds)
    )
    principal = sh.lines("loan.principal", "loan.prepayment", "bond.principal")
    interest = sh.lines("loan.interest", "bond.interest") - sh.lines("loan.capitalised")
    sh.heading("total", "借款及债券合计", "Loans and bonds")
    sh.add_balance("total.opening", "期初余额", "Opening balance", opening, level=1, opening=True)
    sh.add_flow(
        "total.draw",
        "当期借款及发行",
        "Drawdowns and issues",
        sh.lines("loan.draw", "bond.issue"),
        level=1,
    )
    sh.add_flow(
        "total.capitalised",
        "建设期利息资本化",
        "Construction interest capitalised",
        "loan.capitalised",
        level=1,
    )
    sh.add_flow("total.service", "当期还本付息", "Debt service", principal + interest, level=1)
    sh.add_flow(
        "total.principal", "其中：还本", "of which: principal", principal, level=1, numbered=False
    )
    sh.add_flow(
        "total.interest", "其中：付息", "of which: interest paid", interest, level=1, numbered=False
    )
    sh.add_flow(
        "total.fees",
        "融资费用",
        "Financing fees",
        sh.lines("loan.upfront_fee", "loan.commitment_fee", "bond.fees"),
        level=1,
    )
    sh.add_balance(
        "total.closing",
        "期末余额",
        "Closing balance",
        sh.lines("loan.closing", "bond.closing"),
        level=1,
    )

    _debt_ratios(sh)
    return sh.frame()


def _debt_ratios(sh: _Sheet) -> None:
    """The ratio rows of 借款还本付息计划表 by year, over the test years (fully in
    operation, held, no exit; ``metrics_funding.test_years``), NaN where the denominator is
    not due or the ratio is not shown (a negative numerator, a negligible denominator:
    ``ratios.shown``): the 第三版 偿债备付率 = (EBITDA − 所得税) / 当期应还本付息额 and 利息备付率
    = EBIT / 当期应付利息 (EBIT = 利润总额 + 利息支出), then the bank's DSCR on CFADS (all debt,
    and the loans after special-bond service)."""
    result = sh.result
    rows = _ratio_rows(sh)
    ebit, ebitda_less_tax = cn_numerators(result.ledger)
    s = sh.scenario
    cfads = sh.flow("cash.cfads")
    bond_ds = sh.flow("cash.bond_debt_service")
    loan_ds = sh.flow("cash.loan_service_due")
    for key, zh, en, num, den in (
        ("dscr_cn", "偿债备付率", "Debt service coverage ratio (第三版)",
         sh.flow(ebitda_less_tax[min(s, ebit.shape[0] - 1)]), bond_ds + loan_ds),
        ("icr", "利息备付率", "Interest coverage ratio (第三版)",
         sh.flow(ebit[min(s, ebit.shape[0] - 1)]), sh.flow("finance.interest_expensed")),
        ("dscr", "DSCR（银行口径，全部债务）", "DSCR (bank: CFADS / all debt service due)",
         cfads, bond_ds + loan_ds),
        ("loan_dscr", "贷款DSCR（专项债优先偿付后）", "Loan DSCR after special-bond service (bank)",
         cfads - bond_ds, loan_ds),
    ):
        sh.add_yearly(key, zh, en, shown(num[None, :], den[None, :], rows[None, :])[0], RATIO)
    for key in ("min_dscr_cn", "min_icr", "min_loan_dscr", "min_dscr", "avg_dscr", "min_llcr",
                "plcr"):
        sh.metric(key)


# --------------------------------------------------------------------------------------
# 8. 利润与利润分配表
# --------------------------------------------------------------------------------------


def profit_and_distribution(result: Result, scenario: int = 0) -> pd.DataFrame:
    """利润与利润分配表 — profit and its distribution.

    Revenue − taxes and surcharges − total cost (net of the depreciation that net-method
    grants bear) + subsidy income + deferred grant income released (总额法, shown when non-
    zero) + gain on disposal = 利润总额 (``pl.profit_before_tax``); the community-services
    income not counted (减计收入, shown when there is any); losses brought forward,
    taxable income (profit taxable before loss relief, floored at 0 per period, less the
    losses used), income tax, net profit. Distribution: opening undistributed profit,
    profit available, the statutory surplus reserve (``funding.statutory_reserve_rate``
    of the year's profit after covering past losses — a presentation: the ledger does
    not record it), profit available to investors, profit paid (shareholder
    distributions and the fund's preferred returns and upside), undistributed profit.
    Then EBIT and EBITDA (EBIT + depreciation net of what the grants bear − the deferred
    grant income released).
    """
    sh = _Sheet(result, scenario, "profit_and_distribution")
    sh.add_flow("revenue.total", "营业收入", "Operating revenue")
    sh.add_flow("tax.taxes_and_surcharges", "税金及附加", "Taxes and surcharges")
    if "tax.land_appreciation" in result.ledger:
        sh.add_flow(
            "tax.land_appreciation",
            "其中：土地增值税",
            "of which: land appreciation tax",
            level=1,
            numbered=False,
        )
    sh.add_flow("pl.total_cost", "总成本费用", "Total cost")
    sh.add_flow("pl.subsidy_income", "补贴收入", "Subsidy income")
    if sh.nonzero("grant.release"):
        sh.add_flow(
            "grant.release",
            "其他收益：递延收益摊销",
            "Other income: deferred grant income released",
        )
    sh.add_flow("pl.gain_on_exit", "资产处置收益", "Gain on disposal")
    sh.add_flow("finance.interest_income", "利息收入", "Interest income on cash and reserves")
    sh.add_flow("pl.profit_before_tax", "利润总额", "Profit before tax")
    if "tax.income_reduction" in result.ledger:  # 2019年第76号 第一条(二)
        sh.add_flow(
            "tax.income_reduction",
            "减计收入（社区养老、托育、家政服务收入的10%）",
            "Income not counted: 10 % of community-services income",
        )
    sh.add_flow("tax.loss_used", "弥补以前年度亏损", "Losses brought forward used")
    # The tax year's taxable income (企业所得税法 第五十三条): the year's profit taxable, at
    # least 0, less the losses used; in an annual model a live formula per year.
    if sh.ppy == 1:
        taxable_terms = Lines(
            ((1.0, "tax.taxable_income", positive("tax.taxable_income")),
             (-1.0, "tax.loss_used", None))
        )
        sh.add_flow("tax.taxable_after_losses", "应纳税所得额", "Taxable income", taxable_terms)
    else:
        taxable = np.maximum(sh.flow("tax.taxable_income"), 0.0) - sh.flow("tax.loss_used")
        sh.add_yearly("tax.taxable_after_losses", "应纳税所得额", "Taxable income", taxable, FLOW)
    sh.add_flow("tax.income_tax", "所得税", "Income tax")
    net = sh.add_flow("pl.net_profit", "净利润", "Net profit")

    fund_profit = sh.lines("fund.senior_return", "fund.junior_return", "fund.upside", optional=True)
    paid_lines = sh.lines("equity.distribution") + fund_profit
    paid = sh.flow(paid_lines)
    rate = result.spec.funding.statutory_reserve_rate
    n = sh.n_years
    opening, available, reserve, closing = (np.zeros(n) for _ in range(4))
    carried = 0.0
    for y in range(n):
        opening[y] = carried
        available[y] = net[y] + carried
        reserve[y] = rate * max(min(net[y], available[y]), 0.0)
        closing[y] = available[y] - reserve[y] - paid[y]
        carried = closing[y]

    def rows(*plus: str, minus: tuple[str, ...] = ()) -> Formula:
        return ("rows", tuple((1.0, k, None) for k in plus) + tuple((-1.0, k, None) for k in minus))

    sh.add_yearly(
        "pl.opening_undistributed",
        "期初未分配利润",
        "Undistributed profit brought forward",
        opening,
        BALANCE,
        formula=("lag", ((1.0, "pl.undistributed", None),)),
    )
    sh.add_yearly(
        "pl.available",
        "可供分配的利润",
        "Profit available for distribution",
        available,
        BALANCE,
        formula=rows("pl.net_profit", "pl.opening_undistributed"),
    )
    sh.add_yearly(
        "pl.statutory_reserve",
        "提取法定盈余公积金",
        "Statutory surplus reserve",
        reserve,
        FLOW,
        formula=("reserve", ((1.0, "pl.net_profit", None), (1.0, "pl.available", None))),
    )
    sh.add_yearly(
        "pl.available_to_investors",
        "可供投资者分配的利润",
        "Profit available to investors",
        available - reserve,
        BALANCE,
        formula=rows("pl.available", minus=("pl.statutory_reserve",)),
    )
    sh.add_flow("pl.paid", "应付投资者各方利润", "Profit paid to investors", paid_lines)
    sh.add_flow("equity.distribution", "股东分配", "Distributions to shareholders", level=1)
    sh.add_flow(
        "fund.profit", "基金收益分配", "Fund preferred returns and upside", fund_profit, level=1
    )
    sh.add_yearly(
        "pl.undistributed",
        "未分配利润",
        "Undistributed profit",
        closing,
        BALANCE,
        formula=rows("pl.available_to_investors", minus=("pl.paid",)),
    )
    sh.add_flow(
        "pl.ebit_cn",
        "息税前利润（利润总额＋利息支出）",
        "EBIT (profit before tax + interest expense)",
        sh.lines("pl.profit_before_tax", "finance.interest_expensed"),
    )
    sh.add_flow(
        "pl.ebitda_total",
        "息税折旧摊销前利润",
        "EBITDA",
        sh.lines("pl.profit_before_tax", "finance.interest_expensed", "dep_fin.total")
        - sh.lines("grant.release", "grant.cost_offset"),
    )
    return sh.frame()


# --------------------------------------------------------------------------------------
# 9. 项目投资现金流量表
# --------------------------------------------------------------------------------------


def project_cash_flow(result: Result, scenario: int = 0) -> pd.DataFrame:
    """项目投资现金流量表 — the project cash flow before financing (``cf.project.*``):
    inflows (revenue, output VAT, subsidy income, residual value, REIT exit proceeds), outflows
    (construction investment, operating costs, their input VAT, VAT payable, taxes and
    surcharges), net cash flow and its cumulative value before income tax, the adjusted
    income tax, and net cash flow after tax. ``attrs["indicators"]``: pre- and after-tax
    FIRR and FNPV, static and discounted payback, the discount rate."""
    sh = _Sheet(result, scenario, "project_cash_flow")
    sh.add_flow("cf.project.inflow", "现金流入", "Cash inflow")
    sh.add_flow("revenue.total", "营业收入", "Operating revenue", level=1)
    sh.add_flow("tax.output_vat", "销项税额", "Output VAT", level=1)
    sh.add_flow("fiscal.operating_subsidies", "补贴收入", "Subsidy income", level=1)
    sh.add_flow("dep.residual_value", "回收固定资产余值", "Residual value recovered", level=1)
    sh.add_flow("reit.net_proceeds", "资产处置收入（REITs退出）", "REIT exit net proceeds", level=1)
    has_wc = sh.nonzero("wc.level")
    if has_wc:
        sh.add_flow(*WC_RECOVERY, level=1)
    if sh.nonzero("tax.vat_refund"):
        sh.add_flow(*VAT_REFUND, level=1)
    sh.add_flow("cf.project.outflow", "现金流出", "Cash outflow")
    sh.add_flow("capex.total", "建设投资", "Construction investment", level=1)
    if has_wc:
        sh.add_flow(*WC_INVESTMENT, level=1)
    sh.add_flow("opex.total", "经营成本", "Operating costs", level=1)
    sh.add_flow("opex.input_vat", "进项税额", "Input VAT on operating costs", level=1)
    sh.add_flow("tax.vat_payable", "应纳增值税", "VAT payable", level=1)
    sh.add_flow("tax.taxes_and_surcharges", "税金及附加", "Taxes and surcharges", level=1)
    sh.add_flow("cf.project.pre_tax", "所得税前净现金流量", "Net cash flow before income tax")
    sh.add_balance(
        "cf.project.pre_tax_cumulative",
        "累计所得税前净现金流量",
        "Cumulative net cash flow before income tax",
    )
    sh.add_flow("tax.adjusted_income_tax", "调整所得税", "Adjusted income tax")
    sh.add_flow("cf.project.after_tax", "所得税后净现金流量", "Net cash flow after income tax")
    sh.add_balance(
        "cf.project.after_tax_cumulative",
        "累计所得税后净现金流量",
        "Cumulative net cash flow after income tax",
    )
    for key in PROJECT_RETURNS:
        sh.metric(key)
    sh.indicator(
        "discount_rate",
        result.spec.evaluation.discount_rate,
        "基准收益率（折现率）",
        "Discount rate",
        "rate",
    )
    return sh.frame()


# --------------------------------------------------------------------------------------
# 10. 项目资本金现金流量表
# --------------------------------------------------------------------------------------


def equity_cash_flow(result: Result, scenario: int = 0) -> pd.DataFrame:
    """项目资本金现金流量表 — the cash flow of the project capital (shareholders' view).

    Outflows: capital contributed (``equity.shareholders_in``), bond and loan principal
    and interest, financing fees, operating costs, their input VAT, VAT payable, taxes and
    surcharges, income tax, payments to the fund. Inflows: revenue, output VAT, subsidy
    income, the residual book value (``equity.terminal_value``) and REIT exit proceeds,
    and with a REIT exit the shareholders' net cash from their retained units and the
    reinvested recovered money (``equity.reit_units``, negative at the exit).

    Construction-period debt service, fees, tax and operating cash are met from the
    sources of the financing table and so are already net in the capital contributed;
    the operating rows therefore count periods out of construction only. Two rows keep
    the table whole when a model has them: money received after construction (grants,
    injections, fund contributions, bond issues) and cash retained (+) or drawn (−) in
    construction. Over the whole life the net cash flow then sums to distributions +
    terminal value − capital contributed + cash left at the end.

    ``attrs["indicators"]``: ``equity_irr`` and ``equity_npv`` (the engine's, on
    distributions to shareholders) and ``equity_irr_cash_flow`` (the IRR of this table's
    net cash flow, which counts surplus cash when earned rather than when distributed).
    """
    sh = _Sheet(result, scenario, "equity_cash_flow")

    def op(*ids: str) -> Lines:
        return _outside_construction(sh.lines(*ids))

    inflows: dict[str, tuple[str, str, Lines | np.ndarray]] = {
        "in.revenue": ("营业收入", "Operating revenue", op("revenue.total")),
        "in.output_vat": ("销项税额", "Output VAT", op("tax.output_vat")),
        "in.subsidy_income": ("补贴收入", "Subsidy income", op("pl.subsidy_income")),
        **(
            {
                "in.interest_income": (
                    "利息收入",
                    "Interest earned on cash and reserves",
                    op("finance.interest_income"),
                )
            }
            if sh.nonzero("finance.interest_income")
            else {}
        ),
        "equity.terminal_value": (
            "回收固定资产余值",
            "Residual book value",
            sh.lines("equity.terminal_value"),
        ),
        "reit.net_proceeds": (
            "资产处置收入（REITs退出）",
            "REIT exit net proceeds",
            sh.lines("reit.net_proceeds"),
        ),
        **(
            {"in.working_capital": ("回收流动资金", "Working capital recovered",
                                    op("wc.recovery"))}
            if sh.nonzero("wc.level")
            else {}
        ),
        **(
            {"in.vat_refund": (VAT_REFUND[1], VAT_REFUND[2], op("tax.vat_refund"))}
            if sh.nonzero("tax.vat_refund")
            else {}
        ),
        **(
            {
                "equity.reit_units": (
                    "REITs持有份额及回收资金再投资（净额）",
                    "Retained REIT units and reinvestment (net)",
                    sh.lines("equity.reit_units"),
                )
            }
            if "equity.reit_units" in result.ledger
            else {}
        ),
        "in.financing_after_construction": (
            "建设期后到位资金",
            "Grants, injections, fund and bonds received after construction",
            op("fiscal.grants", "fiscal.injections", "fund.contribution", "bond.issue"),
        ),
        "in.construction_cash": (
            "建设期资金结余",
            "Cash retained (+) / drawn (−) in construction",
            _cash_change("cash.cumulative_surplus", 1.0).masked(C),
        ),
    }
    outflows: dict[str, tuple[str, str, Lines | np.ndarray]] = {
        "equity.shareholders_in": (
            "项目资本金",
            "Project capital contributed",
            sh.lines("equity.shareholders_in"),
        ),
        "out.bond_principal": ("专项债券本金偿还", "Special-bond principal", op("bond.principal")),
        "out.bond_interest": ("专项债券利息支付", "Special-bond interest", op("bond.interest")),
        "out.loan_principal": (
            "借款本金偿还",
            "Loan principal",
            op("loan.principal", "loan.prepayment"),
        ),
        "out.loan_interest": ("借款利息支付", "Loan interest", op("loan.interest")),
        "finance.fees_expensed": (
            "融资费用",
            "Financing fees",
            sh.lines("finance.fees_expensed"),
        ),
        "out.opex": ("经营成本", "Operating costs", op("opex.total")),
        "out.input_vat": ("进项税额", "Input VAT on operating costs", op("opex.input_vat")),
        "out.vat_payable": ("应纳增值税", "VAT payable", op("tax.vat_payable")),
        "out.taxes_and_surcharges": (
            "税金及附加",
            "Taxes and surcharges",
            op("tax.taxes_and_surcharges"),
        ),
        "out.income_tax": ("所得税", "Income tax", op("tax.income_tax")),
        **(
            {"out.working_capital": ("流动资金", "Working capital invested",
                                     op("wc.investment"))}
            if sh.nonzero("wc.level")
            else {}
        ),
        "fund.paid": ("基金收益及本金分配", "Paid to the fund", sh.lines("fund.paid")),
    }
    total_in = sum((sh.series(v[2]) for v in inflows.values()), sh.zeros())
    total_out = sum((sh.series(v[2]) for v in outflows.values()), sh.zeros())
    for key, zh, en, rows in (
        ("in.total", "现金流入", "Cash inflow", inflows),
        ("out.total", "现金流出", "Cash outflow", outflows),
    ):
        sh.add_sum(key, zh, en, list(rows))
        for k, (kzh, ken, series) in rows.items():
            sh.add_flow(k, kzh, ken, series, level=1)
    sh.add_sum("net", "净现金流量", "Net cash flow", ["in.total"], ["out.total"])
    sh.add_cumulative("net.cumulative", "累计净现金流量", "Cumulative net cash flow", "net")
    sh.metric("equity_irr")
    sh.indicators["equity_irr"]["zh"] = "资本金财务内部收益率（按股东分配）"
    sh.indicators["equity_irr"]["en"] = "Equity IRR (on distributions)"
    sh.metric("equity_npv")
    sh.indicator(
        "equity_irr_cash_flow",
        float(finance.irr(total_in - total_out, sh.ppy)),
        "资本金财务内部收益率（按本表净现金流量）",
        "Equity IRR (on this table's net cash flow)",
        "rate",
    )
    sh.indicator(
        "equity_discount_rate",
        result.spec.evaluation.equity_discount_rate,
        "资本金基准收益率",
        "Equity discount rate",
        "rate",
    )
    return sh.frame()


# --------------------------------------------------------------------------------------
# 11. 财务计划现金流量表
# --------------------------------------------------------------------------------------


def financial_plan(result: Result, scenario: int = 0) -> pd.DataFrame:
    """财务计划现金流量表 — cash flows of the project company by activity: operating
    (revenue, output VAT, subsidy income; operating costs, input VAT, VAT payable, taxes
    and surcharges, income tax), investing (REIT exit proceeds; construction investment),
    financing (capital, fund, capital grants, bonds, loan drawings, loan interest
    capitalised in construction, interest subsidies received in construction; interest
    accrued — construction interest included, gross —, principal, fees, distributions,
    payments to the fund; interest earned on cash is an operating inflow); net cash flow
    and 累计盈余资金
    (``cash.cumulative_surplus``, cash including reserves), which must stay ≥ 0
    (财务生存能力). Construction interest capitalised into the loans shows both as a loan
    inflow and in 各种利息支出, and construction interest subsidies (they reduce the
    capitalised interest) both as an inflow, in full, and in the interest they pay, so that
    the interest row is the whole interest accrued; the operating 补贴收入 leaves out the
    part of them that is subsidy income. Construction interest paid in cash is met by the
    other inflows (capital, grants, bonds). ``attrs["indicators"]``: the minimum
    cumulative surplus and whether it stays ≥ 0 (1 = yes)."""
    sh = _Sheet(result, scenario, "financial_plan")
    has_wc = sh.nonzero("wc.level")

    def section(
        key: str,
        zh: str,
        en: str,
        inflow: list[tuple[str, str, str] | tuple[str, str, str, Lines]],
        outflow: list[tuple[str, str, str] | tuple[str, str, str, Lines]],
    ) -> None:
        """Net flow of an activity, its inflows and outflows; each row is (key, Chinese,
        English[, Lines]) — without Lines the row is the ledger line ``key``."""
        sh.add_sum(key, zh, en, [f"{key}.inflow"], [f"{key}.outflow"])
        for side, zh_side, en_side, rows in (
            ("inflow", "现金流入", "Cash inflow", inflow),
            ("outflow", "现金流出", "Cash outflow", outflow),
        ):
            sh.add_sum(f"{key}.{side}", zh_side, en_side, [r[0] for r in rows], level=1)
            for k, kzh, ken, *x in rows:
                sh.add_flow(k, kzh, ken, x[0] if x else None, level=2)

    section(
        "operating",
        "经营活动净现金流量",
        "Net cash flow from operating activities",
        [
            ("revenue.total", "营业收入", "Operating revenue"),
            ("tax.output_vat", "增值税销项税额", "Output VAT"),
            (
                "operating.subsidy_income",
                "补贴收入",
                "Subsidy income",
                # 贴息 of construction periods is a financing inflow below, in full (the part
                # on interest expensed for a phase in operation is subsidy income too).
                sh.lines("pl.subsidy_income")
                - (sh.lines("pl.subsidy_income") - sh.lines("fiscal.operating_subsidies")).masked(
                    C
                ),
            ),
            *(
                [("finance.interest_income", "利息收入", "Interest earned on cash and reserves")]
                if sh.nonzero("finance.interest_income")
                else []
            ),
            *([VAT_REFUND] if sh.nonzero("tax.vat_refund") else []),
        ],
        [
            ("opex.total", "经营成本", "Operating costs"),
            ("opex.input_vat", "增值税进项税额", "Input VAT on operating costs"),
            ("tax.taxes_and_surcharges", "税金及附加", "Taxes and surcharges"),
            ("tax.vat_payable", "增值税", "VAT payable"),
            ("tax.income_tax", "所得税", "Income tax"),
        ],
    )
    section(
        "investing",
        "投资活动净现金流量",
        "Net cash flow from investing activities",
        [
            ("reit.net_proceeds", "资产处置收入（REITs退出）", "REIT exit net proceeds"),
            *([WC_RECOVERY] if has_wc else []),
        ],
        [
            ("capex.total", "建设投资", "Construction investment"),
            *([WC_INVESTMENT] if has_wc else []),
        ],
    )
    section(
        "financing",
        "筹资活动净现金流量",
        "Net cash flow from financing activities",
        [
            ("equity.shareholders_in", "项目资本金投入", "Shareholder capital"),
            ("fund.contribution", "基金出资", "Fund contribution"),
            ("fiscal.grants", "财政资本性补助", "Capital grants"),
            ("bond.issue", "专项债券", "Special bonds issued"),
            ("loan.draw", "银行贷款", "Loans drawn"),
            ("loan.capitalised", "建设期利息资本化（计入贷款）", "Loan interest capitalised"),
            (
                "fin.construction_subsidies",
                "建设期贴息资金",
                "Interest subsidies in construction",
                sh.lines("fiscal.interest_subsidies").masked(C),
            ),
        ],
        [
            (
                "fin.interest",
                "各种利息支出",
                "Interest (incl. construction interest capitalised)",
                sh.lines("bond.interest", "loan.interest"),
            ),
            (
                "fin.principal",
                "偿还债务本金",
                "Principal repaid",
                sh.lines("bond.principal", "loan.principal", "loan.prepayment"),
            ),
            (
                "fin.fees",
                "融资费用",
                "Financing fees",
                sh.lines("bond.fees", "loan.upfront_fee", "loan.commitment_fee"),
            ),
            ("equity.distribution", "应付利润（股东分配）", "Distributions to shareholders"),
            ("fund.paid", "基金收益及本金分配", "Paid to the fund"),
        ],
    )
    sh.add_sum("net", "净现金流量", "Net cash flow", ["operating", "investing", "financing"])
    surplus = sh.add_balance("cash.cumulative_surplus", "累计盈余资金", "Cumulative cash surplus")
    sh.add_balance(
        "cash.dsra_balance", "其中：偿债准备金", "of which: debt-service reserve", numbered=False
    )
    sh.metric("min_cumulative_cash")
    low = float(np.min(sh.p("cash.cumulative_surplus"))) if sh.n_periods else 0.0
    scale = max(1.0, float(np.max(np.abs(surplus)))) if surplus.size else 1.0
    sh.indicator(
        "viable",
        float(low >= -1e-9 * scale),
        "财务生存能力（累计盈余资金≥0）",
        "Financially sustainable (cumulative surplus ≥ 0)",
        "flag",
    )
    return sh.frame()


# --------------------------------------------------------------------------------------
# 12. 资产负债表
# --------------------------------------------------------------------------------------


def balance_sheet(result: Result, scenario: int = 0) -> pd.DataFrame:
    """资产负债表 — at each year end: assets (cash incl. reserves, VAT credit, fixed
    assets and construction in progress, net of the net-method grants), liabilities
    (special bonds, loans, the deferred income of gross-method grants), equity (paid-in
    capital, fund capital, retained earnings net of distributions; capital grants reach
    equity through profit, 企业会计准则第16号), the difference assets − liabilities −
    equity (0 when the sheet balances) and 资产负债率 (``bs.debt_ratio``)."""
    sh = _Sheet(result, scenario, "balance_sheet")
    sh.add_balance("bs.assets", "资产", "Total assets")
    sh.add_balance(
        "bs.current",
        "流动资产",
        "Current assets",
        sh.lines("bs.cash", "bs.vat_credit", "wc.level"),
        level=1,
    )
    sh.add_balance("bs.cash", "货币资金（含偿债准备金）", "Cash (incl. reserves)", level=2)
    sh.add_balance(
        "cash.dsra_balance",
        "其中：偿债准备金",
        "of which: debt-service reserve",
        level=2,
        numbered=False,
    )
    sh.add_balance("bs.vat_credit", "留抵增值税", "VAT credit", level=2)
    if sh.nonzero("wc.level"):
        sh.add_balance(
            "wc.level", "流动资金（应收、存货、现金减应付）", "Working capital (net)", level=2
        )
    sh.add_balance(
        "bs.fixed_assets",
        "固定资产及在建工程净值",
        "Fixed assets and construction in progress",
        level=1,
    )
    sh.add_sum(
        "bs.liabilities_and_equity",
        "负债及所有者权益",
        "Liabilities and equity",
        ["bs.liabilities", "bs.equity"],
        kind=BALANCE,
    )
    sh.add_balance("bs.liabilities", "负债", "Total liabilities", level=1)
    sh.add_balance("bond.closing", "专项债券", "Special bonds", level=2)
    sh.add_balance("loan.closing", "银行贷款", "Loans", level=2)
    if sh.nonzero("grant.deferred_income"):
        sh.add_balance(
            "grant.deferred_income", "递延收益（政府补助）", "Deferred grant income", level=2
        )
    sh.add_balance("bs.equity", "所有者权益", "Total equity", level=1)
    sh.add_running(
        "equity.paid_in",
        "实收资本（股东及国有资本金）",
        "Paid-in capital",
        sh.lines("equity.shareholders_in"),
        level=2,
    )
    sh.add_running(
        "equity.fund", "基金出资", "Fund capital", sh.lines("fund.contribution"), level=2
    )
    sh.add_running(
        "equity.retained",
        "累计留存收益（扣除分配）",
        "Retained earnings net of distributions",
        sh.lines("pl.net_profit") - sh.lines("equity.distribution", "fund.paid"),
        level=2,
    )
    sh.add_sum(
        "bs.difference",
        "资产负债表平衡差额",
        "Balance-sheet difference",
        ["bs.assets"],
        ["bs.liabilities", "bs.equity"],
        kind=BALANCE,
    )
    sh.add_balance("bs.debt_ratio", "资产负债率", "Debt-to-assets ratio", kind=RATIO)
    return sh.frame()


# --------------------------------------------------------------------------------------
# 13. 专项债收益与融资平衡表
# --------------------------------------------------------------------------------------


def bond_balance(result: Result, scenario: int = 0) -> pd.DataFrame:
    """专项债券项目收益与融资平衡表 — project income for debt service
    (``cash.net_income_for_coverage``: revenue and output VAT, less operating costs with
    their input VAT, less taxes, plus interest earned on cash, less the maintenance
    reserve's contributions net of its releases; fiscal subsidies and the REIT exit
    proceeds excluded), the exit proceeds on a line apart,
    special-bond
    principal and interest (``cash.bond_debt_service``), market-financing principal and
    interest (``cash.loan_debt_service``; its interest row is that line less the principal,
    so the two rows add up to the ledger's debt service), the income left after bond
    service, the year's surplus after all debt service and its cumulative value (偿债准备),
    the annual coverage by year (bond only; bond and loans), and 累计盈余资金 of the
    financial plan.

    The annual bond coverage is shown in the years the minimum annual coverage metric
    reads (fully operating, held years in the bond's life). ``attrs["indicators"]``: the
    whole-life coverage multiples ``bond_coverage``, ``total_debt_coverage`` and
    ``residual_coverage`` (sums over the debt's life, not of the columns shown), the
    minimum annual coverage and cumulative cash, and the covenant floors.
    """
    sh = _Sheet(result, scenario, "bond_balance")
    ni = sh.add_flow("cash.net_income_for_coverage", "项目收益", "Project income for debt service")
    sh.add_flow(
        "income.revenue",
        "营业收入（含销项税额）",
        "Revenue incl. output VAT",
        sh.lines("revenue.total", "tax.output_vat"),
        level=1,
    )
    sh.add_flow(
        "income.opex",
        "减：经营成本（含进项税额）",
        "less: operating costs incl. input VAT",
        sh.lines("opex.total", "opex.input_vat"),
        level=1,
    )
    sh.add_flow(
        "income.taxes",
        "减：税金（增值税、税金及附加、所得税）",
        "less: VAT, taxes and surcharges, income tax",
        sh.lines("tax.vat_payable", "tax.taxes_and_surcharges", "tax.income_tax"),
        level=1,
    )
    if sh.nonzero("finance.interest_income"):
        sh.add_flow(
            "finance.interest_income",
            "加：利息收入（货币资金及准备金）",
            "plus: interest earned on cash and reserves",
            level=1,
        )
    if sh.nonzero("tax.vat_refund"):
        sh.add_flow(
            "tax.vat_refund", "加：增值税留抵退税", "plus: refund of the retained VAT credit",
            level=1,
        )
    if sh.nonzero("wc.level"):
        sh.add_flow(
            "income.working_capital",
            "减：流动资金增加（扣除回收）",
            "less: working capital invested net of recovered",
            sh.lines("wc.investment") - sh.lines("wc.recovery"),
            level=1,
        )
    if "reserve.mmra.contribution" in result.ledger:
        sh.add_flow(
            "income.mmra",
            "减：大中修准备金计提（扣除使用）",
            "less: maintenance reserve contributions net of releases",
            sh.lines("reserve.mmra.contribution") - sh.lines("reserve.mmra.release"),
            level=1,
        )
    sh.add_flow(
        "reit.net_proceeds", "资产处置收入（REITs退出，单列）", "REIT exit net proceeds (apart)"
    )
    bond = sh.add_flow(
        "cash.bond_debt_service", "专项债券还本付息", "Special-bond principal and interest"
    )
    sh.add_flow(
        "bond.principal_net",
        "还本",
        "Principal (net of refinancing)",
        sh.lines("bond.principal") - sh.lines("bond.refinanced"),
        level=1,
    )
    sh.add_flow("bond.interest", "付息", "Interest", level=1)
    if "escrow.closing" in result.ledger:  # a bond held to maturity after a REIT exit
        sh.add_flow("escrow.deposit", "偿债准备金专户存入", "Bond-repayment reserve deposit")
        sh.add_flow("escrow.release", "偿债准备金专户支付专项债本息",
                    "Bond service paid from the reserve")
        sh.add_balance("escrow.closing", "偿债准备金专户余额", "Bond-repayment reserve balance")
    loan = sh.add_flow(
        "cash.loan_debt_service", "市场化融资还本付息", "Market financing principal and interest"
    )
    loan_principal = sh.lines("loan.principal", "loan.prepayment")
    sh.add_flow(
        "loan.principal_all", "还本", "Principal (incl. prepayment)", loan_principal, level=1
    )
    sh.add_flow(
        "loan.interest_paid",
        "付息",
        "Interest",
        sh.lines("cash.loan_debt_service") - loan_principal,
        level=1,
    )
    income, bond_ds, loan_ds = (
        "cash.net_income_for_coverage",
        "cash.bond_debt_service",
        "cash.loan_debt_service",
    )
    sh.add_sum(
        "after_bond",
        "偿还专项债本息后项目收益",
        "Income left after bond service",
        [income],
        [bond_ds],
    )
    sh.add_sum(
        "surplus",
        "当年资金结余",
        "Surplus after all debt service",
        [income, "reit.net_proceeds"],
        [bond_ds, loan_ds],
    )
    sh.add_cumulative(
        "surplus.cumulative",
        "累计资金结余（偿债准备）",
        "Cumulative surplus after debt service",
        "surplus",
    )

    rows = _ratio_rows(sh)
    bond_pi = sh.p("cash.bond_debt_service")
    bond_life = window(
        ((sh.p("bond.closing") > 1e-9) | (bond_pi > 1e-9) | (sh.p("bond.issue") > 0))[None, :]
    )[0]
    in_life = sh.flow(bond_life.astype(float)) > 0
    sh.add_yearly(
        "coverage.bond",
        "年度专项债本息覆盖倍数",
        "Annual special-bond coverage",
        shown(
            sh.flow(sh.p("cash.net_income_for_coverage") * bond_life)[None, :],
            bond[None, :],
            (in_life & rows)[None, :],
        )[0],
        RATIO,
    )
    sh.add_yearly(
        "coverage.total",
        "年度全部债务本息覆盖倍数",
        "Annual total-debt coverage",
        safe_ratio(ni, bond + loan, rows),
        RATIO,
    )
    sh.add_balance(
        "cash.cumulative_surplus",
        "累计盈余资金（财务计划现金流量表）",
        "Cumulative cash surplus (financial plan)",
    )
    for key in (
        "bond_coverage",
        "total_debt_coverage",
        "residual_coverage",
        "min_annual_cash_coverage",
        "min_cumulative_cash",
    ):
        sh.metric(key)
    cov = result.spec.funding.covenants
    sh.indicator(
        "min_bond_coverage",
        cov.min_bond_coverage,
        "专项债本息覆盖倍数下限",
        "Floor: bond coverage",
        "ratio",
    )
    sh.indicator(
        "min_total_coverage",
        cov.min_total_coverage,
        "全部债务本息覆盖倍数下限",
        "Floor: total-debt coverage",
        "ratio",
    )
    return sh.frame()


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------


class TableInfo(NamedTuple):
    """A standard table: its titles and the function that builds it."""

    zh: str
    """Chinese title (as in 《建设项目经济评价方法与参数》(第三版))."""
    en: str
    """English title."""
    build: Callable[[Result, int], pd.DataFrame]
    """``build(result, scenario)``."""


TABLES: dict[str, TableInfo] = {
    "investment_estimate": TableInfo(
        "建设投资估算表", "Construction investment estimate", investment_estimate
    ),
    "construction_interest": TableInfo(
        "建设期利息估算表", "Interest during construction", construction_interest
    ),
    "investment_plan": TableInfo(
        "项目总投资使用计划与资金筹措表", "Investment plan and financing", investment_plan
    ),
    "revenue_and_taxes": TableInfo(
        "营业收入、税金及附加和增值税估算表",
        "Revenue, taxes and surcharges, and VAT",
        revenue_and_taxes,
    ),
    "total_cost": TableInfo("总成本费用估算表", "Total cost estimate", total_cost),
    "depreciation": TableInfo("折旧摊销估算表", "Depreciation and amortisation", depreciation),
    "debt_service": TableInfo("借款还本付息计划表", "Debt repayment schedule", debt_service),
    "profit_and_distribution": TableInfo(
        "利润与利润分配表", "Profit and profit distribution", profit_and_distribution
    ),
    "project_cash_flow": TableInfo(
        "项目投资现金流量表", "Project investment cash flow", project_cash_flow
    ),
    "equity_cash_flow": TableInfo(
        "项目资本金现金流量表", "Project capital cash flow", equity_cash_flow
    ),
    "financial_plan": TableInfo("财务计划现金流量表", "Financial plan cash flow", financial_plan),
    "balance_sheet": TableInfo("资产负债表", "Balance sheet", balance_sheet),
    "bond_balance": TableInfo(
        "专项债券项目收益与融资平衡表", "Special-bond income and financing balance", bond_balance
    ),
}
"""The standard tables in textbook order: id → (Chinese title, English title, function)."""


def standard_tables(result: Result, scenario: int = 0) -> dict[str, pd.DataFrame]:
    """Every standard table of one scenario, keyed by the ids of ``TABLES`` in order."""
    return {key: info.build(result, scenario) for key, info in TABLES.items()}
