"""Running a district: the combined company, each member alone, and with/without.

Three views of each member (``DistrictResult``):

- **standalone** — the member's spec exactly as written, run alone with its own funding
  (its own calendar, taxes and evaluation);
- **allocated** — what "alone" means in the balance test: the member on the district's
  calendar with its own funding plus its share (``member_shares``) of every district-level
  fund, bond amount and loan cap (``allocated_spec``);
- **contribution** — the district's headline metrics with and without the member: the
  combined spec re-run without it (district funding as stated, or scaled by the remaining
  members' shares), and the difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from renewfin.checks import checks_frame
from renewfin.district.combine import allocated_spec, combine, combined_spec, member_shares
from renewfin.district.spec import SEP, DistrictSpec
from renewfin.engine import Result, run
from renewfin.metrics import metric_info
from renewfin.tables import standard_tables

HEADLINE: tuple[str, ...] = (
    "total_investment",
    "total_revenue",
    "total_opex",
    "project_irr_after_tax",
    "project_npv",
    "equity_irr",
    "bond_amount",
    "loan_amount",
    "sponsor_equity",
    "bond_coverage",
    "total_debt_coverage",
    "min_dscr",
    "min_cumulative_cash",
)
"""Metrics shown for members and in the with/without comparison."""

COVERAGE: tuple[str, ...] = (
    "bond_coverage",
    "total_debt_coverage",
    "residual_coverage",
    "min_annual_cash_coverage",
    "min_cumulative_cash",
)
"""The special-bond balance metrics (收益与融资自求平衡)."""

DISTRICT = "片区"
"""Column label of the district in member tables."""


@dataclass
class DistrictResult:
    """Everything a district run produced (scenario 0 of deterministic runs)."""

    district: DistrictSpec
    combined: Result
    """The district as one project company: ledger, metrics, tables, checks."""
    standalone: dict[str, Result]
    """Each member's spec run alone with its own funding, by key."""
    allocated: dict[str, Result]
    """Each member alone on the district calendar with its share of the district funding."""
    shares: dict[str, float]
    """Each member's share of the district-level funding in its allocated view."""
    notes: list[str] = field(default_factory=list)
    """What combining the members changed or dropped."""
    _without: dict[tuple[str, bool], Result] = field(default_factory=dict, repr=False)

    @property
    def keys(self) -> list[str]:
        """Member keys, in order."""
        return self.district.keys

    @property
    def values(self) -> dict[str, np.ndarray]:
        """The combined run's metrics (id → (S,))."""
        return self.combined.values

    def metric(self, key: str) -> float:
        """One metric of the combined run."""
        return self.combined.metric(key)

    def tables(self, scenario: int = 0) -> dict[str, pd.DataFrame]:
        """The standard evaluation tables of the combined company."""
        return standard_tables(self.combined, scenario)

    def checks(self, scenario: int = 0) -> pd.DataFrame:
        """The model checks of the combined company."""
        return checks_frame(self.combined, scenario)

    def members_table(
        self, view: str = "standalone", metrics: Sequence[str] = HEADLINE
    ) -> pd.DataFrame:
        """Headline metrics (rows) of each member (columns, by key) in ``view``
        (``standalone`` or ``allocated``) beside the district's (column ``片区``)."""
        runs = {"standalone": self.standalone, "allocated": self.allocated}[view]
        cols = {k: [_value(r, m) for m in metrics] for k, r in runs.items()}
        cols[DISTRICT] = [_value(self.combined, m) for m in metrics]
        return pd.DataFrame(cols, index=pd.Index(list(metrics), name="metric"))

    def balance(self) -> pd.DataFrame:
        """收益与融资自求平衡 of the district and of each member alone (allocated view): the
        coverage metrics, the bond-coverage floor and whether the part balances (bond
        coverage at least the floor, or no bond; cumulative cash never below zero)."""
        rows = {DISTRICT: self.combined, **self.allocated}
        out = []
        for name, r in rows.items():
            row: dict[str, object] = {"part": name}
            for m in COVERAGE:
                row[m] = _value(r, m)
            floor = r.spec.funding.covenants.min_bond_coverage
            cov = float(row["bond_coverage"])  # type: ignore[arg-type]
            scale = max(1.0, abs(r.metric("total_project_investment")))
            cash_ok = float(row["min_cumulative_cash"]) >= -1e-6 * scale  # type: ignore[arg-type]
            row["floor"] = floor
            row["balanced"] = bool((np.isnan(cov) or cov >= floor - 1e-12) and cash_ok)
            out.append(row)
        return pd.DataFrame(out).set_index("part")

    def breakdown(self) -> pd.DataFrame:
        """Each member's part of the combined ledger's totals: construction investment
        (its items), operating revenue (its streams) and operating costs (its items) over
        the horizon, read by the ``key·`` prefix of the line items."""
        led = self.combined.ledger
        rows = []
        for k in self.keys:
            row: dict[str, object] = {"member": k}
            for col, prefix in (
                ("capex", "capex.item["),
                ("revenue", "revenue.stream["),
                ("opex", "opex.item["),
            ):
                ids = led.ids(prefix=f"{prefix}{k}{SEP}")
                row[col] = float(sum(led[i][0].sum() for i in ids))
            rows.append(row)
        return pd.DataFrame(rows).set_index("member")

    def without(self, key: str, scale_funding: bool = False) -> Result:
        """The combined company without member ``key`` (cached). District funding is as
        stated, or with ``scale_funding`` times the remaining members' share."""
        if (key, scale_funding) not in self._without:
            factor = 1.0 - self.shares[key] if scale_funding else 1.0
            spec = combined_spec(self.district, exclude={key}, funding_scale=factor)
            self._without[(key, scale_funding)] = run(spec)
        return self._without[(key, scale_funding)]

    def contributions(
        self, metrics: Sequence[str] = HEADLINE, scale_funding: bool = False
    ) -> pd.DataFrame:
        """The district's metrics with and without each member, and the difference.

        Returns
        -------
        DataFrame
            Index (``member``, ``metric``); columns ``with`` (the district), ``without``
            (the district re-run without the member; NaN for a one-member district) and
            ``contribution`` (= with − without).
        """
        rows = []
        for k in self.keys:
            other = None if len(self.keys) == 1 else self.without(k, scale_funding)
            for m in metrics:
                w = _value(self.combined, m)
                wo = np.nan if other is None else _value(other, m)
                rows.append(
                    {"member": k, "metric": m, "with": w, "without": wo, "contribution": w - wo}
                )
        return pd.DataFrame(rows).set_index(["member", "metric"])


def _value(result: Result, key: str) -> float:
    return result.metric(key) if key in result.values else float("nan")


def run_district(district: DistrictSpec) -> DistrictResult:
    """Run a district: the combined company, each member standalone and allocated.

    The with/without runs of ``DistrictResult.contributions`` are made on demand.

    Raises
    ------
    SpecError
        When a member's allocated view is not a valid spec (for instance a member whose
        bond capital cap is below a district bond's capital share).
    """
    combo = combine(district)
    shares = member_shares(district)
    combined = run(combo.spec)
    standalone = {m.key: run(m.project) for m in district.projects}
    allocated = {
        m.key: run(allocated_spec(district, m.key, shares[m.key])) for m in district.projects
    }
    return DistrictResult(district, combined, standalone, allocated, shares, list(combo.notes))


def metric_label(key: str) -> str:
    """``中文 English`` label of a metric."""
    info = metric_info(key)
    return f"{info.zh} {info.en}"


__all__ = ["COVERAGE", "DISTRICT", "HEADLINE", "DistrictResult", "metric_label", "run_district"]
