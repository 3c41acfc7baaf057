"""Operating revenue (营业收入, excluding VAT) by stream, and the units each stream serves."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renewfin.core.context import RunContext
from renewfin.ledger import Kind
from renewfin.spec.revenue import GrowthFrom, RevenueKind, RevenueStream
from renewfin.timeline import elapsed_years, ramp_factor, step_index, window

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
        set_aside = inputs.scalar(f"{at}.set_aside_rate", r.set_aside_rate)
        return StreamResult(sold * price * index * (1.0 - set_aside), sold * ppy)
    utilisation = inputs.scalar(f"{at}.utilisation", r.utilisation)
    ramp = inputs.vector(f"{at}.ramp_up", r.ramp_up)
    units = quantity * utilisation * ramp_factor(ramp, k) * active
    annual = units * price * r.price_per.per_year * index
    return StreamResult(annual / ppy, units)


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
