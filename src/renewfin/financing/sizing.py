"""Debt sizing: each loan is the smallest of its bounds, solved with the period loop.

Bounds (DOMAIN.md §4): a stated amount; gearing × total investment (including IDC and
fees); DSCR capacity — PV at the loan's own rate, to the start of its repayment, of the
cash available to it divided by the target DSCR; and cost — never more than the part of
the uses left to loans and equity after the scheduled sources (less the loans ranked
before it), plus its own capitalised construction interest. IDC, fees, income tax and
the DSRA make the sizes circular, so the period loop is iterated to a fixed point; the
largest relative change of the last iteration is reported as the residual.

Each scenario is solved on its own, in compiled code: first with passes that stop at the
end of construction (which alone fix the gap, the drawings and the capitalised costs),
then with passes over every period for the DSCR bound, CFADS and the reserve. Passes
write only the lines the sizing reads and skip the cash waterfall where it cannot reach
the debt; the last pass writes every line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renewfin.compiled import kernel, owned
from renewfin.financing.plan import FundingPlan
from renewfin.financing.waterfall import (
    BOND_SERVICE,
    CAPITALISED,
    CFADS,
    DRAW,
    FEES_CAPITALISED,
    GAP,
    INTEREST,
    INTEREST_CAPITALISED,
    LOAN_SERVICE,
    PRINCIPAL,
    Buffers,
    LoopInputs,
    Operations,
    Periods,
    Workspace,
    scenario_pass,
    scenario_shape,
)
from renewfin.spec.funding import Fund, PriorityStep

LAST_PASS_AHEAD = 1e2
"""A pass is expected to converge when the change of the pass before it is below this
multiple of the tolerance (each pass gains about two orders of magnitude): the passes over
the construction periods then give way to passes over every period, and those write every
line; a pass that converges without writing them is followed by one that does."""
BOUNDS = ("amount", "gearing", "dscr", "cost")
"""Names of the sizing bounds, in the order of ``Sizing.bound`` codes."""


@dataclass(frozen=True)
class Sizing:
    """Solved loan sizes and what binds them."""

    facility: np.ndarray
    """(n_loans, S) loan sizes [money]."""
    bounds: np.ndarray
    """(n_loans, 4, S) each bound (inf where not set) [money]."""
    binding: np.ndarray
    """(n_loans, S) index into ``BOUNDS`` of the binding bound."""
    iterations: int
    """Most passes of the period loop any scenario needed (those over the construction
    periods only included)."""
    residual: float
    """Largest relative change of sizes and gap in a scenario's last pass."""
    share: np.ndarray | None = None
    """(n_loans, S) share of each construction period's funding gap drawn from each loan
    in the final pass."""


@kernel
def dscr_capacity(
    li: LoopInputs,
    out: np.ndarray,
    out_loans: np.ndarray,
    k: int,
    j: int,
    target: float,
    horizon: int,
) -> float:
    """PV, at the start of repayment, of (CFADS − bond service − service of the loans
    ranked before loan ``k``) / target over loan ``k``'s repayment window, discounted at its
    period rate, in scenario ``j`` of the last pass [money]; nothing flows from period
    ``horizon`` on."""
    factor = 1.0
    total = 0.0
    for t in range(li.loan_ints[k, 1], min(li.loan_ints[k, 2], horizon)):
        avail = out[CFADS, j, t] - out[BOND_SERVICE, j, t]
        for i in range(k):
            avail = avail - out_loans[i, INTEREST, j, t] - out_loans[i, PRINCIPAL, j, t]
        factor = factor * (1.0 / (1.0 + li.rates[k, j, t]))
        total += avail / target * factor
    return total


