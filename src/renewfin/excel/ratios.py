"""The ratios by model year on the Ratios sheet (renewfin.ratios, renewfin.metrics_funding):
the test years, the bank ratios (DSCR, ICR, LLCR, PLCR) and the coverage multiples and
their minima, each a live formula; with the period windows and yearly sums they rest on."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from renewfin.excel.book import FLAG, MONEY, RATIO, At, Template
from renewfin.metrics import metric_info
from renewfin.notes import reason_text
from renewfin.ratios import TIE, Why

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

M = "Metrics"
"""The sheet of the metrics' helper rows by period."""
R = "Ratios"
"""The sheet of the rows by model year."""
PPY = "timeline.periods_per_year"
"""The input holding the periods per year."""


def window(w: ModelWriter, key: str, cond: Callable[[At], str]) -> str:
    """A flag from the first to the last period where ``cond`` holds (ratios.window)."""
    started, later = f"xl.started[{key}]", f"xl.later[{key}]"
    for id, zh, en, formula in (
        (f"xl.cond[{key}]", f"条件：{key}", f"Condition: {key}", lambda x: f"=({cond(x)})*1"),
        (
            started,
            f"已开始：{key}",
            f"Started: {key}",
            lambda x: f"=MAX({x.prev(started)},{x.p(f'xl.cond[{key}]')})",
        ),
        (
            later,
            f"尚未结束：{key}",
            f"Not yet over: {key}",
            lambda x: f"=MAX({x.at(later, 1)},{x.p(f'xl.cond[{key}]')})",
        ),
        (
            f"xl.window[{key}]",
            f"期间：{key}",
            f"Window: {key}",
            lambda x: f"={x.p(started)}*{x.p(later)}",
        ),
    ):
        w.book.row(M, id, zh, en, formula, unit="-", fmt=FLAG, total=False)
    return f"xl.window[{key}]"


def yearly(w: ModelWriter, id: str, zh: str, en: str, source: str, fmt: str = MONEY) -> None:
    """A row ``id`` on the Ratios sheet by model year: the period row ``source`` summed
    over each year's periods (``fmt`` its number format)."""
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


def excel_text(s: str) -> str:
    """A string as an Excel text literal."""
    return '"' + s.replace('"', '""') + '"'


def _reasons(key: str) -> dict[Why, str]:
    """The ``n/a — reason`` texts of metric ``key`` as Excel literals
    (``renewfin.notes.reason_text``; a negative numerator's year is appended)."""
    return {why: excel_text(reason_text(key, why)) for why in Why if why != Why.OK}


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
        yearly(w, id, zh, en, src, fmt=MONEY if id == "ratio.exit" else FLAG)
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
    b.row(
        M,
        "xl.period_year",
        "年份",
        "Calendar year",
        lambda x: f"={x.i('xl.first_year')}+{x.p('time.year')}",
        unit="-",
        fmt="0",
        total=False,
    )


