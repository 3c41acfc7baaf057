"""REIT exit before financing: the value of the asset at exit and the REIT tests.

The value comes from the engine's own projection of the asset's NOI after the exit
(revenue − operating costs − property tax, as if held to the horizon); the project
company receives the value less transaction costs at the end of the exit period.
"""

from __future__ import annotations

import numpy as np

from renewfin.core.context import RunContext
from renewfin.core.tax import lat_costs, lat_due
from renewfin.instruments import reit
from renewfin.ledger import Detail, Kind
from renewfin.spec.funding import ReitAssetType, ReitValuation
from renewfin.spec.revenue import RevenueKind, VatMethod

DETAIL: Detail = (
    "tax.exit_lat",
    "tax.exit_lat_appreciation",
    "tax.exit_lat_deductions",
    "tax.exit_stamp_duty",
    "reit.noi_projection",
    "reit.recovered",
    "reit.flag_exit",
)
"""Lines only tables and reports show: a lean run leaves them out (``renewfin.lean``)."""


def valuation(ctx: RunContext) -> np.ndarray | None:
    """The REIT's value of the asset at the exit, (S,) [money], or None without an exit:
    NOI ÷ cap rate on the first year after the exit, or the DCF of the NOI after it (with a
    terminal value at the cap rate for an ownership asset). Reads ``ctx.projection``
    (revenue, opex, property tax as if held), so it runs once the property tax is known."""
    spec, tl, inputs = ctx.spec, ctx.timeline, ctx.inputs
    rx = spec.funding.reit_exit
    if rx is None or ctx.exit_period is None:
        return None
    e, p = ctx.exit_period, ctx.projection
    noi = p["revenue"] - p["opex"] - p["property_tax"]
    end = rx.last_period(tl.ppy, tl.n_periods)  # the concession's end, or the horizon
    after = np.broadcast_to(noi, (max(noi.shape[0], 1), tl.n_periods))[:, e + 1 : end + 1]
    # each rate registered only where the valuation reads it: the cap rate for NOI / cap
    # and an ownership DCF's terminal value, the discount rate for a DCF
    cap = lambda: inputs.scalar("funding.reit_exit.cap_rate", rx.cap_rate)[:, 0]  # noqa: E731
    if rx.valuation is ReitValuation.NOI_CAP:
        return np.asarray(reit.noi_cap_value(after[:, : tl.ppy].sum(axis=1), cap()))
    rate = inputs.scalar("funding.reit_exit.discount_rate", rx.discount_rate)[:, 0]
    terminal = cap() if rx.asset_type is ReitAssetType.OWNERSHIP else None
    return np.asarray(reit.dcf_value(after, rate, tl.ppy, terminal))


def transfer_vat(ctx: RunContext, value: np.ndarray | None) -> np.ndarray:
    """Output VAT on the transfer of the asset at the exit, (S|1, T) [money]: the value is
    the price including VAT (含税价), so VAT = value × r ÷ (1 + r) in the exit period, r the
    sales rate of ``reit_exit.vat_method`` (general 9 %, simplified 5 %, exempt 0)."""
    zeros = np.zeros((1, ctx.timeline.n_periods))
    rx = ctx.spec.funding.reit_exit
    if value is None or rx is None or rx.vat_method is VatMethod.EXEMPT:
        return zeros
    rates = ctx.rates
    table = rates.simplified_vat if rx.vat_method is VatMethod.SIMPLIFIED else rates.vat
    r = table[RevenueKind.SALE]
    return np.asarray(value[:, None] * r / (1.0 + r) * (ctx.timeline.t == ctx.exit_period))


