"""Metrics of the funding stack: returns to each party, bank ratios, coverage multiples,
capital ratio and the fiscal view. Each is (S,), read from the ledger."""

from __future__ import annotations

import numpy as np

from renewfin import finance
from renewfin.financing.plan import FundingPlan
from renewfin.financing.sizing import Sizing
from renewfin.ledger import Ledger
from renewfin.metrics import note_reasons
from renewfin.ratios import (
    by_year,
    coverage_multiples,
    nan_min,
    nan_min_mean,
    pv_from,
    safe_ratio,
    window,
)
from renewfin.spec.model import ProjectSpec


def party_flows(ledger: Ledger, spec: ProjectSpec) -> dict[str, np.ndarray]:
    """Cash flows of each party (contributions negative), name → (S, T) [money].

    Shareholders (sponsors and state equity injections) share distributions and the
    terminal book value in proportion to what they contributed; fund tiers receive the
    fund waterfall."""
    out: dict[str, np.ndarray] = {}
    dist = ledger["equity.distribution"] + ledger["equity.terminal_value"]
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
        out[f"{fund.name}优先级"] = (
            -contrib * fund.senior_share
            + ledger["fund.senior_return"]
            + ledger["fund.senior_capital"]
        )
        out[f"{fund.name}劣后级"] = (
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
) -> dict[str, np.ndarray]:
    """Metrics of the funding stack, each (S,); the equity NPV at ``equity_discount_rate``
    ((S,) or (1,) [1/yr]; default ``evaluation.equity_discount_rate``)."""
    ppy = spec.periods_per_year
    ev = spec.evaluation
    out: dict[str, np.ndarray] = {}
    L = ledger.__getitem__
    total_inv = L("invest.project_total").sum(axis=1)
    out["total_project_investment"] = total_inv
    out["idc"] = L("finance.interest_capitalised").sum(axis=1)

    owners = -L("equity.shareholders_in") + L("equity.distribution") + L("equity.terminal_value")
    # The ledger's flows are (S, T), so the finance functions return (S,) arrays.
    irr, reasons = finance.irr(owners, ppy, with_reason=True)
    note_reasons(diagnostics, "equity_irr", np.asarray(reasons))
    out["equity_irr"] = np.asarray(irr)
    rate = ev.equity_discount_rate if equity_discount_rate is None else equity_discount_rate
    out["equity_npv"] = np.asarray(finance.npv(rate, owners, ppy))
    for name, flows in party_flows(ledger, spec).items():
        out[f"party_irr[{name}]"] = np.asarray(finance.irr(flows, ppy))
        paid_in = np.maximum(-flows, 0.0).sum(axis=1)
        out[f"party_moic[{name}]"] = safe_ratio(np.maximum(flows, 0.0).sum(axis=1), paid_in)

    # Bank ratios by model year, over fully operating years with debt service.
    operating = by_year(L("flag.construction"), ppy) == 0
    held = by_year(L("flag.held"), ppy) > 0
    cfads = by_year(L("cash.cfads"), ppy)
    bond_ds = by_year(L("cash.bond_debt_service"), ppy)
    loan_ds = by_year(L("cash.loan_debt_service"), ppy)
    ds = bond_ds + loan_ds
    rows = operating & held
    dscr = safe_ratio(cfads, ds, rows)
    out["min_dscr"], out["avg_dscr"] = nan_min_mean(dscr)
    out["min_loan_dscr"] = nan_min(safe_ratio(cfads - bond_ds, loan_ds, rows))
    interest = by_year(L("finance.interest_expensed"), ppy)
    out["min_icr"] = nan_min(safe_ratio(by_year(L("pl.ebit"), ppy), interest, rows))

    # LLCR / PLCR on CFADS after bond service, discounted at the loans' contractual rates.
    opening = sum(
        (L(f"loan[{ln.name}].opening") + L(f"loan[{ln.name}].draw") for ln in plan.loans),
        np.zeros_like(L("cash.cfads")),
    )
    rate = loan_discount_rate(plan, sizing, ppy, opening.shape)
    x = L("cash.cfads") - L("cash.bond_debt_service")
    balance_any = opening > 1e-9
    loan_life = window(balance_any)
    pv_loan = pv_from(x * loan_life, rate)
    starts = (np.arange(opening.shape[1]) % ppy == 0)[None, :]
    repaying = loan_life & starts & (L("flag.construction") == 0)
    out["min_llcr"] = nan_min(safe_ratio(pv_loan, opening, repaying))
    pv_project = pv_from(x * (L("flag.held") > 0), rate)
    first = np.argmax(repaying, axis=1)
    has = repaying.any(axis=1)
    idx = np.arange(opening.shape[0])
    out["plcr"] = np.where(has, safe_ratio(pv_project[idx, first], opening[idx, first]), np.nan)

    # Coverage multiples over the debt's life.
    ni = L("cash.net_income_for_coverage")
    bond_pi = L("cash.bond_debt_service")
    loan_pi = L("cash.loan_debt_service")
    bond_life = window((L("bond.closing") > 1e-9) | (bond_pi > 1e-9) | (L("bond.issue") > 0))
    debt_life = window(bond_life | (opening > 1e-9) | (loan_pi > 1e-9))
    cov = coverage_multiples(ni, bond_pi, loan_pi, bond_life, debt_life)
    out["bond_coverage"], out["total_debt_coverage"], out["residual_coverage"] = cov
    annual = safe_ratio(
        by_year(ni * bond_life, ppy),
        by_year(bond_pi, ppy),
        (by_year(bond_life.astype(float), ppy) > 0) & rows,
    )
    out["min_annual_cash_coverage"] = nan_min(annual)
    out["min_cumulative_cash"] = L("cash.cumulative_surplus").min(axis=1)

    # Capital and the fiscal view.
    capital = (L("equity.sponsor") + L("fiscal.injections") + L("fund.contribution")).sum(axis=1)
    for name, flows in plan.grants.items():
        if plan.grants_capital[name]:
            capital = capital + np.broadcast_to(flows, ledger["capex.total"].shape).sum(axis=1)
    for tr in plan.bonds:
        if tr.capital_share > 0:
            capital = capital + tr.capital_share * np.broadcast_to(
                tr.schedule.issue, ledger["capex.total"].shape
            ).sum(axis=1)
    out["capital_ratio"] = safe_ratio(capital, total_inv)
    out["sponsor_equity"] = L("equity.sponsor").sum(axis=1)
    out["fiscal_outlay"] = L("fiscal.total").sum(axis=1)
    capital_fiscal = (L("fiscal.grants") + L("fiscal.injections")).sum(axis=1)
    out["fiscal_leverage"] = safe_ratio(total_inv, capital_fiscal)
    out["bond_amount"] = sum(
        (
            np.broadcast_to(tr.schedule.issue, ledger["capex.total"].shape).sum(axis=1)
            for tr in plan.bonds
            if tr.refinancing_of is None
        ),
        np.zeros(ledger.n_scenarios),
    )
    out["loan_amount"] = L("loan.draw").sum(axis=1)
    for k, ln in enumerate(plan.loans):
        out[f"loan_size[{ln.name}]"] = sizing.facility[k]
    return out
