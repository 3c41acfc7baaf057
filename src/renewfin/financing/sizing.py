"""Debt sizing: each loan is the smallest of its bounds, solved with the period loop.

Bounds (DOMAIN.md §4): a stated amount; gearing × total investment (including IDC and
fees); DSCR capacity — PV at the loan's own rate, to the start of its repayment, of the
cash available to it divided by the target DSCR; and cost — never more than the part of
the uses left to loans and equity after the scheduled sources (less the loans ranked
before it), plus its own capitalised construction interest. IDC, fees, income tax and
the DSRA make the sizes circular, so the period
loop is iterated to a fixed point; the largest relative change of the last iteration
is reported as the residual.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renewfin.financing.plan import FundingPlan
from renewfin.financing.waterfall import (
    Buffers,
    LoopInputs,
    Operations,
    Periods,
    Sizes,
    run_periods,
)
from renewfin.spec.funding import Fund, PriorityStep

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
    residual: float
    """Largest relative change of sizes and gap in the last iteration."""
    share: np.ndarray | None = None
    """(n_loans, S) share of each construction period's funding gap drawn from each loan
    in the final pass."""


def _dscr_capacity(
    plan: FundingPlan, periods: Periods, k: int, target: np.ndarray, ppy: int
) -> np.ndarray:
    """PV, at the start of repayment, of (CFADS − prior debt service) / target over loan
    ``k``'s repayment window, discounted at its period rate [money], (S,)."""
    ln = plan.loans[k]
    lo, hi = ln.terms.repay_start, ln.terms.maturity
    avail = periods["cfads"] - periods["bond_service"]  # (S, T)
    for j in range(k):
        row = periods.loans[j]
        avail = avail - row["interest"] - row["principal"]
    rate = np.asarray(ln.rate)[:, lo:hi] / ppy  # (1, T) or (S, T)
    factors = np.cumprod(1.0 / (1.0 + rate), axis=1)
    return sum_periods(avail[:, lo:hi] / target[:, None] * factors)


def sum_periods(x: np.ndarray) -> np.ndarray:
    """Sum an (S, T) array over periods in order, one period at a time, so that a
    scenario's total does not depend on how many scenarios run beside it."""
    acc = np.zeros(x.shape[0])
    for t in range(x.shape[1]):
        acc = acc + x[:, t]
    return acc


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
    """Iterate sizes and the period loop to a fixed point; return the last pass.

    A scenario that has converged is not computed again (its results stay those of the
    pass it converged in), so its numbers are the same whether it runs alone or in a
    batch."""
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
    capex_total = np.broadcast_to(ops.capex.sum(axis=1), (s,))
    gap_total = np.maximum(capex_total - fixed, 0.0)
    investment = capex_total
    future = np.ascontiguousarray(
        np.broadcast_to(sum((tr.schedule.service for tr in plan.bonds), np.zeros((1, n))), (s, n))
    )
    periods: Periods | None = None
    buffer = Buffers.zeros(s, n, nl)
    loop_inputs = LoopInputs.build(plan, ops, priority)
    old_cfads: np.ndarray | None = None
    bounds = np.full((nl, len(BOUNDS), s), np.inf)
    facility = np.zeros((nl, s))
    share = np.zeros((nl, s))
    rolled = np.zeros((nl, s))  # each loan's construction interest rolled into its balance
    done = np.zeros(s, dtype=bool)
    residual = np.inf
    it = 0
    for it in range(1, max_iter + 1):
        new_bounds = np.full((nl, len(BOUNDS), s), np.inf)
        before = np.zeros(s)
        for k, ln in enumerate(plan.loans):
            if ln.amount_cap is not None:
                new_bounds[k, 0] = np.broadcast_to(ln.amount_cap, (s,))
            if ln.gearing_cap is not None:
                new_bounds[k, 1] = ln.gearing_cap * investment
            if ln.dscr_target is not None and periods is not None:
                new_bounds[k, 2] = np.maximum(
                    _dscr_capacity(
                        plan, periods, k, np.broadcast_to(ln.dscr_target, (s,)), ops.ppy
                    ),
                    0.0,
                )
            new_bounds[k, 3] = np.maximum(gap_total - before, 0.0) + rolled[k]
            before = before + np.maximum(new_bounds[k].min(axis=0) - rolled[k], 0.0)
        bounds = np.where(done[None, None, :], bounds, new_bounds)
        facility = np.where(done[None, :], facility, bounds.min(axis=1))
        cash_part = np.maximum(facility - rolled, 0.0)
        new_share = np.divide(
            cash_part, gap_total, out=np.zeros_like(facility), where=gap_total > 0
        )
        share = np.where(done[None, :], share, np.minimum(new_share, 1.0))
        new = run_periods(
            plan,
            ops,
            Sizes(facility, share, future),
            fund_spec,
            priority,
            dsra_months,
            out=buffer,
            loop_inputs=loop_inputs,
            active=~done,
        )
        new_gap = sum_periods(new["gap"])
        drawn = np.array(
            [sum_periods(row["draw"] + row["capitalised"]) for row in new.loans]
        ).reshape(nl, s)
        new_rolled = np.array([sum_periods(row["capitalised"]) for row in new.loans]).reshape(nl, s)
        scale = np.maximum(1.0, np.abs(new_gap))
        change = np.abs(new_gap - gap_total) / scale
        new_investment = capex_total + sum_periods(
            new["interest_capitalised"] + new["fees_capitalised"]
        )
        if nl:
            change = np.maximum(change, (np.abs(drawn - facility) / scale).max(axis=0))
            change = np.maximum(change, (np.abs(new_rolled - rolled) / scale).max(axis=0))
            change = np.maximum(change, np.abs(new_investment - investment) / scale)
        if old_cfads is not None and nl:
            change = np.maximum(change, np.abs(new["cfads"] - old_cfads).max(axis=1) / scale)
        if dsra_months > 0:  # the reserve target reads next periods' service of this pass
            service = new["bond_service"] + new["loan_service"]
            change = np.maximum(
                change,
                np.abs(service - future).max(axis=1) / np.maximum(1.0, np.abs(service).max(axis=1)),
            )
        old_cfads = new["cfads"].copy()
        change = np.where(done, 0.0, change)
        residual = float(change.max()) if change.size else 0.0
        converged_now = (change < tol) & (it > 1)
        keep = done | converged_now
        periods = new
        gap_total = np.where(done, gap_total, new_gap)
        rolled = np.where(done[None, :], rolled, new_rolled)
        investment = np.where(done, investment, new_investment)
        # A scenario that converged in this pass keeps this pass's inputs from now on.
        future = np.where(keep[:, None], future, new["bond_service"] + new["loan_service"])
        done = keep
        if done.all():
            break
    assert periods is not None
    binding = np.argmin(bounds, axis=1) if nl else np.zeros((0, s), dtype=int)
    return periods, Sizing(facility, bounds, binding, it, residual, share)
