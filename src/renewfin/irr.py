"""The internal rate of return (IRR), vectorised over the rows of an (S, T) batch.

Part of the financial primitives of ``renewfin.finance`` (which re-exports :func:`irr`,
:class:`IrrReason` and :func:`irr_reason_text`; its module docstring gives the conventions:
``values[:, 0]`` is undiscounted, the Excel ``IRR()`` convention). Row-by-row root finding
runs in compiled kernels (``renewfin.compiled``).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from renewfin.compiled import kernel, owned

FloatArray = NDArray[np.float64]


def checked_ppy(periods_per_year: float) -> float:
    """``periods_per_year`` as a float; ValueError unless it is a positive number."""
    ppy = float(periods_per_year)
    if not np.isfinite(ppy) or ppy <= 0.0:
        raise ValueError(f"periods_per_year must be a positive number, got {periods_per_year!r}")
    return ppy


class IrrReason(IntEnum):
    """Reason codes returned by :func:`irr` with ``with_reason=True``."""

    OK = 0
    MULTIPLE_SIGN_CHANGES = 1
    NO_SIGN_CHANGE = 2
    NO_ROOT_IN_RANGE = 3
    INVALID_INPUT = 4
    MULTIPLE_SIGN_CHANGES_NO_EXCEL = 5


_REASON_TEXT: dict[IrrReason, str] = {
    IrrReason.OK: (
        "The cash flows change sign exactly once, so the IRR is the unique root and was found."
    ),
    IrrReason.MULTIPLE_SIGN_CHANGES: (
        "The cash flows change sign more than once, so several IRRs may exist; the one "
        "returned is the root Excel's IRR finds from its default guess of 10%."
    ),
    IrrReason.NO_SIGN_CHANGE: (
        "All cash flows are non-negative or all are non-positive, so no IRR exists."
    ),
    IrrReason.NO_ROOT_IN_RANGE: (
        "The cash flows change sign more than once but the NPV does not change sign between "
        "-99% and +1000% a year, so no IRR was found."
    ),
    IrrReason.INVALID_INPUT: (
        "The cash flows contain NaN or infinite values (or are empty), so no IRR can be computed."
    ),
    IrrReason.MULTIPLE_SIGN_CHANGES_NO_EXCEL: (
        "The cash flows change sign more than once and Excel's IRR finds no rate above -100% "
        "from its default guess of 10% (#NUM!); the root nearest 10% on a scanned rate grid "
        "was returned."
    ),
}


def irr_reason_text(code: int | IrrReason) -> str:
    """English explanation of an :class:`IrrReason` code.

    Parameters
    ----------
    code : int or IrrReason
        A reason code as returned by ``irr(..., with_reason=True)``.

    Returns
    -------
    str
        One English sentence.

    Raises
    ------
    ValueError
        If `code` is not a valid :class:`IrrReason`.
    """
    return _REASON_TEXT[IrrReason(int(code))]


def _irr_grid() -> FloatArray:
    """Annual rates scanned for non-conventional flows, ascending, containing 0."""
    low = np.arange(-99, -20) / 100.0  # -99% .. -21% step 1%
    mid = np.arange(-200, 501) / 1000.0  # -20% .. 50% step 0.1%
    high = np.arange(11, 201) / 20.0  # 55% .. 1000% step 5%
    grid = np.concatenate([low, mid, high])
    grid.flags.writeable = False
    return grid


_IRR_GRID: FloatArray = _irr_grid()

# Newton steps with |p / p'| <= _NEWTON_RTOL * z (z in (0, 1]) are taken as
# converged; the returned Newton update then has error ~ |p'' / 2p'| * step**2.
_NEWTON_RTOL = 1e-9
_MAX_ITER = 200
_EPS = float(np.finfo(np.float64).eps)
_TINY = 1e-300
# Excel's IRR (as LibreOffice's ScIRR, which follows it): Newton's method on the periodic
# rate from the guess, at most 20 steps, converged when a step is below 1e-7.
_EXCEL_GUESS = 0.1
_EXCEL_TOL = 1e-7
_EXCEL_MAX_ITER = 20
_POLISH_ITER = 8
# Reason codes as plain integers for the kernels.
_OK = int(IrrReason.OK)
_MULTI = int(IrrReason.MULTIPLE_SIGN_CHANGES)
_NO_CHANGE = int(IrrReason.NO_SIGN_CHANGE)
_NO_ROOT = int(IrrReason.NO_ROOT_IN_RANGE)
_INVALID = int(IrrReason.INVALID_INPUT)
_MULTI_GRID = int(IrrReason.MULTIPLE_SIGN_CHANGES_NO_EXCEL)


@kernel
def _poly_and_slope(c: FloatArray, z: float) -> tuple[float, float]:
    """``p(z)`` and ``p'(z)`` of the polynomial with coefficients ``c`` (T,), leading
    first. Its leading half H and trailing half L are evaluated by Horner side by side
    (two independent chains) and joined: ``p = H z**q + L``, ``p' = H' z**q + q H z**(q-1)
    + L'`` with ``q`` the length of L."""
    n = c.shape[0]
    m = n // 2  # coefficients in the leading half
    q = n - m
    hp = c[0]
    hd = 0.0
    lp = c[m]
    ld = 0.0
    zq1 = 1.0  # z ** (q - 1) at the end
    for k in range(1, q):
        ld = ld * z + lp
        lp = lp * z + c[m + k]
        if k < m:
            hd = hd * z + hp
            hp = hp * z + c[k]
        zq1 = zq1 * z
    if m == 0:
        return lp, ld
    zq = zq1 * z
    return hp * zq + lp, hd * zq + q * hp * zq1 + ld


