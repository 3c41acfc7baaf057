"""土地增值税 on the sales of property and land use rights, in the workbook: prepaid on the
proceeds, settled in one period on the appreciation by bracket (``renewfin.core.tax._lat``);
the exit's LAT is in ``renewfin.excel.exit_taxes``."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from renewfin.excel.book import FLAG, At
from renewfin.excel.exit_taxes import lat_bracket_params, lat_cost

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter
    from renewfin.spec.revenue import RevenueStream
    from renewfin.spec.tax import TaxRates


S = "Tax"
"""The sheet the LAT rows are written on."""
PPY = "timeline.periods_per_year"
"""The input holding the periods per year."""


def lat_rows(w: ModelWriter) -> bool:
    """土地增值税: prepaid on proceeds, settled in one period on the appreciation by
    bracket (renewfin.core.tax._lat and lat_due). Returns whether any stream bears it."""
    rates = w.result_rates()
    subject = [r for r in w.spec.revenues if rates.lat_applies(r)]
    if not subject:
        return False
    w.book.section(S, "土地增值税 Land appreciation tax")
    _lat_params(w, rates, subject)
    _lat_base_rows(w, subject)
    _lat_bracket_rows(w)
    _lat_settlement_rows(w)
    return True


def _lat_params(w: ModelWriter, rates: TaxRates, subject: list[RevenueStream]) -> None:
    """The LAT inputs: prepayment rate, settlement lag (years), the deduction shares and
    switches, the bracket table and each subject stream's sales years (years)."""
    lat = w.spec.tax.land_appreciation
    P = w.param
    P("xl.lat_prepayment", rates.lat_prepayment, "土地增值税预征率", "LAT prepayment rate")
    P(
        "xl.lat_lag",
        lat.settlement_lag_years,
        "清算滞后年数",
        "Years from the last sale to settlement",
        "yr",
    )
    P("xl.lat_cost_share", lat.cost_share, "扣除成本分摊比例", "Share of cost attributable")
    P("xl.lat_expense_rate", lat.expense_rate, "开发费用扣除比例", "Development-expense rate")
    P("xl.lat_uplift", float(lat.developer_uplift), "加计扣除（1 = 是）", "20 % uplift (1 = yes)")
    P("xl.lat_ordinary", float(lat.ordinary_housing), "普通住宅（1 = 是）", "Ordinary housing")
    P("xl.lat_exemption", lat.exemption_ratio, "普通住宅免税增值率", "Exemption ratio")
    lat_bracket_params(w)
    for r in subject:
        P(
            f"xl.sales_years[{r.name}]",
            len(r.schedule or []),
            f"销售年数：{r.name}",
            f"Sales years: {r.name}",
            "yr",
        )


def _lat_base_rows(w: ModelWriter, subject: list[RevenueStream]) -> None:
    """The LAT base (yuan): taxable proceeds and their output VAT by period, the
    settlement period, the attributable cost, the deductions and the appreciation."""
    b = w.book
    b.row(
        S,
        "xl.lat_proceeds",
        "土地增值税应税收入",
        "Proceeds subject to LAT",
        lambda x: "=" + "+".join(x.p(f"revenue.stream[{r.name}]") for r in subject),
    )
    b.row(
        S,
        "xl.lat_vat",
        "转让收入销项税额",
        "Output VAT on the transfer",
        lambda x: (
            "="
            + "+".join(
                f"{x.p(f'revenue.stream[{r.name}]')}*{x.i(f'xl.vat_rate[{r.name}]')}"
                for r in subject
            )
        ),
    )
    b.constant(
        S,
        "xl.lat_settle",
        "清算期",
        "Settlement period",
        lambda x: (
            "=MIN(MAX("
            + ",".join(
                f"{x.p(f'xl.start[{r.name}]')}+{x.i(f'xl.sales_years[{r.name}]')}*{x.i(PPY)}-1"
                for r in subject
            )
            + f")+ROUND({x.i('xl.lat_lag')}*{x.i(PPY)},0),{x.p('xl.last_held')})"
        ),
        unit="-",
        fmt=FLAG,
    )
    b.constant(
        S,
        "xl.lat_cost",
        "取得土地及开发成本（分摊）",
        "Land and development cost attributable",
        lambda x: f"={x.i('xl.lat_cost_share')}*({lat_cost(w, x, True)}+{lat_cost(w, x, False)})",
    )
    b.constant(
        S,
        "xl.lat_deductions",
        "扣除项目金额",
        "Deductions",
        lambda x: (
            f"={x.p('xl.lat_cost')}*(1+{x.i('xl.lat_expense_rate')}+0.2*{x.i('xl.lat_uplift')})+"
            f"{x.i('tax.surcharge_rate')}*MAX(SUM({x.row_range('xl.lat_vat')})-"
            f"{x.i('xl.lat_cost_share')}*SUM({x.row_range('capex.input_vat')}),0)"
        ),
    )
    b.constant(
        S,
        "xl.lat_x",
        "土地增值额",
        "Appreciation",
        lambda x: f"=SUM({x.row_range('xl.lat_proceeds')})-{x.p('xl.lat_deductions')}",
    )


