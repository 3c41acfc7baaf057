"""Issue 16: debt sized on a DSCR meets it in every year, and each ratio follows its
standard definition — against hand calculations written out here.

The project (``renewfin.testing.minimal_spec`` with a one-year build): 1,000 of works in
year 0 (2026), parking income of 240 a year from year 1, no operating cost, no tax, so
that CFADS is 240 in 2027–2034. A special bond B of 400 at 3 % (annual coupons), 分期还本
10 %, 20 %, 20 %, 20 %, 30 % at the anniversaries 2–6, takes (coupon on the balance before
the year's repayment + principal) 52, 90.8, 88.4, 86, 123.6 in 2027–2031, so the cash left
for the loan is 188, 149.2, 151.6, 154, 116.4, 240, 240 in 2027–2033.

The loan L: fixed 5 %, tenor 8 years from financial close, one year of grace (repayment in
2027–2033, 7 years), sized on a DSCR of 1.3 on the cash left after the bond (债贷组合).
The engine's DSCR and LLCR bounds are smaller than the exact ones by a relative 1e-8
(``renewfin.financing.bounds.SAFETY``), so that the ratio holds to the solve's tolerance:
sizes and binding ratios are compared to 2e-8.
References: DOMAIN.md §4 (DSCR sizing holds period by period: the bound is min over the
repayment years of cash available / (target × debt service of a unit facility); sculpted:
PV ÷ target); 《建设项目经济评价方法与参数》(第三版) for 偿债备付率 = (EBITDA − 所得税) / 应还
本付息额 and 利息备付率 = EBIT / 应付利息.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from renewfin.checks import checks_frame
from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec

AVAIL = np.array([188.0, 149.2, 151.6, 154.0, 116.4, 240.0, 240.0])
"""Cash left for the loan after the bond, 2027–2033 (the module docstring)."""
YEARS = slice(1, 8)
"""Periods 1–7: the loan's repayment years."""
BOND: dict[str, Any] = {
    "name": "B",
    "amount": 400,
    "tenor_years": 6,
    "coupon": 0.03,
    "repayment": "custom",
    "repayment_schedule": [0, 0.1, 0.2, 0.2, 0.2, 0.3],
    "issuance_fee_rate": 0,
    "payment_fee_rate": 0,
}


GROWING = 1.1 ** np.arange(7) / ((1.1**7 - 1) / 0.1)
"""等比递增还本 at 10 % over 7 years: each year's share of the loan, 1.1^k / Σ_{i<7} 1.1^i."""


def _loan(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "L",
        "rate_type": "fixed",
        "rate": 0.05,
        "tenor_years": 8,
        "grace_years": 1,
        "sizing": {"dscr": 1.3},
    }
    return {**base, **kw}


def _data(works: float = 1000.0, **sections: Any) -> dict[str, Any]:
    """The project of the module docstring, with ``works`` of investment in year 0."""
    return minimal_spec(
        timeline={
            "horizon_years": 9,
            "phases": [{"name": "一期", "start_year": 0, "duration_years": 1}],
        },
        investment=[{"name": "建安工程", "category": "construction", "amount": works}],
        **sections,
    )


def _run(loan: dict[str, Any], works: float = 1000.0, **sections: Any) -> Result:
    """The project with bond B and loan ``loan`` (and other ``funding`` fields)."""
    funding = {"special_bonds": [BOND], "loans": [loan], **sections.pop("funding", {})}
    return run(validate_data(ProjectSpec, _data(works, funding=funding, **sections)))


def _loan_dscr(res: Result) -> np.ndarray:
    """(CFADS − bond service) / loan service due in 2027–2033, from the ledger."""
    led = res.ledger
    avail = led["cash.cfads"][0] - led["cash.bond_debt_service"][0]
    due = led["loan[L].interest"][0] - led["loan[L].capitalised"][0] + led["loan[L].principal"][0]
    return avail[YEARS] / due[YEARS]