@kernel
def _newton_bisect_one(c: FloatArray, lo: float, hi: float, s_lo: float, z: float) -> float:
    """Safeguarded Newton-bisection on one bracketed polynomial root.

    ``c`` (T,) coefficients, leading (highest degree) first; the bracket ``0 <= lo < hi``
    contains exactly the root sought; ``s_lo`` (+-1) is the sign of the polynomial just
    right of ``lo`` (opposite at ``hi``); ``z`` a starting point inside ``(lo, hi)``.
    Every evaluation (``_poly_and_slope``) replaces one end of the bracket; the
    Newton step is taken when it stays strictly inside the bracket and is at most 0.9
    times the previous step, otherwise the bracket is bisected (geometrically while it
    spans orders of magnitude). Converged when the Newton step is below
    ``_NEWTON_RTOL * z`` (the polished update is returned) or the bracket is a few ulps
    wide."""
    dx_old = hi - lo
    for _ in range(_MAX_ITER):
        p, dp = _poly_and_slope(c, z)
        if p * s_lo > 0.0:
            lo = z
        else:
            hi = z
        if dp != 0.0:
            step = p / dp
        else:  # as IEEE division: +-inf, or NaN for 0 / 0
            step = np.nan if p == 0.0 else np.copysign(np.inf, p) * np.copysign(1.0, dp)
        z_newton = z - step
        abs_step = abs(step)
        if z_newton > lo and z_newton < hi and abs_step <= 0.9 * abs(dx_old):
            z_next = z_newton
        elif lo >= 0.25 * hi:
            z_next = 0.5 * (lo + hi)
        else:  # roots near z = 0, i.e. huge rates or r near -1
            z_next = np.sqrt(max(lo, _TINY) * hi)
        exact = p == 0.0
        converged = exact or abs_step <= _NEWTON_RTOL * z
        if converged:
            return z if exact else min(max(z_newton, lo), hi)
        if hi - lo <= 4.0 * _EPS * hi:
            return z_next
        dx_old = z_next - z
        z = z_next
    return z


