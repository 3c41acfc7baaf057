"""Operating revenue streams (营业收入): quantity × unit price × utilisation."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import Field, model_validator

from renewfin.spec.base import (
    MoneyUnit,
    Name,
    PricePer,
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
        "rent": "租金",
        "parking": "停车",
        "ev_charging": "充电",
        "property_services": "物业服务",
        "advertising": "广告",
        "sale": "销售",
        "land_transfer": "土地出让",
        "operating_subsidy": "服务费/使用者付费（公共主体）",
        "other": "其他",
    }
)
class RevenueKind(StrEnum):
    """Kind of revenue, which sets the default VAT and property-tax treatment."""

    RENT = "rent"
    """租金: rent of space by area (VAT 9 %, property tax 12 % of rent)."""
    PARKING = "parking"
    """停车: parking spaces (VAT 9 %)."""
    EV_CHARGING = "ev_charging"
    """充电: EV charging (electricity sale, VAT 13 %)."""
    PROPERTY_SERVICES = "property_services"
    """物业服务: property services (VAT 6 %)."""
    ADVERTISING = "advertising"
    """广告: advertising (VAT 6 %)."""
    SALE = "sale"
    """销售: sale of units or area (VAT 9 %), one-off."""
    LAND_TRANSFER = "land_transfer"
    """土地出让: land-transfer income (no VAT), one-off."""
    OPERATING_SUBSIDY = "operating_subsidy"
    """Contractual service fee or usage payment from a public body (VAT 6 %)."""
    OTHER = "other"
    """其他: other operating income (VAT 6 %)."""

    @property
    def one_off(self) -> bool:
        """Whether the stream is sold once on a schedule rather than earned each year."""
        return self in (RevenueKind.SALE, RevenueKind.LAND_TRANSFER)


@choice_labels(
    {
        "general": "一般计税",
        "simplified": "简易计税",
        "exempt": "免征增值税",
    }
)
class VatMethod(StrEnum):
    """How a stream's VAT is computed (增值税法 第十一条、第二十二条; 财税〔2016〕36号 附件2)."""

    GENERAL = "general"
    """一般计税: output VAT at the general rate, input VAT credited."""
    SIMPLIFIED = "simplified"
    """简易计税: VAT at the levy rate (征收率) on sales, 5 % for real property (old
    property let or sold, 财税〔2016〕36号 附件2) or 3 % (增值税法 第十一条), and no input
    credit for what the stream uses (增值税法 第二十二条(一))."""
    EXEMPT = "exempt"
    """免征增值税: no output VAT and no input credit for what the stream uses (增值税法
    第二十二条(二)); e.g. community elderly-care, childcare and housekeeping services
    (财政部 税务总局 发展改革委 民政部 商务部 卫生健康委公告2019年第76号 第一条), or
    resettlement-housing sales where the province exempts them. ``vat_rate`` must be unset
    or 0."""

    @property
    def credits_input(self) -> bool:
        """Whether the inputs the stream uses earn an input VAT credit."""
        return self is VatMethod.GENERAL


GENERAL_VAT_RATES = (0.06, 0.09, 0.13)
"""The general-method VAT rates (增值税法 第十条), refused on a simplified stream."""


@choice_labels(
    {
        "operation": "自运营首年",
        "start": "自项目开始",
    }
)
class GrowthFrom(StrEnum):
    """Origin of a price-growth index."""

    OPERATION = "operation"
    """The price is that of the stream's first operating year and grows from there."""
    START = "start"
    """The price is that at the project start date and grows with calendar years."""


class SetAsideBase(StrEnum):
    """The base a statutory land-revenue set-aside (计提) is levied on (DOMAIN.md §5a)."""

    GROSS = "gross"
    """土地出让收入: the gross land-transfer income."""
    NET = "net"
    """土地出让收益 / 净收益: the income less the cost of acquiring and preparing the land
    (``RevenueStream.land_cost_rate``)."""


@choice_labels(
    {
        "company": "项目公司入账（扣除计提）",
        "government": "政府入账，向项目公司成本返还并付管理费",
    }
)
class LandBooking(StrEnum):
    """Who books a land-transfer stream's income (DOMAIN.md §5a)."""

    COMPANY = "company"
    """The project company books the land income as its own revenue, less the set-asides
    (a company that itself transfers land use rights)."""
    GOVERNMENT = "government"
    """The government books it as government-fund revenue (土地储备: the income goes to the
    treasury); the company receives 成本返还, the land's cost (``land_cost_rate`` of the
    gross income) as the plots are sold, plus a management fee
    (``management_fee_rate`` of that cost)."""


