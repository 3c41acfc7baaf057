"""Taxes: VAT with input credit carried forward, surcharges, property tax, and income tax
with loss carry-forward. The period loops run over T only, vectorised over scenarios."""

from __future__ import annotations

import numpy as np

from renewfin.compiled import kernel, owned
from renewfin.core.context import RunContext
from renewfin.core.investment import AssetGroup
from renewfin.core.revenue import StreamResult
from renewfin.ledger import Kind
from renewfin.spec.revenue import RevenueKind


def vat_payable(output_vat: np.ndarray, input_vat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """VAT payable (应纳增值税) with unused input VAT carried forward (留抵).

    payable_t = max(0, output_t − input_t − credit_{t−1}); credit_t = max(0, credit_{t−1} +
    input_t − output_t). Shapes (S|1, T) in; (payable, closing credit) (S, T) out [money].
    """
    out, inp = np.broadcast_arrays(output_vat, input_vat)
    payable = np.zeros(out.shape)
    credit = np.zeros(out.shape)
    c = np.zeros(out.shape[0])
    for k in range(out.shape[1]):
        net = out[:, k] - inp[:, k] - c
        payable[:, k] = np.maximum(net, 0.0)
        c = np.maximum(-net, 0.0)
        credit[:, k] = c
    return payable, credit


@kernel
def use_losses(losses: np.ndarray, y: int, carry_years: int, taxable: float) -> tuple[float, float]:
    """One period of one scenario: use earlier losses against a profit, oldest first, or
    add a loss. ``losses`` (years + 1,) losses by the model year they arose in [money],
    then the last model year a loss arose in (0 when none; no earlier bucket is read once
    that year's losses have expired), updated in place; ``y`` this period's model year;
    ``taxable`` profit before tax [money]. Returns (taxable after losses, loss used)
    [money]."""
    gain = max(taxable, 0.0)
    used = 0.0
    if carry_years > 0 and gain > 0.0 and y - carry_years <= losses[-1]:
        left = gain
        for b in range(max(0, y - carry_years), y + 1):
            if losses[b] > 0.0:
                take = min(losses[b], left)
                losses[b] -= take
                left -= take
        used = gain - left
    loss = max(-taxable, 0.0)
    if loss > 0.0:
        losses[y] += loss
        losses[-1] = max(losses[-1], float(y))
    return gain - used, used


@kernel
def _loss_relief_rows(
    x: np.ndarray, carry_years: int, ppy: int, after: np.ndarray, used: np.ndarray,
    balance: np.ndarray,
) -> None:
    """``use_losses`` period by period in each row of ``x`` (S, T) [money], writing the
    taxable profit after losses, the loss used and the losses still usable at each period's
    end into ``after``, ``used`` and ``balance`` (S, T) [money]."""
    s, n = x.shape
    losses = np.empty((n - 1) // ppy + 2)
    for j in range(s):
        losses[:] = 0.0
        for k in range(n):
            y = k // ppy
            after[j, k], used[j, k] = use_losses(losses, y, carry_years, x[j, k])
            usable = 0.0
            if carry_years > 0:
                for b in range(max(0, (k + 1) // ppy - carry_years), y + 1):
                    usable += losses[b]
            balance[j, k] = usable


def income_tax(
    taxable: np.ndarray, rate: np.ndarray | float, carry_years: int, ppy: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Income tax with losses carried forward ``carry_years`` years, oldest first.

    A loss made in model year y offsets profits of later periods of year y and of years
    y+1 … y+carry_years (企业所得税法 第十八条: five years); ``use_losses`` applies the rule
    period by period. ``taxable`` (S|1, T) profit before tax [money]; ``rate`` (S|1, 1) or
    scalar. Returns (tax, loss used, loss balance available at period end), each (S|1, T)
    [money]."""
    x = owned(taxable)
    s, n = x.shape
    after = np.empty((s, n))
    used = np.empty((s, n))
    balance = np.empty((s, n))
    _loss_relief_rows(x, carry_years, ppy, after, used, balance)
    return np.asarray(rate) * after, used, balance


def build_indirect(
    ctx: RunContext, streams: dict[str, StreamResult], assets: list[AssetGroup]
) -> None:
    """Record output and input VAT, VAT payable, surcharges and property tax."""
    spec, led, rates, inputs = ctx.spec, ctx.ledger, ctx.rates, ctx.inputs
    tl = ctx.timeline
    zeros = np.zeros((1, tl.n_periods))
    output_vat = zeros
    rental = zeros
    held = ctx.held
    for r in spec.revenues:
        rate = rates.output_vat_rate(r)
        output_vat = output_vat + streams[r.name].revenue * rate
        ptax = r.property_tax_rate
        if ptax is None:
            ptax = rates.property_rental if r.kind is RevenueKind.RENT else 0.0
        rental = rental + streams[r.name].revenue * ptax
    output_vat = output_vat * held
    led.add("tax.output_vat", "销项税额", "Output VAT", output_vat, group="tax")
    input_vat = led.raw("capex.input_vat") + led.raw("opex.input_vat")
    led.add("tax.input_vat", "进项税额", "Input VAT", input_vat, group="tax")
    payable, credit = vat_payable(output_vat, input_vat)
    led.add("tax.vat_payable", "应纳增值税", "VAT payable", payable, group="tax")
    led.add(
        "tax.vat_credit",
        "留抵进项税额",
        "Input VAT carried forward",
        credit,
        group="tax",
        kind=Kind.BALANCE,
    )
    surcharge_rate = inputs.scalar("tax.surcharge_rate", rates.surcharge)
    led.add("tax.surcharges", "增值税附加", "VAT surcharges", payable * surcharge_rate, group="tax")
    led.add(
        "tax.property_rental", "房产税（从租）", "Property tax on rent", rental * held, group="tax"
    )
    t = tl.t
    base = zeros
    for g in assets:
        if g.asset_class == "building":
            base = base + g.original_value * (t >= ctx.phases[g.phase].completion)
    ad_valorem = (
        base
        * rates.property_ad_valorem
        * (1.0 - rates.property_ad_valorem_deduction)
        * rates.property_ad_valorem_share
        / tl.ppy
    )
    ctx.projection["property_tax"] = rental + ad_valorem
    led.add(
        "tax.property_ad_valorem",
        "房产税（从价）",
        "Property tax on value",
        ad_valorem * held,
        group="tax",
    )
    led.add(
        "tax.taxes_and_surcharges",
        "税金及附加",
        "Taxes and surcharges",
        led.raw("tax.surcharges") + (rental + ad_valorem) * held,
        group="tax",
    )
