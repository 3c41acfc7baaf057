"""Profit before financing and the project investment cash flow (项目投资现金流量表).

Inflows: operating revenue, output VAT, operating subsidies (补贴收入), residual value or
REIT exit proceeds, working capital recovered (回收流动资金). Outflows:
construction investment (incl. VAT), working capital invested (流动资金), operating
costs, input VAT on them, VAT payable, taxes and surcharges. After-tax flows deduct the
adjusted income tax (调整所得税), the tax on EBIT before financing, with losses carried
forward.
"""

from __future__ import annotations

import numpy as np

from renewfin.core.context import RunContext
from renewfin.core.tax import holiday_factor, income_tax
from renewfin.finance import cumulative
from renewfin.ledger import Detail, Kind

DETAIL: Detail = (
    "cf.project.inflow",
    "cf.project.outflow",
    "cf.project.pre_tax_cumulative",
    "cf.project.after_tax_cumulative",
)
"""Lines only tables and reports show: a lean run leaves them out (``renewfin.lean``)."""


def tax_relief(ctx: RunContext) -> np.ndarray | float:
    """The share of the income-tax rate due each period: 三免三减半 when
    ``tax.income_tax_holiday`` (recorded as ``tax.holiday_factor``), else 1."""
    tax = ctx.spec.tax
    if not tax.income_tax_holiday:
        return 1.0
    factor = holiday_factor(
        ctx.ledger.raw("revenue.total"),
        ctx.timeline.ppy,
        tax.income_tax_holiday_exempt_years,
        tax.income_tax_holiday_half_years,
    )
    return ctx.ledger.add(
        "tax.holiday_factor",
        "所得税减免系数（三免三减半）",
        "Income-tax holiday factor (3 years exempt, 3 at half rate)",
        factor,
        group="tax",
        kind=Kind.RATIO,
    )


def build(ctx: RunContext) -> None:
    """Record EBITDA, EBIT before financing, adjusted income tax and the project cash flow."""
    led, tl = ctx.ledger, ctx.timeline
    r = led.raw
    ebitda = led.add(
        "pl.ebitda",
        "息税折旧摊销前利润",
        "EBITDA",
        r("revenue.total") - r("opex.total") - r("tax.taxes_and_surcharges"),
        group="profit",
    )
    gain = r("reit.net_proceeds") - r("dep.book_value_at_end") * (ctx.exit_period is not None)
    ebit = led.add(
        "pl.ebit_pre_financing",
        "息税前利润（融资前）",
        "EBIT before financing",
        ebitda + r("fiscal.operating_subsidies") - r("dep.total") + gain,
        group="profit",
    )
    # Taxable: the taxable operating subsidies, what the capital grants add (taxable grants
    # received, or the depreciation of 不征税收入-funded assets; renewfin.core.grants), and
    # book less tax depreciation (tax lives, renewfin.core.depreciation); the community-
    # services income not counted (减计收入, 2019年第76号 第一条(二)) is not taxable.
    untaxed = (
        r("fiscal.operating_subsidies")
        - r("fiscal.operating_subsidies_taxable")
        - r("grant.tax_adjustment")
        - r("dep_tax.adjustment")
        + (r("tax.income_reduction") if "tax.income_reduction" in led else 0.0)
    )
    rate = ctx.inputs.scalar("tax.income_tax_rate", ctx.rates.income_tax)
    relief = tax_relief(ctx)
    adjusted, _, _ = income_tax(
        ebit - untaxed, rate * relief, ctx.rates.loss_carryforward_years, tl.ppy
    )
    led.add(
        "tax.adjusted_income_tax",
        "调整所得税",
        "Adjusted income tax (on EBIT)",
        adjusted,
        group="tax",
    )
    inflow = led.add(
        "cf.project.inflow",
        "现金流入",
        "Cash inflow",
        r("revenue.total")
        + r("tax.output_vat")
        + r("fiscal.operating_subsidies")
        + r("dep.residual_value")
        + r("reit.net_proceeds")
        + r("wc.recovery")
        + r("tax.vat_refund"),
        group="cashflow",
    )
    outflow = led.add(
        "cf.project.outflow",
        "现金流出",
        "Cash outflow",
        r("capex.total")
        + r("opex.total")
        + r("opex.input_vat")
        + r("tax.vat_payable")
        + r("tax.taxes_and_surcharges")
        + r("wc.investment"),
        group="cashflow",
    )
    pre = led.add(
        "cf.project.pre_tax",
        "所得税前净现金流量",
        "Net cash flow before income tax",
        inflow - outflow,
        group="cashflow",
    )
    led.add(
        "cf.project.pre_tax_cumulative",
        "累计所得税前净现金流量",
        "Cumulative net cash flow before income tax",
        cumulative(pre),
        group="cashflow",
        kind=Kind.BALANCE,
    )
    after = led.add(
        "cf.project.after_tax",
        "所得税后净现金流量",
        "Net cash flow after income tax",
        pre - adjusted,
        group="cashflow",
    )
    led.add(
        "cf.project.after_tax_cumulative",
        "累计所得税后净现金流量",
        "Cumulative net cash flow after income tax",
        cumulative(after),
        group="cashflow",
        kind=Kind.BALANCE,
    )
