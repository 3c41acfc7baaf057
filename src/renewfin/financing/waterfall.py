"""The period loop: construction funding and the operating cash waterfall.

One pass over the periods of one scenario (compiled). In a construction period the
uses (construction investment, interest, fees, debt service and tax) are met first by
the scheduled sources (grants, injections, bond proceeds, fund) and cash in hand; the
rest is the funding gap, shared between the loans (each a fixed share ``g_k`` of the
gap, up to its facility) and sponsor equity. Interest on the period's own drawings
(charged on half of them) is capitalised with them: a loan draws at most what leaves room
in its facility for that interest.

Construction interest and the facility (建设期利息与贷款额度): construction interest, net
of any interest subsidy, is capitalised into the loan's balance (建设期利息资本化) as long as
it fits in the facility (drawings plus capitalised interest never exceed it). Once the
facility is used up, the interest that no longer fits is paid in cash in that period: it
is a use of the period like a fee, so it joins the funding gap and is met by the next
source in the drawdown order — cash in hand, then (``debt_first``) the loans ranked after
it, then sponsor equity. It is still construction interest: it counts in the IDC and the
total investment. The part paid in cash is the line ``idc_paid`` of each loan:
``max((1 − s) · r · P_open − max(F − U, 0), 0)`` with ``F`` the facility, ``U`` the
facility used before the period (drawings and capitalised interest), ``P_open`` the
opening balance and ``s`` the subsidised share.
In operation, cash flows through the configured priority: bond service, loan service,
reserves, sweep, fund, equity. Debt service is always paid; a shortfall shows as
negative cash (财务生存能力 fails) and is reported by the checks. At the last period
the project holds the asset (the horizon or the REIT exit), every loan is repaid and all
remaining cash goes to the fund and the shareholders.
"""

from __future__ import annotations

import numpy as np

from renewfin.compiled import inlined_kernel, kernel
from renewfin.core import tax as tax_math
from renewfin.financing.loop_data import (
    FUND_LINES,
    LINES,
    LOAN_LINES,
    OPS,
    LoopInputs,
    Workspace,
)
from renewfin.instruments import fund as fund_math
from renewfin.instruments import loan as loan_math


@kernel
def dsra_target(future_service: np.ndarray, t: int, months: float, ppy: int) -> float:
    """Reserve target after period ``t`` in one scenario: debt service of the next
    ``months`` months, whole periods plus a pro-rata share of the last one [money].
    ``future_service`` (T,) expected debt service of each period [money]."""
    n = months * ppy / 12.0
    whole = int(np.floor(n + 1e-12))
    frac = n - whole
    last = min(t + 1 + whole, future_service.shape[0])
    ahead = 0.0
    for k in range(t + 1, last):
        ahead += future_service[k]
    if frac > 1e-12 and t + 1 + whole < future_service.shape[0]:
        ahead = ahead + frac * future_service[t + 1 + whole]
    return ahead


# Positions in the output blocks (LINES, LOAN_LINES, FUND_LINES) and the inputs (OPS).
(
    CASH_OPEN,
    CASH_CLOSE,
    EQUITY_IN,
    GAP,
    TAX,
    TAXABLE,
    LOSS_USED,
    DEP,
    INTEREST_CAPITALISED,
    FEES_CAPITALISED,
    INTEREST_EXPENSED,
    FEES_EXPENSED,
    CFADS,
    BOND_SERVICE,
    LOAN_SERVICE,
    DSRA_BALANCE,
    DSRA_CHANGE,
    DISTRIBUTION,
    INTEREST_SUBSIDY,
    GAIN,
    LOCKUP,
    BOOK_VALUE,
    BOND_SHORTFALL,
    LOAN_SHORTFALL,
    INTEREST_INCOME,
    SUBSIDY_INCOME,
    DEP_ADJUSTMENT,
) = range(len(LINES))
(
    OPENING,
    DRAW,
    INTEREST,
    CAPITALISED,
    PRINCIPAL,
    PREPAYMENT,
    UPFRONT_FEE,
    COMMITMENT_FEE,
    CLOSING,
    SUBSIDY,
    IDC_PAID,
) = range(len(LOAN_LINES))
(
    CONTRIBUTION,
    F_SENIOR_RETURN,
    F_SENIOR_CAPITAL,
    F_JUNIOR_RETURN,
    F_JUNIOR_CAPITAL,
    F_UPSIDE,
    CLAIM,
) = range(len(FUND_LINES))
(
    I_CAPEX,
    I_OCF,
    I_TAXABLE,
    I_UNTAXED,
    I_DEP,
    I_PROCEEDS,
    I_AVAIL,
    I_GRANTS,
    I_INJECT,
    I_FUND_IN,
    I_BOND_ISSUE,
    I_BOND_SERVICE,
    I_BOND_INTEREST,
    I_BOND_FEES,
    I_BOND_DS,
    I_BOND_OWN,
    I_CAP_SHARE,
    I_RESERVE_OPEN,
    I_TAX_FACTOR,
    I_DEP_GAP,
) = range(len(OPS))
BOND, LOAN, RESERVES, SWEEP, FUND, EQUITY = range(6)


