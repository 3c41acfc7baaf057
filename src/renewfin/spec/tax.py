"""Taxes (税金): VAT, surcharges, property tax and corporate income tax.

The ``cn_default`` preset carries the rates of ``DOMAIN.md`` §6 (2025–2026); every rate
can be overridden in the spec, and ``none`` switches all taxes off.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Self

from pydantic import Field, model_validator

from renewfin.spec.base import Share, SpecModel, raise_problems
from renewfin.spec.errors import Problem
from renewfin.spec.investment import InvestmentCategory
from renewfin.spec.labels import Zh, choice_labels
from renewfin.spec.project import CityTier
from renewfin.spec.revenue import RevenueKind, RevenueStream, VatMethod


@choice_labels(
    {
        "cn_default": "中国现行税率（默认）",
        "none": "无（全部自行填写）",
    }
)
class TaxPreset(StrEnum):
    """A set of default tax rates."""

    CN_DEFAULT = "cn_default"
    """PRC rates in force 2025–2026 (DOMAIN.md §6)."""
    NONE = "none"
    """No taxes at all (a pre-tax, pre-VAT view)."""


CN_VAT_RATES: dict[RevenueKind, float] = {
    RevenueKind.RENT: 0.09,
    RevenueKind.PARKING: 0.09,
    RevenueKind.EV_CHARGING: 0.13,
    RevenueKind.PROPERTY_SERVICES: 0.06,
    RevenueKind.ADVERTISING: 0.06,
    RevenueKind.SALE: 0.09,
    RevenueKind.LAND_TRANSFER: 0.0,
    RevenueKind.OPERATING_SUBSIDY: 0.06,
    RevenueKind.OTHER: 0.06,
}
"""Output VAT by revenue kind: leasing of real property and parking 9 %, electricity 13 %,
services 6 %; government land-transfer income is outside VAT."""

CN_SIMPLIFIED_VAT_RATES: dict[RevenueKind, float] = {
    RevenueKind.RENT: 0.05,
    RevenueKind.PARKING: 0.05,
    RevenueKind.EV_CHARGING: 0.03,
    RevenueKind.PROPERTY_SERVICES: 0.03,
    RevenueKind.ADVERTISING: 0.03,
    RevenueKind.SALE: 0.05,
    RevenueKind.LAND_TRANSFER: 0.0,
    RevenueKind.OPERATING_SUBSIDY: 0.03,
    RevenueKind.OTHER: 0.03,
}
"""Levy rate (征收率) of the simplified method (简易计税) by revenue kind: 5 % for the lease
and sale of real property acquired before the reform (财税〔2016〕36号 附件2 一(九)(十)), 3 %
otherwise (增值税法 第十一条); land-transfer income is outside VAT."""

CN_CAPEX_INPUT_VAT: dict[InvestmentCategory, float] = {
    InvestmentCategory.CONSTRUCTION: 0.09,
    InvestmentCategory.EQUIPMENT: 0.13,
    InvestmentCategory.OTHER_COSTS: 0.06,
    InvestmentCategory.LAND: 0.0,
    InvestmentCategory.CONTINGENCY: 0.0,
}
"""Input VAT included in investment amounts: works 9 %, equipment 13 %, services 6 %."""

CN_URBAN_MAINTENANCE: dict[CityTier, float] = {
    CityTier.CITY: 0.07,
    CityTier.COUNTY: 0.05,
    CityTier.OTHER: 0.01,
}
"""城市维护建设税 on VAT paid, by location."""


@choice_labels(
    {
        "large_city": "大城市",
        "medium_city": "中等城市",
        "small_city": "小城市",
        "county_town": "县城、建制镇、工矿区",
    }
)
class LandGrade(StrEnum):
    """City size for 城镇土地使用税 (城镇土地使用税暂行条例 第四条, annual 元/m² ranges)."""

    LARGE_CITY = "large_city"
    """大城市: 1.5–30 元/m²."""
    MEDIUM_CITY = "medium_city"
    """中等城市: 1.2–24 元/m²."""
    SMALL_CITY = "small_city"
    """小城市: 0.9–18 元/m²."""
    COUNTY_TOWN = "county_town"
    """县城、建制镇、工矿区: 0.6–12 元/m²."""


LAND_USE_RANGES: dict[LandGrade, tuple[float, float]] = {
    LandGrade.LARGE_CITY: (1.5, 30.0),
    LandGrade.MEDIUM_CITY: (1.2, 24.0),
    LandGrade.SMALL_CITY: (0.9, 18.0),
    LandGrade.COUNTY_TOWN: (0.6, 12.0),
}
"""Statutory annual ranges of the land-use tax by grade [元/m²/yr] (条例 第四条); the preset
takes the middle of the range, to be replaced by the city's 土地等级 rate."""


