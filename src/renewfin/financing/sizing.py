"""Debt sizing: each loan is the smallest of its bounds, solved with the period loop.

Bounds (DOMAIN.md §4): a stated amount; gearing × total investment (including IDC and fees); the
DSCR bound — the largest facility whose debt service meets the target DSCR in every test year
(``renewfin.financing.bounds``: period by period for every profile; PV ÷ target for a sculpted
loan); the optional LLCR bound; and cost — never more than the part of the uses left to loans and
equity after the scheduled sources (less the loans ranked before it), plus its own capitalised
construction interest. IDC, fees, income tax (the interest tax shield), interest on cash and the
DSRA make the sizes circular, so the period loop is iterated to a fixed point; the largest relative
change of the last iteration is reported as the residual. After a few plain passes the state each
pass hands the next (gap, investment, capitalised interest, the reserve's debt-service forecast) is
relaxed by Wegstein's method, which speeds up a slow monotone sequence and damps an oscillating one
(loans repaying during construction feed their own gaps and tend to oscillate).

Construction interest is capitalised into a loan only while it fits in the facility; a
loan used up before construction ends pays the rest of its construction interest in cash,
from the next source in the drawdown order (``renewfin.financing.waterfall``). So at the
fixed point every loan's drawings plus capitalised interest equal its size, whichever
bound binds, and the solve converges for any drawdown order.

Each scenario is solved on its own, in compiled code: first with passes that stop at the
end of construction (which alone fix the gap, the drawings and the capitalised costs),
then with passes over every period for the DSCR bound, CFADS and the reserve. Passes
write only the lines the sizing reads and skip the cash waterfall where it cannot reach
the debt; the last pass writes every line, also when a scenario stops unconverged at the
iteration limit. A scenario is converged when its last residual is below the tolerance
(``Sizing.converged``); ``renewfin.engine.run`` raises ``renewfin.errors.ConvergenceError``
(``Sizing.failure`` says which loan, the residual and what to change) unless asked for the
unconverged figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renewfin.compiled import inlined_kernel, kernel, owned
from renewfin.errors import ConvergenceError
from renewfin.financing.bounds import SAFETY, dscr_bound, llcr_bound
from renewfin.financing.loop_data import Buffers, LoopInputs, Operations, Periods, Workspace
from renewfin.financing.plan import FundingPlan
from renewfin.financing.waterfall import (
    BOND_SERVICE,
    CAPITALISED,
    CFADS,
    DRAW,
    FEES_CAPITALISED,
    GAP,
    INTEREST_CAPITALISED,
    LOAN_SERVICE,
    scenario_pass,
    scenario_shape,
)
from renewfin.spec.funding import Fund, PriorityStep

ACCELERATE_AFTER = 5
"""Passes of plain fixed-point iteration before the inputs of each pass are relaxed by
Wegstein's method (``_wegstein``)."""
Q_MIN, Q_MAX = -5.0, 0.8
"""Bounds of Wegstein's weight q: below 0 it extrapolates a slow monotone sequence, above 0
it damps an oscillating one."""
LAST_PASS_AHEAD = 1e2
"""A pass is expected to converge when the change of the pass before it is below this
multiple of the tolerance (each pass gains about two orders of magnitude): the passes over
the construction periods then give way to passes over every period, and those write every
line; a pass that converges without writing them is followed by one that does."""
BOUNDS = ("amount", "gearing", "dscr", "llcr", "cost")
"""Names of the sizing bounds, in the order of ``Sizing.bound`` codes."""
B_AMOUNT, B_GEARING, B_DSCR, B_LLCR, B_COST = range(len(BOUNDS))
WHAT = (
    "funding gap",
    "drawings and capitalised interest against the facility",
    "capitalised construction interest",
    "total investment",
    "CFADS",
    "debt service read by the DSRA target",
)
"""What a solve's residual measured, in the order of ``Sizing.worst`` codes."""
W_GAP, W_DRAWN, W_ROLLED, W_INVESTMENT, W_CFADS, W_SERVICE = range(len(WHAT))
HINTS = (
    "check that the construction sources and uses are finite and that the funding gap does "
    "not swing from period to period",
    "fix the loan's size (funding.loans[{loan}].sizing.amount) or draw pro rata "
    "(funding.drawdown: pro_rata)",
    "fix the loan's size (funding.loans[{loan}].sizing.amount) or shorten its construction "
    "drawdown",
    "size the loan by amount rather than by gearing (funding.loans[{loan}].sizing.amount)",
    "the DSCR or LLCR bound moves the cash it is sized on (tax, sweep, reserve, interest on "
    "cash): give the loan an amount or gearing bound below it (funding.loans[{loan}].sizing), "
    "or drop its cash sweep",
    "the reserve target and the debt service it covers move each other: lower "
    "funding.loans[{loan}].dsra_months or size the loans by amount",
)
"""What to change, for each ``WHAT`` code (``{loan}`` is the loan's name)."""