@kernel
def scenario_shape(li: LoopInputs, j: int) -> tuple[int, int, bool]:
    """What the passes of scenario ``j`` may leave out, as (construction end, horizon, cash
    reaches debt):

    - construction end: 1 + the last construction period (0 without one). The loop is
      causal and nothing is paid out in construction, so the periods before it alone fix
      the funding gap, the drawings and the capitalised interest and fees;
    - horizon: the period after the last one the asset is held when no input flows after
      it (the construction-interest share and the tax factor multiply flows; they are not
      flows) and no loan closes after it (every loan is repaid there, so CFADS and debt
      service are zero from it on); T otherwise;
    - cash reaches debt: whether the cash left after debt service can change the debt,
      through a cash sweep or as cash carried into a construction period that follows a
      period of operation. Without either, the rest of the waterfall (reserves, sweep,
      fund and distributions) does not change what the sizing reads."""
    x = li.ops
    n = x.shape[2]
    end = 0
    reaches = False
    for t in range(n):
        if x[I_AVAIL, j, t] > 0:
            end = t + 1
            reaches = reaches or (t > 0 and not x[I_AVAIL, j, t - 1] > 0)
    quiet = li.last_period + 1 < n
    reaches = reaches or li.cash_rate[j] > 0  # interest on cash is part of CFADS
    for k in range(li.loan_ints.shape[0]):
        reaches = reaches or li.loan_floats[k, 1] > 0
        quiet = quiet and li.loan_ints[k, 0] <= li.last_period
    for line in range(x.shape[0]):
        if line == I_CAP_SHARE or line == I_TAX_FACTOR:  # factors of flows, not flows
            continue
        for t in range(li.last_period + 1, n):
            quiet = quiet and x[line, j, t] == 0.0
    return end, li.last_period + 1 if quiet else n, reaches


@inlined_kernel
def _fees_and_interest(
    li: LoopInputs,
    j: int,
    t: int,
    facility: np.ndarray,
    work: Workspace,
    af: float,
    xe: float,
) -> tuple[float, float, float, float, float, float, float]:
    """Each loan's fees and interest on its opening balance in period ``t`` of scenario
    ``j`` (written to ``work``), and the construction interest that no longer fits in
    a capitalising loan's facility, paid in cash (``spill``). ``af`` is 1 in construction;
    ``xe`` the share of interest on opening balances expensed. Returns the loan fees, the
    interest on opening balances (gross, and net of interest subsidies), the interest that
    no longer fits, the taxable and the untaxed subsidy income (of the expensed interest),
    and every subsidy on opening balances [money]."""
    rates, sub_share, sub_taxable, fees = li.rates, li.sub_share, li.sub_taxable, li.fees
    bal, drawn, upfront, commit = work.bal, work.drawn, work.upfront, work.commit
    int_open, spill = work.int_open, work.spill
    dt = 1.0 / li.ppy
    loan_fees = 0.0
    open_total = 0.0
    open_net = 0.0
    spill_total = 0.0
    sub_income = 0.0
    sub_untaxed = 0.0
    sub_all = 0.0
    for i in range(rates.shape[0]):
        upfront[i] = fees[i, 0, j] * facility[i] * (1.0 if t == li.loan_ints[i, 0] else 0.0)
        commit[i] = fees[i, 1, j] * dt * max(facility[i] - drawn[i], 0.0) * af
        int_open[i] = rates[i, j, t] * bal[i]
        keep = 1.0 - sub_share[i, j, t]
        # Construction interest that no longer fits in the facility is paid in cash.
        spill[i] = 0.0
        if af > 0 and li.loan_floats[i, 3] == 0.0:
            owed = keep * int_open[i]
            head = facility[i] - drawn[i]
            if owed > head:
                spill[i] = owed - max(head, 0.0)
                spill_total += spill[i]
        sub_income += sub_taxable[i, j, t] * int_open[i]
        sub_untaxed += (sub_share[i, j, t] - sub_taxable[i, j, t]) * int_open[i]
        sub_all += sub_share[i, j, t] * int_open[i]
        open_total += int_open[i]
        open_net += keep * int_open[i]
        loan_fees += upfront[i] + commit[i]
    return (
        loan_fees,
        open_total,
        open_net,
        spill_total,
        xe * sub_income,
        xe * sub_untaxed,
        sub_all,
    )


