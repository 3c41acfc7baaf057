"""Headline metrics as live formulas (renewfin.metrics, renewfin.metrics_funding), each a
workbook defined name; helper rows on the Metrics (periods) and Ratios (years) sheets."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from openpyxl.workbook.defined_name import DefinedName

from renewfin.excel.book import FLAG, MONEY, PCT, RATIO, At, Template, put_text
from renewfin.excel.ratios import M, R, bank_ratios, coverage, excel_text
from renewfin.metrics import metric_info
from renewfin.metrics_funding import LINE_TOTALS, party_flows
from renewfin.notes import reason_text
from renewfin.ratios import Why

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter
    from renewfin.spec.funding import Loan

PPY = "timeline.periods_per_year"
NA = '"n/a"'


def defined_name(key: str) -> str:
    """An Excel-valid defined name for a metric key (``party_irr[城投]`` → ``party_irr_1``
    style names are numbered by the caller; plain keys stay as they are)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", key)


def _irr(x: At, row: str, guess: str) -> str:
    return f"IFERROR((1+IRR({x.row_range(row)},{x.i(guess)}))^{x.i(PPY)}-1,{NA})"


def _owners_at_risk(x: At) -> str:
    """Whether the shareholders paid in at least 0.1 % of the total investment (the
    engine's "no equity at risk" test, renewfin.metrics_funding._returns)."""
    return (
        f"(SUM({x.row_range('equity.shareholders_in')})>="
        f"0.001*MAX(ABS(SUM({x.row_range('invest.project_total')})),1E-12))"
    )


def _npv(x: At, rate: str, row: str) -> str:
    return f"NPV((1+{x.i(rate)})^(1/{x.i(PPY)})-1,{x.row_range(row)})"


def _payback(w: ModelWriter, flows: str, key: str, discount: str | None = None) -> None:
    """Payback in years (renewfin.finance.payback_period: the last crossing of the
    cumulative from negative to non-negative, interpolated; 0 when never negative)."""
    b = w.book
    if discount is None:
        src = flows
    else:
        src = f"xl.disc[{key}]"
        b.row(
            M,
            src,
            f"折现现金流：{key}",
            f"Discounted flow: {key}",
            lambda x: f"={x.p(flows)}*(1+{x.i(discount)})^(-({x.p('time.period')}+1)/{x.i(PPY)})",
        )
    cum = f"xl.cum[{key}]"
    b.row(
        M,
        cum,
        f"累计：{key}",
        f"Cumulative: {key}",
        lambda x: f"={x.prev(cum)}+{x.p(src)}",
        total=False,
    )
    last = f"xl.last_negative[{key}]"
    b.constant(
        M,
        last,
        f"累计为负的最后一期：{key}",
        f"Last period with a negative cumulative: {key}",
        lambda x: f"=SUMPRODUCT(MAX(({x.row_range(cum)}<0)*{x.row_range('time.period')}))",
        unit="-",
        fmt=FLAG,
    )
    w.metric_formula(
        key,
        lambda x: (
            f'=IF(COUNTIF({x.row_range(cum)},"<0")=0,0,IF({x.p(last)}+1>={x.i("xl.n_periods")},'
            f"{NA},({x.p(last)}+1-INDEX({x.row_range(cum)},{x.p(last)}+1)/INDEX("
            f"{x.row_range(src)},{x.p(last)}+2))/{x.i(PPY)}))"
        ),
    )


