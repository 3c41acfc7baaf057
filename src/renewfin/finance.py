"""Vectorised financial primitives.

Every cash-flow series in renewfin is an array of shape ``(S, T)``: ``S``
scenarios by ``T`` periods (a deterministic run is ``S = 1``).  The functions in
this module work on the whole batch at once; they never loop over scenarios in
Python (loops over periods ``T`` or over a fixed rate grid are allowed; row-by-row work
such as the IRR's root finding, in ``renewfin.irr``, runs in compiled kernels,
``renewfin.compiled``).

Conventions
-----------
* Rates called *annual* are effective annual rates [1/yr]; a period is
  ``1 / periods_per_year`` years long and the periodic rate is the compound
  conversion ``(1 + annual) ** (1 / periods_per_year) - 1``
  (see :func:`period_rate` and :func:`annualise`).
* Period ``t`` (0-based column index) spans ``[t, t + 1)`` periods from the
  start of period 0.  Its cash flow is dated at the *end* of the period for
  :func:`npv`, :func:`discount_factors` and discounted :func:`payback_period`
  (Excel ``NPV()`` convention: the first value is discounted one full period),
  and at the *start* of the series (``values[:, 0]`` undiscounted, ``values[:, t]``
  discounted ``t`` periods) for :func:`irr` (Excel ``IRR()`` convention).  Both
  conventions have the same roots (they differ by the factor ``1 + r_p``), so
  ``npv(irr(v, ppy), v, ppy)`` is zero up to rounding.
* Loan functions (:func:`pmt`, :func:`ipmt`, :func:`ppmt`) follow Excel exactly:
  rates are per payment period, cash paid out is negative, ``per`` is 1-based.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from renewfin.compiled import kernel, owned
from renewfin.irr import IrrReason, checked_ppy, irr, irr_reason_text

__all__ = [
    "IrrReason",
    "annualise",
    "cumulative",
    "discount_factors",
    "ipmt",
    "irr",
    "irr_reason_text",
    "npv",
    "payback_period",
    "period_rate",
    "pmt",
    "ppmt",
]

FloatArray = NDArray[np.float64]
When = Literal["end", "begin"] | int | ArrayLike

# --------------------------------------------------------------------------- #
# Rate conversion
# --------------------------------------------------------------------------- #


def _scalar_or_array(x: FloatArray) -> float | FloatArray:
    return float(x) if x.ndim == 0 else x


def annualise(rate_per_period: ArrayLike, periods_per_year: float) -> float | FloatArray:
    """Convert a periodic rate to the equivalent effective annual rate.

    Compound conversion ``(1 + r_p) ** periods_per_year - 1`` (evaluated as
    ``expm1(ppy * log1p(r_p))`` for accuracy near zero).

    Parameters
    ----------
    rate_per_period : float or array, any shape
        Effective rate per period [1/period].  Values ``<= -1`` give NaN.
    periods_per_year : float
        Number of periods per year (1 annual, 2 semiannual, 4 quarterly,
        12 monthly) [1/yr].

    Returns
    -------
    float or array, same shape as `rate_per_period`
        Effective annual rate [1/yr].
    """
    ppy = checked_ppy(periods_per_year)
    r = np.asarray(rate_per_period, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out = np.expm1(ppy * np.log1p(np.where(r > -1.0, r, np.nan)))
    return _scalar_or_array(out)


def period_rate(annual_rate: ArrayLike, periods_per_year: float) -> float | FloatArray:
    """Convert an effective annual rate to the equivalent periodic rate.

    Compound conversion ``(1 + R) ** (1 / periods_per_year) - 1``; the
    inverse of :func:`annualise`.

    Parameters
    ----------
    annual_rate : float or array, any shape
        Effective annual rate [1/yr].  Values ``<= -1`` give NaN.
    periods_per_year : float
        Number of periods per year [1/yr].

    Returns
    -------
    float or array, same shape as `annual_rate`
        Effective rate per period [1/period].
    """
    ppy = checked_ppy(periods_per_year)
    r = np.asarray(annual_rate, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out = np.expm1(np.log1p(np.where(r > -1.0, r, np.nan)) / ppy)
    return _scalar_or_array(out)


# --------------------------------------------------------------------------- #
# Discounting and NPV
# --------------------------------------------------------------------------- #


def discount_factors(rate: ArrayLike, n_periods: int, periods_per_year: float = 1) -> FloatArray:
    """End-of-period discount factors.

    ``df[s, t] = (1 + rate[s]) ** (-(t + 1) / periods_per_year)`` for
    ``t = 0 .. n_periods - 1``: the cash flow of period ``t`` is dated at the
    end of that period, ``(t + 1) / periods_per_year`` years after the
    valuation date (the start of period 0).

    Parameters
    ----------
    rate : float or (S,) array
        Effective annual discount rate [1/yr].  Rates ``<= -1`` give NaN rows.
    n_periods : int
        Number of periods ``T`` (>= 0).
    periods_per_year : float, default 1
        Periods per year [1/yr].

    Returns
    -------
    (S, T) array
        Discount factors [-]; ``S = 1`` for a scalar `rate`.
    """
    ppy = checked_ppy(periods_per_year)
    n = int(n_periods)
    if n < 0:
        raise ValueError(f"n_periods must be >= 0, got {n_periods!r}")
    r = np.asarray(rate, dtype=np.float64)
    if r.ndim > 1:
        raise ValueError(f"rate must be a scalar or a 1-D (S,) array, got shape {r.shape}")
    r = np.atleast_1d(r)
    exponent = -(np.arange(1, n + 1, dtype=np.float64) / ppy)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        base = np.where(r > -1.0, 1.0 + r, np.nan)
        return np.power(base[:, None], exponent[None, :])


def npv(rate: ArrayLike, values: ArrayLike, periods_per_year: float = 1) -> float | FloatArray:
    """Net present value with Excel ``NPV()`` conventions.

    ``npv = sum_t values[s, t] * (1 + rate[s]) ** (-(t + 1) / periods_per_year)``:
    every value, including the first, is discounted to the start of period 0
    from the *end* of its period (end-of-period convention; the first value is
    discounted one full period).  For annual data this equals Excel
    ``NPV(rate, values...)``; add an undiscounted time-0 flow separately, as in
    Excel.  NaN values propagate.

    Parameters
    ----------
    rate : float or (S,) array
        Effective annual discount rate [1/yr]; rates ``<= -1`` give NaN.
    values : (S, T) or (T,) array
        Cash flows per period [currency].
    periods_per_year : float, default 1
        Periods per year [1/yr].

    Returns
    -------
    (S,) array, or float
        Present value [currency] at the start of period 0.  A float when
        `values` is 1-D and `rate` is a scalar; otherwise ``S`` is the
        broadcast of the rows of `values` and of `rate`.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim not in (1, 2):
        raise ValueError(f"values must be (T,) or (S, T), got shape {v.shape}")
    r = np.asarray(rate, dtype=np.float64)
    scalar_out = v.ndim == 1 and r.ndim == 0
    df = discount_factors(r, v.shape[-1], periods_per_year)
    out = np.sum(np.atleast_2d(v) * df, axis=-1)
    return float(out[0]) if scalar_out else out


