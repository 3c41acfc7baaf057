"""The feature matrix: one small base project and named variants of it, each switching on
one branch of the spec (or a few that interact), for the LibreOffice parity test
(``tests/excel/test_feature_matrix.py``) and for any refactoring of the model that must
keep every branch's numbers.

The base (``BASE``) is a 12-year annual project: two years of construction (works spent
40 % / 60 %, equipment, other costs, a 5 % basic contingency), rent with a ramp-up and
price growth plus parking, a fixed and a revenue-share operating cost, PRC taxes, a
capital grant, a 2,000 special bond (10 years, 分期还本 from year 4, coupons by the
default rule: semiannual for 10 years), and an LPR loan (等额本金, 3-year grace, sized by
gearing 40 % and DSCR 1.3, drawn pro rata with equity). A case is the base with a patch
(``Case.patch``, merged by ``renewfin.testing.merge_data``: mappings merge, lists
replace), optional per-scenario overrides of the virtual risk inputs, or a builder of its
own (the district).
"""

from __future__ import annotations

import copy
import enum
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from renewfin.spec import ProjectSpec, validate_data
from renewfin.testing import merge_data

LOAN = "银行贷款"
"""Name of the base loan."""
BOND = "专项债"
"""Name of the base special bond."""

BASE_LOAN: dict[str, Any] = {
    "name": LOAN,
    "lender": "某政策性银行",
    "rate_type": "lpr",
    "spread": -0.005,
    "tenor_years": 11,
    "grace_years": 3,
    "repayment": "equal_principal",
    "sizing": {"gearing": 0.4, "dscr": 1.3},
}
BASE_BOND: dict[str, Any] = {
    "name": BOND,
    "amount": 2000.0,
    "tenor_years": 10,
    "coupon": 0.025,
    "repayment": "custom",
    "repayment_schedule": [0, 0, 0, 0.1, 0.1, 0.15, 0.15, 0.15, 0.15, 0.2],
}
BASE_REVENUES: list[dict[str, Any]] = [
    {
        "name": "商业租金",
        "kind": "rent",
        "quantity": 20000,
        "quantity_unit": "m²",
        "unit_price": 60.0,
        "price_per": "month",
        "utilisation": 0.9,
        "ramp_up": [0.6, 0.85],
        "growth_rate": 0.02,
    },
    {
        "name": "停车位",
        "kind": "parking",
        "quantity": 400,
        "quantity_unit": "个",
        "unit_price": 300.0,
        "price_per": "month",
        "utilisation": 0.8,
    },
]
BASE_OPEX: list[dict[str, Any]] = [
    {"name": "运营管理", "basis": "fixed", "amount": 150.0, "growth_rate": 0.03},
    {"name": "招商营销", "category": "marketing", "basis": "revenue_share", "share": 0.03},
]
BASE_INVESTMENT: list[dict[str, Any]] = [
    {"name": "建安工程", "category": "construction", "amount": 8000.0, "schedule": [0.4, 0.6]},
    {"name": "设备购置", "category": "equipment", "amount": 1200.0},
    {"name": "其他费用", "category": "other_costs", "amount": 600.0, "schedule": [0.6, 0.4]},
    {"name": "基本预备费", "category": "contingency", "rate": 0.05},
]
BASE: dict[str, Any] = {
    "project": {
        "name": "矩阵基准项目",
        "name_en": "Feature-matrix base project",
        "kind": "old_district",
        "money_unit": "万元",
    },
    "timeline": {
        "start_date": "2026-01-01",
        "periodicity": "annual",
        "horizon_years": 12,
        "phases": [{"name": "一期", "start_year": 0, "duration_years": 2}],
    },
    "investment": BASE_INVESTMENT,
    "revenues": BASE_REVENUES,
    "opex": BASE_OPEX,
    "tax": {"preset": "cn_default"},
    "funding": {
        "fiscal_funds": [{"name": "市级补助", "use": "capital_grant", "amount": 1500.0}],
        "special_bonds": [BASE_BOND],
        "loans": [BASE_LOAN],
    },
}
"""Plain data of the base project (money in 万元)."""


def loan(**changes: Any) -> dict[str, Any]:
    """The base loan with ``changes`` merged in."""
    return merge_data(BASE_LOAN, changes)


def bond(**changes: Any) -> dict[str, Any]:
    """The base special bond with ``changes`` merged in."""
    return merge_data(BASE_BOND, changes)


def loans(*items: dict[str, Any], **funding: Any) -> dict[str, Any]:
    """A patch replacing the loans (and setting other ``funding`` fields)."""
    return {"funding": {"loans": list(items), **funding}}


def bonds(*items: dict[str, Any]) -> dict[str, Any]:
    """A patch replacing the special bonds."""
    return {"funding": {"special_bonds": list(items)}}


def plus_opex(*items: dict[str, Any]) -> dict[str, Any]:
    """A patch adding operating costs to the base ones."""
    return {"opex": [*BASE_OPEX, *items]}


WC_POWER = plus_opex({"name": "公共能耗", "basis": "fixed", "amount": 40.0, "purchased": True})
"""Bought-in power (外购燃料动力), the payables' base of the working-capital cases."""


def plus_revenues(*items: dict[str, Any]) -> dict[str, Any]:
    """A patch adding revenue streams to the base ones."""
    return {"revenues": [*BASE_REVENUES, *items]}


def plus_investment(*items: dict[str, Any]) -> dict[str, Any]:
    """A patch adding investment items to the base ones."""
    return {"investment": [*BASE_INVESTMENT, *items]}


def merged(*patches: Mapping[str, Any]) -> dict[str, Any]:
    """Several patches merged, in order, into one."""
    out: dict[str, Any] = {}
    for p in patches:
        out = merge_data(out, p)
    return out


def reit(**changes: Any) -> dict[str, Any]:
    """A patch adding a REIT exit at the end of year 7 (five years of operation)."""
    return {"funding": {"reit_exit": {"exit_year": 7, **changes}}}


TAX_LIVES: dict[str, Any] = {
    "depreciation": {
        "classes": [
            {
                "name": "building",
                "life_years": 15,
                "residual_rate": 0.05,
                "tax_category": "buildings",
            },
            {
                "name": "equipment",
                "life_years": 6,
                "residual_rate": 0.05,
                "tax_category": "machinery",
            },
            {
                "name": "land_use_right",
                "life_years": 40,
                "residual_rate": 0.0,
                "tax_category": "intangible",
                "tax_life_years": 50,
            },
            {"name": "furniture", "life_years": 5, "tax_category": "tools"},
            {"name": "vehicles", "life_years": 4, "tax_category": "vehicles"},
            {"name": "computers", "life_years": 3, "tax_category": "electronics"},
        ]
    }
}
"""Asset classes with book lives shorter than the minimum tax lives."""

FUND: dict[str, Any] = {
    "name": "城市更新基金",
    "amount": 1500.0,
    "senior_share": 0.75,
    "senior_return": 0.055,
    "junior_return": 0.10,
    "term_years": 7,
    "upside_share": 0.2,
}


def reordered(priority: list[str], **loan_changes: Any) -> dict[str, Any]:
    """A patch with the waterfall in ``priority`` order, a fund, and the base loan with
    ``loan_changes`` (a DSRA and a sweep, so that every step moves cash)."""
    return merged(loans(loan(**loan_changes)), {"funding": {"fund": FUND, "priority": priority}})


MONEY_FIELDS = (
    ("investment", "amount"),
    ("opex", "amount"),
    ("funding.fiscal_funds", "amount"),
    ("funding.special_bonds", "amount"),
    ("funding.loans", "sizing.amount"),
)
"""Where the base holds amounts in the project's money unit (list, field in each item)."""


def rescaled(data: dict[str, Any], factor: float, unit: str) -> dict[str, Any]:
    """``data`` with every amount in the project's money unit multiplied by ``factor`` and
    the money unit set to ``unit`` (unit prices and costs keep their own currency)."""
    out = copy.deepcopy(data)
    out["project"]["money_unit"] = unit
    for where, key in MONEY_FIELDS:
        node: Any = out
        for part in where.split("."):
            node = node.get(part, [])
        for item in node:
            holder = item
            *path, last = key.split(".")
            for part in path:
                holder = holder.get(part, {})
            if holder.get(last) is not None:
                holder[last] *= factor
    return out


def district_spec() -> ProjectSpec:
    """The district case: the base project without its funding (member 老街) and a small
    parking project with its own grant (member 停车), combined with a district bond and a
    district loan into one company (``renewfin.district.combined_spec``)."""
    from renewfin.district import combined_spec, district_from_data

    street = merge_data(BASE, {"funding": {"fiscal_funds": [], "special_bonds": [], "loans": []}})
    parking = merge_data(
        BASE,
        {
            "project": {"name": "片区停车设施", "kind": "parking"},
            "investment": [
                {"name": "停车楼", "category": "construction", "amount": 3000.0},
                {"name": "基本预备费", "category": "contingency", "rate": 0.08},
            ],
            "revenues": [
                {
                    "name": "停车位",
                    "kind": "parking",
                    "quantity": 900,
                    "unit_price": 280.0,
                    "price_per": "month",
                    "utilisation": 0.75,
                    "ramp_up": [0.7],
                }
            ],
            "opex": [{"name": "停车运营", "basis": "revenue_share", "share": 0.15}],
            "funding": {
                "fiscal_funds": [{"name": "停车补助", "use": "capital_grant", "amount": 400.0}],
                "special_bonds": [],
                "loans": [],
            },
        },
    )
    data = {
        "district": {"name": "矩阵测试片区", "kind": "old_district", "money_unit": "万元"},
        "timeline": {"start_date": "2026-01-01", "periodicity": "annual", "horizon_years": 12},
        "projects": [{"key": "老街", "spec": street}, {"key": "停车", "spec": parking}],
        "funding": {
            "special_bonds": [bond(name="片区专项债", amount=2500.0)],
            "loans": [loan(name="片区贷款")],
        },
    }
    return combined_spec(district_from_data(data))


@dataclass(frozen=True)
class Case:
    """One row of the feature matrix."""

    id: str
    """pytest id, read as the feature (``loan-annuity``)."""
    covers: str
    """What the case switches on, for the reviewer."""
    patch: Mapping[str, Any] = field(default_factory=dict)
    """Merged into ``BASE`` (``renewfin.testing.merge_data``)."""
    overrides: Mapping[str, list[float]] | None = None
    """Per-scenario values of engine inputs (the virtual risk inputs): S = their length."""
    scenario: int = 0
    """The scenario the workbook is written for."""
    build: Callable[[], ProjectSpec] | None = None
    """Builds the spec instead of patching ``BASE`` (the district)."""
    binds: str | None = None
    """The sizing bound expected to bind for the first loan (checked by the plausibility
    test, so that a sizing case tests the bound it names)."""
    xfail: str | None = None
    """Why the workbook is known to differ from the engine (a strict xfail of the parity
    test)."""
    engine_bug: str | None = None
    """Why the engine's own run is known to be wrong (a strict xfail of the parity and the
    plausibility tests)."""

    def data(self) -> dict[str, Any]:
        """Plain spec data of the case (not for ``build`` cases)."""
        return copy.deepcopy(merge_data(BASE, self.patch))

    def spec(self) -> ProjectSpec:
        """The validated spec."""
        if self.build is not None:
            return self.build()
        return validate_data(ProjectSpec, self.data(), f"matrix case {self.id}")