def metrics(w: ModelWriter) -> None:
    """Every metric of ``Result.values`` on the Outputs sheet."""
    b, spec, res = w.book, w.spec, w.result
    years = spec.timeline.horizon_years
    ev = spec.evaluation
    w.param("evaluation.discount_rate", ev.discount_rate, "财务基准收益率", "Discount rate")
    w.param(
        "evaluation.equity_discount_rate",
        ev.equity_discount_rate,
        "资本金折现率",
        "Equity discount rate",
    )
    # IRR guesses: the engine's roots as period rates, so that Excel's Newton iteration
    # lands on the same root when the flows change sign more than once.
    ppy = spec.periods_per_year

    def guess(key: str) -> str:
        v = float(res.values[key][w.scenario]) if key in res.values else float("nan")
        g = (1 + v) ** (1 / ppy) - 1 if v == v and v > -1 else 0.1
        path = f"xl.irr_guess[{key}]"
        w.param(
            path,
            g,
            f"IRR初值：{key}",
            f"IRR starting guess: {key}",
            "-",
            "engine's root as a period rate; Excel's IRR starts from it",
        )
        return path

    b.row(
        R,
        "ratio.year",
        "年份序号",
        "Model year",
        lambda x: "=COLUMN()-COLUMN($G$1)",
        unit="-",
        fmt=FLAG,
        total=False,
        n=years,
    )
    S = lambda key: "SUM({x})"  # noqa: F841
    W = w.metric_formula
    W("total_investment", lambda x: f"=SUM({x.row_range('capex.total')})")
    W("total_revenue", lambda x: f"=SUM({x.row_range('revenue.total')})")
    W("total_opex", lambda x: f"=SUM({x.row_range('opex.total')})")
    W(
        "total_taxes",
        lambda x: (
            f"=SUM({x.row_range('tax.vat_payable')})+SUM("
            f"{x.row_range('tax.taxes_and_surcharges')})+SUM("
            f"{x.row_range('tax.adjusted_income_tax')})"
        ),
    )
    for key, row in (
        ("project_irr_pre_tax", "cf.project.pre_tax"),
        ("project_irr_after_tax", "cf.project.after_tax"),
    ):
        g = guess(key)

        def project_irr(x: At, row: str = row, g: str = g) -> str:
            return f"={_irr(x, row, g)}"

        W(key, project_irr)
    W(
        "project_npv_pre_tax",
        lambda x: f"={_npv(x, 'evaluation.discount_rate', 'cf.project.pre_tax')}",
    )
    W("project_npv", lambda x: f"={_npv(x, 'evaluation.discount_rate', 'cf.project.after_tax')}")
    _payback(w, "cf.project.pre_tax", "payback_pre_tax")
    _payback(w, "cf.project.after_tax", "payback_after_tax")
    _payback(w, "cf.project.after_tax", "discounted_payback", "evaluation.discount_rate")
    W("total_project_investment", lambda x: f"=SUM({x.row_range('invest.project_total')})")
    W("idc", lambda x: f"=SUM({x.row_range('finance.interest_capitalised')})")
    _owners_irr(
        w,
        guess,
        "equity_irr",
        ("xl.owners", "股东现金流", "Shareholders' cash flow"),
        lambda x: f"=-{x.p('equity.shareholders_in')}+{owners_cash(x)}",
    )
    W("equity_npv", lambda x: f"={_npv(x, 'evaluation.equity_discount_rate', 'xl.owners')}")
    if "reit.reinvested" in b.cells:
        _other_reinvestment_convention(w, guess)
    _parties(w, guess)
    bank_ratios(w)
    coverage(w)
    _capital(w)
    if spec.funding.reit_exit is not None:
        _reit(w, guess)
    _line_totals(w)


def _owners_irr(
    w: ModelWriter,
    guess: Callable[[str], str],
    key: str,
    row: tuple[str, str, str],
    flows: Template,
) -> None:
    """A shareholders' cash-flow row (id, zh, en) of formula ``flows`` on the Metrics sheet
    and the metric ``key``, its IRR where equity is at risk (renewfin.metrics_funding)."""
    id, zh, en = row
    w.book.row(M, id, zh, en, flows)
    g = guess(key)
    no_equity = excel_text(reason_text("equity_irr", Why.NO_EQUITY))
    w.metric_formula(key, lambda x: f"=IF({_owners_at_risk(x)},{_irr(x, id, g)},{no_equity})")


def _other_reinvestment_convention(w: ModelWriter, guess: Callable[[str], str]) -> None:
    """``equity_irr_other_convention`` (renewfin.metrics_funding): the shareholders' cash
    flow with the reinvested REIT money treated the other way (added back when
    ``xl.reinvest_kept`` = 1, taken off when 0), and its IRR."""
    _owners_irr(
        w,
        guess,
        "equity_irr_other_convention",
        (
            "xl.owners_other",
            "股东现金流（再投资另一口径）",
            "Shareholders' cash flow, reinvestment treated the other way",
        ),
        lambda x: f"={x.p('xl.owners')}+(2*{x.i('xl.reinvest_kept')}-1)*{x.p('reit.reinvested')}",
    )