# --------------------------------------------------------------------------- #
# Payback period
# --------------------------------------------------------------------------- #


@kernel
def _cumulative_rows(v: FloatArray, out: FloatArray) -> None:
    for j in range(v.shape[0]):
        acc = 0.0
        for t in range(v.shape[1]):
            acc += v[j, t]
            out[j, t] = acc


def cumulative(values: ArrayLike) -> FloatArray:
    """Running total of each row over the periods, (S, T) → (S, T) [as ``values``]:
    ``np.cumsum(values, axis=1)`` (the same additions in the same order), compiled,
    since numpy accumulates a short row at a time."""
    v = owned(np.atleast_2d(np.asarray(values, dtype=np.float64)))
    out = np.empty(v.shape)
    _cumulative_rows(v, out)
    return out


def payback_period(
    values: ArrayLike,
    periods_per_year: float = 1,
    discount_rate: ArrayLike | None = None,
) -> float | FloatArray:
    """Static or discounted payback period in years, with textbook interpolation.

    Formula of 《建设项目经济评价方法与参数》(第三版)::

        Pt = (period in which the cumulative net cash flow turns non-negative) - 1
             + |cumulative at the end of the previous period|
               / net cash flow of that period

    Periods are numbered 1..T here (column ``t`` is period ``t + 1``) and each
    period's cash flow is assumed to accrue evenly within the period (linear
    interpolation); the result is divided by `periods_per_year` and measured
    in years from the start of period 0.

    **Definition used: the LAST crossing.**  The "turning" period is the first
    period after which the cumulative never again goes negative, i.e. the
    period following the last period with a negative cumulative.  This differs
    from "first time the cumulative becomes non-negative" only when later
    negative flows (major maintenance, bullet repayments, ...) push the
    cumulative back below zero, where the last crossing is the robust choice.

    * NaN if the cumulative is still negative at the end of the last period.
    * 0 if the cumulative is never negative.
    * NaN for rows containing NaN.

    Discounted (dynamic) payback when `discount_rate` is given: the flows are
    first multiplied by the end-of-period factors of :func:`discount_factors`
    (``(1 + i) ** (-(t + 1) / periods_per_year)``), then the same formula is
    applied to the discounted flows.

    Parameters
    ----------
    values : (S, T) or (T,) array
        Net cash flows per period [currency].
    periods_per_year : float, default 1
        Periods per year [1/yr].
    discount_rate : None, float or (S,) array, optional
        Effective annual discount rate [1/yr] for the discounted payback.

    Returns
    -------
    (S,) array, or float for 1-D `values` (and scalar `discount_rate`)
        Payback period [yr] from the start of period 0; NaN if never paid back.
    """
    ppy = checked_ppy(periods_per_year)
    v = np.asarray(values, dtype=np.float64)
    if v.ndim not in (1, 2):
        raise ValueError(f"values must be (T,) or (S, T), got shape {v.shape}")
    scalar_out = v.ndim == 1
    v = np.atleast_2d(v)
    if discount_rate is not None:
        r = np.asarray(discount_rate, dtype=np.float64)
        scalar_out = scalar_out and r.ndim == 0
        v = v * discount_factors(r, v.shape[1], ppy)
    s, t = v.shape
    if t == 0:
        out = np.full(s, np.nan)
        return float(out[0]) if scalar_out and s == 1 else out
    cum = cumulative(v)
    negative = cum < 0.0
    any_negative = negative.any(axis=1)
    # index of the last negative cumulative; k = that + 1 is the crossing period
    last_neg = t - 1 - np.argmax(negative[:, ::-1], axis=1)
    k = last_neg + 1
    k_safe = np.minimum(k, t - 1)
    rows = np.arange(s)
    prev_cum = cum[rows, last_neg]
    flow = v[rows, k_safe]
    with np.errstate(divide="ignore", invalid="ignore"):
        periods = k + (-prev_cum) / flow
    periods = np.where(any_negative, periods, 0.0)
    periods = np.where(any_negative & (k >= t), np.nan, periods)
    periods = np.where(np.isnan(cum[:, -1]), np.nan, periods)
    years = periods / ppy
    return float(years[0]) if scalar_out and s == 1 else years