@dataclass(frozen=True)
class Sizing:
    """Solved loan sizes and what binds them."""

    facility: np.ndarray
    """(n_loans, S) loan sizes [money]."""
    bounds: np.ndarray
    """(n_loans, len(BOUNDS), S) each bound (inf where not set) [money]."""
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
    residuals: np.ndarray | None = None
    """(S,) each scenario's relative change in its last pass."""
    passes: np.ndarray | None = None
    """(S,) passes of the period loop each scenario ran."""
    worst: np.ndarray | None = None
    """(2, S) what moved most in each scenario's last pass: a ``WHAT`` code and the loan
    index (−1 for none)."""
    tol: float = 1e-10
    """Tolerance the residuals were solved to."""
    repaying: tuple[int, ...] = ()
    """Loans whose repayment starts before construction ends: their debt service is part of
    the construction gaps they finance, the loop that the solve finds hardest."""
    periods: np.ndarray | None = None
    """(n_loans, 2, S) the period where the DSCR and the LLCR bound bind (the first period
    of the test year; −1 where the bound is not set or nothing binds)."""
    dscr_cash: np.ndarray | None = None
    """(n_loans, S) cash available to the loan in the test year that binds its DSCR bound
    [money]; not positive where that bound is 0."""

    @property
    def converged(self) -> np.ndarray:
        """(S,) whether each scenario's solve met its tolerance."""
        if self.residuals is None:
            return np.full(self.facility.shape[1], self.residual < self.tol)
        return self.residuals < self.tol

    def loan_of(self, scenario: int) -> int:
        """Index of the loan that did not settle in ``scenario`` (−1 when none can be
        named): the loan whose drawings moved, else the one whose gearing (investment moved)
        or DSCR (CFADS moved) bound binds, else the only loan."""
        if self.worst is None:
            return -1
        what, k = int(self.worst[0, scenario]), int(self.worst[1, scenario])
        if k >= 0:
            return k
        bound = {W_INVESTMENT: (B_GEARING,), W_CFADS: (B_DSCR, B_LLCR)}.get(what, ())
        binds = np.flatnonzero(np.isin(self.binding[:, scenario], bound))
        if binds.size:
            return int(binds[0])
        return 0 if self.facility.shape[0] == 1 else -1

    def failure(self, loans: list[str], scenario: int | None = None) -> str:
        """Why the solve failed in ``scenario`` (default: the first that failed): what did
        not settle and through which loan, the residual, the passes and what to change, and
        how many scenarios failed. '' when that scenario converged."""
        bad = np.flatnonzero(~self.converged)
        j = (int(bad[0]) if bad.size else 0) if scenario is None else scenario
        if bad.size == 0 or bool(self.converged[j]):
            return ""
        what = W_GAP if self.worst is None else int(self.worst[0, j])
        k = self.loan_of(j)
        loan = loans[k] if 0 <= k < len(loans) else "…"
        res = self.residual if self.residuals is None else float(self.residuals[j])
        passes = self.iterations if self.passes is None else int(self.passes[j])
        who = f"loan {loan}, bound by its {BOUNDS[int(self.binding[k, j])]}; " if k >= 0 else ""
        more = f" ({bad.size} of {self.converged.size} scenarios failed)" if bad.size > 1 else ""
        grace = "".join(
            f" Loan {loans[i]} starts repaying before construction ends, so its debt service "
            f"is part of the gaps it finances: a grace period to the end of construction "
            f"(funding.loans[{loans[i]}].grace_years) removes that loop."
            for i in self.repaying
            if i < len(loans)
        )
        return (
            f"the funding solve did not converge in scenario {j}{more}: the {WHAT[what]} "
            f"still moved by a relative {res:.2e} after {passes} iterations ({who}tolerance "
            f"{self.tol:.0e}). To fix: {HINTS[what].format(loan=loan)}.{grace}"
        )

    def error(self, loans: list[str]) -> ConvergenceError:
        """The ``ConvergenceError`` of an unconverged solve (``failure``), with its loan,
        residual, iteration count and failed scenarios as attributes."""
        bad = np.flatnonzero(~self.converged)
        j = int(bad[0]) if bad.size else 0
        k = self.loan_of(j)
        return ConvergenceError(
            self.failure(loans)
            + " Run with allow_unconverged=True to get the figures marked unconverged.",
            loan=loans[k] if 0 <= k < len(loans) else None,
            residual=self.residual if self.residuals is None else float(self.residuals[j]),
            iterations=self.iterations if self.passes is None else int(self.passes[j]),
            scenarios=[int(b) for b in bad],
        )


