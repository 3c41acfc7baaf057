"""The financing stage of a run: compile the plan, size and run the loop, record lines."""

from __future__ import annotations

import numpy as np

from renewfin.core.context import RunContext
from renewfin.core.investment import AssetGroup
from renewfin.financing import source_lines as sources
from renewfin.financing import statements
from renewfin.financing.loop_data import Operations, Periods
from renewfin.financing.plan import FundingPlan, compile_plan
from renewfin.financing.sizing import Sizing, size_and_run
from renewfin.ledger import Detail
from renewfin.spec.funding import DistributionPolicy, Drawdown, DsraFunding

DETAIL: Detail = (  # bs.fixed_assets is read: a concession hands back its net book value
    "bs.cash",
    "bs.vat_credit",
    "bs.assets",
    "bs.liabilities",
    "bs.debt_ratio",
    "escrow.opening",
    "escrow.earned",
    "escrow.release",
    "escrow.closing",
    "pl.ebit",
    "pl.ebit_pre_financing",
    "pl.total_cost",
    "pl.subsidy_income",
    "pl.gain_on_exit",
    "pl.net_profit",
    "tax.taxable_income",
    "tax.loss_used",
    "tax.deferred_tax",
    "tax.depreciation_adjustment",
    "tax.stamp_loan",
    "finance.fees_expensed",
    "finance.fees_capitalised",
    "finance.interest_income",
    "cash.balance",
    "cash.lockup",
    "cash.bond_shortfall",
    "cash.loan_shortfall",
    "bond.refinanced",
    "fiscal.interest_subsidies",
    "loan.idc_paid",
    "fund.claim",
)
"""Lines only tables and reports show: a lean run leaves them out (``renewfin.lean``)."""


def operations(ctx: RunContext, plan: FundingPlan, assets: list[AssetGroup]) -> Operations:
    """What the period loop needs from the operating model, (S|1, T) arrays."""
    led, tl = ctx.ledger, ctx.timeline
    s, _n = ctx.inputs.n_scenarios, tl.n_periods

    def full(id: str) -> np.ndarray:
        return led.raw(id)

    subsidies = led.raw("fiscal.operating_subsidies")
    taxable_subsidies = led.raw("fiscal.operating_subsidies_taxable")
    grant_income = led.raw("grant.release") + led.raw("grant.cost_offset")
    # 减计收入 (2019年第76号) is in profit but not in taxable income.
    reduction = led.raw("tax.income_reduction") if "tax.income_reduction" in led else 0.0
    untaxed = (
        subsidies - taxable_subsidies + grant_income - led.raw("grant.tax_adjustment") + reduction
    )
    ocf = (
        full("revenue.total")
        + full("tax.output_vat")
        + subsidies
        - full("opex.total")
        - full("opex.input_vat")
        - full("tax.vat_payable")
        - full("tax.taxes_and_surcharges")
        + full("tax.vat_refund")
        - full("wc.investment")
        + full("wc.recovery")
    )
    if plan.mmra is not None:  # the reserve takes its contributions before debt service
        ocf = ocf - plan.mmra.net
    ov = sum((g.original_value for g in assets), np.zeros((1, 1)))
    last = tl.n_periods - 1 if ctx.exit_period is None else ctx.exit_period
    rate = ctx.inputs.scalar("tax.income_tax_rate", ctx.rates.income_tax)
    return Operations(
        n_scenarios=s,
        capex=full("capex.total"),
        ocf=ocf,
        taxable_before_dep=full("pl.ebitda")
        + taxable_subsidies
        + full("grant.tax_adjustment")
        - reduction,
        untaxed_income=untaxed,
        dep_pre=full("dep.total"),
        ov_total=np.broadcast_to(ov[:, 0], (s,)),
        net_proceeds=full("reit.net_proceeds"),
        availability=full("flag.construction") > 0,
        last_period=last,
        exit=ctx.exit_period is not None,
        tax_rate=np.broadcast_to(rate[:, 0], (s,)),
        tax_factor=led.raw("tax.holiday_factor") if "tax.holiday_factor" in led else 1.0,
        dep_gap=full("dep.total") - full("dep_tax.total"),
        carry_years=ctx.rates.loss_carryforward_years,
        ppy=tl.ppy,
        min_cash=ctx.spec.funding.min_cash_balance,
        debt_first=ctx.spec.funding.drawdown is Drawdown.DEBT_FIRST,
        distributable_share=(
            1.0 - ctx.spec.funding.statutory_reserve_rate
            if ctx.spec.funding.distribution_policy is DistributionPolicy.PROFIT
            else None
        ),
    )