@choice_labels(
    {
        "acquisition": "自取得土地起",
        "completion": "自竣工起",
    }
)
class LandUseTaxFrom(StrEnum):
    """When 城镇土地使用税 starts."""

    ACQUISITION = "acquisition"
    """From the start of construction (land acquired by 出让 is taxed from the month after
    its delivery, 财税〔2006〕186号 第二条)."""
    COMPLETION = "completion"
    """From the completion of the last phase (when the estate is in use)."""


class LatBracket(SpecModel):
    """One bracket of 土地增值税: the rate on the whole appreciation and the quick-deduction
    factor on the deductions, for appreciation ratios up to ``up_to`` (土地增值税暂行条例
    第七条; 实施细则 第十条: 税额 = 增值额 × 税率 − 扣除项目金额 × 速算扣除系数)."""

    up_to: Annotated[float | None, Zh("增值率上限")] = Field(
        default=None, gt=0, le=100, allow_inf_nan=False
    )
    """Upper end of the bracket as appreciation ÷ deductions (0.5 for 50 %); none for the
    top bracket."""
    rate: Annotated[Share, Zh("税率")]
    """Rate on the appreciation (增值额) [fraction]."""
    quick_deduction: Annotated[Share, Zh("速算扣除系数")] = 0.0
    """Quick-deduction factor (速算扣除系数) on the deductions (扣除项目金额) [fraction]."""


def _statutory_brackets() -> list[LatBracket]:
    return [
        LatBracket(up_to=0.5, rate=0.30, quick_deduction=0.0),
        LatBracket(up_to=1.0, rate=0.40, quick_deduction=0.05),
        LatBracket(up_to=2.0, rate=0.50, quick_deduction=0.15),
        LatBracket(up_to=None, rate=0.60, quick_deduction=0.35),
    ]


LAT_EXPENSE_CAP = 0.10
"""Statutory cap of 房地产开发费用 as a share of land and development cost when interest is
not allocated to the project (土地增值税暂行条例实施细则 第七条(三): 10 %; 5 % plus the interest
when it is)."""


