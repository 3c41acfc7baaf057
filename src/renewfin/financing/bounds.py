"""The DSCR and LLCR bounds of debt sizing, computed from the last pass of the period loop.

Definitions (``DOMAIN.md`` §4; ``renewfin.spec.funding.LoanSizing``): the cash for the loans
in a period is CFADS (with interest subsidies and interest earned on cash) less the
special-bond debt service (interest and principal, less principal repaid by a refinancing
tranche), which is paid first (债贷组合). Loans listed after others are tested as junior lenders
test them, on the cumulative basis: cash for the loans / (the loan's debt service + that of
the loans before it) ≥ its target ``T``, so the cash *available* to loan ``k`` is the cash
for the loans less ``T`` × the debt service (interest and scheduled principal) of the loans
before it, and every cover below is of that. A *test year* is a model year fully in
operation, held, and not the year of a REIT exit; the bank DSCR is assessed on test years
(``renewfin.metrics_funding``), so the bounds are too.

- DSCR bound, every profile but sculpted: debt service is proportional to the facility
  (at the fixed point the balance in operation is the facility less what was repaid in
  construction), so with ``u_y`` the debt service of a unit facility in test year ``y``
  and ``A_y`` the cash available, the bound is ``min_y A_y / (target · u_y)`` over the
  test years with ``u_y > 0``, and 0 when ``A_y ≤ 0`` in such a year. ``u`` is the
  profile's schedule (``renewfin.instruments.loan.due``, no prepayment) of the balance
  the last pass's drawings build, per unit drawn — exact at the fixed point, whatever the
  profile, grace (interest-only years in operation count) or rate path; a cash sweep only
  lowers the debt service due.
- DSCR bound, sculpted: principal ``A_t / target − interest`` from the first repayment
  period holds the DSCR at the target in every period exactly when it is never negative
  and the balance is repaid by maturity: with ``P_t`` the PV at the loan rate of
  ``A / target`` from ``t`` to maturity and ``G_t`` the growth factor of the balance from
  the start of repayment, the balance is ``B_t = P_t + (B_0 − P_0) G_t``, and the bound on
  ``B_0`` is ``min(P_0, min_t P_0 + (max(A_t, 0) / (target · r_t) − P_t) / G_t)``. With
  ``A_t > 0`` everywhere this is ``P_0`` (PV ÷ target, the LLCR bound); a period with
  ``A_t ≤ 0`` limits the loan to what the cash before its *year* repays (``B = 0`` at the
  year's first period: the DSCR is tested on the year, so in a sub-annual model a period
  short of cash would otherwise pull the year below the target). Interest-only periods in
  operation before repayment add ``B ≤ A_t / (target · r_t)``.
- LLCR bound: at the start of each test year with a balance, PV at the loan rate of the
  cash available to the loan to its maturity ÷ (target × the balance of a unit facility);
  cash already held is left out, so the LLCR the metrics report (which counts it) is at
  least the target. A sculpted loan's balance is affine in its size (above), which bounds
  it the same way.

Both bounds are reduced by ``SAFETY`` (a relative 1e-8), so that the ratios they promise
hold to the solve's tolerance.
"""

from __future__ import annotations

import numpy as np

from renewfin.compiled import inlined_kernel, kernel
from renewfin.financing.loop_data import LoopInputs
from renewfin.financing.waterfall import (
    CAPITALISED,
    CFADS,
    DRAW,
    I_AVAIL,
    I_BOND_DS,
    INTEREST,
    PRINCIPAL,
)
from renewfin.instruments import loan as loan_math

SCULPTED = loan_math.PROFILE_CODES[loan_math.LoanRepayment.SCULPTED]
TINY = 1e-9
"""A facility below this [money] has no debt service to scale: the unit schedule is the
profile's."""
SAFETY = 1e-8
"""The DSCR and LLCR bounds are reduced by this share (100 × the solve's tolerance): the
cash they are sized on is a fixed point only to that tolerance, and the ratio must hold to
the last digit the solve settles."""


