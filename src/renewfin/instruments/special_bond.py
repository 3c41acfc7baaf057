"""Special-bond (专项债券) tranches: coupons, principal, fees and balances.

Conventions: a tranche issued in period ``i`` is outstanding from the start of period
``i`` (or, for a refinancing tranche, from the end of period ``i``); coupons accrue at
``coupon × outstanding × Δt`` and are paid on coupon dates (every ``ppy / frequency``
periods after issue, or every period when the model period is longer than the coupon
interval); principal is repaid at anniversaries, at the end of the period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BondSchedule:
    """Corkscrew of one tranche, each (S|1, T) [money]."""

    opening: np.ndarray
    issue: np.ndarray
    """Proceeds received."""
    interest: np.ndarray
    """Coupons paid."""
    principal: np.ndarray
    """Principal repaid."""
    fees: np.ndarray
    """Issuance fee at issue and payment fees on each payment."""
    closing: np.ndarray
    accrued: np.ndarray
    """Coupon accrued in each period (paid on coupon dates)."""

    @property
    def service(self) -> np.ndarray:
        """Debt service: interest + principal + fees [money]."""
        return self.interest + self.principal + self.fees


def principal_shares(tenor_years: int, custom: list[float] | None) -> np.ndarray:
    """Share of principal repaid at each anniversary 1 … tenor (bullet when ``custom`` is None)."""
    if custom is not None:
        return np.asarray(custom, dtype=float)
    shares = np.zeros(tenor_years)
    shares[-1] = 1.0
    return shares


def schedule(
    amount: np.ndarray | float,
    issue_period: int,
    tenor_years: int,
    coupon: np.ndarray | float,
    ppy: int,
    n_periods: int,
    *,
    coupons_per_year: int = 1,
    shares: np.ndarray | None = None,
    issuance_fee_rate: float = 0.0,
    payment_fee_rate: float = 0.0,
    proceeds_at_end: bool = False,
) -> BondSchedule:
    """Cash flows of one special-bond tranche.

    Parameters
    ----------
    amount : float or (S, 1) array
        Principal [money].
    issue_period : int
        Period of issue.
    tenor_years : int
        Tenor [yr]; the tranche matures ``tenor_years × ppy`` periods after it starts.
    coupon : float or (S, 1) array
        Annual coupon rate [1/yr].
    ppy : int
        Periods per year.
    n_periods : int
        T.
    coupons_per_year : int
        1 (annual) or 2 (semiannual).
    shares : (tenor_years,) array, optional
        Share of principal repaid at each anniversary; default bullet.
    issuance_fee_rate, payment_fee_rate : float
        Fees as shares of principal issued and of each payment.
    proceeds_at_end : bool
        Proceeds arrive at the end of ``issue_period`` and the tranche is outstanding from
        the next period (a refinancing tranche that repays a maturing one).

    Returns
    -------
    BondSchedule
        Each line (S|1, T).
    """
    amount = np.asarray(amount, dtype=float).reshape(-1, 1)
    coupon = np.asarray(coupon, dtype=float).reshape(-1, 1)
    shares = principal_shares(tenor_years, None) if shares is None else np.asarray(shares)
    t = np.arange(n_periods)
    start = issue_period + (1 if proceeds_at_end else 0)
    k = t - start  # periods since the tranche started
    repaid_share = np.zeros(n_periods)
    anniversaries = start + ppy * np.arange(1, tenor_years + 1) - 1
    inside = anniversaries < n_periods
    repaid_share[anniversaries[inside]] = shares[inside]
    principal = amount * repaid_share[None, :]
    outstanding = amount * np.where(k >= 0, 1.0 - np.cumsum(repaid_share) + repaid_share, 0.0)
    outstanding = np.where(k < tenor_years * ppy, outstanding, 0.0)
    accrued = coupon * outstanding / ppy
    step = max(1, ppy // coupons_per_year)
    pay = (k >= 0) & (((k + 1) % step == 0) | (k + 1 == tenor_years * ppy))
    cum = np.cumsum(accrued, axis=1)
    paid_cum = np.where(pay[None, :], cum, 0.0)
    paid_cum = np.maximum.accumulate(paid_cum, axis=1)
    interest = np.diff(paid_cum, axis=1, prepend=0.0)
    issue = np.zeros((1, n_periods))
    issue[0, issue_period] = 1.0
    issue = amount * issue
    fees = issuance_fee_rate * issue + payment_fee_rate * (interest + principal)
    closing = outstanding - principal
    if proceeds_at_end:
        closing = closing + issue
    opening = np.concatenate([np.zeros((closing.shape[0], 1)), closing[:, :-1]], axis=1)
    return BondSchedule(opening, issue, interest, principal, fees, closing, accrued)


def prepay_at(sched: BondSchedule, period: int, payment_fee_rate: float = 0.0) -> BondSchedule:
    """The schedule with everything outstanding repaid at the end of ``period`` (an early
    redemption, e.g. from REIT exit proceeds), coupons accrued but unpaid paid with it, and
    nothing after it; payment fees follow the extra payments."""
    n = sched.closing.shape[1]
    after = np.arange(n)[None, :] > period
    at = np.arange(n)[None, :] == period
    principal = np.where(after, 0.0, sched.principal + np.where(at, sched.closing, 0.0))
    paid_before = np.where(after | at, 0.0, sched.interest).sum(axis=1, keepdims=True)
    accrued_to = np.where(after, 0.0, sched.accrued).sum(axis=1, keepdims=True)
    interest = np.where(after, 0.0, np.where(at, accrued_to - paid_before, sched.interest))
    extra = (principal - sched.principal) + (interest - sched.interest)
    fees = np.where(after, 0.0, sched.fees + payment_fee_rate * extra)
    zero_after = lambda a: np.where(after, 0.0, a)  # noqa: E731
    return BondSchedule(
        zero_after(sched.opening),
        zero_after(sched.issue),
        interest,
        principal,
        fees,
        np.where(after | at, 0.0, sched.closing),
        zero_after(sched.accrued),
    )


@dataclass(frozen=True)
class EscrowSchedule:
    """Corkscrew of a bond-repayment reserve (偿债准备金专户), each (S|1, T) [money]."""

    opening: np.ndarray
    deposit: np.ndarray
    """Paid in from the exit proceeds at the end of the exit period."""
    earned: np.ndarray
    """Interest earned on the opening balance."""
    release: np.ndarray
    """Bond service paid from the reserve: coupons, principal and payment fees."""
    closing: np.ndarray


def escrow_at(
    sched: BondSchedule, period: int, rate: np.ndarray | float, ppy: int
) -> tuple[BondSchedule, EscrowSchedule]:
    """A tranche held to maturity from a reserve funded at the end of ``period`` (a REIT
    exit or asset sale), instead of redeemed (``prepay_at``).

    The reserve receives the remaining service (interest + principal + fees of every period
    after ``period``) discounted at ``rate`` per period of 1 / ``ppy`` years,
    ``D = Σ_{t > e} service_t / (1 + rate / ppy)^(t − e)``; it earns ``rate / ppy`` on its
    opening balance and pays that service, so it closes at zero at maturity. The project
    company pays its scheduled service through ``period`` and ``D`` at the exit, nothing
    after: its principal hands over the balance outstanding at the exit (as ``prepay_at``)
    and its interest of the exit period carries the rest of the deposit, ``D − balance``
    (the coupons and fees after the exit net of the reserve's earnings).

    Parameters
    ----------
    sched : BondSchedule
        The tranche's schedule to maturity, each (S|1, T) [money].
    period : int
        Exit period e.
    rate : float or (S, 1) array
        Annual rate the reserve earns [1/yr].
    ppy : int
        Periods per year.

    Returns
    -------
    (BondSchedule, EscrowSchedule)
        The project company's schedule and the reserve's corkscrew, each (S|1, T).
    """
    n = sched.closing.shape[1]
    t = np.arange(n)[None, :]
    after = t > period
    at = (t == period).astype(float)
    r = np.asarray(rate, dtype=float).reshape(-1, 1) / ppy
    release = np.where(after, sched.service, 0.0)
    factor = np.where(after, (1.0 + r) ** -(t - period).astype(float), 0.0)
    deposit = (release * factor).sum(axis=1, keepdims=True)
    held = (t <= period).astype(float)
    balance = sched.closing[:, period : period + 1]
    company = BondSchedule(
        sched.opening * held,
        sched.issue * held,
        sched.interest * held + (deposit - balance) * at,
        sched.principal * held + balance * at,
        sched.fees * held,
        sched.closing * (t < period),
        sched.accrued * held,
    )
    return company, _reserve(deposit * at, release, r, period)


def _reserve(deposit: np.ndarray, release: np.ndarray, r: np.ndarray, start: int) -> EscrowSchedule:
    """The reserve's corkscrew from ``start``: ``deposit`` and ``release`` (S|1, T)
    [money], ``r`` (S|1, 1) rate per period."""
    shape = np.broadcast_shapes(deposit.shape, release.shape, (r.shape[0], 1))
    dep = np.broadcast_to(deposit, shape)
    rel = np.broadcast_to(release, shape)
    rr = np.broadcast_to(r, (shape[0], 1))[:, 0]
    opening, earned, closing = (np.zeros(shape) for _ in range(3))
    balance = np.zeros(shape[0])
    for k in range(start, shape[1]):  # a corkscrew: each balance depends on the last
        opening[:, k] = balance
        earned[:, k] = rr * balance
        balance = balance + earned[:, k] + dep[:, k] - rel[:, k]
        closing[:, k] = balance
    return EscrowSchedule(opening, dep.copy(), earned, rel.copy(), closing)