def test_the_bond_leaves_the_cash_written_out() -> None:
    res = _run(_loan(sizing={"amount": 100}))
    bond = res.ledger["cash.bond_debt_service"][0]
    assert_allclose(bond[:7], [12, 52, 90.8, 88.4, 86, 123.6, 0], rtol=1e-12)
    assert_allclose(res.ledger["cash.cfads"][0][YEARS] - bond[YEARS], AVAIL, rtol=1e-12)


def test_equal_principal_sized_year_by_year() -> None:
    """等额本金 over 7 years: a unit facility pays 1/7 + 5 % × (8 − k)/7 in repayment year k,
    so the bound is min_k AVAIL_k · 7 / (1.3 · (1 + 0.05 (8 − k))) = 116.4 · 7 / (1.3 ·
    1.15) = 545.0167 in 2031 (year 5, where the bond repays 30 %). The PV of AVAIL / 1.3 at
    5 % (the old, sculpted bound) is 779.14: a loan of that size would show a DSCR of 0.909
    in 2031."""
    res = _run(_loan())
    k = np.arange(1, 8)
    unit = (1 + 0.05 * (8 - k)) / 7
    bound = float(np.min(AVAIL / (1.3 * unit)))
    assert bound == pytest.approx(116.4 * 7 / (1.3 * 1.15), rel=1e-12)
    row = res.loan_sizing().loc["L"]
    assert row["binding"] == "dscr" and row["binding_year"] == 2031
    assert row["size"] == pytest.approx(bound, rel=2e-8)
    dscr = _loan_dscr(res)
    assert np.all(dscr >= 1.3 - 1e-9)
    assert dscr[4] == pytest.approx(1.3, rel=2e-8)
    assert res.metric("min_loan_dscr") == pytest.approx(1.3, rel=2e-8)
    assert res.notes.year("min_loan_dscr") == 2031
    pv = float(np.sum(AVAIL / 1.3 / 1.05**k))
    assert pv == pytest.approx(779.14, abs=0.01)
    assert AVAIL[4] / (pv * unit[4]) == pytest.approx(0.909, abs=0.001)
    assert checks_frame(res).loc["sizing_targets", "passed"]


@pytest.mark.parametrize(
    ("loan", "unit", "year"),
    [
        # 等额本息: a constant payment r / (1 − (1 + r)^−7) = 0.172820 per unit.
        (_loan(repayment="annuity"), np.full(7, 0.05 / (1 - 1.05**-7)), 2031),
        # 按比例还本 shares w: w_k + 5 % × the share still outstanding before year k.
        (
            _loan(repayment="custom", repayment_schedule=[0.05, 0.1, 0.1, 0.15, 0.2, 0.2, 0.2]),
            np.array([0.05, 0.1, 0.1, 0.15, 0.2, 0.2, 0.2])
            + 0.05 * np.array([1.0, 0.95, 0.85, 0.75, 0.6, 0.4, 0.2]),
            2031,
        ),
        # 等比递增还本 at 10 %: shares w_k = 1.1^k / Σ_{i<7} 1.1^i (Σ = (1.1^7 − 1) / 0.1 =
        # 9.487171: 0.105405, 0.115946, …, 0.186732), plus 5 % on the share outstanding
        # before the year, 1 − Σ_{i<k} w_i (1, 0.894595, 0.778648, …, 0.186732):
        # unit 0.155405, 0.160676, 0.166473, 0.172850, 0.179865, 0.187581, 0.196069, and
        # AVAIL / (1.3 · unit) is 930.57, 714.29, 700.51, 685.34, 497.81, 984.19, 941.58:
        # 2031 binds.
        (
            _loan(repayment="increasing", repayment_growth=0.1),
            GROWING + 0.05 * (1 - np.cumsum(GROWING) + GROWING),
            2031,
        ),
        # 到期一次还本: interest only, then 1 + r in the last year (2033 binds).
        (_loan(repayment="bullet"), np.array([0.05] * 6 + [1.05]), 2033),
        # Grace to year 3: interest only in 2027–2028 (grace in operation counts as debt
        # service due), then 5 equal-principal payments.
        (
            _loan(grace_years=3),
            np.concatenate([[0.05, 0.05], 0.2 + 0.05 * np.array([1, 0.8, 0.6, 0.4, 0.2])]),
            2031,
        ),
    ],
    ids=["annuity", "custom", "increasing", "bullet", "grace-in-operation"],
)
def test_each_profile_sized_year_by_year(loan: dict[str, Any], unit: np.ndarray, year: int) -> None:
    """For every profile the facility is min_k AVAIL_k / (1.3 · unit_k), the DSCR is at
    least 1.3 in every repayment year and exactly 1.3 in the binding year."""
    res = _run(loan)
    bound = float(np.min(AVAIL / (1.3 * unit)))
    row = res.loan_sizing().loc["L"]
    assert row["binding"] == "dscr" and row["binding_year"] == year
    assert row["size"] == pytest.approx(bound, rel=2e-8)
    dscr = _loan_dscr(res)
    assert np.all(dscr >= 1.3 - 1e-9)
    assert dscr[year - 2027] == pytest.approx(1.3, rel=2e-8)