@inlined_kernel
def _larger(a: float, b: float) -> float:
    """The larger of ``a`` and ``b``, a NaN counting as infinite."""
    if b != b:
        return np.inf
    return b if b > a else a


@inlined_kernel
def _worse(state: np.ndarray, value: float, what: int, loan: int) -> None:
    """Keep in ``state`` (3,) the largest relative change of a pass so far, the ``WHAT``
    code of the quantity that moved and its loan (−1 for none); NaN counts as infinite."""
    v = np.inf if np.isnan(value) else value
    if v > state[0]:
        state[0] = v
        state[1] = what
        state[2] = loan


@inlined_kernel
def _wegstein(x: float, g: float, x_prev: float, g_prev: float) -> float:
    """The next input of a fixed point x = g(x) by Wegstein's method: the slope
    s = Δg / Δx of the last two passes gives q = s / (s − 1), bounded to [Q_MIN, Q_MAX], and
    the next input q·x + (1 − q)·g (plain iteration, g, when the slope is unknown)."""
    dx = x - x_prev
    if dx == 0.0 or not np.isfinite(dx) or not np.isfinite(g - g_prev):
        return g
    slope = (g - g_prev) / dx
    q = Q_MIN if slope == 1.0 else min(max(slope / (slope - 1.0), Q_MIN), Q_MAX)
    return q * x + (1.0 - q) * g


@inlined_kernel
def _relax(
    x: np.ndarray,
    g: np.ndarray,
    x_prev: np.ndarray,
    g_prev: np.ndarray,
    m: int,
    accelerate: bool,
) -> None:
    """Replace the pass outputs ``g`` (the first ``m`` of them) by the next inputs, from
    the inputs ``x`` the pass read; keep both for the next call in ``x_prev``, ``g_prev``.
    Plain iteration (the next input is ``g``) unless ``accelerate``."""
    for i in range(m):
        new = _wegstein(x[i], g[i], x_prev[i], g_prev[i]) if accelerate else g[i]
        x_prev[i] = x[i]
        g_prev[i] = g[i]
        g[i] = new


