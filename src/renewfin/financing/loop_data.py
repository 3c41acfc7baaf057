"""The period loop's data (``renewfin.financing.waterfall``): the operating lines it reads
(``Operations``), the names of its output lines, the blocks it writes (``Buffers``, viewed by
name as ``Periods``), the fixed inputs of one solve as the compiled loop reads them
(``LoopInputs``) and one scenario's scratch state (``Workspace``).

# kernel data: compiled code reads the orders and codes defined here, so a change here
# invalidates the cached kernels (``renewfin.compiled.sources_fingerprint``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from renewfin.compiled import owned
from renewfin.core import tax as tax_math
from renewfin.financing.plan import FundingPlan
from renewfin.instruments import loan as loan_math
from renewfin.spec.funding import Fund, FundAccrual, PriorityStep


@dataclass(frozen=True)
class Operations:
    """What the loop takes from the operating model, each (S|1, T) unless noted [money]."""

    n_scenarios: int
    """S."""
    capex: np.ndarray
    """Construction investment including VAT."""
    ocf: np.ndarray
    """Operating cash flow before financing and income tax: revenue + output VAT +
    operating subsidies − operating costs − input VAT − VAT payable − taxes and surcharges
    − working capital invested + working capital recovered."""
    taxable_before_dep: np.ndarray
    """EBITDA plus taxable operating subsidies."""
    untaxed_income: np.ndarray
    """Income in profit but not taxable: non-taxable operating subsidies."""
    dep_pre: np.ndarray
    """Depreciation on original values without capitalised financing costs."""
    ov_total: np.ndarray
    """Original value of all assets without financing costs, (S,)."""
    net_proceeds: np.ndarray
    """REIT exit net proceeds."""
    availability: np.ndarray
    """Construction (drawdown) flag, bool."""
    last_period: int
    """Last period the asset is held (the horizon or the REIT exit)."""
    exit: bool
    """Whether the last period is a REIT exit (then a gain on disposal is taxed)."""
    tax_rate: np.ndarray
    """Income-tax rate, (S,)."""
    carry_years: int
    ppy: int
    min_cash: float
    distributable_share: float | None
    """Share of net profit that may be distributed (1 − statutory reserve), or None when
    distributions are limited by cash only."""
    debt_first: bool = False
    """Loans, in order, fund each construction gap before equity (else pro rata)."""
    tax_factor: np.ndarray | float = 1.0
    """Share of the income-tax rate due each period (三免三减半), (S|1, T) or 1."""
    dep_gap: np.ndarray | float = 0.0
    """Book less tax depreciation on original values without financing costs (tax lives,
    企业所得税法实施条例 第六十条), (S|1, T) or 0; the loop scales it as the depreciation."""


LINES = (
    "cash_open",
    "cash_close",
    "equity_in",
    "gap",
    "tax",
    "taxable",
    "loss_used",
    "dep",
    "interest_capitalised",
    "fees_capitalised",
    "interest_expensed",
    "fees_expensed",
    "cfads",
    "bond_service",
    "loan_service",
    "dsra_balance",
    "dsra_change",
    "distribution",
    "interest_subsidy",
    "gain",
    "lockup",
    "book_value",
    "bond_shortfall",
    "loan_shortfall",
    "interest_income",
    "subsidy_income",
    "dep_adjustment",
)
LOAN_LINES = (
    "opening",
    "draw",
    "interest",
    "capitalised",
    "principal",
    "prepayment",
    "upfront_fee",
    "commitment_fee",
    "closing",
    "subsidy",
    "idc_paid",
)
"""Each loan's lines; ``idc_paid`` is its construction interest paid in cash: all of it
when the loan pays construction interest, else the part that no longer fits in the
facility (see the module docstring)."""
FUND_LINES = (
    "contribution",
    "senior_return",
    "senior_capital",
    "junior_return",
    "junior_capital",
    "upside",
    "claim",
)


@dataclass
class Periods:
    """Everything the loop produced, arrays by name [money], each (S, T)."""

    lines: dict[str, np.ndarray] = field(default_factory=dict)
    loans: list[dict[str, np.ndarray]] = field(default_factory=list)
    fund: dict[str, np.ndarray] = field(default_factory=dict)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.lines[key]


@dataclass(frozen=True)
class Buffers:
    """The loop's outputs as three blocks, rewritten by every pass; ``periods`` views them
    by name."""

    lines: np.ndarray
    """(len(LINES), S, T)."""
    loans: np.ndarray
    """(n_loans, len(LOAN_LINES), S, T)."""
    fund: np.ndarray
    """(len(FUND_LINES), S, T)."""

    @classmethod
    def empty(cls, s: int, n: int, n_loans: int) -> Buffers:
        """Uninitialised buffers for S scenarios, T periods and ``n_loans`` loans: a solve's
        last pass of each scenario writes every line of every period (``scenario_pass``
        with ``full``), whether the solve converged or stopped at its iteration limit
        (``renewfin.financing.sizing``), so nothing needs zeroing first. With the
        environment variable ``RENEWFIN_CHECK_UNWRITTEN`` set (the test suite sets it) they
        are filled with NaN instead, so that a value read before it is written shows in the
        results."""
        fill = np.nan if os.environ.get("RENEWFIN_CHECK_UNWRITTEN") else None

        def make(shape: tuple[int, ...]) -> np.ndarray:
            return np.empty(shape) if fill is None else np.full(shape, fill)

        return cls(
            make((len(LINES), s, n)),
            make((n_loans, len(LOAN_LINES), s, n)),
            make((len(FUND_LINES), s, n)),
        )

    @property
    def periods(self) -> Periods:
        """Views of the blocks by line name."""
        return Periods(
            dict(zip(LINES, self.lines, strict=True)),
            [dict(zip(LOAN_LINES, block, strict=True)) for block in self.loans],
            dict(zip(FUND_LINES, self.fund, strict=True)),
        )


OPS = (
    "capex",
    "ocf",
    "taxable",
    "untaxed",
    "dep",
    "proceeds",
    "avail",
    "grants",
    "inject",
    "fund_in",
    "bond_issue",
    "bond_service",
    "bond_interest",
    "bond_fees",
    "bond_ds",
    "bond_own",
    "cap_share",
    "reserve_open",
    "tax_factor",
    "dep_gap",
)
"""Per-period inputs of the loop, in the order of ``LoopInputs.ops``: ``bond_ds`` is the
special-bond debt service on the basis of the ratios (interest and principal, less
principal a refinancing tranche repays), ``bond_own`` the coupons of tranches that pay
construction interest from own funds, ``cap_share`` the share of construction interest on
opening balances that is capitalised (``renewfin.instruments.reserve``), ``reserve_open``
the maintenance reserve's opening balance (it earns interest), ``tax_factor`` the share of
the income-tax rate due (三免三减半, ``renewfin.core.tax.holiday_factor``), ``dep_gap``
the book less the tax depreciation before financing costs (``dep_tax``)."""
STEP_CODES: dict[PriorityStep, int] = {
    PriorityStep.BOND: 0,
    PriorityStep.LOAN: 1,
    PriorityStep.RESERVES: 2,
    PriorityStep.SWEEP: 3,
    PriorityStep.FUND: 4,
    PriorityStep.EQUITY: 5,
}
"""Integer code of each waterfall step, as the compiled loop reads it."""


def _full(a: np.ndarray | float | None, s: int, n: int) -> np.ndarray:
    """``a`` (None for zeros) broadcast to (S, T) as floats (a read-only view)."""
    return np.broadcast_to(np.asarray(np.zeros((1, n)) if a is None else a, dtype=float), (s, n))


def _operating_lines(plan: FundingPlan, ops: Operations) -> np.ndarray:
    """The operating lines and scheduled sources in the order ``OPS``, (len(OPS), S, T)
    [money]; the bond lines summed over the bonds, ``avail`` the construction flag."""
    s, n = ops.n_scenarios, ops.ocf.shape[1]
    zeros = np.zeros((1, n))
    lines = {
        "capex": ops.capex,
        "ocf": ops.ocf,
        "taxable": ops.taxable_before_dep,
        "untaxed": ops.untaxed_income,
        "dep": ops.dep_pre,
        "proceeds": ops.net_proceeds,
        "avail": ops.availability,
        "grants": sum(plan.grants.values(), zeros),
        "inject": sum(plan.injections.values(), zeros),
        "fund_in": plan.fund_contribution,
        "bond_issue": sum((b.schedule.issue for b in plan.bonds), zeros),
        "bond_service": sum((b.schedule.service for b in plan.bonds), zeros),
        "bond_interest": sum((b.schedule.interest for b in plan.bonds), zeros),
        "bond_fees": sum((b.schedule.fees for b in plan.bonds), zeros),
        "bond_ds": sum(
            (
                b.schedule.interest
                + b.schedule.principal
                - (0.0 if b.refinanced_principal is None else b.refinanced_principal)
                for b in plan.bonds
            ),
            zeros,
        ),
        "bond_own": sum((b.schedule.interest for b in plan.bonds if b.paid_interest), zeros),
        "cap_share": plan.cap_share,
        "reserve_open": zeros if plan.mmra is None else plan.mmra.opening,
        "tax_factor": zeros + ops.tax_factor,
        "dep_gap": zeros + ops.dep_gap,
    }
    return owned(np.stack([_full(lines[k], s, n) for k in OPS]))


def _subsidy_shares(plan: FundingPlan, s: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Share of each loan's interest paid by interest subsidies and its taxable part,
    each (n_loans, S, T)."""
    nl = len(plan.loans)
    sub_share = np.zeros((nl, s, n))
    sub_taxable = np.zeros((nl, s, n))
    for k, share, taxable in plan.interest_subsidies.values():
        sub_share[k] += _full(share, s, n)
        if taxable:
            sub_taxable[k] += _full(share, s, n)
    return sub_share, sub_taxable


