"""The policy test ``platform_land_loan`` (renewfin.checks, DOMAIN.md §5a): land revenue a
financing platform books that both repays a market loan and pays its shareholders is the
hidden-debt pattern of 财预〔2017〕50号. Hand cases on ``renewfin.testing.minimal_spec``."""

from __future__ import annotations

from typing import Any

import pytest

from renewfin.checks import run_checks
from renewfin.engine import run
from renewfin.spec import ProjectSpec, validate_data
from renewfin.testing import minimal_spec

LAND = {
    "name": "地块出让",
    "kind": "land_transfer",
    "quantity": 30,
    "quantity_unit": "亩",
    "unit_price": 150.0,
    "price_currency": "万元",
    "price_per": "once",
    "schedule": [0.6, 0.4],
    "set_aside_rate": 0.2,
}
"""30 亩 × 150 万元 = 4,500 gross; 20 % set aside: 3,600 reaches the company."""
LOAN = {
    "name": "项目贷款",
    "rate_type": "fixed",
    "rate": 0.04,
    "tenor_years": 6,
    "grace_years": 2,
    "repayment": "equal_principal",
    "sizing": {"gearing": 0.5},
}
"""A bank loan of half the investment (a market loan)."""


def _check(entity: str | None, *, loans: list[dict[str, Any]]) -> Any:
    data = minimal_spec(
        project={"implementing_entity_type": entity},
        revenues=[*minimal_spec()["revenues"], LAND],
        funding={"loans": loans},
    )
    result = run(validate_data(ProjectSpec, data))
    found = [c for c in run_checks(result) if c.id == "platform_land_loan"]
    return result, (found[0] if found else None)


def test_platform_land_revenue_repaying_a_loan_and_paying_equity_fails() -> None:
    """A 城投 books 3,600 of land revenue (4,500 less 20 % set aside), draws a loan and pays
    distributions: the test fails, a covenant / policy test, and names the land income and
    both rules in Chinese and English."""
    result, check = _check("financing_platform", loans=[LOAN])
    assert check is not None and check.kind.value == "covenant"
    assert result.ledger["loan.draw"].sum() > 0
    assert result.ledger["equity.distribution"].sum() > 0
    assert not check.passed[0]
    msg = check.message(0)
    assert "3,600.00" in msg  # 30 × 150 × (1 − 0.2), by hand
    assert "融资平台公司" in msg and "financing platform" in msg and "成本返还" in msg


def test_platform_without_a_market_loan_passes() -> None:
    """The same 城投 and land revenue with no loan: land revenue services no market debt."""
    _, check = _check("financing_platform", loans=[])
    assert check is not None and check.passed[0]
    assert check.message(0) == "OK"


def test_market_entity_is_not_tested() -> None:
    """A state-owned company on market terms (not a platform), or an entity not stated:
    the test does not apply."""
    assert _check("state_owned", loans=[LOAN])[1] is None
    assert _check(None, loans=[LOAN])[1] is None


def test_land_the_government_books_is_not_the_platforms() -> None:
    """The lawful route: the government books the land income and repays the 城投 its cost
    (成本返还, 40 % of the gross); the company's income is no land revenue, so the test runs
    and passes although it borrows and distributes."""
    data = minimal_spec(
        project={"implementing_entity_type": "financing_platform"},
        revenues=[
            *minimal_spec()["revenues"],
            {**LAND, "booked_by": "government", "land_cost_rate": 0.4},
        ],
        funding={"loans": [LOAN]},
    )
    result = run(validate_data(ProjectSpec, data))
    assert result.ledger["loan.draw"].sum() > 0
    assert result.ledger["equity.distribution"].sum() > 0
    found = [c for c in run_checks(result) if c.id == "platform_land_loan"]
    assert len(found) == 1 and found[0].passed.all()


def _urban_village(changes: dict[str, Any] | None = None) -> Any:
    from pathlib import Path

    from renewfin.spec import load_spec

    spec = load_spec(Path(__file__).parents[1] / "models" / "urban_village.yaml")
    result = run(spec.with_changes(changes) if changes else spec)
    found = [c for c in run_checks(result) if c.id == "platform_land_loan"]
    assert len(found) == 1, "the policy test runs on urban_village"
    return result, found[0]


def test_urban_village_is_tested_as_a_platform_and_passes() -> None:
    """models/urban_village.yaml: 市城投集团 is stated a financing platform, so the test runs;
    the government books the land and repays the company 成本返还 and a 2 % management fee,
    so it passes although the company draws the bank loan and pays distributions. By hand:
    0.77 × 260,000 = 200,200 reimbursed, 2 % of it = 4,004 of fee."""
    result, check = _urban_village()
    led = result.ledger
    assert check.passed[0]
    assert led["revenue.land_reimbursement[经营性用地出让]"].sum() == pytest.approx(200_200)
    assert led["revenue.land_management_fee[经营性用地出让]"].sum() == pytest.approx(4_004)
    assert led["loan.draw"].sum() > 0 and led["equity.distribution"].sum() > 0


def test_urban_village_old_structure_fails_the_platform_test() -> None:
    """The structure urban_village had before: the 城投 books the land income itself (less the
    set-asides) while it draws the bank loan and pays itself distributions — the hidden-debt
    pattern of 财预〔2017〕50号. By hand the income it books is 260,000 less the set-asides
    3 × 10 % × 260,000 × (1 − 0.55) = 35,100: 224,900."""
    path = "revenues[经营性用地出让]"
    result, check = _urban_village(
        {
            f"{path}.booked_by": "company",
            f"{path}.management_fee_rate": 0.0,
            f"{path}.land_cost_rate": 0.55,
        }
    )
    assert result.ledger["equity.distribution"].sum() > 0
    assert not check.passed[0]
    assert "224,900.00" in check.message(0)
