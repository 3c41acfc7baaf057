"""Asset-related grants (issue 17.4): the gross and the net method (企业会计准则第16号——政府补助
第八条) and 不征税收入 (财税〔2011〕70号 第一条、第二条) against taxable grants (财税〔2008〕151号
第一条). Expected figures worked out by hand in each test.

The project (``renewfin.testing.minimal_spec``): works of 1,000 spent 40 % / 60 % in years
0–1, one building depreciated 1,000 × (1 − 5 %) / 30 = 31.666… a year from year 2, parking
of 240 a year, no operating cost, income tax 25 %, no debt.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from renewfin.core.grants import grant_shares
from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, validate_data
from renewfin.spec.errors import SpecError
from renewfin.testing import minimal_spec

TAX = {"preset": "none", "income_tax_rate": 0.25}
DEP = 1000 * 0.95 / 30
"""Yearly depreciation of the building [万元]."""


def grant(amount: float = 400.0, **extra: Any) -> dict[str, Any]:
    return {"name": "中央预算内投资", "use": "capital_grant", "amount": amount, **extra}


def run_with(*grants: dict[str, Any], **overrides: Any) -> Result:
    data = minimal_spec(tax=TAX, funding={"fiscal_funds": list(grants)}, **overrides)
    return run(validate_data(ProjectSpec, data))


def test_gross_method_not_taxed_by_hand() -> None:
    """总额法, 不征税收入: a grant of 400 pays for 400 ÷ 1,000 = 40 % of the building, so
    40 % × 31.666… = 12.666… of deferred income is released a year with the depreciation
    (准则16号 第八条), and the same 12.666… of depreciation is not deductible (财税〔2011〕70号
    第二条): taxable income 240 − 31.666… + 12.666… = 221, tax 55.25 a year from year 2
    (without the grant: 208.333… and 52.083…). Profit before tax is 221, its subsidy
    income 12.666…; the grant is received in years 0–1 (160, 240) and not taxed."""
    led = run_with(grant()).ledger
    release = np.r_[0, 0, [0.4 * DEP] * 8]
    assert_allclose(led["grant.release"][0], release, rtol=1e-12, atol=1e-12)
    assert_allclose(led["grant.cost_offset"][0], 0.0, atol=1e-12)
    assert_allclose(led["grant.tax_adjustment"][0], release, rtol=1e-12, atol=1e-12)
    tax = np.r_[0, 0, [0.25 * 221] * 8]
    assert_allclose(led["tax.income_tax"][0], tax, rtol=1e-12, atol=1e-12)
    assert_allclose(led["tax.adjusted_income_tax"][0], tax, rtol=1e-12, atol=1e-12)
    assert_allclose(led["pl.subsidy_income"][0], 0.0, atol=1e-12)
    assert_allclose(led["pl.profit_before_tax"][0][2:], 221.0, rtol=1e-12)
    assert_allclose(led["fiscal.grants"][0][:2], [160.0, 240.0], rtol=1e-12)


def test_net_method_not_taxed_by_hand() -> None:
    """净额法, 不征税收入: the grant is deducted from the building's cost, so the depreciation
    charged is 60 % × 31.666… = 19 a year (准则16号 第八条); no subsidy income; profit before
    tax 240 − 19 = 221 and tax 55.25 as under the gross method; total cost 19."""
    led = run_with(grant(grant_method="net")).ledger
    offset = np.r_[0, 0, [0.4 * DEP] * 8]
    assert_allclose(led["grant.cost_offset"][0], offset, rtol=1e-12, atol=1e-12)
    assert_allclose(led["grant.release"][0], 0.0, atol=1e-12)
    assert_allclose(led["pl.subsidy_income"][0], 0.0, atol=1e-12)
    assert_allclose(led["pl.total_cost"][0][2:], 0.6 * DEP, rtol=1e-12)
    assert_allclose(led["pl.profit_before_tax"][0][2:], 221.0, rtol=1e-12)
    assert_allclose(led["tax.income_tax"][0][2:], 55.25, rtol=1e-12)


def test_taxable_grant_taxed_when_received_by_hand() -> None:
    """A taxable grant (财税〔2008〕151号 第一条: fiscal funds are income of the year received
    unless 不征税收入): taxed as received, 160 and 240 in years 0–1 → tax 40 and 60; from year 2
    the depreciation is deductible in full: taxable 240 − 31.666… = 208.333…, tax 52.083…
    (the release of 12.666… is book profit only)."""
    led = run_with(grant(taxable=True)).ledger
    assert_allclose(led["grant.tax_adjustment"][0][:2], [160.0, 240.0], rtol=1e-12)
    assert_allclose(led["grant.tax_adjustment"][0][2:], 0.0, atol=1e-12)
    expected = np.r_[40.0, 60.0, [0.25 * (240 - DEP)] * 8]
    assert_allclose(led["tax.income_tax"][0], expected, rtol=1e-12, atol=1e-12)
    assert_allclose(led["tax.adjusted_income_tax"][0], expected, rtol=1e-12, atol=1e-12)
    assert_allclose(led["pl.profit_before_tax"][0][2:], 240 - 0.6 * DEP, rtol=1e-12)


def test_a_capital_grant_is_not_taxed_unless_said() -> None:
    """财税〔2011〕70号: a capital grant defaults to 不征税收入; an operating subsidy stays
    taxable by default."""
    spec = validate_data(
        ProjectSpec,
        minimal_spec(
            funding={
                "fiscal_funds": [
                    grant(),
                    {"name": "运营补贴", "use": "operating_subsidy", "amount": 10.0},
                ]
            }
        ),
    )
    capital, operating = spec.funding.fiscal_funds
    assert not capital.taxable and capital.grant_method.value == "gross"
    assert operating.taxable


def test_grant_above_the_assets_cost_pays_for_all_of_it() -> None:
    """Two grants of 900 and 600 against assets of 1,000: shares 900 ÷ 1,500 and 600 ÷ 1,500
    (together all the cost, never more). In the engine, works of 1,000 handed over to the
    residents (not company assets) beside the building of 1,000: a grant of 1,500 releases
    the building's whole depreciation, 31.666… a year."""
    shares = grant_shares(np.array([[[900.0]], [[600.0]]]), np.array([[1000.0]]))
    assert_allclose(shares[:, 0, 0], [0.6, 0.4])
    handed = {
        "name": "楼栋改造",
        "category": "construction",
        "amount": 1000.0,
        "schedule": [0.4, 0.6],
        "ownership": "residents",
    }
    base = minimal_spec()["investment"]
    led = run_with(grant(1500.0), investment=[*base, handed]).ledger
    assert_allclose(led["grant.release"][0][2:], DEP, rtol=1e-12)


