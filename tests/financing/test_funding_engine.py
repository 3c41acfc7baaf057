"""The funding stack in the engine (renewfin.financing, metrics_funding), on small specs
built here and checked against hand calculations.

The base project is ``renewfin.testing.minimal_spec``: tax preset ``none``, parking income
of 500 × 400 元 × 12 = 240 万元 a year from completion, no operating costs, so that CFADS is
240 a year and every figure can be written out by hand. References: DOMAIN.md §2–§5 (the
coverage multiples, sizing rules, DSRA, REIT exit order), 《建设项目经济评价方法与参数》
(第三版) for 建设期利息, 利润与利润分配表 and the 资产负债表, and the hand calculations in
each test's docstring.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from renewfin import finance, metrics_funding
from renewfin.checks import run_checks
from renewfin.engine import Result, run
from renewfin.instruments import special_bond as sb
from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec

ANN = lambda r, n: (1 - (1 + r) ** -n) / r  # noqa: E731  annuity factor (Excel PV(r, n, −1))


def _run(**sections: Any) -> Result:
    return run(validate_data(ProjectSpec, minimal_spec(**sections)))


def _row(res: Result, id: str) -> np.ndarray:
    return res.ledger[id][0]


def _loan(**kw: Any) -> dict[str, Any]:
    """A fixed-rate 5 % loan, tenor 8 from financial close, grace 2, 等额本金, amount 600."""
    base: dict[str, Any] = {
        "name": "L",
        "rate_type": "fixed",
        "rate": 0.05,
        "tenor_years": 8,
        "grace_years": 2,
        "sizing": {"amount": 600},
    }
    return {**base, **kw}


def _check_identities(res: Result) -> None:
    """Sources = uses in construction and the balance sheet balances (1e-9 of assets)."""
    led = res.ledger
    scale = max(1.0, float(np.abs(led["bs.assets"]).max()))
    assert_allclose(led["su.sources"], led["su.uses"], rtol=0, atol=1e-9 * scale)
    assert float(np.abs(led["bs.check"]).max()) <= 1e-9 * scale


# --------------------------------------------------------------------------- #
# Hand-built special bond + bank loan (债贷组合), one-year build, annual
# --------------------------------------------------------------------------- #
#
# Capex 1,000 in year 0; income 240 in years 1–7 (horizon 8).
# Bond B: 400 issued in year 0, 5 years, 3 % annual coupon, bullet, no fees:
#   interest 12 in years 0–4, principal 400 in year 4.
# Loan L: fixed 5 %, tenor 6 from close, grace 1, 等额本金, amount cap 300 (the facility
#   covers its own capitalised construction interest, rolled into the balance):
#   draw D with D + 5 % × D/2 = 300 → D = 300 / 1.025 = 292.6829, interest 7.3171;
#   balance 300; principal 60 in years 1–5, interest 15, 12, 9, 6, 3.
# Bond interest in construction is paid in cash from the sources.
# Equity: 1,000 + 12 − 400 − D = 319.3171; IDC 12 + 7.3171 = 19.3171;
# total investment 1,019.3171.

HAND: dict[str, Any] = {
    "timeline": {
        "horizon_years": 8,
        "phases": [{"name": "一期", "start_year": 0, "duration_years": 1}],
    },
    "investment": [{"name": "建安工程", "category": "construction", "amount": 1000.0}],
    "funding": {
        "special_bonds": [
            {
                "name": "B",
                "amount": 400,
                "tenor_years": 5,
                "coupon": 0.03,
                "issuance_fee_rate": 0,
                "payment_fee_rate": 0,
            }
        ],
        "loans": [
            {
                "name": "L",
                "rate_type": "fixed",
                "rate": 0.05,
                "tenor_years": 6,
                "grace_years": 1,
                "sizing": {"amount": 300},
            }
        ],
    },
}


@pytest.fixture(scope="module")
def hand() -> Result:
    return _run(**HAND)


def test_hand_case_ledger(hand: Result) -> None:
    """The corkscrews, IDC and equity written out in the comment above."""
    assert_allclose(_row(hand, "bond[B].interest"), [12, 12, 12, 12, 12, 0, 0, 0])
    assert_allclose(_row(hand, "bond[B].principal"), [0, 0, 0, 0, 400, 0, 0, 0])
    d = 300 / 1.025
    assert_allclose(_row(hand, "loan[L].draw"), [d, 0, 0, 0, 0, 0, 0, 0])
    assert_allclose(_row(hand, "loan[L].interest"), [0.025 * d, 15, 12, 9, 6, 3, 0, 0])
    assert_allclose(_row(hand, "loan[L].capitalised"), [0.025 * d, 0, 0, 0, 0, 0, 0, 0])
    assert_allclose(_row(hand, "loan[L].closing"), [300, 240, 180, 120, 60, 0, 0, 0])
    assert_allclose(_row(hand, "loan[L].principal"), [0, 60, 60, 60, 60, 60, 0, 0])
    idc = 12 + 0.025 * d
    assert_allclose(_row(hand, "finance.interest_capitalised"), [idc, 0, 0, 0, 0, 0, 0, 0])
    equity = 1000 + 12 - 400 - d
    assert_allclose(_row(hand, "equity.sponsor"), [equity, 0, 0, 0, 0, 0, 0, 0])
    assert hand.metric("total_project_investment") == pytest.approx(1000 + idc)
    assert hand.metric("idc") == pytest.approx(idc)
    assert hand.metric("capital_ratio") == pytest.approx(equity / (1000 + idc))
    _check_identities(hand)


def test_hand_case_coverage_multiples(hand: Result) -> None:
    """本息覆盖倍数 (DOMAIN.md §3) over the bond life (years 0–4):
    bond-only = 4 × 240 / (5 × 12 + 400) = 960 / 460 = 2.0870;
    annual cash test: worst year 4, 240 / 412 = 0.5825."""
    assert hand.metric("bond_coverage") == pytest.approx(960 / 460, rel=1e-12)
    assert hand.metric("min_annual_cash_coverage") == pytest.approx(240 / 412, rel=1e-12)


def test_hand_case_total_and_residual_coverage(hand: Result) -> None:
    """Over the debt life (years 0–5): loan P+I = principal 300 (the draw 292.6829 and the
    capitalised 7.3171) + interest paid 15 + 12 + 9 + 6 + 3 = 45 → 345 (what the lender
    receives; the construction interest is paid inside the principal);
    total = 5 × 240 / (460 + 345) = 1200 / 805 = 1.4907;
    residual = (1200 − 460) / 345 = 2.1449."""
    assert_allclose(_row(hand, "cash.loan_debt_service"), [0, 75, 72, 69, 66, 63, 0, 0], atol=1e-12)
    assert hand.metric("total_debt_coverage") == pytest.approx(1200 / 805, rel=1e-12)
    assert hand.metric("residual_coverage") == pytest.approx(740 / 345, rel=1e-12)


def test_hand_case_bank_ratios(hand: Result) -> None:
    """DSCR by year = 240 / (bond + loan service): worst in year 4 (2030), 240 / (412 +
    66) = 0.5021; loan DSCR after bond service (240 − 412) / 66 would be −2.6061: a negative
    cover is no ratio, so the minimum is n/a with the year.
    利息备付率 (第三版) = EBIT / interest; depreciation (building class: 30 years, 5 %
    residual) on 1,000 + IDC 19.3171: 950 / 30 × 1.0193171 = 32.2784; EBIT 207.7216; worst
    year 1 with interest 12 + 15 = 27 → 7.6934.
    LLCR at the start of year 4 (balance 120): (−172 / 1.05 + 240 / 1.05²) / 120 = 0.4490
    (no cash is held for the bullet: every year's free cash was distributed)."""
    assert hand.metric("min_dscr") == pytest.approx(240 / 478, rel=1e-12)
    assert hand.notes.year("min_dscr") == 2030
    assert np.isnan(hand.metric("min_loan_dscr"))
    assert hand.notes.reason("min_loan_dscr") == ("n/a — CFADS after bond service negative in 2030")
    ebit = 240 - 950 / 30 * (1 + (12 + 0.025 * 300 / 1.025) / 1000)
    assert hand.metric("min_icr") == pytest.approx(ebit / 27, rel=1e-12)
    assert hand.notes.year("min_icr") == 2027
    assert hand.metric("min_llcr") == pytest.approx((-172 / 1.05 + 240 / 1.05**2) / 120, rel=1e-12)


def test_hand_case_plcr_discounts_the_whole_project_life(hand: Result) -> None:
    """PLCR = PV at the loan rate of CFADS after bond service over the remaining project
    life / debt at the start of repayment (DOMAIN.md §4; Yescombe, Principles of Project
    Finance, ratio definitions). The debt at the start of year 1 is 300 (the draw 292.6829
    and the capitalised 7.3171); CFADS after bond service in years 1–7: 240 − 12 = 228,
    228, 228, 240 − 412 = −172, 240, 240, 240, discounted at the contractual 5 % in every
    year (after the loan's maturity in year 5 too): 1,017.0972 / 300 = 3.3903. (Discounting
    at interest / balance gave 0 % after maturity: 3.4784.)"""
    x = [228, 228, 228, -172, 240, 240, 240]
    expected = sum(v / 1.05 ** (t + 1) for t, v in enumerate(x)) / 300
    assert hand.metric("plcr") == pytest.approx(expected, rel=1e-9)


def test_llcr_and_plcr_discount_at_the_facility_weighted_contractual_rate() -> None:
    """Two fixed-rate loans on a semiannual grid, A 4 % capped at 200 and B 6 % capped at
    600 (both bind): LLCR and PLCR discount at (200 × 4 % + 600 × 6 %) / 800 = 5.5 % a year,
    2.75 % a period, in every period — also after both loans are repaid. PLCR by hand: PV
    at 2.75 % of CFADS after bond service over the held periods from the first repayment
    period (period 4, after the 2-year grace), over the balance then (800)."""
    res = _run(
        timeline={"periodicity": "semiannual"},
        funding={
            "loans": [
                _loan(name="A", rate=0.04, sizing={"amount": 200}),
                _loan(name="B", rate=0.06, sizing={"amount": 600}),
            ]
        },
    )
    assert res.plan is not None and res.sizing is not None
    assert_allclose(res.sizing.facility[:, 0], [200, 600], rtol=1e-12)
    rate = metrics_funding.loan_discount_rate(res.plan, res.sizing, 2, (1, 20))
    assert_allclose(rate, 0.0275, rtol=1e-14)
    x = _row(res, "cash.cfads") - _row(res, "cash.bond_debt_service")
    first = 4
    balance = _row(res, "loan[A].opening")[first] + _row(res, "loan[B].opening")[first]
    assert balance == pytest.approx(800.0, rel=1e-9)
    pv = sum(x[t] / 1.0275 ** (t - first + 1) for t in range(first, 20))
    assert res.metric("plcr") == pytest.approx(pv / balance, rel=1e-12)


def test_loan_discount_rate_of_unsized_loans_is_their_average() -> None:
    """Loans sized at 0 (an amount cap of 0) weigh equally: (4 % + 6 %) / 2 = 5 % a year."""
    res = _run(
        funding={
            "loans": [
                _loan(name="A", rate=0.04, sizing={"amount": 0}),
                _loan(name="B", rate=0.06, sizing={"amount": 0}),
            ]
        }
    )
    assert res.plan is not None and res.sizing is not None
    rate = metrics_funding.loan_discount_rate(res.plan, res.sizing, 1, (1, 10))
    assert_allclose(rate, 0.05, rtol=1e-14)
    assert np.isnan(res.metric("plcr"))


# --------------------------------------------------------------------------- #
# Sculpted loan: DSCR = target in every repayment period, LLCR = DSCR
# --------------------------------------------------------------------------- #


def test_sculpted_loan_holds_the_target_dscr() -> None:
    """Capex 2,000 in year 0; bond 300 at 3 %, 分期还本 12.5 % in years 3–6 and 25 % in years
    7–8 (service 9, 9, 46.5, 45.375, 44.25, 43.125, 79.5, 77.25); loan sculpted to DSCR 1.3
    and sized by DSCR 1.3 over repayment years 1–7 at 5 %. By hand: loan service =
    (240 − bond service) / 1.3 each year; size = Σ (240 − bond_t) / 1.3 / 1.05^t; DSCR
    binds; LLCR = DSCR = 1.3."""
    bond = {
        "name": "B",
        "amount": 300,
        "tenor_years": 8,
        "coupon": 0.03,
        "issuance_fee_rate": 0,
        "payment_fee_rate": 0,
        "repayment": "custom",
        "repayment_schedule": [0, 0, 0.125, 0.125, 0.125, 0.125, 0.25, 0.25],
    }
    res = _run(
        timeline={"phases": [{"name": "一期", "start_year": 0, "duration_years": 1}]},
        investment=[{"name": "建安工程", "category": "construction", "amount": 2000.0}],
        funding={
            "special_bonds": [bond],
            "loans": [
                _loan(
                    tenor_years=8,
                    grace_years=1,
                    repayment="sculpted",
                    target_dscr=1.3,
                    sizing={"dscr": 1.3},
                )
            ],
        },
    )
    bond_ds = np.array([9, 9, 46.5, 45.375, 44.25, 43.125, 79.5, 77.25, 0, 0])
    assert_allclose(_row(res, "cash.bond_debt_service"), bond_ds, rtol=1e-13)
    cfads = _row(res, "cash.cfads")
    loan_ds = _row(res, "cash.loan_debt_service")
    dscr = (cfads[1:8] - bond_ds[1:8]) / loan_ds[1:8]
    # The bound is 1e-8 below PV ÷ target (renewfin.financing.bounds.SAFETY): the last
    # balloon is smaller by that share of the size grown at 5 %, so 1.3 holds to 2e-7.
    assert_allclose(dscr, 1.3, rtol=2e-7)
    assert np.all(dscr >= 1.3 - 1e-9)
    size = sum((240 - bond_ds[t]) / 1.3 / 1.05**t for t in range(1, 8))
    table = res.loan_sizing()
    assert table.loc["L", "binding"] == "dscr"
    assert table.loc["L", "size"] == pytest.approx(size, rel=2e-8)
    assert res.metric("min_llcr") == pytest.approx(1.3, rel=2e-8)
    assert res.metric("min_loan_dscr") == pytest.approx(1.3, rel=2e-8)
    _check_identities(res)


# --------------------------------------------------------------------------- #
# Sizing: the smallest bound binds, never above cost
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("sizing", "binding"),
    [
        ({"amount": 400, "gearing": 0.45, "dscr": 1.5}, "amount"),
        ({"amount": 500, "gearing": 0.45, "dscr": 1.5}, "gearing"),
        ({"amount": 900, "gearing": 0.9, "dscr": 1.5}, "dscr"),
    ],
)
def test_sizing_smallest_bound_binds(sizing: dict[str, float], binding: str) -> None:
    """An annuity loan, 5 %, tenor 8, grace 2 (repayment years 2–7). Bounds by hand:
    amount as given; gearing × total investment (incl. IDC); DSCR bound: a unit annuity
    pays 1 / PV(5 %, 6) every repayment year and CFADS is 240 in each, so the bound is
    240 / 1.5 × PV(5 %, 6) = 160 × 5.0757 = 812.1107 (less the 1e-8 safety margin).
    The loan is the smallest, and loan_sizing() names it. The facility covers the draws
    and the construction interest rolled into the balance: draws + capitalised = size."""
    res = _run(funding={"loans": [_loan(repayment="annuity", sizing=sizing)]})
    row = res.loan_sizing().loc["L"]
    assert row["amount"] == sizing["amount"]
    assert row["dscr"] == pytest.approx(160 * ANN(0.05, 6) * (1 - 1e-8), rel=1e-12)
    assert row["binding"] == binding
    assert row["size"] == pytest.approx(row[binding], rel=1e-12)
    assert row["size"] == min(row["amount"], row["gearing"], row["dscr"], row["cost"])
    used = _row(res, "loan[L].draw").sum() + _row(res, "loan[L].capitalised").sum()
    assert used == pytest.approx(row["size"], rel=1e-9)
    assert _row(res, "loan[L].closing")[1] == pytest.approx(row["size"], rel=1e-9)
    assert res.metric("loan_size[L]") == pytest.approx(row["size"])
    _check_identities(res)


