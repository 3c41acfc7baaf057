"""The financing stage of a run: compile the plan, size and run the loop, record lines."""

from __future__ import annotations

import numpy as np

from renewfin.core import exit
from renewfin.core.context import RunContext
from renewfin.core.investment import AssetGroup
from renewfin.finance import cumulative
from renewfin.financing.plan import FundingPlan, compile_plan
from renewfin.financing.sizing import Sizing, size_and_run
from renewfin.financing.waterfall import Operations, Periods
from renewfin.ledger import Detail, Kind, Ledger
from renewfin.spec.funding import DistributionPolicy, Drawdown, DsraFunding

DETAIL: Detail = (  # bs.fixed_assets is read: a concession hands back its net book value
    "bs.cash", "bs.vat_credit", "bs.assets", "bs.liabilities",
    "bs.debt_ratio", "escrow.opening", "escrow.earned", "escrow.release",
    "escrow.closing", "pl.ebit", "pl.ebit_pre_financing", "pl.total_cost",
    "pl.subsidy_income", "pl.gain_on_exit", "pl.net_profit", "tax.taxable_income",
    "tax.loss_used", "tax.deferred_tax", "tax.depreciation_adjustment",
    "tax.stamp_loan", "finance.fees_expensed", "finance.fees_capitalised",
    "finance.interest_income", "cash.balance", "cash.lockup", "cash.bond_shortfall",
    "cash.loan_shortfall", "bond.refinanced", "fiscal.interest_subsidies",
    "loan.idc_paid", "fund.claim",
)
"""Lines only tables and reports show: a lean run leaves them out (``renewfin.lean``)."""


def operations(ctx: RunContext, plan: FundingPlan, assets: list[AssetGroup]) -> Operations:
    """What the period loop needs from the operating model, (S|1, T) arrays."""
    led, tl = ctx.ledger, ctx.timeline
    s, _n = ctx.inputs.n_scenarios, tl.n_periods

    def full(id: str) -> np.ndarray:
        return led.raw(id)

    subsidies = led.raw("fiscal.operating_subsidies")
    taxable_subsidies = led.raw("fiscal.operating_subsidies_taxable")
    grant_income = led.raw("grant.release") + led.raw("grant.cost_offset")
    # 减计收入 (2019年第76号) is in profit but not in taxable income.
    reduction = led.raw("tax.income_reduction") if "tax.income_reduction" in led else 0.0
    untaxed = (
        subsidies - taxable_subsidies + grant_income - led.raw("grant.tax_adjustment") + reduction
    )
    ocf = (
        full("revenue.total")
        + full("tax.output_vat")
        + subsidies
        - full("opex.total")
        - full("opex.input_vat")
        - full("tax.vat_payable")
        - full("tax.taxes_and_surcharges")
        + full("tax.vat_refund")
        - full("wc.investment")
        + full("wc.recovery")
    )
    if plan.mmra is not None:  # the reserve takes its contributions before debt service
        ocf = ocf - plan.mmra.net
    ov = sum((g.original_value for g in assets), np.zeros((1, 1)))
    last = tl.n_periods - 1 if ctx.exit_period is None else ctx.exit_period
    rate = ctx.inputs.scalar("tax.income_tax_rate", ctx.rates.income_tax)
    return Operations(
        n_scenarios=s,
        capex=full("capex.total"),
        ocf=ocf,
        taxable_before_dep=full("pl.ebitda")
        + taxable_subsidies
        + full("grant.tax_adjustment")
        - reduction,
        untaxed_income=untaxed,
        dep_pre=full("dep.total"),
        ov_total=np.broadcast_to(ov[:, 0], (s,)),
        net_proceeds=full("reit.net_proceeds"),
        availability=full("flag.construction") > 0,
        last_period=last,
        exit=ctx.exit_period is not None,
        tax_rate=np.broadcast_to(rate[:, 0], (s,)),
        tax_factor=led.raw("tax.holiday_factor") if "tax.holiday_factor" in led else 1.0,
        dep_gap=full("dep.total") - full("dep_tax.total"),
        carry_years=ctx.rates.loss_carryforward_years,
        ppy=tl.ppy,
        min_cash=ctx.spec.funding.min_cash_balance,
        debt_first=ctx.spec.funding.drawdown is Drawdown.DEBT_FIRST,
        distributable_share=(
            1.0 - ctx.spec.funding.statutory_reserve_rate
            if ctx.spec.funding.distribution_policy is DistributionPolicy.PROFIT
            else None
        ),
    )