@inlined_kernel
def _set_sizes(
    li: LoopInputs,
    caps: np.ndarray,
    j: int,
    x: np.ndarray,
    use_cash: bool,
    out: np.ndarray,
    out_loans: np.ndarray,
    fac: np.ndarray,
    shr: np.ndarray,
    bounds: np.ndarray,
    periods: np.ndarray,
    dscr_cash: np.ndarray,
    unit: np.ndarray,
) -> None:
    """Each loan's bounds (``bounds`` (n_loans, len(BOUNDS), S), scenario ``j``), its size
    ``fac`` (n_loans,) [money], the smallest of them, and its share ``shr`` (n_loans,) of
    each construction gap, from the state ``x`` (``_solve``: gap, investment, each loan's
    capitalised interest [money]); the DSCR and LLCR bounds (``renewfin.financing.bounds``,
    with their binding periods and cash in ``periods``, ``dscr_cash``) only with
    ``use_cash`` (after a pass over every period), from that pass and its sizes ``fac``."""
    gap_total, investment = x[0], x[1]
    before = 0.0
    for k in range(li.rates.shape[0]):
        amount, gearing, target, llcr = caps[k, 0, j], caps[k, 1, j], caps[k, 2, j], caps[k, 3, j]
        bounds[k, B_AMOUNT, j] = np.inf if np.isnan(amount) else amount
        bounds[k, B_GEARING, j] = np.inf if np.isnan(gearing) else gearing * investment
        bounds[k, B_DSCR, j] = np.inf
        bounds[k, B_LLCR, j] = np.inf
        if use_cash and not np.isnan(target):
            b, at, cash = dscr_bound(li, out, out_loans, k, j, target, fac[k], unit)
            bounds[k, B_DSCR, j] = max(b, 0.0) * (1.0 - SAFETY)
            periods[k, 0, j] = at
            dscr_cash[k, j] = cash
        if use_cash and not np.isnan(llcr):
            b, at = llcr_bound(li, out, out_loans, k, j, llcr, fac[k], unit)
            bounds[k, B_LLCR, j] = max(b, 0.0) * (1.0 - SAFETY)
            periods[k, 1, j] = at
        bounds[k, B_COST, j] = max(gap_total - before, 0.0) + x[2 + k]
        fac[k] = min(
            bounds[k, B_AMOUNT, j],
            bounds[k, B_GEARING, j],
            bounds[k, B_DSCR, j],
            bounds[k, B_LLCR, j],
            bounds[k, B_COST, j],
        )
        cash_part = max(fac[k] - x[2 + k], 0.0)
        before = before + cash_part
        shr[k] = min(cash_part / gap_total, 1.0) if gap_total > 0 else 0.0


@inlined_kernel
def _construction_change(
    j: int,
    length: int,
    out: np.ndarray,
    out_loans: np.ndarray,
    capex: float,
    fac: np.ndarray,
    x: np.ndarray,
    g: np.ndarray,
) -> tuple[float, int, int]:
    """What the pass just run fixed in its first ``length`` periods (summed in order), as
    outputs ``g`` of the inputs ``x`` it read, both laid out as ``_solve``'s state (gap,
    total investment [money], each loan's capitalised interest [money]); returns the
    largest relative change (gap, each loan's drawings against its size ``fac`` and its
    capitalised interest, the investment), its ``WHAT`` code and its loan (−1: none)."""
    new_gap = 0.0
    financing = 0.0
    for t in range(length):
        new_gap += out[GAP, j, t]
        financing += out[INTEREST_CAPITALISED, j, t] + out[FEES_CAPITALISED, j, t]
    scale = max(1.0, abs(new_gap))
    change, what, loan = _larger(0.0, abs(new_gap - x[0]) / scale), W_GAP, -1
    for k in range(fac.shape[0]):
        drawn = 0.0
        rolled = 0.0
        for t in range(length):
            drawn += out_loans[k, DRAW, j, t] + out_loans[k, CAPITALISED, j, t]
            rolled += out_loans[k, CAPITALISED, j, t]
        d = _larger(0.0, abs(drawn - fac[k]) / scale)
        if d > change:
            change, what, loan = d, W_DRAWN, k
        d = _larger(0.0, abs(rolled - x[2 + k]) / scale)
        if d > change:
            change, what, loan = d, W_ROLLED, k
        g[2 + k] = rolled
    g[0] = new_gap
    g[1] = capex + financing
    if fac.shape[0]:
        d = _larger(0.0, abs(g[1] - x[1]) / scale)
        if d > change:
            change, what, loan = d, W_INVESTMENT, -1
    return change, what, loan