@pytest.mark.parametrize(
    "sizing", [{"amount": 400, "gearing": 0.45}, {"gearing": 0.9, "dscr": 1.5}]
)
def test_gearing_bound_is_a_share_of_the_final_total_investment(sizing: dict[str, float]) -> None:
    """The gearing bound is gearing × total investment including the IDC of the solved
    loan (DOMAIN.md §4): 0.45 × (1,000 + 17.41) when the amount of 400 binds; 0.9 × (1,000 +
    IDC of a 812.11 loan) when the DSCR binds."""
    res = _run(funding={"loans": [_loan(repayment="annuity", sizing=sizing)]})
    row = res.loan_sizing().loc["L"]
    tpi = res.metric("total_project_investment")
    assert row["gearing"] == pytest.approx(sizing["gearing"] * tpi, rel=1e-9)


@pytest.mark.parametrize(
    "fees",
    [
        pytest.param({}, id="no-fees"),  # nothing else moves the gap
        pytest.param({"upfront_fee_rate": 0.01, "commitment_fee_rate": 0.005}, id="fees"),
    ],
)
def test_sizing_never_above_cost(fees: dict[str, float]) -> None:
    """A loan with an amount cap of 10⁹ and no other source funds exactly the funding gap:
    the cost bound binds, sponsor equity is 0 in every period, and the draws plus the
    construction interest rolled into the balance equal the uses of construction (capex +
    fees + interest). Without fees, by hand (5 %, capex 400 / 600): year 0 draw 400,
    interest 5 % × 200 = 10; year 1 draw 600, interest 5 % × (410 + 300) = 35.5; facility
    = 1,000 + 45.5 = 1,045.5 = the total investment."""
    res = _run(funding={"loans": [_loan(repayment="annuity", sizing={"amount": 1e9}, **fees)]})
    row = res.loan_sizing().loc["L"]
    assert row["binding"] == "cost"
    uses = _row(res, "su.uses").sum()
    assert row["size"] == pytest.approx(uses, rel=1e-9)
    used = _row(res, "loan[L].draw").sum() + _row(res, "loan[L].capitalised").sum()
    assert used == pytest.approx(uses, rel=1e-9)
    equity = _row(res, "equity.sponsor")  # 0 up to the solver tolerance (1e-10 relative)
    assert np.all(equity >= 0.0) and equity.sum() <= 1e-9 * uses
    assert res.metric("total_project_investment") == pytest.approx(uses, rel=1e-12)
    if not fees:
        assert_allclose(_row(res, "loan[L].draw")[:2], [400, 600], rtol=1e-9)
        assert_allclose(_row(res, "loan[L].capitalised")[:2], [10, 35.5], rtol=1e-9)
        assert row["size"] == pytest.approx(1045.5, rel=1e-9)
    _check_identities(res)


