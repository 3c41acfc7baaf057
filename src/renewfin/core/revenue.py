"""Operating revenue (营业收入, excluding VAT) by stream, and the units each stream serves."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renewfin.core.context import RunContext
from renewfin.ledger import Detail, Kind
from renewfin.spec.revenue import (
    GrowthFrom,
    LandBooking,
    RevenueKind,
    RevenueStream,
    SetAsideBase,
)
from renewfin.timeline import elapsed_years, ramp_factor, step_index, window

DETAIL: Detail = ("revenue.units[*]", "revenue.land_gross[*]", "revenue.land_net_income[*]")
"""Lines only tables and reports show: a lean run leaves them out (``renewfin.lean``)."""


KIND_ZH = {
    RevenueKind.RENT: "租金收入",
    RevenueKind.PARKING: "停车收入",
    RevenueKind.EV_CHARGING: "充电收入",
    RevenueKind.PROPERTY_SERVICES: "物业服务收入",
    RevenueKind.ADVERTISING: "广告收入",
    RevenueKind.SALE: "销售收入",
    RevenueKind.LAND_TRANSFER: "土地出让收入",
    RevenueKind.OPERATING_SUBSIDY: "服务费收入",
    RevenueKind.OTHER: "其他收入",
}


@dataclass(frozen=True)
class StreamResult:
    """One stream's revenue and utilised units."""

    revenue: np.ndarray
    """Revenue excluding VAT (and net of statutory set-asides) per period as if held to the
    horizon [money], (S|1, T); the ledger records it times the held flag."""
    units: np.ndarray
    """Utilised units per year while active [quantity_unit], (S|1, T)."""
    gross: np.ndarray | None = None
    """Land transfer: the gross income before the set-asides [money], (S|1, T)."""
    set_asides: dict[str, np.ndarray] | None = None
    """Land transfer: each set-aside on its base [money], (S|1, T), by name."""
    reimbursed: tuple[np.ndarray, np.ndarray] | None = None
    """Land booked by the government: the 成本返还 and the management fee the company
    receives [money], (S|1, T) each."""


def stream_start(ctx: RunContext, r: RevenueStream) -> np.ndarray:
    """First period of a stream: its phase's completion plus its delay, (S|1, 1)."""
    at = f"revenues[{r.name}]"
    start_after = ctx.inputs.scalar(f"{at}.start_after_years", r.start_after_years)
    return ctx.phase(r.phase).completion + ctx.timeline.periods(start_after)


def stream(ctx: RunContext, r: RevenueStream) -> StreamResult:
    """Revenue of one stream per period, excluding VAT."""
    tl, inputs = ctx.timeline, ctx.inputs
    t, ppy = tl.t, tl.ppy
    at = f"revenues[{r.name}]"
    quantity = inputs.scalar(f"{at}.quantity", r.quantity)
    price = inputs.scalar(f"{at}.unit_price", r.unit_price) * ctx.money(r.price_currency.yuan)
    if r.resettlement is not None:  # 差价 per m² × the area above each entitlement
        price = price * r.resettlement.extra_area
    growth = inputs.scalar(f"{at}.growth_rate", r.growth_rate)
    start = stream_start(ctx, r)
    end = tl.n_periods if r.end_year is None else int(tl.periods(r.end_year))
    active = window(t, start, end)
    origin = start if r.growth_from is GrowthFrom.OPERATION else 0
    index = step_index(growth, elapsed_years(t, origin, ppy), r.growth_every_years)
    k = elapsed_years(t, start, ppy)
    if r.kind.one_off:
        shares = np.asarray(r.schedule, dtype=float)[None, :]
        sold = quantity * ramp_factor_zero(shares, k) * active / ppy
        gross = sold * price * index
        if r.kind is not RevenueKind.LAND_TRANSFER:
            return StreamResult(gross, sold * ppy)
        items = set_asides(ctx, r, gross)
        if r.booked_by is LandBooking.GOVERNMENT:
            paid = cost_reimbursement(ctx, r, gross)
            return StreamResult(paid[0] + paid[1], sold * ppy, gross, items, paid)
        net = gross - sum(items.values(), np.zeros_like(gross))
        return StreamResult(net, sold * ppy, gross, items)
    utilisation = inputs.scalar(f"{at}.utilisation", r.utilisation)
    ramp = inputs.vector(f"{at}.ramp_up", r.ramp_up)
    units = quantity * utilisation * ramp_factor(ramp, k) * active
    annual = units * price * r.price_per.per_year * index
    return StreamResult(annual / ppy, units)


def set_asides(ctx: RunContext, r: RevenueStream, gross: np.ndarray) -> dict[str, np.ndarray]:
    """Each statutory set-aside of a land-transfer stream on its base (DOMAIN.md §5a), name
    → (S|1, T) [money]: ``rate × gross`` on the gross income, ``rate × gross × (1 −
    land_cost_rate)`` on 土地出让收益 (the income less the land's cost)."""
    at = f"revenues[{r.name}]"
    net = gross * (1.0 - ctx.inputs.scalar(f"{at}.land_cost_rate", r.land_cost_rate))
    return {
        name: ctx.inputs.scalar(f"{at}.{path}", r.set_aside_rate_of(path))
        * (gross if base is SetAsideBase.GROSS else net)
        for path, name, base in r.set_aside_items()
    }


