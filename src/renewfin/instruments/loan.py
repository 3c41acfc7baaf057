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

from renewfin.compiled import inlined_kernel, kernel, owned
from renewfin.spec.funding import Loan, LoanRepayment


@dataclass(frozen=True)
class RepaymentTerms:
    """Everything a profile needs to set the principal due."""

    profile: LoanRepayment
    repay_start: int
    """First repayment period."""
    maturity: int
    """One past the last repayment period."""
    weights: np.ndarray | None = None
    """Weighted profile (custom): weight of each repayment period, (maturity − repay_start,)."""
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


# --- Repayment profiles: the compiled rule and the Excel formula of each, side by side ---
#
# A rule is the principal due before clipping, from the opening balance, for a period in
# the repayment window that is not the last (``due`` handles the window, the last period
# and the clipping). Every rule takes the same arguments: ``n`` periods left to maturity
# (≥ 2), ``weight`` and ``rest`` (a weighted profile's weight of this period and the sum of
# the weights from it to maturity), ``target_dscr``, ``opening`` balance [money], period
# ``rate`` and cash ``available`` for debt service [money].


@inlined_kernel
def _equal_principal(
    n: int,
    weight: float,
    rest: float,
    target_dscr: float,
    opening: float,
    rate: float,
    available: float,
) -> float:
    """等额本金: opening / periods left [money]."""
    return opening / n


@inlined_kernel
def _annuity(
    n: int,
    weight: float,
    rest: float,
    target_dscr: float,
    opening: float,
    rate: float,
    available: float,
) -> float:
    """等额本息: annuity payment on the opening balance over the periods left, less
    interest [money]."""
    if rate == 0.0:
        payment = opening / n
    else:
        payment = opening * rate / (1.0 - (1.0 + rate) ** float(-n))
    return payment - opening * rate


@inlined_kernel
def _weighted(
    n: int,
    weight: float,
    rest: float,
    target_dscr: float,
    opening: float,
    rate: float,
    available: float,
) -> float:
    """Weighted (custom, 等比递增): opening × weight / rest [money]."""
    return opening * (weight / rest) if rest > 0 else 0.0


@inlined_kernel
def _bullet(
    n: int,
    weight: float,
    rest: float,
    target_dscr: float,
    opening: float,
    rate: float,
    available: float,
) -> float:
    """到期一次还本: nothing before the last period [money]."""
    return 0.0


@inlined_kernel
def _sculpted(
    n: int,
    weight: float,
    rest: float,
    target_dscr: float,
    opening: float,
    rate: float,
    available: float,
) -> float:
    """Sculpted: available / target DSCR − interest on the opening balance [money]."""
    return available / target_dscr - opening * rate


Cells = Callable[[str], str]
"""The Excel expression of a named quantity at one period column, as a profile's formula
reads it: ``opening`` balance (with the period's drawings) [money], period ``rate``,
``left`` periods to maturity (≥ 1), ``ppy`` periods per year, ``share`` (custom: the row of
this period's share of the opening balance due), ``available`` cash and ``target`` DSCR
(sculpted), and the spec field of each of the profile's ``inputs``
(``renewfin.excel.loans`` gives them)."""


def _growth_weights(ln: Loan, ppy: int, n: int) -> np.ndarray:
    """等比递增还本 (equal-ratio increasing principal): weight ``q^k`` of repayment period
    k = 0 … n − 1, with ``g = ln.repayment_growth`` and the period ratio
    ``q = (1 + g)^(1/ppy)``.

    Convention for sub-annual periods: the ratio is per period, so that the principal of
    each repayment year is exactly (1 + g) × the last year's (a year's periods sum to
    ``q^(ppy·y) · Σ_{j<ppy} q^j``); with one period a year, year k repays
    ``P₁ (1 + g)^(k−1)``. The weighted rule then gives, from the opening balance B with n
    periods left, ``B · q^k / Σ_{i≥k} q^i = B (q − 1) / (q^n − 1)`` (B / n at g = 0, 等额本金),
    so a prepayment re-amortises at the same ratio."""
    return (1.0 + ln.repayment_growth) ** (np.arange(n) / ppy)


def _growth_formula(c: Cells) -> str:
    """等比递增还本 in Excel: B / Σ_{i<n} q^i with q = (1 + g)^(1/ppy) (``_growth_weights``),
    the sum being ``FV(q − 1, n, −1)`` (n at q = 1, so g = 0 gives B / n)."""
    return f"{c('opening')}/FV((1+{c('repayment_growth')})^(1/{c('ppy')})-1,{c('left')},-1)"


@dataclass(frozen=True)
class ProfileInput:
    """A spec field of a loan that a profile's formula reads as a workbook input."""

    field: str
    """The loan's field (its Chinese label is the spec's, ``renewfin.spec.labels``)."""
    en: str
    unit: str