class LandAppreciationTaxSpec(SpecModel):
    """土地增值税 (LAT) on the transfer of property and land use rights (土地增值税暂行条例,
    实施细则, 国税发〔2006〕187号 on settlement, 国税发〔2010〕53号 on prepayment). All streams
    subject to it form one settlement unit (清算单位): prepaid on each period's proceeds,
    settled in one period with the top-up or refund."""

    enabled: Annotated[bool | None, Zh("计征土地增值税")] = None
    """Whether LAT applies; default yes under ``cn_default``, no under ``none``."""
    prepayment_rate: Annotated[Share | None, Zh("土地增值税预征率")] = None
    """预征率 on proceeds excluding VAT as they are received (provincial; 国税发〔2010〕53号
    floors: east 2 %, centre and north-east 1.5 %, west 1 %; 保障性住房 may be exempt);
    default 2 %."""
    settlement_lag_years: Annotated[float, Zh("清算滞后年数")] = Field(
        default=1.0, ge=0, le=10, allow_inf_nan=False
    )
    """清算: years after the period of the last scheduled sale in which LAT is settled (国税发
    〔2006〕187号 第二条: once the project is sold, settlement within 90 days of notice)
    [yr]; settled at the end of holding at the latest."""
    cost_share: Annotated[Share, Zh("扣除成本分摊比例")] = 1.0
    """Share of the project's land and development cost attributable to the property
    transferred (by floor area, 国税发〔2006〕187号 第四条), e.g. the surplus flats sold
    among the flats built."""
    expense_rate: Annotated[Share, Zh("开发费用扣除比例")] = LAT_EXPENSE_CAP
    """房地产开发费用 deducted as a share of land and development cost (实施细则 第七条(三):
    at most 10 % when interest is not allocated to the project)."""
    developer_uplift: Annotated[bool, Zh("加计扣除20%")] = True
    """加计扣除: a developer (从事房地产开发的纳税人) deducts a further 20 % of land and
    development cost (实施细则 第七条(六))."""
    ordinary_housing: Annotated[bool, Zh("普通标准住宅")] = False
    """The property sold is ordinary housing (普通标准住宅): exempt when the appreciation
    is at most 20 % of the deductions (土地增值税暂行条例 第八条(一))."""
    exemption_ratio: Annotated[Share, Zh("普通住宅免税增值率")] = 0.20
    """Appreciation ratio up to which ordinary housing is exempt (条例 第八条(一): 20 %)."""
    brackets: Annotated[list[LatBracket], Zh("超率累进税率表")] = Field(
        default_factory=_statutory_brackets, min_length=1
    )
    """Progressive brackets (条例 第七条): ≤ 50 % 30 %; 50–100 % 40 % − 5 %; 100–200 % 50 % −
    15 %; > 200 % 60 % − 35 % of deductions."""

    @model_validator(mode="after")
    def _statutory(self) -> Self:
        problems: list[Problem | None] = []
        if self.expense_rate > LAT_EXPENSE_CAP + 1e-12:
            problems.append(
                Problem(
                    "expense_rate",
                    "房地产开发费用 may be deducted at most at 10 % of land and development cost "
                    "(土地增值税暂行条例实施细则 第七条(三)); a deduction above the cap would "
                    "shrink the taxable appreciation below what the statute allows",
                    self.expense_rate,
                )
            )
        ups = [b.up_to for b in self.brackets]
        if ups[-1] is not None or any(u is None for u in ups[:-1]):
            problems.append(Problem("brackets", "only the last bracket has no `up_to`", ups))
        else:
            bounded = [u for u in ups[:-1] if u is not None]
            if any(b <= a for a, b in pairwise(bounded)):
                problems.append(
                    Problem("brackets", "`up_to` must increase from bracket to bracket", bounded)
                )
        raise_problems(problems)
        return self


