"""Metrics of the funding stack: returns to each party, bank ratios, coverage multiples,
capital ratio and the fiscal view. Each is (S,), read from the ledger."""

from __future__ import annotations

import numpy as np

from renewfin import finance
from renewfin.financing.plan import FundingPlan
from renewfin.financing.sizing import Sizing
from renewfin.ledger import Ledger
from renewfin.metrics import note_reasons
from renewfin.notes import MetricNotes
from renewfin.ratios import (
    Minimum,
    Why,
    by_year,
    cover,
    coverage_sums,
    first_at_minimum,
    minimum,
    pv_from,
    safe_ratio,
    window,
)
from renewfin.spec.model import ProjectSpec

FUND_TIERS: dict[str, tuple[str, str]] = {
    "senior": ("优先级", "senior tranche"),
    "junior": ("劣后级", "junior tranche"),
}
"""The fund's two parties, tier → (Chinese suffix of the party's name, English name): the
party ``省城市更新基金优先级`` is the fund's senior tranche."""


def owners_cash(ledger: Ledger) -> np.ndarray:
    """(S, T) what the shareholders receive [money]: distributions, the terminal book value
    and, with a REIT exit, their net cash from the retained units and the reinvestment
    (``equity.reit_units``)."""
    out = ledger["equity.distribution"] + ledger["equity.terminal_value"]
    if "equity.reit_units" in ledger:
        out = out + ledger["equity.reit_units"]
    return out


def party_flows(ledger: Ledger, spec: ProjectSpec) -> dict[str, np.ndarray]:
    """Cash flows of each party (contributions negative), name → (S, T) [money].

    Shareholders (sponsors and state equity injections) share distributions and the
    terminal book value in proportion to what they contributed; fund tiers receive the
    fund waterfall."""
    out: dict[str, np.ndarray] = {}
    dist = owners_cash(ledger)
    contributions: dict[str, np.ndarray] = {}
    for party in spec.funding.equity_parties:
        contributions[party.name] = ledger[f"equity.party[{party.name}].contribution"]
    for id in ledger.ids(prefix="fiscal.injection["):
        contributions[id[len("fiscal.injection[") : -1]] = ledger[id]
    total = sum((c.sum(axis=1) for c in contributions.values()), np.zeros(ledger.n_scenarios))
    for name, c in contributions.items():
        share = safe_ratio(c.sum(axis=1), total)
        out[name] = -c + dist * np.nan_to_num(share)[:, None]
    fund = spec.funding.fund
    if fund is not None:
        contrib = ledger["fund.contribution"]
        out[fund.name + FUND_TIERS["senior"][0]] = (
            -contrib * fund.senior_share
            + ledger["fund.senior_return"]
            + ledger["fund.senior_capital"]
        )
        out[fund.name + FUND_TIERS["junior"][0]] = (
            -contrib * (1 - fund.senior_share)
            + ledger["fund.junior_return"]
            + ledger["fund.junior_capital"]
            + ledger["fund.upside"]
        )
    return out


def loan_discount_rate(
    plan: FundingPlan, sizing: Sizing, ppy: int, shape: tuple[int, int]
) -> np.ndarray:
    """Period rate at which LLCR and PLCR discount, (S, T): each loan's contractual period
    rate (annual rate / ppy, LPR path and spread included) weighted by its facility, in
    every period — after maturity too, so that the PLCR discounts the whole project life.
    Loans of zero size get equal weights (the rate only matters where a loan is drawn)."""
    s = shape[0]
    if not plan.loans:
        return np.zeros(shape)
    size = np.broadcast_to(sizing.facility, (len(plan.loans), s))
    total = size.sum(axis=0)
    even = total <= 1e-12
    weights = np.where(
        even[None, :], 1.0 / len(plan.loans), size / np.where(even, 1.0, total)[None, :]
    )
    rate = np.zeros(shape)
    for k, ln in enumerate(plan.loans):
        rate = rate + weights[k][:, None] * np.broadcast_to(ln.rate, shape) / ppy
    return rate


