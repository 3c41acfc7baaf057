"""三免三减半 (issue 17.10): income tax exempt for three tax years from the year of the first
operating income and halved for the next three (企业所得税法 第二十七条(二); 实施条例
第八十七条). Expected figures worked out by hand in each test."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.testing import assert_allclose

from renewfin.core.tax import holiday_factor
from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, validate_data
from renewfin.testing import minimal_spec

TAX = {"preset": "none", "income_tax_rate": 0.25, "income_tax_holiday": True}


def run_with(**overrides: Any) -> Result:
    return run(validate_data(ProjectSpec, minimal_spec(**overrides)))


def test_factor_by_hand() -> None:
    # First income in period 2 (annual): years 2–4 exempt, 5–7 half, then full; before the
    # first income the factor is 1 (there is no profit to tax).
    revenue = np.array([[0, 0, 5, 5, 5, 5, 5, 5, 5, 5.0]])
    assert_allclose(holiday_factor(revenue, 1, 3, 3), [[1, 1, 0, 0, 0, 0.5, 0.5, 0.5, 1, 1]])
    # Quarterly, first income in the third quarter of year 1: tax years 1–3 exempt.
    q = np.zeros((1, 40))
    q[0, 6:] = 1.0
    f = holiday_factor(q, 4, 3, 3)[0]
    assert_allclose(f[6:16], 0.0)
    assert_allclose(f[16:28], 0.5)
    assert_allclose(f[28:], 1.0)


def test_income_tax_holiday_in_the_engine() -> None:
    # Parking 240 a year from year 2, building 1,000 depreciated 1,000 × 0.95 / 30 = 31.666…:
    # taxable 208.333… a year, 25 % = 52.083… Exempt in years 2–4, half (26.041…) in 5–7,
    # full from year 8; the same for the adjusted (pre-financing) and the company's tax
    # (no debt).
    full = (240 - 1000 * 0.95 / 30) * 0.25
    expected = full * np.array([0, 0, 0, 0, 0, 0.5, 0.5, 0.5, 1, 1])
    led = run_with(tax=TAX).ledger
    assert_allclose(led["tax.adjusted_income_tax"][0], expected, rtol=1e-12, atol=1e-12)
    assert_allclose(led["tax.income_tax"][0], expected, rtol=1e-12, atol=1e-12)


def test_quarterly_holiday_pays_the_same_tax_per_year() -> None:
    annual = run_with(tax=TAX).ledger["tax.adjusted_income_tax"][0]
    q = run_with(tax=TAX, timeline={"periodicity": "quarterly"})
    quarterly = q.ledger["tax.adjusted_income_tax"][0].reshape(-1, 4).sum(axis=1)
    assert_allclose(quarterly, annual, rtol=1e-12, atol=1e-9)