@kernel
def _solve(
    li: LoopInputs,
    work: Workspace,
    caps: np.ndarray,
    gap0: np.ndarray,
    capex_total: np.ndarray,
    bond_service: np.ndarray,
    tol: float,
    max_iter: int,
    out: np.ndarray,
    out_loans: np.ndarray,
    out_fund: np.ndarray,
    facility: np.ndarray,
    bounds: np.ndarray,
    share: np.ndarray,
    iterations: np.ndarray,
    residual: np.ndarray,
) -> None:
    """Size the loans of every scenario by iterating its sizes and the period loop
    (``scenario_pass``) to a fixed point; see ``size_and_run``."""
    s, n = li.ops.shape[1], li.ops.shape[2]
    nl = li.rates.shape[0]
    fac = np.zeros(nl)
    shr = np.zeros(nl)
    rolled = np.zeros(nl)
    new_rolled = np.zeros(nl)
    drawn = np.zeros(nl)
    future = np.zeros(n)
    old_cfads = np.zeros(n)
    for j in range(s):
        gap_total = gap0[j]
        investment = capex_total[j]
        for t in range(n):  # a loop: an array assignment compiles numba's shape-error
            future[t] = bond_service[j, t]  # message (about 3 s of the first run)
        rolled[:] = 0.0
        # Passes first stop at the end of construction until what it fixes converges;
        # passes over every period then bring in the DSCR bound, CFADS and the debt
        # service. Passes that do not write every line stop at the horizon.
        end, horizon, reaches = scenario_shape(li, j)
        stop = end if nl and 0 < end < n else n
        whole = 0  # passes over every period so far
        change = np.inf
        debt_change = np.inf
        it = 0
        while it < max_iter:
            it += 1
            # Every line is written only in a pass likely to be the last one.
            full = stop == n and (
                (whole > 0 and debt_change < tol * LAST_PASS_AHEAD) or it == max_iter
            )
            before = 0.0
            for k in range(nl):
                amount, gearing, target = caps[k, 0, j], caps[k, 1, j], caps[k, 2, j]
                bounds[k, 0, j] = np.inf if np.isnan(amount) else amount
                bounds[k, 1, j] = np.inf if np.isnan(gearing) else gearing * investment
                bounds[k, 2, j] = (
                    np.inf
                    if np.isnan(target) or whole == 0
                    else max(dscr_capacity(li, out, out_loans, k, j, target, horizon), 0.0)
                )
                bounds[k, 3, j] = max(gap_total - before, 0.0) + rolled[k]
                fac[k] = min(bounds[k, 0, j], bounds[k, 1, j], bounds[k, 2, j], bounds[k, 3, j])
                before = before + max(fac[k] - rolled[k], 0.0)
                cash_part = max(fac[k] - rolled[k], 0.0)
                shr[k] = min(cash_part / gap_total, 1.0) if gap_total > 0 else 0.0
            length = stop if stop < n else (n if full else horizon)
            scenario_pass(
                li, j, fac, shr, future, work, out, out_loans, out_fund, full, length, reaches
            )

            # Totals of this pass, summed over periods in order (construction only).
            new_gap = 0.0
            financing = 0.0
            for t in range(length):
                new_gap += out[GAP, j, t]
                financing += out[INTEREST_CAPITALISED, j, t] + out[FEES_CAPITALISED, j, t]
            new_investment = capex_total[j] + financing
            scale = max(1.0, abs(new_gap))
            debt_change = abs(new_gap - gap_total) / scale
            for k in range(nl):
                drawn[k] = 0.0
                new_rolled[k] = 0.0
                for t in range(length):
                    drawn[k] += out_loans[k, DRAW, j, t] + out_loans[k, CAPITALISED, j, t]
                    new_rolled[k] += out_loans[k, CAPITALISED, j, t]
                debt_change = max(debt_change, abs(drawn[k] - fac[k]) / scale)
                debt_change = max(debt_change, abs(new_rolled[k] - rolled[k]) / scale)
            if nl:
                debt_change = max(debt_change, abs(new_investment - investment) / scale)
            gap_total = new_gap
            investment = new_investment
            for k in range(nl):
                rolled[k] = new_rolled[k]
            if stop < n:  # whole passes from the one likely to converge
                if debt_change < tol * LAST_PASS_AHEAD and it > 1:
                    stop = n
                continue
            whole += 1
            if nl and whole > 1:
                for t in range(horizon):
                    debt_change = max(debt_change, abs(out[CFADS, j, t] - old_cfads[t]) / scale)
            change = debt_change
            if li.dsra_months > 0:  # the reserve target reads next periods' service
                top = 1.0
                for t in range(horizon):
                    top = max(top, abs(out[BOND_SERVICE, j, t] + out[LOAN_SERVICE, j, t]))
                for t in range(horizon):
                    service = out[BOND_SERVICE, j, t] + out[LOAN_SERVICE, j, t]
                    change = max(change, abs(service - future[t]) / top)
            for t in range(horizon):
                old_cfads[t] = out[CFADS, j, t]
            if change < tol and it > 1 and full:
                break
            # Not converged: the next pass reads this pass's debt service.
            for t in range(horizon):
                future[t] = out[BOND_SERVICE, j, t] + out[LOAN_SERVICE, j, t]
        for k in range(nl):
            facility[k, j] = fac[k]
            share[k, j] = shr[k]
        iterations[j] = it
        residual[j] = change


