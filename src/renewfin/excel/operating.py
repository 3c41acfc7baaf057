"""Workbook rows of the operating model: operating costs, the concession fee, depreciation,
the loss pools of income tax, the project cash flow, operating subsidies and working
capital. Each row's formula mirrors the numpy of the module named in its docstring. The
other operating rows are in ``renewfin.excel.timeline``, ``.investment``, ``.revenue``,
``.taxes`` and ``.exit``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from renewfin.excel.book import FLAG, At, Template

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter


def concession_term_row(w: ModelWriter) -> str:
    """The flag row ``xl.concession_term`` (1 while the concession runs: the period index
    below the term's periods, at most the horizon; renewfin.core.concession.term_periods)
    on the Opex sheet, once; returns its id."""
    id = "xl.concession_term"
    if id not in w.book.cells:
        gp = w.spec.funding.government_payment
        assert gp is not None and gp.term_years is not None
        w.param(
            "funding.government_payment.term_years",
            gp.term_years,
            "特许经营期限",
            "Concession term",
            "yr",
        )
        w.book.row(
            "Opex",
            id,
            "特许经营期内",
            "Within the concession term",
            lambda x: (
                f"=({x.p('time.period')}<MIN(ROUND({x.i('funding.government_payment.term_years')}"
                f"*{x.i('timeline.periods_per_year')},0),{x.i('xl.n_periods')}))*1"
            ),
            total=False,
        )
    return id


def _group_rows(w: ModelWriter, running: str | None) -> None:
    """Per asset class and phase, the book and tax depreciation: inventory charged with
    sales, else straight line (to the hand-back term ``running`` when there is one)."""
    b, spec = w.book, w.spec
    S = "Depreciation"
    for cls, ph in w.groups:
        c = spec.depreciation.get(cls)
        ov = f"xl.ov[{cls}|{ph}]"
        for key, life_key, zh, en in (
            ("xl.dep", "xl.life", "折旧摊销", "Depreciation"),
            ("xl.dep_tax", "xl.tax_life", "税法折旧摊销", "Tax depreciation"),
        ):
            b.row(
                S,
                f"{key}[{cls}|{ph}]",
                f"{zh}：{cls}（{ph}）",
                f"{en}: {cls} ({ph})",
                _inventory_charge(ov)
                if c.inventory
                else _straight_line(ov, ph, cls, life_key, running),
            )


def _class_rows(w: ModelWriter) -> None:
    """Book depreciation per asset class (the sum over its phases)."""
    b, spec = w.book, w.spec
    S = "Depreciation"
    for c in spec.depreciation.classes:
        parts = [f"xl.dep[{cls}|{ph}]" for cls, ph in w.groups if cls == c.name]
        if parts:

            def dep_class(x: At, parts: list[str] = parts) -> str:
                return "=" + "+".join(x.p(p) for p in parts)

            b.row(
                S,
                f"dep.class[{c.name}]",
                f"折旧摊销：{c.label_zh or c.name}",
                f"Depreciation: {c.name}",
                dep_class,
            )


def _total_rows(w: ModelWriter, written_off: list[str], tax_off: list[str]) -> None:
    """Book and tax depreciation in total, the hand-back write-offs ``written_off`` and
    ``tax_off`` (row ids) included."""
    b, spec = w.book, w.spec
    S = "Depreciation"
    classes = [
        c.name for c in spec.depreciation.classes if any(cls == c.name for cls, _ in w.groups)
    ]
    b.row(
        S,
        "dep.total",
        "折旧摊销合计",
        "Depreciation and amortisation",
        lambda x: (
            "="
            + (
                "+".join(
                    [*(x.p(f"dep.class[{c}]") for c in classes), *(x.p(i) for i in written_off)]
                )
                or "0"
            )
        ),
    )
    b.row(
        S,
        "dep_tax.total",
        "税法折旧摊销（融资前）",
        "Depreciation for income tax (before financing costs)",
        lambda x: (
            "="
            + (
                "+".join(
                    [
                        *(x.p(f"xl.dep_tax[{c}|{p}]") for c, p in w.groups),
                        *(x.p(i) for i in tax_off),
                    ]
                )
                or "0"
            )
        ),
    )


def _book_tax_gap_rows(w: ModelWriter) -> None:
    """Book less tax depreciation and its taxable-income adjustment (reversed at a
    disposal), the net book value at the end of holding and the residual value recovered."""
    b = w.book
    S = "Depreciation"
    b.row(
        S,
        "xl.dep_gap",
        "税会折旧差异",
        "Book less tax depreciation",
        lambda x: f"={x.p('dep.total')}-{x.p('dep_tax.total')}",
    )
    b.row(
        S,
        "dep_tax.adjustment",
        "税会折旧差异纳税调整",
        "Taxable income adjustment: book less tax depreciation (reversed at a disposal)",
        lambda x: (
            f"={x.p('xl.dep_gap')}-{x.i('xl.has_exit')}*"
            f"({x.p('time.period')}={x.p('xl.last_held')})*SUM({x.upto('xl.dep_gap')})"
        ),
    )
    b.row(
        S,
        "dep.book_value_at_end",
        "期末固定资产净值",
        "Net book value at the end of holding",
        lambda x: (
            f"=({x.p('xl.ov_total')}-SUM({x.row_range('dep.total')}))*"
            f"({x.p('time.period')}={x.p('xl.last_held')})"
        ),
        total=False,
    )
    b.row(
        S,
        "dep.residual_value",
        "回收固定资产余值",
        "Residual value recovered",
        lambda x: f"={x.i('xl.include_residual')}*{x.p('dep.book_value_at_end')}",
    )


def depreciation_rows(w: ModelWriter) -> None:
    """Straight-line depreciation, inventory charged with sales, book value at the end
    (renewfin.core.depreciation)."""
    b, spec = w.book, w.spec
    S = "Depreciation"
    one_off = [r.name for r in spec.revenues if r.kind.one_off]
    if one_off:
        b.row(
            S,
            "xl.sales",
            "一次性销售收入",
            "One-off sales revenue",
            lambda x: "=" + "+".join(x.p(f"revenue.stream[{n}]") for n in one_off),
        )
    w.depreciation_inputs({cls for cls, _ in w.groups})
    running = hand_back_term(w)
    _group_rows(w, running)
    written_off, tax_off = _hand_back_rows(w, running)
    _class_rows(w)
    _total_rows(w, written_off, tax_off)
    _book_tax_gap_rows(w)


def _year_starts(x: At) -> str:
    """1 where the period at ``x`` starts a model year (its year differs from the last)."""
    return f"({x.p('time.year')}<>N({x.prev('time.year')}))"


def _before_now(x: At, id: str) -> str:
    """Row ``id``'s year to date up to the period before ``x`` (0 at a year start)."""
    return f"IF({_year_starts(x)},0,N({x.prev(id)}))"


def _vintage_rows(w: ModelWriter, S: str, key: str, v: int) -> None:
    """The rows of loss vintage ``v`` (model year v) of loss pool ``key`` on sheet ``S``:
    its remaining loss at the start of the year, the profit left for it (after the
    older vintages) and what it offsets of the year to date."""
    b = w.book
    year = lambda x: x.p("time.year")
    new = _year_starts

    def opening(x: At) -> str:
        return (
            f"=IF({new(x)},N({x.prev(f'xl.{key}.open{v}')})-N({x.prev(f'xl.{key}.used{v}')})"
            f"+({year(x)}={v + 1})*MAX(-N({x.prev(f'xl.{key}.ytd')}),0),"
            f"N({x.prev(f'xl.{key}.open{v}')}))"
        )

    def left(x: At) -> str:
        if v == 0:
            return f"={x.p(f'xl.{key}.gain')}"
        return f"={x.p(f'xl.{key}.left{v - 1}')}-{x.p(f'xl.{key}.used{v - 1}')}"

    def used(x: At) -> str:
        return (
            f"=MIN({x.p(f'xl.{key}.open{v}')},{x.p(f'xl.{key}.left{v}')})*"
            f"({year(x)}>{v})*({year(x)}-{v}<={x.i('xl.carry_years')})*"
            f"({x.i('xl.carry_years')}>0)"
        )

    for id, zh, en, f in (
        (
            f"xl.{key}.open{v}",
            f"第{v}年亏损年初余额",
            f"Loss of year {v} at the year start",
            opening,
        ),
        (
            f"xl.{key}.left{v}",
            f"可弥补余额（{v}年前）",
            f"Profit left before vintage {v}",
            left,
        ),
        (
            f"xl.{key}.used{v}",
            f"本年累计弥补第{v}年亏损",
            f"Loss of year {v} used to date",
            used,
        ),
    ):
        b.row(S, id, zh, en, f, total=False)


def loss_pool(w: ModelWriter, S: str, key: str, taxable: str, rate: str, out: str) -> None:
    """Income tax on the profit of the tax year to date less the losses of earlier years
    by model-year vintage, oldest first, as renewfin.core.tax.use_losses: the year's profit
    to date, for each vintage v its remaining loss at the start of the year (its loss added
    when year v ends, what the year before used taken off), the profit left for it and
    what it offsets of the year to date; the losses used and the tax of each period are
    the changes of the year's to date (a negative tax is a refund of what the year
    prepaid). ``taxable`` is the row of profit before tax; the tax goes to row ``out``."""
    b = w.book
    years = w.spec.timeline.horizon_years
    since = _before_now
    b.row(
        S,
        f"xl.{key}.ytd",
        "本年累计应税利润（弥补前）",
        "Taxable profit of the tax year to date, before loss relief",
        lambda x: f"={since(x, f'xl.{key}.ytd')}+{x.p(taxable)}",
        total=False,
    )
    b.row(
        S,
        f"xl.{key}.gain",
        "本年累计应税所得（弥补前，不低于0）",
        "Taxable profit of the year to date before loss relief, at least 0",
        lambda x: f"=MAX({x.p(f'xl.{key}.ytd')},0)",
        total=False,
    )
    for v in range(years):
        _vintage_rows(w, S, key, v)
    b.row(
        S,
        f"xl.{key}.used_ytd",
        "本年累计弥补以前年度亏损",
        "Losses used in the year to date",
        lambda x: "=" + "+".join(x.p(f"xl.{key}.used{v}") for v in range(years)),
        total=False,
    )
    b.row(
        S,
        f"xl.{key}.used",
        "弥补以前年度亏损",
        "Losses used",
        lambda x: f"={x.p(f'xl.{key}.used_ytd')}-{since(x, f'xl.{key}.used_ytd')}",
    )
    b.row(
        S,
        f"xl.{key}.after",
        "本年累计应纳税所得额",
        "Taxable income of the year to date after loss relief",
        lambda x: f"={x.p(f'xl.{key}.gain')}-{x.p(f'xl.{key}.used_ytd')}",
        total=False,
    )
    b.row(
        S,
        out,
        "所得税",
        "Income tax",
        lambda x: (
            f"={x.i(rate)}*({x.p(f'xl.{key}.after')}-{since(x, f'xl.{key}.after')})"
            + (f"*{x.p('tax.holiday_factor')}" if w.spec.tax.income_tax_holiday else "")
        ),
    )


def _inventory_charge(ov: str) -> Template:
    """Inventory (开发成本) charged with the one-off sales: original value × the period's share
    of the sales."""

    def formula(x: At) -> str:
        return f"={x.p(ov)}*{x.p('xl.sales')}/SUM({x.row_range('xl.sales')})"

    return formula


def _straight_line(
    ov: str, ph: str, cls: str, life_key: str, running: str | None = None
) -> Template:
    """Straight-line charge of one asset group over the life input ``life_key[cls]``
    (renewfin.core.depreciation.straight_line), while held (and, for a concession handed
    back, while the term flag row ``running`` is 1)."""

    def formula(x: At) -> str:
        start = x.p(f"xl.phase_completion[{ph}]")
        life = f"({x.i(f'{life_key}[{cls}]')}*{x.i('timeline.periods_per_year')})"
        t = x.p("time.period")
        used = f"MIN(MAX(MIN({t}+1,{start}+{life})-MAX({t},{start}),0),1)"
        term = "" if running is None else f"*{x.p(running)}"
        return f"={x.p('flag.held')}{term}*{x.p(ov)}*(1-{x.i(f'xl.residual[{cls}]')})/{life}*{used}"

    return formula


def hand_back_term(w: ModelWriter) -> str | None:
    """The concession term flag row (``concession_term_row``) when the company hands the
    assets back (renewfin.core.concession.handed_back_at), else None."""
    from renewfin.core.concession import handed_back_at

    if handed_back_at(w.spec, w.result.timeline) is None:
        return None
    return concession_term_row(w)


def _written_off(ov: str, charge: str, running: str) -> Template:
    """The original value ``ov`` less the charge ``charge`` to date, in the last period the
    term flag row ``running`` is 1 (renewfin.core.depreciation._hand_back), else 0."""
    return lambda x: f"=({x.p(ov)}-SUM({x.upto(charge)}))*({x.p(running)}-{x.at(running, 1)})"


def _hand_back_rows(w: ModelWriter, running: str | None) -> tuple[list[str], list[str]]:
    """A concession handed back (renewfin.core.depreciation._hand_back): for each
    depreciated asset group, the net book value left on the books and for tax in the term's
    last period (its original value less the depreciation to date), and ``dep.hand_back``,
    their book total; returns the ids of the book and of the tax write-offs."""
    from renewfin.core.concession import concession_of

    b, spec, S = w.book, w.spec, "Depreciation"
    book: list[str] = []
    tax: list[str] = []
    groups = [(c, p) for c, p in w.groups if not spec.depreciation.get(c).inventory]
    for cls, ph in groups if running is not None else []:
        assert running is not None
        for key, out, zh in (("xl.dep", book, "账面"), ("xl.dep_tax", tax, "税法")):
            id = f"{key}_off[{cls}|{ph}]"
            b.row(
                S,
                id,
                f"期满移交转销（{zh}）：{cls}（{ph}）",
                f"Written off at the hand-back ({'book' if zh == '账面' else 'tax'}): {cls} ({ph})",
                _written_off(f"xl.ov[{cls}|{ph}]", f"{key}[{cls}|{ph}]", running),
            )
            out.append(id)
    if concession_of(spec) is not None:
        b.row(
            S,
            "dep.hand_back",
            "期满移交资产净值转销",
            "Net book value written off at the hand-back",
            lambda x: "=" + ("+".join(x.p(i) for i in book) or "0"),
        )
    return book, tax


def cashflow_rows(w: ModelWriter) -> None:
    """EBITDA, EBIT before financing, adjusted income tax and the project cash flow
    (renewfin.core.cashflow), and the REIT exit value (renewfin.core.exit)."""
    b = w.book
    S = "CashFlow"
    b.section(S, "融资前利润 Profit before financing")
    b.row(
        S,
        "pl.ebitda",
        "息税折旧摊销前利润",
        "EBITDA",
        lambda x: f"={x.p('revenue.total')}-{x.p('opex.total')}-{x.p('tax.taxes_and_surcharges')}",
    )
    gain = lambda x: (
        f"({x.p('reit.net_proceeds')}-{x.p('dep.book_value_at_end')}*{x.i('xl.has_exit')})"
    )
    b.row(
        S,
        "pl.ebit_pre_financing",
        "息税前利润（融资前）",
        "EBIT before financing",
        lambda x: (
            f"={x.p('pl.ebitda')}+{x.p('fiscal.operating_subsidies')}-{x.p('dep.total')}+{gain(x)}"
        ),
    )
    b.row(
        S,
        "xl.adj.base",
        "调整所得税税基",
        "Base of the adjusted income tax",
        lambda x: (
            f"={x.p('pl.ebit_pre_financing')}-({x.p('fiscal.operating_subsidies')}-"
            f"{x.p('fiscal.operating_subsidies_taxable')})+{x.p('grant.tax_adjustment')}+"
            f"{x.p('dep_tax.adjustment')}"
        ),
    )
    loss_pool(w, S, "adj", "xl.adj.base", "tax.income_tax_rate", "tax.adjusted_income_tax")
    b.section(S, "项目投资现金流量表 Project cash flow")
    b.row(
        S,
        "cf.project.inflow",
        "现金流入",
        "Cash inflow",
        lambda x: (
            f"={x.p('revenue.total')}+{x.p('tax.output_vat')}+"
            f"{x.p('fiscal.operating_subsidies')}+{x.p('dep.residual_value')}+"
            f"{x.p('reit.net_proceeds')}+{x.p('wc.recovery')}+{x.p('tax.vat_refund')}"
        ),
    )
    b.row(
        S,
        "cf.project.outflow",
        "现金流出",
        "Cash outflow",
        lambda x: (
            f"={x.p('capex.total')}+{x.p('opex.total')}+{x.p('opex.input_vat')}+"
            f"{x.p('tax.vat_payable')}+{x.p('tax.taxes_and_surcharges')}+"
            f"{x.p('wc.investment')}"
        ),
    )
    b.row(
        S,
        "cf.project.pre_tax",
        "所得税前净现金流量",
        "Net cash flow before income tax",
        lambda x: f"={x.p('cf.project.inflow')}-{x.p('cf.project.outflow')}",
    )
    b.row(
        S,
        "cf.project.pre_tax_cumulative",
        "累计所得税前净现金流量",
        "Cumulative net cash flow before income tax",
        lambda x: f"={x.prev('cf.project.pre_tax_cumulative')}+{x.p('cf.project.pre_tax')}",
        total=False,
    )
    b.row(
        S,
        "cf.project.after_tax",
        "所得税后净现金流量",
        "Net cash flow after income tax",
        lambda x: f"={x.p('cf.project.pre_tax')}-{x.p('tax.adjusted_income_tax')}",
    )
    b.row(
        S,
        "cf.project.after_tax_cumulative",
        "累计所得税后净现金流量",
        "Cumulative net cash flow after income tax",
        lambda x: f"={x.prev('cf.project.after_tax_cumulative')}+{x.p('cf.project.after_tax')}",
        total=False,
    )


def subsidy_rows(w: ModelWriter) -> None:
    """Operating subsidies (renewfin.core.subsidy)."""
    from renewfin.spec.funding import FiscalUse

    b, spec = w.book, w.spec
    S = "Revenue"
    ppy = "timeline.periods_per_year"
    last = spec.timeline.phase(None).name
    subs = [f for f in spec.funding.fiscal_funds if f.use is FiscalUse.OPERATING_SUBSIDY]
    b.section(S, "运营补贴 Operating subsidies")
    for f in subs:
        at = f"funding.fiscal_funds[{f.name}]"

        def first(x: At, at: str = at) -> str:
            return (
                f"={x.p(f'xl.phase_completion[{last}]')}+ROUND({x.i(at + '.start_year')}*"
                f"{x.i(ppy)},0)"
            )

        b.constant(
            S,
            f"xl.subsidy_start[{f.name}]",
            f"补贴起始期：{f.name}",
            f"First subsidy period: {f.name}",
            first,
            unit="-",
            fmt=FLAG,
        )

        def g(x: At, at: str = at, f=f) -> str:  # type: ignore[no-untyped-def]
            start = x.p(f"xl.subsidy_start[{f.name}]")
            t = x.p("time.period")
            end = (
                x.i("xl.n_periods")
                if f.years is None
                else f"({start}+ROUND({x.i(f'xl.subsidy_years[{f.name}]')}*{x.i(ppy)},0))"
            )
            return (
                f"={x.i(at + '.amount')}*(1+{x.i(at + '.growth_rate')})^MAX(INT(({t}-{start})/"
                f"{x.i(ppy)}),0)*({t}>={start})*({t}<{end})/{x.i(ppy)}*{x.p('flag.held')}"
            )

        b.row(
            S,
            f"fiscal.operating_subsidy[{f.name}]",
            f"运营补贴：{f.name}",
            f"Operating subsidy: {f.name}",
            g,
        )
    b.row(
        S,
        "fiscal.operating_subsidies",
        "运营补贴合计",
        "Operating subsidies",
        lambda x: "=" + ("+".join(x.p(f"fiscal.operating_subsidy[{f.name}]") for f in subs) or "0"),
    )
    b.row(
        S,
        "fiscal.operating_subsidies_taxable",
        "应税运营补贴",
        "Taxable operating subsidies",
        lambda x: (
            "="
            + (
                "+".join(x.p(f"fiscal.operating_subsidy[{f.name}]") for f in subs if f.taxable)
                or "0"
            )
        ),
    )


def working_capital_rows(w: ModelWriter) -> None:
    """流动资金 by the itemised method (renewfin.core.working_capital): each item's balance
    (the period's base at an annual rate × days ÷ 360, before the last period
    held), the working capital, its investment and its recovery."""
    from renewfin.core.working_capital import ITEMS

    b, spec = w.book, w.spec
    S = "Opex"
    b.section(S, "流动资金 Working capital (第三版 分项详细估算法)")
    before_end = lambda x: f"({x.p('time.period')}<{x.p('xl.last_held')})"
    for key, field, zh, en, base, _sign in ITEMS:
        path = f"working_capital.{field}"
        w.param(
            path,
            getattr(spec.working_capital, field),
            f"{zh}最低周转天数",
            f"{en}: minimum turnover days",
            "d",
            low=0,
            high=360,
        )
        b.row(
            S,
            f"wc.{key}",
            zh,
            en,
            _wc_item(path, base, before_end),
            total=False,
        )
    b.row(
        S,
        "wc.level",
        "流动资金（余额）",
        "Working capital",
        lambda x: (
            "="
            + "".join(f"{'+' if sign > 0 else '-'}{x.p(f'wc.{key}')}" for key, *_, sign in ITEMS)
        ),
        total=False,
    )
    at_end = lambda x: f"({x.p('time.period')}={x.p('xl.last_held')})"
    b.row(
        S,
        "wc.investment",
        "流动资金",
        "Working capital invested (its increase)",
        lambda x: f"=({x.p('wc.level')}-N({x.prev('wc.level')}))*(1-{at_end(x)})",
    )
    b.row(
        S,
        "wc.recovery",
        "回收流动资金",
        "Working capital recovered",
        lambda x: f"=(N({x.prev('wc.level')})-{x.p('wc.level')})*{at_end(x)}",
    )


def _wc_item(path: str, base: str, before_end: Callable[[At], str]) -> Template:
    """A working-capital item's balance row: its base (the row ``base``: operating costs, the
    bought-in materials, or the wages and other costs) × periods a year × days ÷ 360, before
    the last period held."""

    def formula(x: At) -> str:
        annual = f"{x.p(base)}*{x.i('timeline.periods_per_year')}"
        return f"={annual}*{x.i(path)}/360*{before_end(x)}"

    return formula
