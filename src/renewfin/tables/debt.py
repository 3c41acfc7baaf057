"""The debt tables: 借款还本付息计划表 (第三版) and 专项债券项目收益与融资平衡表 (the special
bond's income and financing balance)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from renewfin.metrics_funding import cn_numerators
from renewfin.ratios import safe_ratio, shown, window
from renewfin.tables.readings import _ratio_rows
from renewfin.tables.sheet import RATIO, _Sheet

if TYPE_CHECKING:
    from renewfin.engine import Result


# --------------------------------------------------------------------------------------
# 7. 借款还本付息计划表
# --------------------------------------------------------------------------------------


def _debt_totals(sh: _Sheet, loans: list[str], bonds: list[str]) -> None:
    """The total rows of 借款还本付息计划表 over ``loans`` and ``bonds`` (names): opening
    balance, drawdowns and issues, construction interest capitalised, debt service (of
    which principal, interest paid), fees and closing balance [money]."""
    opening = sh.lines(*(f"loan[{n}].opening" for n in loans)) + sh.lines(
        *(f"bond[{n}].opening" for n in bonds)
    )
    principal = sh.lines("loan.principal", "loan.prepayment", "bond.principal")
    interest = sh.lines("loan.interest", "bond.interest") - sh.lines("loan.capitalised")
    sh.heading("total", "借款及债券合计", "Loans and bonds")
    sh.add_balance("total.opening", "期初余额", "Opening balance", opening, level=1, opening=True)
    sh.add_flow(
        "total.draw",
        "当期借款及发行",
        "Drawdowns and issues",
        sh.lines("loan.draw", "bond.issue"),
        level=1,
    )
    sh.add_flow(
        "total.capitalised",
        "建设期利息资本化",
        "Construction interest capitalised",
        "loan.capitalised",
        level=1,
    )
    sh.add_flow("total.service", "当期还本付息", "Debt service", principal + interest, level=1)
    sh.add_flow(
        "total.principal", "其中：还本", "of which: principal", principal, level=1, numbered=False
    )
    sh.add_flow(
        "total.interest", "其中：付息", "of which: interest paid", interest, level=1, numbered=False
    )
    sh.add_flow(
        "total.fees",
        "融资费用",
        "Financing fees",
        sh.lines("loan.upfront_fee", "loan.commitment_fee", "bond.fees"),
        level=1,
    )
    sh.add_balance(
        "total.closing",
        "期末余额",
        "Closing balance",
        sh.lines("loan.closing", "bond.closing"),
        level=1,
    )


def _bond_service_rows(sh: _Sheet, name: str) -> None:
    """The rows of special-bond tranche ``name`` in 借款还本付息计划表: opening balance,
    issue, debt service (of which principal, interest), fees, closing balance [money]."""
    at = f"bond[{name}]"
    sh.heading(at, f"专项债券：{name}", f"Special bond: {name}")
    sh.add_balance(f"{at}.opening", "期初余额", "Opening balance", level=1, opening=True)
    sh.add_flow(f"{at}.issue", "当期发行", "Issue", level=1)
    sh.add_flow(
        f"{at}.service",
        "当期还本付息",
        "Debt service",
        sh.lines(f"{at}.principal", f"{at}.interest"),
        level=1,
    )
    sh.add_flow(f"{at}.principal", "其中：还本", "of which: principal", level=1, numbered=False)
    sh.add_flow(f"{at}.interest", "其中：付息", "of which: interest", level=1, numbered=False)
    sh.add_flow(f"{at}.fees", "发行及兑付费", "Issuance and payment fees", level=1)
    sh.add_balance(f"{at}.closing", "期末余额", "Closing balance", level=1)


def _loan_service_rows(sh: _Sheet, name: str) -> None:
    """The rows of loan ``name`` in 借款还本付息计划表: opening balance, drawdown, interest
    accrued, construction interest capitalised, debt service (of which scheduled principal,
    prepayment, interest paid = accrued − capitalised), fees, closing balance [money]."""
    at = f"loan[{name}]"
    paid = sh.lines(f"{at}.interest") - sh.lines(f"{at}.capitalised")
    sh.heading(at, name, f"Loan: {name}")
    sh.add_balance(f"{at}.opening", "期初借款余额", "Opening balance", level=1, opening=True)
    sh.add_flow(f"{at}.draw", "当期借款", "Drawdown", level=1)
    sh.add_flow(f"{at}.interest", "当期应计利息", "Interest accrued", level=1)
    sh.add_flow(
        f"{at}.capitalised", "建设期利息资本化", "Construction interest capitalised", level=1
    )
    sh.add_flow(
        f"{at}.service",
        "当期还本付息",
        "Debt service",
        sh.lines(f"{at}.principal", f"{at}.prepayment") + paid,
        level=1,
    )
    sh.add_flow(
        f"{at}.principal",
        "其中：还本",
        "of which: scheduled principal",
        level=1,
        numbered=False,
    )
    sh.add_flow(
        f"{at}.prepayment", "其中：提前还款", "of which: prepayment", level=1, numbered=False
    )
    sh.add_flow(
        f"{at}.interest_paid",
        "其中：付息",
        "of which: interest paid",
        paid,
        level=1,
        numbered=False,
    )
    sh.add_flow(
        f"{at}.fees",
        "融资费用",
        "Up-front and commitment fees",
        sh.lines(f"{at}.upfront_fee", f"{at}.commitment_fee"),
        level=1,
    )
    sh.add_balance(f"{at}.closing", "期末借款余额", "Closing balance", level=1)


def debt_service(result: Result, scenario: int = 0) -> pd.DataFrame:
    """借款还本付息计划表 — each loan and bond tranche: opening balance, drawdown or issue,
    for loans the interest accrued and the construction interest capitalised into the
    balance (建设期利息资本化), debt service (principal, prepayment, interest paid), fees,
    closing balance; the totals; and by year 偿债备付率 (DSCR = ``cash.cfads`` / bond and
    loan debt service), the loan DSCR after bond service, and 利息备付率 (ICR = ``pl.ebit``
    / ``finance.interest_expensed``).

    Each loan's corkscrew closes: opening + drawdown + capitalised − principal − prepayment
    = closing. Interest paid (``付息``) is the interest accrued less the part capitalised;
    in construction the rest of it is paid by interest subsidies. Bonds pay their
    construction interest from the construction sources (nothing is capitalised into a bond).

    Ratios show in fully operating, held years with a positive denominator (NaN
    elsewhere), the years ``min_dscr`` / ``min_icr`` are taken over; those metrics and the
    LLCR / PLCR are in ``attrs["indicators"]``.
    """
    sh = _Sheet(result, scenario, "debt_service")
    loans = sh.ids("loan[", "].opening")
    bonds = sh.ids("bond[", "].opening")
    for name in loans:
        _loan_service_rows(sh, name)
    for name in bonds:
        _bond_service_rows(sh, name)

    _debt_totals(sh, loans, bonds)

    _debt_ratios(sh)
    return sh.frame()


def _debt_ratios(sh: _Sheet) -> None:
    """The ratio rows of 借款还本付息计划表 by year, over the test years (fully in
    operation, held, no exit; ``metrics_funding.test_years``), NaN where the denominator is
    not due or the ratio is not shown (a negative numerator, a negligible denominator:
    ``ratios.shown``): the 第三版 偿债备付率 = (EBITDA − 所得税) / 当期应还本付息额 and 利息备付率
    = EBIT / 当期应付利息 (EBIT = 利润总额 + 利息支出), then the bank's DSCR on CFADS (all debt,
    and the loans after special-bond service)."""
    result = sh.result
    rows = _ratio_rows(sh)
    ebit, ebitda_less_tax = cn_numerators(result.ledger)
    s = sh.scenario
    cfads = sh.flow("cash.cfads")
    bond_ds = sh.flow("cash.bond_debt_service")
    loan_ds = sh.flow("cash.loan_service_due")
    for key, zh, en, num, den in (
        (
            "dscr_cn",
            "偿债备付率",
            "Debt service coverage ratio (第三版)",
            sh.flow(ebitda_less_tax[min(s, ebit.shape[0] - 1)]),
            bond_ds + loan_ds,
        ),
        (
            "icr",
            "利息备付率",
            "Interest coverage ratio (第三版)",
            sh.flow(ebit[min(s, ebit.shape[0] - 1)]),
            sh.flow("finance.interest_expensed"),
        ),
        (
            "dscr",
            "DSCR（银行口径，全部债务）",
            "DSCR (bank: CFADS / all debt service due)",
            cfads,
            bond_ds + loan_ds,
        ),
        (
            "loan_dscr",
            "贷款DSCR（专项债优先偿付后）",
            "Loan DSCR after special-bond service (bank)",
            cfads - bond_ds,
            loan_ds,
        ),
    ):
        sh.add_yearly(key, zh, en, shown(num[None, :], den[None, :], rows[None, :])[0], RATIO)
    for key in (
        "min_dscr_cn",
        "min_icr",
        "min_loan_dscr",
        "min_dscr",
        "avg_dscr",
        "min_llcr",
        "plcr",
    ):
        sh.metric(key)


# --------------------------------------------------------------------------------------
# 13. 专项债收益与融资平衡表
# --------------------------------------------------------------------------------------


def _coverage_income_rows(sh: _Sheet) -> np.ndarray:
    """项目收益 of 专项债券项目收益与融资平衡表 (``cash.net_income_for_coverage``) and the
    rows it nets: revenue incl. output VAT, operating costs incl. input VAT, taxes,
    interest earned, the VAT refund, working capital and the maintenance reserve (each
    when a run has it); return the income by year, (Y,) [money]."""
    income = sh.add_flow(
        "cash.net_income_for_coverage", "项目收益", "Project income for debt service"
    )
    sh.add_flow(
        "income.revenue",
        "营业收入（含销项税额）",
        "Revenue incl. output VAT",
        sh.lines("revenue.total", "tax.output_vat"),
        level=1,
    )
    sh.add_flow(
        "income.opex",
        "减：经营成本（含进项税额）",
        "less: operating costs incl. input VAT",
        sh.lines("opex.total", "opex.input_vat"),
        level=1,
    )
    sh.add_flow(
        "income.taxes",
        "减：税金（增值税、税金及附加、所得税）",
        "less: VAT, taxes and surcharges, income tax",
        sh.lines("tax.vat_payable", "tax.taxes_and_surcharges", "tax.income_tax"),
        level=1,
    )
    if sh.nonzero("finance.interest_income"):
        sh.add_flow(
            "finance.interest_income",
            "加：利息收入（货币资金及准备金）",
            "plus: interest earned on cash and reserves",
            level=1,
        )
    if sh.nonzero("tax.vat_refund"):
        sh.add_flow(
            "tax.vat_refund",
            "加：增值税留抵退税",
            "plus: refund of the retained VAT credit",
            level=1,
        )
    if sh.nonzero("wc.level"):
        sh.add_flow(
            "income.working_capital",
            "减：流动资金增加（扣除回收）",
            "less: working capital invested net of recovered",
            sh.lines("wc.investment") - sh.lines("wc.recovery"),
            level=1,
        )
    if "reserve.mmra.contribution" in sh.result.ledger:
        sh.add_flow(
            "income.mmra",
            "减：大中修准备金计提（扣除使用）",
            "less: maintenance reserve contributions net of releases",
            sh.lines("reserve.mmra.contribution") - sh.lines("reserve.mmra.release"),
            level=1,
        )
    return income


def _bond_balance_service_rows(sh: _Sheet) -> tuple[np.ndarray, np.ndarray]:
    """The debt-service rows of 专项债券项目收益与融资平衡表: special-bond principal (net of
    refinancing) and interest, the bond-repayment reserve after a REIT exit (when there
    is one), market-financing principal and interest; return the bond and the loan debt
    service by year, (Y,) each [money]."""
    bond = sh.add_flow(
        "cash.bond_debt_service", "专项债券还本付息", "Special-bond principal and interest"
    )
    sh.add_flow(
        "bond.principal_net",
        "还本",
        "Principal (net of refinancing)",
        sh.lines("bond.principal") - sh.lines("bond.refinanced"),
        level=1,
    )
    sh.add_flow("bond.interest", "付息", "Interest", level=1)
    if "escrow.closing" in sh.result.ledger:  # a bond held to maturity after a REIT exit
        sh.add_flow("escrow.deposit", "偿债准备金专户存入", "Bond-repayment reserve deposit")
        sh.add_flow(
            "escrow.release", "偿债准备金专户支付专项债本息", "Bond service paid from the reserve"
        )
        sh.add_balance("escrow.closing", "偿债准备金专户余额", "Bond-repayment reserve balance")
    loan = sh.add_flow(
        "cash.loan_debt_service", "市场化融资还本付息", "Market financing principal and interest"
    )
    loan_principal = sh.lines("loan.principal", "loan.prepayment")
    sh.add_flow(
        "loan.principal_all", "还本", "Principal (incl. prepayment)", loan_principal, level=1
    )
    sh.add_flow(
        "loan.interest_paid",
        "付息",
        "Interest",
        sh.lines("cash.loan_debt_service") - loan_principal,
        level=1,
    )
    return bond, loan


def _coverage_rows(sh: _Sheet, income: np.ndarray, bond: np.ndarray, loan: np.ndarray) -> None:
    """The annual coverage rows of 专项债券项目收益与融资平衡表 from the income, bond and
    loan debt service by year (``income``, ``bond``, ``loan``, (Y,) [money]): the bond
    coverage in the test years of the bond's life, the total-debt coverage in the test
    years (NaN elsewhere) [multiple]."""
    rows = _ratio_rows(sh)
    bond_pi = sh.p("cash.bond_debt_service")
    bond_life = window(
        ((sh.p("bond.closing") > 1e-9) | (bond_pi > 1e-9) | (sh.p("bond.issue") > 0))[None, :]
    )[0]
    in_life = sh.flow(bond_life.astype(float)) > 0
    sh.add_yearly(
        "coverage.bond",
        "年度专项债本息覆盖倍数",
        "Annual special-bond coverage",
        shown(
            sh.flow(sh.p("cash.net_income_for_coverage") * bond_life)[None, :],
            bond[None, :],
            (in_life & rows)[None, :],
        )[0],
        RATIO,
    )
    sh.add_yearly(
        "coverage.total",
        "年度全部债务本息覆盖倍数",
        "Annual total-debt coverage",
        safe_ratio(income, bond + loan, rows),
        RATIO,
    )


def _bond_balance_indicators(sh: _Sheet) -> None:
    """The indicators of 专项债券项目收益与融资平衡表: the whole-life coverage multiples,
    the minimum annual coverage and cumulative cash, and the covenant floors."""
    for key in (
        "bond_coverage",
        "total_debt_coverage",
        "residual_coverage",
        "min_annual_cash_coverage",
        "min_cumulative_cash",
    ):
        sh.metric(key)
    cov = sh.result.spec.funding.covenants
    sh.indicator(
        "min_bond_coverage",
        cov.min_bond_coverage,
        "专项债本息覆盖倍数下限",
        "Floor: bond coverage",
        "ratio",
    )
    sh.indicator(
        "min_total_coverage",
        cov.min_total_coverage,
        "全部债务本息覆盖倍数下限",
        "Floor: total-debt coverage",
        "ratio",
    )


def bond_balance(result: Result, scenario: int = 0) -> pd.DataFrame:
    """专项债券项目收益与融资平衡表 — project income for debt service
    (``cash.net_income_for_coverage``: revenue and output VAT, less operating costs with
    their input VAT, less taxes, plus interest earned on cash, less the maintenance
    reserve's contributions net of its releases; fiscal subsidies and the REIT exit
    proceeds excluded), the exit proceeds on a line apart,
    special-bond
    principal and interest (``cash.bond_debt_service``), market-financing principal and
    interest (``cash.loan_debt_service``; its interest row is that line less the principal,
    so the two rows add up to the ledger's debt service), the income left after bond
    service, the year's surplus after all debt service and its cumulative value (偿债准备),
    the annual coverage by year (bond only; bond and loans), and 累计盈余资金 of the
    financial plan.

    The annual bond coverage is shown in the years the minimum annual coverage metric
    reads (fully operating, held years in the bond's life). ``attrs["indicators"]``: the
    whole-life coverage multiples ``bond_coverage``, ``total_debt_coverage`` and
    ``residual_coverage`` (sums over the debt's life, not of the columns shown), the
    minimum annual coverage and cumulative cash, and the covenant floors.
    """
    sh = _Sheet(result, scenario, "bond_balance")
    ni = _coverage_income_rows(sh)
    sh.add_flow(
        "reit.net_proceeds", "资产处置收入（REITs退出，单列）", "REIT exit net proceeds (apart)"
    )
    bond, loan = _bond_balance_service_rows(sh)
    income, bond_ds, loan_ds = (
        "cash.net_income_for_coverage",
        "cash.bond_debt_service",
        "cash.loan_debt_service",
    )
    sh.add_sum(
        "after_bond",
        "偿还专项债本息后项目收益",
        "Income left after bond service",
        [income],
        [bond_ds],
    )
    sh.add_sum(
        "surplus",
        "当年资金结余",
        "Surplus after all debt service",
        [income, "reit.net_proceeds"],
        [bond_ds, loan_ds],
    )
    sh.add_cumulative(
        "surplus.cumulative",
        "累计资金结余（偿债准备）",
        "Cumulative surplus after debt service",
        "surplus",
    )
    _coverage_rows(sh, ni, bond, loan)
    sh.add_balance(
        "cash.cumulative_surplus",
        "累计盈余资金（财务计划现金流量表）",
        "Cumulative cash surplus (financial plan)",
    )
    _bond_balance_indicators(sh)
    return sh.frame()
