"""Bad inputs of issue 18 (REIT retention, the new-mechanism concession, the bond-repayment
reserve) are one SpecError naming the field, the value and what was expected; each spec is
written out in the test on ``renewfin.testing.minimal_spec``."""

from __future__ import annotations

from typing import Any

import pytest

from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec

BOND = {"name": "甲", "amount": 100.0, "tenor_years": 10, "coupon": 0.03}


def _error(**funding: Any) -> str:
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, minimal_spec(funding=funding))
    return str(info.value)


@pytest.mark.parametrize("share", [-0.1, 1.2])
def test_retained_share_outside_zero_to_one_names_the_field(share: float) -> None:
    """A retained share of −10 % or 120 % of the REIT's units is refused at its path."""
    msg = _error(special_bonds=[BOND], reit_exit={"exit_year": 8, "retained_share": share})
    assert "funding.reit_exit.retained_share" in msg and str(share) in msg


def test_concession_over_40_years_names_the_field() -> None:
    """A 41-year new-mechanism concession (国办函〔2023〕115号: at most 40) is refused at
    ``funding.government_payment.term_years`` with the value."""
    data = minimal_spec(
        funding={
            "government_payment": {"model": "concession", "grantor": "市城管局", "term_years": 41}
        },
        evaluation={"include_residual_value": False},
    )
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, data)
    msg = str(info.value)
    assert "funding.government_payment.term_years" in msg and "41" in msg and "40" in msg


def test_escrow_for_a_bond_that_does_not_exist_names_the_field() -> None:
    """A reserve earning 2 % with no special bond to fill it, and one for bond 甲 when 甲 is
    redeemed early, are refused at ``reit_exit.escrow_rate``; naming bond 乙 for early
    redemption when only 甲 exists is refused at ``reit_exit.early_redemption``."""
    assert "reit_exit.escrow_rate" in _error(reit_exit={"exit_year": 8, "escrow_rate": 0.02})
    msg = _error(
        special_bonds=[BOND],
        reit_exit={"exit_year": 8, "escrow_rate": 0.02, "early_redemption": ["甲"]},
    )
    assert "reit_exit.escrow_rate" in msg and "0.02" in msg
    msg = _error(special_bonds=[BOND], reit_exit={"exit_year": 8, "early_redemption": ["乙"]})
    assert "reit_exit.early_redemption" in msg and "'乙'" in msg and "'甲'" in msg


def test_escrow_for_a_held_bond_is_accepted() -> None:
    """The same reserve for bond 甲 held to maturity is valid."""
    validate_data(
        ProjectSpec,
        minimal_spec(
            funding={"special_bonds": [BOND], "reit_exit": {"exit_year": 8, "escrow_rate": 0.02}}
        ),
    )