@kernel
def _initial_log_rate(v: FloatArray) -> float:
    """Starting value for ``rho = log(1 + r)`` of one conventional row ``v`` (T,).

    Second-order expansion of ``log PV+(rho) - log PV-(rho) = 0`` around
    ``rho = 0``, where ``PV+`` / ``PV-`` are the present values of the
    inflows / outflows: ``c - b rho + a rho**2 = 0`` with ``c = log(P+/P-)``,
    ``b`` the difference of their durations and ``a`` half the difference of
    their time variances.  Only a starting point; accuracy comes from Newton.
    NaN where the expansion has no usable root.
    """
    a_pos = d_pos = q_pos = a_neg = d_neg = q_neg = 0.0
    for k in range(v.shape[0]):
        v_pos = max(v[k], 0.0)
        v_neg = v_pos - v[k]  # max(-v, 0), exact
        a_pos += v_pos
        a_neg += v_neg
        if k:
            d_pos += k * v_pos
            d_neg += k * v_neg
            q_pos += (k * k) * v_pos
            q_neg += (k * k) * v_neg
    if a_pos <= 0.0 or a_neg <= 0.0:
        return np.nan
    dur_pos = d_pos / a_pos
    dur_neg = d_neg / a_neg
    var_pos = q_pos / a_pos - dur_pos * dur_pos
    var_neg = q_neg / a_neg - dur_neg * dur_neg
    c = np.log(a_pos / a_neg)
    b = dur_pos - dur_neg
    a = 0.5 * (var_pos - var_neg)
    disc = b * b - 4.0 * a * c
    # root of a rho^2 - b rho + c = 0 nearest the first-order root c / b
    den = b + np.sign(b) * np.sqrt(max(disc, 0.0)) if disc >= 0.0 else b
    num = 2.0 * c if disc >= 0.0 else c
    return num / den if den != 0.0 else np.nan


@kernel
def _conventional_one(row: FloatArray, p1: float, coef: FloatArray) -> float:
    """Periodic IRR of one row with exactly one sign change, ``row`` (m,) trimmed of its
    leading and trailing zeros (they do not move the IRR, but each one is a root of the
    polynomial at ``z = 0`` that the search would otherwise approach, and meet once
    ``z ** k`` underflows, when the rate is very high or very low); ``p1`` the row's sum
    (its NPV at r = 0); ``coef`` (>= m,) scratch.

    With ``x = 1 / (1 + r)`` the NPV is the polynomial ``P(x) = sum_t v_t x**t``; its sign
    at ``x -> 0+`` is that of the first value, and at ``x = 1`` (r = 0) it is ``p1``. If
    these differ the root is in ``x in (0, 1)`` (r > 0) and ``P`` is solved there;
    otherwise it is in ``r in (-1, 0)`` and the reversed polynomial
    ``Q(y) = y**(m-1) P(1/y)`` with ``y = 1 + r in (0, 1)`` is solved instead (sign at
    ``y -> 0+`` is that of the last value). Both unknowns live in ``(0, 1)``, so nothing
    overflows whatever the rate; the search starts from ``_initial_log_rate``."""
    m = row.shape[0]
    first_sign = np.sign(row[0])
    sign_p1 = np.sign(p1)
    if sign_p1 == 0.0:  # r = 0 exactly
        return 0.0
    rho0 = _initial_log_rate(row)
    case_pos = sign_p1 == -first_sign  # root at r > 0: solve P(x)
    if case_pos:  # P(x) has leading coefficient v_last
        for k in range(m):
            coef[k] = row[m - 1 - k]
        s_lo = first_sign
        z0 = np.exp(-rho0)
    else:  # Q(y) has leading coefficient v_first
        for k in range(m):
            coef[k] = row[k]
        s_lo = -first_sign
        z0 = np.exp(rho0)
    if not (z0 > 0.0 and z0 < 1.0):
        z0 = 0.5
    z = _newton_bisect_one(coef[:m], 0.0, 1.0, s_lo, z0)
    if not case_pos:
        return z - 1.0
    return 1.0 / z - 1.0 if z != 0.0 else np.inf


