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

from dataclasses import dataclass

import numpy as np

from renewfin.compiled import inlined_kernel, kernel, owned
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

    def custom_share(self, t: int) -> tuple[float, float]:
        """Custom profile: (weight of period ``t``, Σ of the weights from ``t`` to
        maturity); (0, 0) for other profiles or outside the repayment window."""
        k = t - self.repay_start
        if self.weights is None or not 0 <= k < self.weights.size:
            return 0.0, 0.0
        return float(self.weights[k]), float(self.remaining_weights()[k])

    @property
    def target_dscr_value(self) -> float:
        """Sculpted profile's target DSCR; NaN for other profiles."""
        return float("nan") if self.target_dscr is None else float(self.target_dscr)


def custom_weights(year_shares: list[float], ppy: int) -> np.ndarray:
    """Spread yearly custom shares evenly over the periods of each year."""
    return np.repeat(np.asarray(year_shares, dtype=float) / ppy, ppy)


PROFILE_CODES: dict[LoanRepayment, int] = {
    LoanRepayment.EQUAL_PRINCIPAL: 0,
    LoanRepayment.ANNUITY: 1,
    LoanRepayment.CUSTOM: 2,
    LoanRepayment.BULLET: 3,
    LoanRepayment.SCULPTED: 4,
}
"""Integer code of each profile, as the compiled loop reads it."""


@inlined_kernel
def due(
    profile: int,
    t: int,
    repay_start: int,
    maturity: int,
    weight: float,
    rest: float,
    target_dscr: float,
    opening: float,
    rate: float,
    available: float,
) -> float:
    """Scheduled principal of period ``t`` for one scenario [money].

    ``profile`` a code of ``PROFILE_CODES``; ``weight`` and ``rest`` the custom profile's
    share of this period and the sum of the shares from this period to maturity;
    ``target_dscr`` and ``available`` (cash available for this loan's debt service
    [money]) for a sculpted profile; ``opening`` balance [money]; ``rate`` period rate.
    Nothing is due before ``repay_start`` or from ``maturity``; everything left is due in
    the last period; the result is clipped to ``[0, opening]``.

    - 等额本金: opening / periods left;
    - 等额本息: annuity payment on the opening balance over the periods left, less interest;
    - custom: opening × weight / rest;
    - bullet: nothing before the last period;
    - sculpted: available / target DSCR − interest on the opening balance.
    """
    if t < repay_start or t >= maturity:
        return 0.0
    if t == maturity - 1:
        return opening
    n = maturity - t
    if profile == 0:
        amount = opening / n
    elif profile == 1:
        if rate == 0.0:
            payment = opening / n
        else:
            payment = opening * rate / (1.0 - (1.0 + rate) ** float(-n))
        amount = payment - opening * rate
    elif profile == 2:
        amount = opening * (weight / rest) if rest > 0 else 0.0
    elif profile == 3:
        amount = 0.0
    else:
        amount = available / target_dscr - opening * rate
    return min(max(amount, 0.0), opening)


@kernel
def _due_all(
    profile: int,
    t: int,
    repay_start: int,
    maturity: int,
    weight: float,
    rest: float,
    target_dscr: float,
    opening: np.ndarray,
    rate: np.ndarray,
    available: np.ndarray,
) -> np.ndarray:
    out = np.empty(opening.shape[0])
    for j in range(opening.shape[0]):
        out[j] = due(
            profile, t, repay_start, maturity, weight, rest, target_dscr, opening[j], rate[j],
            available[j],
        )
    return out


def principal_due(
    terms: RepaymentTerms,
    t: int,
    opening: np.ndarray,
    rate: np.ndarray,
    available: np.ndarray | None = None,
) -> np.ndarray:
    """Scheduled principal of period ``t`` [money], (S,): ``due`` for each scenario.

    ``opening`` (S,) balance [money]; ``rate`` (S,) period rate; ``available`` (S,) cash
    available for this loan's debt service (sculpted profile only)."""
    opening = owned(opening)
    s = opening.shape[0]
    weight, rest = terms.custom_share(t)
    return _due_all(
        PROFILE_CODES[terms.profile],
        t,
        terms.repay_start,
        terms.maturity,
        weight,
        rest,
        terms.target_dscr_value,
        opening,
        owned(rate, (s,)),
        owned(np.zeros(s) if available is None else available, (s,)),
    )


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
