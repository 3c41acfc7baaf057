"""印花税 on loan contracts (issue 17, point 3): 印花税法 税目税率表, 借款合同 0.05‰ of the
amount, paid with the loan's up-front fee in its first period, inside the funding solve.
Expected figures worked out by hand."""

from __future__ import annotations

from numpy.testing import assert_allclose

from renewfin.checks import integrity, run_checks
from renewfin.engine import run
from renewfin.spec import ProjectSpec, validate_data
from renewfin.spec.project import CityTier
from renewfin.spec.tax import TaxSpec, resolve_tax
from renewfin.testing import minimal_spec

LOAN = {
    "name": "L",
    "rate_type": "fixed",
    "rate": 0.05,
    "tenor_years": 8,
    "grace_years": 2,
    "upfront_fee_rate": 0.01,
    "sizing": {"amount": 600},
}


def test_preset_rate_is_the_statutory_one() -> None:
    # 0.05‰ = 0.00005 under cn_default, 0 under none unless stated.
    assert resolve_tax(TaxSpec(), CityTier.CITY).stamp_loan == 0.00005
    assert resolve_tax(TaxSpec(preset="none"), CityTier.CITY).stamp_loan == 0.0


def test_paid_with_the_up_front_fee_by_hand() -> None:
    # Facility 600 (amount bound): stamp duty 600 × 0.00005 = 0.03 in period 0, paid with
    # the 1 % fee: up-front fee line 600 × 1.005 % = 6.03.
    data = minimal_spec(
        tax={"preset": "none", "stamp_duty_loan_rate": 0.00005}, funding={"loans": [LOAN]}
    )
    res = run(validate_data(ProjectSpec, data))
    led = res.ledger
    assert_allclose(led["tax.stamp_loan"][0], [0.03] + [0.0] * 9, rtol=1e-12, atol=1e-15)
    assert_allclose(led["loan[L].upfront_fee"][0][0], 6.03, rtol=1e-12)
    # Without the stamp duty the fee is 6.00: the difference is the duty.
    plain = run(validate_data(ProjectSpec, minimal_spec(funding={"loans": [LOAN]}))).ledger
    assert_allclose(plain["loan[L].upfront_fee"][0][0], 6.0, rtol=1e-12)
    assert_allclose(plain["tax.stamp_loan"][0], 0.0, atol=1e-15)
    # The funding plan pays it: sources still equal uses and every integrity check passes.
    failed = [c.id for c in integrity(run_checks(res)) if not c.passed.all()]
    assert not failed
