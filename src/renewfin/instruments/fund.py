"""The urban-renewal fund (城市更新基金): a senior/junior distribution waterfall.

The fund holds preferred equity: from the cash the project can distribute it receives,
in order, the senior preferred return, the junior preferred return, and — once the term
has ended or at an exit — senior then junior capital; during the term a share of the
rest (``upside_share``) goes to the junior tier. Preferred returns accrue from each
contribution date (the loans' intra-period convention), compounding on what is unpaid or
simply on unreturned capital, as the agreement says, and are paid only from cash:
nothing is guaranteed.
Reference: DOMAIN.md §5 (财预〔2017〕50号: no guaranteed return or buy-back).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renewfin.compiled import kernel

SENIOR_CAPITAL, SENIOR_ACCRUED, JUNIOR_CAPITAL, JUNIOR_ACCRUED = range(4)
"""Positions of the fund's balances in a scenario's state vector."""
SENIOR_RETURN, SENIOR_REPAID, JUNIOR_RETURN, JUNIOR_REPAID, UPSIDE = range(5)
"""Positions of a period's payments in a scenario's payment vector."""


@kernel
def growth(rate: float, years: float, compound: bool) -> float:
    """Preferred return per unit of capital over ``years`` [yr] at ``rate`` [1/yr]:
    ``(1 + rate)^years − 1`` compounding (an effective annual rate: a tier paid in full has
    an IRR of exactly ``rate``), or ``rate × years`` simple."""
    if compound:
        return (1.0 + rate) ** years - 1.0
    return rate * years


@kernel
def accrue_one(
    b: np.ndarray, senior_rate: float, junior_rate: float, dt: float, compound: bool
) -> None:
    """Accrue one period of preferred return on one scenario's balances ``b`` (4,) [money]
    (in place): on unreturned capital and, compounding, on the return accrued and unpaid
    too; rates [1/yr], ``dt`` period length [yr]."""
    base_s = b[SENIOR_CAPITAL] + (b[SENIOR_ACCRUED] if compound else 0.0)
    base_j = b[JUNIOR_CAPITAL] + (b[JUNIOR_ACCRUED] if compound else 0.0)
    b[SENIOR_ACCRUED] += base_s * growth(senior_rate, dt, compound)
    b[JUNIOR_ACCRUED] += base_j * growth(junior_rate, dt, compound)


@kernel
def invest_one(
    b: np.ndarray,
    amount: float,
    senior_share: float,
    senior_rate: float,
    junior_rate: float,
    stub: float,
    compound: bool,
) -> None:
    """Add a contribution [money] to one scenario's balances, split senior / junior, with
    the return it earns in its own period: over ``stub`` [yr], the part of the period after
    the contribution date (``DrawTiming.weight × dt``, as for a loan's drawings)."""
    senior = amount * senior_share
    junior = amount * (1.0 - senior_share)
    b[SENIOR_CAPITAL] += senior
    b[JUNIOR_CAPITAL] += junior
    b[SENIOR_ACCRUED] += senior * growth(senior_rate, stub, compound)
    b[JUNIOR_ACCRUED] += junior * growth(junior_rate, stub, compound)


@kernel
def claim_one(b: np.ndarray) -> float:
    """Everything the fund is still owed in one scenario: capital and accrued returns."""
    return b[SENIOR_CAPITAL] + b[SENIOR_ACCRUED] + b[JUNIOR_CAPITAL] + b[JUNIOR_ACCRUED]


@kernel
def pay_one(
    b: np.ndarray,
    cash: float,
    capital_due: bool,
    upside_share: float,
    returns_room: float,
    paid: np.ndarray,
) -> float:
    """Pay one scenario's fund from ``cash`` [money] in waterfall order: senior return,
    senior capital (if due), junior return, junior capital (if due), then the upside share
    of what is left while junior capital is outstanding and not due. Returns and upside
    together take at most ``returns_room`` [money] (``inf`` when unlimited); capital is
    not limited by it. Writes the five payments into ``paid`` (5,), updates ``b`` and
    returns the cash left [money]."""
    left = max(cash, 0.0)
    senior_return = min(b[SENIOR_ACCRUED], left, returns_room)
    left -= senior_return
    senior_capital = min(b[SENIOR_CAPITAL], left) if capital_due else 0.0
    left -= senior_capital
    junior_return = min(b[JUNIOR_ACCRUED], left, returns_room - senior_return)
    left -= junior_return
    junior_capital = min(b[JUNIOR_CAPITAL], left) if capital_due else 0.0
    left -= junior_capital
    b[SENIOR_ACCRUED] -= senior_return
    b[SENIOR_CAPITAL] -= senior_capital
    b[JUNIOR_ACCRUED] -= junior_return
    b[JUNIOR_CAPITAL] -= junior_capital
    room = returns_room - senior_return - junior_return
    up = min(left * upside_share if b[JUNIOR_CAPITAL] > 0 and not capital_due else 0.0, room)
    paid[SENIOR_RETURN] = senior_return
    paid[SENIOR_REPAID] = senior_capital
    paid[JUNIOR_RETURN] = junior_return
    paid[JUNIOR_REPAID] = junior_capital
    paid[UPSIDE] = up
    return left - up


@dataclass
class FundState:
    """Balances of the fund's claims for S scenarios, (S, 4) [money]."""

    balances: np.ndarray

    @classmethod
    def zeros(cls, s: int) -> FundState:
        """An empty fund for S scenarios."""
        return cls(np.zeros((s, 4)))

    @property
    def senior_capital(self) -> np.ndarray:
        """Unreturned senior capital (S,) [money]."""
        return self.balances[:, SENIOR_CAPITAL]

    @property
    def senior_accrued(self) -> np.ndarray:
        """Unpaid senior preferred return (S,) [money]."""
        return self.balances[:, SENIOR_ACCRUED]

    @property
    def junior_capital(self) -> np.ndarray:
        """Unreturned junior capital (S,) [money]."""
        return self.balances[:, JUNIOR_CAPITAL]

    @property
    def junior_accrued(self) -> np.ndarray:
        """Unpaid junior preferred return (S,) [money]."""
        return self.balances[:, JUNIOR_ACCRUED]

    @property
    def claim(self) -> np.ndarray:
        """Everything the fund is still owed: capital and accrued returns [money]."""
        return np.array([claim_one(b) for b in self.balances])


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


def _per_scenario(x: np.ndarray | float, s: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(x, dtype=float), (s,))


def accrue(
    state: FundState,
    senior_rate: np.ndarray | float,
    junior_rate: np.ndarray | float,
    dt: float,
    *,
    compound: bool = True,
) -> None:
    """Accrue one period of preferred return (in place): ``accrue_one`` for each scenario;
    rates (S,) or float [1/yr], ``dt`` [yr]."""
    s = state.balances.shape[0]
    sr, jr = _per_scenario(senior_rate, s), _per_scenario(junior_rate, s)
    for j in range(s):
        accrue_one(state.balances[j], sr[j], jr[j], dt, compound)


def invest(
    state: FundState,
    amount: np.ndarray,
    senior_share: float,
    *,
    senior_rate: float = 0.0,
    junior_rate: float = 0.0,
    stub: float = 0.0,
    compound: bool = True,
) -> None:
    """Add a contribution (S,) [money], split senior / junior, with its return over the
    ``stub`` [yr] of its own period after the contribution date (``invest_one``; in
    place)."""
    a = _per_scenario(amount, state.balances.shape[0])
    for j, b in enumerate(state.balances):
        invest_one(b, a[j], senior_share, senior_rate, junior_rate, stub, compound)


def distribute(
    state: FundState,
    cash: np.ndarray,
    capital_due: np.ndarray | bool,
    upside_share: float,
    returns_cap: np.ndarray | None = None,
) -> tuple[FundPayment, np.ndarray]:
    """Pay the fund from ``cash`` (S,) in waterfall order (``pay_one``); return the payment
    and the cash left for sponsor equity. ``capital_due`` (S,) or bool: whether capital may
    be returned this period (term ended, or an exit). ``returns_cap`` (S,), optional: most
    that may be paid as returns (preferred returns and upside) — distributable profit when
    distributions are limited to profit. Updates ``state`` in place."""
    s = state.balances.shape[0]
    c = _per_scenario(cash, s)
    due = np.broadcast_to(np.asarray(capital_due, dtype=bool), (s,))
    room = (
        np.full(s, np.inf)
        if returns_cap is None
        else np.maximum(_per_scenario(returns_cap, s), 0.0)
    )
    paid = np.zeros((5, s))
    left = np.zeros(s)
    row = np.zeros(5)
    for j in range(s):
        left[j] = pay_one(state.balances[j], c[j], bool(due[j]), upside_share, room[j], row)
        paid[:, j] = row
    return FundPayment(*paid), left
