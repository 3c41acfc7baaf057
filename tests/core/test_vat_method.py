"""VAT method per revenue stream and input VAT by asset ownership (issue 17.3, 17.4).

References, by test: 增值税法 第十一条 (simplified levy rate 3 %) and 财税〔2016〕36号 附件2
一(九)(十) (5 % for old real property let or sold); 增值税法 第二十二条(一) (no credit for the
input VAT of simplified-method items); 财税〔2016〕36号 附件1 第二十九条 (input VAT that serves
both methods is not credited in the share of simplified-method sales in the period's sales);
企业会计准则—基本准则 第二十条 (works handed over are not the company's assets); 国家税务总局
公告2016年第18号 第十三条 (a developer's input VAT that cannot be split is credited by floor
area, 建设规模); 2019年第76号 第一条(二) (community-services income counted at 90 % for income
tax). Every expected
figure is worked out by hand in the test's comments.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec

CN = {"preset": "cn_default"}
WORKS_1090 = {
    "name": "建安工程",
    "category": "construction",
    "amount": 1090,
    "schedule": [0.4, 0.6],
}
PARKING = minimal_spec()["revenues"][0]  # 240 万元 a year excl. VAT from year 2
RENT = {"name": "商铺", "kind": "rent", "quantity": 1000, "unit_price": 50}  # 60 a year
OPERATING = np.arange(10) >= 2


def run_with(**overrides: Any) -> Result:
    return run(validate_data(ProjectSpec, minimal_spec(**overrides)))


def test_all_streams_simplified_no_input_credit_vat_in_the_asset_cost() -> None:
    # Parking on 简易计税 at the preset levy rate 5 % (real property, 36号 附件2):
    # VAT = 240 × 5 % = 12 a year, no input credit, so payable = 12 from year 2, and the
    # surcharges 12 % × 12 = 1.44 (城建税 7 % + 教育费附加 3 % + 地方教育附加 2 %).
    # The works' 90 of input VAT (1090 × 9/109) is not credited (增值税法 第二十二条(一)):
    # the building's original value stays 1090, depreciated over 30 years to 5 %:
    # 1090 × 0.95 / 30 = 34.516 666… a year.
    res = run_with(
        tax=CN, investment=[WORKS_1090], revenues=[{**PARKING, "vat_method": "simplified"}]
    )
    led = res.ledger
    assert_allclose(led["tax.output_vat"][0], 12.0 * OPERATING, rtol=1e-12)
    assert not led["capex.input_vat"].any()
    assert not led["tax.vat_credit"].any()
    assert_allclose(led["tax.vat_payable"][0], 12.0 * OPERATING, rtol=1e-12)
    assert_allclose(led["tax.surcharges"][0], 1.44 * OPERATING, rtol=1e-12)
    assert_allclose(led["dep.total"][0], 1090 * 0.95 / 30 * OPERATING, rtol=1e-12)


def test_simplified_stream_beside_a_general_one_apportions_opex_input_vat() -> None:
    # Parking 240 on the general method (9 %: 21.6) and shop rent 60 on the simplified
    # method (5 %: 3.0): output VAT 24.6 a year. Operating costs 100 + 6 % VAT = 6 serve
    # both: not credited 6 × 60 / 300 = 1.2 (36号 附件1 第二十九条), a cost (opex.total
    # 101.2), credited 4.8. The works' 90 of input VAT is credited (a fixed asset used for
    # both methods is credited in full): 36 in year 0, 54 in year 1.
    # year  output  input  credit b/f   net    payable  credit c/f
    #   0     0      36       0        −36       0        36
    #   1     0      54      36        −90       0        90
    #   2   24.6    4.8      90       −70.2      0       70.2
    #   3   24.6    4.8     70.2      −50.4      0       50.4
    #   4   24.6    4.8     50.4      −30.6      0       30.6
    #   5   24.6    4.8     30.6      −10.8      0       10.8
    #   6   24.6    4.8     10.8        9.0     9.0       0
    #   7–9 24.6    4.8       0        19.8    19.8       0
    res = run_with(
        tax=CN,
        investment=[WORKS_1090],
        revenues=[PARKING, {**RENT, "vat_method": "simplified"}],
        opex=[{"name": "外包", "amount": 100, "input_vat_rate": 0.06}],
    )
    led = res.ledger
    assert_allclose(led["tax.output_vat"][0], 24.6 * OPERATING, rtol=1e-12)
    assert_allclose(led["opex.vat_not_creditable"][0], 1.2 * OPERATING, rtol=1e-12)
    assert_allclose(led["opex.total"][0], 101.2 * OPERATING, rtol=1e-12)
    assert_allclose(led["opex.input_vat"][0], 4.8 * OPERATING, rtol=1e-12)
    assert_allclose(led["tax.input_vat"][0], [36, 54] + [4.8] * 8, rtol=1e-12)
    assert_allclose(
        led["tax.vat_credit"][0], [36, 90, 70.2, 50.4, 30.6, 10.8, 0, 0, 0, 0], atol=1e-9
    )
    assert_allclose(led["tax.vat_payable"][0], [0] * 6 + [9.0] + [19.8] * 3, atol=1e-9)
    # Cash paid for operating costs is unchanged: 100 + 6 either way.
    assert_allclose((led["opex.total"] + led["opex.input_vat"])[0], 106 * OPERATING)


def test_simplified_levy_rate_override_by_kind() -> None:
    # tax.simplified_vat_rates sets the levy rate of a kind: parking at 3 %: 240 × 3 % = 7.2.
    res = run_with(
        tax={**CN, "simplified_vat_rates": {"parking": 0.03}},
        revenues=[{**PARKING, "vat_method": "simplified"}],
    )
    assert_allclose(res.ledger["tax.output_vat"][0], 7.2 * OPERATING, rtol=1e-12)


def test_works_handed_over_earn_no_credit_and_are_not_depreciated() -> None:
    # Kept works 1090 (90 VAT credited, asset 1000) and facade works on residents' buildings
    # 545 incl. 9 % VAT (45 VAT), handed over: no credit, no asset. Input VAT credited
    # 90 × (40 %, 60 %) = 36, 54; depreciation 1000 × 0.95 / 30 = 31.666… a year; the
    # handed-over works are recorded apart: 545 × (40 %, 60 %) = 218, 327.
    # 房产税 从价 on the kept building only: 1000 × 1.2 % × (1 − 30 %) × 50 % = 4.2 a year.
    facade = {
        "name": "外立面",
        "category": "construction",
        "amount": 545,
        "schedule": [0.4, 0.6],
        "ownership": "residents",
    }
    res = run_with(
        tax={**CN, "property_tax_ad_valorem_share": 0.5}, investment=[WORKS_1090, facade]
    )
    led = res.ledger
    assert_allclose(led["capex.input_vat"][0], [36, 54] + [0] * 8, rtol=1e-12)
    assert_allclose(led["capex.handed_over"][0], [218, 327] + [0] * 8, rtol=1e-12)
    assert_allclose(led["dep.total"][0], 1000 * 0.95 / 30 * OPERATING, rtol=1e-12)
    assert_allclose(led["tax.property_ad_valorem"][0], 4.2 * OPERATING, rtol=1e-12)


def test_a_stated_share_of_the_works_input_vat_is_credited() -> None:
    # Works 1090 incl. 9 % VAT (90 of VAT) serve 2,500 m² let on the general method and
    # 7,500 m² handed over free: credited by 建设规模 (国家税务总局公告2016年第18号 第十三条)
    # 90 × 2,500 / 10,000 = 22.5, i.e. 9 in year 0 (40 %) and 13.5 in year 1 (60 %).
    # The 67.5 not credited stays in the building: 1090 − 22.5 = 1067.5, depreciated over
    # 30 years to 5 %: 1067.5 × 0.95 / 30 = 33.804 166… a year. Parking 240 at 9 % = 21.6:
    # credit c/f 9, 22.5, then 22.5 − 21.6 = 0.9 in year 2; payable 0, 0, 0, then
    # 21.6 − 0.9 = 20.7 in year 3 and 21.6 after.
    res = run_with(tax=CN, investment=[{**WORKS_1090, "input_vat_credit_share": 0.25}])
    led = res.ledger
    assert_allclose(led["capex.input_vat"][0], [9, 13.5] + [0] * 8, rtol=1e-12)
    assert_allclose(led["tax.vat_credit"][0], [9, 22.5, 0.9] + [0] * 7, atol=1e-9)
    assert_allclose(led["tax.vat_payable"][0], [0, 0, 0, 20.7] + [21.6] * 6, atol=1e-9)
    assert_allclose(led["dep.total"][0], 1067.5 * 0.95 / 30 * OPERATING, rtol=1e-12)


def test_a_credit_share_above_one_is_refused() -> None:
    data = minimal_spec(investment=[{**WORKS_1090, "input_vat_credit_share": 1.2}])
    with pytest.raises(SpecError) as err:
        validate_data(ProjectSpec, data)
    assert "input_vat_credit_share" in str(err.value) and "1.2" in str(err.value)


def test_a_contingency_handed_over_to_the_government() -> None:
    # Works 1090 kept; a 10 % basic contingency (109, no VAT by the preset) handed over:
    # the asset stays 1000, the contingency is neither credited nor depreciated.
    cont = {"name": "预备费", "category": "contingency", "rate": 0.1, "ownership": "government"}
    res = run_with(tax=CN, investment=[WORKS_1090, cont])
    assert_allclose(res.ledger["capex.handed_over"][0], [43.6, 65.4] + [0] * 8, rtol=1e-12)
    assert_allclose(res.ledger["dep.total"][0], 1000 * 0.95 / 30 * OPERATING, rtol=1e-12)


@pytest.mark.parametrize("rate", [0.06, 0.09, 0.13])
def test_a_general_rate_on_a_simplified_stream_is_refused(rate: float) -> None:
    data = minimal_spec(
        tax=CN, revenues=[{**PARKING, "vat_method": "simplified", "vat_rate": rate}]
    )
    with pytest.raises(SpecError) as err:
        validate_data(ProjectSpec, data)
    text = str(err.value)
    assert "vat_rate" in text and "simplified" in text and "revenues[0" in text


def test_an_unknown_ownership_is_refused() -> None:
    data = minimal_spec(investment=[{**WORKS_1090, "ownership": "developer"}])
    with pytest.raises(SpecError) as err:
        validate_data(ProjectSpec, data)
    assert "ownership" in str(err.value)


def test_exempt_community_care_earns_no_vat_and_no_credit() -> None:
    # Community elderly-care income 60 exempt (2019年第76号 第一条): no output VAT; parking 240
    # at 9 % = 21.6. Opex input VAT 6 serving both: not credited 6 × 60 / 300 = 1.2 (36号 附件1
    # 第二十九条 counts exempt sales with simplified ones), credited 4.8.
    care = {
        "name": "社区养老服务",
        "kind": "other",
        "quantity": 1,
        "unit_price": 600000,
        "price_per": "year",
        "vat_method": "exempt",
    }
    res = run_with(
        tax=CN,
        investment=[WORKS_1090],
        revenues=[PARKING, care],
        opex=[{"name": "外包", "amount": 100, "input_vat_rate": 0.06}],
    )
    led = res.ledger
    assert_allclose(led["tax.output_vat"][0], 21.6 * OPERATING, rtol=1e-12)
    assert_allclose(led["opex.vat_not_creditable"][0], 1.2 * OPERATING, rtol=1e-12)
    assert_allclose(led["opex.input_vat"][0], 4.8 * OPERATING, rtol=1e-12)


def test_community_care_income_counts_at_90_percent_for_income_tax() -> None:
    # 2019年第76号 第一条(二): community elderly-care income is counted at 90 % in 收入总额.
    # Income 60 a year from year 2: 减计收入 (1 − 0.9) × 60 = 6 a year, in profit (利润总额
    # keeps all 60) but not in taxable income: taxable = profit before tax − 6, and the
    # income tax 25 % × (taxable − losses used), e.g. 1.5 less than on the full income.
    # The adjusted income tax of the project cash flow deducts it too.
    care = {
        "name": "社区养老服务",
        "kind": "other",
        "quantity": 1,
        "unit_price": 600000,
        "price_per": "year",
        "vat_method": "exempt",
        "community_services": True,
    }
    res = run_with(tax=CN, investment=[WORKS_1090], revenues=[PARKING, care])
    led = res.ledger
    assert_allclose(led["tax.income_reduction"][0], 6.0 * OPERATING, rtol=1e-12)
    assert_allclose(
        led["tax.taxable_income"][0], led["pl.profit_before_tax"][0] - 6.0 * OPERATING, atol=1e-9
    )
    taxed = led["tax.taxable_income"][0] - led["tax.loss_used"][0]
    paying = led["tax.taxable_income"][0] > 0
    assert paying[2:].all()
    assert_allclose(led["tax.income_tax"][0][paying], 0.25 * taxed[paying], rtol=1e-12)
    full = run_with(
        tax=CN, investment=[WORKS_1090], revenues=[PARKING, {**care, "community_services": False}]
    ).ledger
    assert_allclose(
        full["tax.adjusted_income_tax"][0] - led["tax.adjusted_income_tax"][0],
        1.5 * OPERATING,
        atol=1e-9,
    )
    assert_allclose(led["pl.profit_before_tax"][0], full["pl.profit_before_tax"][0], atol=1e-9)


def test_community_services_on_a_taxed_stream_is_refused() -> None:
    data = minimal_spec(revenues=[{**PARKING, "community_services": True}])
    with pytest.raises(SpecError) as err:
        validate_data(ProjectSpec, data)
    text = str(err.value)
    assert "vat_method" in text and "exempt" in text and "general" in text


def test_a_rate_on_an_exempt_stream_is_refused() -> None:
    data = minimal_spec(revenues=[{**PARKING, "vat_method": "exempt", "vat_rate": 0.06}])
    with pytest.raises(SpecError) as err:
        validate_data(ProjectSpec, data)
    assert "vat_rate" in str(err.value) and "exempt" in str(err.value)
