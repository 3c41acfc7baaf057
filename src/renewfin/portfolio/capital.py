"""专项债用作资本金 across a portfolio: the provincial ratio of 国办发〔2024〕52号 (at most
30 % of the special bonds a province uses for project construction may count as project
capital; DOMAIN.md §5a), from the members' bond tranches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from renewfin.spec.model import ProjectSpec


@dataclass(frozen=True)
class BondCapital:
    """The portfolio's special bonds and the part counted as project capital."""

    table: pd.DataFrame
    """Per project and in total: bonds issued and counted as capital [万元], and the ratio."""
    cap: float
    """The provincial cap (``PortfolioSpec.bond_capital_cap``)."""

    @property
    def ratio(self) -> float:
        """Σ capital / Σ bonds over the portfolio (NaN without bonds)."""
        return float(self.table["ratio"].to_numpy(dtype=float)[-1])  # the total row

    @property
    def within_cap(self) -> bool:
        """The portfolio's ratio is at most the cap (true without bonds)."""
        return not self.ratio > self.cap + 1e-12


def bond_capital(keys: Sequence[str], specs: Sequence[ProjectSpec], cap: float) -> BondCapital:
    """Each member's special bonds issued and their part counted as project capital
    (Σ amount, Σ capital_share × amount), converted to 万元, and the portfolio's ratio."""
    rows = {}
    for key, spec in zip(keys, specs, strict=True):
        to_wan = spec.project.money_unit.yuan / 1e4
        bonds = spec.funding.special_bonds
        rows[key] = {
            "bonds": sum(b.amount for b in bonds) * to_wan,
            "as_capital": sum(b.amount * b.capital_share for b in bonds) * to_wan,
        }
    frame = pd.DataFrame(rows, index=["bonds", "as_capital"]).T
    frame.loc["合计 total"] = frame.sum()
    frame["ratio"] = (frame["as_capital"] / frame["bonds"]).where(frame["bonds"] > 0)
    return BondCapital(frame, cap)
