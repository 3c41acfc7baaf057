"""REIT exit valuation and eligibility (renewfin.instruments.reit, core.exit).

References: DOMAIN.md §5 — income approach: NOI / cap rate (4–5.5 %) or DCF at 6–7.5 %;
eligibility: ≥ 3 years of operation, projected distribution rate ≥ 3.8 % in each of the next
3 years (ownership), IRR ≥ 5 % (concession), first issue ≥ 10 亿元; the REIT pays out ≥ 90 %.
Hand values: NOI 240 a year → 240 / 5 % = 4,800; DCF of four years of 240 at 7 % =
240 × (1 − 1.07⁻⁴) / 0.07 = 812.9307, plus a terminal 4,800 / 1.07⁴ = 3,661.8970; Excel
NPV / IRR through numpy_financial.
"""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from numpy.testing import assert_allclose

from renewfin.engine import Result, run
from renewfin.instruments import reit
from renewfin.spec import ProjectSpec, validate_data
from renewfin.testing import minimal_spec

ANNUITY_4Y_7PCT = (1 - 1.07**-4) / 0.07


def test_noi_over_cap_rate() -> None:
    """240 / 5 % = 4,800; vectorised: 240 / 4 % = 6,000."""
    assert_allclose(
        reit.noi_cap_value(np.array([240.0, 240.0]), np.array([0.05, 0.04])),
        [4800.0, 6000.0],
        rtol=1e-15,
    )


def test_dcf_without_terminal_value() -> None:
    """Four years of 240 at 7 %: 240 × annuity factor = 812.9307 (= Excel NPV)."""
    noi = np.full((1, 4), 240.0)
    value = reit.dcf_value(noi, 0.07, 1)
    assert_allclose(value, [240 * ANNUITY_4Y_7PCT], rtol=1e-13)
    assert_allclose(value, [npf.npv(0.07, [0, 240, 240, 240, 240])], rtol=1e-13)
    assert value[0] == pytest.approx(812.9307, abs=5e-5)


def test_dcf_with_terminal_value_at_the_cap_rate() -> None:
    """Plus the last year's NOI / cap rate discounted from the end: 812.9307 + 4,800 / 1.07⁴
    = 812.9307 + 3,661.8970 = 4,474.8277."""
    noi = np.full((1, 4), 240.0)
    value = reit.dcf_value(noi, 0.07, 1, 0.05)
    assert_allclose(value, [npf.npv(0.07, [0, 240, 240, 240, 240 + 4800])], rtol=1e-13)
    assert value[0] == pytest.approx(4474.8277, abs=5e-5)


def test_dcf_on_a_semiannual_grid() -> None:
    """Eight half years of 120 at an effective 7 % a year (discount exponent (t+1)/2), and a
    terminal of (120 + 120) / 5 % at year 4."""
    noi = np.full((1, 8), 120.0)
    pv = sum(120.0 / 1.07 ** ((t + 1) / 2) for t in range(8))
    assert_allclose(reit.dcf_value(noi, 0.07, 2), [pv], rtol=1e-13)
    assert_allclose(reit.dcf_value(noi, 0.07, 2, 0.05), [pv + 4800 / 1.07**4], rtol=1e-13)


def test_distribution_rates_and_missing_years() -> None:
    """Distributable cash of each year (NOI 240 and 250, revenue 300 and 310, value 4,800):
    fees 0.3 % × 4,800 = 14.4, capex reserve 2 % of revenue (6 and 6.2), SPV taxes 10 % of
    NOI (24 and 25), REIT debt service 12: 240 − 24 − 6 − 14.4 − 12 = 183.6 and 250 − 25 −
    6.2 − 14.4 − 12 = 192.4; rates 183.6 / 4,800 = 3.825 % and 192.4 / 4,800 = 4.00833 %
    (before the payout share); the third year lies beyond the horizon → NaN."""
    cash = reit.distributable_cash(
        np.array([[240.0, 250.0]]),
        np.array([[300.0, 310.0]]),
        np.array([4800.0]),
        1,
        fee_rate=0.003,
        capex_rate=0.02,
        tax_rate=0.1,
        debt_service=12.0,
    )
    assert_allclose(cash, [[183.6, 192.4]], rtol=1e-12)
    got = reit.distribution_rates(cash, np.array([4800.0]), 1)
    assert_allclose(got[0, :2], [0.03825, 192.4 / 4800], rtol=1e-12)
    assert np.isnan(got[0, 2])


