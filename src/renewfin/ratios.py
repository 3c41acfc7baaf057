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


def coverage_multiples(
    net_income: np.ndarray,
    bond_ds: np.ndarray,
    loan_ds: np.ndarray,
    bond_life: np.ndarray,
    debt_life: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bond-only, total-debt and residual coverage multiples, each (S,).

    ``net_income`` (S, T) project income available for debt service; ``bond_ds`` and
    ``loan_ds`` (S, T) principal + interest; ``bond_life`` and ``debt_life`` (S, T) bool
    windows over which the sums run."""
    ni_bond = (net_income * bond_life).sum(axis=1)
    ni_debt = (net_income * debt_life).sum(axis=1)
    b = (bond_ds * bond_life).sum(axis=1)
    b_all = (bond_ds * debt_life).sum(axis=1)
    m = (loan_ds * debt_life).sum(axis=1)
    bond_only = safe_ratio(ni_bond, b)
    total = safe_ratio(ni_debt, b_all + m)
    residual = safe_ratio(ni_debt - b_all, m)
    return bond_only, total, residual
