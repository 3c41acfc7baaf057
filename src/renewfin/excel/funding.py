"""Workbook rows of the funding stack, mirroring renewfin.financing (plan, waterfall and
the lines stage.record writes). Loan sizes and drawdown shares are the engine's solved
values (green cells on the Funding sheet, listed on Control); everything else is live."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from renewfin.excel.book import At, Template
from renewfin.excel.rows import (
    PPY,
    F,
    derived_input,
)
from renewfin.financing.source_lines import IDC_PAID_LABELS
from renewfin.spec.funding import (
    ConstructionInterest,
    Loan,
    LoanRepayment,
)

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter





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
