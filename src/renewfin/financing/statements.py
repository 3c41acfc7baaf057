"""The financial statements' ledger lines (``renewfin.financing.stage.record``): profit and
tax, cash and coverage, sources and uses in construction, and the balance sheet."""

from __future__ import annotations

import numpy as np

from renewfin.core.context import RunContext
from renewfin.finance import cumulative
from renewfin.financing.loop_data import Operations, Periods
from renewfin.financing.plan import FundingPlan
from renewfin.ledger import Kind


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


def record_profit(ctx: RunContext, p: Periods) -> tuple[np.ndarray, np.ndarray]:
    """Record the profit and loss and the income tax: depreciation with the capitalised
    financing costs, subsidy income, gain on disposal, EBIT, profit before tax, taxable
    income, the book-less-tax depreciation adjustment and its deferred tax, losses used,
    income tax, net profit and total cost, (S|1, T) [money].

    Parameters
    ----------
    ctx : RunContext
        The run; its ledger receives the lines and holds ``pl.ebitda``, ``opex.total``,
        the operating subsidies and the asset-related grant lines.
    p : Periods
        The solved loop's lines [money].

    Returns
    -------
    tuple of numpy.ndarray
        Profit before tax and income tax, each (S|1, T) [money].
    """
    led = ctx.ledger
    add = led.add
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
    return pbt, tax


def record_coverage(ctx: RunContext, p: Periods, ops: Operations, refi: np.ndarray) -> None:
    """Record CFADS, the project net income for coverage (without subsidies and exit
    proceeds) and the bond and loan debt service, paid and due, (S|1, T) [money].

    Parameters
    ----------
    ctx : RunContext
        The run; its ledger receives the lines and holds the bond and loan totals.
    p : Periods
        The solved loop's lines [money].
    ops : Operations
        The operating inputs of the loop (``availability``: construction flag).
    refi : numpy.ndarray
        Bond principal repaid by refinancing, (S|1, T) [money], not project debt service.
    """
    led = ctx.ledger
    add = led.add
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


def record_cash(ctx: RunContext, plan: FundingPlan, p: Periods) -> np.ndarray:
    """Record the reserves and cash: the maintenance reserve, the DSRA balance and change,
    the cash balance and cumulative surplus, the lock-up flag and the service shortfalls,
    (S|1, T) [money; the flag 0/1].

    Parameters
    ----------
    ctx : RunContext
        The run; its ledger receives the lines.
    plan : FundingPlan
        The compiled funding plan (its maintenance reserve, if any).
    p : Periods
        The solved loop's lines [money].

    Returns
    -------
    numpy.ndarray
        The maintenance reserve's balance, (S|1, T) [money] (zeros without one).
    """
    add = ctx.ledger.add
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
    return reserve


def record_sources_uses(ctx: RunContext, p: Periods, ops: Operations) -> None:
    """Record the sources and uses of funds in construction (``su.uses``, ``su.sources``),
    (S|1, T) [money]: construction-period flows only.

    Parameters
    ----------
    ctx : RunContext
        The run; its ledger receives the lines and holds the capex, bond, loan, fiscal
        and fund lines.
    p : Periods
        The solved loop's lines [money].
    ops : Operations
        The operating inputs of the loop (``availability``: construction flag, ``ocf``).
    """
    led = ctx.ledger
    add = led.add
    sponsor, injections = p["equity_in"], led.raw("fiscal.injections")
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


def record_balance_sheet(
    ctx: RunContext, p: Periods, reserve: np.ndarray, pbt: np.ndarray, tax: np.ndarray
) -> None:
    """Record the balance sheet (资产负债表, ``bs.*``): fixed assets, cash with the reserves,
    VAT credit, total assets, liabilities, equity, the balance check and the debt ratio,
    (S|1, T) [money; the ratio a fraction].

    Parameters
    ----------
    ctx : RunContext
        The run; its ledger receives the lines.
    p : Periods
        The solved loop's lines [money].
    reserve : numpy.ndarray
        The maintenance reserve's balance, (S|1, T) [money].
    pbt, tax : numpy.ndarray
        Profit before tax and income tax, (S|1, T) [money].
    """
    led, tl = ctx.ledger, ctx.timeline
    add = led.add
    sponsor, injections = p["equity_in"], led.raw("fiscal.injections")
    dist = p["distribution"]
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
