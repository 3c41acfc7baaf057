"""The workbook's construction funding and operating cash waterfall (the Funding sheet's
rows of renewfin.financing.waterfall): depreciation and tax with financing, sculpting, the
construction funding gap, the cash after each priority step, the lock-up flag."""

from __future__ import annotations

from typing import TYPE_CHECKING

from renewfin.excel.book import FLAG, At, Template
from renewfin.excel.distributions import equity_rows, fund_rows, lockup_row
from renewfin.excel.loans import idc_paid_in_cash
from renewfin.excel.reserves import dsra_months, dsra_rows
from renewfin.excel.rows import F, construction, period, sum_rows
from renewfin.spec.funding import PriorityStep

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter


def _operation(x: At) -> str:
    """1 in operation, 0 in construction, for the column at ``x`` (a formula term)."""
    return f"(1-{construction(x)})"


def _closing(x: At) -> str:
    """Whether the column at ``x`` is the last period held (a formula term, 0/1)."""
    return f"({period(x)}={x.p('xl.last_held')})"


def _expensed(x: At) -> str:
    """The share of interest expensed in the column at ``x``: all of it in operation, the
    part not capitalised (``xl.cap_share``) in construction (a formula term)."""
    return f"(1-{construction(x)}*{x.p('xl.cap_share')})"


def waterfall(w: ModelWriter) -> None:
    """Construction funding and the operating cash waterfall in the configured priority
    (renewfin.financing.waterfall.run_periods), on the Funding sheet.

    Parameters
    ----------
    w : ModelWriter
        The workbook being written.
    """
    _financing_depreciation_rows(w)
    _taxable_income_rows(w)
    _sculpting_rows(w)
    _funding_gap_rows(w)
    _priority_rows(w)
    _closing_rows(w)


def _financing_depreciation_rows(w: ModelWriter) -> None:
    """The capitalised financing costs and the depreciation with them, the book-less-tax
    adjustment, deferred tax and the gain on disposal (renewfin.financing.waterfall) [money]."""
    b = w.book
    b.section(F, "折旧与所得税（含融资） Depreciation and income tax with financing")
    b.row(
        F,
        "xl.cap_flow",
        "本期资本化融资费用",
        "Financing costs capitalised this period",
        lambda x: (
            f"={x.p('finance.interest_capitalised')}+{construction(x)}*({x.p('bond.fees')}+"
            f"{x.p('xl.loan_fees')})"
        ),
    )
    b.row(
        F,
        "xl.cap_cum",
        "累计资本化融资费用",
        "Capitalised financing costs to date",
        lambda x: f"={x.prev('xl.cap_cum')}+{x.p('xl.cap_flow')}",
        total=False,
    )
    b.row(
        F,
        "dep_fin.total",
        "折旧摊销（含资本化融资费用）",
        "Depreciation (incl. capitalised financing costs)",
        lambda x: (
            f"={x.p('dep.total')}*(1+{x.prev('xl.cap_cum')}/IF({x.p('xl.ov_total')}>0,"
            f"{x.p('xl.ov_total')},1))"
        ),
    )
    b.row(
        F,
        "xl.acc_dep",
        "累计折旧摊销",
        "Accumulated depreciation",
        lambda x: f"={x.prev('xl.acc_dep')}+{x.p('dep_fin.total')}",
        total=False,
    )
    b.row(
        F,
        "xl.dep_gap_fin",
        "税会折旧差异（含资本化融资费用）",
        "Book less tax depreciation (incl. capitalised financing costs)",
        lambda x: (
            f"={x.p('xl.dep_gap')}*(1+{x.prev('xl.cap_cum')}/IF({x.p('xl.ov_total')}>0,"
            f"{x.p('xl.ov_total')},1))"
        ),
    )
    b.row(
        F,
        "tax.depreciation_adjustment",
        "税会折旧差异纳税调整（含资本化融资费用）",
        "Book less tax depreciation (incl. capitalised financing costs; reversed at a disposal)",
        lambda x: (
            f"={x.p('xl.dep_gap_fin')}-{x.i('xl.has_exit')}*{_closing(x)}*"
            f"SUM({x.upto('xl.dep_gap_fin')})"
        ),
    )
    b.row(
        F,
        "tax.deferred_tax",
        "递延所得税资产（负数为递延所得税负债）",
        "Deferred tax asset on book less tax depreciation (a liability if negative)",
        lambda x: f"={x.i('tax.income_tax_rate')}*SUM({x.upto('tax.depreciation_adjustment')})",
        total=False,
    )
    b.row(
        F,
        "pl.gain_on_exit",
        "资产处置收益",
        "Gain on disposal",
        lambda x: (
            f"={x.i('xl.has_exit')}*{_closing(x)}*({x.p('reit.net_proceeds')}-("
            f"{x.p('xl.ov_total')}+{x.prev('xl.cap_cum')}-{x.p('xl.acc_dep')}))"
        ),
    )