def _line_totals(w: ModelWriter) -> None:
    """The metrics that sum a line (renewfin.metrics_funding.line_totals)."""
    cells = w.book.cells
    for key, id in LINE_TOTALS:
        if id in cells:

            def total(x: At, id: str = id) -> str:
                return f"=SUM({x.row_range(id)})"

            w.metric_formula(key, total)
    ids = [i for i in cells if i.startswith("revenue.set_aside[")]
    if ids:
        w.metric_formula(
            "land_set_asides", lambda x: "=" + "+".join(f"SUM({x.row_range(i)})" for i in ids)
        )


def owners_cash(x: At) -> str:
    """What the shareholders receive in a period (renewfin.metrics_funding.owners_cash)."""
    out = f"{x.p('equity.distribution')}+{x.p('equity.terminal_value')}"
    if "equity.reit_units" in x.book.cells:
        out += f"+{x.p('equity.reit_units')}"
    return out


def _parties(w: ModelWriter, guess: Callable[[str], str]) -> None:
    b, spec = w.book, w.spec
    W = w.metric_formula
    contributions = [
        (p.name, f"equity.party[{p.name}].contribution") for p in spec.funding.equity_parties
    ]
    contributions += [
        (f.name, f"fiscal.injection[{f.name}]")
        for f in spec.funding.fiscal_funds
        if f"fiscal.injection[{f.name}]" in b.cells
    ]
    names = list(party_flows(w.result.ledger, spec))
    no_equity = excel_text(reason_text("equity_irr", Why.NO_EQUITY))
    total = lambda x: "(" + "+".join(f"SUM({x.row_range(c)})" for _, c in contributions) + ")"
    for name, c in contributions:

        def party_flow(x: At, c: str = c) -> str:
            return (
                f"=-{x.p(c)}+({owners_cash(x)})*IF({total(x)}<>0,"
                f"SUM({x.row_range(c)})/{total(x)},0)"
            )

        b.row(M, f"xl.party[{name}]", f"{name}现金流", f"Cash flow: {name}", party_flow)
    fund = spec.funding.fund
    if fund is not None:
        share = "funding.fund.senior_share"
        b.row(
            M,
            f"xl.party[{fund.name}优先级]",
            "基金优先级现金流",
            "Cash flow: senior tier",
            lambda x: (
                f"=-{x.p('fund.contribution')}*{x.i(share)}+"
                f"{x.p('fund.senior_return')}+{x.p('fund.senior_capital')}"
            ),
        )
        b.row(
            M,
            f"xl.party[{fund.name}劣后级]",
            "基金劣后级现金流",
            "Cash flow: junior tier",
            lambda x: (
                f"=-{x.p('fund.contribution')}*(1-{x.i(share)})+"
                f"{x.p('fund.junior_return')}+{x.p('fund.junior_capital')}+"
                f"{x.p('fund.upside')}"
            ),
        )
    for name in names:
        row = f"xl.party[{name}]"
        g = guess(f"party_irr[{name}]")

        def paid_in(x: At, row: str = row) -> str:
            return f'-SUMIF({x.row_range(row)},"<0")'

        def at_risk(x: At) -> str:
            return (
                f"({paid_in(x)}>=0.001*MAX(ABS(SUM({x.row_range('invest.project_total')})),1E-12))"
            )

        def party_irr(x: At, row: str = row, g: str = g) -> str:
            return f"=IF({at_risk(x)},{_irr(x, row, g)},{no_equity})"

        def party_moic(x: At, row: str = row) -> str:
            return (
                f'=IF({at_risk(x)},IF(SUMIF({x.row_range(row)},"<0")<0,SUMIF('
                f'{x.row_range(row)},">0")/-SUMIF({x.row_range(row)},"<0"),{NA}),{no_equity})'
            )

        W(f"party_irr[{name}]", party_irr)
        W(f"party_moic[{name}]", party_moic)


