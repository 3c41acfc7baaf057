"""Headline metrics as live formulas (renewfin.metrics, renewfin.metrics_funding), each a
workbook defined name; helper rows on the Metrics (periods) and Ratios (years) sheets."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from openpyxl.workbook.defined_name import DefinedName

from renewfin.excel.book import FLAG, MONEY, PCT, RATIO, At, Template, put_text
from renewfin.metrics import metric_info
from renewfin.metrics_funding import LINE_TOTALS, party_flows
from renewfin.notes import reason_text
from renewfin.ratios import TIE, Why

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter
    from renewfin.spec.funding import Loan

M = "Metrics"
R = "Ratios"
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
    b.constant(M, last, f"累计为负的最后一期：{key}",
               f"Last period with a negative cumulative: {key}",
               lambda x: f"=SUMPRODUCT(MAX(({x.row_range(cum)}<0)*{x.row_range('time.period')}))",
               unit="-", fmt=FLAG)
    w.metric_formula(
        key,
        lambda x: (
            f'=IF(COUNTIF({x.row_range(cum)},"<0")=0,0,IF({x.p(last)}+1>={x.i("xl.n_periods")},'
            f"{NA},({x.p(last)}+1-INDEX({x.row_range(cum)},{x.p(last)}+1)/INDEX("
            f"{x.row_range(src)},{x.p(last)}+2))/{x.i(PPY)}))"
        ),
    )


def _window(w: ModelWriter, key: str, cond: Callable[[At], str]) -> str:
    """A flag from the first to the last period where ``cond`` holds (ratios.window)."""
    b = w.book
    b.row(
        M,
        f"xl.cond[{key}]",
        f"条件：{key}",
        f"Condition: {key}",
        lambda x: f"=({cond(x)})*1",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    b.row(
        M,
        f"xl.started[{key}]",
        f"已开始：{key}",
        f"Started: {key}",
        lambda x: f"=MAX({x.prev(f'xl.started[{key}]')},{x.p(f'xl.cond[{key}]')})",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    b.row(
        M,
        f"xl.later[{key}]",
        f"尚未结束：{key}",
        f"Not yet over: {key}",
        lambda x: f"=MAX({x.at(f'xl.later[{key}]', 1)},{x.p(f'xl.cond[{key}]')})",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    b.row(
        M,
        f"xl.window[{key}]",
        f"期间：{key}",
        f"Window: {key}",
        lambda x: f"={x.p(f'xl.started[{key}]')}*{x.p(f'xl.later[{key}]')}",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    return f"xl.window[{key}]"


def _yearly(w: ModelWriter, id: str, zh: str, en: str, source: str, fmt: str = MONEY) -> None:
    b = w.book
    n = w.spec.timeline.horizon_years
    b.row(
        R,
        id,
        zh,
        en,
        lambda x: f"=SUMIF({x.row_range('time.year')},{x.p('ratio.year')},{x.row_range(source)})",
        fmt=fmt,
        n=n,
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
    _owners_irr(w, guess, "equity_irr", ("xl.owners", "股东现金流", "Shareholders' cash flow"),
                lambda x: f"=-{x.p('equity.shareholders_in')}+{owners_cash(x)}")
    W("equity_npv", lambda x: f"={_npv(x, 'evaluation.equity_discount_rate', 'xl.owners')}")
    if "reit.reinvested" in b.cells:
        _other_reinvestment_convention(w, guess)
    _parties(w, guess)
    _bank_ratios(w)
    _coverage(w)
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
    no_equity = _text(reason_text("equity_irr", Why.NO_EQUITY))
    w.metric_formula(key, lambda x: f"=IF({_owners_at_risk(x)},{_irr(x, id, g)},{no_equity})")


def _other_reinvestment_convention(w: ModelWriter, guess: Callable[[str], str]) -> None:
    """``equity_irr_other_convention`` (renewfin.metrics_funding): the shareholders' cash
    flow with the reinvested REIT money treated the other way (added back when
    ``xl.reinvest_kept`` = 1, taken off when 0), and its IRR."""
    _owners_irr(
        w,
        guess,
        "equity_irr_other_convention",
        ("xl.owners_other", "股东现金流（再投资另一口径）",
         "Shareholders' cash flow, reinvestment treated the other way"),
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
    no_equity = _text(reason_text("equity_irr", Why.NO_EQUITY))
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
                f"({paid_in(x)}>=0.001*MAX(ABS(SUM({x.row_range('invest.project_total')})),"
                "1E-12))"
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


def _text(s: str) -> str:
    """A string as an Excel text literal."""
    return '"' + s.replace('"', '""') + '"'


def _reasons(key: str) -> dict[Why, str]:
    """The ``n/a — reason`` texts of metric ``key`` as Excel literals
    (``renewfin.notes.reason_text``; a negative numerator's year is appended)."""
    return {why: _text(reason_text(key, why)) for why in Why if why != Why.OK}


def _year_rows(w: ModelWriter) -> None:
    """Rows by model year the ratios share: the flags of a test year (fully in operation,
    held, not the year of a REIT exit: renewfin.metrics_funding.test_years) and the
    calendar year."""
    b, spec = w.book, w.spec
    n = spec.timeline.horizon_years
    w.param("xl.first_year", spec.timeline.start_date.year, "首年", "First calendar year", "yr")
    for id, zh, en, src in (
        ("ratio.construction", "建设期期数", "Construction periods", "flag.construction"),
        ("ratio.held", "持有期数", "Periods held", "flag.held"),
        ("ratio.exit", "退出收入", "Exit proceeds", "reit.net_proceeds"),
    ):
        _yearly(w, id, zh, en, src, fmt=MONEY if id == "ratio.exit" else FLAG)
    b.row(
        R,
        "ratio.test",
        "测试年标志",
        "Test year (in operation, held, no exit)",
        lambda x: (
            f"=({x.p('ratio.construction')}=0)*({x.p('ratio.held')}>={x.i(PPY)}-1E-9)*("
            f"{x.p('ratio.exit')}<=0)"
        ),
        unit="-",
        fmt=FLAG,
        total=False,
        n=n,
    )
    b.row(
        R,
        "ratio.calendar",
        "年份",
        "Calendar year",
        lambda x: f"={x.i('xl.first_year')}+{x.p('ratio.year')}",
        unit="-",
        fmt="0",
        total=False,
        n=n,
    )
    b.row(M, "xl.period_year", "年份", "Calendar year",
          lambda x: f"={x.i('xl.first_year')}+{x.p('time.year')}", unit="-", fmt="0",
          total=False)


def _minimum(
    w: ModelWriter, key: str, row: str, num: Callable[[At], str], den: Callable[[At], str],
    test: str, years: str, avg: str | None = None, zh: str = "", en: str = "",
) -> None:
    """A ratio ``num / den`` on the rows of sheet of ``test`` (a 0/1 row: where it is
    assessed) and its minimum as metric ``key`` with its year (renewfin.ratios.minimum):
    rows ``{row}.due`` (assessed with the denominator due), ``{row}.neg`` (a negative
    numerator there) and ``{row}`` (the ratio, '' where it is not shown: not due, negative
    or above 1,000); the metric is ``n/a — reason`` when a numerator is negative (with its
    year), nothing is due or every ratio is negligible. ``years`` is the row of calendar
    years; ``avg`` names the metric of the mean."""
    b = w.book
    cell = b.cell(test)
    sheet, n = cell.sheet, cell.n
    kw = {"unit": "-", "total": False, "n": n}
    b.row(sheet, f"{row}.due", f"{zh}应付标志", f"{en}: due", lambda x: (
        f"={x.p(test)}*(({den(x)})>1E-12)"), fmt=FLAG, **kw)  # type: ignore[arg-type]
    b.row(sheet, f"{row}.neg", f"{zh}分子为负", f"{en}: negative numerator", lambda x: (
        f"={x.p(f'{row}.due')}*(({num(x)})<0)"), fmt=FLAG, **kw)  # type: ignore[arg-type]
    b.row(sheet, row, zh, en, lambda x: (
        f"=IF({x.p(f'{row}.due')}*(({num(x)})>=0)*(({num(x)})<=1000*({den(x)})),"
        f"({num(x)})/({den(x)}),\"\")"), fmt=RATIO, **kw)  # type: ignore[arg-type]
    _near_minimum(w, f"{row}.low", row, sheet, n)
    why = _reasons(key)
    rng = lambda x, r: x.row_range(r)

    def undefined(x: At) -> str:
        first = f"INDEX({rng(x, years)},MATCH(1,{rng(x, f'{row}.neg')},0))"
        return (
            f"IF(SUM({rng(x, f'{row}.neg')})>0,{why[Why.NEGATIVE]}&\" in \"&{first},"
            f"IF(SUM({rng(x, f'{row}.due')})=0,{why[Why.NOT_DUE]},{why[Why.TINY]}))"
        )

    info = metric_info(key)
    why_id = f"xl.why[{key}]"
    b.constant(M, why_id, f"{info.zh}：无定义时的原因", f"{info.en}: why undefined",
               lambda x: f"={undefined(x)}", unit="-", fmt="General")
    defined = lambda x: f"(SUM({rng(x, f'{row}.neg')})=0)*(COUNT({rng(x, row)})>0)"
    w.metric_formula(key, lambda x: f"=IF({defined(x)},MIN({rng(x, row)}),{x.p(why_id)})")
    if avg is not None:
        w.metric_formula(avg, lambda x: (
            f"=IF({defined(x)},AVERAGE({rng(x, row)}),{x.p(why_id)})"))
    w.metric_year(key, lambda x: (
        f"=IF({defined(x)},INDEX({rng(x, years)},MATCH(1,{rng(x, f'{row}.low')},0)),"
        f"IF(SUM({rng(x, f'{row}.neg')})>0,INDEX({rng(x, years)},MATCH(1,"
        f"{rng(x, f'{row}.neg')},0)),\"\"))"
    ))


def _near_minimum(w: ModelWriter, id: str, row: str, sheet: str, n: int | None) -> None:
    """Row ``id``: 1 where ``row`` holds a number within ``TIE`` of its minimum (the year
    of a minimum is the first of them: renewfin.ratios.first_at_minimum)."""
    tie = repr(TIE)

    def near(x: At) -> str:
        low = f"MIN({x.row_range(row)})"
        return (
            f"=IF(ISNUMBER({x.p(row)}),({x.p(row)}<={low}+{tie}*MAX(ABS({low}),1))*1,0)"
        )

    w.book.row(sheet, id, "最小值标志", "At the minimum", near, unit="-", fmt=FLAG, total=False,
               n=n)


def _bank_ratios(w: ModelWriter) -> None:
    """The 第三版 ratios and the bank DSCR by model year over the test years (renewfin.
    metrics_funding): 偿债备付率 = (EBITDA − 所得税) / 应还本付息额, 利息备付率 = EBIT /
    应付利息; DSCR = CFADS / debt service due (all debt) and, for the loans, CFADS less
    bond service / loan service due; LLCR and PLCR on CFADS after bond service plus the
    cash held for the debt."""
    b = w.book
    _year_rows(w)
    b.row(M, "xl.ebit_cn", "息税前利润（第三版：利润总额＋利息支出）",
          "EBIT (第三版: profit before tax + interest expense)",
          lambda x: f"={x.p('pl.profit_before_tax')}+{x.p('finance.interest_expensed')}")
    b.row(M, "xl.ebitda_tax", "息税折旧摊销前利润－所得税", "EBITDA less income tax",
          lambda x: (f"={x.p('xl.ebit_cn')}+{x.p('dep_fin.total')}-{x.p('grant.release')}-"
                     f"{x.p('grant.cost_offset')}-{x.p('tax.income_tax')}"))
    for id, zh, en, src in (
        ("ratio.cfads", "可用于偿债的现金流", "CFADS", "cash.cfads"),
        ("ratio.bond_ds", "专项债还本付息", "Bond P+I", "cash.bond_debt_service"),
        ("ratio.loan_ds", "贷款应还本付息", "Loan P+I due", "cash.loan_service_due"),
        ("ratio.interest", "应付利息", "Interest due", "finance.interest_expensed"),
        ("ratio.ebit", "息税前利润", "EBIT", "xl.ebit_cn"),
        ("ratio.ebitda_tax", "息税折旧摊销前利润－所得税", "EBITDA less income tax",
         "xl.ebitda_tax"),
    ):
        _yearly(w, id, zh, en, src)
    p = lambda id: (lambda x: x.p(id))
    debt = lambda x: f"{x.p('ratio.bond_ds')}+{x.p('ratio.loan_ds')}"
    for key, row, num, den, zh, en, avg in (
        ("min_dscr_cn", "ratio.dscr_cn", p("ratio.ebitda_tax"), debt, "偿债备付率",
         "Debt service coverage ratio (第三版)", None),
        ("min_icr", "ratio.icr", p("ratio.ebit"), p("ratio.interest"), "利息备付率",
         "Interest coverage ratio (第三版)", None),
        ("min_dscr", "ratio.dscr", p("ratio.cfads"), debt, "DSCR（全部债务）",
         "DSCR, all debt", "avg_dscr"),
        ("min_loan_dscr", "ratio.loan_dscr",
         lambda x: f"{x.p('ratio.cfads')}-{x.p('ratio.bond_ds')}", p("ratio.loan_ds"),
         "贷款DSCR（专项债优先后）", "Loan DSCR after bond service", None),
    ):
        _minimum(w, key, row, num, den, "ratio.test", "ratio.calendar", avg, zh, en)
    _cover_ratios(w)


def _cover_ratios(w: ModelWriter) -> None:
    """LLCR and PLCR (renewfin.metrics_funding._cover_ratios): PV at the loans'
    facility-weighted contractual rates of CFADS after bond service over the loan (project)
    life, plus the cash held for the debt at the start of the period, over the loan balance,
    at the start of each test year with a balance."""
    b, spec = w.book, w.spec
    W = w.metric_formula
    loans = spec.funding.loans
    if not loans:
        W("min_llcr", lambda x: f"={_reasons('min_llcr')[Why.NOT_DUE]}")
        W("plcr", lambda x: f"={_reasons('plcr')[Why.NOT_DUE]}")
        w.metric_year("min_llcr", lambda x: '=""')
        return
    b.row(
        M,
        "xl.loan_open",
        "贷款期初余额（含本期提款）",
        "Loan opening balance incl. drawings",
        lambda x: (
            "="
            + "+".join(
                f"{x.p(f'loan[{ln.name}].opening')}+{x.p(f'loan[{ln.name}].draw')}" for ln in loans
            )
        ),
    )
    total = lambda x: "(" + "+".join(x.p(f"xl.facility[{ln.name}]") for ln in loans) + ")"

    def rate(x: At) -> str:
        parts = []
        for ln in loans:
            wgt = f"IF({total(x)}>1E-12,{x.p(f'xl.facility[{ln.name}]')}/{total(x)},1/{len(loans)})"
            parts.append(f"{wgt}*{x.p(f'xl.rate[{ln.name}]')}")
        return "=" + "+".join(parts)

    b.row(M, "xl.llcr_rate", "折现率（贷款加权）", "Discount rate (loans, facility-weighted)",
          rate, unit="-", fmt="0.000000", total=False)
    cond = lambda x: f"{x.p('xl.loan_open')}>1E-9"
    life = _window(w, "loan_life", cond)
    b.row(M, "xl.llcr_x", "专项债后CFADS", "CFADS after bond service",
          lambda x: f"={x.p('cash.cfads')}-{x.p('cash.bond_debt_service')}")
    b.row(M, "xl.pv_loan", "贷款期现值", "PV over the loan life", lambda x: (
        f"=({x.p('xl.llcr_x')}*{x.p(life)}+{x.at('xl.pv_loan', 1)})/(1+{x.p('xl.llcr_rate')})"
    ), total=False)
    b.row(M, "xl.pv_project", "项目期现值", "PV over the project life", lambda x: (
        f"=({x.p('xl.llcr_x')}*({x.p('flag.held')}>0)+{x.at('xl.pv_project', 1)})/"
        f"(1+{x.p('xl.llcr_rate')})"
    ), total=False)
    b.row(M, "xl.held_cash", "期初偿债准备（货币资金及准备金）",
          "Cash held for the debt at the start of the period",
          lambda x: f"=MAX({x.prev('cash.cumulative_surplus')},0)", total=False)
    b.row(M, "xl.repaying", "贷款期测试年初标志", "Start of a test year in the loan life",
          lambda x: (
              f"={x.p(life)}*(MOD({x.p('time.period')},{x.i(PPY)})=0)*INDEX("
              f"{x.row_range('ratio.test')},{x.p('time.year')}+1)"
          ), unit="-", fmt=FLAG, total=False)
    _minimum(
        w, "min_llcr", "xl.llcr",
        lambda x: f"{x.p('xl.pv_loan')}+{x.p('xl.held_cash')}", lambda x: x.p("xl.loan_open"),
        "xl.repaying", "xl.period_year", None, "贷款期偿债覆盖率", "LLCR",
    )
    b.row(M, "xl.first_repaying", "首个贷款测试年初", "First test-year start in the loan life",
          lambda x: f"={x.p('xl.repaying')}*(SUM({x.upto('xl.repaying')})=1)", unit="-",
          fmt=FLAG, total=False)
    sp = lambda x, r: f"SUMPRODUCT({x.row_range('xl.first_repaying')},{x.row_range(r)})"
    why = _reasons("plcr")
    n_id, d_id = _terms(w, "plcr", lambda x: f"{sp(x, 'xl.pv_project')}+{sp(x, 'xl.held_cash')}",
                        lambda x: sp(x, "xl.loan_open"))
    W("plcr", lambda x: (
        f"=IF(SUM({x.row_range('xl.first_repaying')})=0,{why[Why.NOT_DUE]},"
        f"IF({x.p(d_id)}<=1E-12,{why[Why.NOT_DUE]},IF({x.p(n_id)}<0,"
        f"{why[Why.NEGATIVE]},IF({x.p(n_id)}>1000*{x.p(d_id)},{why[Why.TINY]},"
        f"{x.p(n_id)}/{x.p(d_id)}))))"
    ))


def _terms(w: ModelWriter, key: str, num: Template, den: Template) -> tuple[str, str]:
    """Row ids of the numerator and denominator of metric ``key``, written once on the
    Metrics sheet (so that the metric's formula names each once: short formulas)."""
    ids = (f"xl.num[{key}]", f"xl.den[{key}]")
    info = metric_info(key)
    for id, f, zh, en in ((ids[0], num, "分子", "numerator"), (ids[1], den, "分母", "denominator")):

        def cell(x: At, f: Template = f) -> str:
            return "=" + f(x)

        w.book.constant(M, id, f"{info.zh}：{zh}", f"{info.en}: {en}", cell)
    return ids


def _negative_reason(w: ModelWriter, key: str, revenue: Template) -> str:
    """Write the reason a negative cover ``key`` is undefined ("no revenue" for a project
    without revenue, else "negative") as a Metrics cell and return its id."""
    why, info = _reasons(key), metric_info(key)
    id = f"xl.why_negative[{key}]"
    w.book.constant(M, id, f"{info.zh}：分子为负时的说明", f"{info.en}: reason when negative",
                    lambda x: (f"=IF({revenue(x)}<=1E-12,{why[Why.NO_REVENUE]},"
                               f"{why[Why.NEGATIVE]})"), unit="-", fmt="General")
    return id


def _cover(key: str, num: str, den: str, negative: str) -> str:
    """A whole-life cover ``num / den`` with its reasons (renewfin.ratios.cover; the
    reason of a negative cover is the cell ``negative``, ``_negative_reason``)."""
    why = _reasons(key)
    return (
        f"=IF({den}<=1E-12,{why[Why.NOT_DUE]},IF({num}<0,{negative},"
        f"IF({num}>1000*{den},{why[Why.TINY]},{num}/{den})))"
    )


def _coverage(w: ModelWriter) -> None:
    """本息覆盖倍数 over the bond and debt lives (renewfin.ratios.coverage_sums, cover), the
    annual bond cash test over the test years of the bond life, and the minimum cumulative
    cash over the periods of operation before the last one held."""
    b, spec = w.book, w.spec
    W = w.metric_formula
    bond = _window(
        w,
        "bond_life",
        lambda x: (
            f"({x.p('bond.closing')}>1E-9)+({x.p('cash.bond_debt_service')}>1E-9)+"
            f"({x.p('bond.issue')}>0)>0"
        ),
    )
    has_loans = bool(spec.funding.loans)
    debt = _window(
        w,
        "debt_life",
        lambda x: (
            f"({x.p(bond)}>0)"
            + (f"+({x.p('xl.loan_open')}>1E-9)" if has_loans else "")
            + f"+({x.p('cash.loan_debt_service')}>1E-9)>0"
        ),
    )
    sp = lambda x, a, c: f"SUMPRODUCT({x.row_range(a)},{x.row_range(c)})"
    ni, bpi, lpi = (
        "cash.net_income_for_coverage",
        "cash.bond_debt_service",
        "cash.loan_debt_service",
    )
    rev = lambda x: f"SUM({x.row_range('revenue.total')})"
    income = lambda x: f"({sp(x, ni, debt)}+{sp(x, 'reit.net_proceeds', debt)})"
    covers: dict[str, tuple[Template, Template]] = {
        "bond_coverage": (lambda x: sp(x, ni, bond), lambda x: sp(x, bpi, bond)),
    }
    if spec.funding.reit_exit is not None:
        covers["bond_coverage_with_exit"] = (
            lambda x: f"({sp(x, ni, bond)}+{sp(x, 'reit.net_proceeds', bond)})",
            lambda x: sp(x, bpi, bond),
        )
    covers["total_debt_coverage"] = (
        income, lambda x: f"({sp(x, bpi, debt)}+{sp(x, lpi, debt)})")
    covers["residual_coverage"] = (
        lambda x: f"({income(x)}-{sp(x, bpi, debt)})", lambda x: sp(x, lpi, debt))
    for key, (num, den) in covers.items():
        n_id, d_id = _terms(w, key, num, den)
        neg = _negative_reason(w, key, rev)

        def metric(x: At, key: str = key, n_id: str = n_id, d_id: str = d_id,
                   neg: str = neg) -> str:
            return _cover(key, x.p(n_id), x.p(d_id), x.p(neg))

        W(key, metric)
    b.row(M, "xl.ni_bond", "专项债期间项目收益", "Project income over the bond life",
          lambda x: f"={x.p(ni)}*{x.p(bond)}")
    _yearly(w, "ratio.ni_bond", "专项债期间项目收益", "Project income over the bond life",
            "xl.ni_bond")
    _yearly(w, "ratio.bond_life", "专项债存续期数", "Periods in the bond life", bond, fmt=FLAG)
    n = spec.timeline.horizon_years
    b.row(R, "ratio.bond_test", "专项债测试年", "Test year in the bond life",
          lambda x: f"={x.p('ratio.test')}*({x.p('ratio.bond_life')}>0)", unit="-", fmt=FLAG,
          total=False, n=n)
    _minimum(
        w, "min_annual_cash_coverage", "ratio.annual_cover", lambda x: x.p("ratio.ni_bond"),
        lambda x: x.p("ratio.bond_ds"), "ratio.bond_test", "ratio.calendar", None,
        "年度专项债偿债覆盖", "Annual bond cash coverage",
    )
    _yearly(w, "ratio.ni", "项目收益", "Project income for debt service", ni)
    _yearly(w, "ratio.loan_pi", "市场化融资还本付息", "Loan P+I paid", lpi)
    b.row(
        R,
        "ratio.total_cover",
        "年度全部债务本息覆盖倍数",
        "Annual total-debt coverage",
        lambda x: (
            f"=IF({x.p('ratio.test')}*("
            f"{x.p('ratio.bond_ds')}+{x.p('ratio.loan_pi')}>1E-12),"
            f'{x.p("ratio.ni")}/({x.p("ratio.bond_ds")}+{x.p("ratio.loan_pi")}),"")'
        ),
        unit="-",
        fmt=RATIO,
        total=False,
        n=n,
    )
    b.row(M, "xl.cash_op", "运营期累计盈余资金", "Cumulative cash in operation", lambda x: (
        f"=IF((1-{x.p('flag.construction')})*({x.p('flag.held')}>0)*({x.p('time.period')}<"
        f"{x.p('xl.last_held')}),{x.p('cash.cumulative_surplus')},\"\")"
    ), total=False)
    _near_minimum(w, "xl.cash_low", "xl.cash_op", M, None)
    none = _reasons("min_cumulative_cash")[Why.NOT_DUE]
    W("min_cumulative_cash", lambda x: (
        f"=IF(COUNT({x.row_range('xl.cash_op')})=0,{none},MIN({x.row_range('xl.cash_op')}))"
    ))
    w.metric_year("min_cumulative_cash", lambda x: (
        f"=IF(COUNT({x.row_range('xl.cash_op')})=0,\"\",INDEX({x.row_range('xl.period_year')},"
        f"MATCH(1,{x.row_range('xl.cash_low')},0)))"
    ))


def _capital(w: ModelWriter) -> None:
    b, spec, plan = w.book, w.spec, w.result.plan
    assert plan is not None
    W = w.metric_formula

    fund = spec.funding.fund
    if fund is not None:
        w.param("xl.fund_capital_share", 1.0 - fund.debt_like_share, "基金计入资本金比例",
                "Share of the fund counted as capital (not 明股实债)")
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

    w.book.constant(M, "xl.capital_total", "项目资本金合计", "Project capital (资本金) in all",
                    lambda x: f"={capital(x)}")
    cap = lambda x: x.p("xl.capital_total")
    W(
        "capital_ratio",
        lambda x: (
            f"=IF(ABS(SUM({x.row_range('invest.project_total')}))>1E-12,"
            f"{cap(x)}/SUM({x.row_range('invest.project_total')}),{NA})"
        ),
    )
    if fund is not None:
        W("equity_instrument_share", lambda x: (
            f"=IF(ABS({cap(x)})>1E-12,{fund_capital(x)}/{cap(x)},{NA})"
        ))
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
    floor = (("xl.reit_min_yield", rx.min_distribution_rate, "最低分派率", "Minimum yield")
             if ownership else ("xl.reit_min_irr", rx.min_irr, "最低IRR", "Minimum IRR"))
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

        b.constant(M, f"xl.reit_yield[{y}]", f"退出后第{y + 1}年分派率",
                   f"Distribution yield, year {y + 1} after exit", year_yield, unit="-", fmt=PCT)
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