def test_unknown_grant_method_names_the_field() -> None:
    with pytest.raises(SpecError, match=r"grant_method.*'gross'.*'net'|grant_method"):
        validate_data(
            ProjectSpec, minimal_spec(funding={"fiscal_funds": [grant(grant_method="总额")]})
        )


@settings(max_examples=15, deadline=None)
@given(
    amount=st.floats(50.0, 1000.0),
    taxable=st.booleans(),
    quarterly=st.booleans(),
)
def test_gross_and_net_give_the_same_profit_tax_and_cash(
    amount: float, taxable: bool, quarterly: bool
) -> None:
    """Property (准则16号 第八条: the two methods differ only in presentation): profit
    before tax, income tax and CFADS are equal period by period; the release of the gross
    method equals the offset of the net method; income tax is never negative."""
    periods = {"timeline": {"periodicity": "quarterly"}} if quarterly else {}
    gross = run_with(grant(amount, taxable=taxable), **periods).ledger
    net = run_with(grant(amount, taxable=taxable, grant_method="net"), **periods).ledger
    for id in ("pl.profit_before_tax", "tax.income_tax", "cash.cfads", "pl.net_profit"):
        assert_allclose(gross[id], net[id], rtol=1e-12, atol=1e-9, err_msg=id)
    assert_allclose(gross["grant.release"], net["grant.cost_offset"], rtol=1e-12, atol=1e-12)
    assert (gross["tax.income_tax"] >= -1e-12).all()


@pytest.mark.parametrize("method", ["gross", "net"])
def test_balance_sheet_carries_the_unreleased_grant(method: str) -> None:
    """准则16号 第八条: by the gross method 递延收益 is 160 after year 0, 400 after year 1 and
    400 − 12.666… × k after k years of operation (a liability); by the net method the same
    amount is off the assets' book value. The sheet balances either way (bs.check = 0)."""
    led = run_with(grant(grant_method=method)).ledger
    balance = np.r_[160.0, 400.0, 400.0 - 0.4 * DEP * np.arange(1, 9)]
    line = "grant.deferred_income" if method == "gross" else "grant.asset_reduction"
    other = "grant.asset_reduction" if method == "gross" else "grant.deferred_income"
    assert_allclose(led[line][0], balance, rtol=1e-12)
    assert_allclose(led[other][0], 0.0, atol=1e-12)
    assert_allclose(led["bs.check"][0], 0.0, atol=1e-9)