class TaxSpec(SpecModel):
    """Tax rates: a preset, then any override."""

    preset: Annotated[TaxPreset, Zh("税率预设")] = TaxPreset.CN_DEFAULT
    """Source of default rates: ``cn_default`` or ``none``."""
    vat_rates: Annotated[dict[RevenueKind, Share], Zh("各类收入销项税率")] = Field(
        default_factory=dict
    )
    """Output VAT rate by revenue kind for the general method (一般计税), overriding the
    preset (a stream's own ``vat_rate`` overrides both)."""
    simplified_vat_rates: Annotated[dict[RevenueKind, Share], Zh("简易计税征收率")] = Field(
        default_factory=dict
    )
    """Levy rate (征收率) by revenue kind for streams on the simplified method (简易计税),
    overriding the preset (5 % real property, 3 % otherwise; a stream's own ``vat_rate``
    overrides both)."""
    capex_input_vat_rates: Annotated[dict[InvestmentCategory, Share], Zh("各类投资进项税率")] = (
        Field(default_factory=dict)
    )
    """Input VAT rate included in investment amounts, by category, overriding the preset."""
    urban_maintenance_rate: Annotated[Share | None, Zh("城市维护建设税税率")] = None
    """城市维护建设税 rate on VAT paid; default by city tier (7 % / 5 % / 1 %)."""
    education_surcharge_rate: Annotated[Share | None, Zh("教育费附加费率")] = None
    """教育费附加 rate on VAT paid; default 3 %."""
    local_education_surcharge_rate: Annotated[Share | None, Zh("地方教育附加费率")] = None
    """地方教育附加 rate on VAT paid; default 2 %."""
    property_tax_rental_rate: Annotated[Share | None, Zh("房产税（从租）税率")] = None
    """房产税 (从租) on rent excluding VAT; default 12 %."""
    property_tax_ad_valorem_rate: Annotated[Share | None, Zh("房产税（从价）税率")] = None
    """房产税 (从价) on the taxable original value per year; default 1.2 %."""
    property_tax_ad_valorem_deduction: Annotated[Share | None, Zh("房产原值扣除比例")] = None
    """Deduction from original value before the 从价 rate (10–30 % by province);
    default 30 %."""
    property_tax_ad_valorem_share: Annotated[Share, Zh("从价计征房产比例")] = 0.0
    """Share of the building class's original value that is self-operated and taxed 从价
    (e.g. a self-run car park); 0 when all space is let (taxed 从租)."""
    property_tax_leasable_share: Annotated[Share, Zh("出租部分比例（空置从价计征）")] = 0.0
    """Share of the building class's original value that is let by area (the ``rent``
    streams): its vacant part, 1 − let area ÷ lettable area of the rent streams in the
    period, is taxed 从价 (房产税暂行条例 第三条: property not let is taxed on its value);
    0 to tax no vacancy."""
    property_tax_rental_housing_rate: Annotated[
        Share | None, Zh("房产税（向个人出租住房）税率")
    ] = None
    """房产税 (从租) on housing let to individuals (rent streams with
    ``housing_to_individuals``): 4 % (财政部 税务总局公告2021年第24号); default 4 %."""
    property_tax_includes_land: Annotated[bool, Zh("从价计征原值含地价")] = True
    """Whether the 从价 base includes the land's cost (land items' asset class; 财税〔2010〕
    121号 第三条: 房产原值均应包含地价)."""
    income_tax_rate: Annotated[Share | None, Zh("企业所得税税率")] = None
    """企业所得税 rate on taxable profit; default 25 %."""
    loss_carryforward_years: Annotated[int | None, Zh("亏损弥补年限")] = Field(
        default=None, ge=0, le=10
    )
    """Years a tax loss may be carried forward (亏损弥补年限); default 5."""
    income_tax_holiday: Annotated[bool, Zh("所得税三免三减半")] = False
    """三免三减半: income tax exempt for the first three tax years from the year of the
    first operating income and halved for the next three (企业所得税法 第二十七条(二);
    实施条例 第八十七条: 国家重点扶持的公共基础设施项目, e.g. qualifying public parking,
    water, energy and transport projects of the 目录)."""
    income_tax_holiday_exempt_years: Annotated[int, Zh("免税年数")] = Field(default=3, ge=0, le=10)
    """Tax years exempt under the holiday (实施条例 第八十七条: 3)."""
    income_tax_holiday_half_years: Annotated[int, Zh("减半征收年数")] = Field(
        default=3, ge=0, le=10
    )
    """Tax years at half the rate after the exempt ones (实施条例 第八十七条: 3)."""
    land_use_tax_area: Annotated[float, Zh("城镇土地使用税应税面积（m²）")] = Field(
        default=0.0, ge=0, le=1e9, allow_inf_nan=False
    )
    """Taxable land area for 城镇土地使用税 (实际占用的土地面积, 城镇土地使用税暂行条例 第三条)
    [m²]; 0 when the company occupies no taxable land."""
    land_use_tax_grade: Annotated[LandGrade, Zh("城镇土地使用税城市等级")] = LandGrade.LARGE_CITY
    """City size setting the statutory range of the land-use tax rate (条例 第四条):
    ``large_city``, ``medium_city``, ``small_city`` or ``county_town``."""
    land_use_tax_rate: Annotated[float | None, Zh("城镇土地使用税单位税额（元/m²/年）")] = Field(
        default=None, ge=0, le=100, allow_inf_nan=False
    )
    """城镇土地使用税 per m² per year [元/m²/yr]; default the middle of the grade's range
    (large 15.75, medium 12.6, small 9.45, county and town 6.3), to be set from the city's
    土地等级; at least 30 % of the range's floor (条例 第五条)."""
    land_use_tax_from: Annotated[LandUseTaxFrom, Zh("城镇土地使用税起征时点")] = (
        LandUseTaxFrom.COMPLETION
    )
    """When the land-use tax starts: ``acquisition`` (start of construction) or
    ``completion`` (of the last phase)."""
    stamp_duty_lease_rate: Annotated[Share | None, Zh("印花税税率（租赁合同）")] = None
    """印花税 on leases (租赁合同) as a share of rent excluding VAT (印花税法 税目税率表: 1‰);
    default 0.001."""
    stamp_duty_construction_rate: Annotated[Share | None, Zh("印花税税率（建设工程合同）")] = None
    """印花税 on construction, purchase and design contracts (建设工程合同、买卖合同: 0.3‰)
    on the investment excluding VAT (印花税法 第五条), except land; default 0.0003."""
    stamp_duty_loan_rate: Annotated[Share | None, Zh("印花税税率（借款合同）")] = None
    """印花税 on loan contracts (借款合同: 0.05‰ of the amount, 印花税法 税目税率表) with a bank
    or other financial institution: on each loan's facility, paid with its up-front fee in
    its first period and so inside the funding solve (the loan is sized for it); shown as
    ``tax.stamp_loan`` and accounted for with the loan's fees (capitalised while they
    are); default 0.00005."""
    stamp_duty_transfer_rate: Annotated[Share | None, Zh("印花税税率（产权转移书据）")] = None
    """印花税 on property and land-use-right transfer deeds (产权转移书据: 0.5‰), paid by
    both parties: on land acquired (land items excl. VAT) and on sale proceeds; default
    0.0005."""
    deed_tax_rate: Annotated[Share | None, Zh("契税税率")] = None
    """契税 on land acquired (land items the company keeps and marks ``deed_taxable``),
    3–5 % by province (契税法 第三条), capitalised into the land's cost; default 3 %."""
    vat_credit_refund: Annotated[bool, Zh("增值税留抵退税")] = False
    """增值税期末留抵退税: the input VAT credit left at the end of each period (as on the
    investment in construction) is refunded in that period instead of carried forward
    (财政部 税务总局公告2022年第14号 第二条: the whole incremental credit of qualifying
    companies; a project company has no credit before, so all of it is incremental); the
    deduction of refunded VAT from the surcharge base (财税〔2018〕80号) is not modelled."""
    resettlement_housing_share: Annotated[
        Share, Zh("改造安置住房占比（免城镇土地使用税、印花税）")
    ] = 0.0
    """Share of the land and of the construction works that is resettlement housing
    (改造安置住房) of a shanty-town renovation (棚户区改造) on the provincial plan
    (财税〔2013〕101号 article 5; an urban-village renovation counts as one where the
    province lists it): its land is exempt from the urban land-use tax (城镇土地使用税;
    article 1, item 1) and the company's contracts for it from stamp duty (印花税; article 1,
    item 2) — the land-use tax, the stamp duty on construction contracts and on the land's
    transfer deed are levied on the rest; sales of other housing are not exempt. 0 when the
    project builds no resettlement housing."""
    community_services_share: Annotated[
        Share, Zh("社区养老托育家政服务用房、用地占比（免房产税、城镇土地使用税）")
    ] = 0.0
    """Share of the taxable land and of the buildings' value (within the self-used
    ``property_tax_ad_valorem_share``) that the company uses itself to provide community
    elderly-care, childcare and housekeeping services (社区养老、托育、家政服务): exempt
    from the urban land-use tax (城镇土地使用税) and from the property tax on value
    (房产税从价计征) under article 1 of Announcement No. 76 of 2019 of the MoF, STA, NDRC,
    MCA, MOFCOM and NHC (财政部 税务总局 发展改革委 民政部 商务部 卫生健康委公告2019年第76号),
    on the property and land used to provide them; the
    service income's VAT exemption and its income counted at 90 % for income tax are the
    stream's ``community_services`` (with ``vat_method: exempt``). 0 (the default) when the
    project provides no such services; with ``resettlement_housing_share`` at most 1."""
    community_services_income_share: Annotated[
        Share, Zh("社区养老托育家政服务收入计入收入总额比例（减按90%）")
    ] = 0.9
    """Share of the income of ``community_services`` streams counted in taxable income for
    income tax (收入总额): 90 % (2019年第76号 第一条(二): 减按90%计入收入总额); the rest,
    ``tax.income_reduction`` (减计收入), is deducted from taxable income, not from profit."""
    land_appreciation: Annotated[LandAppreciationTaxSpec, Zh("土地增值税")] = Field(
        default_factory=LandAppreciationTaxSpec
    )
    """土地增值税 on sales of property and land use rights (streams with
    ``land_appreciation_tax``)."""

    @model_validator(mode="after")
    def _shares(self) -> Self:
        total = self.property_tax_ad_valorem_share + self.property_tax_leasable_share
        if total > 1 + 1e-12:
            raise_problems(
                [
                    Problem(
                        "property_tax_leasable_share",
                        "the self-used and the leasable shares of the buildings' value add up "
                        f"to more than 1 (with property_tax_ad_valorem_share "
                        f"{self.property_tax_ad_valorem_share:g})",
                        self.property_tax_leasable_share,
                    )
                ]
            )
        community = self.community_services_share
        problems: list[Problem | None] = []
        if community > self.property_tax_ad_valorem_share + 1e-12:
            problems.append(
                Problem(
                    "community_services_share",
                    "more than the self-used share of the buildings it is part of (expected at "
                    f"most property_tax_ad_valorem_share {self.property_tax_ad_valorem_share:g})",
                    community,
                )
            )
        if community + self.resettlement_housing_share > 1 + 1e-12:
            problems.append(
                Problem(
                    "community_services_share",
                    "with resettlement_housing_share "
                    f"{self.resettlement_housing_share:g} more than all the land (expected a sum "
                    "of at most 1)",
                    community,
                )
            )
        raise_problems(problems)
        return self

    @model_validator(mode="after")
    def _land_use_floor(self) -> Self:
        low = 0.3 * LAND_USE_RANGES[self.land_use_tax_grade][0]
        if self.land_use_tax_rate is not None and self.land_use_tax_rate < low - 1e-12:
            raise_problems(
                [
                    Problem(
                        "land_use_tax_rate",
                        f"below 30 % of the {self.land_use_tax_grade.value} floor "
                        f"({low:g} 元/m²/yr, 城镇土地使用税暂行条例 第五条)",
                        self.land_use_tax_rate,
                    )
                ]
            )
        return self