def funding_metrics(
    ledger: Ledger,
    spec: ProjectSpec,
    plan: FundingPlan,
    sizing: Sizing,
    diagnostics: list[str],
    equity_discount_rate: np.ndarray | None = None,
    notes: MetricNotes | None = None,
) -> dict[str, np.ndarray]:
    """Metrics of the funding stack, each (S,); the equity NPV at ``equity_discount_rate``
    ((S,) or (1,) [1/yr]; default ``evaluation.equity_discount_rate``). Why a ratio is
    undefined and where each minimum falls go to ``notes``."""
    notes = MetricNotes(np.zeros(ledger.n_periods)) if notes is None else notes
    out: dict[str, np.ndarray] = {}
    L = ledger.__getitem__
    total_inv = L("invest.project_total").sum(axis=1)
    out["total_project_investment"] = total_inv
    out["idc"] = L("finance.interest_capitalised").sum(axis=1)
    _returns(ledger, spec, diagnostics, equity_discount_rate, notes, out)
    _annual_ratios(ledger, spec, notes, out)
    _cover_ratios(ledger, plan, sizing, spec.periods_per_year, notes, out)
    _coverage(ledger, spec, notes, out)
    _capital(ledger, spec, plan, sizing, out)
    out.update(line_totals(ledger))
    return out


LINE_TOTALS = (
    ("escrow_deposit", "escrow.deposit"),
    ("reit_retained_units", "reit.retained_subscription"),
    ("reit_reinvested", "reit.reinvested"),
)
"""Metrics that are the whole-horizon sum of a line, recorded when the line is."""


def line_totals(ledger: Ledger) -> dict[str, np.ndarray]:
    """(S,) each ``LINE_TOTALS`` line's sum [money] where the ledger has it, and the
    land-revenue set-asides in all (``land_set_asides``) where there are any."""
    out = {key: ledger[id].sum(axis=1) for key, id in LINE_TOTALS if id in ledger}
    ids = ledger.ids(prefix="revenue.set_aside[")
    if ids:
        out["land_set_asides"] = sum(ledger[i].sum(axis=1) for i in ids)
    return out


def _returns(
    ledger: Ledger,
    spec: ProjectSpec,
    diagnostics: list[str],
    equity_discount_rate: np.ndarray | None,
    notes: MetricNotes,
    out: dict[str, np.ndarray],
) -> None:
    """Equity IRR and NPV, and each party's IRR and MOIC, into ``out``: NaN with "no equity
    at risk" where what a party paid in is below 0.1 % of the total investment."""
    ppy = spec.periods_per_year
    L = ledger.__getitem__
    scale = np.maximum(np.abs(L("invest.project_total").sum(axis=1)), 1e-12)
    owners = -L("equity.shareholders_in") + owners_cash(ledger)
    irr, reasons = finance.irr(owners, ppy, with_reason=True)
    at_risk = L("equity.shareholders_in").sum(axis=1) >= 1e-3 * scale
    note_reasons(diagnostics, "equity_irr", np.where(at_risk, np.asarray(reasons), 0))
    out["equity_irr"] = np.where(at_risk, np.asarray(irr), np.nan)
    notes.note("equity_irr", np.where(at_risk, Why.OK, Why.NO_EQUITY))
    ev = spec.evaluation
    rate = ev.equity_discount_rate if equity_discount_rate is None else equity_discount_rate
    out["equity_npv"] = np.asarray(finance.npv(rate, owners, ppy))
    _other_reinvestment_convention(ledger, spec, owners, at_risk, out)
    for name, flows in party_flows(ledger, spec).items():
        paid_in = np.maximum(-flows, 0.0).sum(axis=1)
        risk = paid_in >= 1e-3 * scale
        why = np.where(risk, Why.OK, Why.NO_EQUITY)
        out[f"party_irr[{name}]"] = np.where(risk, np.asarray(finance.irr(flows, ppy)), np.nan)
        moic = safe_ratio(np.maximum(flows, 0.0).sum(axis=1), paid_in)
        out[f"party_moic[{name}]"] = np.where(risk, moic, np.nan)
        notes.note(f"party_irr[{name}]", why)
        notes.note(f"party_moic[{name}]", why)


def _other_reinvestment_convention(
    ledger: Ledger,
    spec: ProjectSpec,
    owners: np.ndarray,
    at_risk: np.ndarray,
    out: dict[str, np.ndarray],
) -> None:
    """``equity_irr_other_convention`` (S,) [1/yr] into ``out`` where the shareholders
    reinvest recovered REIT money (``reit.reinvested``): the equity IRR with the reinvested
    money treated the other way than ``reit_exit.reinvestment_counts_as_return`` says, so
    that both figures can be shown (the reinvested money added back to ``owners`` (S, T)
    [money] when it is left out, taken off when it counts)."""
    rx = spec.funding.reit_exit
    if rx is None or "reit.reinvested" not in ledger:
        return
    sign = -1.0 if rx.reinvestment_counts_as_return else 1.0
    other = owners + sign * ledger["reit.reinvested"]
    irr = np.asarray(finance.irr(other, spec.periods_per_year))
    out["equity_irr_other_convention"] = np.where(at_risk, irr, np.nan)