@inlined_kernel
def _service_change(
    j: int, horizon: int, out: np.ndarray, future: np.ndarray, state: np.ndarray
) -> None:
    """The relative change of each period's debt service from the forecast ``future``
    (T,) [money] the pass read for the reserve target, to ``state``."""
    top = 1.0
    for t in range(horizon):
        top = max(top, abs(out[BOND_SERVICE, j, t] + out[LOAN_SERVICE, j, t]))
    change = 0.0
    for t in range(horizon):
        service = out[BOND_SERVICE, j, t] + out[LOAN_SERVICE, j, t]
        change = _larger(change, abs(service - future[t]))
    _worse(state, change / top, W_SERVICE, -1)


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
    worst: np.ndarray,
    periods: np.ndarray,
    dscr_cash: np.ndarray,
) -> None:
    """Size the loans of every scenario by iterating its sizes and the period loop
    (``scenario_pass``) to a fixed point; see ``size_and_run``. The last pass of each
    scenario writes every line, also when it stops at ``max_iter`` unconverged.

    The state a pass reads from the one before is a vector ``x``: the funding gap and the
    total investment [money], each loan's capitalised interest [money] and, after the
    passes over construction only, the debt service of each period the reserve target
    reads [money]. A pass turns it into ``g``; the next pass reads ``g`` (plain
    iteration), or after ``ACCELERATE_AFTER`` passes its relaxation by Wegstein's method."""
    s, n = li.ops.shape[1], li.ops.shape[2]
    nl = li.rates.shape[0]
    fac = np.zeros(nl)
    shr = np.zeros(nl)
    # The state, inputs and outputs of a pass and of the one before: (gap, investment,
    # capitalised interest of each loan) and the debt service of each period.
    x, g, x_prev, g_prev = np.zeros(2 + nl), np.zeros(2 + nl), np.zeros(2 + nl), np.zeros(2 + nl)
    xf, gf, xf_prev, gf_prev = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    old_cfads = np.zeros(n)
    state = np.zeros(3)
    unit = np.zeros((3, n))
    for j in range(s):
        x[:] = 0.0
        fac[:] = 0.0
        x[0] = gap0[j]
        x[1] = capex_total[j]
        for t in range(n):  # a loop: an array assignment compiles numba's shape-error
            xf[t] = bond_service[j, t]  # message (about 3 s of the first run)
        x_prev[:] = np.nan  # no slope known yet: plain iteration first
        xf_prev[:] = np.nan
        # Passes first stop at the end of construction until what it fixes converges;
        # passes over every period then bring in the DSCR bound, CFADS and the debt
        # service. Passes that do not write every line stop at the horizon.
        end, horizon, reaches = scenario_shape(li, j)
        stop = end if nl and 0 < end < n else n
        whole = 0  # passes over every period so far
        debt_change = np.inf
        it = 0
        while it < max_iter:
            it += 1
            if it == max_iter:
                stop = n  # the last pass allowed writes every line, converged or not
            # Every line is written only in a pass likely to be the last one.
            full = stop == n and (
                (whole > 0 and debt_change < tol * LAST_PASS_AHEAD) or it == max_iter
            )
            _set_sizes(
                li,
                caps,
                j,
                x,
                whole > 0,
                out,
                out_loans,
                fac,
                shr,
                bounds,
                periods,
                dscr_cash,
                unit,
            )
            length = stop if stop < n else (n if full else horizon)
            scenario_pass(
                li, j, fac, shr, xf, work, out, out_loans, out_fund, full, length, reaches
            )
            change, what, loan = _construction_change(
                j, length, out, out_loans, capex_total[j], fac, x, g
            )
            state[0], state[1], state[2] = change, what, loan
            relax = it >= ACCELERATE_AFTER  # history from the pass before the first relaxed
            if stop < n:  # whole passes from the one likely to converge
                if state[0] < tol * LAST_PASS_AHEAD and it > 1:
                    stop = n
                debt_change = state[0]
            else:
                whole += 1
                if whole == 2:  # the first pass to read the cash bounds: new slopes
                    x_prev[:] = np.nan
                    xf_prev[:] = np.nan
                if nl and whole > 1:
                    change = 0.0
                    for t in range(horizon):
                        change = _larger(change, abs(out[CFADS, j, t] - old_cfads[t]))
                    _worse(state, change / max(1.0, abs(g[0])), W_CFADS, -1)
                debt_change = state[0]
                if li.dsra_months > 0:  # the reserve target reads next periods' service
                    _service_change(j, horizon, out, xf, state)
                for t in range(horizon):
                    old_cfads[t] = out[CFADS, j, t]
                if state[0] < tol and it > 1 and full:
                    break
                if li.dsra_months > 0:  # the next pass reads this pass's debt service
                    for t in range(horizon):
                        gf[t] = out[BOND_SERVICE, j, t] + out[LOAN_SERVICE, j, t]
                    if relax:
                        _relax(xf, gf, xf_prev, gf_prev, horizon, it > ACCELERATE_AFTER)
                    for t in range(horizon):
                        xf[t] = gf[t]
            if relax:
                _relax(x, g, x_prev, g_prev, 2 + nl, it > ACCELERATE_AFTER)
            for i in range(2 + nl):
                x[i] = g[i]
        for k in range(nl):
            facility[k, j] = fac[k]
            share[k, j] = shr[k]
        iterations[j] = it
        residual[j] = state[0]
        worst[0, j] = state[1]
        worst[1, j] = state[2]


