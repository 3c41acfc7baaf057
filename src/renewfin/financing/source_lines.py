"""The funding sources' ledger lines (``renewfin.financing.stage.record``): fiscal funds,
special bonds and their repayment reserves, loans, financing costs, equity and the fund."""

from __future__ import annotations

import numpy as np

from renewfin.core import exit
from renewfin.core.context import RunContext
from renewfin.financing.loop_data import Periods
from renewfin.financing.plan import FundingPlan
from renewfin.ledger import Kind, Ledger

IDC_PAID_LABELS = {
    False: (
        "建设期利息（超出贷款额度，现金支付）",
        "construction interest beyond the facility, paid in cash",
        Kind.FLOW,
    ),
    True: ("建设期利息（现金支付）", "construction interest paid in cash", Kind.FLOW),
}
"""Labels of a loan's ``idc_paid`` line, by whether it pays construction interest."""


def _sum(ledger: Ledger, ids: list[str], n: int) -> np.ndarray:
    """The sum of the lines ``ids`` of ``ledger``, (S|1, n) [money]; zeros when none."""
    return sum((ledger.raw(i) for i in ids), np.zeros((1, n)))


ESCROW_LINES = (
    ("opening", "期初余额", "opening balance", Kind.BALANCE),
    ("deposit", "存入（退出收入）", "deposit from the exit proceeds", Kind.FLOW),
    ("earned", "利息收入", "interest earned", Kind.FLOW),
    ("release", "支付专项债本息", "bond service paid", Kind.FLOW),
    ("closing", "期末余额", "closing balance", Kind.BALANCE),
)
"""The lines of a bond-repayment reserve (``special_bond.EscrowSchedule``)."""


def _escrow_lines(led: Ledger, plan: FundingPlan) -> None:
    """The bond-repayment reserve (偿债准备金专户) of each tranche held to maturity after a
    REIT exit, ``bond[name].escrow_<key>``, and their totals ``escrow.<key>`` [money];
    nothing when no tranche has one."""
    held = [tr for tr in plan.bonds if tr.escrow is not None]
    if not held:
        return
    zeros = np.zeros((1, led.n_periods))
    for key, zh, en, kind in ESCROW_LINES:
        for tr in held:
            led.add(
                f"bond[{tr.name}].escrow_{key}",
                f"偿债准备金专户{zh}：{tr.name}",
                f"Bond-repayment reserve {en}: {tr.name}",
                getattr(tr.escrow, key),
                group="escrow",
                kind=kind,
            )
        led.add(
            f"escrow.{key}",
            f"偿债准备金专户{zh}",
            f"Bond-repayment reserve {en}",
            sum((getattr(tr.escrow, key) for tr in held if tr.escrow is not None), zeros),
            group="escrow",
            kind=kind,
        )


def record_fiscal(ctx: RunContext, plan: FundingPlan, p: Periods) -> None:
    """Record the fiscal funds: each capital grant, equity injection and interest subsidy
    (``fiscal.grant[name]``, ``fiscal.injection[name]``, ``fiscal.interest_subsidy[name]``)
    and their totals (``fiscal.grants``, ``fiscal.injections``, ``fiscal.interest_subsidies``,
    ``fiscal.total``), (S|1, T) [money].

    Parameters
    ----------
    ctx : RunContext
        The run; its ledger receives the lines.
    plan : FundingPlan
        The compiled funding plan (grant and injection flows, subsidy shares).
    p : Periods
        The solved loop's lines (loan interest, ``interest_subsidy``) [money].
    """
    led, n = ctx.ledger, ctx.timeline.n_periods
    add = led.add
    for name, flows in plan.grants.items():
        add(
            f"fiscal.grant[{name}]",
            f"资本性补助：{name}",
            f"Capital grant: {name}",
            flows,
            group="fiscal",
        )
    for name, flows in plan.injections.items():
        add(
            f"fiscal.injection[{name}]",
            f"财政资本金注入：{name}",
            f"Equity injection: {name}",
            flows,
            group="fiscal",
        )
    for name, (k, share, _) in plan.interest_subsidies.items():
        add(
            f"fiscal.interest_subsidy[{name}]",
            f"贴息：{name}",
            f"Interest subsidy: {name}",
            share * p.loans[k]["interest"],
            group="fiscal",
        )
    fiscal_ids = [
        i
        for i in led.ids(group="fiscal")
        if i.startswith(
            (
                "fiscal.grant[",
                "fiscal.injection[",
                "fiscal.interest_subsidy[",
                "fiscal.operating_subsidy[",
            )
        )
    ]
    add(
        "fiscal.grants",
        "资本性补助合计",
        "Capital grants",
        _sum(led, led.ids(prefix="fiscal.grant["), n),
        group="fiscal",
    )
    add(
        "fiscal.injections",
        "财政资本金注入合计",
        "Equity injections",
        _sum(led, led.ids(prefix="fiscal.injection["), n),
        group="fiscal",
    )
    add(
        "fiscal.interest_subsidies",
        "贴息合计",
        "Interest subsidies",
        p["interest_subsidy"],
        group="fiscal",
    )
    add(
        "fiscal.total",
        "财政资金支出合计",
        "Fiscal outlay",
        _sum(led, fiscal_ids, n),
        group="fiscal",
    )


