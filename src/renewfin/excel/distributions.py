"""The workbook's distribution steps of the operating waterfall (renewfin.financing.waterfall,
renewfin.instruments.fund, the Funding sheet): the lock-up flags, the distributable profit,
the fund's senior/junior tiers and the distributions to shareholders."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from renewfin.excel.book import FLAG, At, Template
from renewfin.excel.rows import PPY, F, construction, period
from renewfin.spec.funding import DistributionPolicy, Fund, FundAccrual

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

_FW = "xl.fund_draw_weight"
"""The fund contributions' ``DrawTiming.weight``."""

TIER_ZH = {"senior": "优先级", "junior": "劣后级"}
"""Chinese names of the fund's tiers (DOMAIN.md §5: 优先 / 劣后)."""


def lockup_row(w: ModelWriter, where: str, floors: list[float], loans_paid: bool) -> None:
    """Lock-up flag ``xl.lockup_{where}`` before a distribution step: the period's DSCR
    below the highest of the loans' lock-up ``floors`` (a 0/1 row; debt service counts the
    loans if ``loans_paid``, they are paid before the step)."""
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
    """The profit policy's flag, the distributable share and ``xl.distributable_pre``, the
    distributable profit before this period's payments [money]."""
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


def fund_rows(w: ModelWriter, prev: str, out: str) -> None:
    """The fund's senior/junior waterfall (renewfin.instruments.fund): from the cash
    ``prev``, the preferred returns, capital returned and the junior upside, to the cash
    ``out`` after the fund [money]."""
    fund = w.spec.funding.fund
    if "xl.distributable_pre" not in w.book.cells:
        _distributable_pre(w)
    if fund is None:
        _no_fund(w, prev, out)
        return
    _fund_inputs(w, fund)
    for tier in ("senior", "junior"):
        _tier_before_payment(w, tier)
    _fund_room(w, prev)
    _fund_payments(w)
    for tier in ("senior", "junior"):
        _tier_after_payment(w, tier)
    _fund_totals(w, prev, out)


def _no_fund(w: ModelWriter, prev: str, out: str) -> None:
    """Without a fund: nothing paid to it, the distributable profit and the cash passed on."""
    b = w.book
    b.row(F, "fund.paid", "基金分配合计", "Paid to the fund", lambda x: "=0")
    _distributable_passed_on(w)
    b.row(F, out, "基金分配后现金", "Cash after the fund", lambda x: f"={x.p(prev)}", total=False)


def _fund_inputs(w: ModelWriter, fund: Fund) -> None:
    """The fund's inputs: the senior share, the tiers' returns [1/yr], the junior upside
    share, the accrual (compounding or not), the contribution's draw weight and the last
    period of the fund's term."""
    w.param("funding.fund.senior_share", fund.senior_share, "优先级比例", "Senior share")
    w.param("funding.fund.senior_return", fund.senior_return, "优先级收益率", "Senior return")
    w.param("funding.fund.junior_return", fund.junior_return, "劣后级收益率", "Junior return")
    w.param("funding.fund.upside_share", fund.upside_share, "劣后级超额分成", "Junior upside")
    w.param(
        "xl.fund_compound",
        float(fund.accrual is FundAccrual.COMPOUND),
        "优先回报复利计息",
        "Preferred return compounds (1 = yes)",
        "-",
    )
    w.param(
        _FW,
        fund.draw_timing.weight,
        "基金出资当期计息比例",
        "Share of the contribution period accruing",
        "-",
    )
    w.param(
        "xl.fund_end",
        round((fund.start_year + fund.term_years) * w.spec.periods_per_year) - 1,
        "基金期满期",
        "Last period of the fund term",
        "-",
    )


def _live(x: At) -> str:
    """Whether the column at ``x`` is held (a formula term, 0/1)."""
    return f"({period(x)}<={x.p('xl.last_held')})"


def _closing(x: At) -> str:
    """Whether the column at ``x`` is the last period held (a formula term, 0/1)."""
    return f"({period(x)}={x.p('xl.last_held')})"


def _growth(years: Callable[[At], str], rate: str) -> Template:
    """The return per unit over ``years`` at the input ``rate``: compounding or simple, as
    chosen (a ratio)."""

    def formula(x: At) -> str:
        c, r, g = x.i("xl.fund_compound"), x.i(rate), years(x)
        return f"={c}*((1+{r})^({g})-1)+(1-{c})*{r}*{g}"

    return formula


