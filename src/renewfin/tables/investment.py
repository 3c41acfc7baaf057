"""The investment tables of 第三版: 建设投资估算表, 建设期利息估算表 and
项目总投资使用计划与资金筹措表."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from renewfin.core.investment import CATEGORY_ZH
from renewfin.spec.investment import InvestmentCategory
from renewfin.tables.readings import (
    _capital_shares,
    _cash_change,
    _expensed_construction_interest,
    _item_credited_vat,
    _masked,
    _operating_cash_flow,
    _paid_interest_loans,
    _subsidised_loans,
)
from renewfin.tables.sheet import EN, FLOW, NO, SHARE, TOTAL, VAT, ZH, C, Lines, _numbers, _Sheet

if TYPE_CHECKING:
    from renewfin.engine import Result


# --------------------------------------------------------------------------------------
# 1. 建设投资估算表
# --------------------------------------------------------------------------------------


def investment_estimate(result: Result, scenario: int = 0) -> pd.DataFrame:
    """建设投资估算表 — construction investment by category and item.

    Static: amounts (VAT included, as spent over construction) in ``合计 Total``, the
    deductible input VAT they include in ``VAT``, and each row's share of construction
    investment in ``SHARE``; no year columns. Rows: 1 工程费用 (建安工程费, 设备购置费 and
    their items), 2 工程建设其他费用 (other costs and land items), 3 预备费 (基本预备费,
    涨价预备费), 4 建设投资合计 (``capex.total``). Input VAT per item uses the item's rate or
    the tax preset's rate for its category; their sum is ``capex.input_vat``.
    ``attrs["levels"]`` gives each row's level (a row sums the rows one level below it
    that follow it; 建设投资合计 sums the level-0 rows) and ``attrs["leaves"]`` the
    investment items each row without sub-rows shows.
    """
    sh = _Sheet(result, scenario, "investment_estimate")
    spec = result.spec
    credited = _item_credited_vat(result)
    amount = {i.name: sh.p(f"capex.item[{i.name}]").sum() for i in spec.investment}
    vat = {n: a * credited[n] for n, a in amount.items()}
    total = sh.p("capex.total").sum()
    rows: list[tuple[str, str, str, float, float, int]] = []
    leaves: dict[str, list[str]] = {}  # row key → investment items it shows (no sub-rows)

    def items_of(cat: InvestmentCategory) -> list[str]:
        return [i.name for i in spec.investment if i.category is cat]

    def item_rows(names: list[str], level: int) -> None:
        for n in names:
            it = result.ledger.item(f"capex.item[{n}]")
            rows.append((f"capex.item[{n}]", n, it.en, amount[n], vat[n], level))
            leaves[f"capex.item[{n}]"] = [n]

    def category_row(
        cat: InvestmentCategory, level: int, zh: str | None = None, items: bool = True
    ) -> None:
        names = items_of(cat)
        if not names:
            return
        rows.append(
            (
                f"capex.category[{cat.value}]",
                zh or CATEGORY_ZH[cat],
                cat.value.replace("_", " ").capitalize(),
                sum(amount[n] for n in names),
                sum(vat[n] for n in names),
                level,
            )
        )
        if items:
            item_rows(names, level + 1)
        else:
            leaves[rows[-1][0]] = names

    def group(
        key: str, zh: str, en: str, cats: list[InvestmentCategory], extra: float = 0.0
    ) -> None:
        names = [n for c in cats for n in items_of(c)]
        rows.append(
            (key, zh, en, sum(amount[n] for n in names) + extra, sum(vat[n] for n in names), 0)
        )

    deed = sh.p("capex.deed_tax").sum() if "capex.deed_tax" in result.ledger else 0.0

    C = InvestmentCategory
    group("engineering", "工程费用", "Engineering costs", [C.CONSTRUCTION, C.EQUIPMENT])
    category_row(C.CONSTRUCTION, 1)
    category_row(C.EQUIPMENT, 1, "设备及工器具购置费")
    group(
        "other_costs", "工程建设其他费用", "Other construction costs", [C.OTHER_COSTS, C.LAND], deed
    )
    item_rows(items_of(C.OTHER_COSTS), 1)
    category_row(C.LAND, 1, "建设用地及征拆补偿费")
    if "capex.deed_tax" in result.ledger:
        rows.append(("capex.deed_tax", "契税", "Deed tax on land", deed, 0.0, 1))
        leaves["capex.deed_tax"] = []
    price = sh.p("capex.price_contingency").sum()
    cont = items_of(C.CONTINGENCY)
    rows.append(
        (
            "contingencies",
            "预备费",
            "Contingencies",
            sum(amount[n] for n in cont) + price,
            sum(vat[n] for n in cont),
            0,
        )
    )
    category_row(C.CONTINGENCY, 1, "基本预备费", items=len(cont) > 1)
    if not cont:
        rows.append(("capex.category[contingency]", "基本预备费", "Basic contingency", 0.0, 0.0, 1))
        leaves["capex.category[contingency]"] = []
    rows.append(("capex.price_contingency", "涨价预备费", "Price contingency", price, 0.0, 1))
    leaves["capex.price_contingency"] = []
    rows.append(
        ("capex.total", "建设投资合计", "Construction investment", total, sum(vat.values()), 0)
    )

    nums = _numbers([(r[5], True) for r in rows])
    records = [
        {
            NO: num,
            ZH: zh,
            EN: en,
            TOTAL: float(a),
            VAT: float(v),
            SHARE: float(a / total) if abs(total) > 1e-12 else np.nan,
        }
        for num, (_, zh, en, a, v, _) in zip(nums, rows, strict=True)
    ]
    df = pd.DataFrame(
        records,
        columns=[NO, ZH, EN, TOTAL, VAT, SHARE],
        index=pd.Index([r[0] for r in rows], name="key"),
    )
    sh.metric("total_investment")
    sh._attrs(df)
    df.attrs["kinds"] = {r[0]: FLOW for r in rows}
    df.attrs["levels"] = {r[0]: r[5] for r in rows}
    df.attrs["leaves"] = leaves
    return df


# --------------------------------------------------------------------------------------
# 2. 建设期利息估算表
# --------------------------------------------------------------------------------------


def _loan_construction_rows(sh: _Sheet, name: str, subsidised: bool, paid_in_cash: bool) -> None:
    """The rows of loan ``name`` in 建设期利息估算表: opening balance, drawdown, interest
    accrued in construction, the part interest subsidies pay (memo, when ``subsidised``),
    interest capitalised, construction interest paid in cash (``paid_in_cash``: the loan
    pays it by its terms; else shown when some did not fit in the facility), principal
    repaid, fees and closing balance [money]."""
    at = f"loan[{name}]"
    sh.heading(at, name, f"Loan: {name}")
    sh.add_balance(f"{at}.opening", "期初借款余额", "Opening balance", level=1, opening=True)
    sh.add_flow(f"{at}.draw", "当期借款", "Drawdown", level=1)
    accrued = sh.lines(f"{at}.interest").masked(C)
    sh.add_flow(
        f"{at}.accrued", "当期应计利息", "Interest accrued in construction", accrued, level=1
    )
    if subsidised:
        sh.add_flow(
            f"{at}.subsidy",
            "其中：财政贴息",
            "of which: paid by interest subsidies",
            accrued - sh.lines(f"{at}.capitalised", f"{at}.idc_paid"),
            level=1,
            numbered=False,
        )
    sh.add_flow(
        f"{at}.idc",
        "当期利息资本化（建设期利息）",
        "Interest capitalised into the balance (IDC)",
        f"{at}.capitalised",
        level=1,
    )
    if paid_in_cash:
        sh.add_flow(
            f"{at}.idc_paid",
            "当期现金支付的建设期利息",
            "Construction interest paid in cash",
            level=1,
        )
    elif sh.nonzero(f"{at}.idc_paid"):
        sh.add_flow(
            f"{at}.idc_paid",
            "当期现金支付的建设期利息（超出贷款额度）",
            "Construction interest paid in cash (beyond the facility)",
            level=1,
        )
    sh.add_flow(
        f"{at}.repaid",
        "当期还本",
        "Principal repaid",
        sh.lines(f"{at}.principal", f"{at}.prepayment"),
        level=1,
    )
    sh.add_flow(
        f"{at}.idc_fees",
        "其他融资费用",
        "Up-front and commitment fees",
        sh.lines(f"{at}.upfront_fee", f"{at}.commitment_fee").masked(C),
        level=1,
    )
    sh.add_balance(f"{at}.closing", "期末借款余额", "Closing balance", level=1)


def _bond_construction_rows(sh: _Sheet, name: str) -> None:
    """The rows of special-bond tranche ``name`` in 建设期利息估算表: opening balance, issue,
    principal repaid, interest and fees in construction, closing balance [money]."""
    at = f"bond[{name}]"
    sh.heading(at, f"专项债券：{name}", f"Special bond: {name}")
    sh.add_balance(f"{at}.opening", "期初余额", "Opening balance", level=1, opening=True)
    sh.add_flow(f"{at}.issue", "当期发行", "Issue", level=1)
    sh.add_flow(f"{at}.principal", "当期还本", "Principal repaid", level=1)
    sh.add_flow(
        f"{at}.idc",
        "当期利息（建设期利息）",
        "Interest during construction",
        sh.lines(f"{at}.interest").masked(C),
        level=1,
    )
    sh.add_flow(
        f"{at}.idc_fees",
        "发行及兑付费",
        "Issuance and payment fees",
        sh.lines(f"{at}.fees").masked(C),
        level=1,
    )
    sh.add_balance(f"{at}.closing", "期末余额", "Closing balance", level=1)


def construction_interest(result: Result, scenario: int = 0) -> pd.DataFrame:
    """建设期利息估算表 — interest and financing fees during construction, by loan and bond.

    Columns: the construction years. Loan interest of construction periods is rolled into
    the loan balance (建设期利息资本化, q_j = (P_{j−1} + A_j / 2) · i with P including the
    interest already rolled), net of any interest subsidy (贴息). For each loan: opening
    balance, drawdown, interest accrued (``当期应计利息``, gross), the part paid by interest
    subsidies (memo, when the loan has one), interest capitalised into the balance
    (``loan[…].capitalised``), the construction interest paid in cash
    (``loan[…].idc_paid``: all of it for a loan with ``construction_interest: paid``, else
    the part that no longer fitted in the facility, shown when there is any), principal
    repaid, up-front and commitment fees, closing balance — so that opening + drawdown +
    capitalised − repaid = closing and accrued − subsidy = capitalised + paid in cash. For
    each bond tranche: opening balance, issue, principal, interest (paid from the
    construction sources or from own funds), issuance and payment fees, closing balance.
    With several phases, the construction-period interest on the investment of phases
    already in operation is expensed, not capitalised (issue 17.6): ``idc.expensed`` (shown
    when there is any) takes it off. Then the totals ``finance.interest_capitalised``
    (建设期利息 = bond interest + loan interest net of subsidies, rolled in or paid in cash,
    − ``idc.expensed``) and ``finance.fees_capitalised``. Interest and fees count only in
    construction periods; balances and principal are the year's own.
    """
    sh = _Sheet(result, scenario, "construction_interest")
    c = sh.p("flag.construction")
    subsidised = _subsidised_loans(result)
    paid_loans = _paid_interest_loans(result)
    for name in sh.ids("loan[", "].opening"):
        _loan_construction_rows(sh, name, name in subsidised, name in paid_loans)
    for name in sh.ids("bond[", "].opening"):
        _bond_construction_rows(sh, name)
    expensed = _expensed_construction_interest(sh)
    if sh.nonzero(expensed):
        sh.add_flow(
            "idc.expensed",
            "减：已投入运营分期的利息（计入当期费用）",
            "less: interest on phases already in operation (expensed)",
            expensed,
        )
    sh.add_flow(
        "finance.interest_capitalised", "建设期利息合计", "Interest during construction (IDC)"
    )
    sh.add_flow(
        "finance.fees_capitalised", "建设期融资费用合计", "Financing fees during construction"
    )
    sh.add_flow(
        "total",
        "合计",
        "Total capitalised financing costs",
        sh.lines("finance.interest_capitalised", "finance.fees_capitalised"),
    )
    sh.metric("idc")
    return sh.frame(sh.years_with(c))


# --------------------------------------------------------------------------------------
# 3. 项目总投资使用计划与资金筹措表
# --------------------------------------------------------------------------------------


def _plan_uses(sh: _Sheet) -> None:
    """The uses of 项目总投资使用计划与资金筹措表, construction periods only: their total,
    construction investment, IDC, interest paid by subsidies, interest on phases already
    in operation (expensed), financing fees, the DSRA funded at completion, principal and
    income tax paid in construction, and the total project investment (memo) [money]."""
    sh.add_flow("su.uses", "资金使用合计", "Total uses of funds")
    sh.add_flow(
        "capex.total",
        "建设投资",
        "Construction investment",
        sh.lines("capex.total").masked(C),
        level=1,
    )
    sh.add_flow(
        "finance.interest_capitalised", "建设期利息", "Interest during construction", level=1
    )
    sh.add_flow(
        "uses.subsidised_interest",
        "建设期贴息支付的利息",
        "Loan interest in construction paid by interest subsidies",
        sh.lines("loan.interest").masked(C) - sh.lines("loan.capitalised", "loan.idc_paid"),
        level=1,
    )
    expensed = _expensed_construction_interest(sh)
    if sh.nonzero(expensed):
        sh.add_flow(
            "uses.expensed_interest",
            "建设期已投入运营分期的利息（计入当期费用）",
            "Construction-period interest on phases in operation (expensed)",
            expensed,
            level=1,
        )
    sh.add_flow(
        "finance.fees_capitalised", "建设期融资费用", "Financing fees during construction", level=1
    )
    dsra = sh.lines("cash.dsra_change").masked(C)
    if sh.nonzero(dsra):
        sh.add_flow(
            "uses.dsra",
            "完工时存入偿债准备金（DSRA）",
            "Debt-service reserve funded at completion",
            dsra,
            level=1,
        )
    sh.add_flow(
        "uses.principal",
        "建设期偿还债务本金",
        "Debt principal repaid in construction",
        sh.lines("bond.principal", "loan.principal").masked(C),
        level=1,
    )
    sh.add_flow(
        "uses.income_tax",
        "建设期所得税",
        "Income tax paid in construction",
        sh.lines("tax.income_tax").masked(C),
        level=1,
    )
    sh.add_flow(
        "invest.project_total",
        "其中：项目总投资",
        "of which: total project investment",
        sh.lines("invest.project_total").masked(C),
        level=1,
        numbered=False,
    )


SourceParts = dict[str, tuple[str, str, Lines]]
"""Sources of 项目总投资使用计划与资金筹措表: row key → (Chinese, English, Lines)."""


def _source_parts(sh: _Sheet) -> SourceParts:
    """Each source of funds of 项目总投资使用计划与资金筹措表 as the ledger lines it sums
    (masked to construction when written): sponsor equity, injections, the fund, capital
    grants counted as capital, the capital share of special bonds (an input of the
    table), the rest of the bonds, loans, loan interest capitalised, other grants,
    operating cash flow, interest subsidies, interest earned and cash on hand used."""
    grant_capital, bond_share = _capital_shares(sh.result)
    capital_grants = sh.lines(
        *(f"fiscal.grant[{n}]" for n, cap in grant_capital.items() if cap), optional=True
    )
    other_grants = sh.lines("fiscal.grants") - capital_grants
    bond_capital = Lines(
        tuple(
            (
                1.0,
                f"bond[{n}].issue",
                sh.param(
                    f"funding.special_bonds[{n}].capital_share",
                    share,
                    f"作资本金比例：{n}",
                    f"Capital share: {n}",
                ),
            )
            for n, share in bond_share.items()
            if share > 0 and f"bond[{n}].issue" in sh.result.ledger
        )
    )
    return {
        "equity.sponsor": ("股东资本金", "Sponsor equity", sh.lines("equity.sponsor")),
        "sources.injections": (
            "财政资本金注入",
            "State equity injections",
            sh.lines("fiscal.injections"),
        ),
        "sources.fund": ("城市更新基金出资", "Fund contribution", sh.lines("fund.contribution")),
        "sources.capital_grants": (
            "财政资本性补助（计入资本金）",
            "Capital grants counted as capital",
            capital_grants,
        ),
        "sources.bond_capital": (
            "专项债券（用作资本金）",
            "Special bonds used as capital",
            bond_capital,
        ),
        "sources.bonds": (
            "专项债券",
            "Special bonds (debt)",
            sh.lines("bond.issue") - bond_capital,
        ),
        "loan.draw": ("银行贷款", "Loans drawn", sh.lines("loan.draw")),
        "loan.capitalised": (
            "建设期利息资本化（计入贷款）",
            "Loan interest capitalised",
            sh.lines("loan.capitalised"),
        ),
        "sources.other_grants": (
            "财政资本性补助（不计入资本金）",
            "Capital grants not counted as capital",
            other_grants,
        ),
        "sources.operating_cash": (
            "建设期经营净现金流量",
            "Operating cash flow in construction",
            _operating_cash_flow(sh),
        ),
        "sources.interest_subsidies": (
            "贴息资金",
            "Interest subsidies",
            sh.lines("fiscal.interest_subsidies"),
        ),
        "sources.interest_income": (
            "建设期利息收入",
            "Interest earned in construction",
            sh.lines("finance.interest_income"),
        ),
        "sources.cash_used": (
            "动用期初现金余额",
            "Cash on hand used (− retained)",
            # cash on hand, reserves excluded: a DSRA funded at completion is a use above
            _cash_change("cash.balance", -1.0),
        ),
    }


def _source_sections(sh: _Sheet) -> list[tuple[str, str, str, list[str]]]:
    """The three groups of sources (项目资本金, 债务资金, 其他资金) as (key, Chinese,
    English, keys of ``_source_parts`` they sum); interest earned in construction shows
    only when there is any."""
    interest_income = sh.lines("finance.interest_income").masked(C)
    return [
        (
            "sources.capital",
            "项目资本金",
            "Project capital",
            [
                "equity.sponsor",
                "sources.injections",
                "sources.fund",
                "sources.capital_grants",
                "sources.bond_capital",
            ],
        ),
        ("sources.debt", "债务资金", "Debt", ["sources.bonds", "loan.draw", "loan.capitalised"]),
        (
            "sources.other",
            "其他资金",
            "Other sources",
            [
                "sources.other_grants",
                "sources.operating_cash",
                "sources.interest_subsidies",
                *(["sources.interest_income"] if sh.nonzero(interest_income) else []),
                "sources.cash_used",
            ],
        ),
    ]


def investment_plan(result: Result, scenario: int = 0) -> pd.DataFrame:
    """项目总投资使用计划与资金筹措表 — uses and sources of funds in the construction years.

    Uses (``su.uses``): construction investment, IDC (``finance.interest_capitalised``:
    bond interest and the loan interest net of subsidies, rolled into the balances or paid
    in cash), loan interest paid by interest subsidies (贴息; it does not enter the total
    investment), the construction-period interest on phases already in operation (expensed,
    not IDC; with several phases), financing fees, the DSRA funded at completion
    (``funding.dsra_funding: construction``), and — when they fall in construction — debt
    principal repaid and income tax. Sources
    (``su.sources``): 项目资本金 (sponsor equity, state equity injections, the fund,
    capital grants counted as capital, the capital share of special bonds), 债务资金 (the
    rest of the bonds, loan drawings, loan interest capitalised into the balances), 其他资金
    (grants not counted as capital, operating cash flow, interest subsidies and interest on
    cash received in construction, cash on hand used). Every row counts construction
    periods only, so sources equal uses in every column.
    """
    sh = _Sheet(result, scenario, "investment_plan")
    c = sh.p("flag.construction")
    _plan_uses(sh)
    parts = _source_parts(sh)
    sections = _source_sections(sh)
    sh.add_flow("su.sources", "资金筹措合计", "Total sources of funds")
    for key, zh, en, members in sections:
        sh.add_sum(key, zh, en, members, level=1)
        for m in members:
            mzh, men, series = parts[m]
            sh.add_flow(m, mzh, men, _masked(sh, series, C), level=2)
    sh.metric("total_project_investment")
    sh.metric("capital_ratio")
    return sh.frame(sh.years_with(c))