class LandSetAsides(SpecModel):
    """The statutory set-asides from land-transfer income (计提), each a rate on its base
    (DOMAIN.md §5a; rates are param)."""

    farmland: Annotated[Share, Zh("农田水利建设资金（占土地出让收益）")] = 0.10
    """Farmland water-conservancy fund (农田水利建设资金): share of the land-transfer income
    net of the land's cost (土地出让收益), 10 %."""
    education: Annotated[Share, Zh("教育资金（占土地出让收益）")] = 0.10
    """Education fund (教育资金): share of the land-transfer income net of the land's cost
    (土地出让收益), 10 %."""
    housing: Annotated[Share, Zh("保障性安居工程资金（占土地出让净收益）")] = 0.10
    """Affordable-housing fund (保障性安居工程资金): share of the land-transfer income net of
    the land's cost (土地出让净收益), at least 10 %."""
    land_fund: Annotated[Share, Zh("国有土地收益基金（占土地出让收入）")] = 0.0
    """State land-income fund (国有土地收益基金): share of the gross income (by provincial
    rule)."""
    agriculture: Annotated[Share, Zh("农业土地开发资金（占土地出让收入）")] = 0.0
    """Agricultural land-development fund (农业土地开发资金): share of the gross income (by
    provincial rule; set per m² of land in most provinces, entered here as its share of the
    price)."""

    ITEMS: ClassVar[tuple[tuple[str, str, SetAsideBase], ...]] = (
        ("farmland", "农田水利建设资金", SetAsideBase.NET),
        ("education", "教育资金", SetAsideBase.NET),
        ("housing", "保障性安居工程资金", SetAsideBase.NET),
        ("land_fund", "国有土地收益基金", SetAsideBase.GROSS),
        ("agriculture", "农业土地开发资金", SetAsideBase.GROSS),
    )
    """Each set-aside: field, Chinese name, statutory base."""


class ResettlementHousing(SpecModel):
    """Resettlement housing (安置房) allocated to relocated households (DOMAIN.md §5a): the
    stream's ``quantity`` is the households (户) allocated a flat on its ``schedule`` and
    its ``unit_price`` the price difference (差价) per m² each pays on the area above its
    entitlement."""

    area_per_household: Annotated[float, Zh("户均安置面积")] = Field(
        gt=0, le=1000, allow_inf_nan=False
    )
    """Area of the flat allocated to each household [m²]."""
    entitled_area: Annotated[float, Zh("户均产权调换面积")] = Field(
        ge=0, le=1000, allow_inf_nan=False
    )
    """Area each household's compensation entitles it to without payment (产权调换, e.g. the
    demolished area 1:1) [m²]; at most ``area_per_household``."""
    cost_item: Annotated[str, Zh("安置房建设投资项")]
    """The investment item that builds the flats (安置房建设); its cost is allocated to the
    households in proportion to the flats allocated."""

    @model_validator(mode="after")
    def _entitled_within_area(self) -> Self:
        if self.entitled_area > self.area_per_household + 1e-12:
            raise_problems(
                [
                    Problem(
                        "entitled_area",
                        "a household's entitlement above the "
                        f"flat it is allocated ({self.area_per_household:g} m²)",
                        self.entitled_area,
                    )
                ]
            )
        return self

    @property
    def extra_area(self) -> float:
        """Area above the entitlement each household pays the difference on [m²]."""
        return self.area_per_household - self.entitled_area


