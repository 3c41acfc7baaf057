"""Reserve accounts the lenders require: the maintenance reserve (MMRA, 大中修准备金) and
the capitalisation share of construction interest by phase.

The MMRA funds each occurrence of a cyclical major-maintenance cost in equal parts over
the operating periods since the break before it — the previous occurrence, or the last
period that was not in operation (construction) — and releases the balance to pay it in
the period it falls due. Contributions leave CFADS before debt service and the release
comes back into it, so the cost of a cycle is spread over the years before it. An
occurrence right after a break has nothing set aside for it; a cycle whose next occurrence
falls outside operation (after the horizon, after an exit, or after a return to
construction) is not funded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ReserveSchedule:
    """Corkscrew of a reserve account, each (S|1, T) [money]."""

    contribution: np.ndarray
    """Paid into the reserve."""
    release: np.ndarray
    """Paid out of it (to meet the cost it reserves for)."""
    balance: np.ndarray
    """Closing balance."""

    @property
    def opening(self) -> np.ndarray:
        """Opening balance of each period."""
        return np.concatenate([np.zeros_like(self.balance[:, :1]), self.balance[:, :-1]], axis=1)

    @property
    def net(self) -> np.ndarray:
        """Contribution less release: what the reserve takes out of the period's cash."""
        return self.contribution - self.release


def maintenance_reserve(cost: np.ndarray, operating: np.ndarray) -> ReserveSchedule:
    """The MMRA for cyclical costs.

    Parameters
    ----------
    cost : (S|1, T) array
        The cyclical costs the reserve funds, in the periods they fall due [money].
    operating : (S|1, T) array
        1 in periods of operation (held, not under construction), else 0.

    Returns
    -------
    ReserveSchedule
        (S, T) lines: in an operating period ``t`` between breaks ``b < t < u`` (a break is
        an occurrence ``cost > 0`` in operation, or a period not in operation), the
        contribution is ``cost[u] / (u − b − 1)`` when ``u`` is an occurrence (0 when it is a
        period out of operation); at an occurrence the release is the opening balance.
    """
    cost, operating = np.broadcast_arrays(
        np.atleast_2d(np.asarray(cost, dtype=float)),
        np.atleast_2d(np.asarray(operating, dtype=float)),
    )
    s, n = cost.shape
    on = operating > 0
    occ = (cost > 0) & on
    brk = occ | ~on
    # Last break before each period (−1 when none) and first break after it (n when none).
    last = np.full((s, n), -1, dtype=np.int64)
    for t in range(1, n):
        last[:, t] = np.where(brk[:, t - 1], t - 1, last[:, t - 1])
    nxt = np.full((s, n), n, dtype=np.int64)
    ahead = np.zeros((s, n))
    for t in range(n - 2, -1, -1):
        nxt[:, t] = np.where(brk[:, t + 1], t + 1, nxt[:, t + 1])
        ahead[:, t] = np.where(
            brk[:, t + 1], np.where(occ[:, t + 1], cost[:, t + 1], 0.0), ahead[:, t + 1]
        )
    span = np.maximum(nxt - last - 1, 1)
    contribution = np.where(on & ~occ, ahead / span, 0.0)
    release = np.zeros((s, n))
    balance = np.zeros((s, n))
    opening = np.zeros(s)
    for t in range(n):
        release[:, t] = np.where(occ[:, t], opening, 0.0)
        opening = opening + contribution[:, t] - release[:, t]
        balance[:, t] = opening
    return ReserveSchedule(contribution, release, balance)


def capitalisation_share(phase_capex: list[np.ndarray], building: list[np.ndarray]) -> np.ndarray:
    """Share of each period's interest on opening balances that is construction interest
    (capitalised), the rest being expensed, (S|1, T): the debt outstanding at the start of
    a period financed the investment spent before it, and interest is capitalised only on
    the part spent on phases still under construction.

    Parameters
    ----------
    phase_capex : list of (S|1, T) arrays
        Construction investment of each phase [money].
    building : list of (S|1, T) arrays
        1 while each phase is under construction, else 0.

    Returns
    -------
    (S|1, T) array
        ``Σ_p building_p(t) · C_p(t−1) / Σ_p C_p(t−1)`` with ``C_p(t−1)`` phase ``p``'s
        investment to the end of period ``t − 1``; 1 where nothing was spent before ``t``.
        The interest on a period's own drawings finances that period's spending, which is
        all on phases under construction, and is always capitalised.
    """
    cums = [np.cumsum(np.atleast_2d(c), axis=1) - np.atleast_2d(c) for c in phase_capex]
    total = sum(cums, np.zeros((1, 1)))
    building_part = sum(
        (c * np.atleast_2d(b) for c, b in zip(cums, building, strict=True)), np.zeros((1, 1))
    )
    return np.where(total > 1e-12, building_part / np.where(total > 1e-12, total, 1.0), 1.0)
