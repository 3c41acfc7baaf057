"""The period loop: construction funding and the operating cash waterfall.

One pass over the periods, vectorised over scenarios. In a construction period the
uses (construction investment, interest, fees, debt service and tax) are met first by
the scheduled sources (grants, injections, bond proceeds, fund) and cash in hand; the
rest is the funding gap, shared between the loans (each a fixed share ``g_k`` of the
gap, up to its facility) and sponsor equity. Interest on the period's own drawings
(charged on half of them) makes the gap circular; it is solved in closed form:
``gap = G₀ / (1 − Σ_k (1 − s_k) r_k g_k / 2)`` with ``s_k`` an interest subsidy share.
In operation, cash flows through the configured priority: bond service, loan service,
reserves, sweep, fund, equity. Debt service is always paid; a shortfall shows as
negative cash (财务生存能力 fails) and is reported by the checks. At the last period
the project holds the asset (the horizon or the REIT exit), every loan is repaid and all
remaining cash goes to the fund and the shareholders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from renewfin.core.tax import LossPool
from renewfin.financing.plan import FundingPlan
from renewfin.instruments import fund as fund_math
from renewfin.instruments import loan as loan_math
from renewfin.spec.funding import Fund, PriorityStep


@dataclass(frozen=True)
class Operations:
    """What the loop takes from the operating model, each (S|1, T) unless noted [money]."""

    n_scenarios: int
    """S."""
    capex: np.ndarray
    """Construction investment including VAT."""
    ocf: np.ndarray
    """Operating cash flow before financing and income tax: revenue + output VAT +
    operating subsidies − operating costs − input VAT − VAT payable − taxes and surcharges."""
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


@dataclass
class Sizes:
    """Loan facilities and drawdown shares for one pass."""

    facility: np.ndarray
    """(n_loans, S) [money]."""
    share: np.ndarray
    """(n_loans, S) share of each period's funding gap drawn from each loan."""
    future_service: np.ndarray
    """Debt service expected in each period, (T, S) layout, for the DSRA target [money]."""


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
)
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
    """Everything the loop produced, arrays by name [money]: (T, S) as the loop writes them
    (``layout == "TS"``), or (S, T) after ``to_st``."""

    lines: dict[str, np.ndarray] = field(default_factory=dict)
    loans: list[dict[str, np.ndarray]] = field(default_factory=list)
    fund: dict[str, np.ndarray] = field(default_factory=dict)
    layout: str = "TS"

    def __getitem__(self, key: str) -> np.ndarray:
        return self.lines[key]

    def to_st(self) -> Periods:
        """The same results in (S, T) layout."""
        if self.layout == "ST":
            return self

        def tr(d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            return {k: np.ascontiguousarray(v.T) for k, v in d.items()}

        return Periods(tr(self.lines), [tr(row) for row in self.loans], tr(self.fund), "ST")


@dataclass(frozen=True)
class LoopInputs:
    """The loop's inputs in period-major (T, S|1) layout, contiguous, built once per solve."""

    capex: np.ndarray
    ocf: np.ndarray
    taxable: np.ndarray
    untaxed: np.ndarray
    dep: np.ndarray
    proceeds: np.ndarray
    avail: np.ndarray
    grants: np.ndarray
    inject: np.ndarray
    fund_in: np.ndarray
    bond_issue: np.ndarray
    bond_service: np.ndarray
    bond_interest: np.ndarray
    bond_fees: np.ndarray
    rates: list[np.ndarray]
    """Per loan: period rate (annual / ppy)."""
    sub_share: list[np.ndarray]
    """Per loan: share of its interest paid by interest subsidies."""
    sub_taxable: list[np.ndarray]
    """Per loan: the taxable part of that share."""

    @classmethod
    def build(cls, plan: FundingPlan, ops: Operations) -> LoopInputs:
        """Transpose the operating lines and scheduled sources once."""
        n = ops.ocf.shape[1]
        zeros = np.zeros((1, n))

        def tr(a: np.ndarray | None) -> np.ndarray:
            return np.ascontiguousarray(np.asarray(zeros if a is None else a, dtype=float).T)

        sub_share = [np.zeros((n, 1)) for _ in plan.loans]
        sub_taxable = [np.zeros((n, 1)) for _ in plan.loans]
        for k, share, taxable in plan.interest_subsidies.values():
            sub_share[k] = sub_share[k] + tr(share)
            if taxable:
                sub_taxable[k] = sub_taxable[k] + tr(share)
        return cls(
            capex=tr(ops.capex),
            ocf=tr(ops.ocf),
            taxable=tr(ops.taxable_before_dep),
            untaxed=tr(ops.untaxed_income),
            dep=tr(ops.dep_pre),
            proceeds=tr(ops.net_proceeds),
            avail=tr(ops.availability) > 0,
            grants=tr(sum(plan.grants.values(), zeros)),
            inject=tr(sum(plan.injections.values(), zeros)),
            fund_in=tr(plan.fund_contribution),
            bond_issue=tr(sum((b.schedule.issue for b in plan.bonds), zeros)),
            bond_service=tr(sum((b.schedule.service for b in plan.bonds), zeros)),
            bond_interest=tr(sum((b.schedule.interest for b in plan.bonds), zeros)),
            bond_fees=tr(sum((b.schedule.fees for b in plan.bonds), zeros)),
            rates=[tr(ln.rate) / ops.ppy for ln in plan.loans],
            sub_share=sub_share,
            sub_taxable=sub_taxable,
        )


def empty_periods(s: int, n: int, n_loans: int) -> Periods:
    """Zeroed (T, S) buffers for one pass of the loop."""
    return Periods(
        {k: np.zeros((n, s)) for k in LINES},
        [{k: np.zeros((n, s)) for k in LOAN_LINES} for _ in range(n_loans)],
        {k: np.zeros((n, s)) for k in FUND_LINES},
    )


def dsra_target(future_service: np.ndarray, t: int, months: float, ppy: int) -> np.ndarray:
    """Reserve target after period ``t``: debt service of the next ``months`` months,
    whole periods plus a pro-rata share of the last one [money], (S,). ``future_service``
    is in (T, S) layout."""
    n = months * ppy / 12.0
    whole = int(np.floor(n + 1e-12))
    frac = n - whole
    ahead = future_service[t + 1 : t + 1 + whole].sum(axis=0)
    if frac > 1e-12 and t + 1 + whole < future_service.shape[0]:
        ahead = ahead + frac * future_service[t + 1 + whole]
    return ahead


def _total(arrays: list[np.ndarray], s: int) -> np.ndarray:
    """Sum of per-loan (S,) arrays (zeros when there are none)."""
    if not arrays:
        return np.zeros(s)
    if len(arrays) == 1:
        return arrays[0]
    return sum(arrays[1:], arrays[0])


def run_periods(
    plan: FundingPlan,
    ops: Operations,
    sizes: Sizes,
    fund_spec: Fund | None,
    priority: list[PriorityStep],
    dsra_months: float,
    out: Periods | None = None,
    loop_inputs: LoopInputs | None = None,
) -> Periods:
    """One pass of the period loop for given loan facilities and drawdown shares; results in
    (T, S) layout."""
    s, n = ops.n_scenarios, ops.ocf.shape[1]
    ppy = ops.ppy
    dt = 1.0 / ppy
    nl = len(plan.loans)
    # Work in (T, S) layout so that each period's values are contiguous. A buffer from an
    # earlier pass can be reused (``out``): every line is rewritten in every period.
    if out is None:
        out = empty_periods(s, n, nl)

    li = loop_inputs if loop_inputs is not None else LoopInputs.build(plan, ops)
    ops_capex, ops_ocf, ops_taxable, ops_untaxed = li.capex, li.ocf, li.taxable, li.untaxed
    ops_dep, ops_proceeds, ops_avail = li.dep, li.proceeds, li.avail
    grants, inject, fund_in = li.grants, li.inject, li.fund_in
    bond_issue, bond_service = li.bond_issue, li.bond_service
    bond_interest, bond_fees = li.bond_interest, li.bond_fees
    rates, sub_share, sub_taxable = li.rates, li.sub_share, li.sub_taxable
    future_service = sizes.future_service
    lockup_floor = max((ln.lockup_dscr for ln in plan.loans if ln.lockup_dscr), default=None)

    cash = np.zeros(s)
    dsra = np.zeros(s)
    bal = [np.zeros(s) for _ in range(nl)]
    drawn = [np.zeros(s) for _ in range(nl)]
    capitalised = np.zeros(s)
    acc_dep = np.zeros(s)
    pool = LossPool(s, n, ppy, ops.carry_years)
    fstate = fund_math.FundState.zeros(s)
    distributable = np.zeros(s)
    fund_end = round((fund_spec.start_year + fund_spec.term_years) * ppy) - 1 if fund_spec else n
    ov = np.where(ops.ov_total > 0, ops.ov_total, 1.0)

    for t in range(n):
        avail = ops_avail[t]
        expense = ~avail
        closing = t == ops.last_period
        after_end = t > ops.last_period
        r = [rt[t] for rt in rates]
        if fund_spec is not None and not after_end:
            fund_math.accrue(fstate, fund_spec.senior_return, fund_spec.junior_return, dt)
            fund_math.invest(fstate, fund_in[t], fund_spec.senior_share)

        # Fees, interest on opening balances, depreciation and income tax. Interest and
        # subsidies of construction periods are capitalised, not expensed or taxed.
        upfront = [
            ln.upfront_fee_rate * sizes.facility[i] * (t == ln.close)
            for i, ln in enumerate(plan.loans)
        ]
        commit = [
            ln.commitment_fee_rate * dt * np.maximum(sizes.facility[i] - drawn[i], 0.0) * avail
            for i, ln in enumerate(plan.loans)
        ]
        loan_fees = _total(upfront, s) + _total(commit, s)
        int_open = [r[i] * bal[i] for i in range(nl)]
        dep = ops_dep[t] * (1.0 + capitalised / ov)
        acc_dep += dep
        gain = np.zeros(s)
        if ops.exit and closing:
            gain = ops_proceeds[t] - (ops.ov_total + capitalised - acc_dep)
        sub_income = expense * _total([sub_taxable[i][t] * int_open[i] for i in range(nl)], s)
        int_exp = (bond_interest[t] + _total(int_open, s)) * expense
        fee_exp = (bond_fees[t] + loan_fees) * expense
        taxable = ops_taxable[t] - dep + gain + sub_income - int_exp - fee_exp
        after_loss, used = pool.step(t, taxable)
        tax = ops.tax_rate * after_loss
        untaxed = ops_untaxed[t] + expense * _total(
            [(sub_share[i][t] - sub_taxable[i][t]) * int_open[i] for i in range(nl)], s
        )
        if ops.distributable_share is not None:
            distributable = distributable + ops.distributable_share * (taxable + untaxed - tax)
        cfads = ops_ocf[t] - tax + ops_proceeds[t]

        # Scheduled principal from opening balances (sculpting on the cash left for it).
        principal = []
        prior = bond_service[t].copy()
        for i, ln in enumerate(plan.loans):
            sub = sub_share[i][t] * int_open[i]
            due = (
                bal[i].copy()
                if closing
                else loan_math.principal_due(ln.terms, t, bal[i], r[i], cfads + sub - prior)
            )
            principal.append(due)
            prior = prior + int_open[i] - sub + due

        # Construction: the cash gap is shared between the loans and equity. Loan interest
        # of construction periods is rolled into the balance (建设期利息资本化), net of any
        # interest subsidy, so it bears interest itself from the next period: the textbook
        # rule q_j = (P_{j-1} + A_j / 2) i, with P including capitalised interest.
        g0 = (
            ops_capex[t]
            + bond_service[t]
            + loan_fees
            + tax
            - ops_ocf[t]
            - grants[t]
            - inject[t]
            - fund_in[t]
            - bond_issue[t]
            - cash
            + _total([principal[i] for i in range(nl)], s)
        )
        need = avail & (g0 > 0)
        gap = np.where(need, g0, 0.0)
        draws = []
        left = gap
        for i in range(nl):
            keep = 1.0 - sub_share[i][t]
            room = np.maximum(sizes.facility[i] - drawn[i] - keep * int_open[i], 0.0) / (
                1.0 + keep * r[i] / 2.0
            )
            want = left if ops.debt_first else sizes.share[i] * gap
            draws.append(np.where(need, np.minimum(want, room), 0.0))
            left = left - draws[i]
        equity = np.maximum(gap - _total(draws, s), 0.0)
        interest = [r[i] * (bal[i] + 0.5 * draws[i]) for i in range(nl)]
        subsidy = [sub_share[i][t] * interest[i] for i in range(nl)]
        rolled = [avail * (interest[i] - subsidy[i]) for i in range(nl)]
        for i in range(nl):
            drawn[i] = drawn[i] + draws[i] + rolled[i]
        capitalised = capitalised + avail * (
            bond_interest[t] + _total(rolled, s) + bond_fees[t] + loan_fees
        )

        # Cash this period: in construction only a surplus of sources is carried.
        cash_t = np.where(
            avail,
            np.maximum(-g0, 0.0),
            cash
            + ops_ocf[t]
            - tax
            + ops_proceeds[t]
            + grants[t]
            + inject[t]
            + fund_in[t]
            + bond_issue[t]
            - ops_capex[t]
            + _total(subsidy, s),
        )
        prepay = [np.zeros(s) for _ in range(nl)]
        paid_loans = np.zeros(s)
        dist = np.zeros(s)
        state = {"lockup": np.zeros(s, dtype=bool)}
        shortfall = {"bond": np.zeros(s), "loan": np.zeros(s)}

        def pay_bond() -> None:
            nonlocal cash_t
            due = np.where(avail, 0.0, bond_service[t])
            shortfall["bond"] = due - np.minimum(due, np.maximum(cash_t, 0.0))
            cash_t = cash_t - due

        def pay_loans() -> None:
            nonlocal cash_t, paid_loans
            paid_loans = _total([interest[i] + principal[i] for i in range(nl)], s)
            due = np.where(avail, 0.0, paid_loans + loan_fees)
            shortfall["loan"] = due - np.minimum(due, np.maximum(cash_t, 0.0))
            cash_t = cash_t - due

        def reserves() -> None:
            nonlocal cash_t, dsra
            if dsra_months <= 0:
                return
            target = (
                np.zeros(s)
                if closing or after_end
                else dsra_target(future_service, t, dsra_months, ppy)
            )
            cover = np.minimum(dsra, np.maximum(-cash_t, 0.0))  # meet a shortfall first
            level = dsra - cover
            top_up = np.minimum(np.maximum(target - level, 0.0), np.maximum(cash_t + cover, 0.0))
            release = np.maximum(level - target, 0.0)
            move = np.where(avail, 0.0, top_up - release)
            new = np.where(avail, dsra, level + move)
            cash_t = cash_t + (dsra - new)
            out.lines["dsra_change"][t] = new - dsra
            dsra = new

        def locked() -> np.ndarray:
            if lockup_floor is None or closing:
                return np.zeros(s, dtype=bool)
            ds = bond_service[t] + paid_loans
            ratio = np.divide(cfads, ds, out=np.full(s, np.inf), where=ds > 0)
            return ratio < lockup_floor

        def sweep() -> None:
            nonlocal cash_t
            for i, ln in enumerate(plan.loans):
                if ln.cash_sweep <= 0:
                    continue
                rest = bal[i] + draws[i] + rolled[i] - principal[i]
                amount = np.minimum(ln.cash_sweep * np.maximum(cash_t - ops.min_cash, 0.0), rest)
                prepay[i] = np.where(avail, 0.0, amount)
                cash_t = cash_t - prepay[i]

        def pay_fund() -> None:
            nonlocal cash_t, distributable
            if fund_spec is None:
                return
            state["lockup"] = locked()
            allowed = ~avail & ~state["lockup"]
            keep = 0.0 if closing else ops.min_cash
            due = np.full(s, closing or t >= fund_end)
            cap = (
                None
                if ops.distributable_share is None or closing
                else np.maximum(distributable, 0.0)
            )
            pay, _ = fund_math.distribute(
                fstate,
                np.where(allowed, cash_t - keep, 0.0),
                due,
                fund_spec.upside_share,
                returns_cap=cap,
            )
            cash_t = cash_t - pay.total
            distributable = distributable - (pay.senior_return + pay.junior_return + pay.upside)
            for key in (
                "senior_return",
                "senior_capital",
                "junior_return",
                "junior_capital",
                "upside",
            ):
                out.fund[key][t] = getattr(pay, key)

        def pay_equity() -> None:
            nonlocal cash_t, dist, distributable
            state["lockup"] = locked()
            allowed = ~avail & ~state["lockup"]
            keep = 0.0 if closing else ops.min_cash
            dist = np.where(allowed, np.maximum(cash_t - keep, 0.0), 0.0)
            if ops.distributable_share is not None and not closing:
                dist = np.minimum(dist, np.maximum(distributable, 0.0))
            distributable = distributable - dist
            cash_t = cash_t - dist

        steps: dict[PriorityStep, Callable[[], None]] = {
            PriorityStep.BOND: pay_bond,
            PriorityStep.LOAN: pay_loans,
            PriorityStep.RESERVES: reserves,
            PriorityStep.SWEEP: sweep,
            PriorityStep.FUND: pay_fund,
            PriorityStep.EQUITY: pay_equity,
        }
        for step in priority:
            steps[step]()

        for i in range(nl):
            opening = bal[i]
            bal[i] = bal[i] + draws[i] + rolled[i] - principal[i] - prepay[i]
            row = out.loans[i]
            row["opening"][t] = opening
            row["draw"][t] = draws[i]
            row["interest"][t] = interest[i]
            row["principal"][t] = principal[i]
            row["prepayment"][t] = prepay[i]
            row["upfront_fee"][t] = upfront[i]
            row["commitment_fee"][t] = commit[i]
            row["capitalised"][t] = rolled[i]
            row["closing"][t] = bal[i]
            row["subsidy"][t] = subsidy[i]
        lines = out.lines
        lines["cash_open"][t] = cash
        cash = cash_t
        lines["cash_close"][t] = cash
        lines["gap"][t] = gap
        lines["equity_in"][t] = equity
        lines["tax"][t] = tax
        lines["taxable"][t] = taxable
        lines["loss_used"][t] = used
        lines["dep"][t] = dep
        lines["interest_capitalised"][t] = avail * (bond_interest[t] + _total(rolled, s))
        lines["fees_capitalised"][t] = avail * (bond_fees[t] + loan_fees)
        lines["interest_expensed"][t] = expense * (bond_interest[t] + _total(interest, s))
        lines["fees_expensed"][t] = expense * (bond_fees[t] + loan_fees)
        lines["cfads"][t] = cfads + expense * _total(subsidy, s)
        lines["bond_service"][t] = bond_service[t]
        lines["loan_service"][t] = _total([interest[i] + principal[i] for i in range(nl)], s)
        lines["dsra_balance"][t] = dsra
        lines["distribution"][t] = dist
        lines["interest_subsidy"][t] = _total(subsidy, s)
        lines["bond_shortfall"][t] = shortfall["bond"]
        lines["loan_shortfall"][t] = shortfall["loan"]
        lines["gain"][t] = gain
        lines["lockup"][t] = state["lockup"] & expense
        lines["book_value"][t] = ops.ov_total + capitalised - acc_dep
        out.fund["contribution"][t] = fund_in[t]
        out.fund["claim"][t] = fstate.claim
    return out
