"""Workbook rows of the funding stack, mirroring renewfin.financing (plan, waterfall and
the lines stage.record writes). Loan sizes and drawdown shares are the engine's solved
values (green cells on the Funding sheet, listed on Control); everything else is live."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from renewfin.excel.book import FLAG, RATIO, At, Template
from renewfin.financing.plan import Tranche
from renewfin.financing.source_lines import ESCROW_LINES, IDC_PAID_LABELS
from renewfin.ledger import Kind
from renewfin.spec.funding import (
    ConstructionInterest,
    DistributionPolicy,
    DrawTiming,
    DsraFunding,
    FiscalFund,
    FiscalUse,
    FundAccrual,
    GrantMethod,
    Loan,
    LoanRepayment,
)
from renewfin.spec.investment import InvestmentCategory

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

F = "Funding"
PPY = "timeline.periods_per_year"
_FW = "xl.fund_draw_weight"
"""The fund contributions' ``DrawTiming.weight``."""


TIER_ZH = {"senior": "优先级", "junior": "劣后级"}
"""Chinese names of the fund's tiers (DOMAIN.md §5: 优先 / 劣后)."""


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
            "=" + _sum(x, [f"fiscal.grant[{f.name}]" for f in grants if f.taxable])
            + f"+({shares(x, lambda f: not f.taxable)}-SUM({x.upto('grant.unspent_taxed')})/"
            f"{base(x)})*{x.p('xl.grant_consumed')}+{x.p('grant.unspent_taxed')}"
        ),
    )
    for id, zh, en, keep, used in (
        ("grant.deferred_income", "递延收益（总额法政府补助）",
         "Deferred grant income (gross method)", gross, "grant.release"),
        ("grant.asset_reduction", "冲减资产账面价值的政府补助（净额法）",
         "Grants deducted from the assets' book value (net method)",
         lambda f: not gross(f), "grant.cost_offset"),
    ):
        received = [f"fiscal.grant[{f.name}]" for f in grants if keep(f)]
        b.row(F, id, zh, en, _corkscrew(id, received, used), total=False)


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
            w.param(f"xl.unspent_share[{f.name}]", f.unspent_share,
                    f"5年未使用比例：{f.name}", f"Unspent share: {f.name}")
    b.row(F, "xl.grant_pooled", "不征税收入（推算使用情况）", "Non-taxable grants (derived use)",
          lambda x: "=" + _sum(x, pooled))
    b.row(F, "xl.capex_spent", "累计建设投资支出", "Investment spent to date",
          lambda x: f"={x.prev('xl.capex_spent')}+{x.p('capex.total')}", total=False)
    b.row(F, "xl.grant_unspent", "60个月内未使用的不征税收入（按取得期）",
          "Non-taxable grants unspent 60 months later (by receipt)", lambda x: (
              f"=MAX(0,MIN({x.p('xl.grant_pooled')},SUM({x.upto('xl.grant_pooled')})-"
              f"{x.at('xl.capex_spent', window)}))+"
              + ("+".join(f"{x.i(f'xl.unspent_share[{f.name}]')}*{x.p(f'fiscal.grant[{f.name}]')}"
                          for f in untaxed if f.unspent_share is not None) or "0")))
    b.row(F, "grant.unspent_taxed", "不征税收入5年未使用部分（计入第六年应税收入）",
          "Non-taxable grants unspent after 60 months, taxed in the sixth year",
          lambda x: f"={x.at('xl.grant_unspent', -window)}")


def _corkscrew(id: str, inflows: list[str], outflow: str) -> Template:
    """A balance row: the one before + the ``inflows`` − the ``outflow``."""

    def formula(x: At) -> str:
        return f"={x.prev(id)}+{_sum(x, inflows)}-{x.p(outflow)}"

    return formula


def _sum(x: At, ids: list[str]) -> str:
    return "(" + "+".join(x.p(i) for i in ids) + ")" if ids else "0"


def construction(x: At) -> str:
    """The construction flag of the column at ``x`` (1 in construction, 0 after)."""
    return x.p("flag.construction")


def period(x: At) -> str:
    """The period index of the column at ``x`` (0 the first)."""
    return x.p("time.period")


def _totals(
    w: ModelWriter, kind: str, names: list[str], rows: list[tuple[str, str, str, bool]]
) -> None:
    """Rows ``{kind}.{key}`` = Σ over instruments ``{kind}[name].{key}``, for each
    (key, Chinese label, English label, flow?) of ``rows`` (a balance has no total)."""
    for key, zh, en, flow in rows:

        def total(x: At, key: str = key) -> str:
            return "=" + _sum(x, [f"{kind}[{n}].{key}" for n in names])

        w.book.row(F, f"{kind}.{key}", zh, en, total, total=flow)


def fixed_sources(w: ModelWriter) -> None:
    """Grants, injections, fund contributions and interest-subsidy shares
    (renewfin.financing.plan.compile_plan)."""
    b, spec = w.book, w.spec
    b.section(F, "财政资金与基金出资 Fiscal funds and fund contributions")

    def disbursement(
        key: str, schedule: list[float] | None, start_year_path: str, amount_path: str
    ) -> Callable[[At], str]:
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

    grants, injections = [], []
    for f in spec.funding.fiscal_funds:
        at = f"funding.fiscal_funds[{f.name}]"
        if f.use is FiscalUse.CAPITAL_GRANT:
            b.row(
                F,
                f"fiscal.grant[{f.name}]",
                f"资本性补助：{f.name}",
                f"Capital grant: {f.name}",
                disbursement(f.name, f.schedule, at + ".start_year", at + ".amount"),
            )
            grants.append(f"fiscal.grant[{f.name}]")
        elif f.use is FiscalUse.EQUITY_INJECTION:
            b.row(
                F,
                f"fiscal.injection[{f.name}]",
                f"财政资本金注入：{f.name}",
                f"Equity injection: {f.name}",
                disbursement(f.name, f.schedule, at + ".start_year", at + ".amount"),
            )
            injections.append(f"fiscal.injection[{f.name}]")
    b.row(F, "fiscal.grants", "资本性补助合计", "Capital grants", lambda x: "=" + _sum(x, grants))
    grant_rows(w)
    b.row(
        F,
        "fiscal.injections",
        "财政资本金注入合计",
        "Equity injections",
        lambda x: "=" + _sum(x, injections),
    )
    fund = spec.funding.fund
    if fund is not None:
        b.row(
            F,
            "fund.contribution",
            "基金出资",
            "Fund contribution",
            disbursement("fund", fund.schedule, "funding.fund.start_year", "funding.fund.amount"),
        )
    else:
        b.row(F, "fund.contribution", "基金出资", "Fund contribution", lambda x: "=0")
    loans = {ln.name: k for k, ln in enumerate(spec.funding.loans)}
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

        b.row(
            F,
            f"xl.subsidy_share[{f.name}]",
            f"贴息比例：{f.name}",
            f"Interest subsidy share: {f.name}",
            subsidy_share,
            unit="-",
            fmt=RATIO,
            total=False,
        )
    for ln in spec.funding.loans:
        subs = [
            f
            for f in spec.funding.fiscal_funds
            if f.use is FiscalUse.INTEREST_SUBSIDY and f.loan == ln.name
        ]

        def subsidised_share(x: At, subs: list[FiscalFund] = subs) -> str:
            return "=" + _sum(x, [f"xl.subsidy_share[{f.name}]" for f in subs])

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
            return "=" + _sum(x, [f"xl.subsidy_share[{f.name}]" for f in subs if f.taxable])

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
    del loans