def test_cost_bound_covers_the_capitalised_interest() -> None:
    """With an amount cap of 10⁹ the loan is bound by cost, never above it: the facility is
    at most the uses of construction (capex + interest), and every loan identity holds."""
    res = _run(funding={"loans": [_loan(repayment="annuity", sizing={"amount": 1e9})]})
    row = res.loan_sizing().loc["L"]
    assert row["binding"] == "cost"
    assert row["size"] <= _row(res, "su.uses").sum() * (1 + 1e-12)
    assert np.all(_row(res, "equity.sponsor") >= 0.0)
    _check_identities(res)


def test_two_loans_share_the_cost_bound() -> None:
    """Two uncapped loans: the first takes the whole gap (cost), the second's cost bound is
    what is left (0); equity 0."""
    res = _run(
        funding={
            "loans": [
                _loan(name="A", sizing={"amount": 1e9}),
                _loan(name="B", sizing={"amount": 1e9}),
            ]
        }
    )
    table = res.loan_sizing()
    assert table.loc["A", "binding"] == "cost"
    assert table.loc["B", "size"] == pytest.approx(0.0, abs=1e-6)
    equity = _row(res, "equity.sponsor")  # 0 up to the solver tolerance (1e-10 relative)
    assert np.all(equity >= 0.0) and equity.sum() <= 1e-9 * _row(res, "su.uses").sum()
    _check_identities(res)


def test_loan_sizing_without_loans_is_empty() -> None:
    """A run without loans reports an empty sizing table with the usual columns (it used to
    raise KeyError "None of ['loan'] are in the columns")."""
    table = _run().loan_sizing()
    assert table.empty
    assert list(table.columns) == [
        "size",
        "amount",
        "gearing",
        "dscr",
        "llcr",
        "cost",
        "binding",
        "binding_year",
        "dscr_year",
        "llcr_year",
    ]
    assert table.index.name == "loan"


def test_loan_fees_and_lpr_path() -> None:
    """LPR 5-year path 3.5 %, 3.5 %, 3.2 %, 3.0 % (held), spread −50 bp; 等额本金, 600.
    Interest in years 2 and 3: (3.2 % − 0.5 %) × 600 = 16.2 and (3.0 % − 0.5 %) × 500 = 12.5;
    up-front fee 1 % × 600 = 6 at close; commitment fee 0.4 % × undrawn: 0.4 % × 600 = 2.4
    in year 0 and 0.4 % × (600 − year-0 draw − year-0 interest capitalised) in year 1 (the
    capitalised interest uses the facility too)."""
    res = _run(
        funding={
            "loans": [
                _loan(
                    rate_type="lpr",
                    rate=None,
                    spread=-0.005,
                    upfront_fee_rate=0.01,
                    commitment_fee_rate=0.004,
                )
            ],
            "lpr": {"five_year_path": [0.035, 0.035, 0.032, 0.03]},
        }
    )
    interest = _row(res, "loan[L].interest")
    opening = _row(res, "loan[L].opening")
    draw = _row(res, "loan[L].draw")
    assert interest[2] == pytest.approx(16.2) and interest[3] == pytest.approx(12.5)
    rate = np.array([0.03, 0.03] + [0.025] * 8)
    rate[2] = 0.027
    assert_allclose(interest, rate * (opening + draw / 2), rtol=1e-12)
    assert_allclose(_row(res, "loan[L].upfront_fee"), [6] + [0] * 9)
    fee = _row(res, "loan[L].commitment_fee")
    assert fee[0] == pytest.approx(2.4)
    cap = _row(res, "loan[L].capitalised")
    assert cap[0] == pytest.approx(interest[0], rel=1e-12)  # no subsidy: all of it rolled
    assert fee[1] == pytest.approx(0.004 * (600 - draw[0] - cap[0]), rel=1e-12)
    assert_allclose(fee[2:], 0.0)
    _check_identities(res)


def test_construction_interest_follows_the_half_draw_rule() -> None:
    """In every construction period of a two-loan stack, each loan's interest is rate ×
    (opening + draw / 2) (当年借款按半年计息, 上年借款按全年计息)."""
    res = _run(
        timeline={
            "phases": [{"name": "一期", "start_year": 0, "duration_years": 3}],
            "horizon_years": 12,
        },
        investment=[
            {
                "name": "建安工程",
                "category": "construction",
                "amount": 1300.0,
                "schedule": [3 / 13, 6 / 13, 4 / 13],
            }
        ],
        funding={
            "loans": [
                _loan(name="A", rate=0.12, tenor_years=10, grace_years=3, sizing={"amount": 500}),
                _loan(name="B", rate=0.06, tenor_years=10, grace_years=3, sizing={"amount": 400}),
            ]
        },
    )
    for name, rate in (("A", 0.12), ("B", 0.06)):
        o, d, i = (_row(res, f"loan[{name}].{k}")[:3] for k in ("opening", "draw", "interest"))
        assert np.all(d > 0)
        assert_allclose(i, rate * (o + d / 2), rtol=1e-13)
    _check_identities(res)


def test_fully_loan_funded_idc_matches_the_textbook() -> None:
    """建设期利息 example (《建设项目经济评价方法与参数》; 造价工程师教材): 3-year build of
    300 / 600 / 400 fully financed by a 12 % loan whose interest is capitalised:
    q₁ = 300 / 2 × 12 % = 18; q₂ = (318 + 600 / 2) × 12 % = 74.16;
    q₃ = (318 + 674.16 + 400 / 2) × 12 % = 143.0592; total 235.2192 (see
    tests/instruments/test_loan.py). (The old convention, interest drawn mid-period, gave
    251.1496; the engine now rolls it in, but stops sizing at 234.4656 — see the reason.)"""
    res = _run(
        timeline={
            "phases": [{"name": "一期", "start_year": 0, "duration_years": 3}],
            "horizon_years": 12,
        },
        investment=[
            {
                "name": "建安工程",
                "category": "construction",
                "amount": 1300.0,
                "schedule": [3 / 13, 6 / 13, 4 / 13],
            }
        ],
        funding={
            "loans": [_loan(rate=0.12, tenor_years=10, grace_years=3, sizing={"amount": 1e9})]
        },
    )
    assert_allclose(
        _row(res, "finance.interest_capitalised")[:3], [18.0, 74.16, 143.0592], rtol=1e-9
    )
    assert_allclose(_row(res, "loan[L].draw")[:3], [300, 600, 400], rtol=1e-9)
    assert_allclose(_row(res, "equity.sponsor"), 0.0, atol=1e-9 * 1300)


def test_loan_funded_idc_rolls_into_the_balance() -> None:
    """The same 300 / 600 / 400 build at 12 % with a facility of 1,000 shared with equity:
    in every construction year the interest is 12 % × (opening + draw / 2), all of it is
    capitalised (no subsidy) and the balance grows by draw + interest; nothing of the loan
    interest is paid in cash (construction uses = capex + gross interest, sources = draws
    + capitalised + equity)."""
    res = _run(
        timeline={
            "phases": [{"name": "一期", "start_year": 0, "duration_years": 3}],
            "horizon_years": 12,
        },
        investment=[
            {
                "name": "建安工程",
                "category": "construction",
                "amount": 1300.0,
                "schedule": [3 / 13, 6 / 13, 4 / 13],
            }
        ],
        funding={
            "loans": [_loan(rate=0.12, tenor_years=10, grace_years=3, sizing={"amount": 1000})]
        },
    )
    o, d, i, c, e = (
        _row(res, f"loan[L].{k}")[:3]
        for k in ("opening", "draw", "interest", "capitalised", "closing")
    )
    assert_allclose(i, 0.12 * (o + d / 2), rtol=1e-13)
    assert_allclose(c, i, rtol=1e-13)
    assert_allclose(e, o + d + c, rtol=1e-13)
    assert_allclose(_row(res, "finance.interest_capitalised")[:3], c, rtol=1e-13)
    assert e[-1] == pytest.approx(1000.0, rel=1e-9)  # the facility covers draws + interest
    assert_allclose(_row(res, "su.uses")[:3], _row(res, "capex.total")[:3] + i, rtol=1e-13)
    _check_identities(res)


