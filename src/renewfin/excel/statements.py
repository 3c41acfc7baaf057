"""The Statements sheet's summary rows of the workbook: the lines
renewfin.financing.stage.record writes, fiscal totals to the balance sheet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from renewfin.excel.book import At
from renewfin.excel.rows import construction, period, sum_rows
from renewfin.spec.funding import EquityParty, FiscalFund, FiscalUse

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

SHEET = "Statements"
"""The sheet of the summary lines."""


def records(w: ModelWriter) -> None:
    """The summary lines renewfin.financing.stage.record writes (``renewfin.financing.source_lines``
    and ``renewfin.financing.statements``), on the Statements sheet: fiscal totals, financing
    costs, equity and parties, profit, cash, sources and uses, balance sheet.

    Parameters
    ----------
    w : ModelWriter
        The workbook being written.
    """
    _fiscal_rows(w)
    _financing_cost_rows(w)
    _equity_rows(w)
    _profit_rows(w)
    _debt_service_rows(w)
    _sources_uses_rows(w)
    _balance_sheet_rows(w)


def _fiscal_rows(w: ModelWriter) -> None:
    """The fiscal funds' rows: each interest subsidy, the subsidies' total and the fiscal
    outlay (``fiscal.*``) [money]."""
    b, fs = w.book, w.spec.funding
    S = SHEET
    b.section(S, "财政资金 Fiscal funds")
    subs = [f for f in fs.fiscal_funds if f.use is FiscalUse.INTEREST_SUBSIDY]
    for f in subs:

        def interest_subsidy(x: At, f: FiscalFund = f) -> str:
            return f"={x.p(f'xl.subsidy_share[{f.name}]')}*{x.p(f'loan[{f.loan}].interest')}"

        b.row(
            S,
            f"fiscal.interest_subsidy[{f.name}]",
            f"贴息：{f.name}",
            f"Interest subsidy: {f.name}",
            interest_subsidy,
        )
    b.row(
        S,
        "fiscal.interest_subsidies",
        "贴息合计",
        "Interest subsidies",
        lambda x: f"={x.p('loan.subsidy')}",
    )
    ids = (
        [f"fiscal.grant[{f.name}]" for f in fs.fiscal_funds if f.use is FiscalUse.CAPITAL_GRANT]
        + [
            f"fiscal.injection[{f.name}]"
            for f in fs.fiscal_funds
            if f.use is FiscalUse.EQUITY_INJECTION
        ]
        + [f"fiscal.interest_subsidy[{f.name}]" for f in subs]
        + [
            f"fiscal.operating_subsidy[{f.name}]"
            for f in fs.fiscal_funds
            if f.use is FiscalUse.OPERATING_SUBSIDY
        ]
    )
    b.row(S, "fiscal.total", "财政资金支出合计", "Fiscal outlay", lambda x: "=" + sum_rows(x, ids))


def _financing_cost_rows(w: ModelWriter) -> None:
    """The financing costs' rows: interest and fees capitalised in construction and expensed
    in operation, interest earned and the total project investment [money]."""
    b = w.book
    S = SHEET
    loan_names = [ln.name for ln in w.spec.funding.loans]
    b.section(S, "融资费用 Financing costs")
    # Interest on opening balances is capitalised on the share of the investment spent on
    # phases still being built (xl.cap_share); the rest is expensed (issue 17).
    open_net = lambda x: "+".join(
        [f"{x.p(f'xl.int_open[{n}]')}*(1-{x.p(f'xl.sub_share[{n}]')})" for n in loan_names] or ["0"]
    )
    b.row(
        S,
        "finance.interest_capitalised",
        "建设期利息",
        "Interest during construction (IDC)",
        lambda x: (
            f"={construction(x)}*({x.p('bond.interest')}+{x.p('loan.capitalised')}+"
            f"{x.p('loan.idc_paid')})-{construction(x)}*(1-{x.p('xl.cap_share')})*("
            f"{x.p('bond.interest')}+{open_net(x)})"
        ),
    )
    b.row(
        S,
        "finance.fees_capitalised",
        "建设期融资费用",
        "Financing fees during construction",
        lambda x: f"={construction(x)}*({x.p('bond.fees')}+{x.p('xl.loan_fees')})",
    )
    b.row(
        S,
        "finance.interest_expensed",
        "利息支出",
        "Interest expense",
        lambda x: (
            f"=(1-{construction(x)}*{x.p('xl.cap_share')})*({x.p('bond.interest')}+{x.p('xl.int_open')})"
        ),
    )
    b.row(
        S,
        "finance.fees_expensed",
        "融资费用",
        "Financing fees expensed",
        lambda x: f"=(1-{construction(x)})*({x.p('bond.fees')}+{x.p('xl.loan_fees')})",
    )
    b.row(
        S,
        "invest.project_total",
        "项目总投资",
        "Total project investment",
        lambda x: (
            f"={x.p('capex.total')}+{x.p('finance.interest_capitalised')}+"
            f"{x.p('finance.fees_capitalised')}"
        ),
    )


def _equity_rows(w: ModelWriter) -> None:
    """The shareholders' rows: each party's share and contribution, the contributions in
    total and the terminal book value to shareholders [money]."""
    b, fs = w.book, w.spec.funding
    S = SHEET
    b.section(S, "股东与基金 Shareholders and fund")
    for party in fs.equity_parties:
        w.param(
            f"xl.party_share[{party.name}]",
            party.share,
            f"出资比例：{party.name}",
            f"Equity share: {party.name}",
        )

        def contribution(x: At, party: EquityParty = party) -> str:
            return f"={x.p('equity.sponsor')}*{x.i(f'xl.party_share[{party.name}]')}"

        b.row(
            S,
            f"equity.party[{party.name}].contribution",
            f"{party.name}出资",
            f"{party.name} contribution",
            contribution,
        )
    b.row(
        S,
        "equity.shareholders_in",
        "股东出资合计",
        "Shareholder contributions",
        lambda x: f"={x.p('equity.sponsor')}+{x.p('fiscal.injections')}",
    )
    b.row(
        S,
        "equity.terminal_value",
        "期末资产余值（归属股东）",
        "Terminal book value to shareholders",
        lambda x: (
            f"={x.i('xl.include_residual')}*({period(x)}={x.i('xl.n_periods')}-1)*("
            f"{x.p('xl.ov_total')}+{x.p('xl.cap_cum')}-{x.p('xl.acc_dep')})"
        ),
    )


def _profit_rows(w: ModelWriter) -> None:
    """The profit rows: subsidy income, EBIT, profit before tax, income tax, net profit and
    total cost (``pl.*``, ``tax.*``) [money]."""
    b = w.book
    S = SHEET
    loan_names = [ln.name for ln in w.spec.funding.loans]
    b.section(S, "利润 Profit")
    b.row(
        S,
        "pl.subsidy_income",
        "补贴收入",
        "Subsidy income",
        lambda x: (
            f"={x.p('fiscal.operating_subsidies')}+(1-{construction(x)}*{x.p('xl.cap_share')})*("
            + "+".join(
                [f"{x.p(f'xl.sub_share[{n}]')}*{x.p(f'xl.int_open[{n}]')}" for n in loan_names]
                or ["0"]
            )
            + ")"
        ),
    )
    b.row(
        S,
        "pl.ebit",
        "息税前利润",
        "EBIT",
        lambda x: (
            f"={x.p('pl.ebitda')}+{x.p('pl.subsidy_income')}+{x.p('grant.release')}-"
            f"{x.p('dep_fin.total')}+{x.p('grant.cost_offset')}+{x.p('pl.gain_on_exit')}"
        ),
    )
    b.row(
        S,
        "pl.profit_before_tax",
        "利润总额",
        "Profit before tax",
        lambda x: (
            f"={x.p('pl.ebit')}+{x.p('finance.interest_income')}-"
            f"{x.p('finance.interest_expensed')}-{x.p('finance.fees_expensed')}"
        ),
    )
    b.row(
        S,
        "pl.net_profit",
        "净利润",
        "Net profit",
        lambda x: f"={x.p('pl.profit_before_tax')}-{x.p('tax.income_tax')}",
    )
    b.row(
        S,
        "pl.total_cost",
        "总成本费用",
        "Total cost",
        lambda x: (
            f"={x.p('opex.total')}+{x.p('dep_fin.total')}-{x.p('grant.cost_offset')}+"
            f"{x.p('finance.interest_expensed')}+{x.p('finance.fees_expensed')}"
        ),
    )


def _debt_service_rows(w: ModelWriter) -> None:
    """The debt-service cash-flow rows: the project net income for coverage, bond and loan
    debt service and the cumulative surplus with the reserves (``cash.*``) [money]."""
    b, fs = w.book, w.spec.funding
    S = SHEET
    b.section(S, "偿债现金流 Debt service cash flow")
    b.row(
        S,
        "cash.net_income_for_coverage",
        "项目收益（扣除财政补贴及退出收入）",
        "Project net income for coverage (excl. subsidies and exit proceeds)",
        # CFADS holds interest subsidies in operation only (in construction they are a
        # source of the funding plan): take off the subsidy income it holds, and the exit
        # proceeds (shown apart).
        lambda x: (
            f"={x.p('cash.cfads')}-{x.p('fiscal.operating_subsidies')}-(1-{x.p('flag.construction')})*"
            f"({x.p('pl.subsidy_income')}-{x.p('fiscal.operating_subsidies')})-"
            f"{x.p('reit.net_proceeds')}"
        ),
    )
    b.row(
        S,
        "cash.bond_debt_service",
        "专项债还本付息",
        "Special-bond principal and interest",
        lambda x: f"={x.p('bond.interest')}+{x.p('bond.principal')}-{x.p('bond.refinanced')}",
    )
    b.row(
        S,
        "cash.loan_debt_service",
        "市场化融资还本付息",
        "Loan principal and interest",
        lambda x: (
            f"={x.p('loan.interest')}-{x.p('loan.capitalised')}+{x.p('loan.principal')}+"
            f"{x.p('loan.prepayment')}"
        ),
    )
    b.row(
        S,
        "cash.loan_service_due",
        "贷款当期应还本付息",
        "Loan debt service due (interest and scheduled principal, no prepayment)",
        lambda x: f"={x.p('loan.interest')}-{x.p('loan.capitalised')}+{x.p('loan.principal')}",
    )
    mmra = "" if fs.mmra is None else "reserve.mmra.balance"
    b.row(
        S,
        "cash.cumulative_surplus",
        "累计盈余资金",
        "Cumulative cash surplus",
        lambda x: (
            f"={x.p('cash.balance')}+{x.p('cash.dsra_balance')}" + (f"+{x.p(mmra)}" if mmra else "")
        ),
        total=False,
    )


def _sources_uses_rows(w: ModelWriter) -> None:
    """The sources and uses of funds in construction (``su.uses``, ``su.sources``) [money]."""
    b = w.book
    S = SHEET
    b.section(S, "建设期资金来源与运用 Sources and uses in construction")
    b.row(
        S,
        "su.uses",
        "资金使用合计（建设期）",
        "Uses of funds (construction)",
        lambda x: (
            f"={x.p('capex.total')}+{construction(x)}*({x.p('bond.interest')}+"
            f"{x.p('loan.interest')}+{x.p('bond.fees')}+{x.p('xl.loan_fees')}+"
            f"{x.p('bond.principal')}+{x.p('loan.principal')}+{x.p('tax.income_tax')}+"
            f"{x.p('cash.dsra_change')})"
        ),
    )
    b.row(
        S,
        "su.sources",
        "资金来源合计（建设期）",
        "Sources of funds (construction)",
        lambda x: (
            f"={construction(x)}*({x.p('fiscal.grants')}+{x.p('fiscal.injections')}+"
            f"{x.p('fund.contribution')}+{x.p('bond.issue')}+{x.p('loan.draw')}+"
            f"{x.p('loan.capitalised')}+{x.p('equity.sponsor')}+{x.p('xl.ocf')}+"
            f"{x.p('fiscal.interest_subsidies')}+{x.p('finance.interest_income')}+"
            f"{x.prev('cash.balance')}-{x.p('cash.balance')})"
        ),
    )


def _asset_rows(w: ModelWriter) -> None:
    """The balance sheet's assets: fixed assets and construction in progress (net of
    depreciation, derecognised at a disposal, less grants that reduce the asset), cash
    incl. reserves, VAT credit, and their total with working capital [money]."""
    b = w.book
    S = SHEET
    held_assets = lambda x: (
        f"{x.p('flag.held')}*(1-{x.i('xl.has_exit')}*({period(x)}>={x.p('xl.last_held')}))"
    )
    b.row(
        S,
        "xl.fixed_cost",
        "固定资产及在建工程（累计）",
        "Fixed assets before derecognition",
        lambda x: (
            f"={x.prev('xl.fixed_cost')}+{x.p('capex.total')}-{x.p('capex.input_vat')}+"
            f"{x.p('finance.interest_capitalised')}+{x.p('finance.fees_capitalised')}-"
            f"{x.p('dep_fin.total')}"
        ),
        total=False,
    )
    b.row(
        S,
        "bs.fixed_assets",
        "固定资产及在建工程净值",
        "Fixed assets and construction in progress",
        lambda x: f"={x.p('xl.fixed_cost')}*{held_assets(x)}-{x.p('grant.asset_reduction')}",
        total=False,
    )
    b.row(
        S,
        "bs.cash",
        "货币资金（含偿债准备金）",
        "Cash (incl. reserves)",
        lambda x: f"={x.p('cash.cumulative_surplus')}",
        total=False,
    )
    b.row(
        S,
        "bs.vat_credit",
        "留抵增值税",
        "VAT credit",
        lambda x: f"={x.p('tax.vat_credit')}",
        total=False,
    )
    b.row(
        S,
        "bs.assets",
        "资产合计",
        "Total assets",
        lambda x: (
            f"={x.p('bs.fixed_assets')}+{x.p('bs.cash')}+{x.p('bs.vat_credit')}+{x.p('wc.level')}"
        ),
        total=False,
    )


def _liability_equity_rows(w: ModelWriter) -> None:
    """The balance sheet's liabilities (bonds, loans, deferred grant income), equity
    (capital paid in to date, distributions and profit included), the balance check and
    the debt-to-assets ratio."""
    b = w.book
    S = SHEET
    b.row(
        S,
        "bs.liabilities",
        "负债合计",
        "Total liabilities",
        lambda x: f"={x.p('bond.closing')}+{x.p('loan.closing')}+{x.p('grant.deferred_income')}",
        total=False,
    )
    b.row(
        S,
        "xl.paid_in",
        "实收资本及资本公积（累计）",
        "Capital paid in to date",
        lambda x: (
            f"={x.prev('xl.paid_in')}+{x.p('equity.sponsor')}+"
            f"{x.p('fiscal.injections')}+{x.p('fund.contribution')}"
            f"-{x.p('equity.distribution')}-{x.p('fund.paid')}+"
            f"{x.p('pl.net_profit')}"
        ),
        total=False,
    )
    b.row(
        S,
        "bs.equity",
        "所有者权益合计",
        "Total equity",
        lambda x: f"={x.p('xl.paid_in')}",
        total=False,
    )
    b.row(
        S,
        "bs.check",
        "资产负债表平衡差额",
        "Balance-sheet difference",
        lambda x: f"={x.p('bs.assets')}-{x.p('bs.liabilities')}-{x.p('bs.equity')}",
        total=False,
    )
    b.row(
        S,
        "bs.debt_ratio",
        "资产负债率",
        "Debt-to-assets ratio",
        lambda x: f"=IF(ABS({x.p('bs.assets')})>1E-9,{x.p('bs.liabilities')}/{x.p('bs.assets')},0)",
        unit="-",
        fmt="0.00%",
        total=False,
    )


def _balance_sheet_rows(w: ModelWriter) -> None:
    """The balance sheet's rows (资产负债表, ``bs.*``): fixed assets, total assets, liabilities,
    equity and the balance check [money]."""
    w.book.section(SHEET, "资产负债表 Balance sheet")
    _asset_rows(w)
    _liability_equity_rows(w)


def hand_back(w: ModelWriter) -> None:
    """The concession's hand-back (renewfin.core.concession.hand_back): the fixed assets'
    net book value, financing costs included, written off in the term's last period (the
    share of ``dep_fin.total`` the write-off ``dep.hand_back`` is of ``dep.total``), on the
    Statements sheet."""
    from renewfin.core.concession import concession_of

    gp = concession_of(w.spec)
    if gp is None or not gp.hand_back:
        return
    w.book.row(
        "Statements",
        "concession.hand_back",
        f"期满无偿移交资产净值（移交{gp.grantor}）",
        f"Assets handed back free at the end of the term (to {gp.grantor})",
        lambda x: (
            f"=IF(ABS({x.p('dep.total')})>1E-12,{x.p('dep_fin.total')}*"
            f"{x.p('dep.hand_back')}/{x.p('dep.total')},0)"
        ),
        total=False,
    )
