"""The workbook's loan rows (renewfin.instruments.loan, renewfin.financing.waterfall): each
loan's solved facility and share, period rate, terms, fees, interest, principal, drawings,
prepayment and balance, then the totals over the loans."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from renewfin.excel.book import RATIO, At, Template
from renewfin.excel.rows import (
    PPY,
    F,
    construction,
    derived_input,
    instrument_totals,
    period,
    sum_rows,
)
from renewfin.financing.source_lines import IDC_PAID_LABELS
from renewfin.instruments.loan import PROFILES
from renewfin.spec.funding import ConstructionInterest, Loan, LprTenor, RateType
from renewfin.spec.labels import field_label

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter


def loans(w: ModelWriter) -> None:
    """Loan rates, fees, drawings, interest (rolled in construction), scheduled principal
    and prepayments (renewfin.instruments.loan, renewfin.financing.waterfall)."""
    b, spec = w.book, w.spec
    fs = spec.funding
    b.section(F, "银行贷款 Loans")
    w.param(
        "xl.stamp_loan",
        w.result_rates().stamp_loan,
        "印花税率：借款合同",
        "Stamp duty rate: loan contracts",
        note="印花税法 税目税率表: 0.05‰",
    )
    for k, ln in enumerate(fs.loans):
        _loan_solved(w, k, ln)
        _loan_rate(w, ln)
        _loan_terms(w, k, ln)
        _loan_fees(w, ln)
        _loan_balance(w, k, ln)
    names = [ln.name for ln in fs.loans]
    instrument_totals(
        w,
        "loan",
        names,
        [
            (key, f"贷款{zh}合计", f"Loans {en}", key != "closing")
            for key, zh, en in (
                ("draw", "提款", "drawdown"),
                ("interest", "利息", "interest"),
                ("capitalised", "建设期利息资本化", "interest capitalised"),
                ("principal", "还本", "scheduled principal"),
                ("prepayment", "提前还款", "prepayment"),
                ("upfront_fee", "前端费", "up-front fee"),
                ("commitment_fee", "承诺费", "commitment fee"),
                ("subsidy", "贴息", "interest subsidy"),
                ("idc_paid", "建设期利息（现金支付）", "construction interest paid in cash"),
                ("closing", "期末余额", "closing balance"),
            )
        ],
    )
    _stamp_loan_row(w, _first_phase(w))
    b.row(
        F,
        "xl.loan_fees",
        "贷款费用",
        "Loan fees",
        lambda x: f"={x.p('loan.upfront_fee')}+{x.p('loan.commitment_fee')}",
    )
    b.row(
        F,
        "xl.int_open",
        "期初余额利息合计",
        "Interest on opening balances",
        lambda x: "=" + sum_rows(x, [f"xl.int_open[{n}]" for n in names]),
    )


def _first_phase(w: ModelWriter) -> str:
    """The name of the phase that starts first (the loans' up-front fees fall in its start
    period)."""
    return min(w.spec.timeline.phases, key=lambda p: p.start_year).name


def _loan_solved(w: ModelWriter, k: int, ln: Loan) -> None:
    """The loan's solved values: its facility (live when the amount bound binds) and the
    pro-rata share of each construction gap it draws, listed on Control [money; share]."""
    b, fs = w.book, w.spec.funding
    res = w.result
    assert res.sizing is not None and res.plan is not None
    at = f"funding.loans[{ln.name}]"
    # Solved values: the facility and the share of each period's gap it funds.
    # The facility is the engine's solved size — live (the input amount) when the amount
    # bound binds; the pro-rata share of each construction gap it draws is solved too
    # (debt-first drawing needs no share). Solved values are listed on Control.
    from renewfin.financing.sizing import BOUNDS

    bound = BOUNDS[int(res.sizing.binding[k, w.scenario])]
    solved = []
    if bound == "amount":

        def facility(x: At, at: str = at) -> str:
            return f"={x.i(at + '.sizing.amount')}"

        b.constant(
            F,
            f"xl.facility[{ln.name}]",
            f"贷款额度：{ln.name}",
            f"Facility (the amount bound binds): {ln.name}",
            facility,
            fmt="#,##0.00",
        )
    else:
        solved.append(
            (
                "facility",
                "贷款额度（引擎求解）",
                "Facility (solved by the engine)",
                float(res.sizing.facility[k, w.scenario]),
            )
        )
    if fs.drawdown.value == "pro_rata":
        solved.append(
            (
                "share",
                "提款比例（引擎求解）",
                "Share of the gap drawn (solved by the engine)",
                float(_solved_share(w, k)),
            )
        )
    for what, zh, en, value in solved:

        def solved_value(x: At, value: float = value) -> float:
            return value

        row = b.constant(
            F,
            f"xl.{what}[{ln.name}]",
            f"{zh}：{ln.name}",
            f"{en}: {ln.name}",
            solved_value,
            fmt=RATIO if what == "share" else "#,##0.00",
        )
        b.solved.append(
            {
                "sheet": F,
                "row": row,
                "name": f"{en}: {ln.name}",
                "value": value,
                "residual": float(res.sizing.residual),
            }
        )


def _loan_rate(w: ModelWriter, ln: Loan) -> None:
    """The loan's period rate (``xl.rate[name]``): fixed, or the LPR path moved by the
    live LPR level plus the spread, over the periods a year [fraction a period]."""
    b, fs = w.book, w.spec.funding
    at = f"funding.loans[{ln.name}]"
    rate: Template
    if ln.rate_type is RateType.FIXED:

        def fixed_rate(x: At, at: str = at) -> str:
            return x.i(at + ".rate")

        rate = fixed_rate
    else:
        five = ln.lpr_tenor is LprTenor.FIVE_YEAR
        name = "five_year" if five else "one_year"
        level = fs.lpr.five_year if five else fs.lpr.one_year
        path = (fs.lpr.five_year_path if five else fs.lpr.one_year_path) or [level]
        w.param(f"xl.lpr_level.{name}", level, "LPR基准水平", "LPR level of the spec")
        w.vector(
            f"xl.lpr_path.{name}",
            list(path),
            "LPR路径（按年）",
            "LPR path by year",
            low=-1.0,
            high=1.0,
        )
        n = len(path)

        def lpr_rate(x: At, at: str = at, name: str = name, n: int = n) -> str:
            return (
                f"(INDEX({x.v(f'xl.lpr_path.{name}')},MIN({x.p('time.year')}+1,{n}))+"
                f"{x.i(f'funding.lpr.{name}')}-{x.i(f'xl.lpr_level.{name}')}+"
                f"{x.i(at + '.spread')})"
            )

        rate = lpr_rate

    def period_rate(x: At, rate: Template = rate) -> str:
        return f"={rate(x)}/{x.i(PPY)}"

    b.row(
        F,
        f"xl.rate[{ln.name}]",
        f"期利率：{ln.name}",
        f"Period rate: {ln.name}",
        period_rate,
        unit="-",
        fmt="0.000000",
        total=False,
    )


def _profile(w: ModelWriter, k: int) -> Callable[[At], str]:
    """Principal due from the opening balance by repayment profile: the window and the last
    period here, the profile's own formula from ``renewfin.instruments.loan.PROFILES``
    (beside its compiled rule). For a profile with workbook weights (custom), first writes
    the row of the share of the opening balance due (this period's weight over the weights
    left)."""
    ln = w.spec.funding.loans[k]
    key = f"loan[{ln.name}]"
    profile = PROFILES[ln.repayment]
    t = lambda x: x.p("time.period")
    share = f"xl.repay_share[{ln.name}]"
    if profile.workbook_weights:

        def weight(x: At) -> str:
            rs, mat = x.i(f"xl.repay_start[{ln.name}]"), x.i(f"xl.maturity[{ln.name}]")
            idx = f"MIN(MAX({t(x)}-{rs}+1,1),{mat}-{rs})"
            return (
                f"=INDEX({x.v(f'xl.weights[{ln.name}]')},{idx})/MAX(INDEX("
                f"{x.v(f'xl.weights_left[{ln.name}]')},{idx}),1E-300)"
            )

        w.book.row(
            F,
            share,
            f"应还比例（占期初余额）：{ln.name}",
            f"Share of the opening balance due: {ln.name}",
            weight,
            unit="-",
            fmt="0.000000",
            total=False,
        )

    def f(x: At) -> str:
        rs, mat = x.i(f"xl.repay_start[{ln.name}]"), x.i(f"xl.maturity[{ln.name}]")
        op = x.p(f"{key}.opening")
        r = x.p(f"xl.rate[{ln.name}]")
        win = f"({t(x)}>={rs})*({t(x)}<{mat})"
        last = f"({t(x)}={mat}-1)"
        cells: dict[str, Callable[[], str]] = {
            "opening": lambda: op,
            "rate": lambda: r,
            "left": lambda: f"MAX({mat}-{t(x)},1)",
            "ppy": lambda: x.i(PPY),
            "share": lambda: x.p(share),
            "available": lambda: x.p(f"xl.available[{ln.name}]"),
            "target": lambda: x.i(f"xl.target_dscr[{ln.name}]"),
        }

        def cell(name: str) -> str:
            """A named quantity of ``Cells``, else the profile input ``name`` of the loan."""
            return cells[name]() if name in cells else x.i(f"funding.loans[{ln.name}].{name}")

        due = profile.formula(cell)
        return f"={win}*({last}*{op}+(1-{last})*MIN(MAX({due},0),{op}))"

    return f


def _loan_terms(w: ModelWriter, k: int, ln: Loan) -> None:
    """The loan's term inputs: tenor, fee rates, repayment weights, target DSCR, the
    repayment profile's own inputs (``PROFILES``) and cash sweep share."""
    b = w.book
    res = w.result
    assert res.sizing is not None and res.plan is not None
    at = f"funding.loans[{ln.name}]"
    terms = res.plan.loans[k].terms
    _tenor_inputs(w, ln, terms.repay_start, terms.maturity)
    w.param(
        f"{at}.upfront_fee_rate",
        ln.upfront_fee_rate,
        f"前端费率：{ln.name}",
        f"Up-front fee rate: {ln.name}",
    )
    w.param(
        f"{at}.commitment_fee_rate",
        ln.commitment_fee_rate,
        f"承诺费率：{ln.name}",
        f"Commitment fee rate: {ln.name}",
    )
    if PROFILES[ln.repayment].workbook_weights and terms.weights is not None:
        w.vector(
            f"xl.weights[{ln.name}]",
            list(terms.weights),
            f"还款权重：{ln.name}",
            f"Repayment weights: {ln.name}",
            high=None,
        )
        w.vector(
            f"xl.weights_left[{ln.name}]",
            list(terms.remaining_weights()),
            f"剩余还款权重：{ln.name}",
            f"Remaining weights: {ln.name}",
            high=None,
        )
    if terms.target_dscr is not None:
        w.param(
            f"xl.target_dscr[{ln.name}]",
            terms.target_dscr,
            f"目标DSCR：{ln.name}",
            f"Target DSCR: {ln.name}",
            "-",
        )
        sized = f"{at}.sizing.dscr"
        if sized in b.inputs:  # a sculpted loan is sized on the DSCR it is sculpted to
            derived_input(w, f"xl.target_dscr[{ln.name}]", f"={b.input_ref(sized)}")
    for p in PROFILES[ln.repayment].inputs:  # the profile's own inputs (its formula reads them)
        w.param(
            f"{at}.{p.field}",
            getattr(ln, p.field),
            f"{field_label(Loan, p.field)}：{ln.name}",
            f"{p.en}: {ln.name}",
            p.unit,
        )
    if ln.cash_sweep > 0:
        w.param(
            f"{at}.cash_sweep",
            ln.cash_sweep,
            f"现金扫款比例：{ln.name}",
            f"Cash sweep: {ln.name}",
        )