def _taxable_income_rows(w: ModelWriter) -> None:
    """The taxable interest subsidy, the income not taxed, the taxable income before loss
    relief, operating cash flow and CFADS before interest subsidies [money]."""
    b, fs = w.book, w.spec.funding
    names = [ln.name for ln in w.spec.funding.loans]
    b.row(
        F,
        "xl.sub_income",
        "应税贴息收入",
        "Taxable interest subsidy",
        lambda x: (
            f"={_expensed(x)}*("
            + (
                "+".join(f"{x.p(f'xl.sub_taxable[{n}]')}*{x.p(f'xl.int_open[{n}]')}" for n in names)
                or "0"
            )
            + ")"
        ),
    )
    b.row(
        F,
        "xl.untaxed",
        "不征税收入",
        "Income not taxed",
        lambda x: (
            f"={x.p('fiscal.operating_subsidies')}-"
            f"{x.p('fiscal.operating_subsidies_taxable')}+{x.p('grant.release')}+"
            f"{x.p('grant.cost_offset')}-{x.p('grant.tax_adjustment')}-"
            f"{x.p('tax.depreciation_adjustment')}+{_expensed(x)}*("
            + (
                "+".join(
                    f"({x.p(f'xl.sub_share[{n}]')}-{x.p(f'xl.sub_taxable[{n}]')})*"
                    f"{x.p(f'xl.int_open[{n}]')}"
                    for n in names
                )
                or "0"
            )
            + ")"
        ),
    )
    b.row(
        F,
        "tax.taxable_income",
        "应纳税所得额（弥补亏损前）",
        "Taxable income before loss relief",
        lambda x: (
            f"={x.p('pl.ebitda')}+{x.p('fiscal.operating_subsidies_taxable')}+"
            f"{x.p('grant.tax_adjustment')}+{x.p('tax.depreciation_adjustment')}-"
            f"{x.p('dep_fin.total')}+{x.p('pl.gain_on_exit')}+{x.p('xl.sub_income')}+"
            f"{x.p('finance.interest_income')}-{x.p('finance.interest_expensed')}-"
            f"{_operation(x)}*({x.p('bond.fees')}+{x.p('xl.loan_fees')})"
        ),
    )
    from renewfin.excel.operating import loss_pool

    loss_pool(w, F, "fin", "tax.taxable_income", "tax.income_tax_rate", "tax.income_tax")
    b.row(F, "tax.loss_used", "弥补以前年度亏损", "Losses used", lambda x: f"={x.p('xl.fin.used')}")
    b.row(
        F,
        "xl.ocf",
        "经营活动现金流（税前）",
        "Operating cash flow before income tax",
        lambda x: (
            f"={x.p('revenue.total')}+{x.p('tax.output_vat')}+"
            f"{x.p('fiscal.operating_subsidies')}-{x.p('opex.total')}-"
            f"{x.p('opex.input_vat')}-{x.p('tax.vat_payable')}-"
            f"{x.p('tax.taxes_and_surcharges')}+{x.p('tax.vat_refund')}-{x.p('wc.investment')}+"
            f"{x.p('wc.recovery')}"
            + (
                f"-{x.p('reserve.mmra.contribution')}+{x.p('reserve.mmra.release')}"
                if fs.mmra is not None
                else ""
            )
        ),
    )
    b.row(
        F,
        "xl.cfads",
        "可用于偿债的现金流（不含贴息）",
        "CFADS before interest subsidies",
        lambda x: (
            f"={x.p('xl.ocf')}-{x.p('tax.income_tax')}+{x.p('reit.net_proceeds')}+"
            f"{x.p('finance.interest_income')}"
        ),
    )


