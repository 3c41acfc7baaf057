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
def _use_losses_all(
    losses: np.ndarray, y: int, carry_years: int, taxable: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    after = np.empty(taxable.shape[0])
    used = np.empty(taxable.shape[0])
    for j in range(taxable.shape[0]):
        after[j], used[j] = use_losses(losses[j], y, carry_years, taxable[j])
    return after, used


class LossPool:
    """Tax losses by the model year they arose in, used oldest first.

    A loss made in model year y offsets profits of later periods of year y and of years
    y+1 … y+carry_years (企业所得税法 第十八条: five years). State is (S, years + 1): the
    losses [money] and the last year one arose in (``use_losses``)."""

    def __init__(self, n_scenarios: int, n_periods: int, ppy: int, carry_years: int):
        self.ppy = ppy
        self.carry_years = carry_years
        self.losses = np.zeros((n_scenarios, (n_periods - 1) // ppy + 2))

    def step(self, k: int, taxable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Period ``k``: ``use_losses`` in each scenario. ``taxable`` (S,) profit before tax
        [money]. Returns (taxable after losses, loss used), each (S,)."""
        x = owned(taxable, self.losses.shape[:1])
        return _use_losses_all(self.losses, k // self.ppy, self.carry_years, x)

    def balance(self, k: int) -> np.ndarray:
        """Losses still usable after period ``k`` (S,) [money]."""
        if self.carry_years <= 0:
            return np.zeros(self.losses.shape[0])
        y = k // self.ppy
        lo = max(0, (k + 1) // self.ppy - self.carry_years)
        return self.losses[:, lo : y + 1].sum(axis=1)


def income_tax(
    taxable: np.ndarray, rate: np.ndarray | float, carry_years: int, ppy: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Income tax with losses carried forward ``carry_years`` years, oldest first.

    ``taxable`` (S|1, T) profit before tax [money]; ``rate`` (S|1, 1) or scalar. Returns
    (tax, loss used, loss balance available at period end), each (S|1, T) [money].
    See ``LossPool`` for the rule."""
    x = np.asarray(taxable, dtype=float)
    s, n = x.shape
    pool = LossPool(s, n, ppy, carry_years)
    after = np.zeros((s, n))
    used = np.zeros((s, n))
    balance = np.zeros((s, n))
    for k in range(n):
        after[:, k], used[:, k] = pool.step(k, x[:, k])
        balance[:, k] = pool.balance(k)
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
        rate = r.vat_rate if r.vat_rate is not None else rates.vat[r.kind]
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
