"""Who books land-transfer income (renewfin.core.revenue.cost_reimbursement, DOMAIN.md §5a):
the company (its revenue is the income less the set-asides) or the government (the company
receives 成本返还 plus a management fee). Hand calculations on
``renewfin.testing.minimal_spec`` (phase of 2 years, so the plots sell in years 2 and 3)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from renewfin.engine import run
from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec

LAND: dict[str, Any] = {
    "name": "地块出让",
    "kind": "land_transfer",
    "quantity": 30,
    "quantity_unit": "亩",
    "unit_price": 150.0,
    "price_currency": "万元",
    "price_per": "once",
    "schedule": [0.6, 0.4],
    "set_aside_rate": 0.2,
    "land_cost_rate": 0.4,
}
"""30 亩 × 150 万元 = 4,500 gross: 2,700 in year 2 and 1,800 in year 3."""


def _ledger(**changes: Any) -> Any:
    data = minimal_spec(revenues=[{**LAND, **changes}])
    return run(validate_data(ProjectSpec, data)).ledger


def test_government_books_the_land_and_repays_the_cost_with_a_fee() -> None:
    """Government booking, land's cost 40 % of the gross, management fee 2 % of it: 成本返还
    0.4 × 2,700 = 1,080 and 0.4 × 1,800 = 720; fee 0.02 × 1,080 = 21.6 and 0.02 × 720 =
    14.4; the company's revenue 1,101.6 and 734.4. The government's gross (4,500) and its
    20 % set-aside (540, 360) stay on their lines."""
    led = _ledger(booked_by="government", management_fee_rate=0.02)
    name = LAND["name"]
    np.testing.assert_allclose(led[f"revenue.land_reimbursement[{name}]"][0, 2:4], [1080, 720])
    np.testing.assert_allclose(led[f"revenue.land_management_fee[{name}]"][0, 2:4], [21.6, 14.4])
    np.testing.assert_allclose(led[f"revenue.stream[{name}]"][0, 2:4], [1101.6, 734.4])
    assert led[f"revenue.stream[{name}]"].sum() == pytest.approx(1836.0)
    assert led[f"revenue.land_gross[{name}]"].sum() == pytest.approx(4500.0)
    np.testing.assert_allclose(led[f"revenue.set_aside[{name}][计提]"][0, 2:4], [540, 360])


def test_company_books_the_land_less_the_set_asides() -> None:
    """Company booking (the default): revenue 2,700 − 540 = 2,160 and 1,800 − 360 = 1,440,
    and no reimbursement lines."""
    led = _ledger()
    name = LAND["name"]
    np.testing.assert_allclose(led[f"revenue.stream[{name}]"][0, 2:4], [2160, 1440])
    assert f"revenue.land_reimbursement[{name}]" not in led.ids()


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"booked_by": "government", "land_cost_rate": 0.0}, "land_cost_rate"),
        ({"management_fee_rate": 0.02}, "management_fee_rate"),
        ({"booked_by": "government", "land_appreciation_tax": True}, "land_appreciation_tax"),
    ],
)
def test_booking_inputs_are_checked(changes: dict[str, Any], path: str) -> None:
    """Government booking with no land cost to reimburse, a management fee on land the
    company books, and 土地增值税 on land the government books are refused naming the
    field."""
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, minimal_spec(revenues=[{**LAND, **changes}]))
    assert [p.path for p in info.value.problems] == [f"revenues[0 地块出让].{path}"]


def test_booking_applies_to_land_only() -> None:
    """``booked_by: government`` on a parking stream is refused at its path."""
    data = minimal_spec()
    data["revenues"][0]["booked_by"] = "government"
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, data)
    assert [p.path for p in info.value.problems] == ["revenues[0 停车位].booked_by"]
