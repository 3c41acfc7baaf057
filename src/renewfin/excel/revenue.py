"""Workbook rows of the revenue by stream (renewfin.core.revenue): each stream's first
period, active flag and price index; the units sold or utilised and the revenue if held
to the horizon (with the land-transfer, set-aside, reimbursement and resettlement lines);
the revenue and units while held, and the totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from renewfin.core.revenue import KIND_ZH
from renewfin.excel.book import FLAG, MONEY, RATIO, At, Book, Template, quantity_format
from renewfin.spec.revenue import GrowthFrom, LandBooking, RevenueKind, SetAsideBase

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter
    from renewfin.spec.revenue import RevenueStream

SHEET = "Revenue"
"""The sheet the revenue rows are written on."""

PPY = "timeline.periods_per_year"
"""The input path of the number of periods a year."""


def revenue_rows(w: ModelWriter) -> None:
    """Revenue by stream (renewfin.core.revenue): each stream's section in the spec's order,
    then the totals.

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows; its spec gives the streams.
    """
    for r in w.spec.revenues:
        _stream_rows(w, r)
    _total_rows(w)


def _stream_rows(w: ModelWriter, r: RevenueStream) -> None:
    """A stream's section: its timing and price index, the units sold (one-off kinds) or
    utilised and its revenue if held, then its revenue and units while held.

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows.
    r : RevenueStream
        The stream whose section is written.
    """
    w.book.section(SHEET, f"{r.name}")
    _timing_rows(w, r)
    _price_index_row(w, r)
    if r.kind.one_off:
        _sale_rows(w, r)
    else:
        _utilised_rows(w, r)
    _held_revenue_rows(w.book, r)


def _timing_rows(w: ModelWriter, r: RevenueStream) -> None:
    """A stream's first period (its phase's first operating period + its start delay in
    periods) and its active flag (from then to its end year, or the horizon) [-].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows.
    r : RevenueStream
        The stream timed.
    """
    b, at = w.book, f"revenues[{r.name}]"
    ph = w.spec.timeline.phase(r.phase).name

    def start(x: At) -> str:
        return (
            f"={x.p(f'xl.phase_completion[{ph}]')}+ROUND("
            f"{x.i(at + '.start_after_years')}*{x.i(PPY)},0)"
        )

    b.constant(
        SHEET,
        f"xl.start[{r.name}]",
        f"开始期：{r.name}",
        f"First period: {r.name}",
        start,
        unit="-",
        fmt=FLAG,
    )
    end = "ROUND({e}*{p},0)" if r.end_year is not None else "{n}"

    def active(x: At) -> str:
        return (
            f"=({x.p('time.period')}>={x.p(f'xl.start[{r.name}]')})*({x.p('time.period')}<"
            + end.format(
                e=x.i(f"xl.end_year[{r.name}]") if r.end_year is not None else "",
                p=x.i(PPY),
                n=x.i("xl.n_periods"),
            )
            + ")"
        )

    b.row(
        SHEET,
        f"xl.active[{r.name}]",
        f"运营标志：{r.name}",
        f"Active flag: {r.name}",
        active,
        unit="-",
        fmt=FLAG,
        total=False,
    )


def _price_index_row(w: ModelWriter, r: RevenueStream) -> None:
    """A stream's price index: (1 + growth)^(its growth step × the whole steps of years
    since its first period, or since period 0) [-].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the row.
    r : RevenueStream
        The stream indexed.
    """
    at = f"revenues[{r.name}]"
    origin: Template = (
        (lambda x: x.p(f"xl.start[{r.name}]"))
        if r.growth_from is GrowthFrom.OPERATION
        else (lambda x: "0")
    )

    def price_index(x: At) -> str:
        return (
            f"=(1+{x.i(at + '.growth_rate')})^({x.i(f'xl.growth_every[{r.name}]')}*INT("
            f"MAX(INT(({x.p('time.period')}-{origin(x)})/{x.i(PPY)}),0)/"
            f"{x.i(f'xl.growth_every[{r.name}]')}))"
        )

    w.book.row(
        SHEET,
        f"xl.index[{r.name}]",
        f"价格指数：{r.name}",
        f"Price index: {r.name}",
        price_index,
        unit="-",
        fmt=RATIO,
        total=False,
    )


def _years_since_start(r: RevenueStream) -> Template:
    """The whole years since a stream's first period (0 before it), without ``=``.

    Parameters
    ----------
    r : RevenueStream
        The stream whose years are counted.

    Returns
    -------
    Template
        The count, a term of a formula [yr].
    """
    return lambda x: f"MAX(INT(({x.p('time.period')}-{x.p(f'xl.start[{r.name}]')})/{x.i(PPY)}),0)"


def _unit_price(r: RevenueStream) -> Template:
    """A stream's unit price in the model's money unit, without ``=``.

    Parameters
    ----------
    r : RevenueStream
        The stream priced: its ``unit_price`` input and money-unit factor.

    Returns
    -------
    Template
        The price, a term of a formula [money unit per unit].
    """
    return lambda x: f"{x.i(f'revenues[{r.name}].unit_price')}*{x.i(f'xl.money[{r.name}]')}"


def _sale_rows(w: ModelWriter, r: RevenueStream) -> None:
    """A one-off stream's units sold (its quantity × the sales schedule's share of the year
    since its first period, while active) [unit], its revenue if held (sold × price ×
    index, or the resettlement 差价, or the land-transfer lines) [money unit] and its units
    if held (a yearly rate) [unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows.
    r : RevenueStream
        A stream of a one-off kind.
    """
    b, at = w.book, f"revenues[{r.name}]"
    n, k, price = len(r.schedule or []), _years_since_start(r), _unit_price(r)

    def sold(x: At) -> str:
        return (
            f"={x.i(at + '.quantity')}*INDEX({x.v(f'xl.sales[{r.name}]')},"
            f"MIN({k(x)},{n})+1)*{x.p(f'xl.active[{r.name}]')}/{x.i(PPY)}"
        )

    b.row(
        SHEET,
        f"xl.sold[{r.name}]",
        f"销售量：{r.name}",
        f"Units sold: {r.name}",
        sold,
        unit=r.quantity_unit,
        fmt=quantity_format(r.quantity_unit),
    )

    def gross_revenue(x: At) -> str:
        return f"={x.p(f'xl.sold[{r.name}]')}*{price(x)}*{x.p(f'xl.index[{r.name}]')}"

    sales_revenue: Template = gross_revenue
    if r.resettlement is not None:
        sales_revenue = _resettlement_rows(w, r, gross_revenue)
    if r.kind is RevenueKind.LAND_TRANSFER:
        b.row(
            SHEET,
            f"xl.land_gross[{r.name}]",
            f"土地出让收入（持有至期末）：{r.name}",
            f"Gross land income if held: {r.name}",
            sales_revenue,
        )
        sales_revenue = _land_rows(w, r)
    b.row(
        SHEET,
        f"xl.revenue_projected[{r.name}]",
        f"营业收入（持有至期末）：{r.name}",
        f"Revenue if held: {r.name}",
        sales_revenue,
    )
    b.row(
        SHEET,
        f"xl.units[{r.name}]",
        f"计费数量（持有至期末）：{r.name}",
        f"Units if held: {r.name}",
        lambda x: f"={x.p(f'xl.sold[{r.name}]')}*{x.i(PPY)}",
        unit=r.quantity_unit,
        fmt=quantity_format(r.quantity_unit),
        total=False,
    )


def _utilised_rows(w: ModelWriter, r: RevenueStream) -> None:
    """A recurring stream's utilised units (quantity × utilisation × its ramp-up share of
    the year since its first period, while active) [unit] and its revenue if held (units
    × price × charges a year × index ÷ periods a year) [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows.
    r : RevenueStream
        A stream of a recurring kind.
    """
    b, at = w.book, f"revenues[{r.name}]"
    n, k, price = len(r.ramp_up), _years_since_start(r), _unit_price(r)

    def utilised_if_held(x: At) -> str:
        return (
            f"={x.i(at + '.quantity')}*{x.i(at + '.utilisation')}*"
            f"INDEX({x.v(at + '.ramp_up.padded')},MIN({k(x)},{n})+1)*"
            f"{x.p(f'xl.active[{r.name}]')}"
        )

    b.row(
        SHEET,
        f"xl.units[{r.name}]",
        f"计费数量（持有前）：{r.name}",
        f"Utilised units: {r.name}",
        utilised_if_held,
        unit=r.quantity_unit,
        fmt=quantity_format(r.quantity_unit),
        total=False,
    )

    def revenue_if_held(x: At) -> str:
        return (
            f"={x.p(f'xl.units[{r.name}]')}*{price(x)}*{x.i(f'xl.per_year[{r.name}]')}*"
            f"{x.p(f'xl.index[{r.name}]')}/{x.i(PPY)}"
        )

    b.row(
        SHEET,
        f"xl.revenue_projected[{r.name}]",
        f"营业收入（持有至期末）：{r.name}",
        f"Revenue if held: {r.name}",
        revenue_if_held,
    )


def _total_rows(w: ModelWriter) -> None:
    """The operating revenue (the streams while held) and the revenue if held to the
    horizon, summed over the streams [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows; its spec gives the streams.
    """
    b, spec = w.book, w.spec
    b.section(SHEET, "营业收入合计 Total")
    b.row(
        SHEET,
        "revenue.total",
        "营业收入",
        "Operating revenue",
        lambda x: "=" + ("+".join(x.p(f"revenue.stream[{r.name}]") for r in spec.revenues) or "0"),
    )
    b.row(
        SHEET,
        "xl.revenue_projected",
        "营业收入（持有至期末）",
        "Revenue if held to the horizon",
        lambda x: (
            "=" + ("+".join(x.p(f"xl.revenue_projected[{r.name}]") for r in spec.revenues) or "0")
        ),
    )


def _land_rows(w: ModelWriter, r: RevenueStream) -> Template:
    """A land-transfer stream's set-asides on their bases (renewfin.core.revenue.set_asides)
    and its gross, net-of-cost and set-aside lines while held; returns the formula of its
    revenue if held: the gross income less the set-asides."""
    b, at, S = w.book, f"revenues[{r.name}]", "Revenue"
    gross = lambda x: x.p(f"xl.land_gross[{r.name}]")
    cost = f"{at}.land_cost_rate"
    w.param(
        cost, r.land_cost_rate, f"征地拆迁及开发成本占比：{r.name}", f"Land cost share: {r.name}"
    )
    items = r.set_aside_items()
    for path, name, base_kind in items:
        rate = f"{at}.{path}"
        w.param(
            rate, r.set_aside_rate_of(path), f"计提比例：{r.name}{name}", f"Set-aside rate: {name}"
        )
        base = (
            (lambda x: "") if base_kind is SetAsideBase.GROSS else (lambda x: f"*(1-{x.i(cost)})")
        )

        def projected(x: At, rate: str = rate, base: Template = base) -> str:
            return f"={x.i(rate)}*{gross(x)}{base(x)}"

        b.row(
            S,
            f"xl.set_aside_projected[{r.name}][{name}]",
            f"计提{name}（持有至期末）",
            f"Set-aside {name} if held",
            projected,
        )
    held = lambda src: lambda x: f"={x.p(src)}*{x.p('flag.held')}"
    b.row(
        S,
        f"revenue.land_gross[{r.name}]",
        f"土地出让收入（总额）：{r.name}",
        f"Gross land-transfer income: {r.name}",
        held(f"xl.land_gross[{r.name}]"),
    )
    b.row(
        S,
        f"revenue.land_net_income[{r.name}]",
        f"土地出让收益（扣除征地拆迁及开发成本）：{r.name}",
        f"Land-transfer income net of the land's cost: {r.name}",
        lambda x: f"={x.p(f'revenue.land_gross[{r.name}]')}*(1-{x.i(cost)})",
    )
    for _, name, _ in items:
        b.row(
            S,
            f"revenue.set_aside[{r.name}][{name}]",
            f"计提{name}：{r.name}",
            f"Set-aside {name}: {r.name}",
            held(f"xl.set_aside_projected[{r.name}][{name}]"),
        )
    if r.booked_by is LandBooking.GOVERNMENT:
        return _reimbursement_rows(w, r, cost)
    names = [f"xl.set_aside_projected[{r.name}][{name}]" for _, name, _ in items]
    return lambda x: f"={gross(x)}" + "".join(f"-{x.p(n)}" for n in names)


def _resettlement_rows(w: ModelWriter, r: RevenueStream, gross: Template) -> Template:
    """Resettlement housing (renewfin.core.revenue._resettlement_lines): the area allocated
    and the construction cost of the flats allocated, while held; returns the formula of
    the stream's revenue if held, the 差价: households × price × index × the area above
    each entitlement."""
    rs, b, at, S = r.resettlement, w.book, f"revenues[{r.name}]", "Revenue"
    assert rs is not None
    area, entitled = f"{at}.resettlement.area_per_household", f"{at}.resettlement.entitled_area"
    w.param(
        area,
        rs.area_per_household,
        f"户均安置面积：{r.name}",
        f"Area allocated per household: {r.name}",
        "m²",
    )
    w.param(
        entitled,
        rs.entitled_area,
        f"户均产权调换面积：{r.name}",
        f"Area each household is entitled to: {r.name}",
        "m²",
    )
    sold = lambda x: x.p(f"xl.sold[{r.name}]")
    held = lambda x: x.p("flag.held")
    b.row(
        S,
        f"revenue.resettlement_area[{r.name}]",
        f"安置面积：{r.name}",
        f"Resettlement area allocated: {r.name}",
        lambda x: f"={sold(x)}*{x.i(area)}*{held(x)}",
        unit="m²",
        fmt=RATIO,
    )
    b.row(
        S,
        f"revenue.resettlement_cost[{r.name}]",
        f"分配安置房建设成本：{r.name}",
        f"Construction cost of the flats allocated: {r.name}",
        lambda x: (
            f"=SUM({x.row_range(f'capex.item[{rs.cost_item}]')})*{sold(x)}/"
            f"{x.i(at + '.quantity')}*{held(x)}"
        ),
    )
    return lambda x: f"{gross(x)}*({x.i(area)}-{x.i(entitled)})"


def _reimbursement_rows(w: ModelWriter, r: RevenueStream, cost: str) -> Template:
    """Land booked by the government (renewfin.core.revenue.cost_reimbursement): the
    成本返还 (land cost share × gross income) and the management fee (its rate × the
    reimbursement), projected and while held; returns the formula of the stream's revenue
    if held, their sum."""
    b, S = w.book, "Revenue"
    fee = f"revenues[{r.name}].management_fee_rate"
    w.param(
        fee,
        r.management_fee_rate,
        f"管理费率（占成本返还）：{r.name}",
        f"Management fee (share of the reimbursed cost): {r.name}",
    )
    paid, fees = f"xl.land_reimbursement[{r.name}]", f"xl.land_management_fee[{r.name}]"
    b.row(
        S,
        paid,
        f"政府成本返还（持有至期末）：{r.name}",
        f"Cost reimbursement if held: {r.name}",
        lambda x: f"={x.p(f'xl.land_gross[{r.name}]')}*{x.i(cost)}",
    )
    b.row(
        S,
        fees,
        f"政府支付管理费（持有至期末）：{r.name}",
        f"Management fee if held: {r.name}",
        lambda x: f"={x.p(paid)}*{x.i(fee)}",
    )
    for id, src, zh, en in (
        (
            f"revenue.land_reimbursement[{r.name}]",
            paid,
            "政府成本返还",
            "Cost reimbursement by the government",
        ),
        (
            f"revenue.land_management_fee[{r.name}]",
            fees,
            "政府支付管理费",
            "Management fee paid by the government",
        ),
    ):

        def held(x: At, src: str = src) -> str:
            return f"={x.p(src)}*{x.p('flag.held')}"

        b.row(S, id, f"{zh}：{r.name}", f"{en}: {r.name}", held)
    return lambda x: f"={x.p(paid)}+{x.p(fees)}"


def _held_revenue_rows(b: Book, r: RevenueStream) -> None:
    """A stream's revenue and units while the asset is held: the projections × the held
    flag (both are 0 after a REIT exit)."""
    for id, src, zh, en, money in (
        (f"revenue.stream[{r.name}]", "xl.revenue_projected", KIND_ZH[r.kind], "Revenue", True),
        (f"revenue.units[{r.name}]", "xl.units", "计费数量", "Utilised units", False),
    ):

        def held(x: At, src: str = f"{src}[{r.name}]") -> str:
            return f"={x.p(src)}*{x.p('flag.held')}"

        b.row(
            "Revenue",
            id,
            f"{zh}：{r.name}",
            f"{en}: {r.name}",
            held,
            unit=None if money else r.quantity_unit,
            fmt=MONEY if money else quantity_format(r.quantity_unit),
            total=money,
        )
