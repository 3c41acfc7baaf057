"""Why a metric is undefined, and where a minimum falls: per metric and scenario.

A ratio whose denominator is never due, whose numerator is negative where it is due, or
whose denominator is negligible (below 0.1 % of the numerator) is NaN, never a number; its
reason is kept here and shown as ``n/a — reason`` in the summary, the JSON document, the
report and the workbook (``renewfin.ratios.Why``). Each minimum also keeps the period it
falls in — the binding year of a covenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from renewfin.ratios import Why

NA = "n/a"
"""What an undefined metric shows."""

TERMS: dict[str, tuple[str, str]] = {
    "min_dscr": ("CFADS", "debt service"),
    "avg_dscr": ("CFADS", "debt service"),
    "min_loan_dscr": ("CFADS after bond service", "loan debt service"),
    "min_dscr_cn": ("EBITDA less income tax", "debt service"),
    "min_icr": ("EBIT", "interest"),
    "min_llcr": ("cash for the loans", "loan balance"),
    "plcr": ("cash for the loans", "loan balance"),
    "bond_coverage": ("project income", "bond debt service"),
    "total_debt_coverage": ("project income", "debt service"),
    "residual_coverage": ("project income after bond service", "loan debt service"),
    "min_annual_cash_coverage": ("project income", "bond debt service"),
    "min_cumulative_cash": ("cumulative cash", "operating period"),
}
"""The numerator and the denominator of each noted ratio, as the reasons name them."""


def reason_text(key: str, why: int, year: int | None = None) -> str:
    """``n/a — reason`` for a ``Why`` code of metric ``key`` ('' for ``Why.OK``); ``year``
    (calendar) names where a numerator is negative."""
    num, den = TERMS.get(key, ("the numerator", "the denominator"))
    if why == Why.OK:
        return ""
    if why == Why.NOT_DUE:
        text = f"no {den}" + ("" if den.endswith(("period", "balance")) else " due")
    elif why == Why.NEGATIVE:
        text = f"{num} negative" + (f" in {year}" if year is not None else "")
    elif why == Why.TINY:
        text = f"{den} below 0.1% of {num}"
    elif why == Why.NO_EQUITY:
        text = "no equity at risk"
    else:
        text = "no revenue"
    return f"{NA} — {text}"


@dataclass
class MetricNotes:
    """Reasons and binding periods of the metrics of a run."""

    years: np.ndarray
    """(T,) calendar year of each period."""
    why: dict[str, np.ndarray] = field(default_factory=dict)
    """Metric id → (S,) ``Why`` codes (int8)."""
    at: dict[str, np.ndarray] = field(default_factory=dict)
    """Metric id → (S,) period of the minimum, or of the first negative numerator (−1:
    none)."""

    def note(self, key: str, why: np.ndarray, at: np.ndarray | None = None) -> None:
        """Keep the codes (and the periods) of metric ``key``."""
        self.why[key] = np.asarray(why, dtype=np.int8)
        if at is not None:
            self.at[key] = np.asarray(at, dtype=np.int64)

    def reason(self, key: str, scenario: int = 0) -> str:
        """``n/a — reason`` when metric ``key`` is undefined in ``scenario``, else ''."""
        codes = self.why.get(key)
        if codes is None:
            return ""
        code = int(codes[min(scenario, codes.size - 1)])
        year = self.year(key, scenario) if code == Why.NEGATIVE else None
        return reason_text(key, code, year)

    def year(self, key: str, scenario: int = 0) -> int | None:
        """Calendar year of the period the minimum ``key`` falls in (or its first negative
        numerator); None when there is none."""
        at = self.at.get(key)
        if at is None:
            return None
        p = int(at[min(scenario, at.size - 1)])
        return int(self.years[p]) if 0 <= p < self.years.size else None

    def take(self, index: np.ndarray) -> MetricNotes:
        """The notes of the scenarios ``index`` (S',), in that order."""
        return MetricNotes(
            self.years,
            {k: v[np.minimum(index, v.size - 1)] for k, v in self.why.items()},
            {k: v[np.minimum(index, v.size - 1)] for k, v in self.at.items()},
        )


def tested(values: np.ndarray, why: np.ndarray | None) -> np.ndarray:
    """``values`` (S,) as a floor or a cap is tested against: an undefined cover whose
    numerator is negative (or that has no revenue) is below any floor (−inf); one with
    nothing due, or a negligible denominator, is above any (+inf); other NaN (an IRR with
    no root, an unconverged solve) stays NaN. ``why`` (S,) are the ``Why`` codes (None: no
    notes, the values unchanged)."""
    values = np.asarray(values, dtype=float)
    if why is None:
        return values
    why = np.broadcast_to(why, values.shape)
    nan = np.isnan(values)
    out = np.where(nan & np.isin(why, (Why.NEGATIVE, Why.NO_REVENUE)), -np.inf, values)
    return np.where(nan & np.isin(why, (Why.NOT_DUE, Why.TINY)), np.inf, out)
