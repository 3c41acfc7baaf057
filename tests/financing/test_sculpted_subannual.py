"""A sculpted loan in a semiannual model whose special bond's bullet leaves one half-year
short of cash: the DSCR is tested on the year, so the loan must be repaid before that
year begins (``renewfin.financing.bounds``, sculpted bound).

Hand calculation (the case hypothesis found, ``test_dscr_properties``): CFADS is 90 each
half-year from period 2; the bond (100 at 3.125 %, 5 years, semiannual coupon 3.125 on the
second half) leaves 90, 86.875, …, and −13.125 in period 9 (its bullet). Year 4 is
periods 8–9: 90 − 13.125 = 76.875 available. Had the loan kept sculpting in period 8
(service 90 / 1.5 = 60), year 4's DSCR would be 76.875 / 60 = 1.28 < 1.5 (what the engine
reported before the fix). With the fix the loan has no service in year 4 at all.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from renewfin.engine import run
from renewfin.spec import ProjectSpec, validate_data


def _data() -> dict[str, Any]:
    return {
        "project": {"name": "测试项目", "name_en": "Test project", "money_unit": "万元"},
        "timeline": {
            "start_date": "2026-01-01",
            "periodicity": "semiannual",
            "horizon_years": 14,
            "phases": [{"name": "P0", "start_year": 0, "duration_years": 1}],
        },
        "investment": [
            {"name": "works P0", "category": "construction", "phase": "P0", "amount": 1000.0}
        ],
        "revenues": [
            {
                "name": "RP0",
                "kind": "parking",
                "phase": "P0",
                "quantity": 1000,
                "unit_price": 150.0,
                "price_per": "month",
                "growth_rate": 0.0,
            }
        ],
        "opex": [],
        "tax": {"preset": "none"},
        "evaluation": {"discount_rate": 0.06},
        "funding": {
            "drawdown": "pro_rata",
            "loans": [
                {
                    "name": "L0",
                    "rate_type": "fixed",
                    "rate": 0.0625,
                    "tenor_years": 6,
                    "grace_years": 0,
                    "repayment": "sculpted",
                    "draw_timing": "start",
                    "sizing": {"dscr": 1.5},
                    "target_dscr": 1.5,
                }
            ],
            "special_bonds": [
                {
                    "name": "B0",
                    "amount": 100.0,
                    "tenor_years": 5,
                    "coupon": 0.03125,
                    "draw_timing": "start",
                }
            ],
            "fiscal_funds": [{"name": "G", "use": "capital_grant", "amount": 1.0}],
        },
        "plausibility": {"max_grant_share": 100, "max_sources_ratio": 100},
    }


def test_a_half_year_short_of_cash_ends_the_sculpted_loan_before_its_year() -> None:
    res = run(validate_data(ProjectSpec, _data()))
    led = res.ledger
    cfads = led["cash.cfads"][0]
    bond = led["cash.bond_debt_service"][0]
    assert np.isclose(cfads[8] - bond[8] + cfads[9] - bond[9], 76.875)  # the hand figure
    service = (
        led["loan[L0].interest"][0] - led["loan[L0].capitalised"][0] + led["loan[L0].principal"][0]
    )
    assert np.all(service[8:] < 1e-9)  # nothing due in year 4 or after
    # every year with service meets 1.5 on the year's cash (periods 2k, 2k + 1)
    avail = (cfads - bond).reshape(-1, 2).sum(axis=1)
    due = service.reshape(-1, 2).sum(axis=1)
    owes = due > 1e-9
    assert owes.any()
    assert np.all(avail[owes] >= 1.5 * due[owes] * (1 - 1e-9))