# --------------------------------------------------------------------------- #
# Fiscal funds (财政资金)
# --------------------------------------------------------------------------- #

FISCAL: dict[str, Any] = {
    "funding": {
        "fiscal_funds": [
            {"name": "G", "use": "capital_grant", "amount": 200, "schedule": [0.5, 0.5]},
            {"name": "I", "use": "equity_injection", "amount": 100},
            {
                "name": "O",
                "use": "operating_subsidy",
                "amount": 50,
                "start_year": 1,
                "years": 3,
                "growth_rate": 0.1,
            },
            {"name": "T", "use": "interest_subsidy", "loan": "L", "share": 0.5, "years": 5},
        ],
        "loans": [_loan(rate=0.04, sizing={"amount": 400})],
    }
}


@pytest.fixture(scope="module")
def fiscal() -> Result:
    return _run(**FISCAL)


def test_fiscal_fund_lines(fiscal: Result) -> None:
    """Grant 200 at 50 / 50 % → 100, 100; injection 100 in step with spending (40 / 60 %) →
    40, 60; operating subsidy 50 a year from one year after completion (year 3) for 3 years,
    +10 % a year → 50, 55, 60.5; 贴息 = 50 % × the loan's interest in years 0–4, 0 after."""
    assert_allclose(_row(fiscal, "fiscal.grant[G]")[:3], [100, 100, 0])
    assert_allclose(_row(fiscal, "fiscal.injection[I]")[:3], [40, 60, 0])
    assert_allclose(
        _row(fiscal, "fiscal.operating_subsidy[O]"), [0, 0, 0, 50, 55, 60.5, 0, 0, 0, 0], rtol=1e-14
    )
    interest = _row(fiscal, "loan[L].interest")
    expected = 0.5 * interest * (np.arange(10) < 5)
    assert_allclose(_row(fiscal, "fiscal.interest_subsidy[T]"), expected, rtol=1e-14)
    assert_allclose(_row(fiscal, "fiscal.interest_subsidies"), expected, rtol=1e-14)
    assert_allclose(
        _row(fiscal, "equity.shareholders_in"),
        _row(fiscal, "equity.sponsor") + _row(fiscal, "fiscal.injection[I]"),
    )
    _check_identities(fiscal)


def test_fiscal_outlay_and_leverage(fiscal: Result) -> None:
    """fiscal_outlay = 200 + 100 + 165.5 + Σ 贴息; fiscal_leverage (撬动比) = total
    investment / capital fiscal funds (grants + injections = 300)."""
    subsidy = _row(fiscal, "fiscal.interest_subsidies").sum()
    assert fiscal.metric("fiscal_outlay") == pytest.approx(465.5 + subsidy, rel=1e-12)
    assert_allclose(
        _row(fiscal, "fiscal.total"),
        sum(
            _row(fiscal, f"fiscal.{k}")
            for k in ("grants", "injections", "operating_subsidies", "interest_subsidies")
        ),
    )
    tpi = fiscal.metric("total_project_investment")
    assert fiscal.metric("fiscal_leverage") == pytest.approx(tpi / 300, rel=1e-12)


def test_subsidies_in_cfads_but_not_in_coverage_income(fiscal: Result) -> None:
    """CFADS includes the operating subsidy and the 贴息 of operating years (the 贴息 of
    construction years reduces the interest capitalised instead: it is neither income nor
    CFADS); the income for the coverage multiples (项目收益) excludes both: 240 in every
    operating year."""
    operating = 1.0 - _row(fiscal, "flag.construction")
    subsidies = (
        _row(fiscal, "fiscal.operating_subsidies")
        + _row(fiscal, "fiscal.interest_subsidies") * operating
    )
    assert_allclose(_row(fiscal, "pl.subsidy_income"), subsidies, rtol=1e-13)
    assert np.all(_row(fiscal, "fiscal.interest_subsidies")[:2] > 0)
    assert_allclose(
        _row(fiscal, "cash.cfads"), _row(fiscal, "revenue.total") + subsidies, rtol=1e-13
    )
    assert_allclose(
        _row(fiscal, "cash.net_income_for_coverage"), _row(fiscal, "revenue.total"), atol=1e-12
    )


def test_interest_subsidy_in_construction_reduces_the_capitalised_interest() -> None:
    """One-year build of 1,000; loan 4 % capped at 300 with a 50 % 贴息. Year 0: draw D with
    interest 4 % × D / 2 = 0.02 D, half of it paid by the subsidy, half (0.01 D) rolled into
    the balance; the facility covers D + 0.01 D = 300 → D = 300 / 1.01 = 297.0297, interest
    5.9406, subsidy 2.9703, capitalised 2.9703 = the IDC; equity 1,000 − D = 702.9703; total
    investment 1,002.9703. The construction subsidy is not income (it reduces the
    capitalised cost); in year 1 the interest 4 % × 300 = 12 is half subsidised: subsidy
    income 6."""
    res = _run(
        timeline={"phases": [{"name": "一期", "start_year": 0, "duration_years": 1}]},
        investment=[{"name": "建安工程", "category": "construction", "amount": 1000.0}],
        funding={
            "fiscal_funds": [{"name": "T", "use": "interest_subsidy", "loan": "L", "share": 0.5}],
            "loans": [_loan(rate=0.04, grace_years=1, sizing={"amount": 300})],
        },
    )
    d = 300 / 1.01
    assert _row(res, "loan[L].draw")[0] == pytest.approx(d, rel=1e-12)
    assert _row(res, "loan[L].interest")[:2] == pytest.approx([0.02 * d, 12.0], rel=1e-12)
    assert _row(res, "fiscal.interest_subsidies")[:2] == pytest.approx([0.01 * d, 6.0], rel=1e-12)
    assert _row(res, "loan[L].capitalised")[:2] == pytest.approx([0.01 * d, 0.0], abs=1e-12)
    assert _row(res, "loan[L].closing")[0] == pytest.approx(300.0, rel=1e-12)
    assert _row(res, "finance.interest_capitalised")[0] == pytest.approx(0.01 * d, rel=1e-12)
    assert _row(res, "pl.subsidy_income")[:2] == pytest.approx([0.0, 6.0], abs=1e-12)
    assert _row(res, "equity.sponsor")[0] == pytest.approx(1000 - d, rel=1e-12)
    assert res.metric("total_project_investment") == pytest.approx(1000 + 0.01 * d, rel=1e-12)
    _check_identities(res)


def test_capital_grant_and_bond_capital_count_in_the_capital_ratio() -> None:
    """资本金 = sponsor equity + grants that count as capital + capital_share × bond; a
    grant of 100 (counts) and a bond of 200 with 30 % as capital add 100 + 60."""
    bond = {"name": "B", "amount": 200, "tenor_years": 5, "capital_share": 0.3}
    res = _run(
        funding={
            "special_bonds": [bond],
            "fiscal_funds": [
                {"name": "G", "use": "capital_grant", "amount": 100, "counts_as_capital": True}
            ],
        }
    )
    capital = _row(res, "equity.sponsor").sum() + 100 + 60
    assert res.metric("capital_ratio") == pytest.approx(
        capital / res.metric("total_project_investment"), rel=1e-12
    )


def test_taxable_interest_subsidy_is_taxed_as_booked() -> None:
    """cn_default tax with a taxable 50 % 贴息 and nothing else that differs between book and
    tax: taxable income before loss relief equals profit before tax in every period
    (利润与利润分配表: 应纳税所得额 = 利润总额 with no adjustments). The construction 贴息
    is neither income nor taxed (it reduces the capitalised interest); it used to be booked
    on opening + draw / 2 but taxed on the opening balance only."""
    res = _run(
        tax={"preset": "cn_default"},
        funding={
            "fiscal_funds": [{"name": "T", "use": "interest_subsidy", "loan": "L", "share": 0.5}],
            "loans": [_loan(rate=0.04, sizing={"amount": 400})],
        },
    )
    assert_allclose(
        _row(res, "tax.taxable_income"), _row(res, "pl.profit_before_tax"), rtol=1e-12, atol=1e-9
    )
    subsidy = _row(res, "fiscal.interest_subsidies")
    assert np.all(subsidy[:2] > 0)
    assert_allclose(_row(res, "pl.subsidy_income"), np.r_[0.0, 0.0, subsidy[2:]], atol=1e-12)


def test_equity_parties_split_contributions() -> None:
    """Two sponsors at 60 / 40 %: each contributes its share of sponsor equity and has the
    same IRR."""
    res = _run(
        funding={"equity_parties": [{"name": "A", "share": 0.6}, {"name": "B", "share": 0.4}]}
    )
    sponsor = _row(res, "equity.sponsor")
    assert_allclose(_row(res, "equity.party[A].contribution"), 0.6 * sponsor)
    assert_allclose(_row(res, "equity.party[B].contribution"), 0.4 * sponsor)
    assert res.metric("party_irr[A]") == pytest.approx(res.metric("party_irr[B]"), rel=1e-9)


# --------------------------------------------------------------------------- #
# REIT exit: revenue stops, all debt repaid, proceeds to debt → fund → equity
# --------------------------------------------------------------------------- #


