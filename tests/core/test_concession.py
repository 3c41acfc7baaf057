"""The concession's fee to the grantor and its hand-back (renewfin.core.concession,
DOMAIN.md §5a, 国办函〔2023〕115号), by hand on ``renewfin.testing.minimal_spec``: 建安工程
1,000 built in years 0–1, depreciated from year 2 as a building over 30 years to 5 %
residual (31.667 a year); parking 240 a year from year 2."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renewfin.engine import run
from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec


def _data(term: float = 8, end_year: float | None = 8, **payment: Any) -> dict[str, Any]:
    data = minimal_spec(
        funding={
            "government_payment": {
                "model": "concession",
                "grantor": "市城管局",
                "term_years": term,
                **payment,
            }
        },
        evaluation={"include_residual_value": False},
    )
    data["revenues"][0]["end_year"] = end_year
    return data


def test_fee_to_the_grantor_and_hand_back_at_the_end_of_the_term() -> None:
    """An 8-year concession with a 5 % fee: 0.05 × 240 = 12 a year in years 2–7, nothing
    after the term; the assets handed back at the end of year 7 at their net book value
    1,000 − 6 × 1,000 × 0.95 / 30 = 810, and nothing in any other year."""
    led = run(validate_data(ProjectSpec, _data(concession_fee_rate=0.05))).ledger
    np.testing.assert_allclose(led["opex.concession_fee"][0], [0, 0] + [12] * 6 + [0, 0])
    np.testing.assert_allclose(led["opex.total"][0], led["opex.concession_fee"][0])
    back = led["concession.hand_back"][0]
    assert back[7] == pytest.approx(1000 - 6 * 1000 * 0.95 / 30)
    assert np.count_nonzero(back) == 1


def test_no_hand_back_line_when_the_asset_is_kept() -> None:
    """``hand_back: false`` (the asset stays with the company): no hand-back line."""
    data = _data(term=10, end_year=None, hand_back=False)
    data["evaluation"]["include_residual_value"] = True
    led = run(validate_data(ProjectSpec, data)).ledger
    assert "concession.hand_back" not in led.ids()


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (_data(end_year=None), "revenues[0 停车位].end_year"),
        (_data(end_year=9), "revenues[0 停车位].end_year"),
        (
            _data(concession_fee="没有", concession_fee_rate=0.05),
            "funding.government_payment.concession_fee_rate",
        ),
    ],
)
def test_concession_inputs_name_the_field(data: dict[str, Any], path: str) -> None:
    """A stream running past an 8-year hand-back (unbounded, or to year 9), and a fee given
    both as a rate and as an item, are refused at their paths."""
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, data)
    assert path in [p.path for p in info.value.problems]


def _handed_back_in_year_10() -> Any:
    """Cost 1,000 in years 0–1, in service from year 2, a 10-year life without residual
    (100 a year), a 10-year concession in a 12-year horizon: handed back at the end of year
    9 (period index 9) after 8 years of depreciation."""
    data = _data(term=10, end_year=10)
    data["timeline"]["horizon_years"] = 12
    data["depreciation"] = {
        "classes": [{"name": "building", "life_years": 10, "residual_rate": 0.0}]
    }
    return run(validate_data(ProjectSpec, data))


def test_hand_back_takes_the_assets_off_the_balance_sheet() -> None:
    """By hand: 8 × 100 of depreciation in years 2–9 leaves 1,000 − 800 = 200, handed back
    at the end of year 9 (the disposal at net book value, charged with that year's 100);
    from then on the fixed assets are 0 and nothing is depreciated; the balance sheet
    balances every year."""
    led = _handed_back_in_year_10().ledger
    back = led["concession.hand_back"][0]
    assert back[9] == pytest.approx(200.0) and np.count_nonzero(back) == 1
    np.testing.assert_allclose(led["dep.hand_back"][0], [0] * 9 + [200, 0, 0])
    np.testing.assert_allclose(led["dep.class[building]"][0], [0, 0] + [100] * 8 + [0, 0])
    np.testing.assert_allclose(led["dep_fin.total"][0], [0, 0] + [100] * 7 + [300, 0, 0])
    fixed = led["bs.fixed_assets"][0]
    np.testing.assert_allclose(fixed[1:9], [1000 - 100 * k for k in range(0, 8)])
    np.testing.assert_allclose(fixed[9:], 0.0, atol=1e-9)
    np.testing.assert_allclose(led["bs.check"][0], 0.0, atol=1e-6)
    assert led["dep.book_value_at_end"][0].sum() == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(
    term=st.integers(3, 11),
    life=st.integers(4, 40),
    residual=st.sampled_from([0.0, 0.05]),
    gearing=st.sampled_from([0.0, 0.5]),
)
def test_hand_back_property_balance_sheet_balances(
    term: int, life: int, residual: float, gearing: float
) -> None:
    """Any term, life, residual and a bank loan or none (capitalised interest): the balance
    sheet balances every year, the fixed assets are 0 from the hand-back on and the
    hand-back equals the fixed assets of the year before less that year's depreciation
    (financing costs included)."""
    data = _data(term=term, end_year=min(term, 10))
    data["timeline"]["horizon_years"] = 12
    data["depreciation"] = {
        "classes": [{"name": "building", "life_years": life, "residual_rate": residual}]
    }
    if gearing:
        data["funding"]["loans"] = [
            {
                "name": "贷款",
                "rate_type": "fixed",
                "rate": 0.04,
                "tenor_years": 8,
                "grace_years": 2,
                "sizing": {"gearing": gearing},
            }
        ]
    led = run(validate_data(ProjectSpec, data)).ledger
    k = term - 1
    np.testing.assert_allclose(led["bs.check"][0], 0.0, atol=1e-6)
    np.testing.assert_allclose(led["bs.fixed_assets"][0][k:], 0.0, atol=1e-6)
    ordinary = led["dep_fin.total"][0][k] - led["concession.hand_back"][0][k]
    assert led["concession.hand_back"][0][k] == pytest.approx(
        led["bs.fixed_assets"][0][k - 1] - ordinary + led["capex.total"][0][k], abs=1e-6
    )
    np.testing.assert_allclose(led["dep_fin.total"][0][k + 1 :], 0.0, atol=1e-9)


def test_depreciation_table_shows_nothing_left_after_the_hand_back() -> None:
    """折旧摊销估算表 (renewfin.tables.depreciation) of the hand case: the building's net
    book value is 1,000 − 100 × k in service, and 0 (not shown) from the hand-back on; the
    total's charge in year 9 is 100 + 200 written off."""
    from renewfin.tables import depreciation

    t = depreciation(_handed_back_in_year_10())
    years = [str(y) for y in range(2026, 2038)]
    net = t.loc["dep.class[building].net_value", years].to_numpy(float)
    np.testing.assert_allclose(net[2:9], [1000 - 100 * k for k in range(1, 8)])
    np.testing.assert_allclose(net[9:], 0.0)
    charge = t.loc["dep_fin.total.charge", years].to_numpy(float)
    assert charge[9] == pytest.approx(300.0) and not charge[10:].any()