@kernel
def _newton_step(c_x: FloatArray, r: float) -> float:
    """Newton's step ``f(r) / f'(r)`` on the NPV ``f(r) = sum_k v_k (1 + r) ** -k`` of a row,
    given as ``c_x`` (m,), the coefficients of ``P(x) = f`` in ``x = 1 / (1 + r)`` leading
    first (the row reversed): ``f' = -x**2 P'(x)``. Any ``r != -1``, as the terms of Excel's
    iteration; NaN where ``1 + r`` or ``f'(r)`` is zero (Excel cannot take the step
    either)."""
    if 1.0 + r == 0.0:
        return np.nan
    x = 1.0 / (1.0 + r)
    p, dp = _poly_and_slope(c_x, x)
    slope = -x * x * dp
    return p / slope if slope != 0.0 else np.nan


@kernel
def _excel_irr(c_x: FloatArray, guess: float) -> float:
    """The periodic rate Excel's ``IRR(values, guess)`` returns for a row whose NPV
    polynomial is ``c_x`` (``_newton_step``; the row's zeros included except the trailing
    ones, which add nothing to the NPV), or NaN for #NUM!.

    Newton's method on ``f(r)`` from ``guess``, as LibreOffice's ScIRR (which follows Excel)
    does: at most ``_EXCEL_MAX_ITER`` steps, converged when a step is below
    ``_EXCEL_TOL``; the rate after the converging step is returned."""
    r = guess
    eps = 1.0
    it = 0
    while eps > _EXCEL_TOL and it < _EXCEL_MAX_ITER:
        r_new = r - _newton_step(c_x, r)
        it += 1
        eps = abs(r_new - r)
        r = r_new
    return r if eps < _EXCEL_TOL else np.nan


@kernel
def _polish(c_x: FloatArray, r: float) -> float:
    """Newton's method (``_newton_step``) continued from the rate ``r`` Excel's iteration
    converged to (within 1e-7 of a root), up to ``_POLISH_ITER`` steps while the steps
    shrink: the same root to full precision."""
    last = np.inf
    for _ in range(_POLISH_ITER):
        step = _newton_step(c_x, r)
        if not abs(step) < last:  # stalled at rounding level (or NaN)
            break
        r -= step
        last = abs(step)
        if last <= 4.0 * _EPS * (1.0 + abs(r)):
            break
    return r


@kernel
def _npv_sign(c_x: FloatArray, c_y: FloatArray, r: float) -> float:
    """Sign (+-1, or 0 at an exact root) of the NPV at the periodic rate ``r > -1`` of a
    trimmed row whose polynomials are ``c_x`` (``P(x)``, leading coefficient the last
    value) and ``c_y`` (``Q(y)``, the row itself): ``P(1 / (1 + r))`` for ``r >= 0``,
    ``Q(1 + r)`` below, both on ``(0, 1]`` so that nothing overflows."""
    if r >= 0.0:
        p, _ = _poly_and_slope(c_x, 1.0 / (1.0 + r))
    else:
        p, _ = _poly_and_slope(c_y, 1.0 + r)
    return np.sign(p)


@kernel
def _root_between(c_x: FloatArray, c_y: FloatArray, a: float, b: float, s_a: float) -> float:
    """The root in ``(a, b)`` (periodic rates, both >= 0 or both <= 0) where the NPV of the
    row of ``c_x`` / ``c_y`` (``_npv_sign``) changes sign from ``s_a`` at ``a``;
    ``_newton_bisect_one`` on ``x = 1 / (1 + r)`` or ``y = 1 + r``."""
    if b > 0.0:
        lo = 1.0 / (1.0 + b)
        hi = 1.0 / (1.0 + a)
        z = _newton_bisect_one(c_x, lo, hi, -s_a, 0.5 * (lo + hi))
        return 1.0 / z - 1.0
    z = _newton_bisect_one(c_y, 1.0 + a, 1.0 + b, s_a, 1.0 + 0.5 * (a + b))
    return z - 1.0