def test_sculpted_loan_holds_the_target_every_year_and_llcr_equals_dscr() -> None:
    """Sculpted to 1.3: principal_k = AVAIL_k / 1.3 − interest, size = PV at 5 % of AVAIL /
    1.3 over 2027–2033 = Σ AVAIL_k / 1.3 / 1.05^k; the DSCR is 1.3 in every year, and with
    every free cash distributed (no cash held for the loan) LLCR = PV / balance = 1.3 at the
    start of every year."""
    res = _run(
        _loan(repayment="sculpted", target_dscr=1.3, sizing={"dscr": 1.3}),
        1500.0,
        funding={"distribution_policy": "cash"},
    )
    k = np.arange(1, 8)
    size = float(np.sum(AVAIL / 1.3 / 1.05**k))
    assert res.loan_sizing().loc["L", "size"] == pytest.approx(size, rel=2e-8)
    # The 1e-8 margin leaves the last balloon smaller by (P − size) × 1.05^6: still 1.3 to
    # 1e-7, never below it.
    assert_allclose(_loan_dscr(res), 1.3, rtol=1e-7)
    assert np.all(_loan_dscr(res) >= 1.3 - 1e-9)
    assert res.metric("min_llcr") == pytest.approx(1.3, rel=2e-8)
    assert res.metric("min_loan_dscr") == pytest.approx(1.3, rel=2e-8)


def test_a_year_without_cash_allows_no_facility_and_says_why() -> None:
    """A major repair of 300 in 2031 (the fifth year of operation) leaves CFADS of −60 and
    −183.6 for the loan: no facility meets 1.3, the bound is 0, and the note names the
    year, the cash and the maintenance reserve that would lift it."""
    repair = {
        "name": "大中修",
        "category": "major_maintenance",
        "basis": "fixed",
        "amount": 300,
        "every_years": 5,
    }
    res = _run(_loan(), opex=[repair])
    row = res.loan_sizing().loc["L"]
    assert row["size"] == 0 and row["dscr"] == 0 and row["dscr_year"] == 2031
    note = next(d for d in res.diagnostics if "sizing.dscr" in d)
    assert "in 2031" in note and "-183.60" in note and "funding.mmra" in note
    # The reserve funds the 300 over 2027–2030 (75 a year), which lifts the bound.
    reserved = _run(_loan(), opex=[repair], funding={"mmra": {}})
    assert_allclose(reserved.ledger["reserve.mmra.contribution"][0][1:5], 75.0, rtol=1e-12)
    assert reserved.ledger["reserve.mmra.release"][0][5] == pytest.approx(300.0)
    assert reserved.loan_sizing().loc["L", "size"] > 100
    assert np.all(_loan_dscr(reserved) >= 1.3 - 1e-9)


