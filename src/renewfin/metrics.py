"""Headline metrics, vectorised over scenarios: one (S,) array per metric.

Every metric has a stable id (a column of ``Result.metrics`` and a key of the JSON
output), a Chinese and an English label and a unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renewfin import finance
from renewfin.ledger import Ledger
from renewfin.spec.model import ProjectSpec


@dataclass(frozen=True)
class MetricInfo:
    """Labels and unit of a metric."""

    zh: str
    en: str
    unit: str
    """``money`` (the spec's unit), ``rate`` (fraction per year), ``years`` or ``ratio``."""


METRICS: dict[str, MetricInfo] = {
    "total_investment": MetricInfo("建设投资", "Construction investment", "money"),
    "total_revenue": MetricInfo("营业收入合计", "Total operating revenue", "money"),
    "total_opex": MetricInfo("经营成本合计", "Total operating costs", "money"),
    "total_taxes": MetricInfo("税费合计", "Total taxes", "money"),
    "project_irr_pre_tax": MetricInfo("项目投资财务内部收益率（所得税前）",
                                      "Project IRR before income tax", "rate"),
    "project_irr_after_tax": MetricInfo("项目投资财务内部收益率（所得税后）",
                                        "Project IRR after income tax", "rate"),
    "project_npv_pre_tax": MetricInfo("项目投资财务净现值（所得税前）",
                                      "Project NPV before income tax", "money"),
    "project_npv": MetricInfo("项目投资财务净现值（所得税后）", "Project NPV after income tax",
                              "money"),
    "payback_pre_tax": MetricInfo("静态投资回收期（所得税前）",
                                  "Static payback before income tax", "years"),
    "payback_after_tax": MetricInfo("静态投资回收期（所得税后）",
                                    "Static payback after income tax", "years"),
    "discounted_payback": MetricInfo("动态投资回收期（所得税后）",
                                     "Discounted payback after income tax", "years"),
}


def project_metrics(
    ledger: Ledger, spec: ProjectSpec, diagnostics: list[str]
) -> dict[str, np.ndarray]:
    """Pre-financing metrics of a run, each (S,).

    NPVs discount each period's flow at its end (Excel ``NPV()`` convention) at
    ``evaluation.discount_rate``; paybacks are in years from the start of period 0."""
    ppy = spec.periods_per_year
    rate = spec.evaluation.discount_rate
    pre = ledger["cf.project.pre_tax"]
    after = ledger["cf.project.after_tax"]
    out: dict[str, np.ndarray] = {
        "total_investment": ledger["capex.total"].sum(axis=1),
        "total_revenue": ledger["revenue.total"].sum(axis=1),
        "total_opex": ledger["opex.total"].sum(axis=1),
        "total_taxes": (
            ledger["tax.vat_payable"] + ledger["tax.taxes_and_surcharges"]
            + ledger["tax.adjusted_income_tax"]
        ).sum(axis=1),
    }
    for key, flows in (("project_irr_pre_tax", pre), ("project_irr_after_tax", after)):
        values, reasons = finance.irr(flows, ppy, with_reason=True)
        out[key] = values
        note_reasons(diagnostics, key, reasons)
    out["project_npv_pre_tax"] = finance.npv(rate, pre, ppy)
    out["project_npv"] = finance.npv(rate, after, ppy)
    out["payback_pre_tax"] = finance.payback_period(pre, ppy)
    out["payback_after_tax"] = finance.payback_period(after, ppy)
    out["discounted_payback"] = finance.payback_period(after, ppy, discount_rate=rate)
    return out


def note_reasons(diagnostics: list[str], key: str, reasons: np.ndarray) -> None:
    """Add a diagnostic line for each IRR failure reason that occurred."""
    codes, counts = np.unique(reasons, return_counts=True)
    for code, count in zip(codes.tolist(), counts.tolist(), strict=True):
        if code == finance.IrrReason.OK:
            continue
        where = "" if reasons.size == 1 else f" in {count} of {reasons.size} scenarios"
        diagnostics.append(f"{key}: {finance.irr_reason_text(code)}{where}")