def _loan_fees(w: ModelWriter, ln: Loan) -> None:
    """The loan's opening balance, up-front fee (with the loan stamp duty, in the first
    phase's start period) and commitment fee rows [money]."""
    b = w.book
    key = f"loan[{ln.name}]"
    at = f"funding.loans[{ln.name}]"
    first = _first_phase(w)

    def opening(x: At, key: str = key) -> str:
        return f"={x.prev(f'{key}.closing')}"

    b.row(
        F,
        f"{key}.opening",
        f"{ln.name}期初余额",
        f"{ln.name} opening balance",
        opening,
        total=False,
    )

    def upfront_fee(x: At, ln: Loan = ln, at: str = at) -> str:
        return (
            f"=({x.i(at + '.upfront_fee_rate')}+{x.i('xl.stamp_loan')})*"
            f"{x.p(f'xl.facility[{ln.name}]')}*({period(x)}={x.p(f'xl.phase_start[{first}]')})"
        )

    b.row(
        F,
        f"{key}.upfront_fee",
        f"{ln.name}前端费（含借款合同印花税）",
        f"{ln.name} up-front fee (incl. loan stamp duty)",
        upfront_fee,
    )

    def commitment_fee(x: At, ln: Loan = ln, at: str = at) -> str:
        return (
            f"={x.i(at + '.commitment_fee_rate')}/{x.i(PPY)}*MAX("
            f"{x.p(f'xl.facility[{ln.name}]')}-{x.prev(f'xl.used[{ln.name}]')},0)*"
            f"{construction(x)}"
        )

    b.row(
        F,
        f"{key}.commitment_fee",
        f"{ln.name}承诺费",
        f"{ln.name} commitment fee",
        commitment_fee,
    )