def build(ctx: RunContext, assets: list[AssetGroup]) -> tuple[FundingPlan, Periods, Sizing]:
    """Run the funding stack and record its ledger lines."""
    spec = ctx.spec
    plan = compile_plan(ctx)
    ops = operations(ctx, plan, assets)
    months = max((ln.dsra_months for ln in spec.funding.loans), default=0)
    periods, sizing = size_and_run(
        plan,
        ops,
        spec.funding.fund,
        spec.funding.priority,
        months,
        dsra_from_plan=spec.funding.dsra_funding is DsraFunding.CONSTRUCTION,
    )
    record(ctx, plan, periods, sizing, ops)
    ctx.diagnostics.extend(zero_dscr_bounds(ctx, plan, sizing))
    if not sizing.converged.all():
        ctx.diagnostics.append(
            "UNCONVERGED: "
            + sizing.failure([ln.name for ln in plan.loans])
            + " Every figure of the failed scenarios is unreliable."
        )
    return plan, periods, sizing


def zero_dscr_bounds(ctx: RunContext, plan: FundingPlan, sizing: Sizing) -> list[str]:
    """A note for each loan whose DSCR bound is 0 because the cash available to it is not
    positive in a test year with debt service due: the year, the cash, and what would lift
    it (a maintenance reserve for a major-maintenance year, another profile, sculpting);
    for S > 1 the first scenario and how many."""
    if sizing.periods is None or sizing.dscr_cash is None:
        return []
    spec, tl = ctx.spec, ctx.timeline
    unit = spec.project.money_unit.value
    cyclical = [o.name for o in spec.opex if o.every_years is not None]
    out = []
    for k, ln in enumerate(plan.loans):
        zero = (sizing.bounds[k, 2] <= 0) & (sizing.dscr_cash[k] <= 0) & (sizing.periods[k, 0] >= 0)
        if ln.dscr_target is None or not zero.any():
            continue
        j = int(np.argmax(zero))
        p = int(sizing.periods[k, 0, j])
        year = int(tl.starts[p].year)
        cash = float(sizing.dscr_cash[k, j])
        target = float(np.broadcast_to(ln.dscr_target, zero.shape)[j])
        spell = slice(p, p + tl.ppy)
        repairs = sum(
            (
                float(
                    np.broadcast_to(ctx.ledger.raw(f"opex.item[{n}]"), (zero.size, tl.n_periods))[
                        j, spell
                    ].sum()
                )
                for n in cyclical
            ),
            0.0,
        )
        hints = []
        if repairs > 0 and spec.funding.mmra is None:
            hints.append(
                f"a maintenance reserve (funding.mmra) would fund that year's cyclical "
                f"maintenance ({repairs:,.2f} {unit}) over the years before it"
            )
        if ln.terms.profile.value != "sculpted":
            hints.append(
                "a sculpted profile (repayment: sculpted) repays only from the cash each "
                "year leaves, and a custom profile (repayment_schedule) can lighten that year"
            )
        hints.append("or more revenue, less cost or a smaller special bond ahead of the loan")
        more = f" (in {int(zero.sum())} of {zero.size} scenarios)" if zero.size > 1 else ""
        senior = f" and {target:g} × the service of the loans listed before it" if k else ""
        out.append(
            f"funding.loans[{ln.name}].sizing.dscr: the DSCR bound is 0{more}: in {year} the "
            f"cash available to the loan (CFADS less special-bond service{senior}) is "
            f"{cash:,.2f} {unit} while debt service is due, so no facility meets a DSCR of "
            f"{target:g}. To lift it: " + "; ".join(hints) + "."
        )
    return out


def record(ctx: RunContext, plan: FundingPlan, p: Periods, sizing: Sizing, ops: Operations) -> None:
    """Write the funding stack's lines into the ledger, in this order: fiscal funds, special
    bonds, loans, financing costs, equity, the fund (``renewfin.financing.source_lines``),
    then profit and tax, coverage, cash, sources and uses and the balance sheet
    (``renewfin.financing.statements``).

    Parameters
    ----------
    ctx : RunContext
        The run; its ledger receives the lines.
    plan : FundingPlan
        The compiled funding plan.
    p : Periods
        The solved loop's lines [money].
    sizing : Sizing
        The debt sizing (unused here; the stage's signature).
    ops : Operations
        The operating inputs of the loop.
    """
    sources.record_fiscal(ctx, plan, p)
    refi = sources.record_bonds(ctx, plan)
    sources.record_loans(ctx, plan, p)
    sources.record_finance_costs(ctx, p)
    sources.record_equity(ctx, p)
    sources.record_fund(ctx, p)
    pbt, tax = statements.record_profit(ctx, p)
    statements.record_coverage(ctx, p, ops, refi)
    reserve = statements.record_cash(ctx, plan, p)
    statements.record_sources_uses(ctx, p, ops)
    statements.record_balance_sheet(ctx, p, reserve, pbt, tax)