def _capital(w: ModelWriter) -> None:
    b, spec, plan = w.book, w.spec, w.result.plan
    assert plan is not None
    W = w.metric_formula

    fund = spec.funding.fund
    if fund is not None:
        w.param(
            "xl.fund_capital_share",
            1.0 - fund.debt_like_share,
            "基金计入资本金比例",
            "Share of the fund counted as capital (not 明股实债)",
        )
    fund_capital = lambda x: (
        f"{x.i('xl.fund_capital_share')}*SUM({x.row_range('fund.contribution')})"
    )

    def capital(x: At) -> str:
        parts = [f"SUM({x.row_range(r)})" for r in ("equity.sponsor", "fiscal.injections")]
        if fund is not None:
            parts.append(fund_capital(x))
        parts += [
            f"SUM({x.row_range(f'fiscal.grant[{n}]')})"
            for n, cap in plan.grants_capital.items()
            if cap
        ]
        for tr in plan.bonds:
            if tr.capital_share > 0:
                w.param(
                    f"funding.special_bonds[{tr.name}].capital_share",
                    tr.capital_share,
                    f"作资本金比例：{tr.name}",
                    f"Capital share: {tr.name}",
                )
                parts.append(
                    f"{x.i(f'funding.special_bonds[{tr.name}].capital_share')}*"
                    f"SUM({x.row_range(f'bond[{tr.name}].issue')})"
                )
        return "+".join(parts)

    w.book.constant(
        M,
        "xl.capital_total",
        "项目资本金合计",
        "Project capital (资本金) in all",
        lambda x: f"={capital(x)}",
    )
    cap = lambda x: x.p("xl.capital_total")
    W(
        "capital_ratio",
        lambda x: (
            f"=IF(ABS(SUM({x.row_range('invest.project_total')}))>1E-12,"
            f"{cap(x)}/SUM({x.row_range('invest.project_total')}),{NA})"
        ),
    )
    if fund is not None:
        W(
            "equity_instrument_share",
            lambda x: f"=IF(ABS({cap(x)})>1E-12,{fund_capital(x)}/{cap(x)},{NA})",
        )
    W("sponsor_equity", lambda x: f"=SUM({x.row_range('equity.sponsor')})")
    W("fiscal_outlay", lambda x: f"=SUM({x.row_range('fiscal.total')})")
    W(
        "fiscal_leverage",
        lambda x: (
            f"=IF(SUM({x.row_range('fiscal.grants')})+SUM({x.row_range('fiscal.injections')})>1E-12,"
            f"SUM({x.row_range('invest.project_total')})/(SUM({x.row_range('fiscal.grants')})+"
            f"SUM({x.row_range('fiscal.injections')})),{NA})"
        ),
    )
    originals = [tr.name for tr in plan.bonds if tr.refinancing_of is None]
    W(
        "bond_amount",
        lambda x: (
            "=" + ("+".join(f"SUM({x.row_range(f'bond[{n}].issue')})" for n in originals) or "0")
        ),
    )
    W("loan_amount", lambda x: f"=SUM({x.row_range('loan.draw')})")
    for ln in spec.funding.loans:

        def loan_size(x: At, ln: Loan = ln) -> str:
            return f"={x.p(f'xl.facility[{ln.name}]')}"

        W(f"loan_size[{ln.name}]", loan_size)
    del b