@inlined_kernel
def available(
    li: LoopInputs,
    out: np.ndarray,
    out_loans: np.ndarray,
    k: int,
    j: int,
    t: int,
    target: float,
) -> float:
    """Cash available to loan ``k`` in period ``t`` of scenario ``j`` of the last pass, for
    a cover of ``target`` on the cumulative basis: CFADS less special-bond service, less
    ``target`` × the service of the loans before it [money] (module docstring)."""
    senior = 0.0
    for i in range(k):
        senior += out_loans[i, INTEREST, j, t] + out_loans[i, PRINCIPAL, j, t]
    return out[CFADS, j, t] - li.ops[I_BOND_DS, j, t] - target * senior


@inlined_kernel
def first_operating(li: LoopInputs, j: int, k: int) -> int:
    """First period of operation at or after loan ``k``'s financial close in scenario ``j``
    (T when none)."""
    n = li.ops.shape[2]
    for t in range(li.loan_ints[k, 0], n):
        if not li.ops[I_AVAIL, j, t] > 0:
            return t
    return n


@inlined_kernel
def life_end(li: LoopInputs, k: int) -> int:
    """One past the last period whose cash a bound of loan ``k`` counts on: its maturity, at
    most the last period held, the period of a REIT exit left out (the bounds never lean
    on exit proceeds; every loan is repaid there)."""
    return min(li.loan_ints[k, 2], li.last_period + (0 if li.is_exit else 1))


@inlined_kernel
def test_year(li: LoopInputs, j: int, y: int) -> bool:
    """Whether model year ``y`` of scenario ``j`` is a test year: every period in
    operation and held, and not the year of a REIT exit."""
    n = li.ops.shape[2]
    lo, hi = y * li.ppy, (y + 1) * li.ppy
    if hi > n or hi - 1 > li.last_period:
        return False
    if li.is_exit and lo <= li.last_period < hi:
        return False
    for t in range(lo, hi):
        if li.ops[I_AVAIL, j, t] > 0:
            return False
    return True


@inlined_kernel
def facility_used(out_loans: np.ndarray, k: int, j: int, n: int) -> float:
    """What loan ``k`` drew in the first ``n`` periods of scenario ``j`` of the last pass,
    drawings and capitalised interest [money] (its facility at the fixed point)."""
    used = 0.0
    for t in range(n):
        used += out_loans[k, DRAW, j, t] + out_loans[k, CAPITALISED, j, t]
    return used


@kernel
def unit_schedule(
    li: LoopInputs, out_loans: np.ndarray, k: int, j: int, facility: float, unit: np.ndarray
) -> None:
    """Debt service due (``unit[0]``) and opening balance with the period's drawings
    (``unit[1]``) of loan ``k`` per unit of facility in each period of scenario ``j``, on its
    repayment profile without prepayments: the last pass's drawings and capitalised
    interest ÷ what it drew in all (the facility, at the fixed point), the profile's
    principal due from the balance they build (``renewfin.instruments.loan.due``; the
    pass's own for a sculpted loan); for a facility
    below ``TINY``, a unit balance from the first period of operation. A cash sweep only
    lowers the debt service, so the bounds leave it out (``unit`` (3, T); row 2 is left
    alone)."""
    n = min(unit.shape[1], li.last_period + 1)  # nothing is written after it
    code, rs, mat = li.loan_ints[k, 3], li.loan_ints[k, 1], li.loan_ints[k, 2]
    w = li.loan_floats[k, 2]
    used = facility_used(out_loans, k, j, n)
    scale = 1.0 / used if used > TINY else 0.0
    start = n if used > TINY else first_operating(li, j, k)
    bal = 0.0
    for t in range(n):
        if t == start:
            bal = 1.0
        draw = out_loans[k, DRAW, j, t] * scale
        r = li.rates[k, j, t]
        if t == li.last_period:
            p = bal
        elif code == SCULPTED:
            p = out_loans[k, PRINCIPAL, j, t] * scale
        else:
            p = loan_math.due(
                code,
                t,
                rs,
                mat,
                li.custom[k, 0, t],
                li.custom[k, 1, t],
                li.loan_floats[k, 0],
                bal,
                r,
                0.0,
            )
        unit[1, t] = bal + draw
        unit[0, t] = r * (bal + w * draw) + p
        bal = bal + draw + out_loans[k, CAPITALISED, j, t] * scale - p


