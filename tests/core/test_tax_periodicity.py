"""Issue 17, tests and references: the annual and the quarterly version of a random project
pay the same total of each tax per year, to 1e-9, and no tax is ever negative except a
stated refund: the 土地增值税 settlement (清算退税), and within a year a quarter's income tax
giving back what the year's earlier quarters prepaid (the year's tax is never negative);
the VAT credit refund (留抵退税) is its own line and positive.

References: the tax year is the calendar year (企业所得税法 第五十三条) with losses carried
forward by tax year (第十八条); VAT is due on each period's output less its input and the
credit carried (增值税法 第二十一条), which gives the year's total whenever no period of the
year leaves a credit (here: no input VAT in operation); 房产税, 城镇土地使用税 and 印花税 are
annual amounts (or contract amounts) spread over the periods; 土地增值税 is prepaid on
proceeds and settled once (土地增值税暂行条例, 国税发〔2006〕187号). The random project:
``renewfin.testing.minimal_spec`` (built in years 0–1, no debt) under ``cn_default`` with a
random rent, a random sale of flats in years 3–4, random operating costs with growth, a
random land area and self-used share, and a random land item.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, validate_data
from renewfin.testing import minimal_spec

TAXES = (
    "tax.vat_payable",
    "tax.surcharges",
    "tax.property_rental",
    "tax.property_ad_valorem",
    "tax.land_use",
    "tax.stamp_duty",
    "tax.land_appreciation",
    "tax.income_tax",
    "tax.taxes_and_surcharges",
)
"""Every tax line the random project bears."""

REFUND_HOLDERS = ("tax.land_appreciation", "tax.taxes_and_surcharges")
"""The lines that hold the only stated refund, the LAT settlement (``tax.lat_settlement``,
negative when the prepayment exceeds the tax due)."""


def project(
    rent: float,
    price: float,
    opex: float,
    growth: float,
    area: float,
    self_used: float,
    land: float,
    periodicity: str,
) -> Result:
    data: dict[str, Any] = minimal_spec(
        timeline={"periodicity": periodicity},
        tax={
            "preset": "cn_default",
            "land_use_tax_area": area,
            "property_tax_ad_valorem_share": self_used,
            "land_appreciation": {"prepayment_rate": 0.02},
        },
        investment=[
            {
                "name": "建安工程",
                "category": "construction",
                "amount": 1000.0,
                "schedule": [0.4, 0.6],
            },
            {"name": "土地出让金", "category": "land", "amount": land, "schedule": [1.0]},
        ],
        revenues=[
            minimal_spec()["revenues"][0],
            {"name": "商铺", "kind": "rent", "quantity": 1000, "unit_price": rent},
            {
                "name": "住宅销售",
                "kind": "sale",
                "quantity": 1000,
                "unit_price": price,
                "price_per": "once",
                "schedule": [0.5, 0.5],
                "start_after_years": 1,
            },
        ],
        opex=[{"name": "运营管理", "amount": opex, "growth_rate": growth}],
    )
    return run(validate_data(ProjectSpec, data))


def by_year(res: Result, id: str) -> np.ndarray:
    """Yearly totals of a flow line, (years,) [万元]."""
    x = res.ledger[id][0]
    ppy = len(x) // 10
    return np.asarray(x.reshape(10, ppy).sum(axis=1))


@settings(max_examples=12, deadline=None)
@given(
    rent=st.floats(10.0, 200.0),
    price=st.floats(5000.0, 40000.0),
    opex=st.floats(0.0, 150.0),
    growth=st.floats(0.0, 0.05),
    area=st.floats(0.0, 20000.0),
    self_used=st.floats(0.0, 1.0),
    land=st.floats(0.0, 800.0),
)
def test_quarterly_pays_each_tax_of_the_annual_year_and_none_is_negative(
    rent: float,
    price: float,
    opex: float,
    growth: float,
    area: float,
    self_used: float,
    land: float,
) -> None:
    args = (rent, price, opex, growth, area, self_used, land)
    annual, quarterly = project(*args, "annual"), project(*args, "quarterly")
    for id in TAXES:
        assert_allclose(
            by_year(quarterly, id), by_year(annual, id), rtol=1e-9, atol=1e-9, err_msg=id
        )
    for res in (annual, quarterly):
        led = res.ledger
        for id in TAXES:
            # 土地增值税 and 税金及附加 (which holds it) less the stated refund, 清算退税
            x = led[id] - led["tax.lat_settlement"] * (id in REFUND_HOLDERS)
            if id == "tax.income_tax":  # a quarter may get back what its year prepaid
                x = x.reshape(10, -1).sum(axis=1)
            assert (x >= -1e-9).all(), id
        for id in ("tax.lat_prepaid", "tax.vat_refund"):
            assert (res.ledger[id] >= -1e-9).all(), id
        assert res.ledger["tax.land_appreciation"].sum() >= -1e-9  # refunds ≤ prepaid