def test_llcr_bound_by_hand() -> None:
    """LLCR bound 1.6 on 等额本金 (no DSCR bound): at the start of year k the balance of a
    unit facility is 1 − (k − 1)/7 and the PV at 5 % of the cash left to maturity is PV_k =
    Σ_{j ≥ k} AVAIL_j / 1.05^(j − k + 1); the bound is min_k PV_k / (1.6 · balance_k). The
    LLCR reported (which also counts cash held for the debt) is at least 1.6."""
    res = _run(_loan(sizing={"llcr": 1.6}), 1500.0)
    pv = np.array([sum(AVAIL[j] / 1.05 ** (j - i + 1) for j in range(i, 7)) for i in range(7)])
    balance = 1 - np.arange(7) / 7
    bound = float(np.min(pv / (1.6 * balance)))
    row = res.loan_sizing().loc["L"]
    assert row["binding"] == "llcr"
    assert row["size"] == pytest.approx(bound, rel=2e-8)
    assert row["llcr_year"] == 2027 + int(np.argmin(pv / balance))
    assert res.metric("min_llcr") >= 1.6 - 1e-9


def test_drawn_at_the_start_with_interest_paid_costs_10160() -> None:
    """The issue's reference: 8,000 drawn at the start of year 1, 15 years at 3.00 %, 2
    years' grace, 等额本金, construction interest paid in cash. Interest 240 in each grace
    year, then 13 payments of 8,000 / 13 with interest on the declining balance: 3 % × 8,000
    / 13 × (13 + 12 + … + 1) = 3 % × 8,000 × 7 = 1,680; total cash debt service 8,000 + 480
    + 1,680 = 10,160."""
    data = minimal_spec(
        timeline={"horizon_years": 16},
        investment=[
            {"name": "works", "category": "construction", "amount": 10000.0, "schedule": [1.0]}
        ],
        funding={
            "loans": [
                {
                    "name": "L",
                    "rate_type": "fixed",
                    "rate": 0.03,
                    "tenor_years": 15,
                    "grace_years": 2,
                    "draw_timing": "start",
                    "construction_interest": "paid",
                    "sizing": {"amount": 8000},
                }
            ]
        },
    )
    res = run(validate_data(ProjectSpec, data))
    led = res.ledger
    assert led["loan[L].draw"][0][0] == pytest.approx(8000.0)
    assert_allclose(led["loan[L].interest"][0][:2], 240.0, rtol=1e-12)
    assert_allclose(led["loan[L].capitalised"][0], 0.0, atol=1e-12)
    assert_allclose(led["loan[L].idc_paid"][0][:2], 240.0, rtol=1e-12)
    assert led["cash.loan_debt_service"][0].sum() == pytest.approx(10160.0, rel=1e-12)
    # Paid from own funds: the year-1 interest by sponsor equity beside the 2,000 of works
    # the loan does not cover, the year-2 interest by sponsor equity alone.
    assert_allclose(led["equity.sponsor"][0][:2], [2240.0, 240.0], rtol=1e-12)
    assert res.metric("idc") == pytest.approx(480.0, rel=1e-12)


@pytest.mark.parametrize(("timing", "weight"), [("start", 1.0), ("middle", 0.5), ("end", 0.0)])
def test_draw_timing_sets_the_interest_on_the_period_drawings(timing: str, weight: float) -> None:
    """A 600 facility drawn 40 % / 60 % over a two-year build at 5 %, capitalised: the
    year-0 draw D0 bears 5 % × weight × D0, rolled into the balance with it."""
    data = minimal_spec(
        funding={
            "loans": [
                {
                    "name": "L",
                    "rate_type": "fixed",
                    "rate": 0.05,
                    "tenor_years": 8,
                    "grace_years": 2,
                    "draw_timing": timing,
                    "sizing": {"amount": 600},
                }
            ]
        }
    )
    res = run(validate_data(ProjectSpec, data))
    led = res.ledger
    d0 = led["loan[L].draw"][0][0]
    assert led["loan[L].interest"][0][0] == pytest.approx(0.05 * weight * d0, abs=1e-12)
    assert led["loan[L].closing"][0][1] == pytest.approx(600.0, rel=1e-9)


def test_bond_issued_at_the_end_pays_no_coupon_in_its_issue_period() -> None:
    """Issued at the end of year 0, the bond is outstanding from year 1 and matures at the
    end of year 6: coupons 12 in years 1–6, principal by the schedule one year later."""
    bond = {**BOND, "draw_timing": "end"}
    led = run(validate_data(ProjectSpec, _data(funding={"special_bonds": [bond]}))).ledger
    assert led["bond[B].issue"][0][0] == 400
    assert_allclose(led["bond[B].interest"][0][:7], [0, 12, 12, 10.8, 8.4, 6, 3.6], rtol=1e-12)
    assert_allclose(led["bond[B].principal"][0][:7], [0, 0, 40, 80, 80, 80, 120], rtol=1e-12)


