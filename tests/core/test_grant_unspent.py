"""不征税收入 unspent after five years (issue 17, point 2): 财税〔2011〕70号 第三条 — a fiscal
fund treated as 不征税收入 that is not spent within 60 months and not returned is taxable
income of the sixth year, and what it pays for afterwards is deductible. Expected figures
worked out by hand in each test.

The project (``renewfin.testing.minimal_spec``): works of 1,000 spent 400 / 600 in years
0–1, one building depreciated 1,000 × 95 % ÷ 30 = 31.666… a year from year 2, parking of
240 a year, no operating cost, income tax 25 %, no debt.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.testing import assert_allclose

from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, validate_data
from renewfin.testing import minimal_spec

TAX = {"preset": "none", "income_tax_rate": 0.25}
DEP = 1000 * 0.95 / 30
LATE = {"phases": [{"name": "一期", "start_year": 5, "duration_years": 2}]}
"""Construction in years 5–6 instead of 0–1."""


def run_with(timeline: dict[str, Any] | None = None, **grant: Any) -> Result:
    g = {"name": "中央预算内投资", "use": "capital_grant", **grant}
    data = minimal_spec(tax=TAX, funding={"fiscal_funds": [g]}, timeline=timeline or {})
    return run(validate_data(ProjectSpec, data))


def test_stated_unspent_share_is_taxed_in_the_sixth_year() -> None:
    # 400 received with the spending (160, 240 in years 0–1), 25 % unspent: 40 taxed in year
    # 5 and 60 in year 6. Not deductible: 40 % of the depreciation (12.667), less what has
    # been taxed ÷ 1,000 from then on: year 5 40 + (0.40 − 0.04) × 31.667 = 51.4; year 6
    # 60 + 0.30 × 31.667 = 69.5; years 7–9 9.5. Income tax of year 5: 25 % × (240 − 31.667
    # + 51.4) = 64.933.
    led = run_with(amount=400.0, unspent_share=0.25).ledger
    assert_allclose(led["grant.unspent_taxed"][0], [0, 0, 0, 0, 0, 40, 60, 0, 0, 0], atol=1e-12)
    expected = np.r_[0, 0, [0.4 * DEP] * 3, 40 + 0.36 * DEP, 60 + 0.3 * DEP, [0.3 * DEP] * 3]
    assert_allclose(led["grant.tax_adjustment"][0], expected, rtol=1e-12, atol=1e-12)
    assert_allclose(expected[5:7], [51.4, 69.5], rtol=1e-12)
    assert_allclose(led["tax.income_tax"][0][5], 0.25 * (240 - DEP + 51.4), rtol=1e-12)
    assert_allclose(led["tax.income_tax"][0][5], 64.9333333, rtol=1e-8)


def test_derived_unspent_part_first_in_first_out() -> None:
    # Construction in years 5–6 (400, 600); 800 received in year 0. By 60 months later (year
    # 5) 400 has been spent: 400 unspent, taxed in year 5. The grant pays for 800 ÷ 1,000 =
    # 80 % of the building, depreciated 31.667 a year from year 7; 400 ÷ 1,000 of it is
    # deductible once taxed: not deductible (0.8 − 0.4) × 31.667 = 12.667 a year.
    led = run_with(
        amount=800.0,
        schedule=[1.0],
        start_year=0,
        timeline=LATE,
    ).ledger
    assert_allclose(led["grant.unspent_taxed"][0], [0, 0, 0, 0, 0, 400, 0, 0, 0, 0], atol=1e-9)
    expected = np.r_[[0] * 5, 400, 0, [0.4 * DEP] * 3]
    assert_allclose(led["grant.tax_adjustment"][0], expected, rtol=1e-12, atol=1e-9)
    assert_allclose(expected[7], 12.667, atol=1e-3)


def test_grant_within_the_spending_is_spent() -> None:
    # 600 received in year 0 with 1,000 spent by year 5, or 400 paid with the spending:
    # nothing unspent; a taxable grant (taxed when received) is never 不征税收入, even when
    # received five years before the works.
    for timeline, grant in (
        (None, {"amount": 600.0, "schedule": [1.0], "start_year": 0}),
        (None, {"amount": 400.0}),
        (LATE, {"amount": 800.0, "schedule": [1.0], "start_year": 0, "taxable": True}),
    ):
        led = run_with(timeline, **grant).ledger
        assert_allclose(led["grant.unspent_taxed"][0], 0.0, atol=1e-12)