@kernel
def _npv_signs(c_x: FloatArray, c_y: FloatArray, rates: FloatArray, out: FloatArray) -> None:
    """``_npv_sign`` at the periodic rates ``rates`` (4,) (all >= 0 or all < 0) into
    ``out`` (4,): four Horner chains side by side."""
    nonneg = rates[0] >= 0.0
    c = c_x if nonneg else c_y
    z0 = 1.0 / (1.0 + rates[0]) if nonneg else 1.0 + rates[0]
    z1 = 1.0 / (1.0 + rates[1]) if nonneg else 1.0 + rates[1]
    z2 = 1.0 / (1.0 + rates[2]) if nonneg else 1.0 + rates[2]
    z3 = 1.0 / (1.0 + rates[3]) if nonneg else 1.0 + rates[3]
    p0 = p1 = p2 = p3 = c[0]
    for k in range(1, c.shape[0]):
        p0 = p0 * z0 + c[k]
        p1 = p1 * z1 + c[k]
        p2 = p2 * z2 + c[k]
        p3 = p3 * z3 + c[k]
    out[0] = np.sign(p0)
    out[1] = np.sign(p1)
    out[2] = np.sign(p2)
    out[3] = np.sign(p3)


@kernel
def _grid_block(
    c_x: FloatArray,
    c_y: FloatArray,
    grid: FloatArray,
    i: int,
    di: int,
    rates: FloatArray,
    signs: FloatArray,
) -> int:
    """The NPV signs at up to four grid points ``grid[i], grid[i + di], ...`` that exist and
    lie on the same side of zero as the first into ``signs`` (4,), their rates into
    ``rates`` (4,); returns how many."""
    n = grid.shape[0]
    k = 0
    nonneg = grid[i] >= 0.0
    while k < 4 and 0 <= i + k * di < n and (grid[i + k * di] >= 0.0) == nonneg:
        rates[k] = grid[i + k * di]
        k += 1
    for j in range(k, 4):
        rates[j] = rates[k - 1]
    _npv_signs(c_x, c_y, rates, signs)
    return k


@kernel
def _nearest_root(c_x: FloatArray, c_y: FloatArray, grid: FloatArray, guess: float) -> float:
    """The root of the NPV of a trimmed row (``_npv_sign``) nearest the periodic rate
    ``guess`` (> 0) among those the ascending grid of periodic rates ``grid`` (n,)
    (containing 0) resolves, or NaN: on each side of ``guess`` (0 above, 1 below) the grid
    is walked outward, four points at a time, the side with the nearer next point first,
    to the first point where the NPV changes sign (two roots within one grid step cancel
    out and are not seen); the nearer of the two sides' finds is refined (above on a
    tie)."""
    s_guess = _npv_sign(c_x, c_y, guess)
    if s_guess == 0.0:
        return guess
    n = grid.shape[0]
    up = 0
    while up < n and grid[up] <= guess:
        up += 1
    down = up - 1
    while down >= 0 and grid[down] >= guess:
        down -= 1
    pos = np.array([up, down])
    step = np.array([1, -1])
    prev = np.array([guess, guess])  # the last point walked on each side, and its sign
    sign = np.array([s_guess, s_guess])
    dist = np.array([np.inf, np.inf])  # distance from guess of each side's find
    at = np.empty(2)  # the point of each side's find, and its sign
    at_sign = np.empty(2)
    rates = np.empty(4)
    signs = np.empty(4)
    while True:
        side = -1
        d_side = np.inf
        for q in range(2):
            if dist[q] == np.inf and 0 <= pos[q] < n:
                d = abs(grid[pos[q]] - guess)
                if d < d_side and (d < dist[1 - q] or (d == dist[1 - q] and q == 0)):
                    side, d_side = q, d
        if side < 0:
            break
        k = _grid_block(c_x, c_y, grid, pos[side], step[side], rates, signs)
        for j in range(k):
            if signs[j] != sign[side]:
                dist[side] = abs(rates[j] - guess)
                at[side] = rates[j]
                at_sign[side] = signs[j]
                break
            prev[side] = rates[j]
        pos[side] += k * step[side]
    q = 0 if dist[0] <= dist[1] else 1
    if dist[q] == np.inf:
        return np.nan
    if at_sign[q] == 0.0:
        return at[q]
    if q == 0:
        return _root_between(c_x, c_y, prev[0], at[0], sign[0])
    return _root_between(c_x, c_y, at[1], prev[1], at_sign[1])