def _tier_before_payment(w: ModelWriter, tier: str) -> None:
    """A tier's return over a period and on a contribution in its period (ratios), and its
    accrued return and capital outstanding before this period's payments [money]."""
    b, share = w.book, "funding.fund.senior_share"
    rate = f"funding.fund.{tier}_return"
    for key, years, zh, en in (
        ("period", lambda x: f"1/{x.i(PPY)}", "每期收益率", "return over a period"),
        (
            "contribution",
            lambda x: f"{x.i(_FW)}/{x.i(PPY)}",
            "当期出资收益率",
            "return on a contribution in its period",
        ),
    ):
        b.constant(
            F,
            f"xl.{tier}_growth_{key}",
            f"{TIER_ZH[tier]}{zh}",
            f"{tier} {en}",
            _growth(years, rate),
            unit="-",
            fmt="0.000000",
        )

    def part(x: At) -> str:
        return x.i(share) if tier == "senior" else f"(1-{x.i(share)})"

    def accrued_in(x: At) -> str:
        c = x.i("xl.fund_compound")
        return (
            f"={x.prev(f'xl.{tier}_accrued')}+{_live(x)}*(({x.prev(f'xl.{tier}_capital')}+"
            f"{c}*{x.prev(f'xl.{tier}_accrued')})*{x.p(f'xl.{tier}_growth_period')}+"
            f"{x.p('fund.contribution')}*{part(x)}*{x.p(f'xl.{tier}_growth_contribution')})"
        )

    b.row(
        F,
        f"xl.{tier}_accrued_in",
        f"{TIER_ZH[tier]}应计收益（分配前）",
        f"{tier} accrued before payment",
        accrued_in,
        total=False,
    )

    def capital_in(x: At) -> str:
        return f"={x.prev(f'xl.{tier}_capital')}+{_live(x)}*{x.p('fund.contribution')}*{part(x)}"

    b.row(
        F,
        f"xl.{tier}_capital_in",
        f"{TIER_ZH[tier]}未返还本金（分配前）",
        f"{tier} capital before payment",
        capital_in,
        total=False,
    )


def _fund_room(w: ModelWriter, prev: str) -> None:
    """The cash available to the fund (after the lock-up and the minimum balance), the cap
    the profit policy puts on returns [money] and the flag of capital due (the term's end
    or the last period held)."""
    b = w.book
    b.row(
        F,
        "xl.fund_cash",
        "可用于基金分配的现金",
        "Cash available to the fund",
        lambda x: (
            f"=MAX((1-{construction(x)})*(1-{x.p('xl.lockup_fund')})*({x.p(prev)}-(1-"
            f"{_closing(x)})*{x.i('funding.min_cash_balance')}),0)"
        ),
        total=False,
    )
    b.row(
        F,
        "xl.fund_room",
        "收益分配上限",
        "Cap on returns",
        lambda x: (
            f"=IF({x.i('xl.profit_policy')}*(1-{_closing(x)}),MAX("
            f"{x.p('xl.distributable_pre')},0),{x.p('xl.fund_cash')})"
        ),
        total=False,
    )
    b.row(
        F,
        "xl.fund_due",
        "基金本金返还标志",
        "Fund capital due flag",
        lambda x: f"=MIN(1,{_closing(x)}+({period(x)}>={x.i('xl.fund_end')}))",
        unit="-",
        fmt=FLAG,
        total=False,
    )


def _left_after_senior(x: At) -> str:
    """The fund's cash left after the senior tier's return and capital (a formula term)."""
    return f"({x.p('xl.fund_cash')}-{x.p('fund.senior_return')}-{x.p('fund.senior_capital')})"


def _fund_payments(w: ModelWriter) -> None:
    """The senior tier's return and capital, then the junior tier's, each within the cash
    left and the cap on returns [money]."""
    b = w.book
    left2 = _left_after_senior
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


def _tier_after_payment(w: ModelWriter, tier: str) -> None:
    """A tier's accrued return and capital outstanding after this period's payments
    [money]."""
    for key, paid, zh, en in (
        ("accrued", "return", "应计收益（期末）", "accrued"),
        ("capital", "capital", "未返还本金（期末）", "capital"),
    ):

        def left(x: At, key: str = key, paid: str = paid) -> str:
            return f"={x.p(f'xl.{tier}_{key}_in')}-{x.p(f'fund.{tier}_{paid}')}"

        w.book.row(F, f"xl.{tier}_{key}", f"{TIER_ZH[tier]}{zh}", f"{tier} {en}", left, total=False)


def _fund_totals(w: ModelWriter, prev: str, out: str) -> None:
    """The junior upside, the total paid to the fund, its claims outstanding, the
    distributable profit after it and the cash ``out`` after it [money]."""
    b = w.book
    b.row(
        F,
        "fund.upside",
        "劣后级超额收益",
        "Junior upside",
        lambda x: (
            f"=MIN(({x.p('xl.junior_capital')}>0)*(1-{x.p('xl.fund_due')})*("
            f"{_left_after_senior(x)}-{x.p('fund.junior_return')}-"
            f"{x.p('fund.junior_capital')})*"
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


def _distributable_passed_on(w: ModelWriter) -> None:
    """``xl.distributable_after_fund`` with nothing paid to a fund: the distributable
    profit before payments [money]."""
    w.book.row(
        F,
        "xl.distributable_after_fund",
        "基金分配后可供分配利润",
        "Distributable after the fund",
        lambda x: f"={x.p('xl.distributable_pre')}",
        total=False,
    )


def equity_rows(w: ModelWriter, prev: str, out: str) -> None:
    """Distributions to shareholders from the cash ``prev``, limited by distributable profit
    under the profit policy except at the end of the holding, and the cash ``out`` after
    them [money]."""
    b = w.book
    if "xl.distributable_pre" not in b.cells:
        _distributable_pre(w)
    if "xl.distributable_after_fund" not in b.cells:
        _distributable_passed_on(w)
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
