"""Tax depreciation apart from book depreciation (issue 17.8): the taxable income deducts
depreciation over lives no shorter than the minimum of 企业所得税法实施条例 第六十条
(buildings 20 years, machinery 10, tools 5, vehicles 4, electronics 3; intangibles 10,
第六十七条) while the profit uses the spec's lives; the deferred tax on the difference is
disclosed (企业会计准则第18号), not charged. Expected figures worked
out by hand in each test.

The project (``renewfin.testing.minimal_spec``): works of 1,000 completed at the end of
year 1, parking of 240 a year from year 2, income tax 25 %, no debt.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, validate_data
from renewfin.spec.errors import SpecError
from renewfin.testing import minimal_spec

TAX = {"preset": "none", "income_tax_rate": 0.25}


def building(**extra: Any) -> dict[str, Any]:
    return {
        "depreciation": {
            "classes": [{"name": "building", "life_years": 10, "residual_rate": 0.05, **extra}]
        }
    }


def run_with(**overrides: Any) -> Result:
    return run(validate_data(ProjectSpec, minimal_spec(tax=TAX, **overrides)))


def test_building_on_a_ten_year_book_life_by_hand() -> None:
    """A building depreciated over 10 years in the accounts: 1,000 × 0.95 ÷ 10 = 95 a year;
    for income tax at least 20 years (实施条例 第六十条(一)): 47.5 a year. Profit before tax
    240 − 95 = 145; taxable income 240 − 47.5 = 192.5, tax 48.125 a year (not 36.25); the
    adjustment adds back 95 − 47.5 = 47.5 a year."""
    led = run_with(**building(tax_category="buildings")).ledger
    ops = np.r_[0, 0, [1.0] * 8]
    assert_allclose(led["dep.total"][0], 95 * ops, rtol=1e-12, atol=1e-12)
    assert_allclose(led["dep_tax.total"][0], 47.5 * ops, rtol=1e-12, atol=1e-12)
    assert_allclose(led["tax.depreciation_adjustment"][0], 47.5 * ops, rtol=1e-12, atol=1e-12)
    assert_allclose(led["pl.profit_before_tax"][0], 145 * ops, rtol=1e-12, atol=1e-12)
    assert_allclose(led["tax.taxable_income"][0], 192.5 * ops, rtol=1e-12, atol=1e-12)
    assert_allclose(led["tax.income_tax"][0], 48.125 * ops, rtol=1e-12, atol=1e-12)
    assert_allclose(led["tax.adjusted_income_tax"][0], 48.125 * ops, rtol=1e-12, atol=1e-12)
    assert_allclose(led["pl.net_profit"][0], (145 - 48.125) * ops, rtol=1e-12, atol=1e-12)


def test_a_stated_tax_life_and_no_category() -> None:
    """``tax_life_years`` 19 with no category: 1,000 × 0.95 ÷ 19 = 50 a year; no category
    and no tax life: the book life (tax = book, no adjustment)."""
    led = run_with(**building(tax_life_years=19)).ledger
    assert_allclose(led["dep_tax.total"][0][2:], 50.0, rtol=1e-12)
    led = run_with(**building()).ledger
    assert_allclose(led["tax.depreciation_adjustment"][0], 0.0, atol=1e-12)


def test_default_classes_carry_their_categories() -> None:
    """The default classes: building 30 yr (buildings, minimum 20), equipment 10 yr
    (machinery, 10), land_use_right 40 yr (intangible, 10): tax lives equal the book lives."""
    spec = validate_data(ProjectSpec, minimal_spec())
    assert [(c.name, c.tax_life) for c in spec.depreciation.classes] == [
        ("building", 30.0),
        ("equipment", 10.0),
        ("land_use_right", 40.0),
    ]


def test_tax_life_below_the_statutory_minimum_names_the_field() -> None:
    with pytest.raises(SpecError, match=r"tax_life_years.*minimum of 20 years.*got 15"):
        validate_data(
            ProjectSpec, minimal_spec(**building(tax_category="buildings", tax_life_years=15))
        )


def test_deferred_tax_asset_disclosed_by_hand() -> None:
    """递延所得税资产 (disclosure only, 企业会计准则第18号): book depreciation 95 a year runs
    ahead of the tax depreciation 47.5, a deductible temporary difference of 47.5 a year
    from year 2: the asset is 25 % × 47.5 × n = 11.875, 23.75, … after n years; cash and
    the income tax are the same as without it (48.125 a year)."""
    led = run_with(**building(tax_category="buildings")).ledger
    expected = np.r_[0, 0, 11.875 * np.arange(1, 9)]
    assert_allclose(led["tax.deferred_tax"][0], expected, rtol=1e-12, atol=1e-12)
    assert_allclose(led["tax.income_tax"][0][2:], 48.125, rtol=1e-12)