def cost_reimbursement(
    ctx: RunContext, r: RevenueStream, gross: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """What the government pays the company for land it books itself (DOMAIN.md §5a): the
    成本返还, ``land_cost_rate × gross`` as the plots are sold, and the management fee,
    ``management_fee_rate ×`` that cost; each (S|1, T) [money]."""
    at = f"revenues[{r.name}]"
    cost = gross * ctx.inputs.scalar(f"{at}.land_cost_rate", r.land_cost_rate)
    return cost, cost * ctx.inputs.scalar(f"{at}.management_fee_rate", r.management_fee_rate)


def ramp_factor_zero(shares: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``shares[k]`` for year ``k`` of a sales schedule, 0 beyond its end."""
    padded = np.concatenate([shares, np.zeros((shares.shape[0], 1))], axis=1)
    return ramp_factor(padded, k) * (k < shares.shape[1])


def build(ctx: RunContext) -> dict[str, StreamResult]:
    """Record revenue by stream and in total; return each stream's result."""
    led = ctx.ledger
    out: dict[str, StreamResult] = {}
    zeros = np.zeros((1, ctx.timeline.n_periods))
    held = ctx.held
    for r in ctx.spec.revenues:
        res = stream(ctx, r)
        out[r.name] = res
        led.add(
            f"revenue.stream[{r.name}]",
            f"{KIND_ZH[r.kind]}：{r.name}",
            f"Revenue: {r.name}",
            res.revenue * held,
            group="revenue",
        )
        if res.gross is not None and res.set_asides is not None:
            _land_lines(ctx, r, res.gross, res.set_asides)
        if res.reimbursed is not None:
            _reimbursement_lines(ctx, r, res.reimbursed)
        if r.resettlement is not None:
            _resettlement_lines(ctx, r, res.units / ctx.timeline.ppy)
        led.add(
            f"revenue.units[{r.name}]",
            f"计费数量：{r.name}",
            f"Utilised units: {r.name}",
            res.units * held,
            group="revenue",
            kind=Kind.QUANTITY,
            unit=r.quantity_unit,
        )
    projected = sum((o.revenue for o in out.values()), zeros)
    ctx.projection["revenue"] = projected
    led.add("revenue.total", "营业收入", "Operating revenue", projected * held, group="revenue")
    return out


def _land_lines(
    ctx: RunContext, r: RevenueStream, gross: np.ndarray, items: dict[str, np.ndarray]
) -> None:
    """A land-transfer stream's gross income, its 土地出让收益 (net of the land's cost) and
    each set-aside, while held [money]; the stream's revenue line is what is left, the
    amount available to the project, when the company books the land (the government's
    income, for reference, when the government books it)."""
    led, held = ctx.ledger, ctx.held
    led.add(
        f"revenue.land_gross[{r.name}]",
        f"土地出让收入（总额）：{r.name}",
        f"Gross land-transfer income: {r.name}",
        gross * held,
        group="revenue",
    )
    cost = ctx.inputs.scalar(f"revenues[{r.name}].land_cost_rate", r.land_cost_rate)
    led.add(
        f"revenue.land_net_income[{r.name}]",
        f"土地出让收益（扣除征地拆迁及开发成本）：{r.name}",
        f"Land-transfer income net of the land's cost: {r.name}",
        gross * (1.0 - cost) * held,
        group="revenue",
    )
    for name, amount in items.items():
        led.add(
            f"revenue.set_aside[{r.name}][{name}]",
            f"计提{name}：{r.name}",
            f"Set-aside {name}: {r.name}",
            amount * held,
            group="revenue",
        )


def _reimbursement_lines(
    ctx: RunContext, r: RevenueStream, paid: tuple[np.ndarray, np.ndarray]
) -> None:
    """Land booked by the government: the 成本返还 and the management fee, while held
    [money]; the stream's revenue line is their sum."""
    led, held = ctx.ledger, ctx.held
    led.add(
        f"revenue.land_reimbursement[{r.name}]",
        f"政府成本返还：{r.name}",
        f"Cost reimbursement by the government: {r.name}",
        paid[0] * held,
        group="revenue",
    )
    led.add(
        f"revenue.land_management_fee[{r.name}]",
        f"政府支付管理费：{r.name}",
        f"Management fee paid by the government: {r.name}",
        paid[1] * held,
        group="revenue",
    )


def _resettlement_lines(ctx: RunContext, r: RevenueStream, households: np.ndarray) -> None:
    """Resettlement housing allocated to relocated households (``r.resettlement``;
    ``households`` allocated in each period, (S|1, T)), while held: the area allocated
    [m²] (households × ``area_per_household``) and the construction cost of the flats
    allocated [money] (the cost item's total × households / ``quantity``); the stream's
    revenue is the 差价."""
    rs, led, held = r.resettlement, ctx.ledger, ctx.held
    assert rs is not None
    quantity = ctx.inputs.scalar(f"revenues[{r.name}].quantity", r.quantity)
    share = np.divide(
        households, quantity, out=np.zeros_like(households * quantity), where=quantity > 0
    )
    cost = led.raw(f"capex.item[{rs.cost_item}]").sum(axis=1, keepdims=True)
    led.add(
        f"revenue.resettlement_area[{r.name}]",
        f"安置面积：{r.name}",
        f"Resettlement area allocated: {r.name}",
        households * rs.area_per_household * held,
        group="revenue",
        kind=Kind.QUANTITY,
        unit="m²",
    )
    led.add(
        f"revenue.resettlement_cost[{r.name}]",
        f"分配安置房建设成本：{r.name}",
        f"Construction cost of the flats allocated: {r.name}",
        cost * share * held,
        group="revenue",
    )
