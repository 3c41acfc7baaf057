"""Compile the funding spec into arrays: scheduled sources, bond schedules, loan terms.

Everything here is fixed before the period loop runs: fiscal disbursements, fund
contributions, operating subsidies and bond cash flows do not depend on cash
performance. Loans, equity, reserves and distributions are set in the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from renewfin.core.context import RunContext
from renewfin.core.grants import disbursement, fiscal_flows
from renewfin.instruments import special_bond
from renewfin.instruments.loan import RepaymentTerms, lpr_rates, repayment_terms
from renewfin.instruments.reserve import ReserveSchedule, capitalisation_share, maintenance_reserve
from renewfin.spec.funding import (
    ConstructionInterest,
    DrawTiming,
    FiscalUse,
    LoanRepayment,
    LprTenor,
    RateType,
    SpecialBond,
)
from renewfin.spec.model import mmra_items


@dataclass(frozen=True)
class Tranche:
    """A bond tranche (an original or a refinancing one) and its cash flows."""

    name: str
    schedule: special_bond.BondSchedule
    capital_share: float
    refinancing_of: str | None = None
    refinanced_principal: np.ndarray | None = None
    """Principal of this tranche repaid by a refinancing tranche (S|1, T) [money]."""
    paid_interest: bool = False
    """Coupons of construction periods paid from the project's own funds
    (``ConstructionInterest.PAID``) rather than financed with the construction cost."""
    escrow: special_bond.EscrowSchedule | None = None
    """The bond-repayment reserve that holds the tranche to maturity after a REIT exit
    (``special_bond.escrow_at``), or None (no exit, or redeemed at it)."""


@dataclass(frozen=True)
class LoanPlan:
    """A loan's fixed terms."""

    name: str
    index: int
    rate: np.ndarray
    """Annual rate of each period (S|1, T) [1/yr]."""
    terms: RepaymentTerms
    close: int
    """Financial close: first construction period."""
    amount_cap: np.ndarray | None
    gearing_cap: np.ndarray | None
    dscr_target: np.ndarray | None
    upfront_fee_rate: np.ndarray
    commitment_fee_rate: np.ndarray
    dsra_periods: int
    cash_sweep: float
    lockup_dscr: float | None
    llcr_target: np.ndarray | None = None
    """(S,) target LLCR of the optional LLCR bound."""
    stamp_duty_rate: float = 0.0
    """印花税 on the loan contract as a share of the facility, paid with the up-front fee
    (``tax.stamp_duty_loan_rate``)."""
    draw_weight: float = 0.5
    """Share of a period the period's drawings are outstanding (``DrawTiming.weight``)."""
    paid_interest: bool = False
    """Construction interest paid in cash from own funds (``ConstructionInterest.PAID``)."""


@dataclass
class FundingPlan:
    """Scheduled sources and instrument terms of a run, arrays (S|1, T) [money]."""

    grants: dict[str, np.ndarray] = field(default_factory=dict)
    grants_capital: dict[str, bool] = field(default_factory=dict)
    injections: dict[str, np.ndarray] = field(default_factory=dict)
    interest_subsidies: dict[str, tuple[int, np.ndarray, bool]] = field(default_factory=dict)
    """name → (loan index, share-of-interest per period (S|1, T), taxable)."""
    fund_contribution: np.ndarray | None = None
    bonds: list[Tranche] = field(default_factory=list)
    loans: list[LoanPlan] = field(default_factory=list)
    cap_share: np.ndarray = field(default_factory=lambda: np.ones((1, 1)))
    """(S|1, T|1) share of construction-period interest on opening balances capitalised
    (``renewfin.instruments.reserve.capitalisation_share``); 1 with a single phase."""
    mmra: ReserveSchedule | None = None
    """The maintenance reserve, when the spec has one."""
    cash_rate: np.ndarray = field(default_factory=lambda: np.zeros((1, 1)))
    """(S|1, 1) interest earned on cash and reserve balances [1/yr]."""


