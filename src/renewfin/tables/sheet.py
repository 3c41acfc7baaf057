"""The building blocks of the standard tables: the columns, the ``Term`` / ``Lines`` /
``Formula`` a row derives by, ``_Sheet`` (one table under construction: the ledger of
one scenario by model year, and its rows) and the tables' titles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from renewfin.metrics import metric_info

if TYPE_CHECKING:
    from renewfin.engine import Result


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
        zh, en = TITLES[self.table_id]
        df.attrs.update(
            {
                "id": self.table_id,
                "title_zh": zh,
                "title_en": en,
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


def _lagged(x: np.ndarray) -> np.ndarray:
    """The previous period's value of a balance (0 before the first period), (T,)."""
    return np.concatenate([[0.0], x[:-1]])


# --------------------------------------------------------------------------------------
# Titles
# --------------------------------------------------------------------------------------


TITLES: dict[str, tuple[str, str]] = {
    "investment_estimate": ("建设投资估算表", "Construction investment estimate"),
    "construction_interest": ("建设期利息估算表", "Interest during construction"),
    "investment_plan": ("项目总投资使用计划与资金筹措表", "Investment plan and financing"),
    "revenue_and_taxes": (
        "营业收入、税金及附加和增值税估算表",
        "Revenue, taxes and surcharges, and VAT",
    ),
    "total_cost": ("总成本费用估算表", "Total cost estimate"),
    "depreciation": ("折旧摊销估算表", "Depreciation and amortisation"),
    "debt_service": ("借款还本付息计划表", "Debt repayment schedule"),
    "profit_and_distribution": ("利润与利润分配表", "Profit and profit distribution"),
    "project_cash_flow": ("项目投资现金流量表", "Project investment cash flow"),
    "equity_cash_flow": ("项目资本金现金流量表", "Project capital cash flow"),
    "financial_plan": ("财务计划现金流量表", "Financial plan cash flow"),
    "balance_sheet": ("资产负债表", "Balance sheet"),
    "bond_balance": ("专项债券项目收益与融资平衡表", "Special-bond income and financing balance"),
}
"""The standard tables' titles in textbook order: id → (Chinese title as in
《建设项目经济评价方法与参数》(第三版), English title)."""