def _reit_case(cap_rate: float, **exit: Any) -> Result:
    return _run(
        funding={
            "special_bonds": [
                {
                    "name": "B",
                    "amount": 300,
                    "tenor_years": 7,
                    "coupon": 0.03,
                    "issuance_fee_rate": 0,
                    "payment_fee_rate": 0,
                }
            ],
            "loans": [_loan(rate=0.04, sizing={"amount": 400})],
            "fund": {
                "amount": 200,
                "senior_share": 0.75,
                "senior_return": 0.05,
                "junior_return": 0.10,
                "term_years": 7,
            },
            "reit_exit": {
                "exit_year": 6,
                "cap_rate": cap_rate,
                "min_size_yi_yuan": 0,
                "early_redemption": ["B"],
                **exit,
            },
        }
    )


def test_reit_exit_repays_debt_then_fund_then_equity() -> None:
    """Exit at the end of year 6 (period 5) at 240 / 5 % = 4,800, net 4,704. In period 5:
    bond redeemed early (``early_redemption``), 300 + interest 9; loan balance 200 + interest
    4 % × 200 = 8; the fund's whole claim (senior 150 + 7.5, junior 50 + 5 = 212.5); the rest
    to equity: 240 + 4,704 − 309 − 208 − 212.5 = 4,214.5. After it: no revenue, no
    balances."""
    res = _reit_case(0.05)
    e = 5
    assert_allclose(_row(res, "revenue.total")[e + 1 :], 0.0)
    assert np.all(_row(res, "revenue.total")[2 : e + 1] > 0)
    assert _row(res, "reit.net_proceeds")[e] == pytest.approx(4704.0)
    assert _row(res, "bond[B].principal")[e] == pytest.approx(300.0)
    assert _row(res, "bond[B].interest")[e] == pytest.approx(9.0)
    assert _row(res, "loan[L].principal")[e] == pytest.approx(200.0)
    assert _row(res, "loan[L].interest")[e] == pytest.approx(8.0)
    assert_allclose(_row(res, "bs.liabilities")[e:], 0.0, atol=1e-9)
    assert _row(res, "fund.paid")[e] == pytest.approx(212.5)
    assert _row(res, "fund.claim")[e] == pytest.approx(0.0, abs=1e-9)
    assert _row(res, "equity.distribution")[e] == pytest.approx(4214.5)
    assert_allclose(_row(res, "equity.distribution")[e + 1 :], 0.0)
    assert_allclose(_row(res, "cash.balance")[e:], 0.0, atol=1e-9)
    _check_identities(res)


def test_reit_exit_escrows_the_bond_by_default() -> None:
    """The same exit with the bond not redeemed (the default): the reserve, earning nothing,
    receives the year-7 service 300 + 9 = 309 at the exit and pays it at the bond's maturity
    (period 6). The company pays its year-6 coupon 9 and the deposit 309: principal 300
    (the balance handed over), interest 9 + 309 − 300 = 18; equity gets 9 less than with
    the redemption: 4,214.5 − 9 = 4,205.5. The bond coverage is on project income (exit
    proceeds apart): the with-exit multiple exceeds it by the proceeds over the bond
    service, 4,704 / Σ bond P+I."""
    res = _reit_case(0.05, early_redemption=[])
    e = 5
    assert _row(res, "bond[B].principal")[e] == pytest.approx(300.0)
    assert _row(res, "bond[B].interest")[e] == pytest.approx(18.0)
    assert _row(res, "escrow.deposit")[e] == pytest.approx(309.0)
    assert _row(res, "escrow.release")[e + 1] == pytest.approx(309.0)
    assert_allclose(_row(res, "escrow.closing"), [0, 0, 0, 0, 0, 309, 0, 0, 0, 0], atol=1e-9)
    assert _row(res, "equity.distribution")[e] == pytest.approx(4205.5)
    service = _row(res, "cash.bond_debt_service").sum()
    v = res.values
    assert v["bond_coverage_with_exit"][0] - v["bond_coverage"][0] == pytest.approx(
        4704.0 / service
    )
    _check_identities(res)


def test_reit_exit_with_fees_capex_reserve_and_retained_units() -> None:
    """The escrowed exit (value 4,800, NOI = revenue = 240 a year) with fees 0.5 % of value
    (24), a capex reserve of 2 % of revenue (4.8), SPV taxes 10 % of NOI (24) and REIT debt
    service 12 a year: distributable cash 240 × 0.9 − 4.8 − 24 − 12 = 175.2 a year, a
    distribution rate of 175.2 / 4,800 = 3.65 % < 3.8 %: not eligible (no longer
    0.9 × cap = 4.5 %). The owner keeps 20 % of the units for a 2-year lock-up: it pays
    960 at the exit, receives 20 % × 90 % × 175.2 = 31.536 in years 7 and 8 and sells the
    units for 960 at the end of year 8 (period 7). Net recovered money: the exit
    distribution 4,205.5 − 960 = 3,245.5, of which 90 % (2,920.95) is reinvested and left
    out of the shareholders' cash: their REIT line is −960 − 2,920.95 = −3,880.95, then
    31.536, then 991.536."""
    res = _reit_case(
        0.05,
        early_redemption=[],
        management_fee_rate=0.005,
        capex_reserve_rate=0.02,
        spv_tax_rate=0.1,
        debt_service=12.0,
        lockup_years=2,
    )
    e = 5
    assert_allclose(_row(res, "reit.distributable")[e + 1 :], 175.2, rtol=1e-12)
    assert res.values["reit_distribution_yield"][0] == pytest.approx(0.0365)
    assert res.values["reit_eligible"][0] == 0.0
    assert _row(res, "equity.distribution")[e] == pytest.approx(4205.5)
    assert _row(res, "reit.retained_subscription")[e] == pytest.approx(960.0)
    assert_allclose(
        _row(res, "reit.retained_distribution"), [0, 0, 0, 0, 0, 0, 31.536, 31.536, 0, 0], atol=1e-9
    )
    assert _row(res, "reit.retained_sale")[7] == pytest.approx(960.0)
    assert _row(res, "reit.recovered")[e] == pytest.approx(3245.5)
    assert _row(res, "reit.reinvested")[e] == pytest.approx(2920.95)
    assert_allclose(
        _row(res, "equity.reit_units"), [0, 0, 0, 0, 0, -3880.95, 31.536, 991.536, 0, 0], atol=1e-9
    )
    owners = (
        -_row(res, "equity.shareholders_in")
        + _row(res, "equity.distribution")
        + _row(res, "equity.reit_units")
    )
    assert res.values["equity_irr"][0] == pytest.approx(float(finance.irr(owners[None], 1)[0]))
    counted = _reit_case(
        0.05, early_redemption=[], lockup_years=2, reinvestment_counts_as_return=True
    )
    assert _row(counted, "equity.reit_units")[e] == pytest.approx(-960.0)


def test_equity_irr_under_the_other_reinvestment_convention() -> None:
    """The exit of the test above (fees, capex reserve, 20 % retained for 2 years; 2,920.95
    reinvested at the exit). Left out (the default), the other figure is the IRR of the
    shareholders' flows with the 2,920.95 added back in the exit period (REIT line −960
    instead of −3,880.95, by hand); counted, the two figures swap."""
    terms = dict(
        early_redemption=[],
        management_fee_rate=0.005,
        capex_reserve_rate=0.02,
        spv_tax_rate=0.1,
        debt_service=12.0,
        lockup_years=2,
    )
    res = _reit_case(0.05, **terms)
    e = 5
    owners = (
        -_row(res, "equity.shareholders_in")
        + _row(res, "equity.distribution")
        + _row(res, "equity.reit_units")
    )
    owners[e] += 2920.95
    other = float(finance.irr(owners[None], 1)[0])
    assert res.values["equity_irr_other_convention"][0] == pytest.approx(other, abs=1e-10)
    assert other > res.values["equity_irr"][0]
    counted = _reit_case(0.05, reinvestment_counts_as_return=True, **terms)
    assert counted.values["equity_irr"][0] == pytest.approx(other, abs=1e-10)
    assert counted.values["equity_irr_other_convention"][0] == pytest.approx(
        res.values["equity_irr"][0], abs=1e-10
    )


def test_reit_exit_short_proceeds_reach_the_fund_before_equity() -> None:
    """Exit value 240 / 60 % = 400, net 392: cash at exit 632; after debt (309 + 208) 115
    is left, all of it to the fund (senior return 7.5, senior capital 107.5 — the senior tier
    first), nothing to equity. What the fund is still owed — senior capital 150 − 107.5 =
    42.5, junior capital 50 and junior return 5 = 97.5 — accrues nothing after the exit
    (the last held period)."""
    res = _reit_case(0.6)
    e = 5
    assert_allclose(_row(res, "bs.liabilities")[e:], 0.0, atol=1e-9)
    assert _row(res, "fund.senior_return")[e] == pytest.approx(7.5)
    assert _row(res, "fund.senior_capital")[e] == pytest.approx(107.5)
    assert _row(res, "fund.junior_return")[e] == pytest.approx(0.0)
    assert _row(res, "fund.paid")[e] == pytest.approx(115.0)
    assert _row(res, "equity.distribution")[e] == pytest.approx(0.0)
    assert_allclose(_row(res, "fund.claim")[e:], 97.5, rtol=1e-12)
    _check_identities(res)