class RevenueStream(SpecModel):
    """One revenue stream: quantity × unit price × utilisation × ramp-up × growth.

    Recurring streams earn ``unit_price`` per ``price_per`` on each utilised unit while
    active; one-off streams (sale, land transfer) sell ``quantity`` on ``schedule``.
    Revenue is recorded excluding VAT (不含税营业收入); output VAT is added on top.
    """

    name: Name
    """Stream name (e.g. 停车位收入)."""
    kind: RevenueKind
    """Kind of revenue (sets VAT and property-tax defaults)."""
    quantity: Annotated[float, Zh("数量")] = Field(ge=0, allow_inf_nan=False)
    """Number of units: m² of lettable area, parking spaces, kWh per year, households,
    m² or mu (亩) for sale or transfer [quantity_unit]."""
    quantity_unit: Annotated[str, Zh("数量单位")] = "unit"
    """Unit of ``quantity`` (m², 个, kWh, 户, 亩 …), for labels only."""
    unit_price: Annotated[
        float, Field(ge=0, allow_inf_nan=False), StandardFactor.REVENUE, Zh("单价（不含税）")
    ]
    """Price per unit excluding VAT, in ``price_currency`` per ``price_per``
    (e.g. 45 元/m²/月)."""
    price_currency: Annotated[MoneyUnit, Zh("单价货币单位")] = MoneyUnit.YUAN
    """Currency unit of ``unit_price`` (元 by default; converted to the spec's money unit)."""
    price_per: Annotated[PricePer, Zh("单价时间基准")] = PricePer.MONTH
    """Time basis of the price: year, month, day (365 per year) or once (one-off streams)."""
    price_basis: Annotated[str | None, Zh("定价依据")] = Field(
        default=None, min_length=1, max_length=1000
    )
    """Where the price comes from (定价依据: a tariff notice, a market survey of comparable
    properties, a signed lease …), shown beside the price in the report; free text."""
    utilisation: Annotated[Share, Zh("稳定期出租率/使用率")] = 1.0
    """Stabilised occupancy or utilisation (出租率/使用率) of the quantity."""
    ramp_up: Annotated[list[Share], Zh("培育期系数（逐年）")] = Field(default_factory=list)
    """Utilisation factors for operating years 1, 2, … of the stream (培育期), multiplying
    ``utilisation``; 1.0 after the list ends."""
    growth_rate: Annotated[Rate, Zh("价格年增长率")] = 0.0
    """Price growth per year (价格增长率) [1/yr]."""
    growth_every_years: Annotated[int, Zh("调价周期（年）")] = Field(default=1, ge=1, le=30)
    """Prices step up every N years by (1 + growth_rate)^N (e.g. 3 for a rent review every
    three years)."""
    growth_from: Annotated[GrowthFrom, Zh("价格增长起点")] = GrowthFrom.OPERATION
    """Origin of the growth index: the stream's first operating year, or the project start."""
    phase: str | None = None
    """Phase whose completion starts the stream; default the phase that completes last."""
    start_after_years: Annotated[Years, Zh("竣工后延后年数")] = 0.0
    """Delay after completion of ``phase`` before the stream starts [yr]."""
    end_year: Annotated[float | None, Zh("结束年份（自项目开始）")] = Field(
        default=None, gt=0, le=100
    )
    """Year after the project start at which the stream ends (e.g. the end of an operating
    concession) [yr]; default the horizon."""
    schedule: Annotated[list[Share] | None, Zh("分年销售比例")] = None
    """One-off streams only: shares of ``quantity`` sold in each year from the start
    (sum 100 %)."""
    vat_method: Annotated[VatMethod, Zh("增值税计税方法")] = VatMethod.GENERAL
    """VAT method (计税方法): ``general`` (一般计税, input VAT credited) or ``simplified``
    (简易计税, levy rate 5 % or 3 %, no input credit for the inputs attributable to it:
    增值税法 第二十二条(一); the input VAT of operating costs that serve all streams is
    apportioned by revenue, 财税〔2016〕36号 附件1 第二十九条, and construction input VAT is
    not credited when every stream is simplified)."""
    vat_rate: Annotated[Share | None, Zh("销项税率")] = None
    """Output VAT rate (销项税率) or, for the simplified method, the levy rate (征收率);
    default by kind from the tax preset (``vat_rates`` or ``simplified_vat_rates``)."""
    land_appreciation_tax: Annotated[bool | None, Zh("计征土地增值税")] = None
    """Whether the proceeds bear 土地增值税 (``tax.land_appreciation``); default yes for a
    ``sale`` (transfer of property), no for ``land_transfer`` (出让 by the state is not a
    transfer by a taxpayer, 土地增值税暂行条例 第二条; set yes when the company itself
    transfers land use rights). One-off streams only."""
    set_aside_rate: Annotated[Share, Zh("计提比例")] = 0.0
    """Land transfer: one share of the gross income set aside by statute before it reaches
    the project, when the set-asides are not listed one by one (``set_asides``)."""
    set_asides: Annotated[LandSetAsides | None, Zh("土地出让收入计提（逐项）")] = None
    """Land transfer: each statutory set-aside (计提) on its base, a line of its own."""
    land_cost_rate: Annotated[Share, Zh("征地拆迁及土地开发成本占出让收入比例")] = 0.0
    """Land transfer: the cost of acquiring and preparing the land (征地拆迁补偿、土地开发
    支出) as a share of the gross income; the income less it is the land-transfer income net
    of cost (土地出让收益), the base of the ``net`` set-asides."""
    booked_by: Annotated[LandBooking, Zh("土地出让收入入账主体")] = LandBooking.COMPANY
    """Land transfer: who books the income, the ``company`` (its revenue is the income less
    the set-asides) or the ``government`` (its revenue is 成本返还 plus a management fee;
    the gross income and the set-asides are the government's, shown for reference)."""
    management_fee_rate: Annotated[Share, Zh("土地储备管理费率（占成本返还）")] = 0.0
    """Land transfer booked by the government: the management fee (管理费) the government
    pays the company, as a share of the reimbursed cost, as the land-reserve agreement
    states it."""
    resettlement: Annotated[ResettlementHousing | None, Zh("安置房分配（差价收入）")] = None
    """Sale only: the stream is resettlement housing allocated to relocated households, its
    revenue the price difference (差价) on the area above each one's entitlement."""
    community_services: Annotated[
        bool, Zh("社区养老、托育、家政服务收入（免增值税，减按90%计入收入总额）")
    ] = False
    """Income from community elderly-care, childcare and housekeeping services (社区养老、
    托育、家政服务, 财政部 税务总局 发展改革委 民政部 商务部 卫生健康委公告2019年第76号
    第一条): exempt from VAT (第一条(一); the stream must be ``vat_method: exempt``) and
    counted at ``tax.community_services_income_share`` (90 %, 第一条(二): 减按90%计入收入总额)
    in taxable income for income tax. The notice runs to 2025-12-31 (第六条) unless extended:
    set it only for the years a notice in force covers."""
    housing_to_individuals: Annotated[bool, Zh("向个人出租住房")] = False
    """Rent only: housing let to individuals (向个人出租住房), taxed 从租 at the reduced rate
    ``tax.property_tax_rental_housing_rate`` (4 %, 财政部 税务总局公告2021年第24号)."""
    property_tax_rate: Annotated[Share | None, Zh("房产税率")] = None
    """Property tax (房产税) on this rent as a share of revenue excluding VAT; default 12 %
    for rent (4 % for housing let to individuals), 0 otherwise."""

    @model_validator(mode="after")
    def _one_off_consistent(self) -> Self:
        kind = self.kind.value
        problems: list[Problem | None] = []
        if self.kind.one_off:
            if self.price_per is not PricePer.ONCE:
                problems.append(
                    Problem(
                        "price_per",
                        f"a {kind} stream is one-off; expected `once`",
                        self.price_per.value,
                    )
                )
            if self.schedule is None:
                problems.append(
                    Problem(
                        "schedule", f"a {kind} stream needs a sales `schedule`", has_value=False
                    )
                )
            if self.ramp_up:
                problems.append(
                    Problem(
                        "ramp_up", "applies to recurring streams only; expected none", self.ramp_up
                    )
                )
        else:
            if self.price_per is PricePer.ONCE:
                problems.append(
                    Problem(
                        "price_per",
                        f"a recurring {kind} stream needs year, month or day",
                        self.price_per.value,
                    )
                )
            if self.schedule is not None:
                problems.append(
                    Problem(
                        "schedule",
                        "applies to one-off streams (sale, land_transfer); expected none",
                        self.schedule,
                    )
                )
        if self.housing_to_individuals and self.kind is not RevenueKind.RENT:
            problems.append(
                Problem(
                    "housing_to_individuals",
                    "applies to rent streams only; expected no",
                    self.housing_to_individuals,
                )
            )
        if self.land_appreciation_tax and not self.kind.one_off:
            problems.append(
                Problem(
                    "land_appreciation_tax",
                    "土地增值税 applies to transfers (sale, land_transfer); expected no or unset",
                    self.land_appreciation_tax,
                )
            )
        if (
            self.vat_method is VatMethod.SIMPLIFIED
            and self.vat_rate is not None
            and any(abs(self.vat_rate - g) < 1e-12 for g in GENERAL_VAT_RATES)
        ):
            problems.append(
                Problem(
                    "vat_rate",
                    "a general-method rate (6 %, 9 %, 13 %, which goes with input credit) on a "
                    "simplified (简易计税) stream; expected the levy rate 0.05 or 0.03, or "
                    "vat_method general",
                    self.vat_rate,
                )
            )
        if self.vat_method is VatMethod.EXEMPT and self.vat_rate:
            problems.append(
                Problem(
                    "vat_rate",
                    "an exempt (免征) stream levies no VAT; expected no vat_rate or 0",
                    self.vat_rate,
                )
            )
        if self.community_services and self.vat_method is not VatMethod.EXEMPT:
            problems.append(
                Problem(
                    "vat_method",
                    "community-services income is exempt from VAT (2019年第76号 第一条(一)); "
                    "expected vat_method exempt with community_services",
                    self.vat_method.value,
                )
            )
        problems += self._land_problems()
        problems.append(shares_problem(self.schedule, "schedule shares"))
        raise_problems(problems)
        return self

    def _land_problems(self) -> list[Problem | None]:
        """Set-asides apply to land transfers only, listed one way."""
        land = self.kind is RevenueKind.LAND_TRANSFER
        out: list[Problem | None] = []
        for field in ("set_aside_rate", "set_asides", "land_cost_rate"):
            if getattr(self, field) and not land:
                out.append(
                    Problem(
                        field,
                        "applies to land_transfer streams only; expected none",
                        getattr(self, field),
                    )
                )
        if self.resettlement is not None and self.kind is not RevenueKind.SALE:
            out.append(
                Problem(
                    "resettlement",
                    "resettlement housing is allocated by a sale stream; expected kind sale",
                    self.kind.value,
                )
            )
        if self.resettlement is not None and not self.quantity:
            out.append(
                Problem(
                    "quantity",
                    "resettlement housing needs the households allocated; expected > 0",
                    self.quantity,
                )
            )
        if self.booked_by is LandBooking.GOVERNMENT and not land:
            out.append(
                Problem(
                    "booked_by",
                    "applies to land_transfer streams only; expected company",
                    self.booked_by.value,
                )
            )
        if self.booked_by is LandBooking.GOVERNMENT and land and not self.land_cost_rate:
            out.append(
                Problem(
                    "land_cost_rate",
                    "land booked by the government repays the "
                    "company its cost (成本返还); expected the land's cost as a "
                    "share of the gross income, > 0",
                    self.land_cost_rate,
                )
            )
        if self.booked_by is LandBooking.GOVERNMENT and self.land_appreciation_tax:
            out.append(
                Problem(
                    "land_appreciation_tax",
                    "land the government books is not "
                    "transferred by the company; expected no or unset",
                    self.land_appreciation_tax,
                )
            )
        if self.management_fee_rate and self.booked_by is not LandBooking.GOVERNMENT:
            out.append(
                Problem(
                    "management_fee_rate",
                    "a management fee is paid on land booked "
                    "by the government; expected 0 or booked_by government",
                    self.management_fee_rate,
                )
            )
        if self.set_asides is not None and self.set_aside_rate:
            out.append(
                Problem(
                    "set_aside_rate",
                    "give the set-asides either as one rate or as `set_asides`, not both",
                    self.set_aside_rate,
                )
            )
        return out

    def set_aside_items(self) -> list[tuple[str, str, SetAsideBase]]:
        """The set-asides as (input path under the stream, name, base): the single
        ``set_aside_rate`` on the gross income (named 计提) or each of ``set_asides``."""
        if self.set_aside_rate:
            return [("set_aside_rate", "计提", SetAsideBase.GROSS)]
        if self.set_asides is None:
            return []
        return [(f"set_asides.{f}", zh, base) for f, zh, base in LandSetAsides.ITEMS]

    def set_aside_rate_of(self, path: str) -> float:
        """The rate at ``path`` of ``set_aside_items``."""
        if path == "set_aside_rate":
            return self.set_aside_rate
        assert self.set_asides is not None
        return float(getattr(self.set_asides, path.removeprefix("set_asides.")))