def _start_year(w: ModelWriter, key: str) -> float:
    spec = w.spec
    if key == "fund":
        assert spec.funding.fund is not None
        return spec.funding.fund.start_year
    return next(f.start_year for f in spec.funding.fiscal_funds if f.name == key)


def bonds(w: ModelWriter) -> None:
    """Special-bond tranches (renewfin.instruments.special_bond), with refinancing and
    early redemption at a REIT exit."""
    b, spec = w.book, w.spec
    plan = w.result.plan
    assert plan is not None
    b.section(F, "专项债券 Special bonds")
    originals = {bd.name: bd for bd in spec.funding.special_bonds}
    for tr in plan.bonds:
        src = originals[tr.refinancing_of or tr.name]
        _tranche(w, tr, src)
    escrow_totals(w)
    _totals(
        w,
        "bond",
        [tr.name for tr in plan.bonds],
        [
            ("issue", "专项债发行", "Special-bond issues", True),
            ("interest", "专项债付息", "Special-bond interest", True),
            ("principal", "专项债还本", "Special-bond principal", True),
            ("fees", "专项债发行及兑付费", "Special-bond fees", True),
            ("closing", "专项债余额", "Special-bond balance", False),
        ],
    )
    refi = [tr.name for tr in plan.bonds if tr.refinanced_principal is not None]
    b.row(
        F,
        "bond.refinanced",
        "再融资偿还本金",
        "Principal repaid by refinancing",
        lambda x: "=" + _sum(x, [f"xl.bond_refi[{n}]" for n in refi]),
    )
    b.row(
        F,
        "xl.bond_service",
        "专项债还本付息及费用",
        "Special-bond service",
        lambda x: f"={x.p('bond.interest')}+{x.p('bond.principal')}+{x.p('bond.fees')}",
    )
    own = [f"bond[{tr.name}].interest" for tr in plan.bonds if tr.paid_interest]
    b.row(
        F,
        "xl.bond_own",
        "自有资金支付的专项债利息",
        "Bond coupons paid from own funds in construction",
        lambda x: f"={x.p('flag.construction')}*" + _sum(x, own),
    )


