"""Workbook rows of the taxes of the operating model (renewfin.core.tax.build_indirect):
VAT with its input credit carried forward and refund, the surcharges, 房产税 on rent and
on value, 城镇土地使用税 and 印花税, the income-tax holiday, the income not counted, the
sales' 土地增值税 (``renewfin.excel.lat``) and the taxes and surcharges in all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from renewfin.excel.book import FLAG, RATIO, At, Template
from renewfin.excel.exit_taxes import exit_simplified_vat, exit_vat_rows
from renewfin.excel.lat import lat_rows
from renewfin.spec.investment import InvestmentCategory
from renewfin.spec.revenue import RevenueKind

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

SHEET = "Tax"
"""The sheet the tax rows are written on."""

PPY = "timeline.periods_per_year"
"""The input path of the number of periods a year."""


def tax_rows(w: ModelWriter) -> None:
    """VAT with input credit carried forward, surcharges and property tax
    (renewfin.core.tax.build_indirect), then the land-use tax and stamp duty, the
    income-tax holiday, the income not counted, the LAT and the taxes and surcharges.

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows on the Tax sheet.
    """
    ex = _vat_rows(w)
    _surcharge_row(w, ex)
    _property_tax_rows(w)
    land_use_and_stamp_rows(w)
    holiday_rows(w)
    income_reduction_rows(w)
    _taxes_and_surcharges_row(w, lat_rows(w))


def _vat_rows(w: ModelWriter) -> bool:
    """增值税: the output VAT (the streams' revenue × their rates, + the exit's), the input
    VAT (construction and operating costs), the VAT payable after the credit brought
    forward (the exit's simplified VAT is payable without credit), the credit before and
    after the refund of the retained credit (财政部 税务总局公告2022年第14号) [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows.

    Returns
    -------
    bool
        Whether there is a REIT exit (whose output VAT the rows include).
    """
    b, spec = w.book, w.spec
    b.section(SHEET, "增值税 VAT")
    ex = exit_vat_rows(w)
    simple: Template = exit_simplified_vat if ex else (lambda x: "0")
    b.row(
        SHEET,
        "tax.output_vat",
        "销项税额",
        "Output VAT",
        lambda x: (
            "="
            + (
                "+".join(
                    f"{x.p(f'revenue.stream[{r.name}]')}*{x.i(f'xl.vat_rate[{r.name}]')}"
                    for r in spec.revenues
                )
                or "0"
            )
            + (f"+{x.p('tax.exit_output_vat')}" if ex else "")
        ),
    )
    b.row(
        SHEET,
        "tax.input_vat",
        "进项税额",
        "Input VAT",
        lambda x: f"={x.p('capex.input_vat')}+{x.p('opex.input_vat')}",
    )
    b.row(
        SHEET,
        "tax.vat_payable",
        "应纳增值税",
        "VAT payable",
        lambda x: (
            f"=MAX({x.p('tax.output_vat')}-{simple(x)}-{x.p('tax.input_vat')}-"
            f"{x.prev('tax.vat_credit')},0)+{simple(x)}"
        ),
    )
    refund = w.param(
        "xl.vat_refund",
        float(w.spec.tax.vat_credit_refund),
        "增值税留抵退税（1 = 退还）",
        "Refund of the retained VAT credit (1 = yes)",
        "-",
        "财政部 税务总局公告2022年第14号",
    )
    b.row(
        SHEET,
        "xl.vat_credit_before_refund",
        "期末留抵税额（退税前）",
        "Input VAT credit at the period end, before any refund",
        lambda x: (
            f"=MAX({x.prev('tax.vat_credit')}+{x.p('tax.input_vat')}-{x.p('tax.output_vat')}+"
            f"{simple(x)},0)"
        ),
        total=False,
    )
    b.row(
        SHEET,
        "tax.vat_refund",
        "增值税留抵退税",
        "Refund of the retained VAT credit",
        lambda x: f"={refund}*{x.p('xl.vat_credit_before_refund')}",
    )
    b.row(
        SHEET,
        "tax.vat_credit",
        "留抵进项税额",
        "Input VAT carried forward",
        lambda x: f"={x.p('xl.vat_credit_before_refund')}-{x.p('tax.vat_refund')}",
        total=False,
    )
    return ex


def _surcharge_row(w: ModelWriter, ex: bool) -> None:
    """增值税附加: the surcharge rate × the VAT payable, less the VAT the exit adds
    [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the section and the row.
    ex : bool
        Whether there is a REIT exit.
    """
    b = w.book
    b.section(SHEET, "税金及附加 Taxes and surcharges")
    b.row(
        SHEET,
        "tax.surcharges",
        "增值税附加",
        "VAT surcharges",
        lambda x: (
            f"=({x.p('tax.vat_payable')}-{x.p('xl.exit_vat_added')})*{x.i('tax.surcharge_rate')}"
            if ex
            else f"={x.p('tax.vat_payable')}*{x.i('tax.surcharge_rate')}"
        ),
    )


def _property_tax_rows(w: ModelWriter) -> None:
    """房产税 if held to the horizon: on rent (the streams' revenue × their rates) and on
    value (the original values of the taxed classes from their phase's completion × the
    rate × (1 − the deduction) × the share taxed on value, + the leasable share × the
    vacancy, ÷ periods a year); then both while held [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows; ``w.groups`` gives the original values.
    """
    from renewfin.core.tax import property_value_classes

    b, spec = w.book, w.spec
    b.row(
        SHEET,
        "xl.property_rental",
        "房产税（从租，持有至期末）",
        "Property tax on rent if held",
        lambda x: (
            "="
            + (
                "+".join(
                    f"{x.p(f'xl.revenue_projected[{r.name}]')}*{x.i(f'xl.ptax_rate[{r.name}]')}"
                    for r in spec.revenues
                )
                or "0"
            )
        ),
    )
    taxed = property_value_classes(spec)
    buildings = [(c, p) for c, p in w.groups if c in taxed]
    w.param(
        "xl.ptax_leasable_share",
        w.result_rates().property_leasable_share,
        "出租部分比例（空置从价计征）",
        "Leasable share of building value (vacant part taxed on value)",
    )
    _vacancy_row(w)
    b.row(
        SHEET,
        "xl.property_value",
        "房产税（从价，持有至期末）",
        "Property tax on value if held",
        lambda x: (
            "=("
            + (
                "+".join(
                    f"{x.p(f'xl.ov[{c}|{p}]')}*({x.p('time.period')}>="
                    f"{x.p(f'xl.phase_completion[{p}]')})"
                    for c, p in buildings
                )
                or "0"
            )
            + f")*{x.i('xl.ptax_value_rate')}*(1-{x.i('xl.ptax_deduction')})*"
            f"({x.i('tax.property_tax_ad_valorem_share')}-{x.i('tax.community_services_share')}"
            f"+{x.i('xl.ptax_leasable_share')}*"
            f"{x.p('xl.vacancy')})/{x.i(PPY)}"
        ),
    )
    for id, src, zh, en in (
        ("tax.property_rental", "xl.property_rental", "房产税（从租）", "Property tax on rent"),
        ("tax.property_ad_valorem", "xl.property_value", "房产税（从价）", "Property tax on value"),
    ):

        def held(x: At, src: str = src) -> str:
            return f"={x.p(src)}*{x.p('flag.held')}"

        b.row(SHEET, id, zh, en, held)


def _vacancy_row(w: ModelWriter) -> None:
    """The vacant share of the lettable area: 1 − the rent streams' utilised units ÷ their
    quantities (1 without a rent stream) [-].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the row; its spec gives the rent streams.
    """
    rents = [r.name for r in w.spec.revenues if r.kind is RevenueKind.RENT]
    w.book.row(
        SHEET,
        "xl.vacancy",
        "可出租面积空置率",
        "Vacant share of the lettable area",
        lambda x: (
            (
                "=1-("
                + "+".join(x.p(f"xl.units[{n}]") for n in rents)
                + ")/("
                + "+".join(x.i(f"revenues[{n}].quantity") for n in rents)
                + ")"
            )
            if rents
            else "=1"
        ),
        unit="-",
        fmt=RATIO,
        total=False,
    )


def _taxes_and_surcharges_row(w: ModelWriter, has_lat: bool) -> None:
    """税金及附加: the surcharges, the property taxes, the land-use tax, the stamp duty and
    the LAT if any stream bears it [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the row.
    has_lat : bool
        Whether the LAT rows were written (``renewfin.excel.lat.lat_rows``).
    """
    w.book.row(
        SHEET,
        "tax.taxes_and_surcharges",
        "税金及附加",
        "Taxes and surcharges",
        lambda x: (
            f"={x.p('tax.surcharges')}+{x.p('tax.property_rental')}+"
            f"{x.p('tax.property_ad_valorem')}+{x.p('tax.land_use')}+{x.p('tax.stamp_duty')}"
            + (f"+{x.p('tax.land_appreciation')}" if has_lat else "")
        ),
    )


def land_use_and_stamp_rows(w: ModelWriter) -> None:
    """城镇土地使用税 and 印花税 (renewfin.core.tax._land_use, _stamp_duty).

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the section and its rows.
    """
    w.book.section(SHEET, "城镇土地使用税、印花税 Land-use tax and stamp duty")
    _stamp_rows(w, _land_use_rows(w))


def _land_use_rows(w: ModelWriter) -> str:
    """城镇土地使用税: the taxable area × the tax per m² a year (by city size) in the money
    unit, from acquisition or completion, while held, ÷ periods a year, × (1 − the
    resettlement-housing share (财税〔2013〕101号) − the community-services share)
    [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the parameters and the row.

    Returns
    -------
    str
        The reference of the resettlement-housing share, exempt from the stamp duty too.
    """
    from renewfin.spec.tax import LandUseTaxFrom

    b, spec, P = w.book, w.spec, w.param
    rates, tax = w.result_rates(), spec.tax
    exempt = P(
        "tax.resettlement_housing_share",
        tax.resettlement_housing_share,
        "改造安置住房占比（免城镇土地使用税、印花税）",
        "Resettlement-housing share (exempt from land-use tax and stamp duty)",
        "-",
        "财税〔2013〕101号 第一条",
        low=0,
        high=1,
    )
    P("xl.land_use_area", tax.land_use_tax_area, "应税土地面积", "Taxable land area", "m²")
    P(
        "xl.land_use_rate",
        rates.land_use,
        "城镇土地使用税单位税额",
        "Land-use tax per m² a year",
        "元/m²/yr",
        "城镇土地使用税暂行条例 第四条: by city size",
    )
    P("xl.yuan", 1.0 / spec.project.money_unit.yuan, "元换算", "元 to the money unit", "-")
    start: Template
    if tax.land_use_tax_from is LandUseTaxFrom.ACQUISITION:
        start = lambda x: (
            "MIN(" + ",".join(x.p(f"xl.phase_start[{p.name}]") for p in spec.timeline.phases) + ")"
        )
    else:
        last = spec.timeline.phase(None).name
        start = lambda x: x.p(f"xl.phase_completion[{last}]")
    b.row(
        SHEET,
        "tax.land_use",
        "城镇土地使用税",
        "Urban land-use tax",
        lambda x: (
            f"={x.i('xl.land_use_area')}*{x.i('xl.land_use_rate')}*{x.i('xl.yuan')}*"
            f"({x.p('time.period')}>={start(x)})*{x.p('flag.held')}/{x.i(PPY)}*(1-{exempt}"
            f"-{x.i('tax.community_services_share')})"
        ),
    )
    return exempt


def _stamp_rows(w: ModelWriter, exempt: str) -> None:
    """印花税 on the leases (rent), the construction and purchase contracts (the works and
    the price contingency net of VAT, less the exempt share) and the transfer deeds (the
    land acquired with a title, less the exempt share, and the sales), and their sum
    [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the parameters and the rows.
    exempt : str
        The reference of the resettlement-housing share (财税〔2013〕101号).
    """
    from renewfin.core.tax import transfers

    b, spec, P = w.book, w.spec, w.param
    rates = w.result_rates()
    P("xl.stamp_lease", rates.stamp_lease, "印花税率：租赁合同", "Stamp duty rate: leases")
    P(
        "xl.stamp_construction",
        rates.stamp_construction,
        "印花税率：建设工程合同",
        "Stamp duty rate: construction contracts",
    )
    P(
        "xl.stamp_transfer",
        rates.stamp_transfer,
        "印花税率：产权转移书据",
        "Stamp duty rate: transfer deeds",
    )
    rents = [r.name for r in spec.revenues if r.kind is RevenueKind.RENT]
    sold = [r.name for r in spec.revenues if transfers(r)]
    # Land acquired with a title (the transfer deed); compensation transfers none.
    land = [
        i.name for i in spec.investment if i.category is InvestmentCategory.LAND and i.deed_taxable
    ]
    works = [i.name for i in spec.investment if i.category is not InvestmentCategory.LAND]
    net = lambda x, n: f"{x.p(f'capex.item[{n}]')}/(1+{x.i(f'xl.capex_vat[{n}]')})"
    b.row(
        SHEET,
        "tax.stamp_lease",
        "印花税：租赁合同",
        "Stamp duty: leases",
        lambda x: (
            "=("
            + ("+".join(x.p(f"revenue.stream[{n}]") for n in rents) or "0")
            + f")*{x.i('xl.stamp_lease')}"
        ),
    )
    b.row(
        SHEET,
        "tax.stamp_construction",
        "印花税：建设工程及采购合同",
        "Stamp duty: construction and purchase contracts",
        lambda x: (
            "=("
            + "+".join([net(x, n) for n in works] + [x.p("capex.price_contingency")])
            + f")*{x.i('xl.stamp_construction')}*(1-{exempt})"
        ),
    )
    b.row(
        SHEET,
        "tax.stamp_transfer",
        "印花税：产权转移书据",
        "Stamp duty: transfer deeds",
        lambda x: (
            "=("
            + (
                "+".join(
                    [f"{net(x, n)}*(1-{exempt})" for n in land]
                    + [x.p(f"revenue.stream[{n}]") for n in sold]
                )
                or "0"
            )
            + f")*{x.i('xl.stamp_transfer')}"
        ),
    )
    b.row(
        SHEET,
        "tax.stamp_duty",
        "印花税",
        "Stamp duty",
        lambda x: (
            f"={x.p('tax.stamp_lease')}+{x.p('tax.stamp_construction')}+{x.p('tax.stamp_transfer')}"
        ),
    )


def holiday_rows(w: ModelWriter) -> None:
    """三免三减半: the share of the income-tax rate due, from the tax year of the first
    operating income (renewfin.core.tax.holiday_factor)."""
    b, tax = w.book, w.spec.tax
    if not tax.income_tax_holiday:
        return
    S = "Tax"
    b.section(S, "所得税减免 Income-tax holiday")
    w.param(
        "xl.holiday_exempt", tax.income_tax_holiday_exempt_years, "免税年数", "Years exempt", "yr"
    )
    w.param("xl.holiday_half", tax.income_tax_holiday_half_years, "减半年数", "Years at half", "yr")
    b.row(
        S,
        "xl.rev_started",
        "已取得经营收入",
        "Operating income received to date (1 = yes)",
        lambda x: f"=(({x.prev('xl.rev_started')}+({x.p('revenue.total')}>0))>0)*1",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    b.row(
        S,
        "xl.first_income_year",
        "首次取得经营收入年度",
        "Tax year of the first operating income",
        lambda x: (
            f"=IF({x.p('xl.rev_started')}*(1-{x.prev('xl.rev_started')}),{x.p('time.year')},"
            f"{x.prev('xl.first_income_year')})"
        ),
        unit="-",
        fmt=FLAG,
        total=False,
    )

    def factor(x: At) -> str:
        k = f"({x.p('time.year')}-{x.p('xl.first_income_year')})"
        on = x.p("xl.rev_started")
        e, h = x.i("xl.holiday_exempt"), x.i("xl.holiday_half")
        return f"=1-{on}*({k}<{e})-0.5*{on}*({k}>={e})*({k}<{e}+{h})"

    b.row(
        S,
        "tax.holiday_factor",
        "所得税减免系数（三免三减半）",
        "Income-tax holiday factor (3 years exempt, 3 at half rate)",
        factor,
        unit="-",
        fmt=RATIO,
        total=False,
    )


def income_reduction_rows(w: ModelWriter) -> None:
    """减计收入 (renewfin.core.tax._income_reduction): the community-services income not
    counted in taxable income, deducted from the funding sheet's taxable income and from
    the base of the adjusted income tax, and kept in the income not taxed."""
    b, spec = w.book, w.spec
    names = [r.name for r in spec.revenues if r.community_services]
    if not names:
        return
    S = "Tax"
    b.section(S, "减计收入 Community-services income not counted (2019年第76号)")
    w.param(
        "tax.community_services_income_share",
        spec.tax.community_services_income_share,
        "社区养老托育家政服务收入计入收入总额比例",
        "Share of community-services income counted in taxable income",
        "-",
        "2019年第76号 第一条(二): 减按90%计入收入总额",
        low=0,
        high=1,
    )
    b.row(
        S,
        "tax.income_reduction",
        "减计收入（社区养老、托育、家政服务收入的10%）",
        "Income not counted: 10 % of community-services income",
        lambda x: (
            f"=(1-{x.i('tax.community_services_income_share')})*("
            + "+".join(x.p(f"revenue.stream[{n}]") for n in names)
            + ")"
        ),
    )
    b.extend("tax.taxable_income", lambda x: f"-{x.p('tax.income_reduction')}")
    b.extend("xl.untaxed", lambda x: f"+{x.p('tax.income_reduction')}")
    b.extend("xl.adj.base", lambda x: f"-{x.p('tax.income_reduction')}")
