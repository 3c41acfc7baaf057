"""How each operating cost is sized (``OpexBasis``), declared once: the rule of a basis
evaluates the item's cost on (S|1, T) arrays and renders the Excel formula of one period
column, side by side, in one table keyed by the basis (``BASES``). ``renewfin.core.opex``
evaluates the rules, ``renewfin.excel.opex`` renders them; neither dispatches on the basis
itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from renewfin.core.context import RunContext
from renewfin.core.investment import AssetGroup
from renewfin.core.revenue import StreamResult
from renewfin.spec.opex import OpexBasis, OpexItem
from renewfin.timeline import ramp_factor, step_index

Unit = Literal["money", "price", "share"]
"""What the field sizing a basis is (``Basis.unit``)."""
PPY = "timeline.periods_per_year"
"""Input path of the number of periods a year."""


class Refs(Protocol):
    """The references a formula is written with at one period column
    (``renewfin.excel.book.At``)."""

    def p(self, id: str) -> str:
        """The row ``id`` in this period."""
        ...

    def i(self, path: str) -> str:
        """The input constant ``path``."""
        ...

    def v(self, path: str) -> str:
        """The input vector ``path``'s range."""
        ...


@dataclass(frozen=True)
class Item:
    """One operating-cost item as the engine evaluates it."""

    ctx: RunContext
    o: OpexItem
    streams: dict[str, StreamResult]
    """Each revenue stream's result, by name."""
    assets: list[AssetGroup]
    """The asset groups (original values by class and phase)."""
    origin: np.ndarray | int
    """Period the item's years count from: its phase's completion (or construction start)."""
    active: np.ndarray
    """Flag (S|1, T): 1 in the periods the item runs."""
    years: np.ndarray
    """Whole years elapsed since ``origin``, floored at 0, (S|1, T) [yr]."""

    def scalar(self, name: str, base: float | None) -> np.ndarray:
        """The engine input ``opex[name].<name>`` (spec value ``base``, 0 when unset)."""
        return self.ctx.inputs.scalar(f"opex[{self.o.name}].{name}", float(base or 0.0))

    def index(self) -> np.ndarray:
        """Growth index ``(1 + growth_rate) ** years`` (S|1, T) [-]."""
        return step_index(self.scalar("growth_rate", self.o.growth_rate), self.years)

    def priced(self, name: str, base: float | None) -> np.ndarray:
        """The input ``name``, a price in ``cost_currency`` per ``cost_per``, in the money
        unit a year."""
        price = self.scalar(name, base)
        return price * self.ctx.money(self.o.cost_currency.yuan) * self.o.cost_per.per_year


@dataclass(frozen=True)
class Cells:
    """One operating-cost item as the workbook writes it: the parts of its formulas."""

    o: OpexItem
    streams: list[str]
    """Names of every revenue stream, in spec order."""
    values: list[str]
    """Rows of the original values of the item's asset class (``xl.ov[class|phase]``)."""
    origin: str
    """Row of the period the item's years count from."""
    active: str | None
    """Row of the flag of its periods; None: every period from ``origin`` on."""

    def i(self, x: Refs, name: str) -> str:
        """The input ``opex[name].<name>``."""
        return x.i(f"opex[{self.o.name}].{name}")

    def elapsed(self, x: Refs) -> str:
        """Whole years elapsed since ``origin``, negative before it [yr]."""
        return f"INT(({x.p('time.period')}-{x.p(self.origin)})/{x.i(PPY)})"

    def years(self, x: Refs) -> str:
        """Whole years elapsed since ``origin``, floored at 0 [yr]."""
        return f"MAX({self.elapsed(x)},0)"

    def act(self, x: Refs) -> str:
        """1 in the periods the item runs."""
        if self.active:
            return x.p(self.active)
        return f"({x.p('time.period')}>={x.p(self.origin)})"

    def index(self, x: Refs) -> str:
        """Growth index ``(1 + growth_rate) ^ years``."""
        return f"(1+{self.i(x, 'growth_rate')})^{self.years(x)}"

    def helper(self, x: Refs, id: str) -> str:
        """The item's helper row ``id[name]`` (``Basis.helpers``) in this period."""
        return x.p(f"{id}[{self.o.name}]")

    def cost_factor(self, x: Refs) -> str:
        """The input ``xl.cost_factor[name]`` (``Item.priced``)."""
        return x.i(f"xl.cost_factor[{self.o.name}]")


@dataclass(frozen=True)
class Helper:
    """A workbook-only row a basis's formula reads (an index, not summed over periods):
    ``id[name]`` on the item's sheet, written before the cost row."""

    id: str
    """Row id before the item's ``[name]`` (``xl.cpi_index``)."""
    zh: str
    """Chinese label, before the item's name."""
    en: str
    """English label, before the item's name."""
    formula: Callable[[Cells, Refs], str]
    """The row's formula at one period column."""