def _tranche(w: ModelWriter, tr: Tranche, src) -> None:  # type: ignore[no-untyped-def]
    b = w.book
    at = f"funding.special_bonds[{src.name}]"
    key = f"bond[{tr.name}]"
    refi = tr.refinancing_of is not None
    tenor = src.refinance_tenor_years or src.tenor_years if refi else src.tenor_years
    shares = (
        [0.0] * (tenor - 1) + [1.0]
        if refi or src.repayment_schedule is None
        else list(src.repayment_schedule)
    )
    w.vector(
        f"xl.bond_shares[{tr.name}]", shares, f"还本比例：{tr.name}", f"Principal shares: {tr.name}"
    )
    w.param(
        f"{at}.issue_year", src.issue_year, f"发行年：{src.name}", f"Issue year: {src.name}", "yr"
    )
    w.param(f"{at}.tenor_years", src.tenor_years, f"期限：{src.name}", f"Tenor: {src.name}", "yr")
    w.param(
        f"xl.coupons_per_year[{src.name}]",
        src.frequency.per_year,
        f"付息次数：{src.name}",
        f"Coupons per year: {src.name}",
        "1/yr",
    )
    w.param(
        f"{at}.issuance_fee_rate",
        src.issuance_fee_rate,
        f"发行费率：{src.name}",
        f"Issuance fee rate: {src.name}",
    )
    w.param(
        f"{at}.payment_fee_rate",
        src.payment_fee_rate,
        f"兑付费率：{src.name}",
        f"Payment fee rate: {src.name}",
    )
    if refi:
        w.param(
            f"{at}.refinance_share",
            src.refinance_share,
            f"再融资比例：{src.name}",
            f"Refinanced share: {src.name}",
        )
        w.param(
            f"xl.refi_tenor[{src.name}]",
            tenor,
            f"再融资期限：{src.name}",
            f"Refinancing tenor: {src.name}",
            "yr",
        )
        coupon = f"{at}.refinance_coupon"
    else:
        coupon = f"{at}.coupon"
    # Issued at the end of its period (a refinancing tranche always), a tranche is
    # outstanding from the next period (renewfin.spec.funding.DrawTiming).
    late = int(src.draw_timing is DrawTiming.END)
    at_end = refi or bool(late)
    issue_period = lambda x: f"ROUND({x.i(at + '.issue_year')}*{x.i(PPY)},0)"
    if refi:
        issue_period = lambda x: (
            f"(ROUND({x.i(at + '.issue_year')}*{x.i(PPY)},0)+{late}+"
            f"{x.i(at + '.tenor_years')}*{x.i(PPY)}-1)"
        )
    tenor_ref = (
        (lambda x: x.i(f"xl.refi_tenor[{src.name}]"))
        if refi
        else (lambda x: x.i(at + ".tenor_years"))
    )
    b.constant(F, f"xl.bond_start[{tr.name}]", f"首个计息期：{tr.name}",
               f"First period outstanding: {tr.name}",
               lambda x: f"={issue_period(x)}+1" if at_end else f"={issue_period(x)}",
               unit="-", fmt=FLAG)
    t = lambda x: x.p("time.period")
    k = lambda x: f"({t(x)}-{x.p(f'xl.bond_start[{tr.name}]')})"
    if refi:
        orig = f"bond[{src.name}]"
        b.constant(
            F,
            f"xl.refi_amount[{tr.name}]",
            f"再融资金额：{tr.name}",
            f"Refinancing amount: {tr.name}",
            lambda x: (
                f"={x.i(at + '.refinance_share')}*SUMPRODUCT("
                f"{x.row_range(orig + '.principal_base')},"
                f"--({x.row_range('time.period')}={issue_period(x)}))"
            ),
        )
        amount = lambda x: x.p(f"xl.refi_amount[{tr.name}]")
    else:
        amount = lambda x: x.i(at + ".amount")
    b.row(
        F,
        f"{key}.issue",
        f"专项债{tr.name}发行",
        f"Special bond {tr.name} issue",
        lambda x: f"={amount(x)}*({t(x)}={issue_period(x)})*{x.p('flag.held')}",
    )
    b.row(
        F,
        f"{key}.principal_base",
        f"到期还本（提前赎回前）：{tr.name}",
        f"Scheduled principal: {tr.name}",
        lambda x: (
            f"={amount(x)}*({k(x)}>=0)*(MOD({k(x)}+1,{x.i(PPY)})=0)*({k(x)}+1<="
            f"{tenor_ref(x)}*{x.i(PPY)})*INDEX({x.v(f'xl.bond_shares[{tr.name}]')},"
            f"MIN(MAX(INT(({k(x)}+1)/{x.i(PPY)}),1),{len(shares)}))"
        ),
    )
    opening = f"{key}.opening"
    if tr.escrow is not None:  # coupons accrue to maturity, after the exit too
        opening = f"xl.bond_full_open[{tr.name}]"
        b.row(F, opening, f"到期前期初余额：{tr.name}", f"Opening balance to maturity: {tr.name}",
              lambda x: (
                  f"={x.prev(opening)}+{x.prev(f'{key}.issue')}-"
                  f"{x.prev(f'{key}.principal_base')}"
              ), total=False)
    out_for_interest = (
        (lambda x: x.p(opening))
        if at_end
        else (lambda x: f"({x.p(opening)}+{x.p(f'{key}.issue')})")
    )
    b.row(
        F,
        f"{key}.accrued",
        f"应计利息：{tr.name}",
        f"Coupon accrued: {tr.name}",
        lambda x: f"={x.i(coupon)}*{out_for_interest(x)}/{x.i(PPY)}",
    )
    step = lambda x: f"MAX(1,INT({x.i(PPY)}/{x.i(f'xl.coupons_per_year[{src.name}]')}))"
    b.row(
        F,
        f"xl.bond_payflag[{tr.name}]",
        f"付息标志：{tr.name}",
        f"Coupon date: {tr.name}",
        lambda x: (
            f"=({k(x)}>=0)*MIN(1,(MOD({k(x)}+1,{step(x)})=0)+({k(x)}+1={tenor_ref(x)}*{x.i(PPY)}))"
        ),
        unit="-",
        fmt=FLAG,
        total=False,
    )
    b.row(
        F,
        f"xl.bond_paid_base[{tr.name}]",
        f"付息（提前赎回前）：{tr.name}",
        f"Coupon paid before redemption: {tr.name}",
        lambda x: (
            f"={x.p(f'xl.bond_payflag[{tr.name}]')}*({x.prev(f'xl.bond_unpaid[{tr.name}]')}"
            f"+{x.p(f'{key}.accrued')})"
        ),
    )
    b.row(
        F,
        f"xl.bond_unpaid[{tr.name}]",
        f"未付应计利息：{tr.name}",
        f"Accrued coupon unpaid: {tr.name}",
        lambda x: (
            f"={x.prev(f'xl.bond_unpaid[{tr.name}]')}+{x.p(f'{key}.accrued')}-"
            f"{x.p(f'xl.bond_paid_base[{tr.name}]')}"
        ),
        total=False,
    )
    ex = lambda x: f"({t(x)}={x.p('xl.last_held')})*{x.i('xl.has_exit')}"
    held = lambda x: x.p("flag.held")
    if tr.escrow is not None:
        _escrow(w, tr, at, key)
    b.row(
        F,
        f"{key}.opening",
        f"专项债{tr.name}期初余额",
        f"Special bond {tr.name} opening balance",
        lambda x: f"={x.prev(f'{key}.closing')}",
        total=False,
    )
    b.row(
        F,
        f"{key}.principal",
        f"专项债{tr.name}还本",
        f"Special bond {tr.name} principal",
        lambda x: (
            f"={held(x)}*({x.p(f'{key}.principal_base')}+{ex(x)}*("
            f"{x.p(f'{key}.opening')}+{x.p(f'{key}.issue')}-"
            f"{x.p(f'{key}.principal_base')}))"
        ),
    )
    paid_base = lambda x: x.p(f"xl.bond_paid_base[{tr.name}]")
    if tr.escrow is None:  # redeemed at an exit: the coupon accrued to it paid with it
        interest = lambda x: (
            f"={held(x)}*({ex(x)}*({x.prev(f'xl.bond_unpaid[{tr.name}]')}+"
            f"{x.p(f'{key}.accrued')})+(1-{ex(x)})*{paid_base(x)})"
        )
        paid = lambda x: f"({x.p(f'{key}.interest')}+{x.p(f'{key}.principal')})"
    else:  # held to maturity: the exit pays the reserve's deposit less the balance
        interest = lambda x: (
            f"={held(x)}*({paid_base(x)}+{ex(x)}*({x.p(f'xl.escrow_deposit[{tr.name}]')}-"
            f"({x.p(f'{key}.opening')}+{x.p(f'{key}.issue')}-"
            f"{x.p(f'{key}.principal_base')})))"
        )
        paid = lambda x: f"({paid_base(x)}+{x.p(f'{key}.principal_base')})"
    b.row(F, f"{key}.interest", f"专项债{tr.name}付息", f"Special bond {tr.name} interest",
          interest)
    b.row(
        F,
        f"{key}.fees",
        f"专项债{tr.name}发行及兑付费",
        f"Special bond {tr.name} fees",
        lambda x: (
            f"={held(x)}*({x.i(at + '.issuance_fee_rate')}*{x.p(f'{key}.issue')}+"
            f"{x.i(at + '.payment_fee_rate')}*{paid(x)})"
        ),
    )
    b.row(
        F,
        f"{key}.closing",
        f"专项债{tr.name}期末余额",
        f"Special bond {tr.name} closing balance",
        lambda x: f"={x.p(f'{key}.opening')}+{x.p(f'{key}.issue')}-{x.p(f'{key}.principal')}",
        total=False,
    )
    if tr.refinanced_principal is not None:
        maturity = lambda x: (
            f"(ROUND({x.i(at + '.issue_year')}*{x.i(PPY)},0)+{late}+"
            f"{x.i(at + '.tenor_years')}*{x.i(PPY)}-1)"
        )
        b.row(
            F,
            f"xl.bond_refi[{tr.name}]",
            f"再融资偿还本金：{tr.name}",
            f"Principal repaid by refinancing: {tr.name}",
            lambda x: (
                f"={x.i(at + '.refinance_share')}*{x.p(f'{key}.principal_base')}*"
                f"({t(x)}={maturity(x)})"
            ),
        )


def _escrow(w: ModelWriter, tr: Tranche, at: str, key: str) -> None:
    """The bond-repayment reserve of a tranche held to maturity after a REIT exit
    (renewfin.instruments.special_bond.escrow_at): its service to maturity, the deposit
    (that service after the exit discounted at the reserve's rate) and its corkscrew."""
    b = w.book
    e = f"{key}.escrow"
    b.row(
        F,
        f"xl.bond_service_full[{tr.name}]",
        f"到期前还本付息及兑付费：{tr.name}",
        f"Service to maturity: {tr.name}",
        lambda x: (
            f"=(1+{x.i(at + '.payment_fee_rate')})*({x.p(f'xl.bond_paid_base[{tr.name}]')}+"
            f"{x.p(f'{key}.principal_base')})"
        ),
    )
    b.constant(
        F,
        f"xl.escrow_deposit[{tr.name}]",
        f"偿债准备金存入额：{tr.name}",
        f"Reserve deposit: {tr.name}",
        lambda x: (
            f"=SUMPRODUCT({x.row_range(f'xl.bond_service_full[{tr.name}]')},"
            f"{x.row_range('xl.escrow_factor')})"
        ),
    )
    b.row(F, f"{e}_opening", f"偿债准备金专户期初余额：{tr.name}",
          f"Bond-repayment reserve opening balance: {tr.name}",
          lambda x: f"={x.prev(f'{e}_closing')}", total=False)
    b.row(F, f"{e}_deposit", f"偿债准备金专户存入（退出收入）：{tr.name}",
          f"Bond-repayment reserve deposit from the exit proceeds: {tr.name}",
          lambda x: (
              f"={x.p(f'xl.escrow_deposit[{tr.name}]')}*({x.p('time.period')}="
              f"{x.p('xl.last_held')})"
          ))
    b.row(F, f"{e}_earned", f"偿债准备金专户利息收入：{tr.name}",
          f"Bond-repayment reserve interest earned: {tr.name}",
          lambda x: (
              f"={x.i('funding.reit_exit.escrow_rate')}/{x.i(PPY)}*{x.p(f'{e}_opening')}"
          ))
    b.row(F, f"{e}_release", f"偿债准备金专户支付专项债本息：{tr.name}",
          f"Bond-repayment reserve bond service paid: {tr.name}",
          lambda x: f"={x.p('xl.after_exit')}*{x.p(f'xl.bond_service_full[{tr.name}]')}")
    b.row(F, f"{e}_closing", f"偿债准备金专户期末余额：{tr.name}",
          f"Bond-repayment reserve closing balance: {tr.name}",
          lambda x: (
              f"={x.p(f'{e}_opening')}+{x.p(f'{e}_deposit')}+{x.p(f'{e}_earned')}-"
              f"{x.p(f'{e}_release')}"
          ), total=False)