def record_bonds(ctx: RunContext, plan: FundingPlan) -> np.ndarray:
    """Record each special-bond tranche's corkscrew (``bond[name].*``), the totals
    (``bond.*``), the principal repaid by refinancing (``bond.refinanced``) and the
    bond-repayment reserves (``escrow.*``).

    Parameters
    ----------
    ctx : RunContext
        The run; its ledger receives the lines.
    plan : FundingPlan
        The compiled funding plan with each tranche's schedule.

    Returns
    -------
    numpy.ndarray
        The principal repaid by refinancing, (S|1, T) [money].
    """
    led = ctx.ledger
    zeros = np.zeros((1, led.n_periods))
    add = led.add
    for tr in plan.bonds:
        sc = tr.schedule
        for key, zh, en, kind in (
            ("opening", "期初余额", "opening balance", Kind.BALANCE),
            ("issue", "发行", "issue", Kind.FLOW),
            ("interest", "付息", "interest", Kind.FLOW),
            ("principal", "还本", "principal", Kind.FLOW),
            ("fees", "发行及兑付费", "fees", Kind.FLOW),
            ("closing", "期末余额", "closing balance", Kind.BALANCE),
        ):
            add(
                f"bond[{tr.name}].{key}",
                f"专项债{tr.name}{zh}",
                f"Special bond {tr.name} {en}",
                getattr(sc, key),
                group="bond",
                kind=kind,
            )
    for key, zh, en, kind in (
        ("issue", "专项债发行", "Special-bond issues", Kind.FLOW),
        ("interest", "专项债付息", "Special-bond interest", Kind.FLOW),
        ("principal", "专项债还本", "Special-bond principal", Kind.FLOW),
        ("fees", "专项债发行及兑付费", "Special-bond fees", Kind.FLOW),
        ("closing", "专项债余额", "Special-bond balance", Kind.BALANCE),
    ):
        add(
            f"bond.{key}",
            zh,
            en,
            sum((getattr(tr.schedule, key) for tr in plan.bonds), zeros),
            group="bond",
            kind=kind,
        )
    refi = sum(
        (tr.refinanced_principal for tr in plan.bonds if tr.refinanced_principal is not None), zeros
    )
    add("bond.refinanced", "再融资偿还本金", "Principal repaid by refinancing", refi, group="bond")
    _escrow_lines(led, plan)
    return refi