@inlined_kernel
def _scheduled_principal(
    li: LoopInputs, j: int, t: int, work: Workspace, closing: bool, available: float
) -> float:
    """Each loan's principal due in period ``t`` of scenario ``j`` from its opening balance
    (``work``; everything at the last period held). A sculpted loan sculpts to its
    target DSCR ``T`` on the cumulative basis of senior and junior debt: its debt service is
    ``available / T`` less the service of the loans ranked before it, ``available`` [money]
    being CFADS with interest subsidies less special-bond service. Returns the total
    [money]."""
    bal, int_open, principal = work.bal, work.int_open, work.principal
    loan_ints, loan_floats, custom = li.loan_ints, li.loan_floats, li.custom
    total = 0.0
    prior = 0.0  # debt service of the loans ranked before
    for i in range(li.rates.shape[0]):
        if closing:
            due = bal[i]
        else:
            target = loan_floats[i, 0]
            cash = available - target * prior if target == target else available
            due = loan_math.due(
                loan_ints[i, 3],
                t,
                loan_ints[i, 1],
                loan_ints[i, 2],
                custom[i, 0, t],
                custom[i, 1, t],
                target,
                bal[i],
                li.rates[i, j, t],
                cash,
            )
        principal[i] = due
        total += due
        prior += int_open[i] + due
    return total


@inlined_kernel
def _draw_loans(
    li: LoopInputs,
    j: int,
    t: int,
    facility: np.ndarray,
    share: np.ndarray,
    work: Workspace,
    need: bool,
    gap: float,
    af: float,
) -> tuple[float, float, float, float, float]:
    """Each loan's drawing of the construction gap ``gap`` of period ``t`` [money] (its
    pro-rata share, or what the loans before it left under ``debt_first``) within the room
    its facility leaves for the period's capitalised interest; its interest, on the opening
    balance and on the part of the period its drawings are outstanding; the subsidy; and
    its construction interest capitalised into the balance (what fits, net of the
    subsidy) or paid in cash from own funds. Returns the drawings, the capitalised and the
    own-funded interest, the subsidies and the interest [money]."""
    rates, sub_share, loan_floats = li.rates, li.sub_share, li.loan_floats
    bal, drawn, int_open = work.bal, work.drawn, work.int_open
    draws, interest, subsidy, rolled = work.draws, work.interest, work.subsidy, work.rolled
    prepay, spill = work.prepay, work.spill
    left = gap
    drawn_total = 0.0
    rolled_total = 0.0
    own_total = 0.0
    subsidy_total = 0.0
    interest_total = 0.0
    for i in range(rates.shape[0]):
        r = rates[i, j, t]
        keep = 1.0 - sub_share[i, j, t]
        w = loan_floats[i, 2]
        paid = loan_floats[i, 3] > 0.0
        if paid:
            room = max(facility[i] - drawn[i], 0.0)
        else:
            room = max(facility[i] - drawn[i] - keep * int_open[i], 0.0) / (1.0 + keep * r * w)
        want = left if li.debt_first else share[i] * gap
        draws[i] = min(want, room) if need else 0.0
        left = left - draws[i]
        drawn_total += draws[i]
        interest[i] = r * (bal[i] + w * draws[i])
        subsidy[i] = sub_share[i, j, t] * interest[i]
        if paid:
            spill[i] = af * (interest[i] - subsidy[i])
            own_total += spill[i]
            rolled[i] = 0.0
        else:
            rolled[i] = af * (interest[i] - subsidy[i]) - spill[i]
        drawn[i] = drawn[i] + draws[i] + rolled[i]
        rolled_total += rolled[i]
        subsidy_total += subsidy[i]
        interest_total += interest[i]
        prepay[i] = 0.0
    return drawn_total, rolled_total, own_total, subsidy_total, interest_total