def escrow_totals(w: ModelWriter) -> None:
    """The reserve's discount factor and the totals ``escrow.<key>`` over the tranches held
    to maturity after a REIT exit (renewfin.financing.source_lines.ESCROW_LINES)."""
    plan = w.result.plan
    assert plan is not None
    held = [tr.name for tr in plan.bonds if tr.escrow is not None]
    if not held:
        return
    b = w.book
    b.row(
        F,
        "xl.escrow_factor",
        "偿债准备金折现系数",
        "Reserve discount factor",
        lambda x: (
            f"={x.p('xl.after_exit')}/(1+{x.i('funding.reit_exit.escrow_rate')}/{x.i(PPY)})^"
            f"({x.p('time.period')}-{x.p('xl.last_held')})"
        ),
        unit="-",
        fmt=RATIO,
        total=False,
    )
    for key, zh, en, kind in ESCROW_LINES:

        def total(x: At, key: str = key) -> str:
            return "=" + _sum(x, [f"bond[{n}].escrow_{key}" for n in held])

        b.row(F, f"escrow.{key}", f"偿债准备金专户{zh}", f"Bond-repayment reserve {en}", total,
              total=kind is Kind.FLOW)


def _stamp_loan_row(w: ModelWriter, first: str) -> None:
    """印花税 on the loan contracts, 借款合同 rate × each facility in the first construction
    period, the part of the up-front fees it is (renewfin.financing.source_lines._stamp_loan)."""
    b, loans = w.book, w.spec.funding.loans
    b.row(
        F,
        "tax.stamp_loan",
        "印花税：借款合同（含于贷款前端费）",
        "Stamp duty: loan contracts (paid with the up-front fees)",
        lambda x: (
            f"={x.i('xl.stamp_loan')}*("
            + ("+".join(x.p(f"xl.facility[{ln.name}]") for ln in loans) or "0")
            + f")*({x.p('time.period')}={x.p(f'xl.phase_start[{first}]')})"
        ),
    )


def _tenor_inputs(w: ModelWriter, ln: Loan, repay_start: int, maturity: int) -> None:
    """Loan tenor and grace as inputs [yr], and the first repayment period and the maturity
    period as formulas on the Inputs sheet (``renewfin.financing.plan``: financial close,
    the first phase's start, plus the grace or the tenor in whole periods)."""
    b = w.book
    at = f"funding.loans[{ln.name}]"
    w.param(f"{at}.grace_years", ln.grace_years, f"宽限期：{ln.name}", f"Grace: {ln.name}",
            "年 yr", "interest only from financial close; repayment starts after it")
    w.param(f"{at}.tenor_years", ln.tenor_years, f"贷款期限：{ln.name}", f"Tenor: {ln.name}",
            "年 yr", "from financial close (the first phase's start) to maturity")
    starts = ",".join(
        f"'{b.cells[f'xl.phase_start[{p.name}]'].sheet}'!$E$"
        f"{b.cells[f'xl.phase_start[{p.name}]'].row}"
        for p in w.spec.timeline.phases
    )
    ppy = b.input_ref(PPY)
    for path, years, value, zh, en in (
        ("xl.repay_start", "grace_years", repay_start, "首个还款期", "First repayment period"),
        ("xl.maturity", "tenor_years", maturity, "到期期数", "Maturity period"),
    ):
        w.param(f"{path}[{ln.name}]", value, f"{zh}：{ln.name}", f"{en}: {ln.name}",
                "期 period", f"formula: financial close + {years.replace('_', ' ')}")
        _derived(w, f"{path}[{ln.name}]",
                 f"=MIN({starts})+ROUND({b.input_ref(f'{at}.{years}')}*{ppy},0)")


def _derived(w: ModelWriter, path: str, formula: str) -> None:
    """Turn the Inputs cell of ``path`` into a calculation (``formula``), styled as one:
    a value the formulas need that follows from other inputs."""
    from openpyxl.styles import Font, PatternFill

    ref = w.book.input_ref(path)
    cell = w.book.wb["Inputs"][ref.split("!")[1].replace("$", "")]
    cell.value = formula
    cell.fill, cell.font = PatternFill(fill_type=None), Font(color="000000")


def _drawings(w: ModelWriter, k: int, r: Template) -> None:
    """Loan ``k``'s construction rows (renewfin.financing.waterfall.scenario_pass): its
    drawing of each gap (its pro-rata share, or what the loans ranked before it left) within
    the room its facility leaves for the period's interest; interest; subsidy; the
    construction interest that no longer fits in the facility, paid in cash (``idc_paid``);
    the interest capitalised into the balance; the facility used. ``r`` is the loan's
    period-rate template."""
    b, fs = w.book, w.spec.funding
    ln = fs.loans[k]
    key, n = f"loan[{ln.name}]", ln.name
    avail = lambda x: x.p("flag.construction")
    keep = lambda x: f"(1-{x.p(f'xl.sub_share[{n}]')})"
    headroom = lambda x: f"MAX({x.p(f'xl.facility[{n}]')}-{x.prev(f'xl.used[{n}]')},0)"
    paid = ln.construction_interest is ConstructionInterest.PAID
    wgt = w.param(
        f"xl.draw_weight[{n}]",
        ln.draw_timing.weight,
        f"提款计息比例：{n}",
        f"Share of a period drawings bear interest: {n}",
        "-",
        "draw timing: start 1, middle 0.5, end 0",
    )
    if paid:  # the whole facility funds construction; its interest is paid from own funds
        room = headroom
    else:
        room = lambda x: (
            f"MAX({x.p(f'xl.facility[{n}]')}-{x.prev(f'xl.used[{n}]')}-"
            f"{keep(x)}*{x.p(f'xl.int_open[{n}]')},0)/(1+{keep(x)}*{r(x)}*{wgt})"
        )
    if fs.drawdown.value == "pro_rata":
        want = lambda x: f"{x.p(f'xl.share[{n}]')}*{x.p('xl.gap')}"
    else:  # debt first: what the loans ranked before it left of the gap
        before = [f"loan[{o.name}].draw" for o in fs.loans[:k]]
        want = lambda x: f"({x.p('xl.gap')}" + "".join(f"-{x.p(d)}" for d in before) + ")"
    rows: list[tuple[str, str, str, Template]] = [
        (
            "draw",
            "提款",
            "drawdown",
            lambda x: f"={x.p('xl.need')}*MIN({want(x)},{room(x)})",
        ),
        (
            "interest",
            "利息",
            "interest",
            lambda x: f"={r(x)}*({x.p(f'{key}.opening')}+{wgt}*{x.p(f'{key}.draw')})",
        ),
        (
            "subsidy",
            "贴息",
            "interest subsidy",
            lambda x: f"={x.p(f'xl.sub_share[{n}]')}*{x.p(f'{key}.interest')}",
        ),
        (
            "idc_paid",
            *IDC_PAID_LABELS[paid][:2],
            (lambda x: f"={avail(x)}*({x.p(f'{key}.interest')}-{x.p(f'{key}.subsidy')})")
            if paid
            else (
                lambda x: (
                    f"={avail(x)}*MAX({keep(x)}*{x.p(f'xl.int_open[{n}]')}-{headroom(x)},0)"
                )
            ),
        ),
        (
            "capitalised",
            "建设期利息资本化",
            "interest capitalised into the balance",
            (lambda x: "=0")
            if paid
            else (
                lambda x: (
                    f"={avail(x)}*({x.p(f'{key}.interest')}-{x.p(f'{key}.subsidy')})-"
                    f"{x.p(f'{key}.idc_paid')}"
                )
            ),
        ),
    ]
    for what, zh, en, formula in rows:
        b.row(F, f"{key}.{what}", f"{n}{zh}", f"{n} {en}", formula)
    b.row(
        F,
        f"xl.used[{n}]",
        f"已用额度：{n}",
        f"Facility used: {n}",
        lambda x: (
            f"={x.prev(f'xl.used[{n}]')}+{x.p(f'{key}.draw')}+{x.p(f'{key}.capitalised')}"
        ),
        total=False,
    )