@kernel
def _nonzero_span(row: FloatArray) -> tuple[int, int, int]:
    """First and last index of the non-zero values of ``row`` (T,) and how many times they
    change sign (``-1, -1, 0`` for an all-zero row)."""
    first = last = -1
    changes = 0
    prev = 0.0
    for k in range(row.shape[0]):
        x = row[k]
        if x != 0.0:
            if first < 0:
                first = k
            elif (x > 0.0) != (prev > 0.0):
                changes += 1
            prev = x
            last = k
    return first, last, changes


@kernel
def _irr_row(
    row: FloatArray, p1: float, guess: float, grid: FloatArray, coef: FloatArray
) -> tuple[float, int]:
    """Periodic IRR and reason code of one row ``row`` (T,) of finite values summing to
    ``p1``; ``grid`` the periodic rates of ``_IRR_GRID``, ``coef`` (T,) scratch
    (see :func:`irr`)."""
    first, last, changes = _nonzero_span(row)
    if changes == 0:
        return np.nan, _NO_CHANGE
    trimmed = row[first : last + 1]
    if changes == 1:
        return _conventional_one(trimmed, p1, coef), _OK
    for k in range(last + 1):  # P(x) of the row with its leading zeros, as Excel sees it
        coef[k] = row[last - k]
    r = _excel_irr(coef[: last + 1], guess)
    if r > -1.0:
        return _polish(coef[: last + 1], r), _MULTI
    r = _nearest_root(coef[: last + 1 - first], trimmed, grid, guess)
    return r, (_NO_ROOT if np.isnan(r) else _MULTI_GRID)


@kernel
def _irr_rows(
    v: FloatArray,
    p1: FloatArray,
    guess: float,
    grid: FloatArray,
    rate: FloatArray,
    reason: NDArray[np.int8],
) -> None:
    """``_irr_row`` on each row of ``v`` (S, T) with sums ``p1`` (S,) into ``rate`` (S,)
    and ``reason`` (S,); a row whose sum is not finite (a NaN or infinite value, or an
    overflow) is ``INVALID_INPUT``."""
    coef = np.empty(v.shape[1])
    for j in range(v.shape[0]):
        if np.isfinite(p1[j]):
            r, why = _irr_row(v[j], p1[j], guess, grid, coef)
        else:
            r, why = np.nan, _INVALID
        rate[j] = r
        reason[j] = why


def _periodic_grid(ppy: float) -> FloatArray:
    """``_IRR_GRID`` as periodic rates (n,) for ``ppy`` periods a year, ascending, with 0."""
    if ppy == 1.0:
        return _IRR_GRID.copy()
    return np.expm1(np.log1p(_IRR_GRID) / ppy)


@overload
def irr(
    values: ArrayLike, periods_per_year: float = ..., *, with_reason: Literal[False] = ...
) -> float | FloatArray: ...


@overload
def irr(
    values: ArrayLike, periods_per_year: float = ..., *, with_reason: Literal[True]
) -> tuple[float | FloatArray, IrrReason | NDArray[np.int8]]: ...