def build(ctx: RunContext, assets: list[AssetGroup]) -> tuple[FundingPlan, Periods, Sizing]:
    """Run the funding stack and record its ledger lines."""
    spec = ctx.spec
    plan = compile_plan(ctx)
    ops = operations(ctx, plan, assets)
    months = max((ln.dsra_months for ln in spec.funding.loans), default=0)
    periods, sizing = size_and_run(
        plan,
        ops,
        spec.funding.fund,
        spec.funding.priority,
        months,
        dsra_from_plan=spec.funding.dsra_funding is DsraFunding.CONSTRUCTION,
    )
    record(ctx, plan, periods, sizing, ops)
    ctx.diagnostics.extend(zero_dscr_bounds(ctx, plan, sizing))
    if not sizing.converged.all():
        ctx.diagnostics.append(
            "UNCONVERGED: " + sizing.failure([ln.name for ln in plan.loans])
            + " Every figure of the failed scenarios is unreliable."
        )
    return plan, periods, sizing


def zero_dscr_bounds(ctx: RunContext, plan: FundingPlan, sizing: Sizing) -> list[str]:
    """A note for each loan whose DSCR bound is 0 because the cash available to it is not
    positive in a test year with debt service due: the year, the cash, and what would lift
    it (a maintenance reserve for a major-maintenance year, another profile, sculpting);
    for S > 1 the first scenario and how many."""
    if sizing.periods is None or sizing.dscr_cash is None:
        return []
    spec, tl = ctx.spec, ctx.timeline
    unit = spec.project.money_unit.value
    cyclical = [o.name for o in spec.opex if o.every_years is not None]
    out = []
    for k, ln in enumerate(plan.loans):
        zero = (sizing.bounds[k, 2] <= 0) & (sizing.dscr_cash[k] <= 0) & (sizing.periods[k, 0] >= 0)
        if ln.dscr_target is None or not zero.any():
            continue
        j = int(np.argmax(zero))
        p = int(sizing.periods[k, 0, j])
        year = int(tl.starts[p].year)
        cash = float(sizing.dscr_cash[k, j])
        target = float(np.broadcast_to(ln.dscr_target, zero.shape)[j])
        spell = slice(p, p + tl.ppy)
        repairs = sum(
            (float(np.broadcast_to(ctx.ledger.raw(f"opex.item[{n}]"), (zero.size, tl.n_periods))
                   [j, spell].sum()) for n in cyclical),
            0.0,
        )
        hints = []
        if repairs > 0 and spec.funding.mmra is None:
            hints.append(
                f"a maintenance reserve (funding.mmra) would fund that year's cyclical "
                f"maintenance ({repairs:,.2f} {unit}) over the years before it"
            )
        if ln.terms.profile.value != "sculpted":
            hints.append(
                "a sculpted profile (repayment: sculpted) repays only from the cash each "
                "year leaves, and a custom profile (repayment_schedule) can lighten that year"
            )
        hints.append("or more revenue, less cost or a smaller special bond ahead of the loan")
        more = f" (in {int(zero.sum())} of {zero.size} scenarios)" if zero.size > 1 else ""
        senior = f" and {target:g} × the service of the loans listed before it" if k else ""
        out.append(
            f"funding.loans[{ln.name}].sizing.dscr: the DSCR bound is 0{more}: in {year} the "
            f"cash available to the loan (CFADS less special-bond service{senior}) is "
            f"{cash:,.2f} {unit} while debt service is due, so no facility meets a DSCR of "
            f"{target:g}. To lift it: " + "; ".join(hints) + "."
        )
    return out


