"""Resettlement housing (安置房) allocated to relocated households (renewfin.core.revenue,
DOMAIN.md §5a): the households allocated, the area, the construction cost of the flats
allocated and the price difference (差价) on the area above each entitlement, by hand on
``renewfin.testing.minimal_spec`` (建安工程 1,000 万元, the phase ending after 2 years)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from renewfin.engine import run
from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec


def _flats(**resettlement: Any) -> dict[str, Any]:
    return {
        "name": "安置房",
        "kind": "sale",
        "quantity": 200,
        "quantity_unit": "户",
        "unit_price": 3000.0,
        "price_per": "once",
        "schedule": [0.5, 0.5],
        "vat_method": "exempt",
        "resettlement": {
            "area_per_household": 90,
            "entitled_area": 75,
            "cost_item": "建安工程",
            **resettlement,
        },
    }


def test_allocation_cost_and_price_difference() -> None:
    """200 households allocated 90 m² flats against a 75 m² entitlement, half in year 2 and
    half in year 3: 100 households and 9,000 m² a year; 差价 100 × (90 − 75) × 3,000 元 =
    450 万元 a year; the flats' cost 1,000 × 100 / 200 = 500 a year."""
    data = minimal_spec(revenues=[*minimal_spec()["revenues"], _flats()])
    led = run(validate_data(ProjectSpec, data)).ledger
    np.testing.assert_allclose(led["revenue.units[安置房]"][0, 2:4], [100, 100])
    np.testing.assert_allclose(led["revenue.resettlement_area[安置房]"][0, 2:4], [9000, 9000])
    np.testing.assert_allclose(led["revenue.stream[安置房]"][0, 2:4], [450, 450])
    np.testing.assert_allclose(led["revenue.resettlement_cost[安置房]"][0, 2:4], [500, 500])
    assert led["revenue.resettlement_cost[安置房]"].sum() == pytest.approx(1000.0)


@pytest.mark.parametrize(
    ("flats", "path"),
    [
        (_flats(entitled_area=95), "revenues[1 安置房].resettlement.entitled_area"),
        (_flats(cost_item="没有"), "revenues[1 安置房].resettlement.cost_item"),
        ({**_flats(), "kind": "land_transfer"}, "revenues[1 安置房].resettlement"),
    ],
)
def test_resettlement_inputs_name_the_field(flats: dict[str, Any], path: str) -> None:
    """An entitlement above the flat, an unknown cost item and resettlement on a land
    stream are refused at their paths."""
    data = minimal_spec(revenues=[*minimal_spec()["revenues"], flats])
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, data)
    assert path in [p.path for p in info.value.problems]