def irr(
    values: ArrayLike, periods_per_year: float = 1, *, with_reason: bool = False
) -> float | FloatArray | tuple[float | FloatArray, IrrReason | NDArray[np.int8]]:
    """Internal rate of return, vectorised over scenarios, annualised.

    Solves ``sum_t values[s, t] * (1 + r_p) ** (-t) = 0`` for the periodic
    rate ``r_p`` (Excel ``IRR()`` convention: ``values[:, 0]`` is at time 0 and
    undiscounted, ``values[:, t]`` is discounted ``t`` periods; the roots are
    the same under the end-of-period convention of :func:`npv`) and returns
    the effective annual rate ``(1 + r_p) ** periods_per_year - 1``.  For
    ``periods_per_year = 1`` this is Excel ``IRR`` / ``numpy_financial.irr``.

    Each row is solved on its own in compiled code (no Python loop over scenarios),
    by the number of sign changes of its non-zero values:

    * **One** (conventional): the root on ``r > -1`` is unique; it is bracketed by
      the signs of the NPV polynomial at ``r -> inf`` (first non-zero value),
      ``r = 0`` (sum) and ``r -> -1`` (last non-zero value) and refined with a
      safeguarded Newton-bisection on ``x = 1/(1+r)`` in ``(0, 1]`` when ``r >= 0``
      or on ``y = 1 + r`` in ``(0, 1)`` when ``r < 0``, on the span from the first to
      the last non-zero value (so zero padding, as in a batch of rows of different
      lengths or the periods after a REIT exit, does not move it).  Converged when the
      Newton step is below ``1e-9 z``; it then agrees with ``numpy_financial.irr`` and
      ``pyxirr.irr`` to ~1e-14 on ordinary flows.  The root is returned even outside
      -99% .. +1000% (when ``1 + r`` is below float resolution it rounds to -1.0).
      This is Excel's answer wherever Excel's iteration converges to a rate above -100%.
    * **Several** (non-conventional; several IRRs may exist): the root **Excel's**
      ``IRR(values)`` **finds with its default guess of 10% per period**: Newton's
      method on the periodic rate from 0.1, at most 20 steps, converged when a step is
      below 1e-7 (as LibreOffice's ScIRR, which follows Excel, and which the tests
      recalculate), then continued to full precision (reason
      ``MULTIPLE_SIGN_CHANGES``).  Where Excel finds none (#NUM!) or converges to a
      rate of -100% or below, the root nearest 10% a period on a grid of annual rates
      from -99% to +1000% (step 0.1% on -20% .. 50%, 1% below, 5% above), walked
      outward from 10%, is refined and returned (reason
      ``MULTIPLE_SIGN_CHANGES_NO_EXCEL``); two roots within one grid step of each other
      cancel out and are not seen.
    * **None**: NaN, ``NO_SIGN_CHANGE`` (all values >= 0 or all <= 0, including all
      zero); also NaN: ``NO_ROOT_IN_RANGE`` (several sign changes, Excel finds no
      root, and the NPV does not change sign on the grid) and ``INVALID_INPUT`` (any
      NaN/inf value, a row sum overflowing, or ``T = 0``).

    Zeros after the last non-zero value never change the result; zeros before the
    first do not move a root but, as in Excel, are part of the Newton iteration of a
    non-conventional row.  An NPV of exactly 0 at r = 0 gives 0 on a conventional row.

    Parameters
    ----------
    values : (S, T) or (T,) array
        Cash flows per period [currency]; investments negative.
    periods_per_year : float, default 1
        Periods per year [1/yr] used to annualise the periodic root.
    with_reason : bool, default False
        Also return the :class:`IrrReason` codes.

    Returns
    -------
    rates : (S,) array, or float for 1-D `values`
        Effective annual IRR [1/yr]; NaN when no IRR was found.
    reasons : (S,) int8 array, or IrrReason for 1-D `values`
        Only with ``with_reason=True``; see :func:`irr_reason_text`.
    """
    ppy = checked_ppy(periods_per_year)
    v = np.asarray(values, dtype=np.float64)
    one_d = v.ndim == 1
    if v.ndim not in (1, 2):
        raise ValueError(f"values must be (T,) or (S, T), got shape {v.shape}")
    v = owned(np.atleast_2d(v))
    s, t = v.shape
    rate_p = np.full(s, np.nan)
    reason = np.full(s, IrrReason.INVALID_INPUT, dtype=np.int8)
    if t > 0:
        p1 = v.sum(axis=1)  # NPV at r = 0; non-finite iff a value is NaN/inf (or it overflows)
        _irr_rows(v, p1, _EXCEL_GUESS, _periodic_grid(ppy), rate_p, reason)
    if ppy == 1.0:
        rates = rate_p
    else:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            rates = np.expm1(ppy * np.log1p(rate_p))
    if one_d:
        if with_reason:
            return float(rates[0]), IrrReason(int(reason[0]))
        return float(rates[0])
    if with_reason:
        return rates, reason
    return rates