def record_loans(ctx: RunContext, plan: FundingPlan, p: Periods) -> None:
    """Record each loan's lines (``loan[name].*``: balances, draws, interest, principal,
    prepayment, fees, construction interest paid), the stamp duty on the loan contracts
    (``tax.stamp_loan``) and the totals over the loans (``loan.*``), (S|1, T) [money].

    Parameters
    ----------
    ctx : RunContext
        The run; its ledger receives the lines.
    plan : FundingPlan
        The compiled funding plan (each loan's name and terms).
    p : Periods
        The solved loop's lines, ``p.loans`` one dict per loan [money].
    """
    zeros = np.zeros((1, ctx.timeline.n_periods))
    add = ctx.ledger.add
    labels = {
        "opening": ("期初余额", "opening balance", Kind.BALANCE),
        "draw": ("提款", "drawdown", Kind.FLOW),
        "interest": ("利息", "interest", Kind.FLOW),
        "capitalised": ("建设期利息资本化", "interest capitalised into the balance", Kind.FLOW),
        "principal": ("还本", "scheduled principal", Kind.FLOW),
        "prepayment": ("提前还款", "prepayment", Kind.FLOW),
        "upfront_fee": (
            "前端费（含借款合同印花税）",
            "up-front fee (incl. loan stamp duty)",
            Kind.FLOW,
        ),
        "commitment_fee": ("承诺费", "commitment fee", Kind.FLOW),
        "closing": ("期末余额", "closing balance", Kind.BALANCE),
        "idc_paid": IDC_PAID_LABELS[False],
    }
    for ln, row in zip(plan.loans, p.loans, strict=True):
        for key, (zh, en, kind) in labels.items():
            if key == "idc_paid":
                zh, en, kind = IDC_PAID_LABELS[ln.paid_interest]
            add(
                f"loan[{ln.name}].{key}",
                f"{ln.name}{zh}",
                f"{ln.name} {en}",
                row[key],
                group="loan",
                kind=kind,
            )
    _stamp_loan(ctx, plan, [row["upfront_fee"] for row in p.loans])
    labels["idc_paid"] = ("建设期利息（现金支付）", "construction interest paid in cash", Kind.FLOW)
    for key, (zh, en, kind) in labels.items():
        if key == "opening":
            continue
        add(
            f"loan.{key}",
            f"贷款{zh}合计",
            f"Loans {en}",
            sum((r[key] for r in p.loans), zeros),
            group="loan",
            kind=kind,
        )


def record_finance_costs(ctx: RunContext, p: Periods) -> None:
    """Record the financing costs in construction (capitalised) and in operation
    (expensed), the interest earned, and the total project investment
    (``invest.project_total`` = capex + capitalised interest and fees), (S|1, T) [money].

    Parameters
    ----------
    ctx : RunContext
        The run; its ledger receives the lines and holds ``capex.total``.
    p : Periods
        The solved loop's lines [money].
    """
    led = ctx.ledger
    add = led.add
    add(
        "finance.interest_capitalised",
        "建设期利息",
        "Interest during construction (IDC)",
        p["interest_capitalised"],
        group="financing",
    )
    add(
        "finance.fees_capitalised",
        "建设期融资费用",
        "Financing fees during construction",
        p["fees_capitalised"],
        group="financing",
    )
    add(
        "finance.interest_expensed",
        "利息支出",
        "Interest expense",
        p["interest_expensed"],
        group="financing",
    )
    add(
        "finance.fees_expensed",
        "融资费用",
        "Financing fees expensed",
        p["fees_expensed"],
        group="financing",
    )
    add(
        "finance.interest_income",
        "利息收入（货币资金及准备金）",
        "Interest earned on cash and reserves",
        p["interest_income"],
        group="financing",
    )
    add(
        "invest.project_total",
        "项目总投资",
        "Total project investment",
        led.raw("capex.total") + p["interest_capitalised"] + p["fees_capitalised"],
        group="financing",
    )


