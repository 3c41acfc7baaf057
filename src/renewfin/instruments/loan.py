"""Loans (项目贷款): period rates, interest, repayment profiles and the corkscrew.

Conventions: rates are annual; the period rate is ``rate / ppy`` (as Chinese banks quote
monthly rates as annual / 12). Interest in a period is charged on the opening balance
plus half the period's drawings (the textbook 建设期利息 convention: 当年借款按半年计息);
repayments happen at the end of the period. Repayment runs over the periods
``[repay_start, maturity)``; each profile is written as the principal due from the
*current* opening balance, which reproduces the textbook schedules exactly and
re-amortises after a prepayment (cash sweep).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from renewfin.spec.funding import LoanRepayment


@dataclass(frozen=True)
class RepaymentTerms:
    """Everything a profile needs to set the principal due."""

    profile: LoanRepayment
    repay_start: int
    """First repayment period."""
    maturity: int
    """One past the last repayment period."""
    weights: np.ndarray | None = None
    """Custom profile: share of principal per repayment period, (maturity − repay_start,)."""
    target_dscr: float | None = None
    """Sculpted profile: target DSCR."""

    def remaining_weights(self) -> np.ndarray:
        """Σ of the custom weights from each repayment period to maturity."""
        assert self.weights is not None
        return np.cumsum(self.weights[::-1])[::-1]


def custom_weights(year_shares: list[float], ppy: int) -> np.ndarray:
    """Spread yearly custom shares evenly over the periods of each year."""
    return np.repeat(np.asarray(year_shares, dtype=float) / ppy, ppy)


Due = Callable[[RepaymentTerms, int, np.ndarray, np.ndarray, np.ndarray | None], np.ndarray]


def _equal_principal(
    terms: RepaymentTerms,
    t: int,
    opening: np.ndarray,
    rate: np.ndarray,
    available: np.ndarray | None,
) -> np.ndarray:
    return opening / (terms.maturity - t)


def _annuity(
    terms: RepaymentTerms,
    t: int,
    opening: np.ndarray,
    rate: np.ndarray,
    available: np.ndarray | None,
) -> np.ndarray:
    n = terms.maturity - t
    safe = np.where(rate == 0.0, 1.0, rate)
    payment = np.where(rate == 0.0, opening / n, opening * safe / (1.0 - (1.0 + safe) ** -n))
    return payment - opening * rate


def _custom(
    terms: RepaymentTerms,
    t: int,
    opening: np.ndarray,
    rate: np.ndarray,
    available: np.ndarray | None,
) -> np.ndarray:
    k = t - terms.repay_start
    assert terms.weights is not None
    rest = terms.remaining_weights()[k]
    return opening * (terms.weights[k] / rest) if rest > 0 else np.zeros_like(opening)


def _bullet(
    terms: RepaymentTerms,
    t: int,
    opening: np.ndarray,
    rate: np.ndarray,
    available: np.ndarray | None,
) -> np.ndarray:
    return np.zeros_like(opening)


def _sculpted(
    terms: RepaymentTerms,
    t: int,
    opening: np.ndarray,
    rate: np.ndarray,
    available: np.ndarray | None,
) -> np.ndarray:
    assert terms.target_dscr is not None and available is not None
    return available / terms.target_dscr - opening * rate


PROFILES: dict[LoanRepayment, Due] = {
    LoanRepayment.EQUAL_PRINCIPAL: _equal_principal,
    LoanRepayment.ANNUITY: _annuity,
    LoanRepayment.CUSTOM: _custom,
    LoanRepayment.BULLET: _bullet,
    LoanRepayment.SCULPTED: _sculpted,
}


def principal_due(
    terms: RepaymentTerms,
    t: int,
    opening: np.ndarray,
    rate: np.ndarray,
    available: np.ndarray | None = None,
) -> np.ndarray:
    """Scheduled principal of period ``t`` [money], (S,).

    ``opening`` (S,) balance [money]; ``rate`` (S,) period rate; ``available`` (S,) cash
    available for this loan's debt service (sculpted profile only). Nothing is due before
    ``repay_start``; everything left is due in the last period; the result is clipped to
    ``[0, opening]``."""
    if t < terms.repay_start or t >= terms.maturity:
        return np.zeros_like(opening)
    if t == terms.maturity - 1:
        return opening.copy()
    due = PROFILES[terms.profile](terms, t, opening, rate, available)
    return np.clip(due, 0.0, opening)


def interest(opening: np.ndarray, draw: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Interest of a period: ``rate × (opening + draw / 2)`` [money]; ``rate`` per period."""
    return rate * (opening + 0.5 * draw)


@dataclass(frozen=True)
class LoanSchedule:
    """Corkscrew of one loan, each (S, T) [money]."""

    opening: np.ndarray
    draw: np.ndarray
    interest: np.ndarray
    principal: np.ndarray
    closing: np.ndarray

    @property
    def service(self) -> np.ndarray:
        """Debt service: interest + principal [money]."""
        return self.interest + self.principal


def schedule(
    draws: np.ndarray,
    annual_rate: np.ndarray,
    ppy: int,
    terms: RepaymentTerms,
    available: np.ndarray | None = None,
) -> LoanSchedule:
    """A loan's corkscrew for given drawings, without prepayment.

    Parameters
    ----------
    draws : (S, T) array
        Drawings [money].
    annual_rate : (S|1, T) array
        Annual interest rate of each period [1/yr].
    ppy : int
        Periods per year.
    terms : RepaymentTerms
        Profile and repayment window.
    available : (S, T) array, optional
        Cash available for debt service, for a sculpted profile [money].
    """
    draws = np.atleast_2d(np.asarray(draws, dtype=float))
    rate = np.broadcast_to(np.asarray(annual_rate, dtype=float) / ppy, draws.shape)
    s, n = draws.shape
    out = {k: np.zeros((s, n)) for k in ("opening", "interest", "principal", "closing")}
    bal = np.zeros(s)
    for t in range(n):
        out["opening"][:, t] = bal
        out["interest"][:, t] = interest(bal, draws[:, t], rate[:, t])
        avail = None if available is None else available[:, t]
        pay = principal_due(terms, t, bal + draws[:, t], rate[:, t], avail)
        out["principal"][:, t] = pay
        bal = bal + draws[:, t] - pay
        out["closing"][:, t] = bal
    return LoanSchedule(out["opening"], draws, out["interest"], out["principal"], out["closing"])


def lpr_rates(level: float, path: list[float] | None, ppy: int, n_periods: int) -> np.ndarray:
    """Annual LPR of each period (1, T): ``path`` by model year (last value held), else
    ``level``."""
    years = np.arange(n_periods) // ppy
    if not path:
        return np.full((1, n_periods), level)
    p = np.asarray(path, dtype=float)
    return p[np.minimum(years, p.size - 1)][None, :]
