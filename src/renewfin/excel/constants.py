"""The spec constants the workbook's formulas need that the engine does not read as inputs
(periods, the last period held, phase starts, input VAT rates and credit shares, spending
schedules, price and cost unit factors, tax rates, subsidy years, the REIT exit's cost),
written on the Inputs sheet."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from renewfin.core.investment import input_vat_credit_share
from renewfin.excel import opex
from renewfin.excel.book import FIRST, col
from renewfin.spec.funding import FiscalUse
from renewfin.spec.investment import InvestmentCategory, InvestmentItem

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter


def derived_inputs(w: ModelWriter) -> None:
    """Spec constants the formulas need that the engine does not read as inputs."""
    timeline_constants(w)
    investment_constants(w)
    revenue_constants(w)
    opex.opex_inputs(w)
    tax_constants(w)
    funding_constants(w)


def timeline_constants(w: ModelWriter) -> None:
    """Periods a year and in the horizon, the last period held (the horizon's, or the REIT
    exit's), the exit flag and each phase's start year [yr]."""
    spec, tl = w.spec, w.spec.timeline
    P = w.param
    P("timeline.periods_per_year", tl.periods_per_year, "每年期数", "Periods per year", "-")
    P("xl.n_periods", tl.n_periods, "计算期期数", "Number of periods", "-")
    last = tl.n_periods - 1
    if spec.funding.reit_exit is not None:
        last = round(spec.funding.reit_exit.exit_year * tl.periods_per_year) - 1
    P(
        "xl.last_held_period",
        last,
        "最后持有期",
        "Last period held",
        "-",
        "the horizon, or the REIT exit period",
    )
    P(
        "xl.has_exit",
        float(spec.funding.reit_exit is not None),
        "是否REITs退出",
        "REIT exit (1 = yes)",
        "-",
    )
    for ph in tl.phases:
        P(
            f"timeline.phases[{ph.name}].start_year",
            ph.start_year,
            f"开工年：{ph.name}",
            f"Start year: {ph.name}",
            "yr",
        )


def investment_constants(w: ModelWriter) -> None:
    """Each investment item's input VAT rate and share credited, and for an item other
    than a contingency its yearly spending shares with their running sum and the length of
    each year's segment of its phase [yr]."""
    spec, rates = w.spec, w.result_rates()
    for item in spec.investment:
        rate = (
            item.input_vat_rate
            if item.input_vat_rate is not None
            else rates.capex_input_vat[item.category]
        )
        w.param(
            f"xl.capex_vat[{item.name}]",
            rate,
            f"进项税率：{item.name}",
            f"Input VAT rate: {item.name}",
            "-",
        )
        w.param(
            f"xl.capex_credit[{item.name}]",
            input_vat_credit_share(spec, item),
            f"进项税可抵扣比例：{item.name}",
            f"Share of input VAT credited: {item.name}",
            "-",
            "0 for works handed over to residents or the government, or when every "
            "revenue stream is on the simplified method (增值税法 第二十二条); else the "
            "stated share (by 建设规模, 国家税务总局公告2016年第18号 第十三条, or by sales)",
        )
        if item.category is not InvestmentCategory.CONTINGENCY:
            _schedule_vectors(w, item)


def _schedule_vectors(w: ModelWriter, item: InvestmentItem) -> None:
    """The item's yearly spending shares (stated, or even over its phase's duration), their
    running sums (formulas) and each year's segment of the phase [yr] (formulas)."""
    tl = w.spec.timeline
    ph = tl.phases[0] if item.phase is None else tl.phase(item.phase)
    years = ph.duration_years
    n = math.ceil(years - 1e-9)
    shares = item.schedule or [min(1.0, years - k) / years for k in range(n)]
    shares = list(shares) + [0.0] * (n - len(shares))
    rng = w.vector(
        f"xl.schedule[{item.name}]",
        shares,
        f"年度支出比例：{item.name}",
        f"Yearly shares: {item.name}",
    )
    start = rng.split(":")[0].replace("$", "").split("!")[1]
    first_col = FIRST
    row = int("".join(ch for ch in start if ch.isdigit()))
    cum = ["=0"] + [
        f"=SUM(Inputs!${col(first_col)}${row}:${col(first_col + k)}${row})" for k in range(n)
    ]
    w.vector(
        f"xl.schedule[{item.name}].cum",
        [],
        f"累计比例：{item.name}",
        f"Cumulative shares: {item.name}",
        formulas=cum,
    )
    dur = w.book.inputs[f"timeline.phases[{ph.name}].duration_years"]
    seg = [f"=MIN({k + 1},{dur})-{k}" for k in range(n)]
    w.vector(
        f"xl.schedule[{item.name}].seg",
        [],
        f"年段长度：{item.name}",
        f"Segment length: {item.name}",
        formulas=seg,
    )


def revenue_constants(w: ModelWriter) -> None:
    """Each revenue stream's price unit factor, price periods a year [1/yr], growth step
    and end year [yr], output VAT and rental property tax rates, and its sales schedule (a
    sale) or padded ramp-up factors (a recurring stream)."""
    spec, rates = w.spec, w.result_rates()
    P = w.param
    for r in spec.revenues:
        P(
            f"xl.money[{r.name}]",
            r.price_currency.yuan / spec.project.money_unit.yuan,
            f"价格单位换算：{r.name}",
            f"Price unit factor: {r.name}",
            "-",
        )
        if not r.kind.one_off:  # a sale's price is per unit sold, read per period
            P(
                f"xl.per_year[{r.name}]",
                r.price_per.per_year,
                f"每年计费次数：{r.name}",
                f"Price periods per year: {r.name}",
                "1/yr",
            )
        P(
            f"xl.growth_every[{r.name}]",
            r.growth_every_years,
            f"调价周期：{r.name}",
            f"Growth step: {r.name}",
            "yr",
        )
        if r.end_year is not None:
            P(
                f"xl.end_year[{r.name}]",
                r.end_year,
                f"结束年：{r.name}",
                f"End year: {r.name}",
                "yr",
            )
        vat = rates.output_vat_rate(r)
        P(f"xl.vat_rate[{r.name}]", vat, f"销项税率：{r.name}", f"Output VAT rate: {r.name}")
        ptax = rates.rental_property_rate(r)
        P(
            f"xl.ptax_rate[{r.name}]",
            ptax,
            f"房产税率（从租）：{r.name}",
            f"Property tax rate on rent: {r.name}",
        )
        if r.kind.one_off:
            w.vector(
                f"xl.sales[{r.name}]",
                [*list(r.schedule or []), 0.0],
                f"销售进度：{r.name}",
                f"Sales schedule: {r.name}",
            )
        else:
            ramp = w.value(f"revenues[{r.name}].ramp_up")
            assert isinstance(ramp, list)
            w.vector(
                f"revenues[{r.name}].ramp_up.padded",
                [*ramp, 1.0],
                f"培育期系数：{r.name}",
                f"Ramp-up factors: {r.name}",
            )


def tax_constants(w: ModelWriter) -> None:
    """The ad-valorem property tax's rate, deduction and share taxed, the community-services
    share exempt (2019年第76号), the loss carry-forward years [yr] and whether the residual
    value is recovered at the horizon."""
    spec, rates = w.spec, w.result_rates()
    P = w.param
    P(
        "xl.ptax_value_rate",
        rates.property_ad_valorem,
        "房产税率（从价）",
        "Property tax rate on value",
    )
    P(
        "xl.ptax_deduction",
        rates.property_ad_valorem_deduction,
        "从价扣除比例",
        "Deduction before the value rate",
    )
    P(
        "tax.property_tax_ad_valorem_share",
        rates.property_ad_valorem_share,
        "从价计税比例",
        "Share of building value taxed on value",
    )
    P(
        "tax.community_services_share",
        spec.tax.community_services_share,
        "社区养老托育家政服务用房、用地比例（免房产税、城镇土地使用税）",
        "Community-services share of the buildings and land (exempt from property and "
        "land-use tax)",
        "-",
        "2019年第76号 第一条",
        low=0,
        high=1,
    )
    P(
        "xl.carry_years",
        rates.loss_carryforward_years,
        "亏损弥补年限",
        "Loss carry-forward years",
        "yr",
    )
    P(
        "xl.include_residual",
        float(spec.evaluation.include_residual_value and spec.funding.reit_exit is None),
        "回收余值",
        "Recover residual value at the horizon (1 = yes; 0 with a REIT exit)",
        "-",
    )


def funding_constants(w: ModelWriter) -> None:
    """Each operating subsidy's start and years [yr], and the REIT exit's transaction cost
    rate."""
    spec = w.spec
    P = w.param
    for f in spec.funding.fiscal_funds:
        if f.use is FiscalUse.OPERATING_SUBSIDY:
            P(
                f"funding.fiscal_funds[{f.name}].start_year",
                f.start_year,
                f"补贴起始：{f.name}",
                f"Subsidy start: {f.name}",
                "yr",
            )
            if f.years is not None:
                P(
                    f"xl.subsidy_years[{f.name}]",
                    f.years,
                    f"补贴年限：{f.name}",
                    f"Subsidy years: {f.name}",
                    "yr",
                )
    if spec.funding.reit_exit is not None:
        P(
            "xl.reit_cost",
            spec.funding.reit_exit.transaction_cost_rate,
            "交易成本率",
            "Transaction cost rate",
        )