def record_equity(ctx: RunContext, p: Periods) -> None:
    """Record the shareholders' lines: sponsor equity and each party's share of it, the
    contributions with the fiscal injections, the distributions, the terminal book value
    (when the spec includes it) and the owners' REIT lines at an exit, (S|1, T) [money].

    Parameters
    ----------
    ctx : RunContext
        The run; its ledger receives the lines and holds ``fiscal.injections``.
    p : Periods
        The solved loop's lines (``equity_in``, ``distribution``, ``book_value``) [money].
    """
    led, tl, spec = ctx.ledger, ctx.timeline, ctx.spec
    n = tl.n_periods
    add = led.add
    parties = spec.funding.equity_parties
    sponsor = p["equity_in"]
    add("equity.sponsor", "股东资本金投入", "Sponsor equity", sponsor, group="equity")
    for party in parties:
        add(
            f"equity.party[{party.name}].contribution",
            f"{party.name}出资",
            f"{party.name} contribution",
            sponsor * party.share,
            group="equity",
        )
    injections = led.raw("fiscal.injections")
    owners_in = sponsor + injections
    add(
        "equity.shareholders_in",
        "股东出资合计",
        "Shareholder contributions",
        owners_in,
        group="equity",
    )
    dist = p["distribution"]
    add("equity.distribution", "股东分配", "Distributions to shareholders", dist, group="equity")
    book_end = p["book_value"] * ((tl.t == n - 1) & (ctx.exit_period is None))
    include = float(spec.evaluation.include_residual_value)
    add(
        "equity.terminal_value",
        "期末资产余值（归属股东）",
        "Terminal book value to shareholders",
        include * book_end,
        group="equity",
    )
    if ctx.exit_period is not None and spec.funding.reit_exit is not None:
        add(
            "equity.reit_units",
            "REITs份额及回收资金（归属股东）",
            "Shareholders' net cash from the REIT units and reinvestment",
            exit.owner_lines(ctx, dist),
            group="equity",
        )


def record_fund(ctx: RunContext, p: Periods) -> None:
    """Record the fund's lines (``fund.*``: contribution, senior and junior returns and
    capital, upside, claims outstanding, total paid); without a fund, zero contribution
    and payments, (S|1, T) [money].

    Parameters
    ----------
    ctx : RunContext
        The run; its ledger receives the lines.
    p : Periods
        The solved loop's lines, ``p.fund`` by key [money].
    """
    spec = ctx.spec
    zeros = np.zeros((1, ctx.timeline.n_periods))
    add = ctx.ledger.add
    fund = spec.funding.fund
    if fund is not None:
        for key, zh, en in (
            ("contribution", "基金出资", "Fund contribution"),
            ("senior_return", "优先级收益分配", "Senior preferred return"),
            ("senior_capital", "优先级本金返还", "Senior capital returned"),
            ("junior_return", "劣后级收益分配", "Junior preferred return"),
            ("junior_capital", "劣后级本金返还", "Junior capital returned"),
            ("upside", "劣后级超额收益", "Junior upside"),
        ):
            add(f"fund.{key}", zh, en, p.fund[key], group="fund")
        add(
            "fund.claim",
            "基金未偿权益",
            "Fund claims outstanding",
            p.fund["claim"],
            group="fund",
            kind=Kind.BALANCE,
        )
        add(
            "fund.paid",
            "基金分配合计",
            "Paid to the fund",
            sum(
                (
                    p.fund[k]
                    for k in (
                        "senior_return",
                        "senior_capital",
                        "junior_return",
                        "junior_capital",
                        "upside",
                    )
                ),
                zeros,
            ),
            group="fund",
        )
    else:
        add("fund.contribution", "基金出资", "Fund contribution", zeros, group="fund")
        add("fund.paid", "基金分配合计", "Paid to the fund", zeros, group="fund")


def _stamp_loan(ctx: RunContext, plan: FundingPlan, upfront: list[np.ndarray]) -> None:
    """Record 印花税 on the loan contracts (``tax.stamp_loan``, 借款合同 0.05‰ of the
    facility): the part of each loan's up-front fee line that is the stamp duty, paid with
    it in the loan's first period inside the funding solve (``LoanPlan.stamp_duty_rate``),
    (S|1, T) [money]."""
    zeros = np.zeros((1, ctx.timeline.n_periods))
    stamp = zeros
    for ln, fee in zip(plan.loans, upfront, strict=True):
        total = np.asarray(ln.upfront_fee_rate + ln.stamp_duty_rate)[..., None]
        share = np.divide(ln.stamp_duty_rate, total, out=np.zeros(total.shape), where=total > 0)
        stamp = stamp + fee * share
    ctx.ledger.add(
        "tax.stamp_loan",
        "印花税：借款合同（含于贷款前端费）",
        "Stamp duty: loan contracts (paid with the up-front fees)",
        stamp,
        group="tax",
    )
