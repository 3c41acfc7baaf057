"""Asset-related government grants (与资产相关的政府补助): their disbursement, their release
into profit, and their income-tax effect.

企业会计准则第16号——政府补助 第八条: a grant for assets is either recognised as deferred
income (递延收益) and released into profit over the assets' lives (总额法, ``gross``), or
deducted from the assets' cost (净额法, ``net``); either way the profit of each period is the
same, and the unreleased balance goes to profit when the assets are disposed of. Each grant
relates to the assets the company keeps, pro rata to their original value, so the share of
each period's depreciation (and cost of sales of inventory) it pays for is
``amount ÷ original value``.

Income tax: a taxable grant is income in the period received (财税〔2008〕151号 第一条) and the
assets' depreciation is deducted in full; a grant treated as 不征税收入 (财税〔2011〕70号
第一条) is not income, and the depreciation of what it paid for is not deductible (第二条).
"""

from __future__ import annotations

import numpy as np

from renewfin.core.context import RunContext
from renewfin.finance import cumulative
from renewfin.instruments import grant
from renewfin.ledger import Kind
from renewfin.spec.funding import FiscalFund, FiscalUse, GrantMethod


def disbursement(ctx: RunContext, schedule: list[float] | None, start_year: float) -> np.ndarray:
    """Shares of a grant or injection paid in each period, (1, T): the ``schedule``'s yearly
    shares from ``start_year`` [yr], or in step with the construction spending when it is
    None."""
    tl = ctx.timeline
    if schedule is None:
        return grant.with_spending(ctx.ledger.raw("capex.total"))
    return grant.yearly_profile(schedule, int(tl.periods(start_year)), tl.ppy, tl.n_periods)


def fiscal_flows(ctx: RunContext, f: FiscalFund) -> np.ndarray:
    """A capital grant's or equity injection's payments per period, (S|1, T) [money]."""
    amount = ctx.inputs.scalar(f"funding.fiscal_funds[{f.name}].amount", f.amount)
    return amount * disbursement(ctx, f.schedule, f.start_year)


def capital_grants(ctx: RunContext) -> list[FiscalFund]:
    """The spec's capital grants, in order."""
    return [f for f in ctx.spec.funding.fiscal_funds if f.use is FiscalUse.CAPITAL_GRANT]


def grant_shares(amounts: np.ndarray, original_value: np.ndarray) -> np.ndarray:
    """Share of the kept assets' cost each grant paid for: amount ÷ max(original value, Σ
    amounts), so that the shares add up to at most 1 (a grant above the assets' cost pays
    for no more than all of it).

    Parameters
    ----------
    amounts : (G, S|1, 1) array
        Each grant's total [money].
    original_value : (S|1, 1) array
        Original value of the assets the company keeps, before financing costs [money].

    Returns
    -------
    (G, S|1, 1) array [-]
    """
    base = np.maximum(original_value, amounts.sum(axis=0))
    return np.divide(amounts, base, out=np.zeros(np.broadcast(amounts, base).shape), where=base > 0)


def unspent_taxed(ctx: RunContext, grants: list[FiscalFund], flows: list[np.ndarray]) -> np.ndarray:
    """不征税收入 not spent within 60 months, taxed in the sixth year (财税〔2011〕70号 第三条),
    (S|1, T) [money], in the period five years after each receipt. A grant's stated
    ``unspent_share`` × its receipts; for the others, pooled, the receipt of period k is
    unspent as far as the grants received to k exceed the investment spent to k + 60 months
    (first in, first out): clip(G(k) − C(k + 5 ppy), 0, g(k)), with the spending to the
    horizon when the window ends after it (then the tax falls outside the model)."""
    tl = ctx.timeline
    zeros = np.zeros((1, tl.n_periods))
    window = 5 * tl.ppy
    stated = sum(
        (
            f.unspent_share * fl
            for f, fl in zip(grants, flows, strict=True)
            if not f.taxable and f.unspent_share is not None
        ),
        zeros,
    )
    pooled = sum(
        (
            fl
            for f, fl in zip(grants, flows, strict=True)
            if not f.taxable and f.unspent_share is None
        ),
        zeros,
    )
    spent = np.cumsum(ctx.ledger.raw("capex.total"), axis=1)
    later = spent[:, np.minimum(np.arange(tl.n_periods) + window, tl.n_periods - 1)]
    derived = np.clip(np.cumsum(pooled, axis=1) - later, 0.0, pooled)
    unspent = stated + derived
    taxed = np.zeros(unspent.shape)
    taxed[:, window:] = unspent[:, : max(tl.n_periods - window, 0)]
    return taxed


