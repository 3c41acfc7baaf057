"""Workbook rows of the REIT exit (renewfin.core.exit): the asset's projected NOI, the
flags of the periods valued, the exit value (NOI ÷ cap rate or a DCF), the net proceeds
and the exit's taxes (``renewfin.excel.exit_taxes``), the distributable cash, and what the
shareholders do with the units they retain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from renewfin.core.exit import OWNER_LINES
from renewfin.excel.book import FLAG, RATIO, At, Template
from renewfin.excel.exit_taxes import exit_tax_rows

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

SHEET = "CashFlow"
"""The sheet the exit rows are written on."""

PPY = "timeline.periods_per_year"
"""The input path of the number of periods a year."""


def exit_rows(w: ModelWriter) -> None:
    """REIT exit value and net proceeds (renewfin.core.exit), or zero rows without an exit.

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows on the CashFlow sheet.
    """
    b = w.book
    b.section(SHEET, "REITs退出 REIT exit")
    if w.spec.funding.reit_exit is None:
        b.row(SHEET, "reit.value", "REITs估值", "REIT exit value", lambda x: "=0")
        b.row(
            SHEET, "reit.net_proceeds", "REITs退出净收入", "REIT exit net proceeds", lambda x: "=0"
        )
        return
    _window_rows(w)
    _proceeds_rows(w, _value_formula(w))
    _distributable_row(w)
    owner_rows(w)


def _window_rows(w: ModelWriter) -> None:
    """The asset's projected NOI (revenue − operating costs − property taxes, if held)
    [money unit], and the flags of the periods after the exit, of those valued (to the
    concession's end or the horizon) and of the first year after the exit [-].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows; its spec has a REIT exit.
    """
    b, spec, rx = w.book, w.spec, w.spec.funding.reit_exit
    assert rx is not None
    b.row(
        SHEET,
        "reit.noi_projection",
        "资产净营业收入预测",
        "Projected NOI of the asset",
        lambda x: (
            f"={x.p('xl.revenue_projected')}-{x.p('xl.opex_projected')}-"
            f"{x.p('xl.property_rental')}-{x.p('xl.property_value')}"
        ),
    )
    b.row(
        SHEET,
        "xl.after_exit",
        "退出后标志",
        "After-exit flag",
        lambda x: f"=({x.p('time.period')}>{x.p('xl.last_held')})",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    w.param(
        "xl.reit_end",
        rx.last_period(spec.timeline.periods_per_year, spec.timeline.n_periods),
        "REITs估值末期（特许经营期末或计算期末）",
        "Last period valued (concession end)",
        "-",
    )
    b.row(
        SHEET,
        "xl.reit_window",
        "REITs估值期标志",
        "Periods valued flag",
        lambda x: f"={x.p('xl.after_exit')}*({x.p('time.period')}<={x.i('xl.reit_end')})",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    b.row(
        SHEET,
        "xl.first_year_after",
        "退出后首年标志",
        "First year after exit flag",
        lambda x: (
            f"={x.p('xl.reit_window')}*({x.p('time.period')}<={x.p('xl.last_held')}+{x.i(PPY)})"
        ),
        unit="-",
        fmt=FLAG,
        total=False,
    )


def _value_formula(w: ModelWriter) -> Template:
    """The exit value's formula, without ``=``: the first year's NOI ÷ the cap rate, or the
    NOI of the periods valued discounted to the exit (+ for an ownership asset the last
    year's NOI ÷ the cap rate, discounted from the horizon); writes the DCF's discount
    factor [-] and last-year flag [-] rows.

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the DCF rows; its spec has a REIT exit.

    Returns
    -------
    Template
        The value [money unit].
    """
    from renewfin.spec.funding import ReitAssetType, ReitValuation

    b, rx = w.book, w.spec.funding.reit_exit
    assert rx is not None
    if rx.valuation is ReitValuation.NOI_CAP:
        return lambda x: (
            f"SUMPRODUCT({x.row_range('reit.noi_projection')},"
            f"{x.row_range('xl.first_year_after')})/"
            f"{x.i('funding.reit_exit.cap_rate')}"
        )
    terminal = rx.asset_type is ReitAssetType.OWNERSHIP
    b.row(
        SHEET,
        "xl.dcf_factor",
        "折现系数",
        "Discount factor",
        lambda x: (
            f"={x.p('xl.reit_window')}/(1+{x.i('funding.reit_exit.discount_rate')})^"
            f"(({x.p('time.period')}-{x.p('xl.last_held')})/{x.i(PPY)})"
        ),
        unit="-",
        fmt=RATIO,
        total=False,
    )
    b.row(
        SHEET,
        "xl.last_year",
        "末年标志",
        "Last year flag",
        lambda x: f"=({x.p('time.period')}>{x.i('xl.n_periods')}-1-{x.i(PPY)})",
        unit="-",
        fmt=FLAG,
        total=False,
    )

    def value(x: At) -> str:
        pv = f"SUMPRODUCT({x.row_range('reit.noi_projection')},{x.row_range('xl.dcf_factor')})"
        if not terminal:
            return pv
        n = f"(({x.i('xl.n_periods')}-1-{x.p('xl.last_held')})/{x.i(PPY)})"
        last = f"SUMPRODUCT({x.row_range('reit.noi_projection')},{x.row_range('xl.last_year')})"
        return (
            f"{pv}+{last}/{x.i('funding.reit_exit.cap_rate')}/"
            f"(1+{x.i('funding.reit_exit.discount_rate')})^{n}"
        )

    return value


def _proceeds_rows(w: ModelWriter, value: Template) -> None:
    """The exit value (a constant, and in the last period held) and the net proceeds (the
    value less the exit's costs and taxes) [money unit], the exit's tax rows, and the exit
    flag [-].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows.
    value : Template
        The exit value's formula, without ``=`` (``_value_formula``).
    """
    b = w.book
    b.constant(SHEET, "xl.reit_value", "REITs估值", "REIT exit value", lambda x: f"={value(x)}")
    b.row(
        SHEET,
        "reit.value",
        "REITs估值",
        "REIT exit value",
        lambda x: f"={x.p('xl.reit_value')}*({x.p('time.period')}={x.p('xl.last_held')})",
    )
    b.row(
        SHEET,
        "reit.net_proceeds",
        "REITs退出净收入",
        "REIT exit net proceeds",
        lambda x: (
            f"={x.p('reit.value')}*(1-{x.i('xl.reit_cost')})-{x.p('tax.exit_output_vat')}-"
            f"{x.p('tax.exit_surcharges')}-{x.p('tax.exit_stamp_duty')}-{x.p('tax.exit_lat')}"
        ),
    )
    exit_tax_rows(w)
    b.row(
        SHEET,
        "reit.flag_exit",
        "REITs退出标志",
        "REIT exit flag",
        lambda x: f"=({x.p('time.period')}={x.p('xl.last_held')})",
        unit="-",
        fmt=FLAG,
        total=False,
    )


def _distributable_row(w: ModelWriter) -> None:
    """The REIT's distributable cash after the exit (projected): NOI × (1 − the SPV's tax
    rate) − the capex reserve on revenue − (the management fee on the value + the debt
    service) ÷ periods a year [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the row.
    """
    at = "funding.reit_exit"
    w.book.row(
        SHEET,
        "reit.distributable",
        "REITs可供分配金额（预测）",
        "REIT distributable cash (projected)",
        lambda x: (
            f"={x.p('xl.after_exit')}*({x.p('reit.noi_projection')}*"
            f"(1-{x.i(at + '.spv_tax_rate')})-"
            f"{x.i(at + '.capex_reserve_rate')}*{x.p('xl.revenue_projected')}-"
            f"({x.i(at + '.management_fee_rate')}*{x.p('xl.reit_value')}+"
            f"{x.i(at + '.debt_service')})/{x.i(PPY)})"
        ),
    )


def owner_rows(w: ModelWriter) -> None:
    """What the shareholders do with the REIT exit (renewfin.core.exit.owner_lines): the
    retained units, their distributions and sale after the lock-up, the net recovered
    money and its reinvested share, and their net cash ``equity.reit_units``."""
    b, rx = w.book, w.spec.funding.reit_exit
    assert rx is not None
    S, at, ppy = "CashFlow", "funding.reit_exit", "timeline.periods_per_year"
    for key, value, zh, en, unit in (
        ("retained_share", rx.retained_share, "原始权益人持有份额比例", "Retained share", ""),
        ("payout_ratio", rx.payout_ratio, "分派比例", "Payout ratio", ""),
        ("lockup_years", rx.lockup_years, "份额锁定期", "Lock-up", "yr"),
        ("reinvestment_share", rx.reinvestment_share, "回收资金再投资比例", "Reinvested share", ""),
    ):
        w.param(f"{at}.{key}", value, zh, en, unit)
    w.param(
        "xl.reinvest_kept",
        float(not rx.reinvestment_counts_as_return),
        "再投资资金不计入股东收益",
        "Reinvestment left out of returns (1 = yes)",
        "-",
    )
    period, last = (lambda x: x.p("time.period")), (lambda x: x.p("xl.last_held"))
    b.row(
        S,
        "xl.reit_sale",
        "锁定期满出售标志",
        "Retained units sold flag",
        lambda x: (
            f"=({period(x)}=MIN({last(x)}+{x.i(at + '.lockup_years')}*{x.i(ppy)},"
            f"{x.i('xl.n_periods')}-1))"
        ),
        unit="-",
        fmt=FLAG,
        total=False,
    )
    b.row(
        S,
        "xl.reit_units_held",
        "持有份额标志",
        "Retained units held flag",
        lambda x: (
            f"={x.p('xl.after_exit')}*({period(x)}<=MIN({last(x)}+"
            f"{x.i(at + '.lockup_years')}*{x.i(ppy)},{x.i('xl.n_periods')}-1))"
        ),
        unit="-",
        fmt=FLAG,
        total=False,
    )
    share = lambda x: x.i(at + ".retained_share")
    formulas: dict[str, Template] = {
        "reit.retained_subscription": lambda x: f"={share(x)}*{x.p('reit.value')}",
        "reit.retained_distribution": lambda x: (
            f"={share(x)}*{x.i(at + '.payout_ratio')}*{x.p('reit.distributable')}*"
            f"{x.p('xl.reit_units_held')}"
        ),
        "reit.retained_sale": lambda x: f"={share(x)}*{x.p('xl.reit_value')}*{x.p('xl.reit_sale')}",
        "reit.recovered": lambda x: (
            f"=MAX({x.p('equity.distribution')}-{x.p('reit.retained_subscription')},0)*"
            f"{x.p('reit.flag_exit')}"
        ),
        "reit.reinvested": lambda x: f"={x.i(at + '.reinvestment_share')}*{x.p('reit.recovered')}",
    }
    for id, zh, en in OWNER_LINES:
        b.row(S, id, zh, en, formulas[id])
    b.row(
        S,
        "equity.reit_units",
        "REITs份额及回收资金（归属股东）",
        "Shareholders' net cash from the REIT units and reinvestment",
        lambda x: (
            f"=-{x.p('reit.retained_subscription')}+{x.p('reit.retained_distribution')}+"
            f"{x.p('reit.retained_sale')}-{x.i('xl.reinvest_kept')}*{x.p('reit.reinvested')}"
        ),
    )
