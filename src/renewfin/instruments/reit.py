"""REIT exit (基础设施公募REITs): valuation and eligibility.

Reference: DOMAIN.md §5 — income-approach valuation (DCF at 6–7.5 % or NOI / cap rate
4–5.5 %); eligibility: ≥ 3 years of operation, projected distribution rate ≥ 3.8 % in
each of the next 3 years (ownership) or IRR ≥ 5 % (concession), first issue ≥ 10 亿元.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renewfin import finance


def noi_cap_value(noi_next_year: np.ndarray, cap_rate: np.ndarray | float) -> np.ndarray:
    """Value = forward annual NOI / cap rate [money], (S,)."""
    return noi_next_year / np.asarray(cap_rate, dtype=float)


def dcf_value(
    noi_after: np.ndarray,
    rate: np.ndarray | float,
    ppy: int,
    terminal_cap_rate: np.ndarray | float | None = None,
) -> np.ndarray:
    """Value = PV of NOI after the exit (end-of-period discounting) plus, when a terminal
    cap rate is given, the PV of (last year's NOI / cap rate) at the end [money], (S,).

    ``noi_after`` (S, n) NOI of the periods after the exit [money]."""
    rate = np.asarray(rate, dtype=float).reshape(-1)
    value = np.asarray(finance.npv(rate, noi_after, ppy))  # (S,): noi_after is (S, n)
    if terminal_cap_rate is not None and noi_after.shape[1] >= ppy:
        last_year = noi_after[:, -ppy:].sum(axis=1)
        n = noi_after.shape[1] / ppy
        value = value + last_year / np.asarray(terminal_cap_rate) / (1.0 + rate) ** n
    return value


@dataclass(frozen=True)
class Eligibility:
    """REIT eligibility tests, each (S,) bool, and the figures behind them."""

    operating_years: np.ndarray
    distribution_rates: np.ndarray
    """Projected distribution rate in each of the 3 years after exit, (S, 3)."""
    asset_irr: np.ndarray
    size_yi_yuan: np.ndarray
    years_ok: np.ndarray
    yield_ok: np.ndarray
    irr_ok: np.ndarray
    size_ok: np.ndarray

    @property
    def eligible(self) -> np.ndarray:
        """All applicable tests pass (yield for ownership or IRR for concession is folded in
        by the caller through ``yield_ok`` / ``irr_ok``)."""
        return self.years_ok & self.yield_ok & self.irr_ok & self.size_ok


def distributable_cash(
    noi: np.ndarray,
    revenue: np.ndarray,
    value: np.ndarray,
    ppy: int,
    *,
    fee_rate: np.ndarray | float,
    capex_rate: np.ndarray | float,
    tax_rate: np.ndarray | float,
    debt_service: np.ndarray | float,
) -> np.ndarray:
    """The REIT's distributable cash (可供分配金额) of each period, (S, n) [money]:
    ``NOI × (1 − tax_rate) − capex_rate × revenue − (fee_rate × value + debt_service) / ppy``.

    Parameters
    ----------
    noi, revenue : (S|1, n) arrays
        The asset's NOI and revenue in the periods after the exit [money].
    value : (S,) array
        The REIT's value at issue [money].
    ppy : int
        Periods per year.
    fee_rate : float or (S, 1) array
        Fund and manager fees a year as a share of value [1/yr].
    capex_rate : float or (S, 1) array
        Capital-expenditure reserve as a share of revenue.
    tax_rate : float or (S, 1) array
        Taxes at the SPV as a share of NOI.
    debt_service : float or (S, 1) array
        REIT-level debt service a year [money/yr].
    """
    fixed = (np.asarray(fee_rate) * value[:, None] + np.asarray(debt_service)) / ppy
    return noi * (1.0 - np.asarray(tax_rate)) - np.asarray(capex_rate) * revenue - fixed


def distribution_rates(distributable: np.ndarray, value: np.ndarray, ppy: int) -> np.ndarray:
    """Projected distribution rate (预计现金流分派率) of each of the first 3 years after the
    exit: the year's distributable cash / value, before the payout share (DOMAIN.md §5),
    (S, 3) (NaN for years beyond the horizon). ``distributable`` (S, n) [money] of the
    periods after the exit (``distributable_cash``)."""
    s = distributable.shape[0]
    out = np.full((s, 3), np.nan)
    for y in range(3):
        chunk = distributable[:, y * ppy : (y + 1) * ppy]
        if chunk.shape[1] == ppy:
            out[:, y] = chunk.sum(axis=1) / value
    return out


def asset_irr(noi_after: np.ndarray, value: np.ndarray, ppy: int) -> np.ndarray:
    """IRR of buying the asset at ``value`` and receiving its NOI to the end, (S,)."""
    flows = np.concatenate([-value[:, None], noi_after], axis=1)
    return np.asarray(finance.irr(flows, ppy))  # (S,): flows are (S, 1 + n)