# --------------------------------------------------------------------------- #
# DSRA, cash sweep, lock-up, priority
# --------------------------------------------------------------------------- #


def test_dsra_holds_months_of_next_debt_service() -> None:
    """等额本金 600 at 5 % (the facility, construction interest included), repaid years 2–7
    (100 a year; interest 30, 25, 20, 15, 10, 5). A 6-month DSRA on an annual grid holds
    half of next year's service: 0.5 × 125 = 62.5 after year 2, then 60, 57.5, 55, 52.5;
    released (0) after year 7, the last repayment. (Balances are solved to the sizing
    tolerance, 1e-10 of the funding gap: rtol 1e-9.)"""
    res = _run(funding={"loans": [_loan(dsra_months=6)], "distribution_policy": "cash"})
    assert_allclose(
        _row(res, "cash.dsra_balance"),
        [0, 0, 62.5, 60, 57.5, 55, 52.5, 0, 0, 0],
        rtol=1e-9,
        atol=1e-12,
    )
    assert_allclose(
        np.diff(_row(res, "cash.dsra_balance"), prepend=0.0),
        _row(res, "cash.dsra_change"),
        atol=1e-12,
    )
    _check_identities(res)


@pytest.mark.parametrize(("months", "quarters"), [(6, 2.0), (4, 4 / 3)])
def test_dsra_on_a_quarterly_grid(months: int, quarters: float) -> None:
    """Quarterly grid, 等额本金 600 at 5 % repaid over quarters 8–31 (25 a quarter): a 6-month
    DSRA targets the next 2 quarters' service, a 4-month one the next quarter plus 1/3 of
    the one after. The reserve fills from the cash left after service (60 − 32.5 = 27.5 in
    quarter 8), never holds more than the target, holds exactly the target once full
    (quarter 10 on) and is released after the last repayment."""
    res = _run(
        timeline={"periodicity": "quarterly"},
        funding={"loans": [_loan(dsra_months=months)], "distribution_policy": "cash"},
    )
    service = np.append(_row(res, "cash.loan_debt_service"), [0.0, 0.0, 0.0])
    dsra = _row(res, "cash.dsra_balance")
    assert_allclose(_row(res, "loan[L].principal")[8:32], 25.0, rtol=1e-9)
    assert dsra[8] == pytest.approx(27.5)
    whole = int(quarters)
    for t in range(8, 40):
        target = service[t + 1 : t + 1 + whole].sum() + (quarters - whole) * service[t + 1 + whole]
        assert dsra[t] <= target * (1 + 1e-8) + 1e-12
        if 10 <= t:
            assert dsra[t] == pytest.approx(target, rel=1e-8)  # solver tolerance
    assert_allclose(dsra[31:], 0.0, atol=1e-12)
    _check_identities(res)


def test_cash_sweep_repays_faster() -> None:
    """Sweep 50 %: after year 2's service (240 − 130 = 110) 55 prepays, closing 600 − 100 −
    55 = 445; year 3's principal re-amortises to 445 / 5 = 89. Balances never exceed the
    no-sweep case, total interest is lower."""
    plain = _run(funding={"loans": [_loan()], "distribution_policy": "cash"})
    swept = _run(funding={"loans": [_loan(cash_sweep=0.5)], "distribution_policy": "cash"})
    assert _row(swept, "loan[L].prepayment")[2] == pytest.approx(55.0)
    assert _row(swept, "loan[L].closing")[2] == pytest.approx(445.0)
    assert _row(swept, "loan[L].principal")[3] == pytest.approx(89.0)
    assert np.all(_row(swept, "loan[L].closing") <= _row(plain, "loan[L].closing") + 1e-9)
    assert _row(swept, "loan[L].closing")[2:].sum() < _row(plain, "loan[L].closing")[2:].sum()
    assert _row(swept, "loan[L].interest").sum() < _row(plain, "loan[L].interest").sum()
    _check_identities(swept)


def test_lockup_blocks_distributions_below_the_floor() -> None:
    """DSCR in years 2–7 is 240 / (100 + interest) ≤ 240 / 105 = 2.29 < 2.5: no
    distributions, cash piles up (110, 225, 345, 470, 600, 735); after maturity the lock
    lifts and year 8 pays out 735 + 240. With a floor of 1.5 (< 240 / 130) nothing locks."""
    locked = _run(funding={"loans": [_loan(lockup_dscr=2.5)], "distribution_policy": "cash"})
    dist = _row(locked, "equity.distribution")
    assert_allclose(dist[2:8], 0.0)
    assert_allclose(_row(locked, "cash.lockup")[2:8], 1.0)
    assert_allclose(_row(locked, "cash.lockup")[:2], 0.0)  # never in construction
    assert_allclose(_row(locked, "cash.balance")[2:8], [110, 225, 345, 470, 600, 735])
    assert dist[8] == pytest.approx(975.0)
    free = _run(funding={"loans": [_loan(lockup_dscr=1.5)], "distribution_policy": "cash"})
    assert_allclose(_row(free, "cash.lockup")[2:], 0.0)
    assert np.all(_row(free, "equity.distribution")[2:] > 0)
    _check_identities(locked)


def test_priority_fund_before_reserves() -> None:
    """A 12-month DSRA (target after year 2 = year 3's service 125) and a fund of 200 paid
    in with spending (80 and 120 at the ends of years 0 and 1; senior 75 % at 5 %, junior
    at 10 %, compounding): senior 60 × 5 % = 3 in year 1, (150 + 3) × 5 % = 7.65 in year
    2; junior 20 × 10 % = 2, then (50 + 2) × 10 % = 5.2: 17.85 accrued by year 2. With the
    default order the 110 left after debt service all goes to the reserve and the fund gets
    nothing; with the fund before the reserves the fund takes its 17.85 first and the
    reserve 92.15. Sources = uses and the balance sheet balances in both."""
    funding = {
        "loans": [_loan(dsra_months=12)],
        "distribution_policy": "cash",
        "fund": {
            "amount": 200,
            "senior_share": 0.75,
            "senior_return": 0.05,
            "junior_return": 0.10,
            "term_years": 7,
        },
    }
    default = _run(funding=funding)
    swapped = _run(
        funding={**funding, "priority": ["bond", "loan", "fund", "reserves", "sweep", "equity"]}
    )
    assert _row(default, "fund.paid")[2] == pytest.approx(0.0)
    assert _row(default, "cash.dsra_balance")[2] == pytest.approx(110.0)
    assert _row(swapped, "fund.paid")[2] == pytest.approx(17.85)
    assert _row(swapped, "cash.dsra_balance")[2] == pytest.approx(92.15)
    _check_identities(default)
    _check_identities(swapped)


def test_priority_decides_whose_service_bears_a_shortfall() -> None:
    """The hand case (bond 400 at 3 % bullet in year 4, loan 300 at 5 % 等额本金 60 a year),
    paying out all free cash so that year 4 opens with none. Year 4: CFADS 240 against bond
    service 12 + 400 = 412 and loan service 60 + 6 = 66.
    Bonds first (the default, 债贷组合): the bond takes the 240 and is short 412 − 240 =
    172; nothing is left for the loan, short 66.
    Loans first: the loan is paid in full (short 0); the bond gets 240 − 66 = 174 and is
    short 412 − 174 = 238.
    The total shortfall, 238, is the same either way, and so is the cash balance (−238);
    the priority decides whose service is at risk. Year 5 (the loan alone, 60 + 3 = 63)
    opens at −238 + 240 = 2 and is short 61 in both orders."""
    funding = {**HAND["funding"], "distribution_policy": "cash"}
    bond_first = _run(**{**HAND, "funding": funding})
    loan_first = _run(
        **{
            **HAND,
            "funding": {
                **funding,
                "priority": ["loan", "bond", "reserves", "sweep", "fund", "equity"],
            },
        }
    )
    for res in (bond_first, loan_first):
        assert _row(res, "cash.balance")[3] == pytest.approx(0.0, abs=1e-9)
        assert _row(res, "cash.balance")[4] == pytest.approx(-238.0, rel=1e-12)
        assert _row(res, "cash.bond_debt_service")[4] == pytest.approx(412.0, rel=1e-12)
        assert _row(res, "cash.loan_debt_service")[4] == pytest.approx(66.0, rel=1e-12)
        assert _row(res, "cash.loan_shortfall")[5] == pytest.approx(61.0, rel=1e-12)
        _check_identities(res)
    assert_allclose(_row(bond_first, "cash.bond_shortfall"), [0, 0, 0, 0, 172, 0, 0, 0], atol=1e-9)
    assert_allclose(_row(bond_first, "cash.loan_shortfall")[:5], [0, 0, 0, 0, 66], atol=1e-9)
    assert_allclose(_row(loan_first, "cash.bond_shortfall"), [0, 0, 0, 0, 238, 0, 0, 0], atol=1e-9)
    assert_allclose(_row(loan_first, "cash.loan_shortfall")[:5], 0.0, atol=1e-9)


