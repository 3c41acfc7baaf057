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
    """``money`` (the spec's unit), ``rate`` (fraction per year), ``share`` (a fraction shown
    as %), ``years``, ``ratio`` or ``flag``."""


METRICS: dict[str, MetricInfo] = {
    "total_investment": MetricInfo("建设投资", "Construction investment", "money"),
    "total_revenue": MetricInfo("营业收入合计", "Total operating revenue", "money"),
    "total_opex": MetricInfo("经营成本合计", "Total operating costs", "money"),
    "total_taxes": MetricInfo("税费合计", "Total taxes", "money"),
    "project_irr_pre_tax": MetricInfo(
        "项目投资财务内部收益率（所得税前）", "Project IRR before income tax", "rate"
    ),
    "project_irr_after_tax": MetricInfo(
        "项目投资财务内部收益率（所得税后）", "Project IRR after income tax", "rate"
    ),
    "project_npv_pre_tax": MetricInfo(
        "项目投资财务净现值（所得税前）", "Project NPV before income tax", "money"
    ),
    "project_npv": MetricInfo(
        "项目投资财务净现值（所得税后）", "Project NPV after income tax", "money"
    ),
    "payback_pre_tax": MetricInfo(
        "静态投资回收期（所得税前）", "Static payback before income tax", "years"
    ),
    "payback_after_tax": MetricInfo(
        "静态投资回收期（所得税后）", "Static payback after income tax", "years"
    ),
    "discounted_payback": MetricInfo(
        "动态投资回收期（所得税后）", "Discounted payback after income tax", "years"
    ),
    "total_project_investment": MetricInfo("项目总投资", "Total project investment", "money"),
    "idc": MetricInfo("建设期利息", "Interest during construction", "money"),
    "equity_irr": MetricInfo("资本金财务内部收益率", "Equity IRR", "rate"),
    "equity_npv": MetricInfo("资本金财务净现值", "Equity NPV", "money"),
    "min_dscr_cn": MetricInfo(
        "最低偿债备付率",
        "Min. debt service coverage (第三版)",
        "ratio",
    ),
    "min_icr": MetricInfo("最低利息备付率", "Min. interest coverage (第三版)", "ratio"),
    "min_dscr": MetricInfo(
        "最低DSCR（银行口径，全部债务）",
        "Min. DSCR, all debt (bank)",
        "ratio",
    ),
    "avg_dscr": MetricInfo(
        "平均DSCR（银行口径，全部债务）",
        "Avg. DSCR, all debt (bank)",
        "ratio",
    ),
    "min_loan_dscr": MetricInfo(
        "最低贷款DSCR（专项债优先后）",
        "Min. loan DSCR after bonds (bank)",
        "ratio",
    ),
    "min_llcr": MetricInfo("最低LLCR（贷款期偿债覆盖率）", "Min. LLCR (bank)", "ratio"),
    "plcr": MetricInfo("PLCR（项目期偿债覆盖率）", "PLCR (bank)", "ratio"),
    "bond_coverage": MetricInfo("专项债本息覆盖倍数", "Bond coverage multiple", "ratio"),
    "bond_coverage_with_exit": MetricInfo(
        "专项债本息覆盖倍数（含退出收入）", "Bond coverage incl. exit proceeds", "ratio"
    ),
    "total_debt_coverage": MetricInfo(
        "全部债务本息覆盖倍数", "Total-debt coverage multiple", "ratio"
    ),
    "residual_coverage": MetricInfo(
        "专项债优先后市场化融资覆盖倍数", "Residual coverage after bond-first service", "ratio"
    ),
    "min_annual_cash_coverage": MetricInfo(
        "最低年度专项债偿债覆盖", "Minimum annual bond cash coverage", "ratio"
    ),
    "min_cumulative_cash": MetricInfo(
        "运营期最低累计盈余资金", "Minimum cumulative cash in operation", "money"
    ),
    "capital_ratio": MetricInfo("资本金比例", "Capital ratio", "share"),
    "equity_instrument_share": MetricInfo(
        "权益型金融工具占资本金比例", "Equity-type instruments in project capital", "share"
    ),
    "fiscal_outlay": MetricInfo("财政资金投入", "Fiscal outlay", "money"),
    "fiscal_leverage": MetricInfo("财政资金撬动比", "Fiscal leverage", "ratio"),
    "bond_amount": MetricInfo("专项债发行规模", "Special bonds issued", "money"),
    "loan_amount": MetricInfo("贷款提款额", "Loans drawn", "money"),
    "sponsor_equity": MetricInfo("股东资本金", "Sponsor equity", "money"),
    "reit_exit_value": MetricInfo("REITs退出估值", "REIT exit value", "money"),
    "reit_retained_units": MetricInfo(
        "原始权益人持有REITs份额", "REIT units retained by the owner", "money"
    ),
    "reit_reinvested": MetricInfo("回收资金再投资", "Recovered money reinvested", "money"),
    "equity_irr_other_convention": MetricInfo(
        "资本金财务内部收益率（再投资另一口径）",
        "Equity IRR, other reinvestment basis",
        "rate",
    ),
    "escrow_deposit": MetricInfo(
        "专项债偿债准备金存入额", "Bond-repayment reserve deposit", "money"
    ),
    "land_set_asides": MetricInfo("土地出让收入计提合计", "Land-revenue set-asides", "money"),
    "reit_distribution_yield": MetricInfo("REITs预计现金分派率", "REIT distribution yield", "rate"),
    "reit_asset_irr": MetricInfo("REITs资产内部收益率", "REIT asset IRR", "rate"),
    "reit_operating_years": MetricInfo("退出前运营年限", "Years operated before exit", "years"),
    "reit_size_yi_yuan": MetricInfo("REITs发行规模（亿元）", "REIT size (亿元)", "ratio"),
    "reit_eligible": MetricInfo("REITs发行条件是否满足", "REIT eligible (1 = yes)", "flag"),
}