def test_bond_coupons_paid_from_own_funds_in_construction() -> None:
    """Paid from own funds, the 12 of coupon in year 0 is sponsor equity on top of the gap
    (1,000 − 400 = 600, funded by equity without a loan): 612 either way, but with the
    capitalised convention it is part of the gap a loan would draw."""
    bond = {**BOND, "construction_interest": "paid"}
    led = run(validate_data(ProjectSpec, _data(funding={"special_bonds": [bond]}))).ledger
    assert led["equity.sponsor"][0][0] == pytest.approx(612.0)
    assert led["finance.interest_capitalised"][0][0] == pytest.approx(12.0)


# --------------------------------------------------------------------------- #
# The 第三版 ratios
# --------------------------------------------------------------------------- #


def test_third_edition_ratios_follow_the_textbook() -> None:
    """With income tax at 25 % (preset none otherwise): 利息备付率 = EBIT / 应付利息 with
    EBIT = 利润总额 + 利息支出 = 240 − depreciation; 偿债备付率 = (EBITDA − 所得税) / 应还本
    付息额 = (240 − tax) / (bond + loan service due); the minima over 2027–2033."""
    res = _run(_loan(sizing={"amount": 300}), tax={"preset": "none", "income_tax_rate": 0.25})
    led = res.ledger
    dep = led["dep_fin.total"][0]
    interest = led["bond.interest"][0] + led["loan.interest"][0]
    tax = led["tax.income_tax"][0]
    ebit = 240 - dep
    pbt = ebit - interest
    assert_allclose(tax[YEARS], 0.25 * np.maximum(pbt[YEARS], 0), rtol=1e-9)
    due = led["cash.bond_debt_service"][0] + led["loan.interest"][0] + led["loan.principal"][0]
    icr = ebit[1:8] / interest[1:8]
    dscr_cn = (240 - tax[1:8]) / due[1:8]
    assert res.metric("min_icr") == pytest.approx(icr.min(), rel=1e-12)
    assert res.metric("min_dscr_cn") == pytest.approx(dscr_cn[due[1:8] > 0].min(), rel=1e-12)
    assert res.notes.year("min_dscr_cn") == 2027 + int(np.argmin(dscr_cn))


# --------------------------------------------------------------------------- #
# Bad input
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("funding", "path", "text"),
    [
        (
            {"loans": [_loan(sizing={"dscr": 0})]},
            "funding.loans[0 L].sizing.dscr",
            "greater than 0",
        ),
        (
            {"loans": [_loan(sizing={"dscr": -1.2})]},
            "funding.loans[0 L].sizing.dscr",
            "greater than 0",
        ),
        ({"mmra": {}}, "funding.mmra", "maintenance cycle"),
        ({"mmra": {"items": ["nothing"]}}, "funding.mmra.items", "unknown opex item"),
        (
            {"special_bonds": [{**BOND, "draw_timing": "middle"}]},
            "funding.special_bonds[0 B].draw_timing",
            "start or end",
        ),
        (
            {"loans": [_loan(repayment="sculpted", target_dscr=1.3, sizing={"dscr": 1.5})]},
            "funding.loans[0 L].sizing.dscr",
            "sculpted",
        ),
        (
            {"loans": [_loan(repayment="increasing", repayment_growth=-0.02)]},
            "funding.loans[0 L].repayment_growth",
            "greater than or equal to 0",
        ),
    ],
    ids=[
        "dscr-zero",
        "dscr-negative",
        "mmra-no-cycle",
        "mmra-unknown",
        "bond-middle",
        "sculpted-two-targets",
        "increasing-negative-growth",
    ],
)
def test_bad_input_names_the_field(funding: dict[str, Any], path: str, text: str) -> None:
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, minimal_spec(funding=funding))
    message = str(info.value)
    assert path in message and text in message, message