def _reit(w: ModelWriter, guess: Callable[[str], str]) -> None:
    """REIT metrics (renewfin.core.exit): value, first-year distribution rate (distributable
    cash / value), asset IRR,
    operating years, size and eligibility."""
    b, spec = w.book, w.spec
    rx = spec.funding.reit_exit
    assert rx is not None
    W = w.metric_formula
    ownership = rx.asset_type.value == "ownership"
    # the floor its eligibility test reads: the yield of an ownership asset, else the IRR
    floor = (
        ("xl.reit_min_yield", rx.min_distribution_rate, "最低分派率", "Minimum yield")
        if ownership
        else ("xl.reit_min_irr", rx.min_irr, "最低IRR", "Minimum IRR")
    )
    for path, value, zh, en in (
        ("xl.reit_min_years", rx.min_operating_years, "最短运营年限", "Minimum years"),
        floor,
        ("xl.reit_min_size", rx.size_floor, "最低规模（亿元）", "Minimum size (亿元)"),
        (
            "xl.money_yi",
            spec.project.money_unit.yuan / 1e8,
            "货币单位折合亿元",
            "亿元 per money unit",
        ),
    ):
        w.param(path, value, zh, en)
    last = "xl.last_held"
    for y in range(3):

        def year_flag(x: At, y: int = y) -> str:
            return (
                f"=({x.p('time.period')}>{x.p(last)}+{y}*{x.i(PPY)})*("
                f"{x.p('time.period')}<={x.p(last)}+{y + 1}*{x.i(PPY)})"
            )

        b.row(
            M,
            f"xl.reit_year{y}",
            f"退出后第{y + 1}年标志",
            f"Year {y + 1} after exit",
            year_flag,
            unit="-",
            fmt=FLAG,
            total=False,
        )
    for y in range(3):

        def year_yield(x: At, y: int = y) -> str:
            return (
                f"=IF({x.p(last)}+{y + 1}*{x.i(PPY)}<={x.i('xl.n_periods')}-1,"
                f"SUMPRODUCT({x.row_range('reit.distributable')},"
                f"{x.row_range(f'xl.reit_year{y}')})/{x.p('xl.reit_value')},{NA})"
            )

        b.constant(
            M,
            f"xl.reit_yield[{y}]",
            f"退出后第{y + 1}年分派率",
            f"Distribution yield, year {y + 1} after exit",
            year_yield,
            unit="-",
            fmt=PCT,
        )
    rate = lambda x, y: x.p(f"xl.reit_yield[{y}]")
    W("reit_exit_value", lambda x: f"={x.p('xl.reit_value')}")
    W("reit_distribution_yield", lambda x: f"={rate(x, 0)}")
    b.row(
        M,
        "xl.reit_asset_flow",
        "REITs资产现金流",
        "REIT asset cash flow",
        lambda x: (
            f"=-{x.p('xl.reit_value')}*({x.p('time.period')}={x.p(last)})+"
            f"{x.p('reit.noi_projection')}*{x.p('xl.reit_window')}"
        ),
    )
    g = guess("reit_asset_irr")
    W("reit_asset_irr", lambda x: f"={_irr(x, 'xl.reit_asset_flow', g)}")
    first = spec.timeline.phase(None).name
    W(
        "reit_operating_years",
        lambda x: f"=({x.p(last)}+1-{x.p(f'xl.phase_completion[{first}]')})/{x.i(PPY)}",
    )
    W("reit_size_yi_yuan", lambda x: f"={x.p('xl.reit_value')}*{x.i('xl.money_yi')}")

    def eligible(x: At) -> str:
        years = f"({x.p(_out('reit_operating_years', w))}>={x.i('xl.reit_min_years')}-1E-9)"
        size = f"({x.p(_out('reit_size_yi_yuan', w))}>={x.i('xl.reit_min_size')}-1E-12)"
        if ownership:
            test = "*".join(
                f"IFERROR(({rate(x, y)})>={x.i('xl.reit_min_yield')},0)" for y in range(3)
            )
        else:
            test = f"IFERROR(({x.p(_out('reit_asset_irr', w))})>={x.i('xl.reit_min_irr')},0)"
        return f"={years}*{size}*{test}"

    W("reit_eligible", eligible)


def _out(key: str, w: ModelWriter) -> str:
    return f"metric.{key}"


def write_outputs_sheet(w: ModelWriter) -> None:
    """Headline metrics with labels and defined names."""
    wb = w.book.wb
    for k, (key, _) in enumerate(w.metric_rows.items(), start=1):
        cell = w.book.cell(f"metric.{key}")
        name = defined_name(key) if "[" not in key else f"{defined_name(key.split('[')[0])}_{k}"
        ref = f"'{cell.sheet}'!$E${cell.row}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
        ws = wb[cell.sheet]
        put_text(ws, cell.row, 6, name)
        info = metric_info(key)
        fmt = {"rate": PCT, "share": PCT, "money": MONEY}.get(info.unit, RATIO)
        ws.cell(cell.row, 5).number_format = fmt