def test_asset_irr_matches_excel_irr() -> None:
    """IRR of paying 812.9307 (the PV at 7 %) for four years of 240 is 7 %; any value equals
    Excel IRR of [−value, NOI …]."""
    noi = np.full((1, 4), 240.0)
    value = np.array([240 * ANNUITY_4Y_7PCT])
    assert_allclose(reit.asset_irr(noi, value, 1), [0.07], rtol=1e-9)
    assert_allclose(
        reit.asset_irr(noi, np.array([700.0]), 1), [npf.irr([-700, 240, 240, 240, 240])], rtol=1e-9
    )


# --------------------------------------------------------------------------- #
# In the engine: the minimal project (NOI 240 a year from year 2), exit at the end of year 6
# --------------------------------------------------------------------------- #


def _exit(**reit_exit: object) -> Result:
    data = minimal_spec(funding={"reit_exit": {"exit_year": 6, **reit_exit}})
    return run(validate_data(ProjectSpec, data))


def test_engine_noi_cap_value_and_proceeds() -> None:
    """Forward NOI 240 / 5 % = 4,800 at the exit period (5); net proceeds after 2 %
    transaction costs 4,704; 4 years of operation (years 2–5); size 4,800 万元 = 0.48 亿元;
    distribution yield from distributable cash (default fees 0.3 % × 4,800 = 14.4, capex
    reserve 2 % × revenue 240 = 4.8): (240 − 14.4 − 4.8) / 4,800 = 4.6 % (no longer the
    tautological 0.9 × cap = 4.5 %)."""
    res = _exit(cap_rate=0.05)
    led = res.ledger
    expected = np.zeros(10)
    expected[5] = 4800.0
    assert_allclose(led["reit.value"][0], expected)
    assert_allclose(led["reit.net_proceeds"][0], expected * 0.98)
    assert res.metric("reit_exit_value") == pytest.approx(4800.0)
    assert res.metric("reit_operating_years") == pytest.approx(4.0)
    assert res.metric("reit_size_yi_yuan") == pytest.approx(0.48)
    assert res.metric("reit_distribution_yield") == pytest.approx(0.046)


def test_engine_dcf_value_for_ownership_and_concession() -> None:
    """DCF at 7 % over the four years after the exit (years 6–9): ownership adds the
    terminal 4,800 / 1.07⁴ → 4,474.8277; a concession has none → 812.9307 and an asset IRR
    of exactly 7 %."""
    own = _exit(valuation="dcf", discount_rate=0.07, cap_rate=0.05)
    assert own.metric("reit_exit_value") == pytest.approx(4474.8277, abs=5e-5)
    con = _exit(valuation="dcf", discount_rate=0.07, asset_type="concession")
    assert con.metric("reit_exit_value") == pytest.approx(240 * ANNUITY_4Y_7PCT, rel=1e-12)
    assert con.metric("reit_asset_irr") == pytest.approx(0.07, rel=1e-8)


@pytest.mark.parametrize(
    ("fields", "eligible"),
    [
        ({"min_size_yi_yuan": 0.0}, 1.0),  # 4.5 % ≥ 3.8 %, 4 ≥ 3 years, 0.48 ≥ 0
        ({}, 0.0),  # 0.48 亿元 < 10 亿元 (default first-issue minimum)
        ({"min_size_yi_yuan": 0.0, "min_distribution_rate": 0.05}, 0.0),  # 4.5 % < 5 %
        ({"min_size_yi_yuan": 0.0, "min_operating_years": 5}, 0.0),  # 4 < 5 years
        (
            {
                "min_size_yi_yuan": 0.0,
                "asset_type": "concession",
                "valuation": "dcf",
                "discount_rate": 0.07,
            },
            1.0,
        ),  # IRR 7 % ≥ 5 %
        (
            {
                "min_size_yi_yuan": 0.0,
                "asset_type": "concession",
                "valuation": "dcf",
                "discount_rate": 0.07,
                "min_irr": 0.08,
            },
            0.0,
        ),  # IRR 7 % < 8 %
    ],
)
def test_engine_eligibility_tests(fields: dict[str, object], eligible: float) -> None:
    """Each eligibility test switches the verdict on its own (DOMAIN.md §5)."""
    assert _exit(cap_rate=0.05, **fields).metric("reit_eligible") == eligible