@dataclass(frozen=True)
class Profile:
    """One repayment profile: its English label, its compiled rule and its Excel formula
    (the Chinese label is the spec enum's, ``renewfin.spec.labels.choice_label``)."""

    en: str
    rule: Callable[..., float]
    """Compiled principal due before clipping (one of the rules above)."""
    formula: Callable[[Cells], str]
    """Excel expression of the same principal due, before clipping."""
    weights: Callable[[Loan, int, int], np.ndarray | None] = lambda ln, ppy, n: None
    """The weights of a weighted rule (loan, periods per year, repayment periods)."""
    workbook_weights: bool = False
    """Whether the workbook writes the weights as inputs and reads the ``share`` row."""
    inputs: tuple[ProfileInput, ...] = ()
    """Spec fields the formula reads as workbook inputs."""


PROFILES: dict[LoanRepayment, Profile] = {
    LoanRepayment.EQUAL_PRINCIPAL: Profile(
        "equal principal", _equal_principal, lambda c: f"{c('opening')}/{c('left')}"
    ),
    LoanRepayment.ANNUITY: Profile(
        "annuity",
        _annuity,
        lambda c: f"-PMT({c('rate')},{c('left')},{c('opening')})-{c('opening')}*{c('rate')}",
    ),
    LoanRepayment.CUSTOM: Profile(
        "custom schedule",
        _weighted,
        lambda c: f"{c('opening')}*{c('share')}",
        lambda ln, ppy, n: custom_weights(ln.repayment_schedule or [], ppy),
        workbook_weights=True,
    ),
    LoanRepayment.BULLET: Profile("bullet", _bullet, lambda c: "0"),
    LoanRepayment.SCULPTED: Profile(
        "sculpted to a DSCR",
        _sculpted,
        lambda c: f"{c('available')}/{c('target')}-{c('opening')}*{c('rate')}",
    ),
    LoanRepayment.INCREASING: Profile(
        "equal-ratio increasing",
        _weighted,
        _growth_formula,
        _growth_weights,
        inputs=(ProfileInput("repayment_growth", "Repayment growth", "-"),),
    ),
}
"""Every repayment profile, by the spec's enum: the one place a profile is declared."""

RULES: tuple[Callable[..., float], ...] = tuple(dict.fromkeys(p.rule for p in PROFILES.values()))
"""The distinct compiled rules, in table order; a rule's code is its position."""

PROFILE_CODES: dict[LoanRepayment, int] = {k: RULES.index(p.rule) for k, p in PROFILES.items()}
"""Integer code of each profile's rule, as the compiled loop reads it."""

_EQUAL, _ANNUITY, _WEIGHTED, _BULLET, _SCULPTED = (
    RULES.index(r) for r in (_equal_principal, _annuity, _weighted, _bullet, _sculpted)
)
assert len(RULES) == 5, "each compiled rule needs its branch in ``due``"


def repayment_terms(ln: Loan, repay_start: int, maturity: int, ppy: int) -> RepaymentTerms:
    """Loan ``ln``'s repayment terms: its profile over periods ``[repay_start, maturity)``,
    with the profile's weights (``ppy`` periods per year) and target DSCR."""
    weights = PROFILES[ln.repayment].weights(ln, ppy, maturity - repay_start)
    return RepaymentTerms(ln.repayment, repay_start, maturity, weights, ln.target_dscr)


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

    ``profile`` a code of ``PROFILE_CODES``; ``weight`` and ``rest`` a weighted profile's
    weight of this period and the sum of the weights from this period to maturity;
    ``target_dscr`` and ``available`` (cash available for this loan's debt service
    [money]) for a sculpted profile; ``opening`` balance [money]; ``rate`` period rate.
    Nothing is due before ``repay_start`` or from ``maturity``; everything left is due in
    the last period; otherwise the profile's rule (``PROFILES``), clipped to
    ``[0, opening]``.
    """
    if t < repay_start or t >= maturity:
        return 0.0
    if t == maturity - 1:
        return opening
    n = maturity - t
    if profile == _EQUAL:
        amount = _equal_principal(n, weight, rest, target_dscr, opening, rate, available)
    elif profile == _ANNUITY:
        amount = _annuity(n, weight, rest, target_dscr, opening, rate, available)
    elif profile == _WEIGHTED:
        amount = _weighted(n, weight, rest, target_dscr, opening, rate, available)
    elif profile == _BULLET:
        amount = _bullet(n, weight, rest, target_dscr, opening, rate, available)
    else:
        amount = _sculpted(n, weight, rest, target_dscr, opening, rate, available)
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
            profile,
            t,
            repay_start,
            maturity,
            weight,
            rest,
            target_dscr,
            opening[j],
            rate[j],
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