def _minimum(
    w: ModelWriter,
    key: str,
    row: str,
    num: Callable[[At], str],
    den: Callable[[At], str],
    test: str,
    years: str,
    avg: str | None = None,
    zh: str = "",
    en: str = "",
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
    kw: dict[str, Any] = {"unit": "-", "total": False, "n": n}
    b.row(
        sheet,
        f"{row}.due",
        f"{zh}应付标志",
        f"{en}: due",
        lambda x: f"={x.p(test)}*(({den(x)})>1E-12)",
        fmt=FLAG,
        **kw,
    )
    b.row(
        sheet,
        f"{row}.neg",
        f"{zh}分子为负",
        f"{en}: negative numerator",
        lambda x: f"={x.p(f'{row}.due')}*(({num(x)})<0)",
        fmt=FLAG,
        **kw,
    )
    b.row(
        sheet,
        row,
        zh,
        en,
        lambda x: (
            f"=IF({x.p(f'{row}.due')}*(({num(x)})>=0)*(({num(x)})<=1000*({den(x)})),"
            f'({num(x)})/({den(x)}),"")'
        ),
        fmt=RATIO,
        **kw,
    )
    _near_minimum(w, f"{row}.low", row, sheet, n)
    why = _reasons(key)
    rng = lambda x, r: x.row_range(r)

    def undefined(x: At) -> str:
        first = f"INDEX({rng(x, years)},MATCH(1,{rng(x, f'{row}.neg')},0))"
        return (
            f'IF(SUM({rng(x, f"{row}.neg")})>0,{why[Why.NEGATIVE]}&" in "&{first},'
            f"IF(SUM({rng(x, f'{row}.due')})=0,{why[Why.NOT_DUE]},{why[Why.TINY]}))"
        )

    info = metric_info(key)
    why_id = f"xl.why[{key}]"
    b.constant(
        M,
        why_id,
        f"{info.zh}：无定义时的原因",
        f"{info.en}: why undefined",
        lambda x: f"={undefined(x)}",
        unit="-",
        fmt="General",
    )
    defined = lambda x: f"(SUM({rng(x, f'{row}.neg')})=0)*(COUNT({rng(x, row)})>0)"
    w.metric_formula(key, lambda x: f"=IF({defined(x)},MIN({rng(x, row)}),{x.p(why_id)})")
    if avg is not None:
        w.metric_formula(avg, lambda x: f"=IF({defined(x)},AVERAGE({rng(x, row)}),{x.p(why_id)})")
    w.metric_year(
        key,
        lambda x: (
            f"=IF({defined(x)},INDEX({rng(x, years)},MATCH(1,{rng(x, f'{row}.low')},0)),"
            f"IF(SUM({rng(x, f'{row}.neg')})>0,INDEX({rng(x, years)},MATCH(1,"
            f'{rng(x, f"{row}.neg")},0)),""))'
        ),
    )


def _near_minimum(w: ModelWriter, id: str, row: str, sheet: str, n: int | None) -> None:
    """Row ``id``: 1 where ``row`` holds a number within ``TIE`` of its minimum (the year
    of a minimum is the first of them: renewfin.ratios.first_at_minimum)."""
    tie = repr(TIE)

    def near(x: At) -> str:
        low = f"MIN({x.row_range(row)})"
        return f"=IF(ISNUMBER({x.p(row)}),({x.p(row)}<={low}+{tie}*MAX(ABS({low}),1))*1,0)"

    w.book.row(
        sheet, id, "最小值标志", "At the minimum", near, unit="-", fmt=FLAG, total=False, n=n
    )


def bank_ratios(w: ModelWriter) -> None:
    """The 第三版 ratios and the bank DSCR by model year over the test years (renewfin.
    metrics_funding): 偿债备付率 = (EBITDA − 所得税) / 应还本付息额, 利息备付率 = EBIT /
    应付利息; DSCR = CFADS / debt service due (all debt) and, for the loans, CFADS less
    bond service / loan service due; LLCR and PLCR on CFADS after bond service plus the
    cash held for the debt."""
    b = w.book
    _year_rows(w)
    b.row(
        M,
        "xl.ebit_cn",
        "息税前利润（第三版：利润总额＋利息支出）",
        "EBIT (第三版: profit before tax + interest expense)",
        lambda x: f"={x.p('pl.profit_before_tax')}+{x.p('finance.interest_expensed')}",
    )
    b.row(
        M,
        "xl.ebitda_tax",
        "息税折旧摊销前利润－所得税",
        "EBITDA less income tax",
        lambda x: (
            f"={x.p('xl.ebit_cn')}+{x.p('dep_fin.total')}-{x.p('grant.release')}-"
            f"{x.p('grant.cost_offset')}-{x.p('tax.income_tax')}"
        ),
    )
    for id, zh, en, src in (
        ("ratio.cfads", "可用于偿债的现金流", "CFADS", "cash.cfads"),
        ("ratio.bond_ds", "专项债还本付息", "Bond P+I", "cash.bond_debt_service"),
        ("ratio.loan_ds", "贷款应还本付息", "Loan P+I due", "cash.loan_service_due"),
        ("ratio.interest", "应付利息", "Interest due", "finance.interest_expensed"),
        ("ratio.ebit", "息税前利润", "EBIT", "xl.ebit_cn"),
        (
            "ratio.ebitda_tax",
            "息税折旧摊销前利润－所得税",
            "EBITDA less income tax",
            "xl.ebitda_tax",
        ),
    ):
        yearly(w, id, zh, en, src)
    p = lambda id: lambda x: x.p(id)
    debt = lambda x: f"{x.p('ratio.bond_ds')}+{x.p('ratio.loan_ds')}"
    for key, row, num, den, zh, en, avg in (
        (
            "min_dscr_cn",
            "ratio.dscr_cn",
            p("ratio.ebitda_tax"),
            debt,
            "偿债备付率",
            "Debt service coverage ratio (第三版)",
            None,
        ),
        (
            "min_icr",
            "ratio.icr",
            p("ratio.ebit"),
            p("ratio.interest"),
            "利息备付率",
            "Interest coverage ratio (第三版)",
            None,
        ),
        (
            "min_dscr",
            "ratio.dscr",
            p("ratio.cfads"),
            debt,
            "DSCR（全部债务）",
            "DSCR, all debt",
            "avg_dscr",
        ),
        (
            "min_loan_dscr",
            "ratio.loan_dscr",
            lambda x: f"{x.p('ratio.cfads')}-{x.p('ratio.bond_ds')}",
            p("ratio.loan_ds"),
            "贷款DSCR（专项债优先后）",
            "Loan DSCR after bond service",
            None,
        ),
    ):
        _minimum(w, key, row, num, den, "ratio.test", "ratio.calendar", avg, zh, en)
    _cover_ratios(w)


def _loan_rate_rows(w: ModelWriter) -> None:
    """Rows of the loans' opening balance (drawings of the period included) [money] and
    their facility-weighted contractual rate per period [-] (equal weights before any
    facility), the discount rate of LLCR and PLCR."""
    b = w.book
    loans = w.spec.funding.loans
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

    b.row(
        M,
        "xl.llcr_rate",
        "折现率（贷款加权）",
        "Discount rate (loans, facility-weighted)",
        rate,
        unit="-",
        fmt="0.000000",
        total=False,
    )


def _loan_pv_rows(w: ModelWriter) -> None:
    """Rows of CFADS after bond service discounted at the loans' rate over the loan life
    and over the project life [money], the cash held for the debt at the start of each
    period [money], and the flag of a test year's start in the loan life."""
    b = w.book
    cond = lambda x: f"{x.p('xl.loan_open')}>1E-9"
    life = window(w, "loan_life", cond)
    b.row(
        M,
        "xl.llcr_x",
        "专项债后CFADS",
        "CFADS after bond service",
        lambda x: f"={x.p('cash.cfads')}-{x.p('cash.bond_debt_service')}",
    )
    b.row(
        M,
        "xl.pv_loan",
        "贷款期现值",
        "PV over the loan life",
        lambda x: (
            f"=({x.p('xl.llcr_x')}*{x.p(life)}+{x.at('xl.pv_loan', 1)})/(1+{x.p('xl.llcr_rate')})"
        ),
        total=False,
    )
    b.row(
        M,
        "xl.pv_project",
        "项目期现值",
        "PV over the project life",
        lambda x: (
            f"=({x.p('xl.llcr_x')}*({x.p('flag.held')}>0)+{x.at('xl.pv_project', 1)})/"
            f"(1+{x.p('xl.llcr_rate')})"
        ),
        total=False,
    )
    b.row(
        M,
        "xl.held_cash",
        "期初偿债准备（货币资金及准备金）",
        "Cash held for the debt at the start of the period",
        lambda x: f"=MAX({x.prev('cash.cumulative_surplus')},0)",
        total=False,
    )
    b.row(
        M,
        "xl.repaying",
        "贷款期测试年初标志",
        "Start of a test year in the loan life",
        lambda x: (
            f"={x.p(life)}*(MOD({x.p('time.period')},{x.i(PPY)})=0)*INDEX("
            f"{x.row_range('ratio.test')},{x.p('time.year')}+1)"
        ),
        unit="-",
        fmt=FLAG,
        total=False,
    )


def _plcr(w: ModelWriter) -> None:
    """PLCR: at the first test-year start in the loan life, (PV over the project life +
    cash held) ÷ the loan balance, with its reasons when undefined."""
    b = w.book
    W = w.metric_formula
    b.row(
        M,
        "xl.first_repaying",
        "首个贷款测试年初",
        "First test-year start in the loan life",
        lambda x: f"={x.p('xl.repaying')}*(SUM({x.upto('xl.repaying')})=1)",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    sp = lambda x, r: f"SUMPRODUCT({x.row_range('xl.first_repaying')},{x.row_range(r)})"
    why = _reasons("plcr")
    n_id, d_id = _terms(
        w,
        "plcr",
        lambda x: f"{sp(x, 'xl.pv_project')}+{sp(x, 'xl.held_cash')}",
        lambda x: sp(x, "xl.loan_open"),
    )
    W(
        "plcr",
        lambda x: (
            f"=IF(SUM({x.row_range('xl.first_repaying')})=0,{why[Why.NOT_DUE]},"
            f"IF({x.p(d_id)}<=1E-12,{why[Why.NOT_DUE]},IF({x.p(n_id)}<0,"
            f"{why[Why.NEGATIVE]},IF({x.p(n_id)}>1000*{x.p(d_id)},{why[Why.TINY]},"
            f"{x.p(n_id)}/{x.p(d_id)}))))"
        ),
    )


def _cover_ratios(w: ModelWriter) -> None:
    """LLCR and PLCR (renewfin.metrics_funding._cover_ratios): PV at the loans'
    facility-weighted contractual rates of CFADS after bond service over the loan (project)
    life, plus the cash held for the debt at the start of the period, over the loan balance,
    at the start of each test year with a balance."""
    W = w.metric_formula
    if not w.spec.funding.loans:
        W("min_llcr", lambda x: f"={_reasons('min_llcr')[Why.NOT_DUE]}")
        W("plcr", lambda x: f"={_reasons('plcr')[Why.NOT_DUE]}")
        w.metric_year("min_llcr", lambda x: '=""')
        return
    _loan_rate_rows(w)
    _loan_pv_rows(w)
    _minimum(
        w,
        "min_llcr",
        "xl.llcr",
        lambda x: f"{x.p('xl.pv_loan')}+{x.p('xl.held_cash')}",
        lambda x: x.p("xl.loan_open"),
        "xl.repaying",
        "xl.period_year",
        None,
        "贷款期偿债覆盖率",
        "LLCR",
    )
    _plcr(w)


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
    w.book.constant(
        M,
        id,
        f"{info.zh}：分子为负时的说明",
        f"{info.en}: reason when negative",
        lambda x: f"=IF({revenue(x)}<=1E-12,{why[Why.NO_REVENUE]},{why[Why.NEGATIVE]})",
        unit="-",
        fmt="General",
    )
    return id


def _cover(key: str, num: str, den: str, negative: str) -> str:
    """A whole-life cover ``num / den`` with its reasons (renewfin.ratios.cover; the
    reason of a negative cover is the cell ``negative``, ``_negative_reason``)."""
    why = _reasons(key)
    return (
        f"=IF({den}<=1E-12,{why[Why.NOT_DUE]},IF({num}<0,{negative},"
        f"IF({num}>1000*{den},{why[Why.TINY]},{num}/{den})))"
    )


NI, BOND_DS, LOAN_DS = (
    "cash.net_income_for_coverage",
    "cash.bond_debt_service",
    "cash.loan_debt_service",
)
"""Rows of the project income for debt service and of the bonds' and loans' debt service."""


def _whole_life_covers(w: ModelWriter) -> str:
    """The bond-life and debt-life windows and the whole-life covers over them (bond, bond
    with the REIT exit, total debt, residual); return the bond-life window's row id."""
    spec = w.spec
    W = w.metric_formula
    bond = window(
        w,
        "bond_life",
        lambda x: (
            f"({x.p('bond.closing')}>1E-9)+({x.p('cash.bond_debt_service')}>1E-9)+"
            f"({x.p('bond.issue')}>0)>0"
        ),
    )
    has_loans = bool(spec.funding.loans)
    debt = window(
        w,
        "debt_life",
        lambda x: (
            f"({x.p(bond)}>0)"
            + (f"+({x.p('xl.loan_open')}>1E-9)" if has_loans else "")
            + f"+({x.p('cash.loan_debt_service')}>1E-9)>0"
        ),
    )
    sp = lambda x, a, c: f"SUMPRODUCT({x.row_range(a)},{x.row_range(c)})"
    ni, bpi, lpi = NI, BOND_DS, LOAN_DS
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
    covers["total_debt_coverage"] = (income, lambda x: f"({sp(x, bpi, debt)}+{sp(x, lpi, debt)})")
    covers["residual_coverage"] = (
        lambda x: f"({income(x)}-{sp(x, bpi, debt)})",
        lambda x: sp(x, lpi, debt),
    )
    for key, (num, den) in covers.items():
        n_id, d_id = _terms(w, key, num, den)
        neg = _negative_reason(w, key, rev)

        def metric(
            x: At, key: str = key, n_id: str = n_id, d_id: str = d_id, neg: str = neg
        ) -> str:
            return _cover(key, x.p(n_id), x.p(d_id), x.p(neg))

        W(key, metric)
    return bond


def _annual_covers(w: ModelWriter, bond: str) -> None:
    """Yearly rows of the project income and debt service, the annual bond cash test over
    the test years of the bond life (``bond``: its window's row id) and the annual
    total-debt coverage."""
    b, spec = w.book, w.spec
    ni, lpi = NI, LOAN_DS
    b.row(
        M,
        "xl.ni_bond",
        "专项债期间项目收益",
        "Project income over the bond life",
        lambda x: f"={x.p(ni)}*{x.p(bond)}",
    )
    yearly(
        w, "ratio.ni_bond", "专项债期间项目收益", "Project income over the bond life", "xl.ni_bond"
    )
    yearly(w, "ratio.bond_life", "专项债存续期数", "Periods in the bond life", bond, fmt=FLAG)
    n = spec.timeline.horizon_years
    b.row(
        R,
        "ratio.bond_test",
        "专项债测试年",
        "Test year in the bond life",
        lambda x: f"={x.p('ratio.test')}*({x.p('ratio.bond_life')}>0)",
        unit="-",
        fmt=FLAG,
        total=False,
        n=n,
    )
    _minimum(
        w,
        "min_annual_cash_coverage",
        "ratio.annual_cover",
        lambda x: x.p("ratio.ni_bond"),
        lambda x: x.p("ratio.bond_ds"),
        "ratio.bond_test",
        "ratio.calendar",
        None,
        "年度专项债偿债覆盖",
        "Annual bond cash coverage",
    )
    yearly(w, "ratio.ni", "项目收益", "Project income for debt service", ni)
    yearly(w, "ratio.loan_pi", "市场化融资还本付息", "Loan P+I paid", lpi)
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


def _cash_minimum(w: ModelWriter) -> None:
    """The minimum cumulative cash over the periods of operation before the last one held,
    and its year."""
    b = w.book
    W = w.metric_formula
    b.row(
        M,
        "xl.cash_op",
        "运营期累计盈余资金",
        "Cumulative cash in operation",
        lambda x: (
            f"=IF((1-{x.p('flag.construction')})*({x.p('flag.held')}>0)*({x.p('time.period')}<"
            f'{x.p("xl.last_held")}),{x.p("cash.cumulative_surplus")},"")'
        ),
        total=False,
    )
    _near_minimum(w, "xl.cash_low", "xl.cash_op", M, None)
    none = _reasons("min_cumulative_cash")[Why.NOT_DUE]
    W(
        "min_cumulative_cash",
        lambda x: (
            f"=IF(COUNT({x.row_range('xl.cash_op')})=0,{none},MIN({x.row_range('xl.cash_op')}))"
        ),
    )
    w.metric_year(
        "min_cumulative_cash",
        lambda x: (
            f'=IF(COUNT({x.row_range("xl.cash_op")})=0,"",INDEX({x.row_range("xl.period_year")},'
            f"MATCH(1,{x.row_range('xl.cash_low')},0)))"
        ),
    )


def coverage(w: ModelWriter) -> None:
    """本息覆盖倍数 over the bond and debt lives (renewfin.ratios.coverage_sums, cover), the
    annual bond cash test over the test years of the bond life, and the minimum cumulative
    cash over the periods of operation before the last one held."""
    bond = _whole_life_covers(w)
    _annual_covers(w, bond)
    _cash_minimum(w)
