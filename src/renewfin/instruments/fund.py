"""The urban-renewal fund (城市更新基金): a senior/junior distribution waterfall.

The fund holds preferred equity: from the cash the project can distribute it receives,
in order, the senior preferred return, the junior preferred return, and — once the term
has ended or at an exit — senior then junior capital; during the term a share of the
rest (``upside_share``) goes to the junior tier. Preferred returns accrue simply on
unreturned capital and are paid only from cash: nothing is guaranteed.
Reference: DOMAIN.md §5 (财预〔2017〕50号: no guaranteed return or buy-back).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class FundState:
    """Balances of the fund's claims, each (S,) [money]."""

    senior_capital: np.ndarray
    senior_accrued: np.ndarray
    junior_capital: np.ndarray
    junior_accrued: np.ndarray

    @classmethod
    def zeros(cls, s: int) -> FundState:
        """An empty fund for S scenarios."""
        return cls(np.zeros(s), np.zeros(s), np.zeros(s), np.zeros(s))

    @property
    def claim(self) -> np.ndarray:
        """Everything the fund is still owed: capital and accrued returns [money]."""
        return self.senior_capital + self.senior_accrued + self.junior_capital + self.junior_accrued


@dataclass(frozen=True)
class FundPayment:
    """What the fund received in a period, each (S,) [money]."""

    senior_return: np.ndarray
    senior_capital: np.ndarray
    junior_return: np.ndarray
    junior_capital: np.ndarray
    upside: np.ndarray

    @property
    def senior(self) -> np.ndarray:
        """Paid to the senior tier."""
        return self.senior_return + self.senior_capital

    @property
    def junior(self) -> np.ndarray:
        """Paid to the junior tier."""
        return self.junior_return + self.junior_capital + self.upside

    @property
    def total(self) -> np.ndarray:
        """Paid to the fund."""
        return self.senior + self.junior


def accrue(
    state: FundState, senior_rate: np.ndarray | float, junior_rate: np.ndarray | float, dt: float
) -> None:
    """Accrue one period of preferred return on unreturned capital (in place)."""
    state.senior_accrued += state.senior_capital * senior_rate * dt
    state.junior_accrued += state.junior_capital * junior_rate * dt


def invest(state: FundState, amount: np.ndarray, senior_share: float) -> None:
    """Add a contribution, split senior / junior (in place)."""
    state.senior_capital += amount * senior_share
    state.junior_capital += amount * (1.0 - senior_share)


def distribute(
    state: FundState,
    cash: np.ndarray,
    capital_due: np.ndarray | bool,
    upside_share: float,
    returns_cap: np.ndarray | None = None,
) -> tuple[FundPayment, np.ndarray]:
    """Pay the fund from ``cash`` (S,) in waterfall order; return the payment and the cash
    left for sponsor equity. ``capital_due`` (S,) or bool: whether capital may be returned
    this period (term ended, or an exit). ``returns_cap`` (S,), optional: most that may be
    paid as returns (preferred returns and upside) — distributable profit when
    distributions are limited to profit; capital returns are not limited by it. Updates
    ``state`` in place."""
    left = np.maximum(cash, 0.0)
    room = np.full_like(left, np.inf) if returns_cap is None else np.maximum(returns_cap, 0.0)

    def take(claim: np.ndarray, is_return: bool) -> np.ndarray:
        nonlocal left, room
        paid = np.minimum(claim, left)
        if is_return:
            paid = np.minimum(paid, room)
            room = room - paid
        left = left - paid
        return paid

    due = np.asarray(capital_due, dtype=bool)
    sr = take(state.senior_accrued, True)
    state.senior_accrued -= sr
    sc = take(np.where(due, state.senior_capital, 0.0), False)
    state.senior_capital -= sc
    jr = take(state.junior_accrued, True)
    state.junior_accrued -= jr
    jc = take(np.where(due, state.junior_capital, 0.0), False)
    state.junior_capital -= jc
    outstanding = (state.junior_capital > 0) & ~due
    up = np.minimum(np.where(outstanding, left * upside_share, 0.0), room)
    left = left - up
    return FundPayment(sr, sc, jr, jc, up), left
