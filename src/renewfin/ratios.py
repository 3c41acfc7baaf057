"""Debt ratios and coverage multiples, vectorised over scenarios.

Ratios are computed on model-year sums (Chinese norms state 偿债备付率 and 利息备付率 by
year), which for an annual model are the period values. Definitions (DOMAIN.md §3–§4):

- DSCR (偿债备付率) = CFADS / (principal + interest due), by year.
- ICR (利息备付率) = EBIT / interest expensed, by year.
- LLCR = PV(CFADS after bond service, to the last loan maturity) / loan balance, at the
  start of each year with a balance; PLCR the same to the end of the project.
- Coverage multiples (本息覆盖倍数) are whole-life aggregates over the debt's life:
  bond-only = Σ NI / Σ bond P+I; total = Σ NI / Σ (bond + loan P+I);
  residual = (Σ NI − Σ bond P+I) / Σ loan P+I.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from renewfin.compiled import kernel, owned


def by_year(x: np.ndarray, ppy: int) -> np.ndarray:
    """Sum (S, T) period values into (S, Y) model-year values."""
    s, n = x.shape
    return x.reshape(s, n // ppy, ppy).sum(axis=2)


def safe_ratio(num: np.ndarray, den: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """``num / den`` where ``den > 0`` (and ``where``), NaN elsewhere."""
    ok = den > 1e-12 if where is None else (den > 1e-12) & where
    return np.divide(
        num, den, out=np.full(np.broadcast_shapes(num.shape, den.shape), np.nan), where=ok
    )


@kernel
def _nan_min_mean_rows(x: np.ndarray, low: np.ndarray, mean: np.ndarray) -> None:
    for j in range(x.shape[0]):
        lo = np.nan
        total = 0.0
        count = 0
        for t in range(x.shape[1]):
            v = x[j, t]
            if not np.isnan(v):
                lo = v if count == 0 or v < lo else lo
                total += v
                count += 1
        low[j] = lo
        mean[j] = total / count if count else np.nan


def nan_min_mean(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and mean of each row of ``x`` (S, n) ignoring NaN, each (S,); NaN where a
    row is all NaN."""
    s = x.shape[0]
    low = np.empty(s)
    mean = np.empty(s)
    _nan_min_mean_rows(owned(x), low, mean)
    return low, mean


def nan_min(x: np.ndarray) -> np.ndarray:
    """Minimum of each row of ``x`` (S, n) ignoring NaN; NaN where every value is NaN."""
    return nan_min_mean(x)[0]


@kernel
def _pv_rows(x: np.ndarray, rate: np.ndarray, out: np.ndarray) -> None:
    for j in range(x.shape[0]):
        acc = 0.0
        for t in range(x.shape[1] - 1, -1, -1):
            acc = (x[j, t] + acc) / (1.0 + rate[j, t])
            out[j, t] = acc