def build(ctx: RunContext) -> dict[str, np.ndarray]:
    """Record the exit value, the taxes on the transfer and the net proceeds; return the
    REIT metrics, each (S,)."""
    spec, led, tl = ctx.spec, ctx.ledger, ctx.timeline
    rx = spec.funding.reit_exit
    zeros = np.zeros((1, tl.n_periods))
    value = valuation(ctx)
    if rx is None or ctx.exit_period is None or value is None:
        led.add("reit.value", "REITs估值", "REIT exit value", zeros, group="reit")
        led.add(
            "reit.net_proceeds", "REITs退出净收入", "REIT exit net proceeds", zeros, group="reit"
        )
        return {}
    e = ctx.exit_period
    p = ctx.projection
    noi = p["revenue"] - p["opex"] - p["property_tax"]
    led.add(
        "reit.noi_projection", "资产净营业收入预测", "Projected NOI of the asset", noi, group="reit"
    )
    end = rx.last_period(tl.ppy, tl.n_periods)
    after = np.broadcast_to(noi, (max(noi.shape[0], 1), tl.n_periods))[:, e + 1 : end + 1]
    # A per-scenario rate over a NOI equal in every scenario: both to (S, ·).
    after = np.broadcast_to(after, (max(after.shape[0], value.shape[0]), after.shape[1]))
    at_exit = (tl.t == e).astype(float)
    gross = led.add(
        "reit.value", "REITs估值", "REIT exit value", value[:, None] * at_exit, group="reit"
    )
    taxes = transfer_taxes(ctx, gross)
    led.add(
        "reit.net_proceeds",
        "REITs退出净收入",
        "REIT exit net proceeds",
        gross * (1.0 - rx.transaction_cost_rate) - taxes,
        group="reit",
    )
    distributable = _distributable(ctx, value, e)
    led.add(
        "reit.distributable",
        "REITs可供分配金额（预测）",
        "REIT distributable cash (projected)",
        distributable,
        group="reit",
    )
    s = max(value.shape[0], distributable.shape[0])  # per-scenario fees or values: (S, ·)
    rates = reit.distribution_rates(
        np.broadcast_to(distributable, (s, tl.n_periods))[:, e + 1 :],
        np.broadcast_to(value, (s,)),
        tl.ppy,
    )
    irr = reit.asset_irr(after, value, tl.ppy)
    op_years = (e + 1 - ctx.last_phase.completion[:, 0]) / tl.ppy
    size = value * spec.project.money_unit.yuan / 1e8
    ownership = rx.asset_type is ReitAssetType.OWNERSHIP
    ok_years = op_years >= rx.min_operating_years - 1e-9
    ok_yield = np.all(rates >= rx.min_distribution_rate, axis=1) if ownership else True
    ok_irr = irr >= rx.min_irr if not ownership else True
    ok_size = size >= rx.size_floor - 1e-12
    eligible = ok_years & ok_yield & ok_irr & ok_size
    led.add(
        "reit.flag_exit", "REITs退出标志", "REIT exit flag", at_exit, group="reit", kind=Kind.FLAG
    )
    return {
        "reit_exit_value": np.broadcast_to(value, (s,)),
        "reit_distribution_yield": rates[:, 0],
        "reit_asset_irr": np.broadcast_to(irr, (s,)),
        "reit_operating_years": np.broadcast_to(op_years, (s,)).astype(float),
        "reit_size_yi_yuan": np.broadcast_to(size, (s,)),
        "reit_eligible": np.broadcast_to(eligible, (s,)).astype(float),
    }


def transfer_taxes(ctx: RunContext, value: np.ndarray) -> np.ndarray:
    """Record the taxes on the transfer of the asset at the exit and return their total,
    which the net proceeds bear (a non-developer's taxes on a disposal go to 固定资产清理,
    not 税金及附加), (S|1, T) [money]: the output VAT (``tax.exit_output_vat``, from
    ``tax.build_indirect``), its surcharges (``tax.exit_surcharges``), 印花税 on the transfer
    deed at the transfer rate on the price excluding VAT (印花税法 第五条), and 土地增值税 on
    the transfer of old property (``exit_lat``). ``value`` (S|1, T) the exit value, in the
    exit period [money]."""
    led, rates = ctx.ledger, ctx.rates
    vat = led.raw("tax.exit_output_vat")
    surcharges = led.raw("tax.exit_surcharges")
    price = value - vat  # 不含增值税 (财税〔2016〕43号 第三条)
    stamp = led.add(
        "tax.exit_stamp_duty",
        "印花税：资产转让产权转移书据（退出）",
        "Stamp duty on the transfer deed (exit)",
        price * rates.stamp_transfer,
        group="tax",
    )
    lat = exit_lat(ctx, price, surcharges + stamp)
    return np.asarray(vat + surcharges + stamp + lat)


EXIT_LAT = ("tax.exit_lat", "土地增值税（退出）", "Land appreciation tax on the exit")
"""Id and labels of the exit's 土地增值税 line."""