IDC_PAID_LABELS = {
    False: (
        "建设期利息（超出贷款额度，现金支付）",
        "construction interest beyond the facility, paid in cash",
        Kind.FLOW,
    ),
    True: ("建设期利息（现金支付）", "construction interest paid in cash", Kind.FLOW),
}
"""Labels of a loan's ``idc_paid`` line, by whether it pays construction interest."""


def _record_mmra(ctx: RunContext, plan: FundingPlan) -> np.ndarray:
    """The maintenance reserve's lines (``reserve.mmra.*``), when the spec has one; returns
    its balance (zeros without one), (S|1, T) [money]."""
    if plan.mmra is None:
        return np.zeros((1, ctx.timeline.n_periods))
    add = ctx.ledger.add
    for key, zh, en in (
        ("contribution", "大中修准备金计提", "MMRA contribution"),
        ("release", "大中修准备金使用", "MMRA release"),
    ):
        add(f"reserve.mmra.{key}", zh, en, getattr(plan.mmra, key), group="cash")
    add(
        "reserve.mmra.balance",
        "大中修准备金余额",
        "Maintenance reserve (MMRA) balance",
        plan.mmra.balance,
        group="cash",
        kind=Kind.BALANCE,
    )
    return plan.mmra.balance


def _sum(ledger: Ledger, ids: list[str], n: int) -> np.ndarray:
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


