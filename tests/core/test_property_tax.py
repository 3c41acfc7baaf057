"""房产税 (issue 17.5): 从价 on an original value that includes the land (财税〔2010〕121号
第三条: 房产原值均应包含地价), vacant lettable space taxed 从价 (房产税暂行条例 第三条、第四条:
1.2 % × original value × (1 − 10…30 %)), and 从租 at 4 % on housing let to individuals
(财政部 税务总局公告2021年第24号). Every expected figure is worked out by hand in the test."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec

CN = {"preset": "cn_default"}
WORKS_1090 = {
    "name": "建安工程",
    "category": "construction",
    "amount": 1090,
    "schedule": [0.4, 0.6],
}
LAND_500 = {"name": "土地出让金", "category": "land", "amount": 500, "schedule": [1.0]}
RENT = {"name": "商铺", "kind": "rent", "quantity": 1000, "unit_price": 50}  # 60 a year
OPERATING = np.arange(10) >= 2


def run_with(**overrides: Any) -> Result:
    return run(validate_data(ProjectSpec, minimal_spec(**overrides)))


def test_ad_valorem_base_includes_the_land() -> None:
    # Building 1,000 (1,090 less 90 of credited VAT) and land 500 + 契税 3 % = 515: base 1,515.
    # Self-used half: 1,515 × 1.2 % × (1 − 30 %) × 50 % = 6.363 a year; without the land
    # (property_tax_includes_land no): 1,000 × 1.2 % × 0.7 × 0.5 = 4.2.
    tax = {**CN, "property_tax_ad_valorem_share": 0.5}
    with_land = run_with(tax=tax, investment=[WORKS_1090, LAND_500])
    assert_allclose(with_land.ledger["tax.property_ad_valorem"][0], 6.363 * OPERATING, rtol=1e-12)
    no_land = run_with(
        tax={**tax, "property_tax_includes_land": False}, investment=[WORKS_1090, LAND_500]
    )
    assert_allclose(no_land.ledger["tax.property_ad_valorem"][0], 4.2 * OPERATING, rtol=1e-12)


def test_vacant_lettable_space_is_taxed_on_value() -> None:
    # 1,000 m² to let at 80 %, ramp-up 50 % in the first year: let 400 m² (vacant 60 %) in
    # year 2, 800 m² (vacant 20 %) after. Half the building's value (1,000) is leasable:
    # year 2: 1,000 × 1.2 % × 0.7 × 0.5 × 0.6 = 2.52; later 1,000 × 1.2 % × 0.7 × 0.5 × 0.2 =
    # 0.84. The let part pays 从租: rent 60 × 80 % × (50 %, 100 %) × 12 % = 2.88, 5.76.
    rent = {**RENT, "utilisation": 0.8, "ramp_up": [0.5]}
    res = run_with(
        tax={**CN, "property_tax_leasable_share": 0.5}, investment=[WORKS_1090], revenues=[rent]
    )
    led = res.ledger
    assert_allclose(led["tax.property_ad_valorem"][0], [0, 0, 2.52] + [0.84] * 7, rtol=1e-12)
    assert_allclose(led["tax.property_rental"][0], [0, 0, 2.88] + [5.76] * 7, rtol=1e-12)


def test_housing_let_to_individuals_at_four_percent() -> None:
    # Rent 60 a year: 12 % = 7.2 for shops, 4 % = 2.4 for flats let to individuals.
    flats = {**RENT, "name": "公寓", "housing_to_individuals": True}
    res = run_with(tax=CN, revenues=[RENT, flats])
    assert_allclose(res.ledger["tax.property_rental"][0], (7.2 + 2.4) * OPERATING, rtol=1e-12)


def test_shares_above_one_are_refused() -> None:
    tax = {**CN, "property_tax_ad_valorem_share": 0.6, "property_tax_leasable_share": 0.5}
    with pytest.raises(SpecError) as err:
        validate_data(ProjectSpec, minimal_spec(tax=tax))
    assert "tax.property_tax_leasable_share" in str(err.value)


def test_housing_flag_on_parking_is_refused() -> None:
    parking = {**minimal_spec()["revenues"][0], "housing_to_individuals": True}
    with pytest.raises(SpecError) as err:
        validate_data(ProjectSpec, minimal_spec(revenues=[parking]))
    assert "housing_to_individuals" in str(err.value)


def test_community_services_premises_exempt_from_value_tax_and_land_use_tax() -> None:
    """2019年第76号 第一条: the buildings and land used for community elderly-care, childcare
    and housekeeping services bear no 房产税 and no 城镇土地使用税. Base 1,515 (as in
    test_ad_valorem_base_includes_the_land), self-used half, of which 20 % of the value
    serves community care: 1,515 × 1.2 % × 0.7 × (0.5 − 0.2) = 3.8178 a year; 10,000 m² of
    land at 15.75 元/m²: 15.75 × (1 − 0.2) = 12.6 a year, and with 60 % resettlement housing
    as well 15.75 × (1 − 0.6 − 0.2) = 3.15."""
    tax = {
        **CN,
        "property_tax_ad_valorem_share": 0.5,
        "community_services_share": 0.2,
        "land_use_tax_area": 10000,
    }
    led = run_with(tax=tax, investment=[WORKS_1090, LAND_500]).ledger
    assert_allclose(led["tax.property_ad_valorem"][0], 3.8178 * OPERATING, rtol=1e-12)
    assert_allclose(led["tax.land_use"][0], 12.6 * OPERATING, rtol=1e-12)
    both = run_with(
        tax={**tax, "resettlement_housing_share": 0.6}, investment=[WORKS_1090, LAND_500]
    ).ledger
    assert_allclose(both["tax.land_use"][0], 3.15 * OPERATING, rtol=1e-12)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"community_services_share": 0.6}, "property_tax_ad_valorem_share 0.5"),
        (
            {"community_services_share": 0.5, "resettlement_housing_share": 0.6},
            "resettlement_housing_share 0.6",
        ),
    ],
)
def test_community_share_beyond_its_bounds_is_refused(extra: dict[str, float], words: str) -> None:
    tax = {**CN, "property_tax_ad_valorem_share": 0.5, **extra}
    with pytest.raises(SpecError) as err:
        validate_data(ProjectSpec, minimal_spec(tax=tax))
    assert "tax.community_services_share" in str(err.value) and words in str(err.value)
