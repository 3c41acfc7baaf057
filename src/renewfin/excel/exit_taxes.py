"""Workbook rows of the taxes on a REIT exit's transfer of the asset
(``renewfin.core.exit.transfer_taxes`` and ``renewfin.core.tax._vat``), and the LAT
parameters and cost terms they share with the sales' 土地增值税 (``excel.lat.lat_rows``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from renewfin.excel.book import PCT, RATIO, At, Template
from renewfin.spec.investment import InvestmentCategory
from renewfin.spec.revenue import RevenueKind, VatMethod

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter


def lat_bracket_params(w: ModelWriter) -> None:
    """Write (once) the LAT brackets of ``tax.land_appreciation`` as inputs: ``xl.lat_up[k]``,
    ``xl.lat_rate[k]``, ``xl.lat_quick[k]``."""
    for k, br in enumerate(w.spec.tax.land_appreciation.brackets):
        if br.up_to is not None:
            w.param(f"xl.lat_up[{k}]", br.up_to, f"增值率上限 {k + 1}", f"Bracket {k + 1} up to")
        w.param(f"xl.lat_rate[{k}]", br.rate, f"税率 {k + 1}", f"Bracket {k + 1} rate")
        w.param(f"xl.lat_quick[{k}]", br.quick_deduction, f"速算扣除系数 {k + 1}", f"Quick {k + 1}")


def lat_cost(w: ModelWriter, x: At, land: bool) -> str:
    """The land cost with its 契税 (``land``), or the development cost with the price
    contingency, of the whole investment net of the input VAT credited
    (``renewfin.core.tax.lat_costs``), as a formula term over the items' net costs
    (``lat_item_costs``)."""
    lat_item_costs(w)
    terms = [
        x.p(f"xl.lat_item[{it.name}]")
        for it in w.spec.investment
        if (it.category is InvestmentCategory.LAND) is land
    ]
    if not land:
        terms.append(f"SUM({x.row_range('capex.price_contingency')})")
    elif "capex.deed_tax" in w.book.cells:  # 契税 is part of the land's cost
        terms.append(f"SUM({x.row_range('capex.deed_tax')})")
    return "+".join(terms) or "0"


def credited_vat(rate: str, share: str) -> str:
    """The formula of the input VAT credited per unit of an item's amount incl. VAT, from
    references to its rate and its credited share (``core.investment.credited_vat_per_gross``:
    share × rate ÷ (1 + rate))."""
    return f"{rate}*{share}/(1+{rate})"


def credited_per_gross(x: At, name: str) -> str:
    """``credited_vat`` of investment item ``name`` from its inputs ``xl.capex_vat`` and
    ``xl.capex_credit``."""
    return credited_vat(x.i(f"xl.capex_vat[{name}]"), x.i(f"xl.capex_credit[{name}]"))


def lat_item_costs(w: ModelWriter) -> None:
    """Write (once) each investment item's total net of the input VAT credited,
    ``xl.lat_item[name]``, a constant on the Tax sheet [money]."""
    for it in w.spec.investment:
        id = f"xl.lat_item[{it.name}]"
        if id in w.book.cells:
            continue

        def net(x: At, name: str = it.name) -> str:
            return f"=SUM({x.row_range(f'capex.item[{name}]')})*(1-{credited_per_gross(x, name)})"

        w.book.constant(
            "Tax",
            id,
            f"扣除成本（不含可抵扣进项税）：{it.name}",
            f"Cost net of input VAT credited: {it.name}",
            net,
        )


def exit_vat_rows(w: ModelWriter) -> bool:
    """The output VAT on the exit's transfer (the value incl. VAT × r ÷ (1 + r)) and its
    parameters; return whether there is an exit."""
    rx = w.spec.funding.reit_exit
    if rx is None:
        return False
    rates = w.result_rates()
    table = rates.simplified_vat if rx.vat_method is VatMethod.SIMPLIFIED else rates.vat
    rate = 0.0 if rx.vat_method is VatMethod.EXEMPT else table[RevenueKind.SALE]
    w.param(
        "xl.exit_vat_rate",
        rate,
        "资产转让增值税税率（退出）",
        "Exit transfer VAT rate",
        note=f"reit_exit.vat_method = {rx.vat_method.value}; 估值为含税价",
    )
    w.param(
        "xl.exit_vat_simple",
        float(rx.vat_method is VatMethod.SIMPLIFIED),
        "退出简易计税（1 = 是）",
        "Exit VAT simplified (1 = yes)",
        "-",
    )
    r = "xl.exit_vat_rate"
    w.book.row(
        "Tax",
        "tax.exit_output_vat",
        "资产转让销项税额（退出）",
        "Output VAT on the asset transfer (exit)",
        lambda x: f"={x.p('reit.value')}*{x.i(r)}/(1+{x.i(r)})",
    )
    w.book.row(
        "Tax",
        "xl.exit_vat_added",
        "退出增加的应纳增值税",
        "VAT payable the transfer adds",
        lambda x: (
            f"={x.p('tax.vat_payable')}-MAX({x.p('tax.output_vat')}-"
            f"{x.p('tax.exit_output_vat')}-{x.p('tax.input_vat')}-{x.prev('tax.vat_credit')},0)"
        ),
    )
    return True


def exit_simplified_vat(x: At) -> str:
    """The exit's VAT when it is on the simplified method (payable without credit), else 0,
    as a formula term."""
    return f"{x.i('xl.exit_vat_simple')}*{x.p('tax.exit_output_vat')}"


def exit_tax_rows(w: ModelWriter) -> None:
    """The surcharges on the VAT the transfer adds, the stamp duty on the deed and the
    土地增值税 of an old-property transfer (``renewfin.core.exit.exit_lat``)."""
    b, spec = w.book, w.spec
    rx = spec.funding.reit_exit
    assert rx is not None
    S, ppy = "CashFlow", "timeline.periods_per_year"
    rates = w.result_rates()
    b.row(
        S,
        "tax.exit_surcharges",
        "资产转让增值税附加（退出）",
        "VAT surcharges on the asset transfer (exit)",
        lambda x: f"={x.p('xl.exit_vat_added')}*{x.i('tax.surcharge_rate')}",
    )
    w.param(
        "xl.stamp_transfer",
        rates.stamp_transfer,
        "印花税率：产权转移书据",
        "Stamp duty rate: transfer deeds",
    )
    b.row(
        S,
        "tax.exit_stamp_duty",
        "印花税：资产转让产权转移书据（退出）",
        "Stamp duty on the transfer deed (exit)",
        lambda x: f"=({x.p('reit.value')}-{x.p('tax.exit_output_vat')})*{x.i('xl.stamp_transfer')}",
    )
    on = rx.land_appreciation_tax if rx.land_appreciation_tax is not None else rates.lat_enabled
    if not on:
        b.row(
            S,
            "tax.exit_lat",
            "土地增值税（退出）",
            "Land appreciation tax on the exit",
            lambda x: "=0",
        )
        return
    lat_bracket_params(w)
    last = spec.timeline.phase(None).name
    if rx.lat_condition_rate is not None:
        w.param("xl.exit_condition", rx.lat_condition_rate, "成新度折扣率", "Condition rate")
    else:  # the condition rate from the building's life (read by this formula only)
        w.param(
            "xl.exit_building_life",
            spec.depreciation.get("building").life_years,
            "房屋折旧年限（成新度）",
            "Building life (condition rate)",
            "yr",
        )
        b.constant(
            S,
            "xl.exit_condition",
            "成新度折扣率",
            "Condition rate",
            lambda x: (
                f"=MAX(0,MIN(1,1-({x.p('xl.last_held')}+1-"
                f"{x.p(f'xl.phase_completion[{last}]')})/{x.i(ppy)}/{x.i('xl.exit_building_life')}))"
            ),
            unit="-",
            fmt=PCT,
        )  # a share of the replacement cost, not money
    if rx.lat_replacement_cost is not None:
        w.param("xl.exit_replacement", rx.lat_replacement_cost, "重置成本价", "Replacement cost")
    else:
        b.constant(
            S,
            "xl.exit_replacement",
            "重置成本价",
            "Replacement cost",
            lambda x: f"={lat_cost(w, x, False)}",
        )
    b.constant(
        S,
        "xl.exit_land",
        "取得土地使用权支付的金额",
        "Land cost",
        lambda x: f"={lat_cost(w, x, True)}",
    )
    given = (rx.lat_condition_rate is not None, rx.lat_replacement_cost is not None)
    _lat_lines(
        w,
        lambda x: x.i("xl.exit_condition") if given[0] else x.p("xl.exit_condition"),
        lambda x: x.i("xl.exit_replacement") if given[1] else x.p("xl.exit_replacement"),
    )


def _lat_lines(w: ModelWriter, c: Template, rp: Template) -> None:
    """The exit's LAT deductions, appreciation, bracket rate and quick-deduction factor,
    and the tax; ``c`` and ``rp`` give the condition rate and the replacement cost."""
    b, S = w.book, "CashFlow"
    brackets = w.spec.tax.land_appreciation.brackets
    b.row(
        S,
        "tax.exit_lat_deductions",
        "土地增值税扣除项目金额（退出，旧房转让）",
        "LAT deductions on the exit (old property transfer)",
        lambda x: (
            f"={x.p('reit.flag_exit')}*({rp(x)}*{c(x)}+{x.p('xl.exit_land')})+"
            f"{x.p('tax.exit_surcharges')}+{x.p('tax.exit_stamp_duty')}"
        ),
    )
    b.row(
        S,
        "tax.exit_lat_appreciation",
        "土地增值额（退出）",
        "Land appreciation on the exit",
        lambda x: (
            f"={x.p('reit.value')}-{x.p('tax.exit_output_vat')}-{x.p('tax.exit_lat_deductions')}"
        ),
    )

    def pick(key: str) -> Template:
        def formula(x: At) -> str:
            X, D = x.p("tax.exit_lat_appreciation"), x.p("tax.exit_lat_deductions")
            parts, lo = [], "0"
            for k, br in enumerate(brackets):
                up = f"({X}>0)" if br.up_to is None else f"({X}<={x.i(f'xl.lat_up[{k}]')}*{D})"
                parts.append(f"({X}>{lo}*{D})*{up}*{x.i(f'xl.{key}[{k}]')}")
                if br.up_to is not None:
                    lo = x.i(f"xl.lat_up[{k}]")
            return "=" + "+".join(parts)

        return formula

    b.row(
        S,
        "xl.exit_lat_rate",
        "适用税率（退出）",
        "Bracket rate (exit)",
        pick("lat_rate"),
        unit="-",
        fmt=RATIO,
        total=False,
    )
    b.row(
        S,
        "xl.exit_lat_quick",
        "速算扣除系数（退出）",
        "Quick deduction (exit)",
        pick("lat_quick"),
        unit="-",
        fmt=RATIO,
        total=False,
    )
    b.row(
        S,
        "tax.exit_lat",
        "土地增值税（退出）",
        "Land appreciation tax on the exit",
        lambda x: (
            f"={x.p('tax.exit_lat_appreciation')}*{x.p('xl.exit_lat_rate')}-"
            f"{x.p('tax.exit_lat_deductions')}*{x.p('xl.exit_lat_quick')}"
        ),
    )