@dataclass(frozen=True)
class TaxRates:
    """Tax rates resolved from a ``TaxSpec`` and the project's city tier [fractions]."""

    vat: dict[RevenueKind, float]
    simplified_vat: dict[RevenueKind, float]
    capex_input_vat: dict[InvestmentCategory, float]
    urban_maintenance: float
    education: float
    local_education: float
    property_rental: float
    property_ad_valorem: float
    property_ad_valorem_deduction: float
    property_ad_valorem_share: float
    property_leasable_share: float
    property_rental_housing: float
    income_tax: float
    loss_carryforward_years: int
    lat_enabled: bool
    lat_prepayment: float
    land_use: float
    """城镇土地使用税 per m² per year [元/m²/yr]."""
    stamp_lease: float
    stamp_loan: float
    stamp_construction: float
    stamp_transfer: float
    deed: float

    def rental_property_rate(self, stream: RevenueStream) -> float:
        """房产税 (从租) rate on ``stream``'s rent: its own, else 4 % for housing let to
        individuals and 12 % for other rent, 0 for other kinds [fraction]."""
        if stream.property_tax_rate is not None:
            return stream.property_tax_rate
        if stream.kind is not RevenueKind.RENT:
            return 0.0
        if stream.housing_to_individuals:
            return self.property_rental_housing
        return self.property_rental

    def lat_applies(self, stream: RevenueStream) -> bool:
        """Whether ``stream``'s proceeds bear 土地增值税: its own switch, else sales while LAT
        is enabled."""
        if not self.lat_enabled:
            return False
        if stream.land_appreciation_tax is not None:
            return stream.land_appreciation_tax
        return stream.kind is RevenueKind.SALE

    def output_vat_rate(self, stream: RevenueStream) -> float:
        """The VAT rate (or simplified levy rate) of ``stream``: its own, else the preset's
        for its kind and method [fraction]."""
        if stream.vat_method is VatMethod.EXEMPT:
            return 0.0
        if stream.vat_rate is not None:
            return stream.vat_rate
        table = self.simplified_vat if stream.vat_method is VatMethod.SIMPLIFIED else self.vat
        return table[stream.kind]

    @property
    def surcharge(self) -> float:
        """Total surcharges on VAT paid (税金附加) [fraction]."""
        return self.urban_maintenance + self.education + self.local_education