def _tranches(ctx: RunContext, b: SpecialBond) -> list[Tranche]:
    tl, inputs = ctx.timeline, ctx.inputs
    at = f"funding.special_bonds[{b.name}]"
    amount = inputs.scalar(f"{at}.amount", b.amount)
    coupon = inputs.scalar(f"{at}.coupon", b.coupon)
    issue = int(tl.periods(b.issue_year))
    shares = special_bond.principal_shares(b.tenor_years, b.repayment_schedule)
    at_end = b.draw_timing is DrawTiming.END
    sched = special_bond.schedule(
        amount,
        issue,
        b.tenor_years,
        coupon,
        tl.ppy,
        tl.n_periods,
        coupons_per_year=b.frequency.per_year,
        shares=shares,
        issuance_fee_rate=b.issuance_fee_rate,
        payment_fee_rate=b.payment_fee_rate,
        proceeds_at_end=at_end,
    )
    paid = b.construction_interest is ConstructionInterest.PAID
    if b.refinance_share <= 0:
        return [Tranche(b.name, sched, b.capital_share, paid_interest=paid)]
    maturity = issue + int(at_end) + b.tenor_years * tl.ppy - 1
    due = sched.principal[:, maturity : maturity + 1]
    refi = due * b.refinance_share
    tenor = b.refinance_tenor_years or b.tenor_years
    new = special_bond.schedule(
        refi,
        maturity,
        tenor,
        inputs.scalar(f"{at}.refinance_coupon", b.refinance_coupon or b.coupon),
        tl.ppy,
        tl.n_periods,
        coupons_per_year=b.frequency.per_year,
        issuance_fee_rate=b.issuance_fee_rate,
        payment_fee_rate=b.payment_fee_rate,
        proceeds_at_end=True,
    )
    mask = np.zeros((1, tl.n_periods))
    mask[0, maturity] = 1.0
    return [
        Tranche(
            b.name, sched, b.capital_share, refinanced_principal=refi * mask, paid_interest=paid
        ),
        Tranche(f"{b.name}（再融资）", new, 0.0, refinancing_of=b.name, paid_interest=paid),
    ]


def _at_exit(ctx: RunContext, b: SpecialBond, tr: Tranche) -> Tranche:
    """The tranche at a REIT exit: redeemed from the proceeds when ``b`` is listed in
    ``reit_exit.early_redemption`` or refinanced, else held to maturity from a
    bond-repayment reserve (DOMAIN.md §5); unchanged without an exit."""
    rx, e = ctx.spec.funding.reit_exit, ctx.exit_period
    if rx is None or e is None:
        return tr
    if b.name in rx.early_redemption or b.refinance_share > 0:
        return replace(tr, schedule=special_bond.prepay_at(tr.schedule, e, b.payment_fee_rate))
    rate = ctx.inputs.scalar("funding.reit_exit.escrow_rate", rx.escrow_rate)
    company, escrow = special_bond.escrow_at(tr.schedule, e, rate, ctx.timeline.ppy)
    return replace(tr, schedule=company, escrow=escrow)


