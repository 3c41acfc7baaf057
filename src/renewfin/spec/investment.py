"""Construction investment (建设投资) items, contingencies and asset classes."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from renewfin.spec.base import (
    Money,
    Name,
    Rate,
    Share,
    SpecModel,
    StandardFactor,
    Years,
    raise_problems,
    shares_problem,
)
from renewfin.spec.errors import Problem
from renewfin.spec.labels import Zh, choice_labels


@choice_labels(
    {
        "construction": "工程费用（建安）",
        "equipment": "设备购置",
        "other_costs": "工程建设其他费用",
        "land": "土地费用",
        "contingency": "基本预备费",
    }
)
class InvestmentCategory(StrEnum):
    """Line of the construction-investment estimate (建设投资估算表)."""

    CONSTRUCTION = "construction"
    """建安工程费: building and installation works."""
    EQUIPMENT = "equipment"
    """设备及工器具购置费: equipment purchase."""
    OTHER_COSTS = "other_costs"
    """工程建设其他费用: design, supervision, management and other costs."""
    LAND = "land"
    """土地费用 / 征拆补偿: land, resettlement and demolition compensation."""
    CONTINGENCY = "contingency"
    """基本预备费: basic contingency, a rate on the engineering and other costs."""


@choice_labels(
    {
        "kept": "项目公司持有",
        "residents": "移交居民",
        "government": "移交政府",
    }
)
class AssetOwnership(StrEnum):
    """Who owns what an investment item builds once it is complete."""

    KEPT = "kept"
    """The project company keeps and operates the asset: its input VAT is credited and it
    is depreciated."""
    RESIDENTS = "residents"
    """Handed over to the residents (works on their buildings, e.g. 老旧小区 facades, pipes,
    lifts): no input VAT credit (增值税法 第二十二条 — not a purchase for the company's own
    taxable activity) and not an asset of the company, so not depreciated (企业会计准则—基本准则
    第二十条: an asset is a resource the enterprise owns or controls)."""
    GOVERNMENT = "government"
    """Handed over to a government department (roads, public space, municipal networks):
    treated like ``residents``."""

    @property
    def kept(self) -> bool:
        """Whether the company keeps the asset."""
        return self is AssetOwnership.KEPT


class InvestmentItem(SpecModel):
    """One line of the investment estimate, spent over its phase's construction period."""

    name: Name
    """Item name (e.g. 建安工程费 — 住宅楼改造)."""
    category: InvestmentCategory
    """Estimate line the item belongs to."""
    amount: Annotated[Money | None, StandardFactor.INVESTMENT, Zh("金额（含税）")] = None
    """Amount including VAT (含税) in the money unit; required unless the category is
    ``contingency``, whose amount is ``rate`` × its base."""
    rate: Annotated[Share | None, Zh("基本预备费率")] = None
    """For ``contingency`` only: rate on the base categories (基本预备费率, e.g. 0.05)."""
    base_categories: Annotated[list[InvestmentCategory], Zh("预备费计取基数类别")] = Field(
        default_factory=lambda: [
            InvestmentCategory.CONSTRUCTION,
            InvestmentCategory.EQUIPMENT,
            InvestmentCategory.OTHER_COSTS,
        ]
    )
    """For ``contingency`` only: categories the rate applies to (工程费用 + 工程建设其他费用)."""
    phase: str | None = None
    """Construction phase the item is spent in; default the first phase."""
    schedule: Annotated[list[Share] | None, Zh("分年投资比例")] = None
    """Shares of the amount spent in each construction year of the phase (sum 100 %);
    default evenly over the phase. Spending within a year is spread evenly over its periods."""
    asset_class: str | None = None
    """Asset class the item capitalises into (see ``depreciation.classes``); default
    ``building`` (``equipment`` for equipment, ``land_use_right`` for land if defined)."""
    input_vat_rate: Share | None = None
    """VAT rate included in the amount (含税), deductible as input VAT (进项税额) when the
    company keeps the asset, e.g. 0.09 for works, 0.13 for equipment, 0.06 for services;
    default from the tax preset."""
    input_vat_credit_share: Annotated[Share, Zh("进项税可抵扣比例")] = 1.0
    """Share of the item's input VAT that is credited when the company keeps it but it
    serves both a creditable use (sales or leases on the general method) and a use that
    earns no credit (flats handed over free, simplified-method or exempt streams) and the
    invoices cannot be split; the rest stays in the item's cost. State it on the
    convention that applies: for a developer's project, by floor area (建设规模:
    不得抵扣的进项税额 = 无法划分的进项税额 × 简易计税、免税房地产项目建设规模 ÷ 总建设规模,
    国家税务总局公告2016年第18号 第十三条); otherwise by sales (财税〔2016〕36号 附件1
    第二十九条: × 简易计税、免税项目销售额 ÷ 全部销售额). Default 1: all credited (a
    fixed asset used for both is credited in full, 第二十七条(一))."""
    deed_taxable: Annotated[bool, Zh("缴纳契税")] = True
    """Land items only: whether the item acquires land use rights and bears 契税 (契税法
    第一条; ``tax.deed_tax_rate``), capitalised into its cost, and 印花税 on the transfer
    deed (产权转移书据, ``tax.stamp_duty_transfer_rate``); set no for compensation paid to
    former occupants (征收补偿), which transfers no title to the company."""
    ownership: Annotated[AssetOwnership, Zh("建成资产归属")] = AssetOwnership.KEPT
    """Who owns the works once complete: ``kept`` by the company, or handed over to
    ``residents`` or the ``government`` (no input VAT credit, not capitalised as a company
    asset, not depreciated). A contingency item's ownership applies to all of it."""
    escalate: Annotated[bool | None, Zh("计入涨价预备费基数")] = None
    """Whether the item enters the base of the price contingency (涨价预备费); default yes,
    except land (whose price is fixed by agreement)."""

    @property
    def escalates(self) -> bool:
        """``escalate`` after its default."""
        if self.escalate is not None:
            return self.escalate
        return self.category is not InvestmentCategory.LAND

    overrun_applies: Annotated[bool, Zh("受投资超支风险影响")] = True
    """Whether a capex-overrun risk multiplies this item (land is often fixed by agreement)."""

    @model_validator(mode="after")
    def _amount_or_rate(self) -> Self:
        problems: list[Problem | None] = []
        if self.category is InvestmentCategory.CONTINGENCY:
            if self.rate is None:
                problems.append(
                    Problem("rate", "a contingency item needs `rate` (e.g. 0.05)", has_value=False)
                )
            if self.amount is not None:
                problems.append(
                    Problem(
                        "amount",
                        "a contingency item takes `rate`, not `amount`; expected no amount",
                        self.amount,
                    )
                )
            if InvestmentCategory.CONTINGENCY in self.base_categories:
                problems.append(
                    Problem(
                        "base_categories",
                        "a contingency cannot be a base of itself",
                        [c.value for c in self.base_categories],
                    )
                )
            for field in ("schedule", "phase"):
                if getattr(self, field) is not None:
                    problems.append(
                        Problem(
                            field,
                            "a contingency follows the spending of its "
                            f"base; expected no `{field}`",
                            getattr(self, field),
                        )
                    )
        else:
            if self.amount is None:
                problems.append(
                    Problem(
                        "amount",
                        f"`amount` is required for a {self.category.value} item",
                        has_value=False,
                    )
                )
            if self.rate is not None:
                problems.append(
                    Problem("rate", "`rate` applies only to contingency items", self.rate)
                )
        problems.append(shares_problem(self.schedule, "schedule shares"))
        raise_problems(problems)
        return self


