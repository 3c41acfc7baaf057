"""Readings of the ledger that several standard tables share (sums of lines, masks, the
loans and grants of the spec) and the rows they show alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from renewfin.core.investment import credited_vat_per_gross, input_vat_credit_share
from renewfin.metrics_funding import test_years
from renewfin.spec.tax import resolve_tax
from renewfin.tables.sheet import C, Lines, _Sheet, lagged

if TYPE_CHECKING:
    from renewfin.engine import Result


# --------------------------------------------------------------------------------------
# Shared readings of the ledger
# --------------------------------------------------------------------------------------


def _item_credited_vat(result: Result) -> dict[str, float]:
    """Input VAT credited per unit of each investment item's amount (incl. VAT): the
    item's own rate or the tax preset's rate for its category, times the share credited
    (``core.investment.input_vat_credit_share``: 0 for handed-over works or when every
    stream is on the simplified method), as the investment stage uses [fraction]."""
    spec = result.spec
    rates = resolve_tax(spec.tax, spec.project.city_tier)
    return {
        i.name: credited_vat_per_gross(
            i.input_vat_rate if i.input_vat_rate is not None else rates.capex_input_vat[i.category],
            input_vat_credit_share(spec, i),
        )
        for i in spec.investment
    }


def _capital_shares(result: Result) -> tuple[dict[str, bool], dict[str, float]]:
    """Which capital grants count as project capital, and each bond tranche's capital share
    (from the compiled funding plan, else from the spec)."""
    plan = result.plan
    if plan is not None:
        return dict(plan.grants_capital), {tr.name: tr.capital_share for tr in plan.bonds}
    fs = result.spec.funding
    grants = {
        f.name: f.counts_as_capital for f in fs.fiscal_funds if f.use.value == "capital_grant"
    }
    return grants, {b.name: b.capital_share for b in fs.special_bonds}


def _operating_cash_flow(sh: _Sheet) -> Lines:
    """Operating cash flow before financing and income tax: revenue + output VAT +
    operating subsidies + working capital recovered − operating costs − their input VAT −
    VAT payable − taxes and surcharges − working capital invested (the cash the funding
    stage counts as a construction-period source)."""
    return sh.lines(
        "revenue.total",
        "tax.output_vat",
        "fiscal.operating_subsidies",
        "wc.recovery",
        "tax.vat_refund",
    ) - sh.lines(
        "opex.total",
        "opex.input_vat",
        "tax.vat_payable",
        "tax.taxes_and_surcharges",
        "wc.investment",
    )


def _masked(sh: _Sheet, x: Lines | np.ndarray, flag: str) -> Lines | np.ndarray:
    """``x`` counted only where ``flag`` is 1 (Lines stay Lines)."""
    return x.masked(flag) if isinstance(x, Lines) else sh.p(flag) * x


def _outside_construction(x: Lines) -> Lines:
    """``x`` counted only outside construction periods."""
    return x - x.masked(C)


def _cash_change(id: str, sign: float) -> Lines:
    """``sign`` × the change of the cash line ``id`` in each period (its value less its
    value in the period before)."""
    return Lines(((sign, id, None), (-sign, lagged(id), None)))


def _expensed_construction_interest(sh: _Sheet) -> Lines:
    """Construction-period interest, net of interest subsidies, that is not IDC because it
    is interest on the investment of phases already in operation (expensed, issue 17.6):
    bond interest and loan interest rolled into the balances or paid in cash in
    construction, less ``finance.interest_capitalised``. Zero with a single phase."""
    return sh.lines("bond.interest", "loan.capitalised", "loan.idc_paid").masked(C) - sh.lines(
        "finance.interest_capitalised"
    )


def _paid_interest_loans(result: Result) -> set[str]:
    """Names of the loans that pay their construction interest in cash."""
    return {ln.name for ln in result.spec.funding.loans if ln.construction_interest.value == "paid"}


def _subsidised_loans(result: Result) -> set[str]:
    """Names of the loans that an interest subsidy (贴息) applies to."""
    return {
        f.loan
        for f in result.spec.funding.fiscal_funds
        if f.use.value == "interest_subsidy" and f.loan is not None
    }


def _ratio_rows(sh: _Sheet) -> np.ndarray:
    """The test years (fully in operation, held, not the year of a REIT exit), where the
    ratios are assessed (``metrics_funding.test_years``), (Y,) bool."""
    rows = test_years(sh.result.ledger, sh.ppy)
    return np.asarray(rows[min(sh.scenario, rows.shape[0] - 1)], dtype=bool)


WC_INVESTMENT = ("wc.investment", "流动资金", "Working capital invested")
"""The row of the working capital invested (第三版: 流动资金, an outflow)."""
WC_RECOVERY = ("wc.recovery", "回收流动资金", "Working capital recovered")
"""The row of the working capital recovered in the last period held (an inflow)."""
VAT_REFUND = ("tax.vat_refund", "增值税留抵退税", "Refund of the retained VAT credit")
"""The row of the 留抵退税 received (an inflow)."""