# --------------------------------------------------------------------------- #
# Loan payments (Excel PMT / IPMT / PPMT)
# --------------------------------------------------------------------------- #


def _excel_arguments(when: When, *values: ArrayLike) -> list[NDArray[np.float64]]:
    """The numeric arguments of an Excel payment function as float arrays, and the
    payment timing as 0/1, broadcast together."""
    arrays = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in values), _when_to_int(when)
    )
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def _when_to_int(when: When) -> NDArray[np.float64]:
    if isinstance(when, str):
        key = when.lower()
        if key in ("end", "0"):
            return np.asarray(0.0)
        if key in ("begin", "start", "1"):
            return np.asarray(1.0)
        raise ValueError(f"when must be 'end' or 'begin' (or 0/1), got {when!r}")
    w = np.asarray(when)
    if w.dtype.kind in "US":
        return np.vectorize(lambda x: float(_when_to_int(str(x))), otypes=[np.float64])(w)
    w = w.astype(np.float64)
    if not np.all((w == 0.0) | (w == 1.0)):
        raise ValueError("when must be 0 ('end') or 1 ('begin')")
    return w


def _growth_minus_one(rate: FloatArray, nper: FloatArray) -> FloatArray:
    """``(1 + rate) ** nper - 1`` accurately for small rates."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.expm1(nper * np.log1p(rate))


def _pmt(
    rate: FloatArray, nper: FloatArray, pv: FloatArray, fv: FloatArray, w: FloatArray
) -> FloatArray:
    g1 = _growth_minus_one(rate, nper)
    zero = rate == 0.0
    safe_rate = np.where(zero, 1.0, rate)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        annuity = np.where(zero, nper, (1.0 + safe_rate * w) * g1 / safe_rate)
        return -(fv + pv * (g1 + 1.0)) / annuity


def _fv(
    rate: FloatArray, nper: FloatArray, payment: FloatArray, pv: FloatArray, w: FloatArray
) -> FloatArray:
    g1 = _growth_minus_one(rate, nper)
    zero = rate == 0.0
    safe_rate = np.where(zero, 1.0, rate)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        annuity = np.where(zero, nper, (1.0 + safe_rate * w) * g1 / safe_rate)
        return -(pv * (g1 + 1.0) + payment * annuity)


def pmt(
    rate: ArrayLike,
    nper: ArrayLike,
    pv: ArrayLike,
    fv: ArrayLike = 0.0,
    when: When = "end",
) -> float | FloatArray:
    """Level payment of an annuity (Excel ``PMT``), vectorised with broadcasting.

    Solves ``pv * (1+r)**n + pmt * (1 + r*w) * ((1+r)**n - 1) / r + fv = 0``
    (``pv + pmt * n + fv = 0`` exactly when ``r == 0``), where ``w = 0`` for
    payments at the end of each period and ``w = 1`` at the beginning.  Excel
    signs: a positive `pv` (cash received) gives a negative payment.

    Parameters
    ----------
    rate : float or array
        Interest rate per payment period [1/period] (e.g. annual / 12).
    nper : float or array
        Number of payment periods [-].
    pv : float or array
        Present value [currency].
    fv : float or array, default 0
        Future value after the last payment [currency].
    when : {'end', 'begin'} or 0/1 (or array of 0/1), default 'end'
        Payment timing within each period (Excel ``type``).

    Returns
    -------
    float or array (broadcast shape)
        Payment per period [currency/period].
    """
    r, n, p, f, w = _excel_arguments(when, rate, nper, pv, fv)
    return _scalar_or_array(np.asarray(_pmt(r, n, p, f, w)))


def ipmt(
    rate: ArrayLike,
    per: ArrayLike,
    nper: ArrayLike,
    pv: ArrayLike,
    fv: ArrayLike = 0.0,
    when: When = "end",
) -> float | FloatArray:
    """Interest part of the payment in period `per` (Excel ``IPMT``), vectorised.

    ``ipmt = rate * FV(rate, per - 1, pmt, pv, when)`` for end-of-period
    payments; for beginning-of-period payments it is divided by ``1 + rate``
    and is 0 in period 1 (Excel and ``numpy_financial`` convention).  Signs as
    Excel: interest on a positive `pv` is negative.

    Parameters
    ----------
    rate : float or array
        Interest rate per period [1/period]; ``rate == 0`` gives 0 interest.
    per : int or array
        Payment period, 1-based (1 .. nper) as in Excel; outside that range
        the result is NaN (Excel ``#NUM!``).
    nper : float or array
        Number of payment periods [-].
    pv : float or array
        Present value [currency].
    fv : float or array, default 0
        Future value after the last payment [currency].
    when : {'end', 'begin'} or 0/1 (or array of 0/1), default 'end'
        Payment timing within each period.

    Returns
    -------
    float or array (broadcast shape)
        Interest payment [currency/period].
    """
    r, k, n, p, f, w = _excel_arguments(when, rate, per, nper, pv, fv)
    return _scalar_or_array(np.asarray(_ipmt(r, k, n, p, f, w)))


def _ipmt(
    r: FloatArray, k: FloatArray, n: FloatArray, p: FloatArray, f: FloatArray, w: FloatArray
) -> FloatArray:
    total = _pmt(r, n, p, f, w)
    balance = _fv(r, k - 1.0, total, p, w)  # Excel FV: minus the outstanding balance
    with np.errstate(invalid="ignore", divide="ignore"):
        interest = balance * r
        interest = np.where(w == 1.0, interest / (1.0 + r), interest)
    interest = np.where((w == 1.0) & (k == 1.0), 0.0, interest)
    return np.where((k < 1.0) | (k > n), np.nan, interest)


def ppmt(
    rate: ArrayLike,
    per: ArrayLike,
    nper: ArrayLike,
    pv: ArrayLike,
    fv: ArrayLike = 0.0,
    when: When = "end",
) -> float | FloatArray:
    """Principal part of the payment in period `per` (Excel ``PPMT``), vectorised.

    ``ppmt = pmt - ipmt`` with the conventions of :func:`pmt` and
    :func:`ipmt` (rate per period, `per` 1-based, Excel signs, exact at
    ``rate == 0``).

    Parameters
    ----------
    rate : float or array
        Interest rate per period [1/period].
    per : int or array
        Payment period, 1-based; NaN outside 1 .. nper.
    nper : float or array
        Number of payment periods [-].
    pv : float or array
        Present value [currency].
    fv : float or array, default 0
        Future value after the last payment [currency].
    when : {'end', 'begin'} or 0/1 (or array of 0/1), default 'end'
        Payment timing within each period.

    Returns
    -------
    float or array (broadcast shape)
        Principal repayment [currency/period].
    """
    r, k, n, p, f, w = _excel_arguments(when, rate, per, nper, pv, fv)
    out = _pmt(r, n, p, f, w) - _ipmt(r, k, n, p, f, w)
    return _scalar_or_array(np.asarray(out))