YUAN = rescaled(BASE, 1e4, "元")
YI = rescaled(BASE, 1e-4, "亿元")
TWO_LOANS = (
    loan(sizing={"gearing": 0.3}),
    loan(
        name="商业银行贷款",
        rate_type="fixed",
        rate=0.038,
        spread=0.0,
        tenor_years=9,
        grace_years=3,
        repayment="annuity",
        sizing={"gearing": 0.15, "dscr": None},
        upfront_fee_rate=0.002,
        lender=None,
    ),
)

CASES: list[Case] = [
    Case(
        "base",
        "the base: fixed + revenue-share opex, rent and parking, custom bond with "
        "default (semiannual) coupons, LPR 5y loan 等额本金 sized by DSCR, pro-rata draws",
        binds="dscr",
    ),
    # --- operating costs -------------------------------------------------------------
    Case(
        "opex-fixed-cyclical",
        "fixed cost every 4 operating years (大中修), growing",
        plus_opex(
            {
                "name": "大中修",
                "category": "major_maintenance",
                "basis": "fixed",
                "amount": 300.0,
                "every_years": 4,
                "growth_rate": 0.02,
            }
        ),
    ),
    Case(
        "opex-per-unit-quantity",
        "per-unit cost on a fixed quantity, per month, growing",
        plus_opex(
            {
                "name": "保洁绿化",
                "category": "maintenance",
                "basis": "per_unit",
                "unit_cost": 2.0,
                "cost_per": "month",
                "quantity": 20000,
                "growth_rate": 0.02,
            }
        ),
    ),
    Case(
        "opex-per-unit-driver",
        "per-unit cost on a stream's utilised units, with input VAT",
        plus_opex(
            {
                "name": "停车场运维",
                "basis": "per_unit",
                "unit_cost": 30.0,
                "cost_per": "month",
                "driver": "停车位",
                "input_vat_rate": 0.06,
                "growth_rate": 0.01,
            }
        ),
    ),
    Case(
        "opex-per-unit-day-wan",
        "per-unit costs in 万元 per day and in 亿元 per year",
        plus_opex(
            {
                "name": "安保值守",
                "category": "other",
                "basis": "per_unit",
                "unit_cost": 0.01,
                "cost_currency": "万元",
                "cost_per": "day",
                "quantity": 4,
            },
            {
                "name": "总部分摊",
                "basis": "per_unit",
                "unit_cost": 0.0002,
                "cost_currency": "亿元",
                "cost_per": "year",
                "quantity": 3,
            },
        ),
    ),
    Case(
        "opex-revenue-share-subset",
        "revenue-share cost on one named stream",
        plus_opex(
            {"name": "停车分成", "basis": "revenue_share", "share": 0.1, "revenues": ["停车位"]}
        ),
    ),
    Case(
        "opex-asset-share",
        "asset-share costs on the building and the equipment classes",
        plus_opex(
            {
                "name": "日常维修",
                "category": "maintenance",
                "basis": "asset_share",
                "share": 0.004,
                "asset_class": "building",
                "growth_rate": 0.02,
            },
            {
                "name": "设备保险",
                "category": "insurance",
                "basis": "asset_share",
                "share": 0.003,
                "asset_class": "equipment",
            },
        ),
    ),
    Case(
        "opex-leasable-area-cpi",
        "cost per m² of leasable area indexed to a CPI path: on the rent stream's 20,000 m² "
        "at 2.5 元/m²/month with CPI 2 %, 3 %, 2.5 % (the last holding), and on a stated "
        "1,200 m² at 0.01 万元/m²/year with a single CPI rate",
        plus_opex(
            {
                "name": "物业管理",
                "basis": "leasable_area",
                "area_cost": 2.5,
                "cost_per": "month",
                "revenues": ["商业租金"],
                "cpi": [0.02, 0.03, 0.025],
                "input_vat_rate": 0.06,
            },
            {
                "name": "配套用房维护",
                "category": "maintenance",
                "basis": "leasable_area",
                "area_cost": 0.01,
                "cost_currency": "万元",
                "quantity": 1200,
                "cpi": 0.02,
            },
        ),
    ),
    Case(
        "opex-construction-timing",
        "a fixed cost run during construction",
        plus_opex(
            {
                "name": "筹建期管理",
                "category": "other",
                "basis": "fixed",
                "amount": 80.0,
                "timing": "construction",
                "growth_rate": 0.05,
            }
        ),
    ),
    Case(
        "opex-safety",
        "whole-life safety items: inspection every 3 years, safety fund, "
        "insurance (the opex.safety line)",
        plus_opex(
            {
                "name": "房屋安全体检",
                "category": "safety_inspection",
                "basis": "fixed",
                "amount": 25.0,
                "every_years": 3,
            },
            {"name": "安全管理资金", "category": "safety_fund", "basis": "fixed", "amount": 12.0},
            {
                "name": "质量安全保险",
                "category": "insurance",
                "basis": "asset_share",
                "share": 0.0015,
            },
        ),
    ),
    # --- revenue ----------------------------------------------------------------------
    Case(
        "revenue-ev-charging",
        "EV charging per kWh per year, ramp-up, 13 % VAT",
        plus_revenues(
            {
                "name": "充电桩",
                "kind": "ev_charging",
                "quantity": 1.5e6,
                "quantity_unit": "kWh",
                "unit_price": 0.8,
                "price_per": "year",
                "ramp_up": [0.5, 0.8],
            }
        ),
    ),
    Case(
        "revenue-property-services",
        "property services, price reviewed every 3 years",
        plus_revenues(
            {
                "name": "物业服务费",
                "kind": "property_services",
                "quantity": 20000,
                "unit_price": 5.0,
                "price_per": "month",
                "utilisation": 0.85,
                "growth_rate": 0.015,
                "growth_every_years": 3,
            }
        ),
    ),
    Case(
        "revenue-advertising",
        "advertising spots per year",
        plus_revenues(
            {
                "name": "广告位",
                "kind": "advertising",
                "quantity": 100,
                "unit_price": 3000.0,
                "price_per": "year",
                "utilisation": 0.7,
            }
        ),
    ),
    Case(
        "revenue-operating-subsidy-kind",
        "a service-fee stream priced in 亿元 per year",
        plus_revenues(
            {
                "name": "政府购买服务",
                "kind": "operating_subsidy",
                "quantity": 1,
                "unit_price": 0.02,
                "price_currency": "亿元",
                "price_per": "year",
            }
        ),
    ),
    Case(
        "revenue-other-day-window",
        "other income per day, starting a year after completion and ending in year 9",
        plus_revenues(
            {
                "name": "场地活动",
                "kind": "other",
                "quantity": 50,
                "unit_price": 200.0,
                "price_per": "day",
                "utilisation": 0.5,
                "start_after_years": 1,
                "end_year": 9,
            }
        ),
    ),
    Case(
        "revenue-growth-from-start",
        "rent indexed from the project start, stepping every 2 years",
        {
            "revenues": [
                merge_data(BASE_REVENUES[0], {"growth_from": "start", "growth_every_years": 2}),
                BASE_REVENUES[1],
            ]
        },
    ),
    Case(
        "revenue-vat-ptax-overrides",
        "a stream's own VAT rate (simplified 5 %) and property-tax rate (4 %)",
        {
            "revenues": [
                merge_data(BASE_REVENUES[0], {"vat_rate": 0.05, "property_tax_rate": 0.04}),
                BASE_REVENUES[1],
            ]
        },
    ),
    Case(
        "vat-simplified-mixed",
        "rent on the simplified method (简易计税 5 %, preset levy rate) beside general-method "
        "parking: opex input VAT apportioned by revenue, the non-credited part a cost",
        {
            "revenues": [
                merge_data(BASE_REVENUES[0], {"vat_method": "simplified"}),
                BASE_REVENUES[1],
            ],
            "opex": [merge_data(BASE_OPEX[0], {"input_vat_rate": 0.06}), BASE_OPEX[1]],
        },
    ),
    Case(
        "vat-all-simplified",
        "every stream simplified (parking at its own 3 % levy rate): no construction input "
        "VAT credited, the VAT stays in the assets' cost",
        {
            "revenues": [
                merge_data(BASE_REVENUES[0], {"vat_method": "simplified"}),
                merge_data(BASE_REVENUES[1], {"vat_method": "simplified", "vat_rate": 0.03}),
            ],
            "tax": {"simplified_vat_rates": {"rent": 0.05}},
        },
    ),
    Case(
        "vat-exempt-community-care",
        "community elderly-care income exempt from VAT (免征, 2019年第76号): no output VAT, "
        "its share of the opex input VAT not credited, and counted at 90 % in taxable income "
        "(减计收入 10 %)",
        merged(
            plus_revenues(
                {
                    "name": "社区养老服务",
                    "kind": "other",
                    "quantity": 1,
                    "unit_price": 300.0,
                    "price_currency": "万元",
                    "price_per": "year",
                    "vat_method": "exempt",
                    "community_services": True,
                }
            ),
            {"opex": [merge_data(BASE_OPEX[0], {"input_vat_rate": 0.06}), BASE_OPEX[1]]},
        ),
    ),
    Case(
        "capex-handed-over",
        "works handed over to residents and a contingency to the government: no input VAT "
        "credit, no asset, no depreciation",
        {
            "investment": [
                BASE_INVESTMENT[0],
                BASE_INVESTMENT[1],
                merge_data(BASE_INVESTMENT[2], {"ownership": "residents"}),
                {
                    "name": "外立面改造",
                    "category": "construction",
                    "amount": 1500.0,
                    "ownership": "residents",
                },
                merge_data(BASE_INVESTMENT[3], {"ownership": "government"}),
            ],
            "tax": {"property_tax_ad_valorem_share": 0.5},
        },
    ),
    Case(
        "capex-vat-credit-share",
        "works serving a general-method sale and flats handed over free: 30 % of their input "
        "VAT credited (by 建设规模, 国家税务总局公告2016年第18号 第十三条), the rest in the "
        "asset's cost and in the 土地增值税 deductions",
        merged(
            plus_revenues(
                {
                    "name": "剩余房源销售",
                    "kind": "sale",
                    "quantity": 3000,
                    "unit_price": 12000.0,
                    "price_per": "once",
                    "schedule": [0.5, 0.5],
                }
            ),
            {
                "project": {"sector": "real_estate"},
                "investment": [
                    merge_data(BASE_INVESTMENT[0], {"input_vat_credit_share": 0.3}),
                    *BASE_INVESTMENT[1:],
                ],
                "tax": {"land_appreciation": {"enabled": True, "cost_share": 0.3}},
            },
        ),
    ),
    Case(
        "revenue-sale",
        "one-off sale of units over two years (real-estate sector, 25 % capital floor)",
        merged(
            plus_revenues(
                {
                    "name": "商铺销售",
                    "kind": "sale",
                    "quantity": 2000,
                    "unit_price": 15000.0,
                    "price_per": "once",
                    "schedule": [0.5, 0.5],
                }
            ),
            {"project": {"sector": "real_estate"}},
        ),
    ),
    Case(
        "land-transfer",
        "land-transfer income with statutory set-asides, a land item, booked by a financing "
        "platform (城投) that also borrows and distributes: the policy test platform_land_loan",
        merged(
            {"project": {"implementing_entity_type": "financing_platform"}},
            plus_revenues(
                {
                    "name": "土地出让",
                    "kind": "land_transfer",
                    "quantity": 30,
                    "quantity_unit": "亩",
                    "unit_price": 150.0,
                    "price_currency": "万元",
                    "price_per": "once",
                    "schedule": [0.6, 0.4],
                    "set_aside_rate": 0.2,
                }
            ),
            plus_investment(
                {
                    "name": "征拆补偿",
                    "category": "land",
                    "amount": 1500.0,
                    "schedule": [1.0],
                    "overrun_applies": False,
                }
            ),
        ),
    ),
    Case(
        "payment-concession",
        "a new-mechanism concession (特许经营): grantor, 30-year term, a 3 % concession fee "
        "item, hand-back (no residual value)",
        merged(
            plus_opex({"name": "特许经营权使用费", "basis": "revenue_share", "share": 0.03}),
            {"evaluation": {"include_residual_value": False}},
            {"project": {"implementing_entity_type": "private"}},
            {
                "funding": {
                    "government_payment": {
                        "model": "concession",
                        "grantor": "市城管局",
                        "term_years": 30,
                        "concession_fee": "特许经营权使用费",
                    }
                }
            },
        ),
    ),
    Case(
        "payment-concession-fee-rate",
        "a 10-year concession in a 12-year horizon: a computed fee of 4 % of revenue to the "
        "grantor while it runs, the streams ending with it and the assets handed back at "
        "its end",
        {
            "revenues": [{**r, "end_year": 10} for r in BASE_REVENUES],
            "evaluation": {"include_residual_value": False},
            "funding": {
                "government_payment": {
                    "model": "concession",
                    "grantor": "市交通局",
                    "term_years": 10,
                    "concession_fee_rate": 0.04,
                }
            },
        },
    ),
    Case(
        "payment-viability-gap",
        "可行性缺口补助 of 100 a year capped at 20 % of revenue, outside the new mechanism",
        {
            "funding": {
                "fiscal_funds": [
                    *BASE["funding"]["fiscal_funds"],
                    {"name": "缺口补助", "use": "operating_subsidy", "amount": 100.0},
                ],
                "government_payment": {
                    "model": "viability_gap",
                    "gap_cap_share": 0.2,
                    "new_mechanism": False,
                    "hand_back": False,
                },
            }
        },
    ),
    Case(
        "payment-service-purchase",
        "政府购买服务 paid as an operating subsidy of 80 a year, to a 事业单位",
        {
            "project": {"implementing_entity_type": "public_institution"},
            "funding": {
                "fiscal_funds": [
                    *BASE["funding"]["fiscal_funds"],
                    {"name": "购买服务", "use": "operating_subsidy", "amount": 80.0},
                ],
                "government_payment": {"model": "service_purchase"},
            },
        },
    ),
    Case(
        "land-set-asides",
        "land-transfer income with each statutory set-aside on its base (农田水利 and 教育 10 % "
        "of 收益, 保障性安居工程 15 % of 净收益, 国有土地收益基金 2 % and 农业土地开发资金 1 % of "
        "the gross income) and the land's cost 40 % of the gross, in a declared user-pays "
        "(使用者付费) project",
        merged(
            {
                "funding": {"government_payment": {"model": "user_pays"}},
                "project": {"implementing_entity_type": "state_owned"},
            },
            plus_revenues(
                {
                    "name": "土地出让",
                    "kind": "land_transfer",
                    "quantity": 30,
                    "quantity_unit": "亩",
                    "unit_price": 150.0,
                    "price_currency": "万元",
                    "price_per": "once",
                    "schedule": [0.6, 0.4],
                    "land_cost_rate": 0.4,
                    "set_asides": {"housing": 0.15, "land_fund": 0.02, "agriculture": 0.01},
                }
            ),
        ),
    ),
    Case(
        "land-booked-by-government",
        "land-transfer income booked by the government (土地储备): the company, a financing "
        "platform, receives 成本返还 of the land's cost (35 % of the gross) and a 2 % "
        "management fee; the set-asides are the government's",
        merged(
            {"project": {"implementing_entity_type": "financing_platform"}},
            plus_revenues(
                {
                    "name": "储备地块出让",
                    "kind": "land_transfer",
                    "quantity": 40,
                    "quantity_unit": "亩",
                    "unit_price": 120.0,
                    "price_currency": "万元",
                    "price_per": "once",
                    "schedule": [0.5, 0.5],
                    "set_aside_rate": 0.15,
                    "land_cost_rate": 0.35,
                    "booked_by": "government",
                    "management_fee_rate": 0.02,
                }
            ),
        ),
    ),
    Case(
        "resettlement-housing",
        "安置房 allocated to 300 relocated households over two years (95 m² flats against an "
        "80 m² entitlement), the 差价 at 2,800 元/m² exempt from VAT, the flats' cost "
        "allocated from their own investment item",
        merged(
            plus_investment(
                {
                    "name": "安置房建设",
                    "category": "construction",
                    "amount": 4500.0,
                    "schedule": [0.5, 0.5],
                }
            ),
            plus_revenues(
                {
                    "name": "安置房差价",
                    "kind": "sale",
                    "quantity": 300,
                    "quantity_unit": "户",
                    "unit_price": 2800.0,
                    "price_per": "once",
                    "schedule": [0.6, 0.4],
                    "vat_method": "exempt",
                    "resettlement": {
                        "area_per_household": 95,
                        "entitled_area": 80,
                        "cost_item": "安置房建设",
                    },
                }
            ),
        ),
    ),
    Case(
        "lat-land-transfer",
        "土地增值税 on a land-use-right transfer by the company (switched on), no developer "
        "uplift, ordinary housing, 3 % prepaid, settled in the year of the last sale; the "
        "statutory set-asides at their defaults (none of the provincial funds)",
        merged(
            plus_revenues(
                {
                    "name": "土地使用权转让",
                    "kind": "land_transfer",
                    "quantity": 30,
                    "quantity_unit": "亩",
                    "unit_price": 450.0,
                    "price_currency": "万元",
                    "price_per": "once",
                    "set_asides": {},
                    "schedule": [0.6, 0.4],
                    "land_appreciation_tax": True,
                }
            ),
            plus_investment(
                {"name": "土地取得", "category": "land", "amount": 3000.0, "schedule": [1.0]}
            ),
            {
                "tax": {
                    "land_appreciation": {
                        "enabled": True,
                        "prepayment_rate": 0.03,
                        "settlement_lag_years": 0,
                        "cost_share": 0.6,
                        "expense_rate": 0.05,
                        "developer_uplift": False,
                        "ordinary_housing": True,
                        "exemption_ratio": 0.2,
                    }
                }
            },
        ),
    ),
    Case(
        "lat-off",
        "土地增值税 switched off (a sale that bears none, and LAT disabled for the project)",
        merged(
            plus_revenues(
                {
                    "name": "车位销售",
                    "kind": "sale",
                    "quantity": 100,
                    "unit_price": 150000.0,
                    "price_per": "once",
                    "schedule": [1.0],
                    "land_appreciation_tax": False,
                }
            ),
            {"tax": {"land_appreciation": {"enabled": False}}},
        ),
    ),
    Case(
        "land-inventory",
        "land development held as inventory (开发成本) and charged to "
        "cost of sales with land transfers",
        {
            "project": {"kind": "urban_village"},
            "investment": [
                *BASE_INVESTMENT,
                {
                    "name": "土地整理",
                    "category": "land",
                    "amount": 2500.0,
                    "asset_class": "开发成本",
                },
            ],
            "revenues": [
                *BASE_REVENUES,
                {
                    "name": "土地出让",
                    "kind": "land_transfer",
                    "quantity": 40,
                    "unit_price": 1.0e6,
                    "price_per": "once",
                    "schedule": [0.3, 0.3, 0.4],
                    "set_aside_rate": 0.1,
                },
            ],
            "depreciation": {
                "classes": [
                    {"name": "building", "life_years": 30, "residual_rate": 0.05},
                    {"name": "equipment", "life_years": 10, "residual_rate": 0.05},
                    {"name": "开发成本", "inventory": True, "residual_rate": 0.0},
                ]
            },
        },
    ),
    # --- investment ------------------------------------------------------------------
    Case(
        "investment-price-contingency",
        "price contingency (涨价预备费) with an item kept "
        "out of it, and a contingency on works and land",
        {
            "price_contingency": {"rate": 0.03, "years_before_start": 0.5},
            "investment": [
                BASE_INVESTMENT[0],
                merge_data(BASE_INVESTMENT[1], {"escalate": False}),
                BASE_INVESTMENT[2],
                {"name": "土地补缴", "category": "land", "amount": 800.0, "schedule": [1.0]},
                {
                    "name": "基本预备费",
                    "category": "contingency",
                    "rate": 0.05,
                    "base_categories": ["construction", "land"],
                },
            ],
        },
    ),
    Case(
        "investment-input-vat-override",
        "an item's own input-VAT rate, overriding the preset",
        {
            "investment": [
                merge_data(BASE_INVESTMENT[0], {"input_vat_rate": 0.03}),
                *BASE_INVESTMENT[1:],
            ]
        },
    ),
    Case(
        "two-phases",
        "two overlapping phases: items, a stream and a cost timed by phase "
        "(sector other, county tier)",
        {
            "project": {"sector": "other", "city_tier": "county"},
            "timeline": {
                "phases": [
                    {"name": "一期", "start_year": 0, "duration_years": 2},
                    {"name": "二期", "start_year": 1, "duration_years": 2},
                ]
            },
            "investment": [
                merge_data(BASE_INVESTMENT[0], {"phase": "一期"}),
                merge_data(BASE_INVESTMENT[1], {"phase": "二期"}),
                {
                    "name": "二期配套",
                    "category": "construction",
                    "amount": 2000.0,
                    "phase": "二期",
                    "schedule": [0.3, 0.7],
                },
                *BASE_INVESTMENT[2:],
            ],
            "revenues": [merge_data(BASE_REVENUES[0], {"phase": "一期"}), BASE_REVENUES[1]],
            "opex": [
                *BASE_OPEX,
                {"name": "二期运维", "basis": "fixed", "amount": 60.0, "phase": "二期"},
            ],
        },
    ),
    Case(
        "two-phases-idc-by-phase",
        "phase 2 built after phase 1 has opened, a price contingency and an interest "
        "subsidy: construction interest on the debt of the completed phase is expensed "
        "(issue 17)",
        {
            "timeline": {
                "horizon_years": 14,
                "phases": [
                    {"name": "一期", "start_year": 0, "duration_years": 2},
                    {"name": "二期", "start_year": 2, "duration_years": 2},
                ],
            },
            "investment": [
                merge_data(BASE_INVESTMENT[0], {"phase": "一期"}),
                merge_data(BASE_INVESTMENT[1], {"phase": "二期", "schedule": [0.5, 0.5]}),
                {
                    "name": "二期配套",
                    "category": "construction",
                    "amount": 3000.0,
                    "phase": "二期",
                    "schedule": [0.4, 0.6],
                },
                *BASE_INVESTMENT[2:],
            ],
            "price_contingency": {"rate": 0.02},
            "revenues": [merge_data(BASE_REVENUES[0], {"phase": "一期"}), BASE_REVENUES[1]],
            "funding": {
                "fiscal_funds": [
                    {"name": "市级补助", "use": "capital_grant", "amount": 1500.0},
                    {
                        "name": "贴息",
                        "use": "interest_subsidy",
                        "loan": LOAN,
                        "share": 0.3,
                        "taxable": False,
                    },
                ],
                "loans": [loan(tenor_years=12, grace_years=4)],
            },
        },
    ),
    # --- taxes and evaluation ----------------------------------------------------------
    Case("tax-none", "no taxes at all (preset none)", {"tax": {"preset": "none"}}),
    Case(
        "tax-overrides-other-tier",
        "every tax rate overridden, 1 % city tier",
        {
            "project": {"city_tier": "other"},
            "tax": {
                "vat_rates": {"parking": 0.06},
                "capex_input_vat_rates": {"equipment": 0.09},
                "urban_maintenance_rate": 0.05,
                "education_surcharge_rate": 0.02,
                "local_education_surcharge_rate": 0.01,
                "property_tax_rental_rate": 0.1,
                "income_tax_rate": 0.15,
            },
        },
    ),
    Case(
        "tax-ad-valorem",
        "房产税 从价 on a self-operated share of the building",
        {
            "tax": {
                "property_tax_ad_valorem_share": 0.3,
                "property_tax_ad_valorem_rate": 0.012,
                "property_tax_ad_valorem_deduction": 0.2,
            }
        },
    ),
    Case(
        "tax-land-use-acquisition",
        "城镇土地使用税 from acquisition in a medium city at its own rate, 契税 at 4 % on a "
        "land item, every 印花税 rate overridden, a sale (transfer deed)",
        merged(
            plus_investment(
                {"name": "土地出让金", "category": "land", "amount": 2000.0, "schedule": [1.0]}
            ),
            plus_revenues(
                {
                    "name": "车位销售",
                    "kind": "sale",
                    "quantity": 100,
                    "unit_price": 150000.0,
                    "price_per": "once",
                    "schedule": [1.0],
                }
            ),
            {
                "tax": {
                    "land_use_tax_area": 30000,
                    "land_use_tax_grade": "medium_city",
                    "land_use_tax_rate": 8.0,
                    "land_use_tax_from": "acquisition",
                    "deed_tax_rate": 0.04,
                    "stamp_duty_lease_rate": 0.002,
                    "stamp_duty_construction_rate": 0.0005,
                    "stamp_duty_transfer_rate": 0.001,
                    "stamp_duty_loan_rate": 0.0001,
                }
            },
        ),
    ),
    Case(
        "tax-land-use-small-city",
        "城镇土地使用税 from completion at the small-city preset rate; compensation that bears "
        "no 契税 (deed_taxable no)",
        merged(
            plus_investment(
                {
                    "name": "征收补偿",
                    "category": "land",
                    "amount": 1500.0,
                    "schedule": [1.0],
                    "deed_taxable": False,
                }
            ),
            {"tax": {"land_use_tax_area": 20000, "land_use_tax_grade": "small_city"}},
        ),
    ),
    Case(
        "tax-resettlement-housing",
        "60 % of the land and works resettlement housing (财税〔2013〕101号): exempt from the "
        "land-use tax and the stamp duty on its construction contracts and land deed",
        merged(
            plus_investment(
                {"name": "安置房用地", "category": "land", "amount": 1500.0, "schedule": [1.0]}
            ),
            {"tax": {"land_use_tax_area": 20000, "resettlement_housing_share": 0.6}},
        ),
    ),
    Case(
        "tax-community-services",
        "community elderly-care and childcare premises (2019年第76号): 15 % of the value, within "
        "the self-used 40 %, and of the land exempt from 房产税 从价 and the land-use tax, "
        "beside 30 % resettlement housing",
        {
            "tax": {
                "property_tax_ad_valorem_share": 0.4,
                "community_services_share": 0.15,
                "land_use_tax_area": 20000,
                "resettlement_housing_share": 0.3,
            }
        },
    ),
    Case(
        "vat-credit-refund",
        "增值税留抵退税 (2022年第14号): the construction input VAT refunded as it arises, "
        "reducing the funding need, not carried against the output VAT",
        {"tax": {"vat_credit_refund": True}},
    ),
    Case(
        "tax-land-use-county",
        "城镇土地使用税 in a county town, semiannual periods",
        {
            "timeline": {"periodicity": "semiannual"},
            "tax": {"land_use_tax_area": 15000, "land_use_tax_grade": "county_town"},
        },
    ),
    Case(
        "property-tax-land-vacancy",
        "房产税 从价 with the land in the base (财税〔2010〕121号) on the self-used share and on "
        "the vacant part of the leasable share during the ramp-up; flats let to individuals "
        "at 4 % 从租",
        merged(
            plus_investment(
                {"name": "土地出让金", "category": "land", "amount": 2000.0, "schedule": [1.0]}
            ),
            plus_revenues(
                {
                    "name": "租赁住房",
                    "kind": "rent",
                    "quantity": 5000,
                    "quantity_unit": "m²",
                    "unit_price": 40.0,
                    "utilisation": 0.9,
                    "ramp_up": [0.5],
                    "housing_to_individuals": True,
                }
            ),
            {
                "tax": {
                    "property_tax_ad_valorem_share": 0.2,
                    "property_tax_leasable_share": 0.7,
                    "property_tax_rental_housing_rate": 0.04,
                }
            },
        ),
    ),
    Case(
        "property-tax-without-land",
        "房产税 从价 on the buildings only (property_tax_includes_land no)",
        merged(
            plus_investment(
                {"name": "土地出让金", "category": "land", "amount": 2000.0, "schedule": [1.0]}
            ),
            {
                "tax": {
                    "property_tax_ad_valorem_share": 0.3,
                    "property_tax_includes_land": False,
                }
            },
        ),
    ),
    Case(
        "tax-holiday",
        "三免三减半 on qualifying public infrastructure (2 years exempt, 4 at half rate), with "
        "the loans and bonds of the base (the company's income tax and the adjusted tax)",
        {
            "tax": {
                "income_tax_holiday": True,
                "income_tax_holiday_exempt_years": 2,
                "income_tax_holiday_half_years": 4,
            }
        },
    ),
    Case(
        "tax-depreciation-lives",
        "book lives shorter than the minimum tax lives (企业所得税法实施条例 第六十条): building "
        "15 yr taxed over 20, equipment 6 over 10, land 40 over a stated 50; classes of every "
        "tax category",
        TAX_LIVES,
    ),
    Case(
        "tax-depreciation-reit-exit",
        "tax lives apart from book lives with a REIT exit: the difference added back reverses "
        "at the disposal",
        merged(TAX_LIVES, reit(asset_type="ownership", valuation="noi_cap", min_size_yi_yuan=0.5)),
    ),
    Case(
        "working-capital",
        "流动资金 by the 第三版 itemised method (receivable 30 days on the operating costs, "
        "inventory 15 and payable 20 on the bought-in power, cash 10 on the wages and other "
        "costs, here with the repair staff's wages stated as such and the power stated "
        "not), invested as costs grow, recovered in the last year",
        merged(
            plus_opex(
                {
                    "name": "公共能耗",
                    "basis": "fixed",
                    "amount": 40.0,
                    "purchased": True,
                    "wages_or_other": False,
                },
                {
                    "name": "维修人工",
                    "basis": "fixed",
                    "amount": 20.0,
                    "category": "maintenance",
                    "wages_or_other": True,
                },
            ),
            {
                "working_capital": {
                    "receivable_days": 30,
                    "inventory_days": 15,
                    "cash_days": 10,
                    "payable_days": 20,
                }
            },
        ),
    ),
    Case(
        "working-capital-reit-exit-quarterly",
        "流动资金 on quarterly periods, recovered at a REIT exit",
        merged(
            WC_POWER,
            {
                "timeline": {"periodicity": "quarterly"},
                "working_capital": {"receivable_days": 45, "payable_days": 30},
            },
            reit(asset_type="ownership", valuation="noi_cap", min_size_yi_yuan=0.5),
        ),
    ),
    Case(
        "grant-net-method",
        "the base's capital grant by the net method (净额法: deducted from the assets' cost, "
        "企业会计准则第16号 第八条), 不征税收入",
        {
            "funding": {
                "fiscal_funds": [
                    {
                        "name": "市级补助",
                        "use": "capital_grant",
                        "amount": 1500.0,
                        "grant_method": "net",
                    }
                ]
            }
        },
    ),
    Case(
        "grant-taxable",
        "the base's capital grant taxable when received (财税〔2008〕151号 第一条), the "
        "depreciation deductible in full",
        {
            "funding": {
                "fiscal_funds": [
                    {"name": "市级补助", "use": "capital_grant", "amount": 1500.0, "taxable": True}
                ]
            }
        },
    ),
    Case(
        "grant-two-methods-reit-exit",
        "two capital grants, one gross and taxable, one net and 不征税收入, with a REIT exit "
        "(the unreleased grant goes to profit at the disposal)",
        merged(
            {
                "funding": {
                    "fiscal_funds": [
                        {
                            "name": "市级补助",
                            "use": "capital_grant",
                            "amount": 900.0,
                            "taxable": True,
                        },
                        {
                            "name": "中央补助",
                            "use": "capital_grant",
                            "amount": 600.0,
                            "grant_method": "net",
                            "schedule": [1.0],
                            "start_year": 1,
                        },
                    ]
                }
            },
            reit(asset_type="ownership", valuation="noi_cap", min_size_yi_yuan=0.5),
        ),
    ),
    Case(
        "grant-unspent-sixth-year-semiannual",
        "不征税收入 unspent after 60 months taxed in the sixth year (财税〔2011〕70号 第三条): a "
        "grant received six years before the works (derived, first in first out) and one "
        "with a stated unspent share, on semiannual periods",
        {
            "timeline": {
                "periodicity": "semiannual",
                "horizon_years": 18,
                "phases": [{"name": "一期", "start_year": 6, "duration_years": 2}],
            },
            "funding": {
                "fiscal_funds": [
                    {
                        "name": "市级补助",
                        "use": "capital_grant",
                        "amount": 1500.0,
                        "schedule": [1.0],
                        "start_year": 0,
                    },
                    {
                        "name": "中央补助",
                        "use": "capital_grant",
                        "amount": 500.0,
                        "unspent_share": 0.2,
                    },
                ]
            },
        },
    ),
    Case(
        "tax-holiday-quarterly",
        "三免三减半 on quarterly periods",
        {"timeline": {"periodicity": "quarterly"}, "tax": {"income_tax_holiday": True}},
    ),
    Case(
        "tax-loss-carryforward",
        "tax losses from fast depreciation, carried forward 3 years",
        {
            "tax": {"loss_carryforward_years": 3},
            "depreciation": {
                "classes": [
                    {"name": "building", "life_years": 4, "residual_rate": 0.0},
                    {"name": "equipment", "life_years": 3, "residual_rate": 0.05},
                    {"name": "land_use_right", "life_years": 40, "residual_rate": 0.0},
                ]
            },
        },
    ),
    Case(
        "no-residual-value",
        "no residual value recovered at the horizon",
        {"evaluation": {"include_residual_value": False, "discount_rate": 0.05}},
    ),
    # --- fiscal funds ------------------------------------------------------------------
    Case(
        "fiscal-grant-scheduled-capital",
        "a scheduled grant counted as capital, and a spending-paced one",
        {
            "funding": {
                "fiscal_funds": [
                    {
                        "name": "中央预算内投资",
                        "source": "central_budget",
                        "use": "capital_grant",
                        "amount": 1000.0,
                        "schedule": [0.3, 0.7],
                        "counts_as_capital": True,
                    },
                    {"name": "市级补助", "use": "capital_grant", "amount": 500.0},
                ]
            }
        },
    ),
    Case(
        "fiscal-equity-injection",
        "a state equity injection paid in year 1",
        {
            "funding": {
                "fiscal_funds": [
                    *BASE["funding"]["fiscal_funds"],
                    {
                        "name": "国资注资",
                        "source": "provincial",
                        "use": "equity_injection",
                        "amount": 1000.0,
                        "schedule": [1.0],
                        "start_year": 1,
                    },
                ]
            }
        },
    ),
    Case(
        "subsidy-operating",
        "an operating subsidy (运营补贴) for 5 years from year 1 after "
        "completion, growing, not taxable",
        {
            "funding": {
                "fiscal_funds": [
                    *BASE["funding"]["fiscal_funds"],
                    {
                        "name": "运营补贴",
                        "use": "operating_subsidy",
                        "amount": 100.0,
                        "start_year": 1,
                        "years": 5,
                        "growth_rate": 0.02,
                        "taxable": False,
                    },
                ]
            }
        },
    ),
    Case(
        "subsidy-interest",
        "interest subsidies (贴息): 50 % for 4 years, untaxed; 10 % to the end, taxable",
        {
            "funding": {
                "fiscal_funds": [
                    *BASE["funding"]["fiscal_funds"],
                    {
                        "name": "贴息一",
                        "use": "interest_subsidy",
                        "loan": LOAN,
                        "share": 0.5,
                        "years": 4,
                        "taxable": False,
                    },
                    {
                        "name": "贴息二",
                        "source": "ultra_long_treasury",
                        "use": "interest_subsidy",
                        "loan": LOAN,
                        "share": 0.1,
                    },
                ]
            }
        },
    ),
    # --- special bonds -----------------------------------------------------------------
    Case(
        "bond-bullet",
        "bullet principal (到期一次还本)",
        bonds(bond(repayment="bullet", repayment_schedule=None, amount=1200.0, tenor_years=9)),
    ),
    Case(
        "quarterly-bond-semiannual-custom",
        "quarterly periods: custom principal, semiannual coupons",
        merged(
            {"timeline": {"periodicity": "quarterly"}}, bonds(bond(interest_frequency="semiannual"))
        ),
    ),
    Case(
        "quarterly-bond-annual-custom",
        "quarterly periods: custom principal, annual coupons",
        merged(
            {"timeline": {"periodicity": "quarterly"}}, bonds(bond(interest_frequency="annual"))
        ),
    ),
    Case(
        "semiannual-bond-default-bullet",
        "semiannual periods: bullet of 7 years, annual coupons by the default rule",
        merged(
            {"timeline": {"periodicity": "semiannual"}},
            bonds(bond(repayment="bullet", repayment_schedule=None, amount=1000.0, tenor_years=7)),
        ),
    ),
    Case(
        "bond-refinancing",
        "bullet with 50 % refinanced at maturity by a 3-year tranche at its own coupon",
        bonds(
            bond(
                repayment="bullet",
                repayment_schedule=None,
                tenor_years=6,
                refinance_share=0.5,
                refinance_tenor_years=3,
                refinance_coupon=0.028,
            )
        ),
    ),
    Case(
        "bond-refinancing-custom",
        "custom principal with 40 % of each due refinanced at the original tenor and coupon",
        bonds(
            bond(
                tenor_years=5,
                repayment_schedule=[0, 0, 0.2, 0.3, 0.5],
                interest_frequency="annual",
                refinance_share=0.4,
            )
        ),
    ),
    Case(
        "bond-capital-share",
        "25 % of the bond counted as project capital (专项债作资本金)",
        bonds(bond(capital_share=0.25)),
    ),
    Case(
        "bond-two-tranches",
        "a second tranche issued in year 1, annual, with fees",
        bonds(
            bond(),
            bond(
                name="二期专项债",
                amount=800.0,
                issue_year=1,
                tenor_years=8,
                coupon=0.022,
                repayment="bullet",
                repayment_schedule=None,
                issuance_fee_rate=0.001,
                payment_fee_rate=0.0001,
            ),
        ),
    ),
    # --- loans: profiles ---------------------------------------------------------------
    Case("loan-annuity", "等额本息", loans(loan(repayment="annuity"))),
    Case(
        "loan-custom",
        "按比例还本: back-loaded shares",
        loans(
            loan(
                repayment="custom",
                repayment_schedule=[0.05, 0.08, 0.1, 0.12, 0.15, 0.15, 0.15, 0.2],
            )
        ),
    ),
    Case("loan-bullet", "到期一次还本", loans(loan(repayment="bullet", sizing={"dscr": None}))),
    Case(
        "loan-sculpted",
        "sculpted to a target DSCR of 1.3",
        loans(loan(repayment="sculpted", target_dscr=1.3)),
    ),
    Case(
        "loan-increasing",
        "等比递增还本: each year's principal 8 % above the last's",
        loans(loan(repayment="increasing", repayment_growth=0.08)),
    ),
    Case(
        "loan-increasing-quarterly-sweep",
        "等比递增还本 at 10 % a year on quarterly periods, re-amortised after a 30 % cash sweep",
        merged(
            {"timeline": {"periodicity": "quarterly"}},
            loans(loan(repayment="increasing", repayment_growth=0.1, cash_sweep=0.3)),
        ),
    ),
    # --- loans: rates ------------------------------------------------------------------
    Case(
        "loan-fixed-rate",
        "a fixed-rate loan",
        loans(loan(rate_type="fixed", rate=0.034, spread=0.0)),
    ),
    Case("loan-lpr-1y", "priced on the 1-year LPR", loans(loan(lpr_tenor="1y", spread=0.002))),
    Case(
        "loan-lpr-5y-path",
        "5-year LPR on a falling path, resetting yearly",
        {"funding": {"lpr": {"five_year_path": [0.035, 0.034, 0.032, 0.031, 0.03]}}},
    ),
    Case(
        "loan-lpr-1y-path",
        "1-year LPR on a path with a level that differs from it",
        merged(
            loans(loan(lpr_tenor="1y", spread=0.001)),
            {"funding": {"lpr": {"one_year": 0.031, "one_year_path": [0.03, 0.029, 0.029, 0.031]}}},
        ),
    ),
    # --- loans: sizing -----------------------------------------------------------------
    Case(
        "loan-size-amount",
        "the amount bound binds",
        loans(loan(sizing={"amount": 2500.0})),
        binds="amount",
    ),
    Case(
        "loan-size-gearing",
        "the gearing bound binds",
        loans(loan(sizing={"gearing": 0.25})),
        binds="gearing",
    ),
    Case(
        "loan-size-dscr",
        "the DSCR bound binds on an annuity loan",
        loans(loan(repayment="annuity", sizing={"gearing": 0.6, "dscr": 1.5})),
        binds="dscr",
    ),
    Case(
        "loan-size-cost",
        "only a large amount: the cost bound binds",
        loans(loan(sizing={"amount": 99999.0, "gearing": None, "dscr": None})),
        binds="cost",
    ),
    Case(
        "loan-size-llcr",
        "the optional LLCR bound binds (above the DSCR bound's facility)",
        loans(loan(sizing={"gearing": 0.6, "dscr": 1.2, "llcr": 2.2})),
        binds="llcr",
    ),
    Case(
        "loan-size-dscr-zero",
        "a bullet bond leaves no cash for the loan in its maturity year: DSCR bound 0",
        merged(
            bonds(bond(repayment="bullet", repayment_schedule=None, amount=2500.0)),
            loans(loan(sizing={"gearing": 0.6, "dscr": 1.3})),
        ),
        binds="dscr",
    ),
    # --- loans: draw timing and construction interest (issue 16) ---------------------------
    Case(
        "loan-draw-start",
        "drawn at the start of each period: interest on the whole drawing",
        loans(loan(draw_timing="start")),
    ),
    Case(
        "loan-draw-end",
        "drawn at the end of each period: no interest in the period drawn",
        loans(loan(draw_timing="end")),
    ),
    Case(
        "loan-interest-paid",
        "construction interest paid in cash from own funds (债贷组合), drawn at the start",
        loans(loan(construction_interest="paid", draw_timing="start")),
    ),
    Case(
        "loan-interest-paid-debt-first-subsidy",
        "two loans drawn debt first, the second paying construction interest in cash, with "
        "an interest subsidy on it",
        merged(
            loans(
                loan(sizing={"gearing": 0.25, "dscr": None}),
                loan(
                    name="商业银行贷款",
                    rate_type="fixed",
                    rate=0.036,
                    spread=0.0,
                    construction_interest="paid",
                    sizing={"gearing": 0.15, "dscr": None},
                    lender=None,
                ),
                drawdown="debt_first",
            ),
            {
                "funding": {
                    "fiscal_funds": [
                        {"name": "市级补助", "use": "capital_grant", "amount": 1500.0},
                        {
                            "name": "贴息",
                            "use": "interest_subsidy",
                            "loan": "商业银行贷款",
                            "share": 0.5,
                            "years": 4,
                        },
                    ]
                }
            },
        ),
    ),
    Case(
        "bond-issue-end",
        "a bond issued at the end of its period (outstanding from the next)",
        bonds(bond(draw_timing="end")),
    ),
    Case(
        "bond-end-refinanced",
        "an end-issued bullet bond, 40 % refinanced at maturity",
        merged(
            {"timeline": {"horizon_years": 16}},
            bonds(
                bond(
                    draw_timing="end",
                    repayment="bullet",
                    repayment_schedule=None,
                    tenor_years=8,
                    refinance_share=0.4,
                    refinance_tenor_years=5,
                )
            ),
        ),
    ),
    Case(
        "bond-interest-paid",
        "bond coupons of construction paid from own funds",
        bonds(bond(construction_interest="paid")),
    ),
    # --- reserves (issue 16) ----------------------------------------------------------------
    Case(
        "mmra",
        "a maintenance reserve funding a major-maintenance cycle every 3 operating years",
        merged(
            plus_opex(
                {
                    "name": "大中修",
                    "category": "major_maintenance",
                    "basis": "fixed",
                    "amount": 400.0,
                    "every_years": 3,
                    "growth_rate": 0.02,
                }
            ),
            {"funding": {"mmra": {}}},
        ),
    ),
    Case(
        "mmra-items",
        "a maintenance reserve for named cyclical items (one not major maintenance)",
        merged(
            plus_opex(
                {
                    "name": "大中修",
                    "category": "major_maintenance",
                    "basis": "fixed",
                    "amount": 300.0,
                    "every_years": 4,
                },
                {
                    "name": "安全体检",
                    "category": "safety_inspection",
                    "basis": "fixed",
                    "amount": 60.0,
                    "every_years": 2,
                },
            ),
            {"funding": {"mmra": {"items": ["大中修", "安全体检"]}}},
        ),
    ),
    Case(
        "dsra-funded-at-completion",
        "a 12-month DSRA filled at completion by the funding plan",
        merged(loans(loan(dsra_months=12)), {"funding": {"dsra_funding": "construction"}}),
    ),
    Case(
        "reserve-interest",
        "interest on cash, the DSRA and the MMRA at 1.5 %",
        merged(
            plus_opex(
                {
                    "name": "大中修",
                    "category": "major_maintenance",
                    "basis": "fixed",
                    "amount": 400.0,
                    "every_years": 4,
                }
            ),
            loans(loan(dsra_months=6)),
            {"funding": {"mmra": {}, "cash_interest_rate": 0.015}},
        ),
    ),
    Case(
        "reserve-interest-sculpted",
        "interest on cash with a sculpted loan and a DSRA (the reserve's forecast is pasted)",
        merged(
            loans(
                loan(
                    repayment="sculpted",
                    target_dscr=1.35,
                    sizing={"dscr": None, "gearing": 0.6},
                    dsra_months=6,
                )
            ),
            {
                "funding": {
                    "cash_interest_rate": 0.01,
                    "covenants": {"min_llcr": 1.25, "min_dscr_cn": 1.1, "min_icr": 1.5},
                }
            },
        ),
    ),
    # --- loans: fees, reserves, sweep, lock-up, draws ------------------------------------
    Case(
        "loan-fees",
        "up-front and commitment fees",
        loans(loan(upfront_fee_rate=0.003, commitment_fee_rate=0.004)),
    ),
    Case("loan-dsra", "a 6-month debt-service reserve (DSRA)", loans(loan(dsra_months=6))),
    Case("loan-cash-sweep", "a 50 % cash sweep prepaying the loan", loans(loan(cash_sweep=0.5))),
    Case(
        "loan-lockup", "distributions locked up below a DSCR of 1.6", loans(loan(lockup_dscr=1.6))
    ),
    Case(
        "loan-short-grace",
        "grace shorter than construction (repayment starts in it)",
        loans(loan(grace_years=1, tenor_years=10, sizing={"gearing": 0.3, "dscr": None})),
    ),
    Case(
        "loan-no-grace",
        "no grace: repayment from financial close, during construction",
        loans(loan(grace_years=0, tenor_years=9, sizing={"gearing": 0.3, "dscr": None})),
    ),
    Case(
        "drawdown-debt-first-used-up",
        "debt first over a 3-year construction with a 2,500 facility used up in year 2",
        merged(
            {
                "timeline": {"phases": [{"name": "一期", "start_year": 0, "duration_years": 3}]},
                "investment": [
                    merge_data(BASE_INVESTMENT[0], {"schedule": [0.4, 0.3, 0.3]}),
                    *BASE_INVESTMENT[1:],
                ],
            },
            loans(
                loan(sizing={"gearing": None, "dscr": None, "amount": 2500.0}),
                drawdown="debt_first",
            ),
        ),
    ),
    Case(
        "drawdown-debt-first",
        "the loan drawn before equity (debt first)",
        loans(BASE_LOAN, drawdown="debt_first"),
    ),
    Case(
        "loans-two-pro-rata",
        "two loans (LPR 等额本金 and fixed 等额本息) drawn pro rata",
        loans(*TWO_LOANS),
    ),
    Case(
        "loans-two-debt-first",
        "two loans drawn in order before equity",
        loans(*TWO_LOANS, drawdown="debt_first"),
    ),
    Case(
        "loans-two-sweep-lockup-dsra",
        "two loans, each with a DSRA, a sweep on one and a lock-up on the other",
        loans(
            merge_data(TWO_LOANS[0], {"dsra_months": 6, "cash_sweep": 0.3}),
            merge_data(TWO_LOANS[1], {"dsra_months": 3, "lockup_dscr": 1.4}),
        ),
    ),
    # --- fund and REIT -----------------------------------------------------------------
    Case(
        "fund-senior-junior",
        "a fund with senior and junior tiers and an upside share",
        {"funding": {"fund": FUND}},
    ),
    Case(
        "fund-simple-middle",
        "a fund whose preferred returns accrue simply, paid in mid-period, its senior tier "
        "debt-like (明股实债: out of capital)",
        {
            "funding": {
                "fund": merge_data(
                    FUND, {"accrual": "simple", "draw_timing": "middle", "debt_like": "senior"}
                )
            }
        },
    ),
    Case(
        "fund-start-quarterly-debt-like",
        "a quarterly fund paid in at the start of each period, compounding, both tiers debt-like",
        merged(
            {"timeline": {"periodicity": "quarterly"}},
            {"funding": {"fund": merge_data(FUND, {"draw_timing": "start", "debt_like": "all"})}},
        ),
    ),
    Case(
        "fund-scheduled",
        "a fund paid in on a schedule from year 1, 5-year term, no upside",
        {
            "funding": {
                "fund": merge_data(
                    FUND,
                    {"schedule": [0.5, 0.5], "start_year": 1, "term_years": 5, "upside_share": 0.0},
                )
            }
        },
    ),
    Case(
        "reit-ownership-noi-cap",
        "REIT exit of an ownership asset valued at NOI / cap rate, eligible (minimum size lowered)",
        reit(asset_type="ownership", valuation="noi_cap", min_size_yi_yuan=0.5),
    ),
    Case(
        "reit-ownership-dcf",
        "REIT exit of an ownership asset valued by DCF with a terminal value",
        reit(asset_type="ownership", valuation="dcf"),
    ),
    Case(
        "reit-concession-noi-cap",
        "REIT exit of a concession asset at NOI / cap rate",
        reit(asset_type="concession", valuation="noi_cap", cap_rate=0.055),
    ),
    Case(
        "reit-concession-dcf",
        "REIT exit of a concession asset by DCF to the horizon",
        reit(asset_type="concession", valuation="dcf", discount_rate=0.065),
    ),
    Case(
        "reit-bond-escrow",
        "REIT exit with the bond held to maturity from a reserve earning 1.5 %",
        reit(escrow_rate=0.015),
    ),
    Case(
        "reit-costs-retention",
        "REIT exit with SPV taxes, REIT debt service, 30 % retained units for 3 years and the "
        "reinvested money counted as a return",
        reit(
            spv_tax_rate=0.1,
            debt_service=20.0,
            retained_share=0.3,
            lockup_years=3,
            reinvestment_counts_as_return=True,
            management_fee_rate=0.005,
        ),
    ),
    Case(
        "reit-concession-end",
        "REIT exit of a concession (保障性租赁住房 size preset) valued by DCF to the "
        "concession's end in year 11",
        reit(
            asset_type="concession", valuation="dcf", concession_end_year=11, affordable_rental=True
        ),
    ),
    Case(
        "reit-bond-early-redemption",
        "REIT exit with the bond redeemed early from the proceeds (提前赎回)",
        reit(early_redemption=[BOND]),
    ),
    Case(
        "reit-exit-simplified-vat-lat-inputs",
        "REIT exit as an old-property transfer on the simplified 5 % VAT, with LAT on a stated "
        "重置成本价 and 成新度",
        reit(
            vat_method="simplified",
            land_appreciation_tax=True,
            lat_replacement_cost=9000.0,
            lat_condition_rate=0.6,
        ),
    ),
    Case(
        "reit-exit-share-transfer",
        "REIT exit by a share transfer: no VAT and no LAT on it (only the deed's stamp duty)",
        reit(vat_method="exempt", land_appreciation_tax=False),
    ),
    Case(
        "fund-reit-exit",
        "a fund repaid from REIT exit proceeds",
        merged({"funding": {"fund": FUND}}, reit()),
    ),
    # --- funding policy ----------------------------------------------------------------
    Case(
        "distribution-cash",
        "distributions limited by cash only",
        {"funding": {"distribution_policy": "cash"}},
    ),
    Case(
        "priority-custom-order",
        "a non-default waterfall: loan, reserves, bond, fund, "
        "sweep, equity (with a DSRA, a sweep and a fund)",
        reordered(
            ["loan", "reserves", "bond", "fund", "sweep", "equity"], dsra_months=6, cash_sweep=0.3
        ),
    ),
    Case(
        "equity-parties-policy",
        "two sponsors, a commitment, a capital floor, a reserve "
        "rate and minimum cash (housing sector)",
        {
            "project": {"sector": "housing"},
            "funding": {
                "equity_parties": [
                    {"name": "城投公司", "share": 0.7},
                    {"name": "社会资本", "share": 0.3},
                ],
                "equity_commitment": 6000.0,
                "min_capital_ratio": 0.25,
                "statutory_reserve_rate": 0.15,
                "min_cash_balance": 200.0,
            },
        },
    ),
    # --- empty sections ----------------------------------------------------------------
    Case(
        "no-debt",
        "no bond and no loan: grant and equity only",
        {"funding": {"special_bonds": [], "loans": []}},
    ),
    Case(
        "no-fiscal-funds",
        "no fiscal funds: bond, loan and equity",
        {"funding": {"fiscal_funds": []}},
    ),
    Case(
        "no-revenue-no-opex",
        "a public-good project with no income and no costs, funded by "
        "grants and equity (IRRs undefined: n/a)",
        {
            "revenues": [],
            "opex": [],
            "funding": {
                "special_bonds": [],
                "loans": [],
                "fiscal_funds": [
                    {
                        "name": "中央补助",
                        "source": "central_pilot_subsidy",
                        "use": "capital_grant",
                        "amount": 6000.0,
                    },
                    {
                        "name": "其他出资",
                        "source": "other",
                        "use": "capital_grant",
                        "amount": 1000.0,
                    },
                ],
            },
        },
    ),
    # --- money units -------------------------------------------------------------------
    Case("money-yuan", "the base in 元 (amounts × 10,000)", merge_data(YUAN, {})),
    Case("money-yi", "the base in 亿元 (amounts ÷ 10,000)", merge_data(YI, {})),
    # --- risks (virtual inputs) --------------------------------------------------------
    Case(
        "risk-construction-delay",
        "one year of construction delay, scenario 1 of a run of 2",
        overrides={"risk.construction_delay_periods": [0.0, 1.0]},
        scenario=1,
    ),
    Case(
        "risk-capex-overrun",
        "a 15 % capex overrun (land exempt)",
        plus_investment(
            {
                "name": "土地费用",
                "category": "land",
                "amount": 600.0,
                "schedule": [1.0],
                "overrun_applies": False,
            }
        ),
        overrides={"risk.capex_overrun": [0.15]},
    ),
    # --- periodicity -------------------------------------------------------------------
    Case(
        "semiannual", "the base on semiannual periods", {"timeline": {"periodicity": "semiannual"}}
    ),
    Case("quarterly", "the base on quarterly periods", {"timeline": {"periodicity": "quarterly"}}),
    Case("monthly", "the base on monthly periods", {"timeline": {"periodicity": "monthly"}}),
    Case(
        "semiannual-phase-1y6m",
        "a construction phase of 1.5 years on semiannual periods",
        {
            "timeline": {
                "periodicity": "semiannual",
                "phases": [{"name": "一期", "start_year": 0, "duration_years": 1.5}],
            }
        },
    ),
    Case(
        "quarterly-annuity-bullet-bond-dsra",
        "quarterly: annuity loan with a DSRA, annual bullet bond",
        merged(
            {"timeline": {"periodicity": "quarterly"}},
            loans(loan(repayment="annuity", dsra_months=6)),
            bonds(
                bond(
                    repayment="bullet",
                    repayment_schedule=None,
                    amount=1000.0,
                    tenor_years=8,
                    interest_frequency="annual",
                )
            ),
        ),
    ),
    Case(
        "quarterly-sweep-lockup",
        "quarterly: cash sweep and lock-up",
        merged(
            {"timeline": {"periodicity": "quarterly"}}, loans(loan(cash_sweep=0.4, lockup_dscr=1.5))
        ),
    ),
    Case(
        "semiannual-sculpted-dsra",
        "semiannual: sculpted loan with a DSRA",
        merged(
            {"timeline": {"periodicity": "semiannual"}},
            loans(loan(repayment="sculpted", target_dscr=1.3, dsra_months=6)),
        ),
    ),
    Case(
        "quarterly-risks",
        "quarterly: two quarters of delay and a 10 % overrun",
        {"timeline": {"periodicity": "quarterly"}},
        overrides={"risk.construction_delay_periods": [2.0], "risk.capex_overrun": [0.1]},
    ),
    Case(
        "monthly-fund-reit",
        "monthly: a fund and a REIT exit",
        merged(
            {"timeline": {"periodicity": "monthly"}},
            {"funding": {"fund": FUND}},
            reit(valuation="dcf"),
        ),
    ),
    # --- interactions: timing on sub-annual grids, reserves with exits ------------------
    Case(
        "quarterly-timing",
        "quarterly: a stream starting half a year after completion and ending mid-year, "
        "indexed from the start every 2 years; a cyclical and a construction-time cost; a "
        "grant scheduled from a later quarter; a subsidy from half a year for 3.5 years; a "
        "bond issued mid-year; a loan with 2.5 years of grace",
        {
            "timeline": {"periodicity": "quarterly"},
            "revenues": [
                BASE_REVENUES[0],
                merge_data(
                    BASE_REVENUES[1],
                    {
                        "start_after_years": 0.5,
                        "end_year": 10.75,
                        "growth_rate": 0.03,
                        "growth_every_years": 2,
                        "growth_from": "start",
                    },
                ),
            ],
            "opex": [
                *BASE_OPEX,
                {"name": "大中修", "basis": "fixed", "amount": 200.0, "every_years": 3},
                {"name": "筹建期管理", "basis": "fixed", "amount": 40.0, "timing": "construction"},
            ],
            "funding": {
                "fiscal_funds": [
                    {
                        "name": "市级补助",
                        "use": "capital_grant",
                        "amount": 1500.0,
                        "schedule": [0.4, 0.6],
                        "start_year": 0.25,
                    },
                    {
                        "name": "运营补贴",
                        "use": "operating_subsidy",
                        "amount": 80.0,
                        "start_year": 0.5,
                        "years": 3.5,
                    },
                ],
                "special_bonds": [
                    bond(
                        issue_year=0.5,
                        tenor_years=9,
                        repayment_schedule=None,
                        repayment="bullet",
                        amount=1000.0,
                    )
                ],
                "loans": [loan(grace_years=2.5, tenor_years=10.75)],
            },
        },
    ),
    Case(
        "semiannual-land-sale-losses",
        "semiannual: land held as inventory, sold with units, tax losses carried forward",
        {
            "timeline": {"periodicity": "semiannual"},
            "investment": [
                *BASE_INVESTMENT,
                {
                    "name": "土地整理",
                    "category": "land",
                    "amount": 2000.0,
                    "asset_class": "开发成本",
                },
            ],
            "revenues": [
                *BASE_REVENUES,
                {
                    "name": "商铺销售",
                    "kind": "sale",
                    "quantity": 1500,
                    "unit_price": 14000.0,
                    "price_per": "once",
                    "schedule": [0.2, 0.5, 0.3],
                },
                {
                    "name": "土地出让",
                    "kind": "land_transfer",
                    "quantity": 20,
                    "unit_price": 160.0,
                    "price_currency": "万元",
                    "price_per": "once",
                    "schedule": [0.5, 0.5],
                    "set_aside_rate": 0.15,
                },
            ],
            "tax": {"loss_carryforward_years": 2},
            "depreciation": {
                "classes": [
                    {"name": "building", "life_years": 5, "residual_rate": 0.0},
                    {"name": "equipment", "life_years": 3, "residual_rate": 0.05},
                    {"name": "开发成本", "inventory": True, "residual_rate": 0.0},
                ]
            },
        },
    ),
    Case(
        "monthly-sculpted-dsra-sweep",
        "monthly: a sculpted loan with a DSRA and a cash sweep",
        merged(
            {"timeline": {"periodicity": "monthly"}},
            loans(loan(repayment="sculpted", target_dscr=1.3, dsra_months=6, cash_sweep=0.3)),
        ),
    ),
    Case(
        "quarterly-two-phases-risks",
        "quarterly: two phases with a delay of 3 quarters and a 20 % overrun",
        {
            "timeline": {
                "periodicity": "quarterly",
                "phases": [
                    {"name": "一期", "start_year": 0, "duration_years": 1.5},
                    {"name": "二期", "start_year": 0.75, "duration_years": 1.5},
                ],
            },
            "investment": [
                merge_data(BASE_INVESTMENT[0], {"phase": "一期"}),
                merge_data(BASE_INVESTMENT[1], {"phase": "二期", "schedule": [0.3, 0.7]}),
                *BASE_INVESTMENT[2:],
            ],
            "revenues": [merge_data(BASE_REVENUES[0], {"phase": "一期"}), BASE_REVENUES[1]],
        },
        overrides={"risk.construction_delay_periods": [3.0], "risk.capex_overrun": [0.2]},
    ),
    Case(
        "reit-exit-reserves-refinancing",
        "a REIT exit repaying a loan with a DSRA and a sweep, a bond refinanced before the "
        "exit, a fund",
        merged(
            loans(loan(dsra_months=6, cash_sweep=0.3, repayment="annuity")),
            bonds(
                bond(
                    repayment="bullet",
                    repayment_schedule=None,
                    tenor_years=5,
                    amount=1500.0,
                    refinance_share=0.6,
                    refinance_tenor_years=5,
                )
            ),
            {"funding": {"fund": FUND}},
            reit(valuation="dcf", asset_type="ownership"),
        ),
    ),
    Case(
        "cash-policy-fund-lockup",
        "distributions by cash with a fund, a lock-up, minimum cash and two sponsors",
        merged(
            loans(loan(lockup_dscr=1.5)),
            {
                "funding": {
                    "fund": FUND,
                    "distribution_policy": "cash",
                    "min_cash_balance": 150.0,
                    "equity_parties": [
                        {"name": "城投公司", "share": 0.6},
                        {"name": "社会资本", "share": 0.4},
                    ],
                }
            },
        ),
    ),
    Case(
        "semiannual-two-loans-subsidy-debt-first",
        "semiannual: two loans drawn debt first, an interest subsidy on the second, an "
        "equity injection",
        merged(
            {"timeline": {"periodicity": "semiannual"}},
            loans(*TWO_LOANS, drawdown="debt_first"),
            {
                "funding": {
                    "fiscal_funds": [
                        *BASE["funding"]["fiscal_funds"],
                        {
                            "name": "贴息",
                            "use": "interest_subsidy",
                            "loan": "商业银行贷款",
                            "share": 0.3,
                            "years": 5,
                        },
                        {"name": "国资注资", "use": "equity_injection", "amount": 600.0},
                    ]
                }
            },
        ),
    ),
    Case(
        "quarterly-reit-concession-fund-scheduled",
        "quarterly: a concession REIT exit by DCF, a fund paid on a schedule",
        merged(
            {"timeline": {"periodicity": "quarterly"}},
            {"funding": {"fund": merge_data(FUND, {"schedule": [0.5, 0.5], "term_years": 4})}},
            reit(asset_type="concession", valuation="dcf"),
        ),
    ),
    Case(
        "yuan-quarterly-price-contingency",
        "元 on quarterly periods with a price contingency and per-unit costs in 亿元",
        merge_data(
            YUAN,
            {
                "timeline": {"periodicity": "quarterly"},
                "price_contingency": {"rate": 0.025, "years_before_start": 1.0},
                "opex": [
                    *YUAN["opex"],
                    {
                        "name": "总部分摊",
                        "basis": "per_unit",
                        "unit_cost": 0.0002,
                        "cost_currency": "亿元",
                        "cost_per": "year",
                        "quantity": 3,
                    },
                ],
            },
        ),
    ),
    Case(
        "priority-sweep-first",
        "a waterfall sweeping and reserving before debt service: sweep, reserves, loan, "
        "bond, fund, equity",
        reordered(
            ["sweep", "reserves", "loan", "bond", "fund", "equity"], dsra_months=3, cash_sweep=0.5
        ),
    ),
    Case(
        "grants-into-operation",
        "a grant paid partly after completion and an equity injection paced by spending",
        {
            "funding": {
                "fiscal_funds": [
                    {
                        "name": "市级补助",
                        "use": "capital_grant",
                        "amount": 1500.0,
                        "schedule": [0.3, 0.3, 0.4],
                    },
                    {"name": "国资注资", "use": "equity_injection", "amount": 800.0},
                ]
            }
        },
    ),
    Case(
        "bond-issued-in-operation",
        "a second bond issued in year 3, after completion, refinancing nothing",
        bonds(
            bond(),
            bond(
                name="运营期专项债",
                amount=600.0,
                issue_year=3,
                tenor_years=6,
                repayment="custom",
                repayment_schedule=[0, 0, 0.2, 0.2, 0.3, 0.3],
            ),
        ),
    ),
    Case(
        "loans-two-sculpted-second",
        "a senior 等额本金 loan and a junior loan sculpted on the cash left after it",
        loans(
            loan(sizing={"gearing": 0.25, "dscr": 1.6}),
            loan(
                name="次级贷款",
                rate_type="fixed",
                rate=0.045,
                spread=0.0,
                repayment="sculpted",
                target_dscr=1.4,
                sizing={"gearing": 0.2, "dscr": 1.4},
            ),
        ),
    ),
    Case(
        "loan-bullet-dsra-subsidy",
        "a bullet loan with a DSRA and an interest subsidy to the end",
        merged(
            loans(loan(repayment="bullet", dsra_months=12, sizing={"gearing": 0.3, "dscr": None})),
            {
                "funding": {
                    "fiscal_funds": [
                        *BASE["funding"]["fiscal_funds"],
                        {"name": "贴息", "use": "interest_subsidy", "loan": LOAN, "share": 0.4},
                    ]
                }
            },
        ),
    ),
    Case(
        "reit-subsidy-no-residual",
        "a REIT exit with an operating subsidy and an interest subsidy running past it, no "
        "residual value",
        merged(
            reit(valuation="noi_cap"),
            {
                "evaluation": {"include_residual_value": False},
                "funding": {
                    "fiscal_funds": [
                        *BASE["funding"]["fiscal_funds"],
                        {"name": "运营补贴", "use": "operating_subsidy", "amount": 60.0},
                        {"name": "贴息", "use": "interest_subsidy", "loan": LOAN, "share": 0.2},
                    ]
                },
            },
        ),
    ),
    Case(
        "sale-after-delay-cyclical-construction",
        "a sale starting a year after completion, and a cyclical cost during construction of "
        "a 3-year phase",
        {
            "timeline": {"phases": [{"name": "一期", "start_year": 0, "duration_years": 3}]},
            "revenues": [
                *BASE_REVENUES,
                {
                    "name": "住宅销售",
                    "kind": "sale",
                    "quantity": 1000,
                    "unit_price": 12000.0,
                    "price_per": "once",
                    "start_after_years": 1,
                    "schedule": [0.6, 0.4],
                },
            ],
            "opex": [
                *BASE_OPEX,
                {
                    "name": "围挡维护",
                    "basis": "fixed",
                    "amount": 30.0,
                    "every_years": 2,
                    "timing": "construction",
                },
            ],
        },
    ),
    Case(
        "tax-none-with-overrides",
        "preset none with a few rates switched back on",
        {"tax": {"preset": "none", "vat_rates": {"rent": 0.09}, "income_tax_rate": 0.25}},
    ),
    # --- district ----------------------------------------------------------------------
    Case(
        "district",
        "a district (片区) of two members run as one company with a district bond and loan",
        build=district_spec,
    ),
]
"""Every case of the matrix, in the order of the test ids."""