def _sculpting_rows(w: ModelWriter) -> None:
    """Sculpting: the cash available to each loan on the cumulative basis (CFADS with the
    interest subsidies of operation, less bond service, less the loan's target DSCR × the
    service due of the loans before it; renewfin.financing.waterfall._scheduled_principal)
    and each loan's service on its opening balance [money]."""
    b = w.book
    names = [ln.name for ln in w.spec.funding.loans]
    # Sculpting: cash available to each loan on the cumulative basis (CFADS with the
    # interest subsidies of operation, less bond service, less the loan's target DSCR ×
    # the service due of the loans before it; renewfin.financing.waterfall.
    # _scheduled_principal).
    subsidies = lambda x: "+".join(
        f"{x.p(f'xl.sub_share[{n}]')}*{x.p(f'xl.int_open[{n}]')}" for n in names
    )
    prior: list[str] = []
    for n in names:
        scale = w.book.inputs.get(f"xl.target_dscr[{n}]", "0")  # sculpted loans have one

        def available(x: At, prior: tuple[str, ...] = tuple(prior), scale: str = scale) -> str:
            senior = "+".join(x.p(p) for p in prior) or "0"
            return (
                f"={x.p('xl.cfads')}+{_operation(x)}*({subsidies(x)})-"
                f"{x.p('cash.bond_debt_service')}-{scale}*({senior})"
            )

        b.row(
            F,
            f"xl.available[{n}]",
            f"可用于{n}的现金",
            f"Cash available to {n}",
            available,
        )

        def service_open(x: At, n: str = n) -> str:
            return f"={x.p(f'xl.int_open[{n}]')}+{x.p(f'loan[{n}].principal')}"

        b.row(
            F,
            f"xl.service_open[{n}]",
            f"{n}本期偿债（期初计息）",
            f"{n} service on opening",
            service_open,
        )
        prior.append(f"xl.service_open[{n}]")


