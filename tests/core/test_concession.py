"""The concession's fee to the grantor and its hand-back (renewfin.core.concession,
DOMAIN.md §5a, 国办函〔2023〕115号), by hand on ``renewfin.testing.minimal_spec``: 建安工程
1,000 built in years 0–1, depreciated from year 2 as a building over 30 years to 5 %
residual (31.667 a year); parking 240 a year from year 2."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from renewfin.engine import run
from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec


def _data(term: float = 8, end_year: float | None = 8, **payment: Any) -> dict[str, Any]:
    data = minimal_spec(
        funding={"government_payment": {"model": "concession", "grantor": "市城管局",
                                        "term_years": term, **payment}},
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
        (_data(concession_fee="没有", concession_fee_rate=0.05),
         "funding.government_payment.concession_fee_rate"),
    ],
)
def test_concession_inputs_name_the_field(data: dict[str, Any], path: str) -> None:
    """A stream running past an 8-year hand-back (unbounded, or to year 9), and a fee given
    both as a rate and as an item, are refused at their paths."""
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, data)
    assert path in [p.path for p in info.value.problems]
