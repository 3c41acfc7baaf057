"""The financial statements of 第三版: 利润与利润分配表 and 资产负债表."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from renewfin.tables.sheet import BALANCE, FLOW, RATIO, Formula, Lines, _Sheet, positive

if TYPE_CHECKING:
    from renewfin.engine import Result


# --------------------------------------------------------------------------------------
# 8. 利润与利润分配表
# --------------------------------------------------------------------------------------


def _distribution_rows(sh: _Sheet, net: np.ndarray) -> None:
    """The distribution rows of 利润与利润分配表 from the net profit ``net`` by year [money]:
    undistributed profit brought forward, profit available, the statutory surplus reserve
    (``funding.statutory_reserve_rate`` × max(min(net profit, profit available), 0)),
    profit available to investors, profit paid (shareholder distributions and the
    fund's returns) and undistributed profit; each year carries the last one's
    undistributed profit."""
    fund_profit = sh.lines("fund.senior_return", "fund.junior_return", "fund.upside", optional=True)
    paid_lines = sh.lines("equity.distribution") + fund_profit
    paid = sh.flow(paid_lines)
    rate = sh.result.spec.funding.statutory_reserve_rate
    n = sh.n_years
    opening, available, reserve, closing = (np.zeros(n) for _ in range(4))
    carried = 0.0
    for y in range(n):
        opening[y] = carried
        available[y] = net[y] + carried
        reserve[y] = rate * max(min(net[y], available[y]), 0.0)
        closing[y] = available[y] - reserve[y] - paid[y]
        carried = closing[y]

    def rows(*plus: str, minus: tuple[str, ...] = ()) -> Formula:
        return ("rows", tuple((1.0, k, None) for k in plus) + tuple((-1.0, k, None) for k in minus))

    sh.add_yearly(
        "pl.opening_undistributed",
        "期初未分配利润",
        "Undistributed profit brought forward",
        opening,
        BALANCE,
        formula=("lag", ((1.0, "pl.undistributed", None),)),
    )
    sh.add_yearly(
        "pl.available",
        "可供分配的利润",
        "Profit available for distribution",
        available,
        BALANCE,
        formula=rows("pl.net_profit", "pl.opening_undistributed"),
    )
    sh.add_yearly(
        "pl.statutory_reserve",
        "提取法定盈余公积金",
        "Statutory surplus reserve",
        reserve,
        FLOW,
        formula=("reserve", ((1.0, "pl.net_profit", None), (1.0, "pl.available", None))),
    )
    sh.add_yearly(
        "pl.available_to_investors",
        "可供投资者分配的利润",
        "Profit available to investors",
        available - reserve,
        BALANCE,
        formula=rows("pl.available", minus=("pl.statutory_reserve",)),
    )
    sh.add_flow("pl.paid", "应付投资者各方利润", "Profit paid to investors", paid_lines)
    sh.add_flow("equity.distribution", "股东分配", "Distributions to shareholders", level=1)
    sh.add_flow(
        "fund.profit", "基金收益分配", "Fund preferred returns and upside", fund_profit, level=1
    )
    sh.add_yearly(
        "pl.undistributed",
        "未分配利润",
        "Undistributed profit",
        closing,
        BALANCE,
        formula=rows("pl.available_to_investors", minus=("pl.paid",)),
    )


def _profit_rows(sh: _Sheet) -> np.ndarray:
    """The profit rows of 利润与利润分配表, from revenue down to net profit (the taxable
    income after the losses brought forward a live formula in an annual model); return the
    net profit by year, (Y,) [money]."""
    sh.add_flow("revenue.total", "营业收入", "Operating revenue")
    sh.add_flow("tax.taxes_and_surcharges", "税金及附加", "Taxes and surcharges")
    if "tax.land_appreciation" in sh.result.ledger:
        sh.add_flow(
            "tax.land_appreciation",
            "其中：土地增值税",
            "of which: land appreciation tax",
            level=1,
            numbered=False,
        )
    sh.add_flow("pl.total_cost", "总成本费用", "Total cost")
    sh.add_flow("pl.subsidy_income", "补贴收入", "Subsidy income")
    if sh.nonzero("grant.release"):
        sh.add_flow(
            "grant.release",
            "其他收益：递延收益摊销",
            "Other income: deferred grant income released",
        )
    sh.add_flow("pl.gain_on_exit", "资产处置收益", "Gain on disposal")
    sh.add_flow("finance.interest_income", "利息收入", "Interest income on cash and reserves")
    sh.add_flow("pl.profit_before_tax", "利润总额", "Profit before tax")
    if "tax.income_reduction" in sh.result.ledger:  # 2019年第76号 第一条(二)
        sh.add_flow(
            "tax.income_reduction",
            "减计收入（社区养老、托育、家政服务收入的10%）",
            "Income not counted: 10 % of community-services income",
        )
    sh.add_flow("tax.loss_used", "弥补以前年度亏损", "Losses brought forward used")
    # The tax year's taxable income (企业所得税法 第五十三条): the year's profit taxable, at
    # least 0, less the losses used; in an annual model a live formula per year.
    if sh.ppy == 1:
        taxable_terms = Lines(
            (
                (1.0, "tax.taxable_income", positive("tax.taxable_income")),
                (-1.0, "tax.loss_used", None),
            )
        )
        sh.add_flow("tax.taxable_after_losses", "应纳税所得额", "Taxable income", taxable_terms)
    else:
        taxable = np.maximum(sh.flow("tax.taxable_income"), 0.0) - sh.flow("tax.loss_used")
        sh.add_yearly("tax.taxable_after_losses", "应纳税所得额", "Taxable income", taxable, FLOW)
    sh.add_flow("tax.income_tax", "所得税", "Income tax")
    return sh.add_flow("pl.net_profit", "净利润", "Net profit")


def profit_and_distribution(result: Result, scenario: int = 0) -> pd.DataFrame:
    """利润与利润分配表 — profit and its distribution.

    Revenue − taxes and surcharges − total cost (net of the depreciation that net-method
    grants bear) + subsidy income + deferred grant income released (总额法, shown when non-
    zero) + gain on disposal = 利润总额 (``pl.profit_before_tax``); the community-services
    income not counted (减计收入, shown when there is any); losses brought forward,
    taxable income (profit taxable before loss relief, floored at 0 per period, less the
    losses used), income tax, net profit. Distribution: opening undistributed profit,
    profit available, the statutory surplus reserve (``funding.statutory_reserve_rate``
    of the year's profit after covering past losses — a presentation: the ledger does
    not record it), profit available to investors, profit paid (shareholder
    distributions and the fund's preferred returns and upside), undistributed profit.
    Then EBIT and EBITDA (EBIT + depreciation net of what the grants bear − the deferred
    grant income released).
    """
    sh = _Sheet(result, scenario, "profit_and_distribution")
    net = _profit_rows(sh)

    _distribution_rows(sh, net)
    sh.add_flow(
        "pl.ebit_cn",
        "息税前利润（利润总额＋利息支出）",
        "EBIT (profit before tax + interest expense)",
        sh.lines("pl.profit_before_tax", "finance.interest_expensed"),
    )
    sh.add_flow(
        "pl.ebitda_total",
        "息税折旧摊销前利润",
        "EBITDA",
        sh.lines("pl.profit_before_tax", "finance.interest_expensed", "dep_fin.total")
        - sh.lines("grant.release", "grant.cost_offset"),
    )
    return sh.frame()


# --------------------------------------------------------------------------------------
# 12. 资产负债表
# --------------------------------------------------------------------------------------


def balance_sheet(result: Result, scenario: int = 0) -> pd.DataFrame:
    """资产负债表 — at each year end: assets (cash incl. reserves, VAT credit, fixed
    assets and construction in progress, net of the net-method grants), liabilities
    (special bonds, loans, the deferred income of gross-method grants), equity (paid-in
    capital, fund capital, retained earnings net of distributions; capital grants reach
    equity through profit, 企业会计准则第16号), the difference assets − liabilities −
    equity (0 when the sheet balances) and 资产负债率 (``bs.debt_ratio``)."""
    sh = _Sheet(result, scenario, "balance_sheet")
    sh.add_balance("bs.assets", "资产", "Total assets")
    sh.add_balance(
        "bs.current",
        "流动资产",
        "Current assets",
        sh.lines("bs.cash", "bs.vat_credit", "wc.level"),
        level=1,
    )
    sh.add_balance("bs.cash", "货币资金（含偿债准备金）", "Cash (incl. reserves)", level=2)
    sh.add_balance(
        "cash.dsra_balance",
        "其中：偿债准备金",
        "of which: debt-service reserve",
        level=2,
        numbered=False,
    )
    sh.add_balance("bs.vat_credit", "留抵增值税", "VAT credit", level=2)
    if sh.nonzero("wc.level"):
        sh.add_balance(
            "wc.level", "流动资金（应收、存货、现金减应付）", "Working capital (net)", level=2
        )
    sh.add_balance(
        "bs.fixed_assets",
        "固定资产及在建工程净值",
        "Fixed assets and construction in progress",
        level=1,
    )
    sh.add_sum(
        "bs.liabilities_and_equity",
        "负债及所有者权益",
        "Liabilities and equity",
        ["bs.liabilities", "bs.equity"],
        kind=BALANCE,
    )
    sh.add_balance("bs.liabilities", "负债", "Total liabilities", level=1)
    sh.add_balance("bond.closing", "专项债券", "Special bonds", level=2)
    sh.add_balance("loan.closing", "银行贷款", "Loans", level=2)
    if sh.nonzero("grant.deferred_income"):
        sh.add_balance(
            "grant.deferred_income", "递延收益（政府补助）", "Deferred grant income", level=2
        )
    sh.add_balance("bs.equity", "所有者权益", "Total equity", level=1)
    sh.add_running(
        "equity.paid_in",
        "实收资本（股东及国有资本金）",
        "Paid-in capital",
        sh.lines("equity.shareholders_in"),
        level=2,
    )
    sh.add_running(
        "equity.fund", "基金出资", "Fund capital", sh.lines("fund.contribution"), level=2
    )
    sh.add_running(
        "equity.retained",
        "累计留存收益（扣除分配）",
        "Retained earnings net of distributions",
        sh.lines("pl.net_profit") - sh.lines("equity.distribution", "fund.paid"),
        level=2,
    )
    sh.add_sum(
        "bs.difference",
        "资产负债表平衡差额",
        "Balance-sheet difference",
        ["bs.assets"],
        ["bs.liabilities", "bs.equity"],
        kind=BALANCE,
    )
    sh.add_balance("bs.debt_ratio", "资产负债率", "Debt-to-assets ratio", kind=RATIO)
    return sh.frame()