@dataclass(frozen=True)
class Basis:
    """One opex basis: its English label, the field that sizes it, its cost and its formula
    (the Chinese label is the spec enum's, ``renewfin.spec.labels.choice_label``)."""

    en: str
    """English label."""
    amount: str
    """The spec field that sizes the cost, shown in the report's cost drivers."""
    unit: Unit
    """What ``amount`` is: an amount in the money unit a year, a price in
    ``cost_currency`` per ``cost_per`` or a share."""
    cost: Callable[[Item], np.ndarray]
    """Cost per period, excluding VAT, (S|1, T) [money]."""
    formula: Callable[[Cells, Refs], str]
    """The Excel formula of the cost at one period column (the row ``xl.opex[name]``)."""
    vectors: tuple[str, ...] = ()
    """The fields read as vector inputs (a path of rates), which the workbook writes on
    its Inputs sheet for ``formula``."""
    helpers: tuple[Helper, ...] = ()
    """Rows ``formula`` reads (``Cells.helper``), keeping each formula short."""

    @property
    def priced(self) -> bool:
        """Whether ``amount`` is a price: the workbook then states the factor to the money
        unit a year (``xl.cost_factor[name]``)."""
        return self.unit == "price"


def _fixed(e: Item) -> np.ndarray:
    """``amount`` a year, growing; a cyclical one once in every N-th operating year, in
    that year's first period."""
    index = e.index()
    amount = e.scalar("amount", e.o.amount)
    if e.o.every_years is None:
        return amount * index * e.active / e.ctx.timeline.ppy
    t, ppy = e.ctx.timeline.t, e.ctx.timeline.ppy
    first_period_of_year = ((t - e.origin) % ppy) == 0
    due = ((e.years + 1) % e.o.every_years == 0) & first_period_of_year
    return amount * index * e.active * due


def _fixed_formula(c: Cells, x: Refs) -> str:
    """``Basis.formula`` of ``_fixed``."""
    head = f"={c.i(x, 'amount')}*{c.index(x)}*{c.act(x)}"
    if c.o.every_years is None:
        return f"{head}/{x.i(PPY)}"
    return (
        f"{head}*(MOD({c.years(x)}+1,{x.i(f'xl.every[{c.o.name}]')})=0)*"
        f"(MOD({x.p('time.period')}-{x.p(c.origin)},{x.i(PPY)})=0)"
    )


def _per_unit(e: Item) -> np.ndarray:
    """``unit_cost`` × the driver stream's utilised units (or the fixed ``quantity``),
    growing."""
    index = e.index()
    annual = e.priced("unit_cost", e.o.unit_cost)
    ppy = e.ctx.timeline.ppy
    if e.o.driver is not None:
        return annual * e.streams[e.o.driver].units * index / ppy
    quantity = e.scalar("quantity", e.o.quantity)
    return annual * quantity * index * e.active / ppy


def _per_unit_formula(c: Cells, x: Refs) -> str:
    """``Basis.formula`` of ``_per_unit``."""
    head = f"={c.i(x, 'unit_cost')}*{c.cost_factor(x)}*"
    if c.o.driver is not None:
        return f"{head}{x.p(f'xl.units[{c.o.driver}]')}*{c.index(x)}/{x.i(PPY)}"
    return f"{head}{c.i(x, 'quantity')}*{c.index(x)}*{c.act(x)}/{x.i(PPY)}"


def _revenue_names(o: OpexItem, streams: list[str]) -> list[str]:
    """The streams in a revenue share's base: ``revenues``, default all."""
    return o.revenues if o.revenues is not None else streams


def _revenue_share(e: Item) -> np.ndarray:
    """``share`` of its streams' revenue; it follows them, with no growth of its own."""
    names = _revenue_names(e.o, list(e.streams))
    base = sum((e.streams[n].revenue for n in names), np.zeros((1, e.ctx.timeline.n_periods)))
    return e.scalar("share", e.o.share) * base


def _revenue_share_formula(c: Cells, x: Refs) -> str:
    """``Basis.formula`` of ``_revenue_share``."""
    names = _revenue_names(c.o, c.streams)
    base = "+".join(x.p(f"xl.revenue_projected[{n}]") for n in names) or "0"
    return f"={c.i(x, 'share')}*({base})"


def _asset_share(e: Item) -> np.ndarray:
    """``share`` of the original value of ``asset_class`` a year, growing."""
    index = e.index()
    share = e.scalar("share", e.o.share)
    value = sum(
        (g.original_value for g in e.assets if g.asset_class == e.o.asset_class),
        np.zeros((1, 1)),
    )
    return share * value * index * e.active / e.ctx.timeline.ppy