def record(ctx: RunContext, plan: FundingPlan, p: Periods, sizing: Sizing, ops: Operations) -> None:
    """Write the funding stack's lines into the ledger."""
    led, tl, spec = ctx.ledger, ctx.timeline, ctx.spec
    n = tl.n_periods
    zeros = np.zeros((1, n))
    add = led.add

    # Fiscal funds.
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

    # Special bonds.
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

    # Loans.
    labels = {
        "opening": ("期初余额", "opening balance", Kind.BALANCE),
        "draw": ("提款", "drawdown", Kind.FLOW),
        "interest": ("利息", "interest", Kind.FLOW),
        "capitalised": ("建设期利息资本化", "interest capitalised into the balance", Kind.FLOW),
        "principal": ("还本", "scheduled principal", Kind.FLOW),
        "prepayment": ("提前还款", "prepayment", Kind.FLOW),
        "upfront_fee": ("前端费（含借款合同印花税）", "up-front fee (incl. loan stamp duty)",
                        Kind.FLOW),
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

    # Financing costs in construction and operation.
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

    # Equity, fund and distributions.
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

    # Profit, tax and cash.
    dep = add(
        "dep_fin.total",
        "折旧摊销（含资本化融资费用）",
        "Depreciation (incl. capitalised financing costs)",
        p["dep"],
        group="depreciation",
    )
    subsidies = led.raw("fiscal.operating_subsidies") + p["subsidy_income"]
    # Asset-related grants (renewfin.core.grants): the deferred income released (总额法) and
    # the depreciation the grants bear (净额法, off the total cost).
    release, offset = led.raw("grant.release"), led.raw("grant.cost_offset")
    add("pl.subsidy_income", "补贴收入", "Subsidy income", subsidies, group="profit")
    add("pl.gain_on_exit", "资产处置收益", "Gain on disposal", p["gain"], group="profit")
    ebit = add(
        "pl.ebit",
        "息税前利润",
        "EBIT",
        led.raw("pl.ebitda") + subsidies + release - dep + offset + p["gain"],
        group="profit",
    )
    pbt = add(
        "pl.profit_before_tax",
        "利润总额",
        "Profit before tax",
        ebit + p["interest_income"] - p["interest_expensed"] - p["fees_expensed"],
        group="profit",
    )
    add(
        "tax.taxable_income",
        "应纳税所得额（弥补亏损前）",
        "Taxable income before loss relief",
        p["taxable"],
        group="tax",
    )
    add(
        "tax.depreciation_adjustment",
        "税会折旧差异纳税调整（含资本化融资费用）",
        "Book less tax depreciation (incl. capitalised financing costs; reversed at a disposal)",
        p["dep_adjustment"],
        group="tax",
    )
    _deferred_tax(ctx, p["dep_adjustment"])
    add("tax.loss_used", "弥补以前年度亏损", "Losses used", p["loss_used"], group="tax")
    tax = add("tax.income_tax", "所得税", "Income tax", p["tax"], group="tax")
    add("pl.net_profit", "净利润", "Net profit", pbt - tax, group="profit")
    add(
        "pl.total_cost",
        "总成本费用",
        "Total cost",
        led.raw("opex.total") + dep - offset + p["interest_expensed"] + p["fees_expensed"],
        group="profit",
    )
    add(
        "cash.cfads",
        "可用于偿债的现金流",
        "Cash flow available for debt service (CFADS)",
        p["cfads"],
        group="cash",
    )
    # CFADS holds the operating subsidies and, in operation only, the interest subsidies
    # (in construction they are a source of the funding plan, not CFADS, though the part on
    # interest expensed for a phase in operation is subsidy income): take off what it holds.
    # The exit proceeds are not project income either (DOMAIN.md §5): the coverage
    # multiples show them apart (``bond_coverage_with_exit``).
    in_operation = 1.0 - ops.availability.astype(float)
    net_income = (
        p["cfads"]
        - led.raw("fiscal.operating_subsidies")
        - in_operation * p["subsidy_income"]
        - led.raw("reit.net_proceeds")
    )
    add(
        "cash.net_income_for_coverage",
        "项目收益（扣除财政补贴及退出收入）",
        "Project net income for coverage (excl. subsidies and exit proceeds)",
        net_income,
        group="cash",
    )
    add(
        "cash.bond_debt_service",
        "专项债还本付息",
        "Special-bond principal and interest",
        led.raw("bond.interest") + led.raw("bond.principal") - refi,
        group="cash",
    )
    paid_interest = led.raw("loan.interest") - led.raw("loan.capitalised")
    add(
        "cash.loan_debt_service",
        "市场化融资还本付息",
        "Loan principal and interest",
        paid_interest + led.raw("loan.principal") + led.raw("loan.prepayment"),
        group="cash",
    )
    add(
        "cash.loan_service_due",
        "贷款当期应还本付息",
        "Loan debt service due (interest and scheduled principal, no prepayment)",
        paid_interest + led.raw("loan.principal"),
        group="cash",
    )
    reserve = _record_mmra(ctx, plan)
    add(
        "cash.dsra_balance",
        "偿债准备金余额",
        "Debt-service reserve (DSRA)",
        p["dsra_balance"],
        group="cash",
        kind=Kind.BALANCE,
    )
    add(
        "cash.dsra_change",
        "偿债准备金变动",
        "DSRA top-up (+) / release (−)",
        p["dsra_change"],
        group="cash",
    )
    add(
        "cash.balance",
        "货币资金余额",
        "Cash balance",
        p["cash_close"],
        group="cash",
        kind=Kind.BALANCE,
    )
    add(
        "cash.cumulative_surplus",
        "累计盈余资金",
        "Cumulative cash surplus",
        p["cash_close"] + p["dsra_balance"] + reserve,
        group="cash",
        kind=Kind.BALANCE,
    )
    add(
        "cash.lockup",
        "分配锁定标志",
        "Distribution lock-up flag",
        p["lockup"],
        group="cash",
        kind=Kind.FLAG,
    )
    add(
        "cash.bond_shortfall",
        "专项债还本付息缺口",
        "Bond service not covered by project cash",
        p["bond_shortfall"],
        group="cash",
    )
    add(
        "cash.loan_shortfall",
        "贷款还本付息缺口",
        "Loan service not covered by project cash",
        p["loan_shortfall"],
        group="cash",
    )

    # Sources and uses in construction.
    constr = ops.availability.astype(float)
    loan_fees = led.raw("loan.upfront_fee") + led.raw("loan.commitment_fee")
    uses = led.raw("capex.total") + constr * (
        led.raw("bond.interest")
        + led.raw("loan.interest")
        + led.raw("bond.fees")
        + loan_fees
        + led.raw("bond.principal")
        + led.raw("loan.principal")
        + p["tax"]
        + p["dsra_change"]
    )
    add(
        "su.uses",
        "资金使用合计（建设期）",
        "Uses of funds (construction)",
        uses,
        group="sources_uses",
    )
    sources = constr * (
        led.raw("fiscal.grants")
        + injections
        + led.raw("fund.contribution")
        + led.raw("bond.issue")
        + led.raw("loan.draw")
        + led.raw("loan.capitalised")
        + sponsor
        + ops.ocf
        + p["interest_subsidy"]
        + p["interest_income"]
        + p["cash_open"]
        - p["cash_close"]
    )
    add(
        "su.sources",
        "资金来源合计（建设期）",
        "Sources of funds (construction)",
        sources,
        group="sources_uses",
    )

    # Balance sheet (资产负债表).
    held_assets = ctx.held * (
        1.0 if ctx.exit_period is None else (tl.t < ctx.exit_period).astype(float)
    )
    net_capex = led.raw("capex.total") - led.raw("capex.input_vat")
    fixed = (
        cumulative(net_capex + p["interest_capitalised"] + p["fees_capitalised"] - p["dep"])
    ) * held_assets - led.raw("grant.asset_reduction")
    add(
        "bs.fixed_assets",
        "固定资产及在建工程净值",
        "Fixed assets and construction in progress",
        fixed,
        group="balance_sheet",
        kind=Kind.BALANCE,
    )
    cash_all = p["cash_close"] + p["dsra_balance"] + reserve
    add(
        "bs.cash",
        "货币资金（含偿债准备金）",
        "Cash (incl. reserves)",
        cash_all,
        group="balance_sheet",
        kind=Kind.BALANCE,
    )
    add(
        "bs.vat_credit",
        "留抵增值税",
        "VAT credit",
        led.raw("tax.vat_credit"),
        group="balance_sheet",
        kind=Kind.BALANCE,
    )
    assets_total = add(
        "bs.assets",
        "资产合计",
        "Total assets",
        fixed + cash_all + led.raw("tax.vat_credit") + led.raw("wc.level"),
        group="balance_sheet",
        kind=Kind.BALANCE,
    )
    debt = add(
        "bs.liabilities",
        "负债合计",
        "Total liabilities",
        led.raw("bond.closing") + led.raw("loan.closing") + led.raw("grant.deferred_income"),
        group="balance_sheet",
        kind=Kind.BALANCE,
    )
    # Capital grants are deferred income or a reduction of the assets (企业会计准则第16号),
    # reaching equity only through profit.
    paid_in = cumulative(sponsor + injections + led.raw("fund.contribution"))
    paid_out = cumulative(dist + led.raw("fund.paid"))
    retained = cumulative(pbt - tax)
    equity = add(
        "bs.equity",
        "所有者权益合计",
        "Total equity",
        paid_in - paid_out + retained,
        group="balance_sheet",
        kind=Kind.BALANCE,
    )
    add(
        "bs.check",
        "资产负债表平衡差额",
        "Balance-sheet difference",
        assets_total - debt - equity,
        group="balance_sheet",
        kind=Kind.BALANCE,
    )
    add(
        "bs.debt_ratio",
        "资产负债率",
        "Debt-to-assets ratio",
        np.divide(
            debt,
            assets_total,
            out=np.zeros(np.broadcast_shapes(debt.shape, assets_total.shape)),
            where=np.abs(assets_total) > 1e-9,
        ),
        group="balance_sheet",
        kind=Kind.RATIO,
    )


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


def _deferred_tax(ctx: RunContext, adjustment: np.ndarray) -> None:
    """Record ``tax.deferred_tax``, a disclosure only (企业会计准则第18号): the temporary
    difference of book less tax depreciation to date (``adjustment`` (S|1, T) [money] each
    period) × the statutory income-tax rate — a 递延所得税资产 when book depreciation runs
    ahead, a liability (negative) when tax does; no cash, no recoverability test, the rate
    without any holiday [money]."""
    rate = ctx.inputs.scalar("tax.income_tax_rate", ctx.rates.income_tax)
    ctx.ledger.add(
        "tax.deferred_tax",
        "递延所得税资产（负数为递延所得税负债）",
        "Deferred tax asset on book less tax depreciation (a liability if negative)",
        rate * cumulative(adjustment),
        group="tax",
        kind=Kind.BALANCE,
    )