def test_years(ledger: Ledger, ppy: int) -> np.ndarray:
    """(S|1, Y) model years in which the ratios are assessed: fully in operation, held,
    and not the year of a REIT exit (``renewfin.financing.bounds.test_year``)."""
    operating = by_year(ledger["flag.construction"], ppy) == 0
    held = by_year(ledger["flag.held"], ppy) >= ppy - 1e-9
    exit_year = by_year(ledger["reit.net_proceeds"], ppy) > 0
    return operating & held & ~exit_year


def _noted(out: dict[str, np.ndarray], notes: MetricNotes, key: str, m: Minimum, ppy: int) -> None:
    """``out[key]`` = the minimum ``m`` (by model year), its reasons and binding years."""
    out[key] = m.value
    notes.note(key, m.why, np.where(m.at >= 0, m.at * ppy, -1))


def bond_life(ledger: Ledger) -> np.ndarray:
    """(S, T) the periods from a special bond's issue to its last service."""
    L = ledger.__getitem__
    return window(
        (L("bond.closing") > 1e-9) | (L("cash.bond_debt_service") > 1e-9) | (L("bond.issue") > 0)
    )


def annual_cover_terms(
    ledger: Ledger, spec: ProjectSpec
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The annual covers by model year as (numerator (S, Y) [money], denominator (S, Y)
    [money], the years tested (S|1, Y)); each metric's minimum is taken over these:

    - ``dscr``: bank DSCR, CFADS / (bond + loan service due) (``min_dscr``, ``avg_dscr``);
    - ``loan_dscr``: (CFADS − bond service) / loan service due (``min_loan_dscr``);
    - ``dscr_cn``: 偿债备付率 (第三版), (EBITDA − 所得税) / 应还本付息额 (``min_dscr_cn``);
    - ``icr``: 利息备付率 (第三版), EBIT / 应付利息 (``min_icr``);
    - ``bond_cover``: net income for coverage / special-bond service, in the bond's life
      (``min_annual_cash_coverage``).

    Debt service due is interest and scheduled principal (no prepayment); the test years
    are ``test_years``."""
    ppy = spec.periods_per_year
    L = ledger.__getitem__
    rows = test_years(ledger, ppy)
    cfads = by_year(L("cash.cfads"), ppy)
    bond_ds = by_year(L("cash.bond_debt_service"), ppy)
    loan_ds = by_year(L("cash.loan_service_due"), ppy)
    ebit, ebitda_less_tax = (by_year(x, ppy) for x in cn_numerators(ledger))
    interest = by_year(L("finance.interest_expensed"), ppy)
    life = bond_life(ledger)
    return {
        "dscr": (cfads, bond_ds + loan_ds, rows),
        "loan_dscr": (cfads - bond_ds, loan_ds, rows),
        "dscr_cn": (ebitda_less_tax, bond_ds + loan_ds, rows),
        "icr": (ebit, interest, rows),
        "bond_cover": (
            by_year(L("cash.net_income_for_coverage") * life, ppy),
            bond_ds,
            rows & (by_year(life.astype(float), ppy) > 0),
        ),
    }


def _annual_ratios(
    ledger: Ledger, spec: ProjectSpec, notes: MetricNotes, out: dict[str, np.ndarray]
) -> None:
    """The minima of the annual covers (``annual_cover_terms``) over their test years: the
    bank DSCR on CFADS of all debt (``min_dscr``, ``avg_dscr``) and of the loans after
    special-bond service (``min_loan_dscr``); the 第三版 ratios 偿债备付率 (``min_dscr_cn``)
    and 利息备付率 (``min_icr``); the special bond's annual cash cover
    (``min_annual_cash_coverage``)."""
    ppy = spec.periods_per_year
    terms = annual_cover_terms(ledger, spec)
    m = minimum(*terms["dscr"])
    _noted(out, notes, "min_dscr", m, ppy)
    out["avg_dscr"] = m.mean
    notes.note("avg_dscr", m.why, np.where(m.at >= 0, m.at * ppy, -1))  # as the workbook
    for key, name in (
        ("loan_dscr", "min_loan_dscr"),
        ("dscr_cn", "min_dscr_cn"),
        ("icr", "min_icr"),
        ("bond_cover", "min_annual_cash_coverage"),
    ):
        _noted(out, notes, name, minimum(*terms[key]), ppy)


def cn_numerators(ledger: Ledger) -> tuple[np.ndarray, np.ndarray]:
    """The numerators of the 第三版 ratios by period, (S, T) [money]: EBIT = 利润总额 + 计入
    总成本费用的利息支出, and EBITDA − 所得税 = EBIT + 折旧摊销 − 所得税, the depreciation net of
    what the grants bear and less the deferred grant income released (both non-cash)."""
    ebit = ledger["pl.profit_before_tax"] + ledger["finance.interest_expensed"]
    grant_income = ledger["grant.release"] + ledger["grant.cost_offset"]
    return ebit, ebit + ledger["dep_fin.total"] - grant_income - ledger["tax.income_tax"]


def cash_for_loans(ledger: Ledger) -> np.ndarray:
    """Cash held at the start of each period for the debt, (S, T) [money]: cash and the
    reserves (偿债准备: the DSRA, cash kept for a bullet bond) at the end of the period
    before, never below 0."""
    held = ledger["cash.cumulative_surplus"]
    opening = np.concatenate([np.zeros_like(held[:, :1]), held[:, :-1]], axis=1)
    return np.maximum(opening, 0.0)


def llcr_terms(
    ledger: Ledger, plan: FundingPlan, sizing: Sizing, ppy: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The terms of the LLCR in each period, each (S, T): its numerator (PV at the loans'
    contractual rates of CFADS after special-bond service over the loan life, + cash held
    for the debt, ``cash_for_loans``) [money], its denominator (the loans' opening balance
    with the period's drawings) [money], and the periods it is tested on (the start of each
    test year with a balance). ``min_llcr`` is the minimum of their ratio over those
    periods; the report's LLCR by year reads the same terms."""
    L = ledger.__getitem__
    shape = L("cash.cfads").shape
    opening = sum(
        (L(f"loan[{ln.name}].opening") + L(f"loan[{ln.name}].draw") for ln in plan.loans),
        np.zeros(shape),
    )
    rate = loan_discount_rate(plan, sizing, ppy, shape)
    x = L("cash.cfads") - L("cash.bond_debt_service")
    loan_life = window(opening > 1e-9)
    starts = np.zeros(shape, dtype=bool)
    starts[:, ::ppy] = test_years(ledger, ppy)
    value = pv_from(x * loan_life, rate) + cash_for_loans(ledger)
    return value, opening, loan_life & starts


def cash_test_periods(ledger: Ledger) -> np.ndarray:
    """(S, T) the periods ``min_cumulative_cash`` is taken over: in operation, held, and
    before the last period held (which pays out everything)."""
    L = ledger.__getitem__
    last = np.arange(ledger.n_periods)[None, :] >= held_until(ledger)[:, None]
    return np.asarray((L("flag.construction") == 0) & (L("flag.held") > 0) & ~last)


def _cover_ratios(
    ledger: Ledger,
    plan: FundingPlan,
    sizing: Sizing,
    ppy: int,
    notes: MetricNotes,
    out: dict[str, np.ndarray],
) -> None:
    """LLCR and PLCR: (PV at the loans' contractual rates of CFADS after bond service over
    the loan life, or the project life, + cash held for the debt) / loan balance, at the
    start of each test year with a balance (LLCR: the minimum; PLCR: at the first)."""
    L = ledger.__getitem__
    shape = L("cash.cfads").shape
    value, opening, rows = llcr_terms(ledger, plan, sizing, ppy)
    m = minimum(value, opening, rows)
    out["min_llcr"] = m.value
    notes.note("min_llcr", m.why, m.at)
    rate = loan_discount_rate(plan, sizing, ppy, shape)
    x = L("cash.cfads") - L("cash.bond_debt_service")
    pv_project = pv_from(x * (L("flag.held") > 0), rate) + cash_for_loans(ledger)
    first = np.argmax(rows, axis=1)
    idx = np.arange(shape[0])
    value, why = cover(pv_project[idx, first], opening[idx, first])
    has = rows.any(axis=1)
    out["plcr"] = np.where(has, value, np.nan)
    notes.note("plcr", np.where(has, why, Why.NOT_DUE))


def _coverage(
    ledger: Ledger, spec: ProjectSpec, notes: MetricNotes, out: dict[str, np.ndarray]
) -> None:
    """本息覆盖倍数 over the debt's life (NaN with a reason when income is negative or the
    service negligible): the bond's on project income, the total-debt and residual ones
    with the REIT exit proceeds (which repay the loans first), and with an exit the bond's
    with its proceeds too (``bond_coverage_with_exit``); and the minimum cumulative cash
    over the periods of operation (``cash_test_periods``)."""
    L = ledger.__getitem__
    ni = L("cash.net_income_for_coverage")
    bond_pi = L("cash.bond_debt_service")
    loan_pi = L("cash.loan_debt_service")
    opening = (
        L("loan.closing") + L("loan.principal") + L("loan.prepayment") - L("loan.capitalised")
    )  # opening balances with the period's drawings
    life = bond_life(ledger)
    debt_life = window(life | (opening > 1e-9) | (loan_pi > 1e-9))
    # The bond's multiple on project income, the exit proceeds apart; the loans, which
    # the proceeds repay first, are covered with them (DOMAIN.md §5).
    with_exit = coverage_sums(ni + L("reit.net_proceeds"), bond_pi, loan_pi, life, debt_life)
    sums = {
        **with_exit,
        "bond_coverage": coverage_sums(ni, bond_pi, loan_pi, life, debt_life)["bond_coverage"],
    }
    if spec.funding.reit_exit is not None:
        sums["bond_coverage_with_exit"] = with_exit["bond_coverage"]
    no_revenue = np.abs(L("revenue.total")).sum(axis=1) <= 1e-12
    for key, (num, den) in sums.items():
        value, why = cover(num, den)
        why = np.where(no_revenue & (why == Why.NEGATIVE), Why.NO_REVENUE, why)
        out[key] = value
        notes.note(key, why)
    operating = cash_test_periods(ledger)
    cash = np.where(operating, L("cash.cumulative_surplus"), np.inf)
    any_op = operating.any(axis=1)
    out["min_cumulative_cash"] = np.where(any_op, cash.min(axis=1), np.nan)
    notes.note(
        "min_cumulative_cash",
        np.where(any_op, Why.OK, Why.NOT_DUE),
        np.where(any_op, first_at_minimum(cash), -1),
    )


def held_until(ledger: Ledger) -> np.ndarray:
    """(S,) the last period the asset is held."""
    held = np.broadcast_to(ledger["flag.held"] > 0, (ledger.n_scenarios, ledger.n_periods))
    return ledger.n_periods - 1 - np.argmax(held[:, ::-1], axis=1)


def fund_capital(ledger: Ledger, spec: ProjectSpec) -> np.ndarray:
    """(S,) the fund's contributions that count as project capital [money]: all but its
    debt-like tiers (明股实债, ``Fund.debt_like``)."""
    fund = spec.funding.fund
    kept = 0.0 if fund is None else 1.0 - fund.debt_like_share
    return kept * ledger["fund.contribution"].sum(axis=1)


def _capital(
    ledger: Ledger,
    spec: ProjectSpec,
    plan: FundingPlan,
    sizing: Sizing,
    out: dict[str, np.ndarray],
) -> None:
    """Capital ratio (the fund's debt-like tiers left out), the share of it that
    equity-type instruments make up (``equity_instrument_share``, with a fund), the
    fiscal view and the amounts raised, into ``out``."""
    L = ledger.__getitem__
    total_inv = out["total_project_investment"]
    shape = L("capex.total").shape
    fund = fund_capital(ledger, spec)
    capital = (L("equity.sponsor") + L("fiscal.injections")).sum(axis=1) + fund
    for name, flows in plan.grants.items():
        if plan.grants_capital[name]:
            capital = capital + np.broadcast_to(flows, shape).sum(axis=1)
    for tr in plan.bonds:
        if tr.capital_share > 0:
            capital = capital + tr.capital_share * np.broadcast_to(tr.schedule.issue, shape).sum(
                axis=1
            )
    out["capital_ratio"] = safe_ratio(capital, total_inv)
    if spec.funding.fund is not None:
        out["equity_instrument_share"] = safe_ratio(fund, capital)
    out["sponsor_equity"] = L("equity.sponsor").sum(axis=1)
    out["fiscal_outlay"] = L("fiscal.total").sum(axis=1)
    capital_fiscal = (L("fiscal.grants") + L("fiscal.injections")).sum(axis=1)
    out["fiscal_leverage"] = safe_ratio(total_inv, capital_fiscal)
    out["bond_amount"] = sum(
        (
            np.broadcast_to(tr.schedule.issue, shape).sum(axis=1)
            for tr in plan.bonds
            if tr.refinancing_of is None
        ),
        np.zeros(ledger.n_scenarios),
    )
    out["loan_amount"] = L("loan.draw").sum(axis=1)
    for k, ln in enumerate(plan.loans):
        out[f"loan_size[{ln.name}]"] = sizing.facility[k]