def _share(w: ModelWriter, k: int) -> float:
    """The drawdown share the engine's final pass used for loan ``k``."""
    sizing = w.result.sizing
    assert sizing is not None and sizing.share is not None
    return float(sizing.share[k, w.scenario])


def _dsra_months(w: ModelWriter) -> int:
    return max((ln.dsra_months for ln in w.spec.funding.loans), default=0)


def _paid(ln: Loan) -> bool:
    """Whether loan ``ln`` pays its construction interest from own funds."""
    return ln.construction_interest is ConstructionInterest.PAID


def _reserves(w: ModelWriter, prev: str, out: str) -> None:
    """The debt-service reserve: meet a shortfall, then top up to or release down to the
    target of the next months' debt service (renewfin.financing.waterfall.dsra_target)."""
    b = w.book
    months = _dsra_months(w)
    avail = lambda x: x.p("flag.construction")
    if months <= 0:
        b.row(F, out, "准备金后现金", "Cash after reserves", lambda x: f"={x.p(prev)}", total=False)
        return
    ppy = w.spec.periods_per_year
    n = months * ppy / 12.0
    whole = int(n + 1e-12)
    frac = n - whole
    sweep = any(ln.cash_sweep > 0 for ln in w.spec.funding.loans)
    ahead = whole + (1 if frac > 1e-12 else 0)
    plan_funds = w.spec.funding.dsra_funding is DsraFunding.CONSTRUCTION
    sculpted = any(ln.repayment is LoanRepayment.SCULPTED for ln in w.spec.funding.loans)
    if sweep or ahead > 1 or plan_funds or sculpted:
        # With a cash sweep, next periods' service depends on this period's cash through the
        # prepayment; a target looking two or more periods ahead reads balances that depend
        # on this period's drawings; a reserve funded at completion is part of the gap that
        # sets those drawings; a sculpted loan's next service depends on next CFADS, which
        # holds the interest earned on this period's cash. Each would be a circular
        # reference, so the engine's solved debt service is written as values (listed on
        # Control).
        led = w.result.ledger
        values = (
            led["bond.interest"]
            + led["bond.principal"]
            + led["bond.fees"]
            + led["loan.interest"]
            + led["loan.principal"]
        )[w.scenario]
        r = b.row(
            F,
            "xl.debt_service",
            "债务还本付息（引擎求解）",
            "Debt service for the DSRA target (solved by the engine)",
            lambda x: float(values[x.c - 7]),
        )
        sizing = w.result.sizing
        assert sizing is not None
        b.solved.append(
            {
                "sheet": F,
                "row": r,
                "id": "xl.debt_service",
                "name": "Debt service for the DSRA target",
                "whole_row": True,
                "value": float(values.sum()),
                "residual": float(sizing.residual),
            }
        )
    else:
        # Service on opening balances: equal to the debt service whenever nothing is drawn
        # (operation), and free of a circular reference through this period's drawings.
        b.row(
            F,
            "xl.debt_service",
            "债务还本付息（用于准备金目标）",
            "Debt service for the DSRA target",
            lambda x: f"={x.p('xl.bond_service')}+{x.p('xl.int_open')}+{x.p('loan.principal')}",
        )

    def target(x: At) -> str:
        parts = [x.at("xl.debt_service", j) for j in range(1, whole + 1)]
        if frac > 1e-12:
            parts.append(f"{frac!r}*{x.at('xl.debt_service', whole + 1)}")
        on = f"({x.p('time.period')}<{x.p('xl.last_held')})"
        return f"={on}*(" + ("+".join(parts) or "0") + ")"

    b.row(F, "xl.dsra_target", "偿债准备金目标", "DSRA target", target, total=False)
    if plan_funds:  # read by the funding row only (from cash it is a zero row)
        w.param("xl.dsra_from_plan", 1.0, "偿债准备金由建设期资金计提", "DSRA funded at "
                "completion by the funding plan (1 = yes)", "-")
    b.row(
        F,
        "xl.completion",
        "建设期末标志",
        "Last construction period",
        lambda x: f"={avail(x)}*(1-{x.at('flag.construction', 1)})",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    # Funded from cash, the reserve takes nothing from the funding gap: a zero row (a
    # formula reading the target would close a circle through the drawings).
    b.row(
        F,
        "xl.dsra_fund",
        "建设期末计提偿债准备金",
        "DSRA funded at completion",
        (lambda x: (
            f"={x.i('xl.dsra_from_plan')}*{x.p('xl.completion')}*MAX({x.p('xl.dsra_target')}-"
            f"{x.prev('cash.dsra_balance')},0)"
        )) if plan_funds else (lambda x: "=0"),
    )
    b.row(
        F,
        "xl.dsra_cover",
        "准备金弥补缺口",
        "DSRA drawn for a shortfall",
        lambda x: f"=MIN(0+{x.prev('cash.dsra_balance')},MAX(-{x.p(prev)},0))",
    )
    b.row(
        F,
        "xl.dsra_level",
        "弥补后准备金",
        "DSRA after covering",
        lambda x: f"={x.prev('cash.dsra_balance')}-{x.p('xl.dsra_cover')}",
        total=False,
    )
    b.row(
        F,
        "xl.dsra_move",
        "准备金补足(+)/释放(−)",
        "DSRA top-up (+) / release (−)",
        lambda x: (
            f"=(1-{avail(x)})*(MIN(MAX({x.p('xl.dsra_target')}-{x.p('xl.dsra_level')},0),"
            f"MAX({x.p(prev)}+{x.p('xl.dsra_cover')},0))-MAX({x.p('xl.dsra_level')}-"
            f"{x.p('xl.dsra_target')},0))"
        ),
    )
    b.row(
        F,
        "cash.dsra_balance",
        "偿债准备金余额",
        "Debt-service reserve (DSRA)",
        lambda x: (
            f"={avail(x)}*({x.prev('cash.dsra_balance')}+{x.p('xl.dsra_fund')})+(1-{avail(x)})*("
            f"{x.p('xl.dsra_level')}+{x.p('xl.dsra_move')})"
        ),
        total=False,
    )
    b.row(
        F,
        "cash.dsra_change",
        "偿债准备金变动",
        "DSRA top-up (+) / release (−)",
        lambda x: f"={x.p('cash.dsra_balance')}-{x.prev('cash.dsra_balance')}",
    )
    b.row(
        F,
        out,
        "准备金后现金",
        "Cash after reserves",
        # a reserve funded at completion is met by the funding gap, not by cash
        lambda x: f"={x.p(prev)}-{x.p('cash.dsra_change')}+{x.p('xl.dsra_fund')}",
        total=False,
    )


def _lockup(w: ModelWriter, where: str, floors: list[float], loans_paid: bool) -> None:
    """Lock-up flag before a distribution step: DSCR of the period below the floor."""
    b = w.book
    if not floors:
        b.row(
            F,
            f"xl.lockup_{where}",
            "分配锁定",
            "Lock-up",
            lambda x: "=0",
            unit="-",
            fmt=FLAG,
            total=False,
        )
        return
    w.param("xl.lockup_dscr", max(floors), "分配锁定DSCR", "Lock-up DSCR", "-")

    def f(x: At) -> str:
        ds = f"({x.p('xl.bond_service')}" + (
            f"+{x.p('loan.interest')}+{x.p('loan.principal')})" if loans_paid else ")"
        )
        return (
            f"=(1-({x.p('time.period')}={x.p('xl.last_held')}))*({ds}>0)*("
            f"{x.p('xl.cfads')}<{x.i('xl.lockup_dscr')}*{ds})"
        )

    b.row(F, f"xl.lockup_{where}", "分配锁定", "Lock-up", f, unit="-", fmt=FLAG, total=False)


def distributable_share(w: ModelWriter) -> str:
    """The input 1 − statutory surplus reserve rate (share of a year's net profit that can
    be distributed); returns its reference."""
    return w.param(
        "xl.distributable_share",
        1.0 - w.spec.funding.statutory_reserve_rate,
        "可分配比例",
        "Share of net profit distributable",
        "-",
    )


def _distributable_pre(w: ModelWriter) -> None:
    b = w.book
    policy = w.spec.funding.distribution_policy is DistributionPolicy.PROFIT
    w.param("xl.profit_policy", float(policy), "按可供分配利润分配", "Profit policy (1 = yes)", "-")
    distributable_share(w)
    b.row(
        F,
        "xl.distributable_pre",
        "可供分配利润（分配前）",
        "Distributable before payments",
        lambda x: (
            f"={x.prev('xl.distributable')}+{x.i('xl.profit_policy')}*"
            f"{x.i('xl.distributable_share')}*({x.p('tax.taxable_income')}+"
            f"{x.p('xl.untaxed')}-{x.p('tax.income_tax')})"
        ),
        total=False,
    )


def _fund(w: ModelWriter, prev: str, out: str) -> None:
    """The fund's senior/junior waterfall (renewfin.instruments.fund)."""
    b, spec = w.book, w.spec
    fund = spec.funding.fund
    if "xl.distributable_pre" not in b.cells:
        _distributable_pre(w)
    if fund is None:
        b.row(F, "fund.paid", "基金分配合计", "Paid to the fund", lambda x: "=0")
        b.row(
            F,
            "xl.distributable_after_fund",
            "基金分配后可供分配利润",
            "Distributable after the fund",
            lambda x: f"={x.p('xl.distributable_pre')}",
            total=False,
        )
        b.row(
            F, out, "基金分配后现金", "Cash after the fund", lambda x: f"={x.p(prev)}", total=False
        )
        return
    w.param("funding.fund.senior_share", fund.senior_share, "优先级比例", "Senior share")
    w.param("funding.fund.senior_return", fund.senior_return, "优先级收益率", "Senior return")
    w.param("funding.fund.junior_return", fund.junior_return, "劣后级收益率", "Junior return")
    w.param("funding.fund.upside_share", fund.upside_share, "劣后级超额分成", "Junior upside")
    w.param("xl.fund_compound", float(fund.accrual is FundAccrual.COMPOUND),
            "优先回报复利计息", "Preferred return compounds (1 = yes)", "-")
    w.param(_FW, fund.draw_timing.weight, "基金出资当期计息比例",
            "Share of the contribution period accruing", "-")
    w.param(
        "xl.fund_end",
        round((fund.start_year + fund.term_years) * spec.periods_per_year) - 1,
        "基金期满期",
        "Last period of the fund term",
        "-",
    )
    t = lambda x: x.p("time.period")
    avail = lambda x: x.p("flag.construction")
    live = lambda x: f"({t(x)}<={x.p('xl.last_held')})"
    closing = lambda x: f"({t(x)}={x.p('xl.last_held')})"
    ppy = PPY
    for tier, share in (
        ("senior", "funding.fund.senior_share"),
        ("junior", "funding.fund.senior_share"),
    ):
        rate = f"funding.fund.{tier}_return"

        def growth(years: Callable[[At], str], rate: str = rate) -> Template:
            """The return per unit over ``years``: compounding or simple, as chosen."""

            def formula(x: At) -> str:
                c, r, g = x.i("xl.fund_compound"), x.i(rate), years(x)
                return f"={c}*((1+{r})^({g})-1)+(1-{c})*{r}*{g}"

            return formula

        for key, years, zh, en in (
            ("period", lambda x: f"1/{x.i(ppy)}", "每期收益率", "return over a period"),
            ("contribution", lambda x: f"{x.i(_FW)}/{x.i(ppy)}", "当期出资收益率",
             "return on a contribution in its period"),
        ):
            b.constant(F, f"xl.{tier}_growth_{key}", f"{TIER_ZH[tier]}{zh}", f"{tier} {en}",
                       growth(years), unit="-", fmt="0.000000")

        def accrued_in(x: At, tier: str = tier, share: str = share) -> str:
            c = x.i("xl.fund_compound")
            part = x.i(share) if tier == "senior" else f"(1-{x.i(share)})"
            return (
                f"={x.prev(f'xl.{tier}_accrued')}+{live(x)}*(({x.prev(f'xl.{tier}_capital')}+"
                f"{c}*{x.prev(f'xl.{tier}_accrued')})*{x.p(f'xl.{tier}_growth_period')}+"
                f"{x.p('fund.contribution')}*{part}*{x.p(f'xl.{tier}_growth_contribution')})"
            )

        b.row(
            F,
            f"xl.{tier}_accrued_in",
            f"{TIER_ZH[tier]}应计收益（分配前）",
            f"{tier} accrued before payment",
            accrued_in,
            total=False,
        )

        def capital_in(x: At, tier: str = tier, share: str = share) -> str:
            return f"={x.prev(f'xl.{tier}_capital')}+{live(x)}*{x.p('fund.contribution')}*" + (
                f"{x.i(share)}" if tier == "senior" else f"(1-{x.i(share)})"
            )

        b.row(
            F,
            f"xl.{tier}_capital_in",
            f"{TIER_ZH[tier]}未返还本金（分配前）",
            f"{tier} capital before payment",
            capital_in,
            total=False,
        )
    b.row(
        F,
        "xl.fund_cash",
        "可用于基金分配的现金",
        "Cash available to the fund",
        lambda x: (
            f"=MAX((1-{avail(x)})*(1-{x.p('xl.lockup_fund')})*({x.p(prev)}-(1-"
            f"{closing(x)})*{x.i('funding.min_cash_balance')}),0)"
        ),
        total=False,
    )
    b.row(
        F,
        "xl.fund_room",
        "收益分配上限",
        "Cap on returns",
        lambda x: (
            f"=IF({x.i('xl.profit_policy')}*(1-{closing(x)}),MAX("
            f"{x.p('xl.distributable_pre')},0),{x.p('xl.fund_cash')})"
        ),
        total=False,
    )
    b.row(
        F,
        "xl.fund_due",
        "基金本金返还标志",
        "Fund capital due flag",
        lambda x: f"=MIN(1,{closing(x)}+({t(x)}>={x.i('xl.fund_end')}))",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    b.row(
        F,
        "fund.senior_return",
        "优先级收益分配",
        "Senior preferred return",
        lambda x: (
            f"=MIN({x.p('xl.senior_accrued_in')},{x.p('xl.fund_cash')},{x.p('xl.fund_room')})"
        ),
    )
    b.row(
        F,
        "fund.senior_capital",
        "优先级本金返还",
        "Senior capital returned",
        lambda x: (
            f"=MIN({x.p('xl.fund_due')}*{x.p('xl.senior_capital_in')},"
            f"{x.p('xl.fund_cash')}-{x.p('fund.senior_return')})"
        ),
    )
    left2 = lambda x: (
        f"({x.p('xl.fund_cash')}-{x.p('fund.senior_return')}-{x.p('fund.senior_capital')})"
    )
    b.row(
        F,
        "fund.junior_return",
        "劣后级收益分配",
        "Junior preferred return",
        lambda x: (
            f"=MIN({x.p('xl.junior_accrued_in')},{left2(x)},{x.p('xl.fund_room')}-"
            f"{x.p('fund.senior_return')})"
        ),
    )
    b.row(
        F,
        "fund.junior_capital",
        "劣后级本金返还",
        "Junior capital returned",
        lambda x: (
            f"=MIN({x.p('xl.fund_due')}*{x.p('xl.junior_capital_in')},{left2(x)}-"
            f"{x.p('fund.junior_return')})"
        ),
    )
    for tier in ("senior", "junior"):

        def accrued(x: At, tier: str = tier) -> str:
            return f"={x.p(f'xl.{tier}_accrued_in')}-{x.p(f'fund.{tier}_return')}"

        b.row(
            F,
            f"xl.{tier}_accrued",
            f"{TIER_ZH[tier]}应计收益（期末）",
            f"{tier} accrued",
            accrued,
            total=False,
        )

        def capital(x: At, tier: str = tier) -> str:
            return f"={x.p(f'xl.{tier}_capital_in')}-{x.p(f'fund.{tier}_capital')}"

        b.row(
            F,
            f"xl.{tier}_capital",
            f"{TIER_ZH[tier]}未返还本金（期末）",
            f"{tier} capital",
            capital,
            total=False,
        )
    b.row(
        F,
        "fund.upside",
        "劣后级超额收益",
        "Junior upside",
        lambda x: (
            f"=MIN(({x.p('xl.junior_capital')}>0)*(1-{x.p('xl.fund_due')})*("
            f"{left2(x)}-{x.p('fund.junior_return')}-{x.p('fund.junior_capital')})*"
            f"{x.i('funding.fund.upside_share')},{x.p('xl.fund_room')}-"
            f"{x.p('fund.senior_return')}-{x.p('fund.junior_return')})"
        ),
    )
    b.row(
        F,
        "fund.paid",
        "基金分配合计",
        "Paid to the fund",
        lambda x: (
            f"={x.p('fund.senior_return')}+{x.p('fund.senior_capital')}+"
            f"{x.p('fund.junior_return')}+{x.p('fund.junior_capital')}+"
            f"{x.p('fund.upside')}"
        ),
    )
    b.row(
        F,
        "fund.claim",
        "基金未偿权益",
        "Fund claims outstanding",
        lambda x: (
            f"={x.p('xl.senior_capital')}+{x.p('xl.senior_accrued')}+"
            f"{x.p('xl.junior_capital')}+{x.p('xl.junior_accrued')}"
        ),
        total=False,
    )
    b.row(
        F,
        "xl.distributable_after_fund",
        "基金分配后可供分配利润",
        "Distributable after the fund",
        lambda x: (
            f"={x.p('xl.distributable_pre')}-{x.p('fund.senior_return')}-"
            f"{x.p('fund.junior_return')}-{x.p('fund.upside')}"
        ),
        total=False,
    )
    b.row(
        F,
        out,
        "基金分配后现金",
        "Cash after the fund",
        lambda x: f"={x.p(prev)}-{x.p('fund.paid')}",
        total=False,
    )


def _equity(w: ModelWriter, prev: str, out: str) -> None:
    """Distributions to shareholders, limited by distributable profit under the profit
    policy except at the end of the holding."""
    b = w.book
    if "xl.distributable_pre" not in b.cells:
        _distributable_pre(w)
    if "xl.distributable_after_fund" not in b.cells:
        b.row(
            F,
            "xl.distributable_after_fund",
            "基金分配后可供分配利润",
            "Distributable after the fund",
            lambda x: f"={x.p('xl.distributable_pre')}",
            total=False,
        )
    avail = lambda x: x.p("flag.construction")
    closing = lambda x: f"({x.p('time.period')}={x.p('xl.last_held')})"
    b.row(
        F,
        "xl.equity_cash",
        "可分配现金",
        "Cash available to shareholders",
        lambda x: (
            f"=(1-{avail(x)})*(1-{x.p('xl.lockup_equity')})*MAX({x.p(prev)}-(1-"
            f"{closing(x)})*{x.i('funding.min_cash_balance')},0)"
        ),
        total=False,
    )
    b.row(
        F,
        "equity.distribution",
        "股东分配",
        "Distributions to shareholders",
        lambda x: (
            f"=IF({x.i('xl.profit_policy')}*(1-{closing(x)}),MIN({x.p('xl.equity_cash')},"
            f"MAX({x.p('xl.distributable_after_fund')},0)),{x.p('xl.equity_cash')})"
        ),
    )
    b.row(
        F,
        "xl.distributable",
        "可供分配利润余额",
        "Distributable profit left",
        lambda x: f"={x.p('xl.distributable_after_fund')}-{x.p('equity.distribution')}",
        total=False,
    )
    b.row(
        F,
        out,
        "分配后现金",
        "Cash after distributions",
        lambda x: f"={x.p(prev)}-{x.p('equity.distribution')}",
        total=False,
    )


def reserves_and_phases(w: ModelWriter) -> None:
    """The capitalisation share of construction interest by phase, the maintenance reserve
    and the interest earned on cash and reserves (renewfin.instruments.reserve,
    renewfin.financing.waterfall)."""
    b = w.book
    b.section(F, "建设期利息资本化与准备金 Interest capitalisation and reserves")
    _capitalisation_share(w)
    if w.spec.funding.mmra is not None:
        _maintenance_reserve(w)
    w.param(
        "funding.cash_interest_rate",
        w.spec.funding.cash_interest_rate,
        "货币资金及准备金利率",
        "Interest rate on cash and reserves",
        "1/yr",
    )
    mmra = w.spec.funding.mmra is not None

    def earned(x: At) -> str:
        reserve = f"+{x.prev('reserve.mmra.balance')}" if mmra else ""
        return (
            f"={x.i('funding.cash_interest_rate')}/{x.i(PPY)}*(MAX({x.prev('cash.balance')},0)+"
            f"{x.prev('cash.dsra_balance')}{reserve})"
        )

    b.row(
        F,
        "finance.interest_income",
        "利息收入（货币资金及准备金）",
        "Interest earned on cash and reserves",
        earned,
    )


def _phase_of(w: ModelWriter) -> dict[str, list[str]]:
    """The rows of the Investment sheet whose spending builds each phase: its items, its
    part of each contingency and its price contingency (renewfin.core.investment)."""
    spec, cells = w.spec, w.book.cells
    first = spec.timeline.phases[0].name
    out: dict[str, list[str]] = {p.name: [] for p in spec.timeline.phases}
    for item in spec.investment:
        if item.category is not InvestmentCategory.CONTINGENCY:
            out[item.phase or first].append(f"capex.item[{item.name}]")
    for item in spec.investment:
        if item.category is InvestmentCategory.CONTINGENCY:
            for ph in out:
                if f"xl.contingency[{item.name}|{ph}]" in cells:
                    out[ph].append(f"xl.contingency[{item.name}|{ph}]")
    for ph in out:
        if f"xl.pc[{ph}]" in cells:
            out[ph].append(f"xl.pc[{ph}]")
    for item in spec.investment:  # 契税 on land, spent with the land item
        if f"xl.deed[{item.name}]" in cells:
            out[item.phase or first].append(f"xl.deed[{item.name}]")
    return out


def _capitalisation_share(w: ModelWriter) -> None:
    """``xl.cap_share``: the share of construction-period interest on opening balances that
    is capitalised — 1 with one phase; with several, the investment spent before the period
    on phases still under construction over all spent before it
    (renewfin.instruments.reserve.capitalisation_share)."""
    b, phases = w.book, w.spec.timeline.phases
    if len(phases) < 2:
        b.row(F, "xl.cap_share", "建设期利息资本化比例", "Share of construction interest "
              "capitalised", lambda x: "=1", unit="-", fmt=RATIO, total=False)
        return
    for ph, rows in _phase_of(w).items():

        def phase_capex(x: At, rows: list[str] = rows) -> str:
            return "=" + _sum(x, rows)

        def phase_cum(x: At, ph: str = ph) -> str:
            return f"={x.prev(f'xl.phase_cum[{ph}]')}+{x.p(f'capex.phase[{ph}]')}"

        b.row(F, f"capex.phase[{ph}]", f"建设投资：{ph}", f"Construction investment: {ph}",
              phase_capex)
        b.row(F, f"xl.phase_cum[{ph}]", f"累计建设投资：{ph}", f"Investment to date: {ph}",
              phase_cum, total=False)
    names = [p.name for p in phases]

    def share(x: At) -> str:
        total = "+".join(x.prev(f"xl.phase_cum[{p}]") for p in names)
        building = "+".join(
            f"{x.p(f'flag.construction[{p}]')}*{x.prev(f'xl.phase_cum[{p}]')}" for p in names
        )
        return f"=IF({total}>1E-12,({building})/({total}),1)"

    b.row(F, "xl.cap_share", "建设期利息资本化比例", "Share of construction interest capitalised",
          share, unit="-", fmt=RATIO, total=False)


def _maintenance_reserve(w: ModelWriter) -> None:
    """The MMRA (renewfin.instruments.reserve.maintenance_reserve): each occurrence of the
    reserved cyclical costs funded in equal parts since the break before it, released to
    pay it."""
    from renewfin.spec.model import mmra_items

    b, n = w.book, w.spec.n_periods
    t = lambda x: x.p("time.period")
    rows: list[tuple[str, str, str, Callable[[At], str], bool]] = [
        ("xl.mm_on", "运营期标志（准备金）", "In operation (reserve)",
         lambda x: f"=(1-{x.p('flag.construction')})*{x.p('flag.held')}", False),
        ("xl.mm_cost", "大中修费用（准备金覆盖）", "Cyclical costs reserved for",
         lambda x: "=" + _sum(x, [f"opex.item[{i}]" for i in mmra_items(w.spec)])
         + f"*{x.p('xl.mm_on')}", True),
        ("xl.mm_occ", "大中修发生标志", "Occurrence",
         lambda x: f"=({x.p('xl.mm_cost')}>0)*1", False),
        ("xl.mm_break", "分段标志", "Break (occurrence or not in operation)",
         lambda x: f"=MAX({x.p('xl.mm_occ')},1-{x.p('xl.mm_on')})", False),
        ("xl.mm_last", "上一分段期", "Last break before",
         lambda x: (f"=IF({t(x)}=0,-1,IF({x.prev('xl.mm_break')}=1,{t(x)}-1,"
                    f"{x.prev('xl.mm_last')}))"), False),
        ("xl.mm_next", "下一分段期", "Next break after",
         lambda x: (f"=IF({t(x)}={n - 1},{n},IF({x.at('xl.mm_break', 1)}=1,{t(x)}+1,"
                    f"{x.at('xl.mm_next', 1)}))"), False),
        ("xl.mm_ahead", "下一次大中修费用", "Cost of the next occurrence",
         lambda x: (f"=IF({t(x)}={n - 1},0,IF({x.at('xl.mm_break', 1)}=1,"
                    f"{x.at('xl.mm_occ', 1)}*{x.at('xl.mm_cost', 1)},{x.at('xl.mm_ahead', 1)}))"),
         False),
        ("reserve.mmra.contribution", "大中修准备金计提", "MMRA contribution",
         lambda x: (f"={x.p('xl.mm_on')}*(1-{x.p('xl.mm_occ')})*{x.p('xl.mm_ahead')}/MAX("
                    f"{x.p('xl.mm_next')}-{x.p('xl.mm_last')}-1,1)"), True),
        ("reserve.mmra.release", "大中修准备金使用", "MMRA release",
         lambda x: f"={x.p('xl.mm_occ')}*{x.prev('reserve.mmra.balance')}", True),
        ("reserve.mmra.balance", "大中修准备金余额", "Maintenance reserve (MMRA) balance",
         lambda x: (f"={x.prev('reserve.mmra.balance')}+{x.p('reserve.mmra.contribution')}-"
                    f"{x.p('reserve.mmra.release')}"), False),
    ]
    for id, zh, en, formula, flow in rows:
        if flow or id == "reserve.mmra.balance":
            b.row(F, id, zh, en, formula, total=flow)
        else:
            b.row(F, id, zh, en, formula, unit="-", fmt=FLAG, total=False)


def hand_back(w: ModelWriter) -> None:
    """The concession's hand-back (renewfin.core.concession.hand_back): the fixed assets'
    net book value, financing costs included, written off in the term's last period (the
    share of ``dep_fin.total`` the write-off ``dep.hand_back`` is of ``dep.total``), on the
    Statements sheet."""
    from renewfin.core.concession import concession_of

    gp = concession_of(w.spec)
    if gp is None or not gp.hand_back:
        return
    w.book.row("Statements", "concession.hand_back",
               f"期满无偿移交资产净值（移交{gp.grantor}）",
               f"Assets handed back free at the end of the term (to {gp.grantor})",
               lambda x: (f"=IF(ABS({x.p('dep.total')})>1E-12,{x.p('dep_fin.total')}*"
                          f"{x.p('dep.hand_back')}/{x.p('dep.total')},0)"),
               total=False)
