"""REIT exit before financing: the value of the asset at exit and the REIT tests.

The value comes from the engine's own projection of the asset's NOI after the exit
(revenue − operating costs − property tax, as if held to the horizon); the project
company receives the value less transaction costs at the end of the exit period.
"""

from __future__ import annotations

import numpy as np

from renewfin.core.context import RunContext
from renewfin.instruments import reit
from renewfin.ledger import Kind
from renewfin.spec.funding import ReitAssetType, ReitValuation


def build(ctx: RunContext) -> dict[str, np.ndarray]:
    """Record the exit value and proceeds; return the REIT metrics, each (S,)."""
    spec, led, tl, inputs = ctx.spec, ctx.ledger, ctx.timeline, ctx.inputs
    rx = spec.funding.reit_exit
    zeros = np.zeros((1, tl.n_periods))
    if rx is None or ctx.exit_period is None:
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
    end = rx.last_period(tl.ppy, tl.n_periods)  # the concession's end, or the horizon
    after = np.broadcast_to(noi, (max(noi.shape[0], 1), tl.n_periods))[:, e + 1 : end + 1]
    cap = inputs.scalar("funding.reit_exit.cap_rate", rx.cap_rate)[:, 0]
    rate = inputs.scalar("funding.reit_exit.discount_rate", rx.discount_rate)[:, 0]
    if rx.valuation is ReitValuation.NOI_CAP:
        value = reit.noi_cap_value(after[:, : tl.ppy].sum(axis=1), cap)
    else:
        terminal = cap if rx.asset_type is ReitAssetType.OWNERSHIP else None
        value = reit.dcf_value(after, rate, tl.ppy, terminal)
    # A per-scenario rate over a NOI equal in every scenario: both to (S, ·).
    after = np.broadcast_to(after, (max(after.shape[0], value.shape[0]), after.shape[1]))
    at_exit = (tl.t == e).astype(float)
    led.add("reit.value", "REITs估值", "REIT exit value", value[:, None] * at_exit, group="reit")
    net = value * (1.0 - rx.transaction_cost_rate)
    led.add(
        "reit.net_proceeds",
        "REITs退出净收入",
        "REIT exit net proceeds",
        net[:, None] * at_exit,
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
    for (id, zh, en), values in zip(OWNER_LINES, (units, paid, sold, recovered, reinvested),
                                    strict=True):
        led.add(id, zh, en, values, group="reit")
    kept = 0.0 if rx.reinvestment_counts_as_return else 1.0
    return np.asarray(-units + paid + sold - kept * reinvested)