def exit_lat(ctx: RunContext, price: np.ndarray, transfer_taxes: np.ndarray) -> np.ndarray:
    """Record 土地增值税 on the exit as a transfer of old property (旧房转让) and return it,
    (S|1, T) [money], paid in the exit period (土地增值税暂行条例 第十条: no prepayment).

    扣除项目 (条例 第六条(四), 实施细则 第七条(四)): the assessed value of the buildings,
    重置成本价 (``reit_exit.lat_replacement_cost``, default the non-land investment excl.
    the input VAT credited) × 成新度折扣率 (``lat_condition_rate``, default 1 − years
    operated ÷ the ``building`` life); the land's cost with its 契税 (地价款及有关费用); the
    taxes on the transfer (surcharges and stamp duty; VAT excluded, 财税〔2016〕43号 第三条).
    No 开发费用 and no 20 % uplift (new property of developers only); no ordinary-housing
    exemption. The brackets are ``tax.land_appreciation.brackets``. ``price`` the proceeds
    excl. VAT and ``transfer_taxes`` (S|1, T) in the exit period [money]."""
    spec, led, tl, rates = ctx.spec, ctx.ledger, ctx.timeline, ctx.rates
    rx = spec.funding.reit_exit
    assert rx is not None and ctx.exit_period is not None
    on = rx.land_appreciation_tax if rx.land_appreciation_tax is not None else rates.lat_enabled
    if not on:
        zeros = np.zeros((1, tl.n_periods))
        return led.add(*EXIT_LAT, zeros, group="tax")
    at_exit = (tl.t == ctx.exit_period).astype(float)
    land, works = lat_costs(ctx)
    cost = works if rx.lat_replacement_cost is None else np.full((1, 1), rx.lat_replacement_cost)
    condition: np.ndarray | float
    if rx.lat_condition_rate is not None:
        condition = rx.lat_condition_rate
    else:
        life = spec.depreciation.get("building").life_years
        years = (ctx.exit_period + 1 - ctx.last_phase.completion) / tl.ppy
        condition = np.clip(1.0 - years / life, 0.0, 1.0)
    deductions = led.add(
        "tax.exit_lat_deductions",
        "土地增值税扣除项目金额（退出，旧房转让）",
        "LAT deductions on the exit (old property transfer)",
        at_exit * (cost * condition + land) + transfer_taxes,
        group="tax",
    )
    led.add(
        "tax.exit_lat_appreciation",
        "土地增值额（退出）",
        "Land appreciation on the exit",
        price - deductions,
        group="tax",
    )
    brackets = [(b.up_to, b.rate, b.quick_deduction) for b in spec.tax.land_appreciation.brackets]
    return led.add(*EXIT_LAT, lat_due(price, deductions, brackets), group="tax")


def _distributable(ctx: RunContext, value: np.ndarray, e: int) -> np.ndarray:
    """(S, T) the REIT's distributable cash in the periods after the exit period ``e``
    (``reit.distributable_cash`` on the engine's projection of NOI and revenue), 0 up to
    the exit [money]."""
    inputs, p, tl = ctx.inputs, ctx.projection, ctx.timeline
    at = "funding.reit_exit"
    rx = ctx.spec.funding.reit_exit
    assert rx is not None
    cash = reit.distributable_cash(
        p["revenue"] - p["opex"] - p["property_tax"],
        p["revenue"],
        value,
        tl.ppy,
        fee_rate=inputs.scalar(f"{at}.management_fee_rate", rx.management_fee_rate),
        capex_rate=inputs.scalar(f"{at}.capex_reserve_rate", rx.capex_reserve_rate),
        tax_rate=inputs.scalar(f"{at}.spv_tax_rate", rx.spv_tax_rate),
        debt_service=inputs.scalar(f"{at}.debt_service", rx.debt_service),
    )
    return np.asarray(cash * (tl.t > e))


OWNER_LINES = (
    ("reit.retained_subscription", "原始权益人认购REITs份额", "Retained REIT units subscribed"),
    ("reit.retained_distribution", "持有份额收益分配", "Distributions on the retained units"),
    ("reit.retained_sale", "锁定期满出售份额", "Retained units sold after the lock-up"),
    ("reit.recovered", "回收资金（净额）", "Net recovered money"),
    ("reit.reinvested", "回收资金再投资", "Recovered money reinvested"),
)
"""The shareholders' REIT lines after the waterfall (``owner_lines``)."""


def owner_lines(ctx: RunContext, distribution: np.ndarray) -> np.ndarray:
    """Record what the shareholders do with a REIT exit (``OWNER_LINES``) and return their
    net cash from it, (S, T) [money]: − the retained units ``retained_share × value`` at the
    exit, + ``retained_share × payout × distributable cash`` after it to the end of the
    lock-up, + the units sold then at the issue price, − ``reinvestment_share`` of the net
    recovered money (the exit period's distribution less the units, at least 0) unless it
    counts as a return. ``distribution`` (S, T) the company's distributions [money]."""
    led, tl, rx, e = ctx.ledger, ctx.timeline, ctx.spec.funding.reit_exit, ctx.exit_period
    assert rx is not None and e is not None
    t = tl.t
    sale = min(e + rx.lockup_years * tl.ppy, tl.n_periods - 1)
    value = led.raw("reit.value").sum(axis=1, keepdims=True)
    retained = rx.retained_share
    units = retained * led.raw("reit.value")
    paid = retained * rx.payout_ratio * led.raw("reit.distributable") * (t <= sale)
    sold = retained * value * (t == sale)
    recovered = np.maximum(distribution - units, 0.0) * (t == e)
    reinvested = rx.reinvestment_share * recovered
    for (id, zh, en), values in zip(
        OWNER_LINES, (units, paid, sold, recovered, reinvested), strict=True
    ):
        led.add(id, zh, en, values, group="reit")
    kept = 0.0 if rx.reinvestment_counts_as_return else 1.0
    return np.asarray(-units + paid + sold - kept * reinvested)