def _loan_schedules(
    plan: FundingPlan, s: int, n: int, ppy: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each loan's period rate (n_loans, S, T) [1/period], up-front and commitment fee rates
    (n_loans, 2, S), and custom profile weights with their sums to maturity (n_loans, 2, T)."""
    nl = len(plan.loans)
    rates = np.zeros((nl, s, n))
    fees = np.zeros((nl, 2, s))
    custom = np.zeros((nl, 2, n))
    for k, ln in enumerate(plan.loans):
        rates[k] = _full(ln.rate, s, n) / ppy
        fees[k, 0] = np.broadcast_to(ln.upfront_fee_rate + ln.stamp_duty_rate, (s,))
        fees[k, 1] = np.broadcast_to(ln.commitment_fee_rate, (s,))
        for t in range(n):
            custom[k, :, t] = ln.terms.custom_share(t)
    return rates, fees, custom


def _loan_terms(plan: FundingPlan) -> tuple[np.ndarray, np.ndarray]:
    """Each loan's integer terms (n_loans, 4): close, first repayment, maturity, profile
    code; and float terms (n_loans, 4): sculpting DSCR, cash sweep, draw weight, 1 when it
    pays construction interest from own funds."""
    nl = len(plan.loans)
    ints = np.array(
        [
            [
                ln.close,
                ln.terms.repay_start,
                ln.terms.maturity,
                loan_math.PROFILE_CODES[ln.terms.profile],
            ]
            for ln in plan.loans
        ],
        dtype=np.int64,
    ).reshape(nl, 4)
    floats = np.array(
        [
            [
                ln.terms.target_dscr_value,
                ln.cash_sweep,
                ln.draw_weight,
                float(ln.paid_interest),
            ]
            for ln in plan.loans
        ],
        dtype=float,
    ).reshape(nl, 4)
    return ints, floats


def _fund_terms(fund_spec: Fund | None, ppy: int, n: int) -> tuple[int, np.ndarray]:
    """The last period of the fund's term (``n`` without a fund) and its terms (6,) as
    ``LoopInputs.fund_terms`` (zeros without a fund)."""
    if fund_spec is None:
        return n, np.zeros(6)
    end = round((fund_spec.start_year + fund_spec.term_years) * ppy) - 1
    terms = np.array(
        [
            fund_spec.senior_return,
            fund_spec.junior_return,
            fund_spec.senior_share,
            fund_spec.upside_share,
            float(fund_spec.accrual is FundAccrual.COMPOUND),
            fund_spec.draw_timing.weight,
        ],
        dtype=float,
    )
    return end, terms


class LoopInputs(NamedTuple):
    """Everything fixed over the passes of one solve, as contiguous arrays and plain
    numbers that the compiled loop reads."""

    ops: np.ndarray
    """(len(OPS), S, T): the operating lines and scheduled sources [money]; ``avail`` is
    the construction flag as 0/1."""
    rates: np.ndarray
    """(n_loans, S, T): period rate (annual / ppy)."""
    sub_share: np.ndarray
    """(n_loans, S, T): share of each loan's interest paid by interest subsidies."""
    sub_taxable: np.ndarray
    """(n_loans, S, T): the taxable part of that share."""
    loan_ints: np.ndarray
    """(n_loans, 4): financial close, first repayment period, maturity, profile code."""
    loan_floats: np.ndarray
    """(n_loans, 4): target DSCR of a sculpted profile (NaN otherwise), cash-sweep share,
    share of a period its drawings are outstanding (``DrawTiming.weight``), 1 when it pays
    construction interest from own funds (else 0)."""
    custom: np.ndarray
    """(n_loans, 2, T): custom profile's weight of each period and Σ of the weights from
    it to maturity."""
    fees: np.ndarray
    """(n_loans, 2, S): up-front and commitment fee rates."""
    ov_total: np.ndarray
    """(S,) original value of the assets without financing costs [money]."""
    tax_rate: np.ndarray
    """(S,) income-tax rate."""
    cash_rate: np.ndarray
    """(S,) period rate earned on cash and reserve balances."""
    priority: np.ndarray
    """Step codes (``STEP_CODES``) in the order of the waterfall."""
    ppy: int
    last_period: int
    """Last period the asset is held (the horizon or the REIT exit)."""
    is_exit: bool
    carry_years: int
    min_cash: float
    distributable_share: float
    """Share of net profit that may be distributed; NaN when limited by cash only."""
    debt_first: bool
    dsra_months: float
    dsra_from_plan: bool
    """The DSRA is first filled at completion as a use of the funding plan."""
    lockup_floor: float
    """Highest distribution lock-up DSCR of the loans; NaN when none."""
    fund_on: bool
    fund_end: int
    """Last period of the fund's term."""
    fund_terms: np.ndarray
    """(6,) senior and junior preferred returns [1/yr], senior share, upside share, 1 when
    the returns compound (``FundAccrual``), the contributions' ``DrawTiming.weight``."""

    @classmethod
    def build(
        cls,
        plan: FundingPlan,
        ops: Operations,
        fund_spec: Fund | None,
        priority: list[PriorityStep],
        dsra_months: float,
        dsra_from_plan: bool = False,
    ) -> LoopInputs:
        """Broadcast the operating lines, scheduled sources and loan terms once."""
        s, n = ops.n_scenarios, ops.ocf.shape[1]
        sub_share, sub_taxable = _subsidy_shares(plan, s, n)
        rates, fees, custom = _loan_schedules(plan, s, n, ops.ppy)
        loan_ints, loan_floats = _loan_terms(plan)
        fund_end, fund_terms = _fund_terms(fund_spec, ops.ppy, n)
        floors = [ln.lockup_dscr for ln in plan.loans if ln.lockup_dscr]
        return cls(
            ops=_operating_lines(plan, ops),
            rates=rates,
            sub_share=sub_share,
            sub_taxable=sub_taxable,
            loan_ints=loan_ints,
            loan_floats=loan_floats,
            custom=custom,
            fees=fees,
            ov_total=owned(ops.ov_total, (s,)),
            tax_rate=owned(ops.tax_rate, (s,)),
            cash_rate=owned(np.broadcast_to(plan.cash_rate[:, 0], (s,)) / ops.ppy, (s,)),
            priority=np.array([STEP_CODES[p] for p in priority], dtype=np.int64),
            ppy=int(ops.ppy),
            last_period=int(ops.last_period),
            is_exit=bool(ops.exit),
            carry_years=int(ops.carry_years),
            min_cash=float(ops.min_cash),
            distributable_share=(
                np.nan if ops.distributable_share is None else float(ops.distributable_share)
            ),
            debt_first=bool(ops.debt_first),
            dsra_months=float(dsra_months),
            dsra_from_plan=bool(dsra_from_plan and dsra_months > 0),
            lockup_floor=float(max(floors)) if floors else np.nan,
            fund_on=fund_spec is not None,
            fund_end=fund_end,
            fund_terms=fund_terms,
        )


class Workspace(NamedTuple):
    """Scratch state of one scenario's pass, reused from scenario to scenario: one (n_loans,)
    array per loan quantity [money], so that the period loop reads each as a field (a row
    of one 2-D array is a new array view each time it is taken, which cost the loop about
    0.9 µs a period)."""

    bal: np.ndarray
    """Each loan's balance before the period's drawings."""
    drawn: np.ndarray
    """What each loan has drawn so far, capitalised interest included."""
    upfront: np.ndarray
    """The period's up-front fee."""
    commit: np.ndarray
    """The period's commitment fee."""
    int_open: np.ndarray
    """The period's interest on the opening balance."""
    principal: np.ndarray
    """The period's scheduled principal."""
    draws: np.ndarray
    """The period's drawings."""
    interest: np.ndarray
    """The period's interest, on the opening balance and the drawings outstanding."""
    subsidy: np.ndarray
    """The period's interest subsidy."""
    rolled: np.ndarray
    """The period's capitalised construction interest."""
    prepay: np.ndarray
    """The period's prepayment by the cash sweep."""
    spill: np.ndarray
    """The period's construction interest paid in cash."""
    losses: np.ndarray
    """The loss state of ``renewfin.core.tax.use_losses``: tax losses by the model year they
    arose in and the tax year to date (``renewfin.core.tax.loss_state``)."""
    fund: np.ndarray
    """(4,) the fund's balances (``renewfin.instruments.fund``)."""
    paid: np.ndarray
    """(5,) the fund's payments of a period."""

    @classmethod
    def create(cls, n_loans: int, n_periods: int, ppy: int) -> Workspace:
        """Scratch arrays for ``n_loans`` loans over ``n_periods`` periods."""

        def row() -> np.ndarray:
            return np.zeros(n_loans)

        return cls(
            row(),
            row(),
            row(),
            row(),
            row(),
            row(),
            row(),
            row(),
            row(),
            row(),
            row(),
            row(),
            tax_math.loss_state(n_periods, ppy),
            np.zeros(4),
            np.zeros(5),
        )