def _lat_bracket_rows(w: ModelWriter) -> None:
    """The tax (yuan) if the appreciation falls in each bracket, and the LAT due on
    settlement (the ordinary-housing exemption applied)."""
    b, lat = w.book, w.spec.tax.land_appreciation
    brackets = lat.brackets

    def bracket(x: At, k: int = 0) -> str:
        """The tax if the appreciation falls in bracket ``k``, else 0."""
        X, D = x.p("xl.lat_x"), x.p("xl.lat_deductions")
        lo = "0" if k == 0 else x.i(f"xl.lat_up[{k - 1}]")
        up = f"({X}>0)" if brackets[k].up_to is None else f"({X}<={x.i(f'xl.lat_up[{k}]')}*{D})"
        return (
            f"=({X}>{lo}*{D})*{up}*({X}*{x.i(f'xl.lat_rate[{k}]')}-{D}*{x.i(f'xl.lat_quick[{k}]')})"
        )

    for k in range(len(brackets)):
        b.constant(
            S,
            f"xl.lat_bracket[{k}]",
            f"第{k + 1}级税额（增值率在本级时）",
            f"Tax if in bracket {k + 1}",
            functools.partial(bracket, k=k),
        )

    def due(x: At) -> str:
        """The LAT due: the bracket taxes summed, nil if the ordinary-housing exemption holds."""
        X, D = x.p("xl.lat_x"), x.p("xl.lat_deductions")
        parts = "+".join(x.p(f"xl.lat_bracket[{k}]") for k in range(len(brackets)))
        return f"=(1-{x.i('xl.lat_ordinary')}*({X}<={x.i('xl.lat_exemption')}*{D}))*({parts})"

    b.constant(S, "xl.lat_due", "应纳土地增值税（清算）", "LAT due on settlement", due)


def _lat_settlement_rows(w: ModelWriter) -> None:
    """The LAT by period (yuan): the settlement flag, the prepayment, the settlement
    top-up or refund, the deductions and appreciation shown in the settlement period,
    and the total."""
    b = w.book
    b.row(
        S,
        "xl.lat_flag",
        "清算期标志",
        "Settlement flag",
        lambda x: f"=({x.p('time.period')}={x.p('xl.lat_settle')})",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    b.row(
        S,
        "tax.lat_prepaid",
        "土地增值税预缴",
        "Land appreciation tax prepaid",
        lambda x: f"={x.p('xl.lat_proceeds')}*{x.i('xl.lat_prepayment')}",
    )
    b.row(
        S,
        "tax.lat_settlement",
        "土地增值税清算补（退）税",
        "Land appreciation tax settled (top-up, or refund if negative)",
        lambda x: (
            f"={x.p('xl.lat_flag')}*({x.p('xl.lat_due')}-SUM({x.row_range('tax.lat_prepaid')}))"
        ),
    )
    b.row(
        S,
        "tax.lat_deductions",
        "土地增值税扣除项目金额（清算期）",
        "LAT deductions (in the settlement period)",
        lambda x: f"={x.p('xl.lat_flag')}*{x.p('xl.lat_deductions')}",
    )
    b.row(
        S,
        "tax.lat_appreciation",
        "土地增值额（清算期）",
        "Land appreciation (in the settlement period)",
        lambda x: f"={x.p('xl.lat_flag')}*{x.p('xl.lat_x')}",
    )
    b.row(
        S,
        "tax.land_appreciation",
        "土地增值税",
        "Land appreciation tax",
        lambda x: f"={x.p('tax.lat_prepaid')}+{x.p('tax.lat_settlement')}",
    )