def _funding_gap_rows(w: ModelWriter) -> None:
    """The construction funding gap, the sponsor equity that fills it, the cash before the
    waterfall and CFADS [money]."""
    b, fs = w.book, w.spec.funding
    b.section(F, "建设期资金缺口 Construction funding gap")
    b.row(
        F,
        "xl.g0",
        "资金缺口（贷款及资本金前）",
        "Funding gap before loans and equity",
        lambda x: (
            f"={x.p('capex.total')}+{x.p('xl.bond_service')}-{x.p('xl.bond_own')}+"
            f"{x.p('xl.loan_fees')}+"
            f"{x.p('tax.income_tax')}-{x.p('xl.ocf')}-{x.p('fiscal.grants')}-"
            f"{x.p('fiscal.injections')}-{x.p('fund.contribution')}-"
            f"{x.p('bond.issue')}-{x.prev('cash.balance')}+{x.p('loan.principal')}+"
            + sum_rows(
                x, [f"loan[{ln.name}].idc_paid" for ln in fs.loans if not idc_paid_in_cash(ln)]
            )
            + f"-{x.p('finance.interest_income')}+{x.p('xl.dsra_fund')}"
        ),
    )
    b.row(
        F,
        "xl.need",
        "需要融资标志",
        "Funding needed flag",
        lambda x: f"={construction(x)}*({x.p('xl.g0')}>0)",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    b.row(F, "xl.gap", "资金缺口", "Funding gap", lambda x: f"={x.p('xl.need')}*{x.p('xl.g0')}")
    own = lambda x: (
        f"({x.p('xl.bond_own')}+"
        + sum_rows(x, [f"loan[{ln.name}].idc_paid" for ln in fs.loans if idc_paid_in_cash(ln)])
        + ")"
    )
    surplus = lambda x: f"{construction(x)}*MAX(-{x.p('xl.g0')},0)"
    b.row(
        F,
        "equity.sponsor",
        "股东资本金投入",
        "Sponsor equity",
        lambda x: f"=MAX({x.p('xl.gap')}-{x.p('loan.draw')},0)+MAX({own(x)}-{surplus(x)},0)",
    )
    b.section(F, "现金流量瀑布 Cash waterfall")
    b.row(
        F,
        "xl.cash0",
        "本期可用现金（瀑布前）",
        "Cash before the waterfall",
        lambda x: (
            f"={construction(x)}*MAX({surplus(x)}-{own(x)},0)+{_operation(x)}*({x.prev('cash.balance')}+"
            f"{x.p('xl.ocf')}-{x.p('tax.income_tax')}+{x.p('reit.net_proceeds')}+"
            f"{x.p('fiscal.grants')}+{x.p('fiscal.injections')}+"
            f"{x.p('fund.contribution')}+{x.p('bond.issue')}-{x.p('capex.total')}+"
            f"{x.p('loan.subsidy')}+{x.p('finance.interest_income')})"
        ),
    )
    b.row(
        F,
        "cash.cfads",
        "可用于偿债的现金流",
        "Cash flow available for debt service (CFADS)",
        lambda x: f"={x.p('xl.cfads')}+{_operation(x)}*{x.p('loan.subsidy')}",
    )


def _priority_rows(w: ModelWriter) -> None:
    """The cash after each step of the configured priority (bond, loan, reserves, sweep,
    fund, equity), the shortfalls and the closing cash balance [money]."""
    b, fs = w.book, w.spec.funding
    prev = "xl.cash0"
    loans_paid_before = False
    floors = [ln.lockup_dscr for ln in fs.loans if ln.lockup_dscr]
    for step in fs.priority:
        out = f"xl.cash_after_{step.value}"
        if step is PriorityStep.BOND:

            def bond_shortfall(x: At, prev: str = prev) -> str:
                return (
                    f"={_operation(x)}*{x.p('xl.bond_service')}-MIN({_operation(x)}*"
                    f"{x.p('xl.bond_service')},MAX({x.p(prev)},0))"
                )

            b.row(
                F,
                "cash.bond_shortfall",
                "专项债还本付息缺口",
                "Bond service not covered by project cash",
                bond_shortfall,
            )

            def after_bond(x: At, prev: str = prev) -> str:
                return f"={x.p(prev)}-{_operation(x)}*{x.p('xl.bond_service')}"

            b.row(
                F,
                out,
                "偿还专项债后现金",
                "Cash after bond service",
                after_bond,
                total=False,
            )
        elif step is PriorityStep.LOAN:
            due = lambda x: (
                f"{_operation(x)}*({x.p('loan.interest')}+{x.p('loan.principal')}+{x.p('xl.loan_fees')})"
            )

            def loan_shortfall(x: At, prev: str = prev, due: Template = due) -> str:
                return f"={due(x)}-MIN({due(x)},MAX({x.p(prev)},0))"

            b.row(
                F,
                "cash.loan_shortfall",
                "贷款还本付息缺口",
                "Loan service not covered by project cash",
                loan_shortfall,
            )

            def after_loan(x: At, prev: str = prev, due: Template = due) -> str:
                return f"={x.p(prev)}-{due(x)}"

            b.row(
                F,
                out,
                "偿还贷款后现金",
                "Cash after loan service",
                after_loan,
                total=False,
            )
            loans_paid_before = True
        elif step is PriorityStep.RESERVES:
            dsra_rows(w, prev, out)
        elif step is PriorityStep.SWEEP:

            def before_sweep(x: At, prev: str = prev) -> str:
                return f"={x.p(prev)}"

            b.row(
                F,
                "xl.cash_before_sweep",
                "扫款前现金",
                "Cash before the sweep",
                before_sweep,
                total=False,
            )

            def after_sweep(x: At, prev: str = prev) -> str:
                return f"={x.p(prev)}-{x.p('loan.prepayment')}"

            b.row(
                F,
                out,
                "扫款后现金",
                "Cash after the sweep",
                after_sweep,
                total=False,
            )
        elif step is PriorityStep.FUND:
            lockup_row(w, "fund", floors, loans_paid_before)
            fund_rows(w, prev, out)
        else:
            lockup_row(w, "equity", floors, loans_paid_before)
            equity_rows(w, prev, out)
        prev = out
    b.row(F, "cash.balance", "货币资金余额", "Cash balance", lambda x: f"={x.p(prev)}", total=False)


def _closing_rows(w: ModelWriter) -> None:
    """The DSRA rows when there is no reserve step or no DSRA (zeros) and the lock-up flag
    (0/1)."""
    b, fs = w.book, w.spec.funding
    if PriorityStep.RESERVES not in fs.priority or not dsra_months(w):
        b.row(
            F, "xl.dsra_fund", "建设期末计提偿债准备金", "DSRA funded at completion", lambda x: "=0"
        )
        b.row(
            F,
            "cash.dsra_balance",
            "偿债准备金余额",
            "Debt-service reserve (DSRA)",
            lambda x: "=0",
            total=False,
        )
        b.row(
            F, "cash.dsra_change", "偿债准备金变动", "DSRA top-up (+) / release (−)", lambda x: "=0"
        )
    b.row(
        F,
        "cash.lockup",
        "分配锁定标志",
        "Distribution lock-up flag",
        lambda x: f"={_operation(x)}*{x.p('xl.lockup_equity')}",
        unit="-",
        fmt=FLAG,
        total=False,
    )