def pv_from(x: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """PV at the start of each period of the flows from that period on (end-of-period
    discounting at the period rates ``rate``), (S, T): PV_t = (x_t + PV_{t+1}) / (1 + r_t)."""
    s, n = x.shape
    out = np.empty((s, n))
    _pv_rows(owned(x), owned(rate, (s, n)), out)
    return out


def window(mask: np.ndarray) -> np.ndarray:
    """Flag from the first to the last True of each row (inclusive), (S, T) bool."""
    first = np.argmax(mask, axis=1)
    last = mask.shape[1] - 1 - np.argmax(mask[:, ::-1], axis=1)
    t = np.arange(mask.shape[1])[None, :]
    any_ = np.any(mask, axis=1)[:, None]
    return any_ & (t >= first[:, None]) & (t <= last[:, None])


def coverage_sums(
    net_income: np.ndarray,
    bond_ds: np.ndarray,
    loan_ds: np.ndarray,
    bond_life: np.ndarray,
    debt_life: np.ndarray,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Numerator and denominator (S,) of each coverage multiple, by metric id:
    ``bond_coverage`` Σ NI / Σ bond P+I over the bond life; ``total_debt_coverage`` Σ NI /
    Σ (bond + loan P+I) and ``residual_coverage`` (Σ NI − Σ bond P+I) / Σ loan P+I over the
    debt life.

    ``net_income`` (S, T) project income available for debt service; ``bond_ds`` and
    ``loan_ds`` (S, T) principal + interest; ``bond_life`` and ``debt_life`` (S, T) bool
    windows over which the sums run."""
    ni_bond = (net_income * bond_life).sum(axis=1)
    ni_debt = (net_income * debt_life).sum(axis=1)
    b = (bond_ds * bond_life).sum(axis=1)
    b_all = (bond_ds * debt_life).sum(axis=1)
    m = (loan_ds * debt_life).sum(axis=1)
    return {
        "bond_coverage": (ni_bond, b),
        "total_debt_coverage": (ni_debt, b_all + m),
        "residual_coverage": (ni_debt - b_all, m),
    }


def coverage_multiples(
    net_income: np.ndarray,
    bond_ds: np.ndarray,
    loan_ds: np.ndarray,
    bond_life: np.ndarray,
    debt_life: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bond-only, total-debt and residual coverage multiples, each (S,), NaN where the
    denominator is not positive (``coverage_sums`` gives the terms; the metrics also leave
    out negative and negligible covers, ``cover``)."""
    sums = coverage_sums(net_income, bond_ds, loan_ds, bond_life, debt_life)
    b, t, r = (
        safe_ratio(*sums[k]) for k in ("bond_coverage", "total_debt_coverage", "residual_coverage")
    )
    return b, t, r


CAP = 1000.0
"""A ratio above this is a denominator below 0.1 % of its numerator: not shown (the debt or
the equity it measures is negligible)."""


class Why(IntEnum):
    """Why a ratio metric is undefined (NaN), or ``OK``; ``MetricNotes`` turns a code into
    text."""

    OK = 0
    NOT_DUE = 1
    """The denominator is never due (no debt service, no balance, no equity)."""
    NEGATIVE = 2
    """The numerator is negative in a period where the denominator is due."""
    TINY = 3
    """The denominator is below 0.1 % of the numerator wherever it is due."""
    NO_EQUITY = 4
    """The equity paid in is below 0.1 % of the total investment."""
    NO_REVENUE = 5
    """No revenue at all."""


@dataclass(frozen=True)
class Minimum:
    """The minimum of a ratio over the periods its denominator is due, each (S,)."""

    value: np.ndarray
    """The minimum; NaN where undefined."""
    at: np.ndarray
    """Index (year or period) of the minimum, or of the first negative numerator; −1 when
    none."""
    why: np.ndarray
    """``Why`` codes (int8)."""
    mean: np.ndarray
    """Mean over the same periods; NaN where undefined."""


def shown(num: np.ndarray, den: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``num / den`` where it is shown as a ratio, NaN elsewhere (S, n): where ``rows``
    holds, the denominator is due (``den > 0``), the numerator is not negative and the
    ratio is at most ``CAP`` (``minimum`` takes its minimum over these)."""
    num, den, rows = np.broadcast_arrays(
        np.asarray(num, dtype=float), np.asarray(den, dtype=float), np.asarray(rows, dtype=bool)
    )
    fine = rows & (den > 1e-12) & (num >= 0) & (num <= CAP * den)
    return np.where(fine, num / np.where(fine, den, 1.0), np.nan)


TIE = 1e-9
"""Values within this (relative to the minimum, at least 1 absolute for money) of the
minimum count as the minimum: the year of a minimum is the first of them, so that values
equal up to rounding (a sculpted loan at its target every year) give the same year in the
engine and in the workbook."""


def first_at_minimum(x: np.ndarray) -> np.ndarray:
    """(S,) index of the first column of ``x`` (S, n) within ``TIE`` of its row's minimum
    (NaN and inf left out); 0 for a row with no value."""
    finite = np.isfinite(x)
    low = np.where(finite, x, np.inf).min(axis=1, keepdims=True)
    near = finite & (x <= low + TIE * np.maximum(np.abs(low), 1.0))
    return np.argmax(near, axis=1)


def minimum(num: np.ndarray, den: np.ndarray, rows: np.ndarray) -> Minimum:
    """The minimum of ``num / den`` over the columns where ``rows`` holds and ``den > 0``
    (the denominator is due), each column (S, n) or broadcastable.

    A due column with ``num < 0`` makes the minimum NaN (``Why.NEGATIVE``, ``at`` the first
    such column): a negative cover is not a ratio. Columns where the ratio exceeds ``CAP``
    (a negligible denominator) are left out; when nothing is left the minimum is NaN
    (``Why.TINY``, or ``Why.NOT_DUE`` when nothing was ever due)."""
    num, den, rows = np.broadcast_arrays(
        np.asarray(num, dtype=float), np.asarray(den, dtype=float), np.asarray(rows, dtype=bool)
    )
    due = rows & (den > 1e-12)
    negative = due & (num < 0)
    ratio = shown(num, den, rows)
    fine = ~np.isnan(ratio)
    low, mean = nan_min_mean(ratio)
    at = np.where(fine.any(axis=1), first_at_minimum(ratio), -1)
    why = np.full(low.shape, Why.OK, dtype=np.int8)
    why[~fine.any(axis=1)] = Why.TINY
    why[~due.any(axis=1)] = Why.NOT_DUE
    bad = negative.any(axis=1)
    why[bad] = Why.NEGATIVE
    at = np.where(bad, np.argmax(negative, axis=1), at)
    undefined = why != Why.OK
    return Minimum(np.where(undefined, np.nan, low), at, why, np.where(undefined, np.nan, mean))


def cover(num: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A whole-life cover ``num / den`` (S,), NaN where ``den`` is not positive
    (``Why.NOT_DUE``), ``num`` is negative (``Why.NEGATIVE``) or the ratio exceeds ``CAP``
    (``Why.TINY``); returns the cover and its ``Why`` codes."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    why = np.full(np.broadcast_shapes(num.shape, den.shape), Why.OK, dtype=np.int8)
    due = den > 1e-12
    why[due & (num > CAP * den)] = Why.TINY
    why[due & (num < 0)] = Why.NEGATIVE
    why[~due] = Why.NOT_DUE
    value = np.where(why == Why.OK, num / np.where(due, den, 1.0), np.nan)
    return value, why