def size_and_run(
    plan: FundingPlan,
    ops: Operations,
    fund_spec: Fund | None,
    priority: list[PriorityStep],
    dsra_months: float,
    *,
    tol: float = 1e-10,
    max_iter: int = 200,
) -> tuple[Periods, Sizing]:
    """Iterate each scenario's loan sizes and the period loop to a fixed point; return the
    last pass.

    Each pass sets every loan to the smallest of its bounds, shares each construction gap
    between the loans by their cash parts, and runs the period loop; the pass is repeated
    until the funding gap, each loan's drawings and capitalised interest, the total
    investment, CFADS and (with a DSRA) the debt service change by less than ``tol``
    relative to the gap. Scenarios are solved one by one, so a scenario's numbers are the
    same whether it runs alone or in a batch."""
    s, n = ops.n_scenarios, ops.ocf.shape[1]
    nl = len(plan.loans)
    fixed = sum(
        (
            np.broadcast_to(a, (s, n)).sum(axis=1)
            for a in [
                *plan.grants.values(),
                *plan.injections.values(),
                *([plan.fund_contribution] if plan.fund_contribution is not None else []),
                *(tr.schedule.issue for tr in plan.bonds if tr.refinancing_of is None),
            ]
        ),
        np.zeros(s),
    )
    capex_total = owned(ops.capex.sum(axis=1), (s,))
    gap0 = owned(np.maximum(capex_total - fixed, 0.0), (s,))
    service = sum((tr.schedule.service for tr in plan.bonds), np.zeros((1, n)))
    caps = np.full((nl, 3, s), np.nan)
    for k, ln in enumerate(plan.loans):
        for c, cap in enumerate((ln.amount_cap, ln.gearing_cap, ln.dscr_target)):
            if cap is not None:
                caps[k, c] = np.broadcast_to(cap, (s,))
    buffers = Buffers.empty(s, n, nl)
    facility = np.zeros((nl, s))
    bounds = np.full((nl, len(BOUNDS), s), np.inf)
    share = np.zeros((nl, s))
    iterations = np.zeros(s, dtype=np.int64)
    residual = np.zeros(s)
    _solve(
        LoopInputs.build(plan, ops, fund_spec, priority, dsra_months),
        Workspace.create(nl, n, ops.ppy),
        caps,
        gap0,
        capex_total,
        owned(service, (s, n)),
        tol,
        max_iter,
        buffers.lines,
        buffers.loans,
        buffers.fund,
        facility,
        bounds,
        share,
        iterations,
        residual,
    )
    binding = np.argmin(bounds, axis=1) if nl else np.zeros((0, s), dtype=int)
    return buffers.periods, Sizing(
        facility,
        bounds,
        binding,
        int(iterations.max(initial=0)),
        float(residual.max(initial=0.0)),
        share,
    )