def _loan_balance(w: ModelWriter, k: int, ln: Loan) -> None:
    """The loan's interest, scheduled principal, drawings, prepayment and closing balance
    rows [money]."""
    b = w.book
    key = f"loan[{ln.name}]"
    at = f"funding.loans[{ln.name}]"
    r = lambda x, ln=ln: x.p(f"xl.rate[{ln.name}]")

    def interest_on_opening(x: At, key: str = key, r: Template = r) -> str:
        return f"={r(x)}*{x.p(f'{key}.opening')}"

    b.row(
        F,
        f"xl.int_open[{ln.name}]",
        f"期初余额利息：{ln.name}",
        f"Interest on the opening balance: {ln.name}",
        interest_on_opening,
    )
    b.row(
        F,
        f"xl.principal_due[{ln.name}]",
        f"应还本金（按还款方式）：{ln.name}",
        f"Principal due by profile: {ln.name}",
        _profile(w, k),
    )
    closing = lambda x: f"({period(x)}={x.p('xl.last_held')})"

    def principal(x: At, key: str = key, ln: Loan = ln, closing: Template = closing) -> str:
        return (
            f"={closing(x)}*{x.p(f'{key}.opening')}+(1-{closing(x)})*"
            f"{x.p(f'xl.principal_due[{ln.name}]')}"
        )

    b.row(
        F,
        f"{key}.principal",
        f"{ln.name}还本",
        f"{ln.name} scheduled principal",
        principal,
    )

    _drawings(w, k, r)
    if ln.cash_sweep > 0:

        def prepayment(x: At, key: str = key, at: str = at) -> str:
            return (
                f"=(1-{construction(x)})*MIN({x.i(at + '.cash_sweep')}*MAX("
                f"{x.p('xl.cash_before_sweep')}-{x.i('funding.min_cash_balance')},0),"
                f"{x.p(f'{key}.opening')}+{x.p(f'{key}.draw')}+{x.p(f'{key}.capitalised')}-"
                f"{x.p(f'{key}.principal')})"
            )

        b.row(
            F,
            f"{key}.prepayment",
            f"{ln.name}提前还款",
            f"{ln.name} prepayment",
            prepayment,
        )
    else:
        b.row(
            F,
            f"{key}.prepayment",
            f"{ln.name}提前还款",
            f"{ln.name} prepayment",
            lambda x: "=0",
        )

    def closing_balance(x: At, key: str = key) -> str:
        return (
            f"={x.p(f'{key}.opening')}+{x.p(f'{key}.draw')}+"
            f"{x.p(f'{key}.capitalised')}-{x.p(f'{key}.principal')}-"
            f"{x.p(f'{key}.prepayment')}"
        )

    b.row(
        F,
        f"{key}.closing",
        f"{ln.name}期末余额",
        f"{ln.name} closing balance",
        closing_balance,
        total=False,
    )


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
    w.param(
        f"{at}.grace_years",
        ln.grace_years,
        f"宽限期：{ln.name}",
        f"Grace: {ln.name}",
        "年 yr",
        "interest only from financial close; repayment starts after it",
    )
    w.param(
        f"{at}.tenor_years",
        ln.tenor_years,
        f"贷款期限：{ln.name}",
        f"Tenor: {ln.name}",
        "年 yr",
        "from financial close (the first phase's start) to maturity",
    )
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
        w.param(
            f"{path}[{ln.name}]",
            value,
            f"{zh}：{ln.name}",
            f"{en}: {ln.name}",
            "期 period",
            f"formula: financial close + {years.replace('_', ' ')}",
        )
        derived_input(
            w, f"{path}[{ln.name}]", f"=MIN({starts})+ROUND({b.input_ref(f'{at}.{years}')}*{ppy},0)"
        )


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
    paid = idc_paid_in_cash(ln)
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
                lambda x: f"={avail(x)}*MAX({keep(x)}*{x.p(f'xl.int_open[{n}]')}-{headroom(x)},0)"
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
        lambda x: f"={x.prev(f'xl.used[{n}]')}+{x.p(f'{key}.draw')}+{x.p(f'{key}.capitalised')}",
        total=False,
    )


def _solved_share(w: ModelWriter, k: int) -> float:
    """The drawdown share the engine's final pass used for loan ``k``."""
    sizing = w.result.sizing
    assert sizing is not None and sizing.share is not None
    return float(sizing.share[k, w.scenario])


def idc_paid_in_cash(ln: Loan) -> bool:
    """Whether loan ``ln`` pays its construction interest from own funds."""
    return ln.construction_interest is ConstructionInterest.PAID