def resolve_tax(tax: TaxSpec, city_tier: CityTier) -> TaxRates:
    """Apply the preset, then the overrides, and return concrete rates."""
    default = tax.preset is TaxPreset.CN_DEFAULT

    def pick(value: float | None, cn: float) -> float:
        if value is not None:
            return value
        return cn if default else 0.0

    vat = {k: (CN_VAT_RATES[k] if default else 0.0) for k in RevenueKind}
    vat.update(tax.vat_rates)
    simplified = {k: (CN_SIMPLIFIED_VAT_RATES[k] if default else 0.0) for k in RevenueKind}
    simplified.update(tax.simplified_vat_rates)
    capex = {k: (CN_CAPEX_INPUT_VAT[k] if default else 0.0) for k in InvestmentCategory}
    capex.update(tax.capex_input_vat_rates)
    return TaxRates(
        vat=vat,
        simplified_vat=simplified,
        capex_input_vat=capex,
        urban_maintenance=pick(tax.urban_maintenance_rate, CN_URBAN_MAINTENANCE[city_tier]),
        education=pick(tax.education_surcharge_rate, 0.03),
        local_education=pick(tax.local_education_surcharge_rate, 0.02),
        property_rental=pick(tax.property_tax_rental_rate, 0.12),
        property_ad_valorem=pick(tax.property_tax_ad_valorem_rate, 0.012),
        property_ad_valorem_deduction=pick(tax.property_tax_ad_valorem_deduction, 0.30),
        property_ad_valorem_share=tax.property_tax_ad_valorem_share,
        property_leasable_share=tax.property_tax_leasable_share,
        property_rental_housing=pick(tax.property_tax_rental_housing_rate, 0.04),
        income_tax=pick(tax.income_tax_rate, 0.25),
        loss_carryforward_years=(
            tax.loss_carryforward_years if tax.loss_carryforward_years is not None else 5
        ),
        land_use=pick(tax.land_use_tax_rate, sum(LAND_USE_RANGES[tax.land_use_tax_grade]) / 2),
        stamp_lease=pick(tax.stamp_duty_lease_rate, 0.001),
        stamp_loan=pick(tax.stamp_duty_loan_rate, 0.00005),
        stamp_construction=pick(tax.stamp_duty_construction_rate, 0.0003),
        stamp_transfer=pick(tax.stamp_duty_transfer_rate, 0.0005),
        deed=pick(tax.deed_tax_rate, 0.03),
        lat_enabled=(
            tax.land_appreciation.enabled if tax.land_appreciation.enabled is not None else default
        ),
        lat_prepayment=(
            tax.land_appreciation.prepayment_rate
            if tax.land_appreciation.prepayment_rate is not None
            else 0.02
        ),
    )