def test_shortfall_lines_of_the_hand_case(hand: Result) -> None:
    """The hand case under the default policy and priority. In construction the service is
    met by the funding sources (no shortfall); years 1–3 cover theirs (240 against 12 + 75,
    72, 69) and pay out the rest (153, 156, 159, within distributable profit), so year 4
    opens with no cash: bond short 412 − 240 = 172, loan short 66 (as above). Year 5 opens
    at −238 + 240 = 2 against the loan's 60 + 3 = 63: short 61. Years 6–7: no debt."""
    assert_allclose(_row(hand, "equity.distribution")[1:4], [153, 156, 159], rtol=1e-12)
    assert_allclose(_row(hand, "cash.bond_shortfall"), [0, 0, 0, 0, 172, 0, 0, 0], atol=1e-9)
    assert_allclose(_row(hand, "cash.loan_shortfall"), [0, 0, 0, 0, 66, 61, 0, 0], atol=1e-9)
    assert_allclose(_row(hand, "cash.balance"), [0, 0, 0, 0, -238, -61, 0, 0], atol=1e-9)


# --------------------------------------------------------------------------- #
# Distribution policy `profit` (可供分配利润)
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "funding",
    [
        {"loans": [_loan()]},
        {"special_bonds": [{"name": "B", "amount": 400, "tenor_years": 5}], "loans": [_loan()]},
        {"loans": [_loan()], "statutory_reserve_rate": 0.25},
    ],
)
def test_profit_policy_never_distributes_more_than_profit(funding: dict[str, Any]) -> None:
    """Before the last period (when everything left is paid out) cumulative distributions
    never exceed cumulative net profit × (1 − statutory reserve), with cn_default taxes."""
    res = _run(tax={"preset": "cn_default"}, funding=funding)
    reserve = res.spec.funding.statutory_reserve_rate
    paid = np.cumsum(_row(res, "equity.distribution"))[:-1]
    allowed = np.cumsum(_row(res, "pl.net_profit"))[:-1] * (1 - reserve)
    assert np.all(paid <= np.maximum(allowed, 0.0) + 1e-9)
    assert paid[-1] > 0
    _check_identities(res)


def test_profit_policy_limits_fund_returns_too() -> None:
    """Income 48 a year against depreciation 200 a year (5-year life): net profit −152 in
    years 2–6. The fund (preferred equity) may not take returns out of losses: cumulative
    returns + sponsor distributions ≤ 90 % × cumulative net profit (floored at 0); 利润与利润
    分配表 pays 优先股股利 out of 可供分配利润 too. (The fund used to take 26.88 in year 2.)
    Its capital is still returned from cash at the end of the term."""
    res = _run(
        revenues=[
            {
                "name": "停车位",
                "kind": "parking",
                "quantity": 100,
                "unit_price": 400.0,
                "price_per": "month",
            }
        ],
        depreciation={"classes": [{"name": "building", "life_years": 5, "residual_rate": 0.0}]},
        funding={"fund": {"amount": 300, "term_years": 5}},
    )
    returns = sum(_row(res, f"fund.{k}") for k in ("senior_return", "junior_return", "upside"))
    paid = np.cumsum(returns + _row(res, "equity.distribution"))[:-1]
    allowed = np.maximum(np.cumsum(_row(res, "pl.net_profit"))[:-1] * 0.9, 0.0)
    assert np.all(paid <= allowed + 1e-9)
    assert_allclose(returns[2:7], 0.0, atol=1e-12)  # cumulative profit < 0 throughout
    assert _row(res, "fund.senior_capital").sum() > 0


# --------------------------------------------------------------------------- #
# Bad input: one SpecError naming the field
# --------------------------------------------------------------------------- #


def _spec_error(funding: dict[str, Any], **sections: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, minimal_spec(funding=funding, **sections))
    return info.value


@pytest.mark.parametrize(
    ("funding", "path", "words"),
    [
        (
            {"loans": [_loan(tenor_years=2, grace_years=3)]},
            "funding.loans[0 L].tenor_years",
            ["grace_years (3)", "got 2.0"],
        ),
        (
            {"loans": [_loan(tenor_years=3, grace_years=3)]},
            "funding.loans[0 L].tenor_years",
            ["grace_years (3)", "got 3.0"],
        ),
        (
            {
                "loans": [
                    _loan(repayment="custom", repayment_schedule=[0.2, 0.2, 0.2, 0.2, 0.1, 0.05])
                ]
            },
            "funding.loans[0 L].repayment_schedule",
            ["100%", "95.000000%"],
        ),
        (
            {
                "special_bonds": [
                    {
                        "name": "B",
                        "amount": 100,
                        "tenor_years": 3,
                        "repayment": "custom",
                        "repayment_schedule": [0.3, 0.3, 0.3],
                    }
                ]
            },
            "funding.special_bonds[0 B].repayment_schedule",
            ["100%"],
        ),
        (
            {"special_bonds": [{"name": "B", "amount": 100, "tenor_years": 3, "issue_year": 11}]},
            "funding.special_bonds[0 B].issue_year",
            ["horizon"],
        ),
        (
            {"special_bonds": [{"name": "B", "amount": 100, "tenor_years": 9, "issue_year": 2}]},
            "funding.special_bonds[0 B].tenor_years",
            ["horizon"],
        ),
        (
            {
                "special_bonds": [
                    {"name": "B", "amount": 100, "tenor_years": 6, "refinance_share": 0.5}
                ]
            },
            "funding.special_bonds[0 B].refinance_tenor_years",
            ["horizon"],
        ),
        ({"reit_exit": {"exit_year": 1}}, "funding.reit_exit.exit_year", ["completion"]),
        ({"reit_exit": {"exit_year": 2}}, "funding.reit_exit.exit_year", ["completion"]),
        (
            {
                "loans": [_loan()],
                "fiscal_funds": [
                    {"name": "T", "use": "interest_subsidy", "loan": "X", "share": 0.5}
                ],
            },
            "funding",
            ["unknown loan", "'X'"],
        ),
        (
            {"equity_parties": [{"name": "A", "share": 0.6}, {"name": "B", "share": 0.3}]},
            "funding",
            ["equity_parties", "100%"],
        ),
        ({"loans": [_loan(tenor_years=12)]}, "funding.loans[0 L].tenor_years", ["horizon"]),
    ],
    ids=[
        "tenor<grace",
        "tenor=grace",
        "loan-shares-95%",
        "bond-shares-90%",
        "issued-after-horizon",
        "matures-after-horizon",
        "refinancing-after-horizon",
        "reit-before-completion",
        "reit-at-completion",
        "subsidy-unknown-loan",
        "parties-90%",
        "loan-after-horizon",
    ],
)
def test_bad_input_raises_spec_error(funding: dict[str, Any], path: str, words: list[str]) -> None:
    """Each problem is one SpecError whose path locates it and whose message names the
    field (DESIGN.md §4)."""
    err = _spec_error(funding)
    assert len(err.problems) == 1
    problem = err.problems[0]
    assert problem.path == path
    text = str(err)
    for w in words:
        assert w in text


@pytest.mark.parametrize(
    ("loan", "problems"),
    [
        (_loan(tenor_years=2, grace_years=3), {"tenor_years": 2}),
        (_loan(rate=None), {"rate": None}),
        (_loan(rate_type="lpr"), {"rate": 0.05}),
        (
            _loan(repayment="custom", repayment_schedule=[0.5, 0.5]),
            {"repayment_schedule": [0.5, 0.5]},
        ),
        (
            _loan(repayment="custom", repayment_schedule=[0.2, 0.2, 0.2]),
            {"repayment_schedule": [0.2, 0.2, 0.2]},
        ),
        (_loan(repayment_schedule=[1.0]), {"repayment_schedule": [1.0]}),
        (_loan(repayment="sculpted"), {"target_dscr": None}),
        (
            _loan(rate=None, tenor_years=2, grace_years=3, repayment="sculpted"),
            {"rate": None, "tenor_years": 2, "target_dscr": None},
        ),
    ],
    ids=[
        "tenor<grace",
        "fixed-without-rate",
        "lpr-with-rate",
        "custom-too-few-shares",
        "custom-shares-60%-and-short",
        "schedule-without-custom",
        "sculpted-without-target",
        "three-at-once",
    ],
)
def test_loan_problems_are_reported_at_their_fields(
    loan: dict[str, Any], problems: dict[str, Any]
) -> None:
    """DESIGN.md §4: `funding.loans[0].tenor_years: must be > grace_years (3)` — each
    problem of a loan at its own field, with its value (none for a missing field), all of
    them reported at once. (They used to be joined into one problem at funding.loans[0 L].)
    A custom schedule of 3 shares for 6 repayment years that sums to 60 % is two problems
    at the same field."""
    err = _spec_error({"loans": [loan]})
    at = "funding.loans[0 L]."
    found = {p.path for p in err.problems}
    assert found == {at + f for f in problems}
    for p in err.problems:
        field = p.path[len(at) :]
        if problems[field] is None:
            assert not p.has_value
        else:
            assert p.has_value and p.value == problems[field]
    if "tenor_years" in problems:
        assert f"{at}tenor_years: must be > grace_years (3) (got 2.0)" in str(err)


