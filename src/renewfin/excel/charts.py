"""Charts of the model workbook, drawn from yearly rows on the Ratios sheet: the cash-flow
waterfall by year, debt balances, and coverage and DSCR by year."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openpyxl.chart import BarChart, LineChart, Reference

from renewfin.excel.book import FIRST, MONEY, At, Template

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

R = "Ratios"
PPY = "timeline.periods_per_year"


def chart_rows(w: ModelWriter) -> None:
    """Yearly series for the charts (flows summed by year, balances at year end)."""
    from renewfin.excel.outputs import _yearly

    b = w.book
    n = w.spec.timeline.horizon_years
    b.section(R, "图表数据 Chart data (by year)")
    flows = [
        ("chart.revenue", "营业收入", "Revenue", "revenue.total", 1),
        ("chart.subsidy", "补贴收入", "Subsidies", "pl.subsidy_income", 1),
        ("chart.exit", "REITs退出净收入", "REIT exit proceeds", "reit.net_proceeds", 1),
        ("chart.opex", "经营成本", "Operating costs", "opex.total", -1),
        ("chart.taxes", "税金", "Taxes", "xl.chart_taxes", -1),
        ("chart.debt_service", "还本付息", "Debt service", "xl.chart_debt", -1),
        ("chart.distributions", "股东及基金分配", "Distributions", "xl.chart_dist", -1),
    ]
    b.row(
        "Metrics",
        "xl.chart_taxes",
        "税金（图表）",
        "Taxes (chart)",
        lambda x: (
            f"={x.p('tax.vat_payable')}+{x.p('tax.taxes_and_surcharges')}+{x.p('tax.income_tax')}"
        ),
    )
    b.row(
        "Metrics",
        "xl.chart_debt",
        "还本付息（图表）",
        "Debt service (chart)",
        lambda x: f"={x.p('cash.bond_debt_service')}+{x.p('cash.loan_debt_service')}",
    )
    b.row(
        "Metrics",
        "xl.chart_dist",
        "分配（图表）",
        "Distributions (chart)",
        lambda x: f"={x.p('equity.distribution')}+{x.p('fund.paid')}",
    )
    for id, zh, en, src, sign in flows:
        _yearly(w, id + ".abs", zh, en, src)

        def signed(x: At, id: str = id, sign: int = sign) -> str:
            return f"={'-' if sign < 0 else ''}{x.p(id + '.abs')}"

        b.row(R, id, zh, en, signed, n=n)

    def year_end(src: str) -> Template:
        return lambda x: f"=INDEX({x.row_range(src)},({x.p('ratio.year')}+1)*{x.i(PPY)})"

    for id, zh, en, src in (
        ("chart.cash", "累计盈余资金", "Cumulative cash", "cash.cumulative_surplus"),
        ("chart.bonds", "专项债余额", "Special-bond balance", "bond.closing"),
        ("chart.loans", "贷款余额", "Loan balance", "loan.closing"),
    ):
        b.row(R, id, zh, en, year_end(src), fmt=MONEY, total=False, n=n)


def add_charts(w: ModelWriter) -> None:
    """Place the charts on a Charts sheet."""
    wb = w.book.wb
    ws = wb.create_sheet("Charts")
    data = wb[R]
    n = w.spec.timeline.horizon_years
    first, last = FIRST, FIRST + n - 1
    cats = Reference(data, min_col=first, max_col=last, min_row=w.book.cell("ratio.year").row)

    def series_ref(id: str) -> Reference:
        row = w.book.cell(id).row
        return Reference(data, min_col=first, max_col=last, min_row=row, max_row=row)

    def add(chart: BarChart | LineChart, ids: list[str]) -> None:
        for id in ids:
            chart.add_data(series_ref(id), from_rows=True, titles_from_data=False)
        for s, id in zip(chart.series, ids, strict=True):
            from openpyxl.chart.series import SeriesLabel

            s.tx = SeriesLabel(v=data.cell(w.book.cell(id).row, 3).value)
            s.smooth = False
        chart.set_categories(cats)

    bar = BarChart()
    bar.type, bar.grouping, bar.overlap = "col", "stacked", 100
    bar.title = "现金流量构成 Cash flow by year"
    bar.y_axis.title = w.spec.project.money_unit.value
    add(
        bar,
        [
            "chart.revenue",
            "chart.subsidy",
            "chart.exit",
            "chart.opex",
            "chart.taxes",
            "chart.debt_service",
            "chart.distributions",
        ],
    )
    line = LineChart()
    add(line, ["chart.cash"])
    bar += line
    bar.width, bar.height = 26, 12
    ws.add_chart(bar, "B2")

    debt = LineChart()
    debt.title = "债务余额 Debt balances (year end)"
    debt.y_axis.title = w.spec.project.money_unit.value
    add(debt, ["chart.bonds", "chart.loans"])
    debt.width, debt.height = 26, 10
    ws.add_chart(debt, "B28")

    ratios = LineChart()
    ratios.title = "偿债备付率与专项债年度覆盖 DSCR and annual bond coverage by year"
    add(ratios, ["ratio.dscr", "ratio.annual_cover"])
    ratios.width, ratios.height = 26, 10
    ws.add_chart(ratios, "B50")
