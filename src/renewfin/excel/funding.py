"""Workbook rows of the funding stack, mirroring renewfin.financing (plan, waterfall and
the lines stage.record writes). Loan sizes and drawdown shares are the engine's solved
values (green cells on the Funding sheet, listed on Control); everything else is live."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from renewfin.excel.book import FLAG, At, Template
from renewfin.excel.rows import (
    PPY,
    F,
    derived_input,
)
from renewfin.financing.source_lines import IDC_PAID_LABELS
from renewfin.spec.funding import (
    ConstructionInterest,
    DistributionPolicy,
    FundAccrual,
    Loan,
    LoanRepayment,
)

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

_FW = "xl.fund_draw_weight"
"""The fund contributions' ``DrawTiming.weight``."""


TIER_ZH = {"senior": "优先级", "junior": "劣后级"}
"""Chinese names of the fund's tiers (DOMAIN.md §5: 优先 / 劣后)."""


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
        derived_input(w, f"{path}[{ln.name}]",
                 f"=MIN({starts})+ROUND({b.input_ref(f'{at}.{years}')}*{ppy},0)")


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


def _profile(w: ModelWriter, k: int) -> Callable[[At], str]:
    """Principal due from the opening balance by repayment profile
    (renewfin.instruments.loan.principal_due). For a custom profile, first writes the row of
    the share of the opening balance due (this period's weight over the weights left)."""
    ln = w.spec.funding.loans[k]
    key = f"loan[{ln.name}]"
    prof = ln.repayment
    t = lambda x: x.p("time.period")
    share = f"xl.repay_share[{ln.name}]"
    if prof is LoanRepayment.CUSTOM:

        def weight(x: At) -> str:
            rs, mat = x.i(f"xl.repay_start[{ln.name}]"), x.i(f"xl.maturity[{ln.name}]")
            idx = f"MIN(MAX({t(x)}-{rs}+1,1),{mat}-{rs})"
            return (
                f"=INDEX({x.v(f'xl.weights[{ln.name}]')},{idx})/MAX(INDEX("
                f"{x.v(f'xl.weights_left[{ln.name}]')},{idx}),1E-300)"
            )

        w.book.row(F, share, f"应还比例（占期初余额）：{ln.name}",
                   f"Share of the opening balance due: {ln.name}", weight, unit="-",
                   fmt="0.000000", total=False)

    def f(x: At) -> str:
        rs, mat = x.i(f"xl.repay_start[{ln.name}]"), x.i(f"xl.maturity[{ln.name}]")
        op = x.p(f"{key}.opening")
        r = x.p(f"xl.rate[{ln.name}]")
        win = f"({t(x)}>={rs})*({t(x)}<{mat})"
        last = f"({t(x)}={mat}-1)"
        if prof is LoanRepayment.EQUAL_PRINCIPAL:
            due = f"{op}/MAX({mat}-{t(x)},1)"
        elif prof is LoanRepayment.ANNUITY:
            due = f"-PMT({r},MAX({mat}-{t(x)},1),{op})-{op}*{r}"
        elif prof is LoanRepayment.CUSTOM:
            due = f"{op}*{x.p(share)}"
        elif prof is LoanRepayment.BULLET:
            due = "0"
        else:
            avail = x.p(f"xl.available[{ln.name}]")
            due = f"{avail}/{x.i(f'xl.target_dscr[{ln.name}]')}-{op}*{r}"
        return f"={win}*({last}*{op}+(1-{last})*MIN(MAX({due},0),{op}))"

    return f


def _paid(ln: Loan) -> bool:
    """Whether loan ``ln`` pays its construction interest from own funds."""
    return ln.construction_interest is ConstructionInterest.PAID


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
