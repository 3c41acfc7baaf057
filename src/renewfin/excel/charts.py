"""Charts of the model workbook, drawn from yearly rows on the Ratios sheet: the cash-flow
waterfall by year, the same over the operating years without the exit year (so that the
exit proceeds do not dwarf them), debt balances, and coverage and DSCR by year with their
covenant floors. Categories are calendar years; the years after the last held one (after
a REIT exit) are left out; legends are bilingual.

The years shown are those of the run the workbook was written from: an edit that moves
the construction period or the exit does not move the charts' ranges."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.series import SeriesLabel

from renewfin.excel.book import FIRST, MONEY, At, Template

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

R = "Ratios"
PPY = "timeline.periods_per_year"


def chart_rows(w: ModelWriter) -> None:
    """Yearly series for the charts (flows summed by year, balances at year end)."""
    from renewfin.excel.ratios import yearly

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
        yearly(w, id + ".abs", zh, en, src)

        def signed(x: At, id: str = id, sign: int = sign) -> str:
            return f"={'-' if sign < 0 else ''}{x.p(id + '.abs')}"

        b.row(R, id, zh, en, signed, n=n)

    def year_end(src: str) -> Template:
        return lambda x: f"=INDEX({x.row_range(src)},({x.p('ratio.year')}+1)*{x.i(PPY)})"

    for id, zh, en, floor in (
        ("chart.floor.dscr", "贷款DSCR下限", "Loan DSCR floor", "xl.floor.dscr"),
        (
            "chart.floor.cover",
            "专项债覆盖倍数下限",
            "Bond coverage floor",
            "xl.floor.bond_coverage",
        ),
    ):

        def level(x: At, floor: str = floor) -> str:
            return f"={x.i(floor)}"

        b.row(R, id, zh, en, level, unit="-", fmt="0.00", total=False, n=n)
    for id, zh, en, src in (
        ("chart.cash", "累计盈余资金", "Cumulative cash", "cash.cumulative_surplus"),
        ("chart.bonds", "专项债余额", "Special-bond balance", "bond.closing"),
        ("chart.loans", "贷款余额", "Loan balance", "loan.closing"),
    ):
        b.row(R, id, zh, en, year_end(src), fmt=MONEY, total=False, n=n)


def shown_years(w: ModelWriter) -> tuple[int, int, int]:
    """Model years the charts show: (first operating year, last year shown, last operating
    year before an exit), from the run's flags (the last year shown is the last held)."""
    led, s = w.result.ledger, w.scenario
    ppy = w.result.timeline.ppy
    year = np.arange(w.spec.n_periods) // ppy
    held = year[np.asarray(led["flag.held"][s]) > 0]
    last = int(held.max()) if held.size else int(year[-1])
    building = year[np.asarray(led["flag.construction"][s]) > 0]
    first = min(int(building.max()) + 1, last) if building.size else 0
    exit_flag = led["reit.flag_exit"][s] if "reit.flag_exit" in led else np.zeros(len(year))
    exited = year[np.asarray(exit_flag) > 0]
    operating = max(first, int(exited.min()) - 1) if exited.size else last
    return first, last, operating


def _last_debt_year(w: ModelWriter) -> int:
    """The model year after the last period with a debt balance (where it reads 0), within
    the horizon; 0 without debt (a special bond runs to maturity after a REIT exit:
    DOMAIN.md §5)."""
    led, s = w.result.ledger, w.scenario
    owed = np.abs(np.asarray(led["bond.closing"][s])) + np.abs(np.asarray(led["loan.closing"][s]))
    periods = np.nonzero(owed > 1e-9)[0]
    if not periods.size:
        return 0
    return min(int(periods.max() + 1) // w.result.timeline.ppy, w.spec.timeline.horizon_years - 1)


FLOWS = [
    "chart.revenue",
    "chart.subsidy",
    "chart.exit",
    "chart.opex",
    "chart.taxes",
    "chart.debt_service",
    "chart.distributions",
]
"""The cash-flow chart's series (stacked bars)."""


def add_charts(w: ModelWriter) -> None:
    """Place the charts on a Charts sheet."""
    wb = w.book.wb
    ws = wb.create_sheet("Charts")
    data = wb[R]
    start, end, operating = shown_years(w)

    def add(chart: BarChart | LineChart, ids: list[str], a: int = 0, z: int = end) -> None:
        cats = Reference(
            data, min_col=FIRST + a, max_col=FIRST + z, min_row=w.book.cell("ratio.calendar").row
        )
        for id in ids:
            row = w.book.cell(id).row
            ref = Reference(data, min_col=FIRST + a, max_col=FIRST + z, min_row=row, max_row=row)
            chart.add_data(ref, from_rows=True, titles_from_data=False)
        for s, id in zip(chart.series, ids, strict=True):
            row = w.book.cell(id).row
            s.tx = SeriesLabel(v=f"{data.cell(row, 2).value} {data.cell(row, 3).value}")
            s.smooth = False
        chart.set_categories(cats)

    unit = w.spec.project.money_unit.value
    bar = BarChart()
    bar.type, bar.grouping, bar.overlap = "col", "stacked", 100
    bar.title = "现金流量构成 Cash flow by year"
    bar.y_axis.title = unit
    add(bar, FLOWS)
    line = LineChart()
    add(line, ["chart.cash"])
    bar += line
    bar.width, bar.height = 26, 12
    ws.add_chart(bar, "B2")

    ops = BarChart()
    ops.type, ops.grouping, ops.overlap = "col", "stacked", 100
    ops.title = "运营期现金流量（不含退出年） Cash flow in the operating years (exit year left out)"
    ops.y_axis.title = unit
    add(ops, [f for f in FLOWS if f != "chart.exit"], start, operating)
    ops.width, ops.height = 26, 12
    ws.add_chart(ops, "B28")

    debt = LineChart()
    debt.title = "债务余额 Debt balances (year end)"
    debt.y_axis.title = unit
    add(debt, ["chart.bonds", "chart.loans"], 0, max(end, _last_debt_year(w)))
    debt.width, debt.height = 26, 10
    ws.add_chart(debt, "B54")

    ratios = LineChart()
    ratios.title = "偿债备付率与专项债年度覆盖 DSCR and annual bond coverage by year, with floors"
    add(
        ratios,
        ["ratio.dscr", "ratio.annual_cover", "chart.floor.dscr", "chart.floor.cover"],
        start,
        operating,
    )
    for s in ratios.series[2:]:
        s.graphicalProperties.line.dashStyle = "dash"
    ratios.width, ratios.height = 26, 10
    ws.add_chart(ratios, "B76")