@inlined_kernel
def _completion(li: LoopInputs, j: int, t: int) -> bool:
    """Whether period ``t`` of scenario ``j`` is the last of a construction spell."""
    x = li.ops
    return x[I_AVAIL, j, t] > 0 and (t + 1 == x.shape[2] or not x[I_AVAIL, j, t + 1] > 0)


@inlined_kernel
def _write_loans(out_loans: np.ndarray, work: Workspace, j: int, t: int, full: bool) -> None:
    """Write each loan's lines of period ``t`` of scenario ``j`` (those the sizing reads in
    every pass, the others with ``full``) and roll its balance on."""
    bal, upfront, commit, principal = work.bal, work.upfront, work.commit, work.principal
    draws, subsidy, rolled = work.draws, work.subsidy, work.rolled
    prepay, spill, interest = work.prepay, work.spill, work.interest
    for i in range(out_loans.shape[0]):
        out_loans[i, DRAW, j, t] = draws[i]
        out_loans[i, INTEREST, j, t] = interest[i]
        out_loans[i, CAPITALISED, j, t] = rolled[i]
        out_loans[i, PRINCIPAL, j, t] = principal[i]
        closing_balance = bal[i] + draws[i] + rolled[i] - principal[i] - prepay[i]
        if full:
            out_loans[i, OPENING, j, t] = bal[i]
            out_loans[i, PREPAYMENT, j, t] = prepay[i]
            out_loans[i, UPFRONT_FEE, j, t] = upfront[i]
            out_loans[i, COMMITMENT_FEE, j, t] = commit[i]
            out_loans[i, CLOSING, j, t] = closing_balance
            out_loans[i, SUBSIDY, j, t] = subsidy[i]
            out_loans[i, IDC_PAID, j, t] = spill[i]
        bal[i] = closing_balance


@inlined_kernel
def _reserve_step(dsra: float, cash_t: float, target: float, avail: bool) -> tuple[float, float]:
    """The DSRA after the reserves step of an operating period (meet a shortfall first,
    then top up to or release down to ``target``) and the cash after it [money]; nothing
    moves in construction."""
    if avail:
        return dsra, cash_t
    cover = min(dsra, max(-cash_t, 0.0))
    level = dsra - cover
    top_up = min(max(target - level, 0.0), max(cash_t + cover, 0.0))
    release = max(level - target, 0.0)
    new = level + (top_up - release)
    return new, cash_t + (dsra - new)