@kernel
def dscr_bound(
    li: LoopInputs,
    out: np.ndarray,
    out_loans: np.ndarray,
    k: int,
    j: int,
    target: float,
    facility: float,
    unit: np.ndarray,
) -> tuple[float, int, float]:
    """Loan ``k``'s DSCR bound in scenario ``j`` from the last pass (module docstring) and
    where it binds: (bound [money], binding period (−1: none), cash available there
    [money]). A non-positive cash available in a year with debt service gives 0 and the
    first such year. ``facility`` is the last pass's size [money]; ``unit`` (3, T)
    scratch."""
    if li.loan_ints[k, 3] == SCULPTED:
        return _sculpted_bound(li, out, out_loans, k, j, target, facility, unit)
    unit_schedule(li, out_loans, k, j, facility, unit)
    ppy = li.ppy
    best, at, cash = np.inf, -1, np.nan
    for y in range(li.ops.shape[2] // ppy):
        if not test_year(li, j, y):
            continue
        a = 0.0
        u = 0.0
        for t in range(y * ppy, (y + 1) * ppy):
            a += available(li, out, out_loans, k, j, t, target)
            u += unit[0, t]
        if u <= 1e-12:
            continue
        if a <= 0.0:
            return 0.0, y * ppy, a
        b = a / (target * u)
        if b < best:
            best, at, cash = b, y * ppy, a
    return best, at, cash


@inlined_kernel
def _sculpted_start(
    li: LoopInputs, out_loans: np.ndarray, k: int, j: int
) -> tuple[int, int, int, float]:
    """Where a sculpted loan ``k`` of scenario ``j`` is assessed: its first period of
    operation, its first repayment period in operation, one past its last (``life_end``)
    and its balance at the first period of operation per unit drawn (1 unless principal was
    repaid in construction), from the last pass."""
    t0 = first_operating(li, j, k)
    s0 = max(li.loan_ints[k, 1], t0)
    stop = life_end(li, k)
    beta = 1.0
    used = facility_used(out_loans, k, j, t0)
    if used > TINY:
        bal = 0.0
        for t in range(li.loan_ints[k, 0], t0):
            bal += (
                out_loans[k, DRAW, j, t]
                + out_loans[k, CAPITALISED, j, t]
                - out_loans[k, PRINCIPAL, j, t]
            )
        beta = max(bal / used, TINY)
    return t0, s0, stop, beta


@inlined_kernel
def _present_values(
    li: LoopInputs,
    out: np.ndarray,
    out_loans: np.ndarray,
    k: int,
    j: int,
    lo: int,
    stop: int,
    target: float,
    scale: float,
    pv: np.ndarray,
) -> None:
    """``pv[t]`` (t in [lo, stop)): the PV at loan ``k``'s rate, at the start of period
    ``t``, of the cash available to it for a cover of ``target`` × ``scale`` over [t,
    stop)."""
    acc = 0.0
    for t in range(stop - 1, lo - 1, -1):
        a = available(li, out, out_loans, k, j, t, target)
        acc = (a * scale + acc) / (1.0 + li.rates[k, j, t])
        pv[t] = acc


@kernel
def _sculpted_bound(
    li: LoopInputs,
    out: np.ndarray,
    out_loans: np.ndarray,
    k: int,
    j: int,
    target: float,
    facility: float,
    scratch: np.ndarray,
) -> tuple[float, int, float]:
    """``dscr_bound`` of a sculpted loan (module docstring), per period; ``scratch``
    (3, T): row 2 receives the PV of cash available ÷ target from each period to
    maturity."""
    t0, s0, stop, beta = _sculpted_start(li, out_loans, k, j)
    if s0 >= stop:
        return np.inf, -1, np.nan
    pv = scratch[2]
    _present_values(li, out, out_loans, k, j, s0, stop, target, 1.0 / target, pv)
    best, at, cash = pv[s0], s0, np.nan  # the PV over the whole repayment binds
    for t in range(t0, s0):  # interest only in operation before repayment
        a = available(li, out, out_loans, k, j, t, target)
        r = li.rates[k, j, t]
        lim = np.inf if r <= 0.0 and a > 0.0 else (max(a, 0.0) / (target * r) if r > 0 else 0.0)
        if lim < best:
            best, at, cash = lim, t, a
    growth = scratch[0]  # growth of the balance from s0 to the start of each period
    g = 1.0
    for t in range(s0, stop):
        growth[t] = g
        a = available(li, out, out_loans, k, j, t, target)
        r = li.rates[k, j, t]
        if a <= 0.0:
            # No service fits this period, and the DSCR is tested on the year: the loan is
            # repaid before the year begins (a sub-annual period's cash is netted in it).
            ts = max(s0, (t // li.ppy) * li.ppy)
            lim = pv[s0] - pv[ts] / growth[ts]
            if lim < best:
                best, at, cash = lim, ts, a
        elif r > 0.0:
            lim = pv[s0] + (a / (target * r) - pv[t]) / g
            if lim < best:
                best, at, cash = lim, t, a
        g *= 1.0 + r
    return max(best, 0.0) / beta, at, cash


@kernel
def _sculpted_llcr(
    li: LoopInputs,
    out: np.ndarray,
    out_loans: np.ndarray,
    k: int,
    j: int,
    llcr: float,
    scratch: np.ndarray,
) -> tuple[float, int]:
    """``llcr_bound`` of a sculpted loan: its balance is ``P_t + (B_0 − P_0) G_t`` (module
    docstring), so LLCR_t = V_t / B_t ≥ ``llcr`` at the start of each test year bounds
    ``B_0`` by ``P_0 + (V_t / llcr − P_t) / G_t`` (by ``V_t / llcr`` before repayment), with
    ``V_t`` the PV of the cash available to maturity; ``scratch`` (3, T) rows 0 and 2."""
    t0, s0, stop, beta = _sculpted_start(li, out_loans, k, j)
    if s0 >= stop:
        return np.inf, -1
    target = li.loan_floats[k, 0]
    p, v = scratch[2], scratch[0]
    _present_values(li, out, out_loans, k, j, s0, stop, target, 1.0 / target, p)
    _present_values(li, out, out_loans, k, j, t0, stop, llcr, 1.0, v)
    best, at = np.inf, -1
    growth = 1.0
    for t in range(t0, stop):
        if t % li.ppy == 0 and test_year(li, j, t // li.ppy):
            lim = v[t] / llcr if t < s0 else p[s0] + (v[t] / llcr - p[t]) / growth
            if lim < best:
                best, at = lim, t
        if t >= s0:
            growth *= 1.0 + li.rates[k, j, t]
    return max(best, 0.0) / beta, at


@kernel
def llcr_bound(
    li: LoopInputs,
    out: np.ndarray,
    out_loans: np.ndarray,
    k: int,
    j: int,
    target: float,
    facility: float,
    unit: np.ndarray,
) -> tuple[float, int]:
    """Loan ``k``'s LLCR bound in scenario ``j`` from the last pass (module docstring) and
    the period where it binds (−1: none) [money]; ``unit`` (3, T) scratch."""
    if li.loan_ints[k, 3] == SCULPTED:
        return _sculpted_llcr(li, out, out_loans, k, j, target, unit)
    unit_schedule(li, out_loans, k, j, facility, unit)
    n = li.ops.shape[2]
    mat = life_end(li, k)
    ppy = li.ppy
    # PV at the loan rate, at the start of each period, of the cash available to maturity.
    pv = unit[2]
    _present_values(li, out, out_loans, k, j, 0, mat, target, 1.0, pv)
    best, at = np.inf, -1
    for y in range(n // ppy):
        t = y * ppy
        if t >= mat or not test_year(li, j, y) or unit[1, t] <= 1e-12:
            continue
        b = max(pv[t], 0.0) / (target * unit[1, t])
        if b < best:
            best, at = b, t
    return best, at