PROJECT_RETURNS = (
    "project_irr_pre_tax",
    "project_irr_after_tax",
    "project_npv_pre_tax",
    "project_npv",
    "payback_pre_tax",
    "payback_after_tax",
    "discounted_payback",
)
"""The project-investment return metrics (项目投资现金流量表), in reporting order."""
EQUITY_RETURNS = ("equity_irr", "equity_irr_other_convention", "equity_npv")
"""The project-capital return metrics (on distributions to shareholders)."""


def metric_info(key: str) -> MetricInfo:
    """Labels and unit of a metric, including per-party and per-loan keys such as
    ``party_irr[城投公司]`` and ``loan_size[国开行贷款]``."""
    if key in METRICS:
        return METRICS[key]
    name = key[key.index("[") + 1 : -1] if "[" in key else key
    if key.startswith("party_irr["):
        return MetricInfo(f"{name}内部收益率", f"IRR: {name}", "rate")
    if key.startswith("party_moic["):
        return MetricInfo(f"{name}投资倍数", f"MOIC: {name}", "ratio")
    if key.startswith("loan_size["):
        return MetricInfo(f"{name}授信额度", f"Loan facility: {name}", "money")
    return MetricInfo(key, key, "ratio")


def project_metrics(
    ledger: Ledger,
    spec: ProjectSpec,
    diagnostics: list[str],
    discount_rate: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Pre-financing metrics of a run, each (S,).

    NPVs discount each period's flow at its end (Excel ``NPV()`` convention) at
    ``discount_rate`` ((S,) or (1,) [1/yr]; default ``evaluation.discount_rate``); paybacks
    are in years from the start of period 0."""
    ppy = spec.periods_per_year
    rate = spec.evaluation.discount_rate if discount_rate is None else discount_rate
    pre = ledger["cf.project.pre_tax"]
    after = ledger["cf.project.after_tax"]
    out: dict[str, np.ndarray] = {
        "total_investment": ledger["capex.total"].sum(axis=1),
        "total_revenue": ledger["revenue.total"].sum(axis=1),
        "total_opex": ledger["opex.total"].sum(axis=1),
        "total_taxes": (
            ledger["tax.vat_payable"]
            + ledger["tax.taxes_and_surcharges"]
            + ledger["tax.adjusted_income_tax"]
        ).sum(axis=1),
    }
    for key, flows in (("project_irr_pre_tax", pre), ("project_irr_after_tax", after)):
        # The ledger's flows are (S, T), so the finance functions return (S,) arrays.
        values, reasons = finance.irr(flows, ppy, with_reason=True)
        out[key] = np.asarray(values)
        note_reasons(diagnostics, key, np.asarray(reasons))
    out["project_npv_pre_tax"] = np.asarray(finance.npv(rate, pre, ppy))
    out["project_npv"] = np.asarray(finance.npv(rate, after, ppy))
    out["payback_pre_tax"] = np.asarray(finance.payback_period(pre, ppy))
    out["payback_after_tax"] = np.asarray(finance.payback_period(after, ppy))
    out["discounted_payback"] = np.asarray(finance.payback_period(after, ppy, discount_rate=rate))
    return out


def note_reasons(diagnostics: list[str], key: str, reasons: np.ndarray) -> None:
    """Add a diagnostic line for each IRR failure reason that occurred."""
    codes, counts = np.unique(reasons, return_counts=True)
    for code, count in zip(codes.tolist(), counts.tolist(), strict=True):
        if code == finance.IrrReason.OK:
            continue
        where = "" if reasons.size == 1 else f" in {count} of {reasons.size} scenarios"
        diagnostics.append(f"{key}: {finance.irr_reason_text(code)}{where}")