def build(ctx: RunContext, original_value: np.ndarray) -> None:
    """Record the grant lines, each (S|1, T) [money]: ``grant.release`` (总额法 deferred
    income released), ``grant.cost_offset`` (净额法 depreciation and cost not charged),
    ``grant.tax_adjustment`` (what the grants add to taxable income), and the balances
    ``grant.deferred_income`` (递延收益: gross-method grants received less released) and
    ``grant.asset_reduction`` (net-method grants received less the depreciation they bore,
    off the assets' book value). ``original_value`` (S|1, 1) is the kept assets' total
    [money]."""
    led, tl = ctx.ledger, ctx.timeline
    zeros = np.zeros((1, tl.n_periods))
    grants = capital_grants(ctx)
    flows = [fiscal_flows(ctx, f) for f in grants]
    # What the depreciation charges of the period consume of the assets' cost: the charge,
    # and at a disposal (REIT exit) the net book value derecognised (准则 第八条 第二款).
    consumed = led.raw("dep.total") + led.raw("dep.book_value_at_end") * (
        ctx.exit_period is not None
    )
    release = offset = adjustment = received_gross = received_net = zeros
    taxed = unspent_taxed(ctx, grants, flows)
    if grants:
        amounts = np.stack([fl.sum(axis=1, keepdims=True) for fl in flows])
        base = np.maximum(original_value, amounts.sum(axis=0))
        shares = grant_shares(amounts, original_value)
        for f, flow, share in zip(grants, flows, shares, strict=True):
            used = share * consumed
            if f.grant_method is GrantMethod.GROSS:
                release, received_gross = release + used, received_gross + flow
            else:
                offset, received_net = offset + used, received_net + flow
            adjustment = adjustment + (flow if f.taxable else used)
        # Once taxed, the unspent part's expenditure is deductible (第三条): the share of
        # the depreciation not deductible falls by what has been taxed ÷ the assets' cost.
        relief = np.divide(
            np.cumsum(taxed, axis=1),
            base,
            out=np.zeros(np.broadcast(taxed, base).shape),
            where=base > 0,
        )
        adjustment = adjustment + taxed - relief * consumed
    led.add(
        "grant.unspent_taxed",
        "不征税收入5年未使用部分（计入第六年应税收入）",
        "Non-taxable grants unspent after 60 months, taxed in the sixth year",
        taxed,
        group="fiscal",
    )
    led.add(
        "grant.release",
        "递延收益摊销（总额法政府补助）",
        "Deferred grant income released (gross method)",
        release,
        group="fiscal",
    )
    led.add(
        "grant.cost_offset",
        "政府补助冲减的折旧摊销（净额法）",
        "Depreciation and cost borne by grants (net method)",
        offset,
        group="fiscal",
    )
    led.add(
        "grant.tax_adjustment",
        "政府补助纳税调整（应税补助收入或不得扣除的折旧）",
        "Grant tax adjustment (taxable grants received, or depreciation not deductible)",
        adjustment,
        group="fiscal",
    )
    led.add(
        "grant.deferred_income",
        "递延收益（总额法政府补助）",
        "Deferred grant income (gross method)",
        cumulative(received_gross - release),
        group="fiscal",
        kind=Kind.BALANCE,
    )
    led.add(
        "grant.asset_reduction",
        "冲减资产账面价值的政府补助（净额法）",
        "Grants deducted from the assets' book value (net method)",
        cumulative(received_net - offset),
        group="fiscal",
        kind=Kind.BALANCE,
    )