class PriceContingency(SpecModel):
    """Price contingency (涨价预备费), per 《建设项目经济评价方法与参数》(第三版):
    PF = Σ I_t [(1+f)^m (1+f)^0.5 (1+f)^(t−1) − 1]."""

    rate: Annotated[Rate, Zh("年价格上涨率")] = 0.0
    """Annual price escalation rate f [1/yr]; 0 disables the price contingency."""
    years_before_start: Annotated[Years, Zh("编制至开工年数")] = 0.0
    """m: years from the date of the estimate to the start of construction [yr]."""
    asset_class: str | None = None
    """Asset class the price contingency capitalises into; default ``building``."""


@choice_labels(
    {
        "buildings": "房屋、建筑物（20年）",
        "machinery": "机器、机械和其他生产设备（10年）",
        "tools": "器具、工具、家具（5年）",
        "vehicles": "运输工具（4年）",
        "electronics": "电子设备（3年）",
        "intangible": "无形资产（10年）",
    }
)
class TaxAssetCategory(StrEnum):
    """Kind of asset for the minimum tax lives (企业所得税法实施条例 第六十条, 第六十七条)."""

    BUILDINGS = "buildings"
    """房屋、建筑物: at least 20 years."""
    MACHINERY = "machinery"
    """飞机、火车、轮船、机器、机械和其他生产设备: at least 10 years."""
    TOOLS = "tools"
    """与生产经营活动有关的器具、工具、家具等: at least 5 years."""
    VEHICLES = "vehicles"
    """飞机、火车、轮船以外的运输工具: at least 4 years."""
    ELECTRONICS = "electronics"
    """电子设备: at least 3 years."""
    INTANGIBLE = "intangible"
    """无形资产 (e.g. land use rights): at least 10 years (第六十七条)."""

    @property
    def minimum_life(self) -> float:
        """Shortest life the tax law allows [yr]."""
        return {
            TaxAssetCategory.BUILDINGS: 20.0,
            TaxAssetCategory.MACHINERY: 10.0,
            TaxAssetCategory.TOOLS: 5.0,
            TaxAssetCategory.VEHICLES: 4.0,
            TaxAssetCategory.ELECTRONICS: 3.0,
            TaxAssetCategory.INTANGIBLE: 10.0,
        }[self]


