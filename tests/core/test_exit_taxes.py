"""Taxes on the transfer of the asset at a REIT exit (issue 17, point 1).

References: 增值税 on the sale of real property at 9 % (general) or the 5 % levy rate
(simplified, 财税〔2016〕36号 附件2), the exit value taken as the price including VAT; the
surcharges 7 % + 3 % + 2 % on the VAT the transfer adds; 印花税法 税目税率表 (产权转移书据
0.5‰ on the price excluding VAT, 第五条); 土地增值税暂行条例 第六条(四), 实施细则 第七条(四)
(旧房转让: 重置成本价 × 成新度折扣率 + 地价款 + taxes on the transfer, VAT excluded,
财税〔2016〕43号 第三条) and 第七条/第十条 (brackets). Each expected figure is worked out by
hand below.
"""

from __future__ import annotations

from typing import Any

from numpy.testing import assert_allclose

from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, validate_data
from renewfin.testing import minimal_spec

# Parking 240 a year from year 2 (period 2), no costs; exit at the end of year 6 (period
# 5): value = next year's NOI ÷ cap = 240 ÷ 5 % = 4,800 (含税价), transaction cost 2 %.
EXIT = {"exit_year": 6, "cap_rate": 0.05, "min_size_yi_yuan": 0}
SURCHARGES = {
    "urban_maintenance_rate": 0.07,
    "education_surcharge_rate": 0.03,
    "local_education_surcharge_rate": 0.02,
}
TAX = {
    "preset": "none",
    "vat_rates": {"sale": 0.09},
    "simplified_vat_rates": {"sale": 0.05},
    "stamp_duty_transfer_rate": 0.0005,
    "land_appreciation": {"enabled": True},
    **SURCHARGES,
}
BUILDING = {"classes": [{"name": "building", "life_years": 20, "residual_rate": 0.0}]}


def run_exit(exit: dict[str, Any] | None = None, tax: dict[str, Any] | None = None) -> Result:
    data = minimal_spec(
        tax=tax or TAX, depreciation=BUILDING, funding={"reit_exit": {**EXIT, **(exit or {})}}
    )
    return run(validate_data(ProjectSpec, data))


def test_vat_stamp_duty_and_lat_of_an_old_property_transfer_by_hand() -> None:
    led = run_exit().ledger
    # VAT (general 9 %, no input credit: preset none has no input VAT on the works):
    # 4,800 × 9 ÷ 109 = 396.3303; price excl. VAT 4,800 − 396.3303 = 4,403.6697.
    vat = 4800 * 0.09 / 1.09
    price = 4800 - vat
    assert_allclose(led["tax.exit_output_vat"][0][5], vat, rtol=1e-12)
    assert_allclose(led["tax.vat_payable"][0][5], vat, rtol=1e-12)
    # Surcharges 12 % × 396.3303 = 47.5596; stamp duty 0.5‰ × 4,403.6697 = 2.2018.
    assert_allclose(led["tax.exit_surcharges"][0][5], 0.12 * vat, rtol=1e-12)
    assert_allclose(led["tax.exit_stamp_duty"][0][5], 0.0005 * price, rtol=1e-12)
    assert_allclose(led["tax.surcharges"][0], 0.0, atol=1e-12)  # none on operations
    # LAT: 成新度 1 − 4 years operated (periods 2–5) ÷ 20 = 0.8; deductions 1,000 × 0.8 +
    # land 0 + 47.5596 + 2.2018 = 849.7615; appreciation 4,403.6697 − 849.7615 =
    # 3,553.9082 = 418 % → 3,553.9082 × 60 % − 849.7615 × 35 % = 1,834.93.
    d = 800 + 0.12 * vat + 0.0005 * price
    x = price - d
    assert_allclose(led["tax.exit_lat_deductions"][0][5], d, rtol=1e-12)
    assert_allclose(led["tax.exit_lat"][0][5], 0.6 * x - 0.35 * d, rtol=1e-12)
    assert_allclose(0.6 * x - 0.35 * d, 1834.93, atol=0.01)
    # Net proceeds: 4,800 × 98 % = 4,704 − 396.3303 − 47.5596 − 2.2018 − 1,834.93
    # = 2,422.98.
    net = 4800 * 0.98 - vat - 0.12 * vat - 0.0005 * price - (0.6 * x - 0.35 * d)
    assert_allclose(led["reit.net_proceeds"][0][5], net, rtol=1e-12)
    assert_allclose(net, 2422.98, atol=0.01)
    # The gain on disposal bears them: net proceeds − book value at the exit.
    book = led["dep.book_value_at_end"][0][5]
    assert_allclose(led["pl.gain_on_exit"][0][5], net - book, rtol=1e-9)
    # The project cash flow receives the VAT from the buyer and pays it: the exit period's
    # inflow is net + VAT + revenue 240, its VAT outflow the VAT.
    assert_allclose(led["cf.project.inflow"][0][5], net + vat + 240, rtol=1e-12)