# --- coverage: which switches of the spec models the matrix turns -----------------------


def _inner_types(annotation: Any) -> list[type]:
    """The classes inside an annotation: ``X | None``, ``list[X]``, ``Annotated[X, …]`` and
    the values of ``dict[K, V]`` (a dict's enum keys are overrides, not switches)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _inner_types(args[0])
    if origin in (typing.Union, types.UnionType, list, tuple, set):
        return [t for a in args for t in _inner_types(a)]
    if origin is dict:
        return _inner_types(args[1])
    return [annotation] if isinstance(annotation, type) else []


def _default(info: FieldInfo) -> Any:
    if info.default_factory is not None:
        return info.default_factory()  # type: ignore[call-arg]
    return None if info.default is PydanticUndefined else info.default


def switch_states(info: FieldInfo) -> set[str]:
    """The states of a spec field that the matrix must each reach: every value of an enum
    (of the field or of its list items); ``set`` and ``unset`` for an optional field;
    ``true`` and ``false`` for a flag; ``zero`` and ``non-zero`` for a number that is 0 by
    default (a fee, a share, a delay); ``empty`` and ``non-empty`` for a list or mapping
    that is empty by default. Other fields (required values, non-zero defaults) switch
    nothing on or off."""
    kinds = _inner_types(info.annotation)
    out: set[str] = set()
    if type(None) in kinds:
        out |= {"set", "unset"}
    enums = [t for t in kinds if issubclass(t, enum.Enum)]
    if enums:
        return out | {str(v.value) for v in enums[0]}
    if bool in kinds:
        return out | {"true", "false"}
    default = _default(info)
    if isinstance(default, int | float) and not isinstance(default, bool) and default == 0:
        out |= {"zero", "non-zero"}
    if isinstance(default, list | dict) and not default:
        out |= {"empty", "non-empty"}
    return out


def _state_of(info: FieldInfo, value: Any) -> set[str]:
    """The states of ``switch_states(info)`` that ``value`` is in."""
    wanted = switch_states(info)
    out = {"unset"} if value is None and "unset" in wanted else set()
    if value is None:
        return out
    out |= {"set"} & wanted
    items = value if isinstance(value, list) else [value]
    for v in items:
        if isinstance(v, enum.Enum):
            out.add(str(v.value))
        elif isinstance(v, bool):
            out.add(str(v).lower())
    if "zero" in wanted:
        out.add("zero" if value == 0 else "non-zero")
    if "empty" in wanted:
        out.add("non-empty" if value else "empty")
    return out & wanted


def spec_switches(model: type[BaseModel] = ProjectSpec) -> dict[str, set[str]]:
    """``Model.field`` → its switch states, for every field of ``model`` and of the models
    nested in it."""
    out: dict[str, set[str]] = {}
    todo, seen = [model], set()
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        for name, info in m.model_fields.items():
            states = switch_states(info)
            if states:
                out[f"{m.__name__}.{name}"] = states
            todo += [t for t in _inner_types(info.annotation) if issubclass(t, BaseModel)]
    return out


def switches_reached(spec: BaseModel) -> dict[str, set[str]]:
    """``Model.field`` → the switch states that ``spec`` (and every model in it) reaches."""
    out: dict[str, set[str]] = {}
    todo = [spec]
    while todo:
        obj = todo.pop()
        for name, info in type(obj).model_fields.items():
            value = getattr(obj, name)
            out.setdefault(f"{type(obj).__name__}.{name}", set()).update(_state_of(info, value))
            values = (
                value.values()
                if isinstance(value, dict)
                else (value if isinstance(value, list) else [value])
            )
            todo += [v for v in values if isinstance(v, BaseModel)]
    return out


LABELS: dict[str, str] = {
    "ProjectInfo.name_en": "the English name on the Cover and in labels",
    "ProjectInfo.kind": "the project type on the Cover and in the report",
    "ProjectInfo.location": "free text on the Cover and in the report",
    "ProjectInfo.description": "free text on the Cover and in the report",
    "ProjectInfo.prepared_by": "free text on the report cover (编制单位)",
    "ProjectInfo.report_number": "free text on the report cover (报告编号)",
    "ProjectInfo.report_date": "the date on the report cover",
    "ProjectInfo.implementing_entity": "free text in the report's overview (实施主体)",
    "ProjectInfo.regional_context": "free text in the report's overview (地区财政与债务情况)",
    "ProjectInfo.social_benefits": "free text, the report's 社会效益",
    "ProjectInfo.performance_targets": "free text, the report's 绩效目标",
    "PerformanceTarget.category": "free text, the class of a 绩效目标",
    "RevenueStream.price_basis": "free text beside the price in the report (定价依据)",
    "OpexItem.cost_basis": "free text beside the cost in the report (取费依据)",
    "FiscalFund.source": "the programme a fiscal fund comes from, shown in the report",
    "Loan.lender": "the lender's name, for labels",
    "AssetClass.label_zh": "the Chinese label of an asset class in the tables",
}
"""Fields that only label things: the matrix need not switch them (a test checks that
changing them changes no number and no formula)."""

IMPOSSIBLE: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "InvestmentItem.base_categories": (
        "contingency",
        lambda: merge_data(
            BASE,
            {
                "investment": [
                    *BASE_INVESTMENT[:3],
                    {
                        "name": "基本预备费",
                        "category": "contingency",
                        "rate": 0.05,
                        "base_categories": ["construction", "contingency"],
                    },
                ]
            },
        ),
    ),
    "SpecialBond.draw_timing": (
        "middle",
        lambda: merge_data(BASE, bonds(bond(draw_timing="middle"))),
    ),
    "OpexItem.cost_per": (
        "once",
        lambda: merge_data(
            BASE,
            {
                "opex": [
                    {
                        "name": "一次性",
                        "basis": "per_unit",
                        "unit_cost": 1.0,
                        "quantity": 1,
                        "cost_per": "once",
                    }
                ]
            },
        ),
    ),
}
"""States validation refuses (a contingency on itself; a one-off unit cost; a bond issued
over a period), each with the spec data that tries it (a test checks that it is refused)."""