def size_and_run(
    plan: FundingPlan,
    ops: Operations,
    fund_spec: Fund | None,
    priority: list[PriorityStep],
    dsra_months: float,
    *,
    dsra_from_plan: bool = False,
    tol: float = 1e-10,
    max_iter: int = 200,
) -> tuple[Periods, Sizing]:
    """Iterate each scenario's loan sizes and the period loop to a fixed point; return the
    last pass.

    Each pass sets every loan to the smallest of its bounds, shares each construction gap
    between the loans by their cash parts, and runs the period loop; the pass is repeated
    until the funding gap, each loan's drawings and capitalised interest, the total
    investment, CFADS and (with a DSRA) the debt service change by less than ``tol``
    relative to the gap, or ``max_iter`` passes have run (the last writes every line; the
    scenario is then unconverged: ``Sizing.converged``, ``Sizing.failure``). Scenarios are
    solved one by one, so a scenario's numbers are the same whether it runs alone or in a
    batch.

    Returns
    -------
    Periods
        Every line of the last pass, (S, T) arrays [money].
    Sizing
        Sizes, bounds, binding bounds, shares, and each scenario's residual and passes."""
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
    caps = np.full((nl, 4, s), np.nan)
    for k, ln in enumerate(plan.loans):
        for c, cap in enumerate((ln.amount_cap, ln.gearing_cap, ln.dscr_target, ln.llcr_target)):
            if cap is not None:
                caps[k, c] = np.broadcast_to(cap, (s,))
    buffers = Buffers.empty(s, n, nl)
    facility = np.zeros((nl, s))
    bounds = np.full((nl, len(BOUNDS), s), np.inf)
    share = np.zeros((nl, s))
    iterations = np.zeros(s, dtype=np.int64)
    residual = np.zeros(s)
    worst = np.zeros((2, s))
    periods = np.full((nl, 2, s), -1, dtype=np.int64)
    dscr_cash = np.full((nl, s), np.nan)
    _solve(
        LoopInputs.build(plan, ops, fund_spec, priority, dsra_months, dsra_from_plan),
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
        worst,
        periods,
        dscr_cash,
    )
    binding = np.argmin(bounds, axis=1) if nl else np.zeros((0, s), dtype=int)
    built = np.broadcast_to(ops.availability, (s, n)).any(axis=0)
    end = int(np.flatnonzero(built)[-1]) + 1 if built.any() else 0
    repaying = tuple(k for k, ln in enumerate(plan.loans) if ln.terms.repay_start < end)
    return buffers.periods, Sizing(
        facility,
        bounds,
        binding,
        int(iterations.max(initial=0)),
        float(residual.max(initial=0.0)),
        share,
        residual,
        iterations,
        worst.astype(np.int64),
        tol,
        repaying,
        periods,
        dscr_cash,
    )
