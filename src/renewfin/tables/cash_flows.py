"""The cash-flow tables of 第三版: 项目投资现金流量表, 项目资本金现金流量表 and
财务计划现金流量表."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from renewfin import finance
from renewfin.metrics import PROJECT_RETURNS
from renewfin.tables.readings import (
    VAT_REFUND,
    WC_INVESTMENT,
    WC_RECOVERY,
    _cash_change,
    _outside_construction,
)
from renewfin.tables.sheet import C, Lines, _Sheet

if TYPE_CHECKING:
    from renewfin.engine import Result


# --------------------------------------------------------------------------------------
# 9. 项目投资现金流量表
# --------------------------------------------------------------------------------------


def project_cash_flow(result: Result, scenario: int = 0) -> pd.DataFrame:
    """项目投资现金流量表 — the project cash flow before financing (``cf.project.*``):
    inflows (revenue, output VAT, subsidy income, residual value, REIT exit proceeds), outflows
    (construction investment, operating costs, their input VAT, VAT payable, taxes and
    surcharges), net cash flow and its cumulative value before income tax, the adjusted
    income tax, and net cash flow after tax. ``attrs["indicators"]``: pre- and after-tax
    FIRR and FNPV, static and discounted payback, the discount rate."""
    sh = _Sheet(result, scenario, "project_cash_flow")
    sh.add_flow("cf.project.inflow", "现金流入", "Cash inflow")
    sh.add_flow("revenue.total", "营业收入", "Operating revenue", level=1)
    sh.add_flow("tax.output_vat", "销项税额", "Output VAT", level=1)
    sh.add_flow("fiscal.operating_subsidies", "补贴收入", "Subsidy income", level=1)
    sh.add_flow("dep.residual_value", "回收固定资产余值", "Residual value recovered", level=1)
    sh.add_flow("reit.net_proceeds", "资产处置收入（REITs退出）", "REIT exit net proceeds", level=1)
    has_wc = sh.nonzero("wc.level")
    if has_wc:
        sh.add_flow(*WC_RECOVERY, level=1)
    if sh.nonzero("tax.vat_refund"):
        sh.add_flow(*VAT_REFUND, level=1)
    sh.add_flow("cf.project.outflow", "现金流出", "Cash outflow")
    sh.add_flow("capex.total", "建设投资", "Construction investment", level=1)
    if has_wc:
        sh.add_flow(*WC_INVESTMENT, level=1)
    sh.add_flow("opex.total", "经营成本", "Operating costs", level=1)
    sh.add_flow("opex.input_vat", "进项税额", "Input VAT on operating costs", level=1)
    sh.add_flow("tax.vat_payable", "应纳增值税", "VAT payable", level=1)
    sh.add_flow("tax.taxes_and_surcharges", "税金及附加", "Taxes and surcharges", level=1)
    sh.add_flow("cf.project.pre_tax", "所得税前净现金流量", "Net cash flow before income tax")
    sh.add_balance(
        "cf.project.pre_tax_cumulative",
        "累计所得税前净现金流量",
        "Cumulative net cash flow before income tax",
    )
    sh.add_flow("tax.adjusted_income_tax", "调整所得税", "Adjusted income tax")
    sh.add_flow("cf.project.after_tax", "所得税后净现金流量", "Net cash flow after income tax")
    sh.add_balance(
        "cf.project.after_tax_cumulative",
        "累计所得税后净现金流量",
        "Cumulative net cash flow after income tax",
    )
    for key in PROJECT_RETURNS:
        sh.metric(key)
    sh.indicator(
        "discount_rate",
        result.spec.evaluation.discount_rate,
        "基准收益率（折现率）",
        "Discount rate",
        "rate",
    )
    return sh.frame()


# --------------------------------------------------------------------------------------
# 10. 项目资本金现金流量表
# --------------------------------------------------------------------------------------


EquityRows = dict[str, tuple[str, str, Lines | np.ndarray]]
"""Rows of 项目资本金现金流量表: key → (Chinese, English, Lines or (T,) series)."""


def _operating(sh: _Sheet, *ids: str) -> Lines:
    """The sum of ledger lines ``ids`` outside construction periods (in construction they
    are met from the sources of the financing table, already net in the capital)."""
    return _outside_construction(sh.lines(*ids))


def _equity_inflows(sh: _Sheet) -> EquityRows:
    """The inflows of 项目资本金现金流量表 a run has: revenue, output VAT, subsidy income,
    interest earned, residual book value, REIT exit proceeds, working capital recovered,
    the VAT refund, retained REIT units net of reinvestment, money received after
    construction and cash retained in construction [money]."""
    return {
        "in.revenue": ("营业收入", "Operating revenue", _operating(sh, "revenue.total")),
        "in.output_vat": ("销项税额", "Output VAT", _operating(sh, "tax.output_vat")),
        "in.subsidy_income": ("补贴收入", "Subsidy income", _operating(sh, "pl.subsidy_income")),
        **(
            {
                "in.interest_income": (
                    "利息收入",
                    "Interest earned on cash and reserves",
                    _operating(sh, "finance.interest_income"),
                )
            }
            if sh.nonzero("finance.interest_income")
            else {}
        ),
        "equity.terminal_value": (
            "回收固定资产余值",
            "Residual book value",
            sh.lines("equity.terminal_value"),
        ),
        "reit.net_proceeds": (
            "资产处置收入（REITs退出）",
            "REIT exit net proceeds",
            sh.lines("reit.net_proceeds"),
        ),
        **(
            {
                "in.working_capital": (
                    "回收流动资金",
                    "Working capital recovered",
                    _operating(sh, "wc.recovery"),
                )
            }
            if sh.nonzero("wc.level")
            else {}
        ),
        **(
            {"in.vat_refund": (VAT_REFUND[1], VAT_REFUND[2], _operating(sh, "tax.vat_refund"))}
            if sh.nonzero("tax.vat_refund")
            else {}
        ),
        **(
            {
                "equity.reit_units": (
                    "REITs持有份额及回收资金再投资（净额）",
                    "Retained REIT units and reinvestment (net)",
                    sh.lines("equity.reit_units"),
                )
            }
            if "equity.reit_units" in sh.result.ledger
            else {}
        ),
        "in.financing_after_construction": (
            "建设期后到位资金",
            "Grants, injections, fund and bonds received after construction",
            _operating(sh, "fiscal.grants", "fiscal.injections", "fund.contribution", "bond.issue"),
        ),
        "in.construction_cash": (
            "建设期资金结余",
            "Cash retained (+) / drawn (−) in construction",
            _cash_change("cash.cumulative_surplus", 1.0).masked(C),
        ),
    }


def _equity_outflows(sh: _Sheet) -> EquityRows:
    """The outflows of 项目资本金现金流量表: capital contributed, bond and loan principal
    and interest, financing fees, operating costs, input VAT, VAT payable, taxes and
    surcharges, income tax, working capital invested and payments to the fund [money]."""
    return {
        "equity.shareholders_in": (
            "项目资本金",
            "Project capital contributed",
            sh.lines("equity.shareholders_in"),
        ),
        "out.bond_principal": (
            "专项债券本金偿还",
            "Special-bond principal",
            _operating(sh, "bond.principal"),
        ),
        "out.bond_interest": (
            "专项债券利息支付",
            "Special-bond interest",
            _operating(sh, "bond.interest"),
        ),
        "out.loan_principal": (
            "借款本金偿还",
            "Loan principal",
            _operating(sh, "loan.principal", "loan.prepayment"),
        ),
        "out.loan_interest": ("借款利息支付", "Loan interest", _operating(sh, "loan.interest")),
        "finance.fees_expensed": (
            "融资费用",
            "Financing fees",
            sh.lines("finance.fees_expensed"),
        ),
        "out.opex": ("经营成本", "Operating costs", _operating(sh, "opex.total")),
        "out.input_vat": (
            "进项税额",
            "Input VAT on operating costs",
            _operating(sh, "opex.input_vat"),
        ),
        "out.vat_payable": ("应纳增值税", "VAT payable", _operating(sh, "tax.vat_payable")),
        "out.taxes_and_surcharges": (
            "税金及附加",
            "Taxes and surcharges",
            _operating(sh, "tax.taxes_and_surcharges"),
        ),
        "out.income_tax": ("所得税", "Income tax", _operating(sh, "tax.income_tax")),
        **(
            {
                "out.working_capital": (
                    "流动资金",
                    "Working capital invested",
                    _operating(sh, "wc.investment"),
                )
            }
            if sh.nonzero("wc.level")
            else {}
        ),
        "fund.paid": ("基金收益及本金分配", "Paid to the fund", sh.lines("fund.paid")),
    }


def equity_cash_flow(result: Result, scenario: int = 0) -> pd.DataFrame:
    """项目资本金现金流量表 — the cash flow of the project capital (shareholders' view).

    Outflows: capital contributed (``equity.shareholders_in``), bond and loan principal
    and interest, financing fees, operating costs, their input VAT, VAT payable, taxes and
    surcharges, income tax, payments to the fund. Inflows: revenue, output VAT, subsidy
    income, the residual book value (``equity.terminal_value``) and REIT exit proceeds,
    and with a REIT exit the shareholders' net cash from their retained units and the
    reinvested recovered money (``equity.reit_units``, negative at the exit).

    Construction-period debt service, fees, tax and operating cash are met from the
    sources of the financing table and so are already net in the capital contributed;
    the operating rows therefore count periods out of construction only. Two rows keep
    the table whole when a model has them: money received after construction (grants,
    injections, fund contributions, bond issues) and cash retained (+) or drawn (−) in
    construction. Over the whole life the net cash flow then sums to distributions +
    terminal value − capital contributed + cash left at the end.

    ``attrs["indicators"]``: ``equity_irr`` and ``equity_npv`` (the engine's, on
    distributions to shareholders) and ``equity_irr_cash_flow`` (the IRR of this table's
    net cash flow, which counts surplus cash when earned rather than when distributed).
    """
    sh = _Sheet(result, scenario, "equity_cash_flow")
    inflows = _equity_inflows(sh)
    outflows = _equity_outflows(sh)
    total_in = sum((sh.series(v[2]) for v in inflows.values()), sh.zeros())
    total_out = sum((sh.series(v[2]) for v in outflows.values()), sh.zeros())
    for key, zh, en, rows in (
        ("in.total", "现金流入", "Cash inflow", inflows),
        ("out.total", "现金流出", "Cash outflow", outflows),
    ):
        sh.add_sum(key, zh, en, list(rows))
        for k, (kzh, ken, series) in rows.items():
            sh.add_flow(k, kzh, ken, series, level=1)
    sh.add_sum("net", "净现金流量", "Net cash flow", ["in.total"], ["out.total"])
    sh.add_cumulative("net.cumulative", "累计净现金流量", "Cumulative net cash flow", "net")
    sh.metric("equity_irr")
    sh.indicators["equity_irr"]["zh"] = "资本金财务内部收益率（按股东分配）"
    sh.indicators["equity_irr"]["en"] = "Equity IRR (on distributions)"
    sh.metric("equity_npv")
    sh.indicator(
        "equity_irr_cash_flow",
        float(finance.irr(total_in - total_out, sh.ppy)),
        "资本金财务内部收益率（按本表净现金流量）",
        "Equity IRR (on this table's net cash flow)",
        "rate",
    )
    sh.indicator(
        "equity_discount_rate",
        result.spec.evaluation.equity_discount_rate,
        "资本金基准收益率",
        "Equity discount rate",
        "rate",
    )
    return sh.frame()


# --------------------------------------------------------------------------------------
# 11. 财务计划现金流量表
# --------------------------------------------------------------------------------------


ActivityRow = tuple[str, str, str] | tuple[str, str, str, Lines]
"""A row of 财务计划现金流量表: (key, Chinese, English[, Lines]); without Lines the row is
the ledger line ``key``."""


def _activity(
    sh: _Sheet,
    key: str,
    zh: str,
    en: str,
    inflow: list[ActivityRow],
    outflow: list[ActivityRow],
) -> None:
    """The rows of one activity of 财务计划现金流量表: its net flow, then its inflows and
    outflows, each under its total [money]."""
    sh.add_sum(key, zh, en, [f"{key}.inflow"], [f"{key}.outflow"])
    for side, zh_side, en_side, rows in (
        ("inflow", "现金流入", "Cash inflow", inflow),
        ("outflow", "现金流出", "Cash outflow", outflow),
    ):
        sh.add_sum(f"{key}.{side}", zh_side, en_side, [r[0] for r in rows], level=1)
        for k, kzh, ken, *x in rows:
            sh.add_flow(k, kzh, ken, x[0] if x else None, level=2)


def _operating_activity(sh: _Sheet) -> None:
    """经营活动 of 财务计划现金流量表: revenue, output VAT, subsidy income (construction
    interest subsidies left out: they are a financing inflow), interest earned and the VAT
    refund in; operating costs, input VAT, taxes and surcharges, VAT and income tax out."""
    _activity(
        sh,
        "operating",
        "经营活动净现金流量",
        "Net cash flow from operating activities",
        [
            ("revenue.total", "营业收入", "Operating revenue"),
            ("tax.output_vat", "增值税销项税额", "Output VAT"),
            (
                "operating.subsidy_income",
                "补贴收入",
                "Subsidy income",
                # 贴息 of construction periods is a financing inflow below, in full (the part
                # on interest expensed for a phase in operation is subsidy income too).
                sh.lines("pl.subsidy_income")
                - (sh.lines("pl.subsidy_income") - sh.lines("fiscal.operating_subsidies")).masked(
                    C
                ),
            ),
            *(
                [("finance.interest_income", "利息收入", "Interest earned on cash and reserves")]
                if sh.nonzero("finance.interest_income")
                else []
            ),
            *([VAT_REFUND] if sh.nonzero("tax.vat_refund") else []),
        ],
        [
            ("opex.total", "经营成本", "Operating costs"),
            ("opex.input_vat", "增值税进项税额", "Input VAT on operating costs"),
            ("tax.taxes_and_surcharges", "税金及附加", "Taxes and surcharges"),
            ("tax.vat_payable", "增值税", "VAT payable"),
            ("tax.income_tax", "所得税", "Income tax"),
        ],
    )


def _investing_activity(sh: _Sheet) -> None:
    """投资活动 of 财务计划现金流量表: REIT exit proceeds and working capital recovered in;
    construction investment and working capital invested out."""
    has_wc = sh.nonzero("wc.level")
    _activity(
        sh,
        "investing",
        "投资活动净现金流量",
        "Net cash flow from investing activities",
        [
            ("reit.net_proceeds", "资产处置收入（REITs退出）", "REIT exit net proceeds"),
            *([WC_RECOVERY] if has_wc else []),
        ],
        [
            ("capex.total", "建设投资", "Construction investment"),
            *([WC_INVESTMENT] if has_wc else []),
        ],
    )


def _financing_activity(sh: _Sheet) -> None:
    """筹资活动 of 财务计划现金流量表: capital, fund, grants, bonds, loans, loan interest
    capitalised and construction interest subsidies in; interest accrued, principal, fees,
    distributions and payments to the fund out."""
    _activity(
        sh,
        "financing",
        "筹资活动净现金流量",
        "Net cash flow from financing activities",
        [
            ("equity.shareholders_in", "项目资本金投入", "Shareholder capital"),
            ("fund.contribution", "基金出资", "Fund contribution"),
            ("fiscal.grants", "财政资本性补助", "Capital grants"),
            ("bond.issue", "专项债券", "Special bonds issued"),
            ("loan.draw", "银行贷款", "Loans drawn"),
            ("loan.capitalised", "建设期利息资本化（计入贷款）", "Loan interest capitalised"),
            (
                "fin.construction_subsidies",
                "建设期贴息资金",
                "Interest subsidies in construction",
                sh.lines("fiscal.interest_subsidies").masked(C),
            ),
        ],
        [
            (
                "fin.interest",
                "各种利息支出",
                "Interest (incl. construction interest capitalised)",
                sh.lines("bond.interest", "loan.interest"),
            ),
            (
                "fin.principal",
                "偿还债务本金",
                "Principal repaid",
                sh.lines("bond.principal", "loan.principal", "loan.prepayment"),
            ),
            (
                "fin.fees",
                "融资费用",
                "Financing fees",
                sh.lines("bond.fees", "loan.upfront_fee", "loan.commitment_fee"),
            ),
            ("equity.distribution", "应付利润（股东分配）", "Distributions to shareholders"),
            ("fund.paid", "基金收益及本金分配", "Paid to the fund"),
        ],
    )


def financial_plan(result: Result, scenario: int = 0) -> pd.DataFrame:
    """财务计划现金流量表 — cash flows of the project company by activity: operating
    (revenue, output VAT, subsidy income; operating costs, input VAT, VAT payable, taxes
    and surcharges, income tax), investing (REIT exit proceeds; construction investment),
    financing (capital, fund, capital grants, bonds, loan drawings, loan interest
    capitalised in construction, interest subsidies received in construction; interest
    accrued — construction interest included, gross —, principal, fees, distributions,
    payments to the fund; interest earned on cash is an operating inflow); net cash flow
    and 累计盈余资金
    (``cash.cumulative_surplus``, cash including reserves), which must stay ≥ 0
    (财务生存能力). Construction interest capitalised into the loans shows both as a loan
    inflow and in 各种利息支出, and construction interest subsidies (they reduce the
    capitalised interest) both as an inflow, in full, and in the interest they pay, so that
    the interest row is the whole interest accrued; the operating 补贴收入 leaves out the
    part of them that is subsidy income. Construction interest paid in cash is met by the
    other inflows (capital, grants, bonds). ``attrs["indicators"]``: the minimum
    cumulative surplus and whether it stays ≥ 0 (1 = yes)."""
    sh = _Sheet(result, scenario, "financial_plan")
    _operating_activity(sh)
    _investing_activity(sh)
    _financing_activity(sh)
    sh.add_sum("net", "净现金流量", "Net cash flow", ["operating", "investing", "financing"])
    surplus = sh.add_balance("cash.cumulative_surplus", "累计盈余资金", "Cumulative cash surplus")
    sh.add_balance(
        "cash.dsra_balance", "其中：偿债准备金", "of which: debt-service reserve", numbered=False
    )
    sh.metric("min_cumulative_cash")
    low = float(np.min(sh.p("cash.cumulative_surplus"))) if sh.n_periods else 0.0
    scale = max(1.0, float(np.max(np.abs(surplus)))) if surplus.size else 1.0
    sh.indicator(
        "viable",
        float(low >= -1e-9 * scale),
        "财务生存能力（累计盈余资金≥0）",
        "Financially sustainable (cumulative surplus ≥ 0)",
        "flag",
    )
    return sh.frame()