def test_lat_deduction_inputs_and_bracket() -> None:
    # 重置成本价 3,000 × 成新度 0.5 = 1,500; + 47.5596 + 2.2018 = 1,549.7615; appreciation
    # 4,403.6697 − 1,549.7615 = 2,853.9082 = 184 % → × 50 % − 1,549.7615 × 15 % = 1,194.49.
    led = run_exit({"lat_replacement_cost": 3000, "lat_condition_rate": 0.5}).ledger
    vat = 4800 * 0.09 / 1.09
    d = 1500 + 0.12 * vat + 0.0005 * (4800 - vat)
    x = 4800 - vat - d
    assert_allclose(led["tax.exit_lat"][0][5], 0.5 * x - 0.15 * d, rtol=1e-12)
    assert_allclose(0.5 * x - 0.15 * d, 1194.49, atol=0.01)


def test_general_method_uses_the_credit_left_and_simplified_does_not() -> None:
    # Works 1,000 with 9 % input VAT: a credit of 1,000 × 9 ÷ 109 = 82.5688 carried to the
    # exit (no operating output VAT under preset none but for the sale rate).
    credit = 1000 * 0.09 / 1.09
    works = {"capex_input_vat_rates": {"construction": 0.09}}
    general = run_exit(tax={**TAX, **works}).ledger
    # General: payable 396.3303 − 82.5688 = 313.7615, surcharges 12 % of it = 37.6514.
    vat = 4800 * 0.09 / 1.09
    assert_allclose(general["tax.vat_payable"][0][5], vat - credit, rtol=1e-12)
    assert_allclose(general["tax.exit_surcharges"][0][5], 0.12 * (vat - credit), rtol=1e-12)
    assert_allclose(general["tax.vat_credit"][0][5], 0.0, atol=1e-12)
    # Simplified 5 %: 4,800 × 5 ÷ 105 = 228.5714 payable in full, the credit kept.
    simple = run_exit({"vat_method": "simplified"}, tax={**TAX, **works}).ledger
    vat5 = 4800 * 0.05 / 1.05
    assert_allclose(simple["tax.vat_payable"][0][5], vat5, rtol=1e-12)
    assert_allclose(simple["tax.exit_surcharges"][0][5], 0.12 * vat5, rtol=1e-12)
    assert_allclose(simple["tax.vat_credit"][0][5], credit, rtol=1e-12)


def test_share_transfer_bears_no_vat_nor_lat() -> None:
    # vat_method exempt and no LAT: only the stamp duty 0.5‰ × 4,800 = 2.4 besides the 2 %
    # cost: 4,800 × 0.98 − 2.4 = 4,701.6.
    led = run_exit({"vat_method": "exempt", "land_appreciation_tax": False}).ledger
    assert_allclose(led["tax.exit_output_vat"][0], 0.0, atol=1e-12)
    assert_allclose(led["tax.exit_lat"][0], 0.0, atol=1e-12)
    assert_allclose(led["reit.net_proceeds"][0][5], 4701.6, rtol=1e-12)
