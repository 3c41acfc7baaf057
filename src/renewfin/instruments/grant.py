"""Fiscal funds (财政资金): disbursement profiles of grants, injections and subsidies."""

from __future__ import annotations

import numpy as np


def yearly_profile(shares: list[float], start_period: int, ppy: int, n_periods: int) -> np.ndarray:
    """Share of an amount paid in each period (1, T): ``shares`` per year from
    ``start_period``, spread evenly over each year's periods."""
    out = np.zeros((1, n_periods))
    per = np.repeat(np.asarray(shares, dtype=float) / ppy, ppy)
    end = min(n_periods, start_period + per.size)
    out[0, start_period:end] = per[: end - start_period]
    return out


def with_spending(spend: np.ndarray) -> np.ndarray:
    """Share of an amount paid in step with construction spending (S|1, T): each period's
    share of total spending (同比例到位)."""
    total = spend.sum(axis=1, keepdims=True)
    return np.divide(spend, total, out=np.zeros_like(spend, dtype=float), where=total != 0)


def operating_subsidy(
    amount: np.ndarray,
    start: np.ndarray,
    years: float | None,
    growth: np.ndarray,
    t: np.ndarray,
    ppy: int,
    n_periods: int,
) -> np.ndarray:
    """A yearly subsidy from period ``start`` (S|1, 1) for ``years`` years, growing at
    ``growth`` per year, paid evenly over each year's periods [money], (S|1, T)."""
    end = n_periods if years is None else start + round(years * ppy)
    active = (t >= start) & (t < end)
    elapsed = np.maximum((t - start) // ppy, 0)
    return amount * np.power(1.0 + growth, elapsed) * active / ppy