def compile_plan(ctx: RunContext) -> FundingPlan:
    """Scheduled sources and instrument terms of the spec's funding stack."""
    spec, inputs, tl = ctx.spec, ctx.inputs, ctx.timeline
    fs = spec.funding
    plan = FundingPlan()
    loan_index = {ln.name: i for i, ln in enumerate(fs.loans)}
    t = tl.t
    for f in fs.fiscal_funds:
        at = f"funding.fiscal_funds[{f.name}]"
        if f.use in (FiscalUse.CAPITAL_GRANT, FiscalUse.EQUITY_INJECTION):
            flows = fiscal_flows(ctx, f)
            if f.use is FiscalUse.CAPITAL_GRANT:
                plan.grants[f.name] = flows
                plan.grants_capital[f.name] = f.counts_as_capital
            else:
                plan.injections[f.name] = flows
        elif f.use is FiscalUse.OPERATING_SUBSIDY:
            continue  # income of the operating model: see renewfin.core.subsidy
        else:
            assert f.loan is not None and f.share is not None
            close = min(p.start for p in ctx.phases.values())
            end = tl.n_periods if f.years is None else close + int(tl.periods(f.years))
            share = inputs.scalar(f"{at}.share", f.share) * ((t >= close) & (t < end))
            plan.interest_subsidies[f.name] = (loan_index[f.loan], share, f.taxable)
    if fs.fund is not None:
        fund = fs.fund
        amount = inputs.scalar("funding.fund.amount", fund.amount)
        plan.fund_contribution = amount * disbursement(ctx, fund.schedule, fund.start_year)
    for b in fs.special_bonds:
        plan.bonds.extend(_at_exit(ctx, b, tr) for tr in _tranches(ctx, b))
    close = min(p.start for p in ctx.phases.values())
    for i, ln in enumerate(fs.loans):
        at = f"funding.loans[{ln.name}]"
        if ln.rate_type is RateType.FIXED:
            rate = inputs.scalar(f"{at}.rate", float(ln.rate or 0.0)) * np.ones((1, tl.n_periods))
        else:
            five = ln.lpr_tenor is LprTenor.FIVE_YEAR
            level = fs.lpr.five_year if five else fs.lpr.one_year
            path = fs.lpr.five_year_path if five else fs.lpr.one_year_path
            key = "five_year" if five else "one_year"
            lpr = lpr_rates(level, path, tl.ppy, tl.n_periods)
            shift = inputs.scalar(f"funding.lpr.{key}", level) - level
            rate = lpr + shift + inputs.scalar(f"{at}.spread", ln.spread)
        repay_start = close + int(tl.periods(ln.grace_years))
        maturity = close + int(tl.periods(ln.tenor_years))
        sz = ln.sizing
        dscr = sz.dscr if sz.dscr is not None else None
        if ln.repayment is LoanRepayment.SCULPTED and dscr is None:
            dscr = ln.target_dscr
        plan.loans.append(
            LoanPlan(
                name=ln.name,
                index=i,
                rate=rate,
                terms=repayment_terms(ln, repay_start, maturity, tl.ppy),
                close=close,
                amount_cap=None
                if sz.amount is None
                else inputs.scalar(f"{at}.sizing.amount", sz.amount)[:, 0],
                gearing_cap=None
                if sz.gearing is None
                else inputs.scalar(f"{at}.sizing.gearing", sz.gearing)[:, 0],
                dscr_target=None
                if dscr is None
                else inputs.scalar(f"{at}.sizing.dscr", dscr)[:, 0],
                upfront_fee_rate=inputs.scalar(f"{at}.upfront_fee_rate", ln.upfront_fee_rate)[:, 0],
                commitment_fee_rate=inputs.scalar(
                    f"{at}.commitment_fee_rate", ln.commitment_fee_rate
                )[:, 0],
                stamp_duty_rate=ctx.rates.stamp_loan,
                dsra_periods=round(ln.dsra_months * tl.ppy / 12),
                cash_sweep=ln.cash_sweep,
                lockup_dscr=ln.lockup_dscr,
                llcr_target=None
                if sz.llcr is None
                else inputs.scalar(f"{at}.sizing.llcr", sz.llcr)[:, 0],
                draw_weight=ln.draw_timing.weight,
                paid_interest=ln.construction_interest is ConstructionInterest.PAID,
            )
        )
    plan.cap_share = _capitalisation_share(ctx)
    plan.mmra = _mmra(ctx)
    plan.cash_rate = inputs.scalar("funding.cash_interest_rate", fs.cash_interest_rate)
    return plan


def _capitalisation_share(ctx: RunContext) -> np.ndarray:
    """Share of construction-period interest on opening balances that is capitalised,
    (S|1, T): 1 with one phase; with several, the share of the investment spent so far on
    phases still under construction (``capitalisation_share``)."""
    led = ctx.ledger
    if len(ctx.phases) < 2:
        return np.ones((1, ctx.timeline.n_periods))
    return capitalisation_share(
        [led.raw(f"capex.phase[{p}]") for p in ctx.phases],
        [led.raw(f"flag.construction[{p}]") for p in ctx.phases],
    )


def _mmra(ctx: RunContext) -> ReserveSchedule | None:
    """The maintenance reserve of the spec's cyclical costs (``funding.mmra``), or None."""
    names = mmra_items(ctx.spec)
    if ctx.spec.funding.mmra is None:
        return None
    led = ctx.ledger
    zeros = np.zeros((1, ctx.timeline.n_periods))
    cost = sum((led.raw(f"opex.item[{n}]") for n in names), zeros)
    operating = (1.0 - led.raw("flag.construction")) * led.raw("flag.held")
    return maintenance_reserve(cost, operating)