def test_funding_timing_paths_label_items_by_name() -> None:
    """The same path form as every other problem: funding.special_bonds[0 B].issue_year,
    funding.loans[0 L].tenor_years, funding.fiscal_funds[0 G].schedule (they used to be
    labelled by index only, funding.special_bonds[0].issue_year)."""
    err = _spec_error(
        {
            "special_bonds": [{"name": "B", "amount": 100, "tenor_years": 3, "issue_year": 11}],
            "loans": [_loan(tenor_years=12)],
            "fiscal_funds": [
                {
                    "name": "G",
                    "use": "capital_grant",
                    "amount": 100,
                    "schedule": [0.1] * 10,
                    "start_year": 1,
                }
            ],
        }
    )
    assert {p.path for p in err.problems} == {
        "funding.special_bonds[0 B].issue_year",
        "funding.loans[0 L].tenor_years",
        "funding.fiscal_funds[0 G].schedule",
    }


@pytest.mark.parametrize("field", ["cap_rate", "discount_rate"])
@pytest.mark.parametrize("rate", [0.0, -0.05])
def test_reit_rates_must_be_positive(field: str, rate: float) -> None:
    """A cap rate and a valuation discount rate must be > 0 (DOMAIN.md §5: about 4–5.5 % and
    6–7.5 %): cap_rate 0 used to give an infinite exit value and −5 % a negative one
    (−4,800: the company paid to sell)."""
    err = _spec_error({"reit_exit": {"exit_year": 6, field: rate}})
    assert [p.path for p in err.problems] == [f"funding.reit_exit.{field}"]
    assert err.problems[0].value == rate
    assert "greater than 0" in str(err)


@pytest.mark.parametrize("issue_year", [6, 7])
def test_bond_issued_at_or_after_the_reit_exit_is_rejected(issue_year: int) -> None:
    """Exit at the end of year 6 (period 5): a tranche issued in year 6 or 7 (period 6 or
    7, after the asset is sold) cannot exist. It used to be accepted and silently dropped
    (issue, interest and principal all 0)."""
    err = _spec_error(
        {
            "special_bonds": [
                {"name": "B", "amount": 300, "tenor_years": 2, "issue_year": issue_year}
            ],
            "reit_exit": {"exit_year": 6},
        }
    )
    assert len(err.problems) == 1
    p = err.problems[0]
    assert p.path == "funding.special_bonds[0 B].issue_year"
    assert p.value == issue_year
    assert "REIT exit" in p.message


def test_bond_issued_before_the_reit_exit_is_accepted() -> None:
    """A tranche issued in year 5 (the last year before the exit at the end of year 6) is
    valid and redeemed from the exit proceeds."""
    res = _run(
        funding={
            "special_bonds": [{"name": "B", "amount": 300, "tenor_years": 3, "issue_year": 5}],
            "reit_exit": {"exit_year": 6, "min_size_yi_yuan": 0},
        }
    )
    assert _row(res, "bond[B].issue")[5] == pytest.approx(300.0)
    assert _row(res, "bond[B].principal")[5] == pytest.approx(300.0)
    assert_allclose(_row(res, "bond[B].closing")[5:], 0.0, atol=1e-9)


# --------------------------------------------------------------------------- #
# Fund returns and capital (issue 18)
# --------------------------------------------------------------------------- #


def test_fund_tiers_paid_in_full_earn_exactly_their_rates() -> None:
    """The REIT case's fund (senior 75 % at 5 %, junior at 10 %, compounding, paid in at the
    ends of the construction years, returns paid from cash each year and capital at the
    exit): each tier's IRR on its own flows is exactly its rate, 5.000 % and 10.000 %."""
    res = _reit_case(0.05)
    fund = res.spec.funding.fund
    assert fund is not None
    assert res.values[f"party_irr[{fund.name}优先级]"][0] == pytest.approx(0.05, abs=1e-10)
    assert res.values[f"party_irr[{fund.name}劣后级]"][0] == pytest.approx(0.10, abs=1e-10)


def _fund_capital_case(debt_like: str, amount: float = 200.0) -> Result:
    return _run(
        funding={
            "fund": {
                "amount": amount,
                "senior_share": 0.75,
                "senior_return": 0.05,
                "junior_return": 0.10,
                "term_years": 7,
                "debt_like": debt_like,
            }
        }
    )


def test_debt_like_tiers_are_not_capital_and_the_cap_is_checked() -> None:
    """A fund of 200 in a project of total investment I with sponsor equity E: as equity
    the fund counts in full (capital ratio (E + 200) / I); with the senior tier debt-like
    (明股实债, 国发〔2019〕26号) only the junior 50 counts; with both, none. The fund's
    equity-type share of capital is 200 / (E + 200); a fund of 900 (with the sponsor's
    equity small beside it) exceeds the 50 % cap and fails ``equity_instrument_cap``."""
    equity = _fund_capital_case("none")
    senior = _fund_capital_case("senior")
    both = _fund_capital_case("all")
    total = equity.values["total_project_investment"][0]
    for res, counted in ((equity, 200.0), (senior, 50.0), (both, 0.0)):
        e = res.values["sponsor_equity"][0]
        assert res.values["capital_ratio"][0] == pytest.approx((e + counted) / total)
        share = res.values["equity_instrument_share"][0]
        assert share == pytest.approx(counted / (e + counted))
    checks = {c.id: c for c in run_checks(equity)}
    assert bool(checks["equity_instrument_cap"].passed[0]) is bool(
        equity.values["equity_instrument_share"][0] <= 0.5
    )
    big = {c.id: c for c in run_checks(_fund_capital_case("none", 900.0))}
    assert not big["equity_instrument_cap"].passed[0]
    assert "equity_instrument_cap is 50%" in big["equity_instrument_cap"].detail(0)


@settings(max_examples=8)
@given(
    amount=st.floats(50.0, 600.0),
    senior=st.floats(0.5, 0.9),
    debt_like=st.sampled_from(["senior", "all"]),
)
def test_a_debt_like_tier_never_counts_as_capital(
    amount: float, senior: float, debt_like: str
) -> None:
    """Property: whatever the fund's size and split, the capital counted from a fund whose
    senior (or every) tier is debt-like is its other tiers' contributions only: the
    capital ratio is (sponsor equity + what is left) / total investment."""
    res = _run(
        funding={
            "fund": {
                "amount": amount,
                "senior_share": senior,
                "senior_return": 0.05,
                "junior_return": 0.10,
                "term_years": 7,
                "debt_like": debt_like,
            }
        }
    )
    paid = float(res.ledger["fund.contribution"].sum())
    counted = paid * (1.0 - senior) if debt_like == "senior" else 0.0
    total = res.values["total_project_investment"][0]
    e = res.values["sponsor_equity"][0]
    assert res.values["capital_ratio"][0] == pytest.approx((e + counted) / total, rel=1e-12)


@settings(max_examples=8)
@given(
    tenor=st.integers(7, 15),
    coupon=st.floats(0.01, 0.05),
    rate=st.floats(0.0, 0.04),
    exit_year=st.integers(5, 6),
    bullet=st.booleans(),
)
def test_escrow_in_the_engine_never_negative_and_repays_at_maturity(
    tenor: int, coupon: float, rate: float, exit_year: int, bullet: bool
) -> None:
    """Property (engine): a bond of 300 outliving a REIT exit whose proceeds suffice is
    held to maturity from the reserve: the reserve never goes negative, its releases are
    the bond's service after the exit — all the principal left at the exit, paid by the
    bond's maturity — and it is empty from maturity on (a 20-year horizon holds every
    tenor)."""
    shares = None if bullet else [1.0 / tenor] * tenor
    bond = {
        "name": "B",
        "amount": 300,
        "tenor_years": tenor,
        "coupon": coupon,
        "repayment": "bullet" if bullet else "custom",
        "repayment_schedule": shares,
    }
    res = _run(
        timeline={"horizon_years": 20},
        funding={
            "special_bonds": [bond],
            "reit_exit": {
                "exit_year": exit_year,
                "cap_rate": 0.05,
                "min_size_yi_yuan": 0,
                "escrow_rate": rate,
            },
        },
    )
    led = res.ledger
    closing = led["escrow.closing"][0]
    assert closing.min() >= -1e-9 * 300
    e = exit_year - 1
    maturity = tenor - 1
    left = 300.0 * (1.0 if bullet else (tenor - exit_year) / tenor)
    b = res.spec.funding.special_bonds[0]  # its payment fees (0.005 %) are service too
    schedule = sb.schedule(
        300.0,
        0,
        tenor,
        coupon,
        1,
        20,
        shares=None if bullet else np.array(shares),
        issuance_fee_rate=b.issuance_fee_rate,
        payment_fee_rate=b.payment_fee_rate,
    )
    assert_allclose(
        led["escrow.release"][0], np.where(np.arange(20) > e, schedule.service[0], 0.0), atol=1e-9
    )
    assert schedule.principal[0, e + 1 :].sum() == pytest.approx(left)
    assert_allclose(closing[maturity:], 0.0, atol=1e-9 * 300)