@inlined_kernel
def scenario_pass(
    li: LoopInputs,
    j: int,
    facility: np.ndarray,
    share: np.ndarray,
    future_service: np.ndarray,
    work: Workspace,
    out: np.ndarray,
    out_loans: np.ndarray,
    out_fund: np.ndarray,
    full: bool,
    stop: int,
    cash_reaches_debt: bool,
) -> None:
    """One pass of the period loop for scenario ``j`` (the module docstring gives the
    rules), writing its rows of the output blocks ``out`` (len(LINES), S, T),
    ``out_loans`` (n_loans, len(LOAN_LINES), S, T) and ``out_fund`` (len(FUND_LINES), S,
    T) [money]. ``facility`` and ``share`` (n_loans,) are the loans' sizes [money] and
    shares of each construction gap; ``future_service`` (T,) the debt service the DSRA
    target reads [money]. Without ``full`` only the lines the sizing reads are written
    (gap, capitalised interest and fees, CFADS, debt service, and each loan's drawings,
    interest, capitalised interest and principal), and the cash waterfall after debt
    service is skipped unless ``cash_reaches_debt`` (``scenario_shape``). The pass stops
    before period ``stop``."""
    x = li.ops
    loan_floats = li.loan_floats
    ov_total, tax_rate, priority, ppy = li.ov_total, li.tax_rate, li.priority, li.ppy
    last_period, is_exit, carry_years = li.last_period, li.is_exit, li.carry_years
    min_cash, distributable_share = li.min_cash, li.distributable_share
    dsra_months, lockup_floor = li.dsra_months, li.lockup_floor
    fund_on, fund_end, fund_terms = li.fund_on, li.fund_end, li.fund_terms
    nl = li.rates.shape[0]
    dt = 1.0 / ppy
    limited = not np.isnan(distributable_share)
    has_floor = not np.isnan(lockup_floor)
    senior_rate, junior_rate, senior_share, upside_share = (
        fund_terms[0],
        fund_terms[1],
        fund_terms[2],
        fund_terms[3],
    )
    compound, stub = fund_terms[4] > 0, fund_terms[5] * dt
    bal, drawn, principal = work.bal, work.drawn, work.principal
    draws, rolled, prepay = work.draws, work.rolled, work.prepay
    losses, fstate, paid = work.losses, work.fund, work.paid
    cash = 0.0
    dsra = 0.0
    bal[:] = 0.0
    drawn[:] = 0.0
    capitalised = 0.0
    acc_dep = 0.0
    acc_gap = 0.0
    losses[:] = 0.0
    fstate[:] = 0.0
    distributable = 0.0
    ov = ov_total[j] if ov_total[j] > 0 else 1.0
    waterfall = full or cash_reaches_debt  # else skip reserves, sweep, fund, distributions
    for t in range(stop):
        af = 1.0 if x[I_AVAIL, j, t] > 0 else 0.0  # construction period
        ef = 1.0 - af  # operating period: interest and fees expensed
        avail = af > 0
        closing = t == last_period
        after_end = t > last_period
        if fund_on and not after_end and waterfall:
            fund_math.accrue_one(fstate, senior_rate, junior_rate, dt, compound)
            fund_math.invest_one(
                fstate, x[I_FUND_IN, j, t], senior_share, senior_rate, junior_rate, stub, compound
            )

        # Fees, interest on opening balances, depreciation and income tax. Construction
        # interest is capitalised (not expensed or taxed) on the share of the investment
        # spent on phases still under construction; the rest is expensed.
        xe = 1.0 - af * x[I_CAP_SHARE, j, t]
        loan_fees, open_total, open_net, spill_total, sub_income, sub_untaxed, sub_all = (
            _fees_and_interest(li, j, t, facility, work, af, xe)
        )
        earned = li.cash_rate[j] * (max(cash, 0.0) + dsra + x[I_RESERVE_OPEN, j, t])
        dep = x[I_DEP, j, t] * (1.0 + capitalised / ov)
        acc_dep += dep
        # Tax depreciation: the taxable income adds back book less tax depreciation, and at a
        # disposal takes off what it added (the tax basis is cost less tax depreciation).
        dep_adj = x[I_DEP_GAP, j, t] * (1.0 + capitalised / ov)
        acc_gap += dep_adj
        if is_exit and closing:
            dep_adj -= acc_gap
        gain = 0.0
        if is_exit and closing:
            gain = x[I_PROCEEDS, j, t] - (ov_total[j] + capitalised - acc_dep)
        int_exp = xe * (x[I_BOND_INTEREST, j, t] + open_total)
        fee_exp = (x[I_BOND_FEES, j, t] + loan_fees) * ef
        taxable = (
            x[I_TAXABLE, j, t] - dep + dep_adj + gain + sub_income + earned - int_exp - fee_exp
        )
        after_loss, used = tax_math.use_losses(losses, t // ppy, carry_years, taxable)
        tax = tax_rate[j] * x[I_TAX_FACTOR, j, t] * after_loss
        untaxed = x[I_UNTAXED, j, t] + sub_untaxed - dep_adj  # profit = taxable + untaxed
        if limited and waterfall:
            distributable = distributable + distributable_share * (taxable + untaxed - tax)
        cfads = x[I_OCF, j, t] - tax + x[I_PROCEEDS, j, t] + earned

        # Scheduled principal from opening balances (sculpting on the cash left for it).
        principal_total = _scheduled_principal(
            li, j, t, work, closing, cfads + ef * sub_all - x[I_BOND_DS, j, t]
        )

        # Construction: the cash gap is shared between the loans and equity (see
        # ``_draw_loans``); interest paid from own funds is met by cash in hand, then equity.
        # A DSRA funded by the plan is filled at completion, as a use of the period.
        dsra_fund = 0.0
        if li.dsra_from_plan and _completion(li, j, t):
            dsra_fund = max(dsra_target(future_service, t, dsra_months, ppy) - dsra, 0.0)
            dsra = dsra + dsra_fund
        g0 = (
            x[I_CAPEX, j, t]
            + x[I_BOND_SERVICE, j, t]
            - af * x[I_BOND_OWN, j, t]
            + loan_fees
            + tax
            - x[I_OCF, j, t]
            - x[I_GRANTS, j, t]
            - x[I_INJECT, j, t]
            - x[I_FUND_IN, j, t]
            - x[I_BOND_ISSUE, j, t]
            - cash
            + principal_total
            + spill_total
            - earned
            + dsra_fund
        )
        need = avail and g0 > 0
        gap = g0 if need else 0.0
        drawn_total, rolled_total, own_total, subsidy_total, interest_total = _draw_loans(
            li, j, t, facility, share, work, need, gap, af
        )
        own = af * x[I_BOND_OWN, j, t] + own_total
        surplus = max(-g0, 0.0) if avail else 0.0
        equity = max(gap - drawn_total, 0.0) + max(own - surplus, 0.0)
        bond_interest = x[I_BOND_INTEREST, j, t]
        cap_interest = af * (bond_interest + rolled_total + spill_total + own_total) - (
            af - af * x[I_CAP_SHARE, j, t]
        ) * (bond_interest + open_net)
        capitalised = capitalised + cap_interest + af * (x[I_BOND_FEES, j, t] + loan_fees)

        # Cash this period: in construction only a surplus of sources is carried.
        if avail:
            cash_t = max(surplus - own, 0.0)
        else:
            cash_t = (
                cash
                + x[I_OCF, j, t]
                - tax
                + x[I_PROCEEDS, j, t]
                + x[I_GRANTS, j, t]
                + x[I_INJECT, j, t]
                + x[I_FUND_IN, j, t]
                + x[I_BOND_ISSUE, j, t]
                - x[I_CAPEX, j, t]
                + subsidy_total
                + earned
            )
        loan_service = interest_total + principal_total
        paid_loans = 0.0
        dist = 0.0
        lockup = False
        bond_short = 0.0
        loan_short = 0.0
        dsra_change = dsra_fund
        paid[:] = 0.0
        if waterfall:
            for step in priority:
                if step == BOND:
                    owed = 0.0 if avail else x[I_BOND_SERVICE, j, t]
                    bond_short = owed - min(owed, max(cash_t, 0.0))
                    cash_t = cash_t - owed
                elif step == LOAN:
                    paid_loans = loan_service
                    owed = 0.0 if avail else paid_loans + loan_fees
                    loan_short = owed - min(owed, max(cash_t, 0.0))
                    cash_t = cash_t - owed
                elif step == RESERVES:
                    if dsra_months <= 0 or avail:
                        continue
                    target = (
                        0.0
                        if closing or after_end
                        else dsra_target(future_service, t, dsra_months, ppy)
                    )
                    new, cash_t = _reserve_step(dsra, cash_t, target, avail)
                    dsra_change = new - dsra
                    dsra = new
                elif step == SWEEP:
                    for i in range(nl):
                        if loan_floats[i, 1] <= 0:
                            continue
                        rest = bal[i] + draws[i] + rolled[i] - principal[i]
                        amount = min(loan_floats[i, 1] * max(cash_t - min_cash, 0.0), rest)
                        prepay[i] = 0.0 if avail else amount
                        cash_t = cash_t - prepay[i]
                else:  # FUND or EQUITY: distributions, unless locked up
                    if step == FUND and not fund_on:
                        continue
                    lockup = False
                    if has_floor and not closing:
                        ds = x[I_BOND_SERVICE, j, t] + paid_loans
                        lockup = (cfads / ds if ds > 0 else np.inf) < lockup_floor
                    allowed = not avail and not lockup
                    keep_cash = 0.0 if closing else min_cash
                    if step == FUND:
                        room = np.inf if not limited or closing else max(distributable, 0.0)
                        fund_math.pay_one(
                            fstate,
                            cash_t - keep_cash if allowed else 0.0,
                            closing or t >= fund_end,
                            upside_share,
                            room,
                            paid,
                        )
                        cash_t = cash_t - (
                            (paid[fund_math.SENIOR_RETURN] + paid[fund_math.SENIOR_REPAID])
                            + (
                                paid[fund_math.JUNIOR_RETURN]
                                + paid[fund_math.JUNIOR_REPAID]
                                + paid[fund_math.UPSIDE]
                            )
                        )
                        distributable = distributable - (
                            paid[fund_math.SENIOR_RETURN]
                            + paid[fund_math.JUNIOR_RETURN]
                            + paid[fund_math.UPSIDE]
                        )
                    else:
                        dist = max(cash_t - keep_cash, 0.0) if allowed else 0.0
                        if limited and not closing:
                            dist = min(dist, max(distributable, 0.0))
                        distributable = distributable - dist
                        cash_t = cash_t - dist

        # The lines the sizing reads are written in every pass, the others in the last.
        _write_loans(out_loans, work, j, t, full)
        out[GAP, j, t] = gap
        out[INTEREST_CAPITALISED, j, t] = cap_interest
        out[FEES_CAPITALISED, j, t] = af * (x[I_BOND_FEES, j, t] + loan_fees)
        out[CFADS, j, t] = cfads + ef * subsidy_total
        out[BOND_SERVICE, j, t] = x[I_BOND_SERVICE, j, t]
        out[LOAN_SERVICE, j, t] = loan_service
        if full:
            out[CASH_OPEN, j, t] = cash
            out[CASH_CLOSE, j, t] = cash_t
            out[EQUITY_IN, j, t] = equity
            out[TAX, j, t] = tax
            out[TAXABLE, j, t] = taxable
            out[LOSS_USED, j, t] = used
            out[DEP, j, t] = dep
            out[INTEREST_EXPENSED, j, t] = int_exp
            out[FEES_EXPENSED, j, t] = fee_exp
            out[DSRA_BALANCE, j, t] = dsra
            out[DSRA_CHANGE, j, t] = dsra_change
            out[DISTRIBUTION, j, t] = dist
            out[INTEREST_SUBSIDY, j, t] = subsidy_total
            out[BOND_SHORTFALL, j, t] = bond_short
            out[LOAN_SHORTFALL, j, t] = loan_short
            out[GAIN, j, t] = gain
            out[LOCKUP, j, t] = 1.0 if lockup and not avail else 0.0
            out[BOOK_VALUE, j, t] = ov_total[j] + capitalised - acc_dep
            out[INTEREST_INCOME, j, t] = earned
            out[SUBSIDY_INCOME, j, t] = sub_income + sub_untaxed
            out[DEP_ADJUSTMENT, j, t] = dep_adj
            out_fund[CONTRIBUTION, j, t] = x[I_FUND_IN, j, t]
            out_fund[F_SENIOR_RETURN, j, t] = paid[fund_math.SENIOR_RETURN]
            out_fund[F_SENIOR_CAPITAL, j, t] = paid[fund_math.SENIOR_REPAID]
            out_fund[F_JUNIOR_RETURN, j, t] = paid[fund_math.JUNIOR_RETURN]
            out_fund[F_JUNIOR_CAPITAL, j, t] = paid[fund_math.JUNIOR_REPAID]
            out_fund[F_UPSIDE, j, t] = paid[fund_math.UPSIDE]
            out_fund[CLAIM, j, t] = fund_math.claim_one(fstate)
        cash = cash_t