class AssetClass(SpecModel):
    """A class of fixed or intangible assets, depreciated straight line (平均年限法)."""

    name: Name
    """Class name referenced by investment items (e.g. building, equipment, land_use_right)."""
    life_years: Annotated[float, Zh("折旧/摊销年限")] = Field(
        default=30.0, gt=0, le=100, allow_inf_nan=False
    )
    """Depreciation or amortisation life (折旧/摊销年限) [yr]."""
    residual_rate: Annotated[Share, Zh("净残值率")] = 0.05
    """Residual value rate (净残值率) as a share of original value."""
    label_zh: Annotated[str | None, Zh("中文名称")] = None
    """Chinese label for tables (e.g. 房屋建筑物)."""
    inventory: Annotated[bool, Zh("作为开发成本（存货）")] = False
    """Development cost held as inventory (开发成本): charged to cost of sales in proportion
    to the one-off revenue (sales, land transfer) instead of depreciated; for land
    development and for-sale projects."""
    tax_category: Annotated[TaxAssetCategory | None, Zh("税法资产类别（最低折旧年限）")] = None
    """Kind of asset for the minimum tax life (企业所得税法实施条例 第六十条: buildings 20
    years, machinery 10, tools and furniture 5, vehicles 4, electronics 3; 第六十七条:
    intangibles 10); None sets no minimum."""
    tax_life_years: Annotated[float | None, Zh("税法折旧/摊销年限")] = Field(
        default=None, gt=0, le=100, allow_inf_nan=False
    )
    """Life for income tax (税法折旧年限) [yr]: the taxable income deducts depreciation over
    it while the profit uses ``life_years``; default the book life, raised to the minimum
    of ``tax_category``. No deferred tax is recorded."""

    @model_validator(mode="after")
    def _tax_life_at_least_the_minimum(self) -> Self:
        low = 0.0 if self.tax_category is None else self.tax_category.minimum_life
        if self.tax_life_years is not None and self.tax_life_years < low - 1e-12:
            assert self.tax_category is not None
            raise_problems(
                [
                    Problem(
                        "tax_life_years",
                        f"shorter than the minimum of {low:g} years for "
                        f"{self.tax_category.value} (企业所得税法实施条例 第六十条/第六十七条)",
                        self.tax_life_years,
                    )
                ]
            )
        return self

    @property
    def tax_life(self) -> float:
        """Life for income tax [yr]: ``tax_life_years``, or the book life raised to the
        category's minimum."""
        if self.tax_life_years is not None:
            return self.tax_life_years
        low = 0.0 if self.tax_category is None else self.tax_category.minimum_life
        return max(self.life_years, low)


def _default_classes() -> list[AssetClass]:
    return [
        AssetClass(
            name="building",
            life_years=30,
            residual_rate=0.05,
            label_zh="房屋及构筑物",
            tax_category=TaxAssetCategory.BUILDINGS,
        ),
        AssetClass(
            name="equipment",
            life_years=10,
            residual_rate=0.05,
            label_zh="机器设备",
            tax_category=TaxAssetCategory.MACHINERY,
        ),
        AssetClass(
            name="land_use_right",
            life_years=40,
            residual_rate=0.0,
            label_zh="土地使用权",
            tax_category=TaxAssetCategory.INTANGIBLE,
        ),
    ]


class DepreciationSpec(SpecModel):
    """Depreciation and amortisation (折旧摊销) by asset class; each asset enters service
    at the end of its phase."""

    classes: Annotated[list[AssetClass], Zh("资产类别")] = Field(
        default_factory=_default_classes, min_length=1
    )
    """Asset classes; default building 30 yr / 5 %, equipment 10 yr / 5 %,
    land_use_right 40 yr / 0 %."""

    @model_validator(mode="after")
    def _unique(self) -> Self:
        from renewfin.spec.base import unique_names

        unique_names(self.classes, "asset class")
        return self

    def get(self, name: str) -> AssetClass:
        """The asset class called ``name``."""
        for c in self.classes:
            if c.name == name:
                return c
        raise KeyError(name)
