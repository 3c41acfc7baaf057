"""The workbook's fixed funding sources (renewfin.financing.plan.compile_plan, the Funding
sheet): capital grants and their accounting (renewfin.core.grants), fiscal equity
injections, the fund's contributions and the interest-subsidy shares of each loan."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from renewfin.excel.book import RATIO, At, Template
from renewfin.excel.rows import PPY, F, corkscrew, sum_rows
from renewfin.spec.funding import FiscalFund, FiscalUse, GrantMethod

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter


def grant_rows(w: ModelWriter) -> None:
    """Each capital grant's share of the kept assets' cost, and the release, the net-method
    offset and the tax adjustment of the grants (renewfin.core.grants)."""
    b, spec = w.book, w.spec
    F = "Funding"
    grants = [f for f in spec.funding.fiscal_funds if f.use is FiscalUse.CAPITAL_GRANT]

    def total(x: At) -> str:
        return "+".join(f"SUM({x.row_range(f'fiscal.grant[{f.name}]')})" for f in grants)

    def share(name: str) -> Template:
        def formula(x: At) -> str:
            base = f"MAX({x.p('xl.ov_total')},{total(x)})"
            return f"=IF({base}>0,SUM({x.row_range(f'fiscal.grant[{name}]')})/{base},0)"

        return formula

    for f in grants:
        b.constant(
            F,
            f"xl.grant_share[{f.name}]",
            f"补助占资产原值比例：{f.name}",
            f"Share of the assets' cost: {f.name}",
            share(f.name),
            unit="-",
            fmt="0.0000",
        )
    b.row(
        F,
        "xl.grant_consumed",
        "折旧摊销及处置转出的资产原值",
        "Asset cost consumed (depreciation, and the book value at a disposal)",
        lambda x: f"={x.p('dep.total')}+{x.p('dep.book_value_at_end')}*{x.i('xl.has_exit')}",
    )

    def shares(x: At, keep: Callable[[FiscalFund], bool]) -> str:
        picked = [x.p(f"xl.grant_share[{f.name}]") for f in grants if keep(f)]
        return "(" + ("+".join(picked) or "0") + ")"

    gross = lambda f: f.grant_method is GrantMethod.GROSS
    b.row(
        F,
        "grant.release",
        "递延收益摊销（总额法政府补助）",
        "Deferred grant income released (gross method)",
        lambda x: f"={shares(x, gross)}*{x.p('xl.grant_consumed')}",
    )
    b.row(
        F,
        "grant.cost_offset",
        "政府补助冲减的折旧摊销（净额法）",
        "Depreciation and cost borne by grants (net method)",
        lambda x: f"={shares(x, lambda f: not gross(f))}*{x.p('xl.grant_consumed')}",
    )
    _unspent_rows(w, grants)
    base = lambda x: f"MAX({x.p('xl.ov_total')},{total(x)})" if grants else "1"
    b.row(
        F,
        "grant.tax_adjustment",
        "政府补助纳税调整（应税补助收入或不得扣除的折旧）",
        "Grant tax adjustment (taxable grants received, or depreciation not deductible)",
        lambda x: (
            "="
            + sum_rows(x, [f"fiscal.grant[{f.name}]" for f in grants if f.taxable])
            + f"+({shares(x, lambda f: not f.taxable)}-SUM({x.upto('grant.unspent_taxed')})/"
            f"{base(x)})*{x.p('xl.grant_consumed')}+{x.p('grant.unspent_taxed')}"
        ),
    )
    for id, zh, en, keep, used in (
        (
            "grant.deferred_income",
            "递延收益（总额法政府补助）",
            "Deferred grant income (gross method)",
            gross,
            "grant.release",
        ),
        (
            "grant.asset_reduction",
            "冲减资产账面价值的政府补助（净额法）",
            "Grants deducted from the assets' book value (net method)",
            lambda f: not gross(f),
            "grant.cost_offset",
        ),
    ):
        received = [f"fiscal.grant[{f.name}]" for f in grants if keep(f)]
        b.row(F, id, zh, en, corkscrew(id, received, used), total=False)


def _unspent_rows(w: ModelWriter, grants: list[FiscalFund]) -> None:
    """不征税收入 unspent after 60 months, taxed in the sixth year (renewfin.core.grants.
    unspent_taxed): the stated shares of their grants, and for the others the receipts not
    covered, first in first out, by the investment spent to 60 months after them."""
    b, F = w.book, "Funding"
    window = 5 * w.spec.timeline.periods_per_year
    untaxed = [f for f in grants if not f.taxable]
    pooled = [f"fiscal.grant[{f.name}]" for f in untaxed if f.unspent_share is None]
    for f in untaxed:
        if f.unspent_share is not None:
            w.param(
                f"xl.unspent_share[{f.name}]",
                f.unspent_share,
                f"5年未使用比例：{f.name}",
                f"Unspent share: {f.name}",
            )
    b.row(
        F,
        "xl.grant_pooled",
        "不征税收入（推算使用情况）",
        "Non-taxable grants (derived use)",
        lambda x: "=" + sum_rows(x, pooled),
    )
    b.row(
        F,
        "xl.capex_spent",
        "累计建设投资支出",
        "Investment spent to date",
        lambda x: f"={x.prev('xl.capex_spent')}+{x.p('capex.total')}",
        total=False,
    )
    b.row(
        F,
        "xl.grant_unspent",
        "60个月内未使用的不征税收入（按取得期）",
        "Non-taxable grants unspent 60 months later (by receipt)",
        lambda x: (
            f"=MAX(0,MIN({x.p('xl.grant_pooled')},SUM({x.upto('xl.grant_pooled')})-"
            f"{x.at('xl.capex_spent', window)}))+"
            + (
                "+".join(
                    f"{x.i(f'xl.unspent_share[{f.name}]')}*{x.p(f'fiscal.grant[{f.name}]')}"
                    for f in untaxed
                    if f.unspent_share is not None
                )
                or "0"
            )
        ),
    )
    b.row(
        F,
        "grant.unspent_taxed",
        "不征税收入5年未使用部分（计入第六年应税收入）",
        "Non-taxable grants unspent after 60 months, taxed in the sixth year",
        lambda x: f"={x.at('xl.grant_unspent', -window)}",
    )


def fixed_sources(w: ModelWriter) -> None:
    """Grants, injections, fund contributions and interest-subsidy shares
    (renewfin.financing.plan.compile_plan)."""
    w.book.section(F, "财政资金与基金出资 Fiscal funds and fund contributions")
    _fiscal_disbursements(w)
    _fund_contribution(w)
    _subsidy_shares(w)
    _loan_subsidy_shares(w)


def _disbursement(
    w: ModelWriter, key: str, schedule: list[float] | None, start_year_path: str, amount_path: str
) -> Template:
    """The template of a disbursed amount (money units a period): with no ``schedule``, the
    amount at ``amount_path`` spread like the investment; with one, the amount × the year's
    share ÷ the periods a year from the year at ``start_year_path`` on (both written as
    inputs, the shares as ``xl.disburse[key]``)."""
    if schedule is None:
        return lambda x: (
            f"={x.i(amount_path)}*{x.p('capex.total')}/SUM({x.row_range('capex.total')})"
        )
    w.vector(
        f"xl.disburse[{key}]", list(schedule), f"拨付比例：{key}", f"Disbursement shares: {key}"
    )
    w.param(start_year_path, _start_year(w, key), f"拨付起始：{key}", f"Start: {key}", "yr")
    n = len(schedule)

    def f(x: At) -> str:
        start = f"ROUND({x.i(start_year_path)}*{x.i(PPY)},0)"
        k = f"INT(({x.p('time.period')}-{start})/{x.i(PPY)})"
        on = f"({x.p('time.period')}>={start})*({x.p('time.period')}<{start}+{n}*{x.i(PPY)})"
        return (
            f"={x.i(amount_path)}*INDEX({x.v(f'xl.disburse[{key}]')},"
            f"MIN(MAX({k},0),{n - 1})+1)/{x.i(PPY)}*{on}"
        )

    return f


def _fiscal_disbursements(w: ModelWriter) -> None:
    """Each capital grant and fiscal equity injection as disbursed, their totals
    ``fiscal.grants`` and ``fiscal.injections``, and the grants' accounting rows between
    them (money units a period)."""
    b = w.book
    grants: list[str] = []
    injections: list[str] = []
    kinds = {
        FiscalUse.CAPITAL_GRANT: ("fiscal.grant", "资本性补助", "Capital grant", grants),
        FiscalUse.EQUITY_INJECTION: (
            "fiscal.injection",
            "财政资本金注入",
            "Equity injection",
            injections,
        ),
    }
    for f in w.spec.funding.fiscal_funds:
        if f.use not in kinds:
            continue
        stem, zh, en, ids = kinds[f.use]
        at = f"funding.fiscal_funds[{f.name}]"
        b.row(
            F,
            f"{stem}[{f.name}]",
            f"{zh}：{f.name}",
            f"{en}: {f.name}",
            _disbursement(w, f.name, f.schedule, at + ".start_year", at + ".amount"),
        )
        ids.append(f"{stem}[{f.name}]")
    b.row(
        F, "fiscal.grants", "资本性补助合计", "Capital grants", lambda x: "=" + sum_rows(x, grants)
    )
    grant_rows(w)
    b.row(
        F,
        "fiscal.injections",
        "财政资本金注入合计",
        "Equity injections",
        lambda x: "=" + sum_rows(x, injections),
    )


def _fund_contribution(w: ModelWriter) -> None:
    """``fund.contribution``: the fund's contributions as disbursed, or a zero row without a
    fund (money units a period)."""
    fund = w.spec.funding.fund
    if fund is not None:
        w.book.row(
            F,
            "fund.contribution",
            "基金出资",
            "Fund contribution",
            _disbursement(
                w, "fund", fund.schedule, "funding.fund.start_year", "funding.fund.amount"
            ),
        )
    else:
        w.book.row(F, "fund.contribution", "基金出资", "Fund contribution", lambda x: "=0")


def _subsidy_shares(w: ModelWriter) -> None:
    """``xl.subsidy_share[name]`` of each interest subsidy: its share of the loan's interest
    from the first phase's start, for its stated years if any (a ratio, with the years an
    input [yr])."""
    spec = w.spec
    first = min(spec.timeline.phases, key=lambda p: p.start_year).name
    for f in spec.funding.fiscal_funds:
        if f.use is not FiscalUse.INTEREST_SUBSIDY:
            continue
        at = f"funding.fiscal_funds[{f.name}]"
        if f.years is not None:
            w.param(
                f"xl.subsidy_years[{f.name}]",
                f.years,
                f"贴息年限：{f.name}",
                f"Subsidy years: {f.name}",
                "yr",
            )

        def subsidy_share(x: At, f: FiscalFund = f, at: str = at) -> str:
            return (
                f"={x.i(at + '.share')}*({x.p('time.period')}>="
                f"{x.p(f'xl.phase_start[{first}]')})"
                + (
                    ""
                    if f.years is None
                    else f"*({x.p('time.period')}<{x.p(f'xl.phase_start[{first}]')}+ROUND("
                    f"{x.i(f'xl.subsidy_years[{f.name}]')}*{x.i(PPY)},0))"
                )
            )

        w.book.row(
            F,
            f"xl.subsidy_share[{f.name}]",
            f"贴息比例：{f.name}",
            f"Interest subsidy share: {f.name}",
            subsidy_share,
            unit="-",
            fmt=RATIO,
            total=False,
        )


def _loan_subsidy_shares(w: ModelWriter) -> None:
    """Each loan's subsidised share of interest ``xl.sub_share[loan]`` and its taxable part
    ``xl.sub_taxable[loan]``: the sums of the shares of the subsidies on it (ratios)."""
    b, fs = w.book, w.spec.funding
    for ln in fs.loans:
        subs = [
            f for f in fs.fiscal_funds if f.use is FiscalUse.INTEREST_SUBSIDY and f.loan == ln.name
        ]

        def subsidised_share(x: At, subs: list[FiscalFund] = subs) -> str:
            return "=" + sum_rows(x, [f"xl.subsidy_share[{f.name}]" for f in subs])

        b.row(
            F,
            f"xl.sub_share[{ln.name}]",
            f"贴息比例合计：{ln.name}",
            f"Subsidised share of interest: {ln.name}",
            subsidised_share,
            unit="-",
            fmt=RATIO,
            total=False,
        )

        def taxable_share(x: At, subs: list[FiscalFund] = subs) -> str:
            return "=" + sum_rows(x, [f"xl.subsidy_share[{f.name}]" for f in subs if f.taxable])

        b.row(
            F,
            f"xl.sub_taxable[{ln.name}]",
            f"应税贴息比例：{ln.name}",
            f"Taxable subsidised share: {ln.name}",
            taxable_share,
            unit="-",
            fmt=RATIO,
            total=False,
        )


def _start_year(w: ModelWriter, key: str) -> float:
    """The start year [yr] of the fund's (``key`` ``"fund"``) or a fiscal fund's disbursements."""
    spec = w.spec
    if key == "fund":
        assert spec.funding.fund is not None
        return spec.funding.fund.start_year
    return next(f.start_year for f in spec.funding.fiscal_funds if f.name == key)