def _asset_share_formula(c: Cells, x: Refs) -> str:
    """``Basis.formula`` of ``_asset_share``."""
    value = "+".join(x.p(v) for v in c.values) or "0"
    return f"={c.i(x, 'share')}*({value})*{c.index(x)}*{c.act(x)}/{x.i(PPY)}"


def _area(e: Item) -> np.ndarray:
    """The leasable area: the stated ``quantity``, or the sum of the named rent streams'
    ``quantity`` (m² of lettable area) [m²]."""
    if e.o.revenues is None:
        return e.scalar("quantity", e.o.quantity)
    streams = {r.name: r for r in e.ctx.spec.revenues}
    inputs = e.ctx.inputs
    return sum(
        (inputs.scalar(f"revenues[{n}].quantity", streams[n].quantity) for n in e.o.revenues),
        np.zeros((1, 1)),
    )


def cpi_index(cpi: np.ndarray, years: np.ndarray) -> np.ndarray:
    """CPI index of operating year ``years + 1``: Π (1 + cpi_j) over j ≤ ``years``, the
    last rate holding beyond the path, the first operating year 1 [-].

    Parameters
    ----------
    cpi : (S|1, n) array
        CPI inflation of operating years 2, 3 … n + 1 [1/yr].
    years : (S|1, T) array
        Whole operating years elapsed, ≥ 0 [yr].
    """
    n = cpi.shape[1]
    steps = np.concatenate([np.ones((cpi.shape[0], 1)), np.cumprod(1.0 + cpi, axis=1)], axis=1)
    within = ramp_factor(steps, np.minimum(years, n))  # Π over the path's first min(k, n)
    return within * (1.0 + cpi[:, -1:]) ** np.maximum(years - n, 0)


def _leasable_area(e: Item) -> np.ndarray:
    """``area_cost`` per m² a year × the leasable area × the CPI index, in operation."""
    price = e.priced("area_cost", e.o.area_cost)
    cpi = e.ctx.inputs.vector(f"opex[{e.o.name}].cpi", e.o.cpi or [0.0])
    index = cpi_index(cpi, e.years)
    return price * _area(e) * index * e.active / e.ctx.timeline.ppy


def _cpi_index_formula(c: Cells, x: Refs) -> str:
    """The helper row ``xl.cpi_index[name]`` (``cpi_index``): EXP(Σ LN(1 + cpi_j) over the
    path's first k rates) × (1 + its last rate) ^ MAX(k − n, 0), k the operating years
    elapsed (before operation negative, which gives 1 as the floored years do), n the
    path's length."""
    r, k = x.v(f"opex[{c.o.name}].cpi"), c.elapsed(x)
    n = f"COLUMNS({r})"
    return (
        f"=EXP(SUMPRODUCT(LN(1+{r})*(COLUMN({r})-MIN(COLUMN({r}))<{k})))"
        f"*(1+INDEX({r},{n}))^MAX({k}-{n},0)"
    )


def _leasable_area_formula(c: Cells, x: Refs) -> str:
    """``Basis.formula`` of ``_leasable_area``, on the CPI index row."""
    if c.o.revenues is None:
        area = c.i(x, "quantity")
    else:
        area = "+".join(x.i(f"revenues[{n}].quantity") for n in c.o.revenues)
    index = c.helper(x, CPI_INDEX.id)
    return f"={c.i(x, 'area_cost')}*{c.cost_factor(x)}*({area})*{index}*{c.act(x)}/{x.i(PPY)}"


CPI_INDEX = Helper(
    "xl.cpi_index",
    "CPI指数（首个运营年=1）",
    "CPI index (first operating year 1)",
    _cpi_index_formula,
)
"""The CPI index row of a ``leasable_area`` item."""


BASES: dict[OpexBasis, Basis] = {
    OpexBasis.FIXED: Basis("fixed amount", "amount", "money", _fixed, _fixed_formula),
    OpexBasis.PER_UNIT: Basis("per unit", "unit_cost", "price", _per_unit, _per_unit_formula),
    OpexBasis.REVENUE_SHARE: Basis(
        "share of revenue", "share", "share", _revenue_share, _revenue_share_formula
    ),
    OpexBasis.ASSET_SHARE: Basis(
        "share of asset value",
        "share",
        "share",
        _asset_share,
        _asset_share_formula,
    ),
    OpexBasis.LEASABLE_AREA: Basis(
        "per m² of leasable area, CPI-indexed",
        "area_cost",
        "price",
        _leasable_area,
        _leasable_area_formula,
        vectors=("cpi",),
        helpers=(CPI_INDEX,),
    ),
}
"""Each basis: its labels, its sizing field and its rule."""
