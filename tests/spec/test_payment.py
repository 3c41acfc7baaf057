"""Government payment models (renewfin.spec.payment) and the checks that hold a spec to
them (DOMAIN.md §5a; 国办函〔2023〕115号: a new-mechanism concession is user-pays only, no
budget gap payment, at most 40 years, a concession fee, hand-back). Each expected problem
path is the spec written out in the test."""

from __future__ import annotations

from typing import Any

import pytest

from renewfin.checks import run_checks
from renewfin.engine import run
from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec

SUBSIDY = {"name": "运营补贴", "use": "operating_subsidy", "amount": 50.0}
FEE = {"name": "特许经营权使用费", "basis": "revenue_share", "share": 0.03}


def _spec(payment: dict[str, Any], *, subsidy: bool = False, **sections: Any) -> dict[str, Any]:
    funding: dict[str, Any] = {"government_payment": payment}
    if subsidy:
        funding["fiscal_funds"] = [SUBSIDY]
    return minimal_spec(funding=funding, **sections)


def _paths(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, data)
    return [p.path for p in info.value.problems]


CONCESSION = {
    "model": "concession",
    "grantor": "市城管局",
    "term_years": 30,
    "concession_fee": FEE["name"],
}


def test_new_mechanism_concession_is_accepted() -> None:
    """A 30-year concession granted by 市城管局 with its fee item and no residual value."""
    spec = validate_data(
        ProjectSpec, _spec(CONCESSION, opex=[FEE], evaluation={"include_residual_value": False})
    )
    gp = spec.funding.government_payment
    assert gp is not None and gp.term_years == 30


def test_concession_longer_than_40_years_names_the_field() -> None:
    """A 45-year concession under the new mechanism: ``term_years`` is refused (≤ 40);
    the same term outside the new mechanism is accepted."""
    paths = _paths(
        _spec(
            {**CONCESSION, "term_years": 45},
            opex=[FEE],
            evaluation={"include_residual_value": False},
        )
    )
    assert paths == ["funding.government_payment.term_years"]
    old = _spec(
        {**CONCESSION, "term_years": 45, "new_mechanism": False},
        opex=[FEE],
        evaluation={"include_residual_value": False},
    )
    validate_data(ProjectSpec, old)


def test_concession_rules_each_name_their_field() -> None:
    """A new-mechanism concession with an operating subsidy, no grantor, an unknown fee
    item and the residual value still counted: four problems, each at its path."""
    data = _spec(
        {"model": "concession", "term_years": 30, "concession_fee": "没有这项"}, subsidy=True
    )
    assert sorted(_paths(data)) == sorted(
        [
            "funding.fiscal_funds",
            "funding.government_payment.grantor",
            "funding.government_payment.concession_fee",
            "evaluation.include_residual_value",
        ]
    )


@pytest.mark.parametrize(
    ("payment", "subsidy", "path"),
    [
        ({"model": "user_pays"}, True, "funding.fiscal_funds"),
        ({"model": "viability_gap"}, False, "funding.government_payment.model"),
        ({"model": "service_purchase"}, False, "funding.government_payment.model"),
        ({"model": "user_pays", "grantor": "市政府"}, False, "funding.government_payment.grantor"),
    ],
)
def test_payment_models_are_told_apart(payment: dict[str, Any], subsidy: bool, path: str) -> None:
    """User-pays takes no subsidy; viability gap and service purchase need one; only a
    concession has a grantor."""
    assert _paths(_spec(payment, subsidy=subsidy)) == [path]


def test_viability_gap_cap_is_checked() -> None:
    """The minimal project earns 240 a year for 8 years (1,920); a subsidy of 50 a year
    from completion to the horizon (8 × 50 = 400) is 20.8 % of it: within a 25 % cap, over
    a 20 % cap."""

    def passed(cap: float) -> bool:
        res = run(
            validate_data(
                ProjectSpec, _spec({"model": "viability_gap", "gap_cap_share": cap}, subsidy=True)
            )
        )
        check = next(c for c in run_checks(res) if c.id == "viability_gap_cap")
        return bool(check.passed[0])

    assert passed(0.25)
    assert not passed(0.20)
