"""Project identity, calendar and construction phases."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, StringConstraints, field_validator, model_validator

from renewfin.spec.base import MoneyUnit, Name, Periodicity, SpecModel, Years
from renewfin.spec.errors import CrossCheckError, Problem
from renewfin.spec.labels import Zh, choice_labels


@choice_labels(
    {
        "old_community": "老旧小区改造",
        "old_district": "老旧街区改造",
        "old_factory": "老旧厂区改造",
        "urban_village": "城中村改造",
        "heritage": "历史文化街区",
        "public_facility": "公共设施",
        "parking": "停车设施",
        "other": "其他",
    }
)
class ProjectKind(StrEnum):
    """Kind of urban-renewal project (城市更新项目类型)."""

    OLD_COMMUNITY = "old_community"
    """老旧小区改造: old residential communities."""
    OLD_DISTRICT = "old_district"
    """老旧街区: old streets and districts."""
    OLD_FACTORY = "old_factory"
    """老旧厂区: old factories converted to new uses."""
    URBAN_VILLAGE = "urban_village"
    """城中村改造: urban villages."""
    HERITAGE = "heritage"
    """历史文化街区: heritage districts."""
    PUBLIC_FACILITY = "public_facility"
    """完整社区与公共设施: community and public facilities."""
    PARKING = "parking"
    """停车设施与充电: parking and EV charging."""
    OTHER = "other"
    """Any other renewal project."""


@choice_labels(
    {
        "city": "市区（7%）",
        "county": "县城、镇（5%）",
        "other": "其他地区（1%）",
    }
)
class CityTier(StrEnum):
    """Where the project company sits, which sets the urban maintenance tax rate (城建税)."""

    CITY = "city"
    """市区: 7 %."""
    COUNTY = "county"
    """县城、镇: 5 %."""
    OTHER = "other"
    """Elsewhere: 1 %."""


@choice_labels(
    {
        "urban_infrastructure": "城市基础设施（资本金20%）",
        "housing": "保障性及普通住房（资本金20%）",
        "real_estate": "其他房地产（资本金25%）",
        "other": "其他（资本金20%）",
    }
)
class Sector(StrEnum):
    """Sector for the minimum project-capital ratio (国发〔2019〕26号)."""

    URBAN_INFRASTRUCTURE = "urban_infrastructure"
    """城市基础设施: 20 % minimum."""
    HOUSING = "housing"
    """保障性住房和普通商品住房: 20 % minimum."""
    REAL_ESTATE = "real_estate"
    """其他房地产: 25 % minimum."""
    OTHER = "other"
    """Other sectors: 20 % minimum unless the spec says otherwise."""


@choice_labels(
    {
        "financing_platform": "融资平台公司（城投）",
        "state_owned": "国有企业（市场化经营）",
        "private": "民营企业或其他社会资本",
        "public_institution": "机关或事业单位",
    }
)
class EntityType(StrEnum):
    """What kind of body the implementing entity (项目实施主体) is."""

    FINANCING_PLATFORM = "financing_platform"
    """融资平台公司 (城投): a local-government financing platform; land revenue it books
    that both repays a market loan and pays it an equity return is warned against
    (财预〔2017〕50号, the policy test ``platform_land_loan``)."""
    STATE_OWNED = "state_owned"
    """国有企业 operating on market terms, not a financing platform."""
    PRIVATE = "private"
    """民营企业 or other social capital."""
    PUBLIC_INSTITUTION = "public_institution"
    """机关或事业单位."""


class PerformanceTarget(SpecModel):
    """One performance target (绩效目标) as the project's 绩效目标申报表 states it: an
    indicator and its target value, free text shown in the report (never computed)."""

    indicator: Annotated[str, Zh("绩效指标")] = Field(min_length=1, max_length=200)
    """Indicator (绩效指标), e.g. 新增停车泊位数量."""
    target: Annotated[str, Zh("指标值")] = Field(min_length=1, max_length=200)
    """Target value (指标值), e.g. ≥ 420 个; free text."""
    category: Annotated[str | None, Zh("指标类别")] = Field(
        default=None, min_length=1, max_length=50
    )
    """Indicator class (指标类别), e.g. 产出指标, 效益指标, 满意度指标; free text."""


class ProjectInfo(SpecModel):
    """Who and what the project is, and how its money is counted."""

    name: Name
    """Project name (项目名称), as it appears on reports and the workbook cover."""
    name_en: Annotated[str | None, Zh("英文名称")] = None
    """English project name, for bilingual outputs; defaults to ``name``."""
    kind: ProjectKind = ProjectKind.OTHER
    """Kind of renewal project (项目类型)."""
    location: Annotated[str | None, Zh("项目地点")] = None
    """City and district (项目地点), free text."""
    description: Annotated[str | None, Zh("建设内容")] = None
    """One-paragraph description of the scope (建设内容), free text."""
    sector: Annotated[Sector, Zh("行业类别")] = Sector.URBAN_INFRASTRUCTURE
    """Sector, which sets the minimum project-capital ratio (资本金比例)."""
    city_tier: Annotated[CityTier, Zh("城建税地区")] = CityTier.CITY
    """Location class for the urban maintenance and construction tax (城建税)."""
    money_unit: Annotated[MoneyUnit, Zh("金额单位")] = MoneyUnit.WAN_YUAN
    """Unit of every money amount in the spec and the outputs (元, 万元 or 亿元)."""
    prepared_by: Annotated[str | None, Zh("编制单位")] = Field(
        default=None, min_length=1, max_length=200
    )
    """Preparing organisation (编制单位), shown on the report cover; free text."""
    report_number: Annotated[str | None, Zh("报告编号")] = Field(
        default=None, min_length=1, max_length=100
    )
    """Report number (报告编号), shown on the report cover; free text."""
    report_date: Annotated[dt.date | None, Zh("编制日期")] = None
    """Date of the report (编制日期), ISO date; the cover shows the day it is written when
    absent."""
    implementing_entity: Annotated[str | None, Zh("项目实施主体")] = Field(
        default=None, min_length=1, max_length=200
    )
    """Implementing entity (项目实施主体 / 项目单位), shown in the report's overview; free
    text."""
    implementing_entity_type: Annotated[EntityType | None, Zh("实施主体类型")] = None
    """Kind of the implementing entity; ``financing_platform`` (城投) turns on the policy
    test ``platform_land_loan`` (DOMAIN.md §5a). Default: not stated (no check)."""
    regional_context: Annotated[str | None, Zh("地区经济、财政与债务情况")] = Field(
        default=None, min_length=1, max_length=4000
    )
    """The region's economy, public finances and government debt (地区经济、财政与债务情况:
    general budget revenue, government-fund revenue, debt limit and balance …) as the
    evaluation states them, shown in the report's overview; free text, never computed."""
    social_benefits: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=1000)]], Zh("社会效益")
    ] = Field(default_factory=list, max_length=50)
    """Social benefits (社会效益), one statement each, shown in the report; free text. The
    report omits the section when the list is empty."""
    performance_targets: Annotated[list[PerformanceTarget], Zh("绩效目标")] = Field(
        default_factory=list, max_length=100
    )
    """Performance targets (绩效目标) of the project; the report omits them when empty."""


class Phase(SpecModel):
    """A construction phase (建设期分期): spending happens in it, assets enter service at its
    end."""

    name: Name
    """Phase name (e.g. 一期), referenced by investment items and revenue streams."""
    start_year: Annotated[Years, Zh("开工年份（自项目开始）")] = 0.0
    """Start of construction, in years after the project start date [yr]."""
    duration_years: Annotated[float, Zh("建设期（年）")] = Field(gt=0, le=30, allow_inf_nan=False)
    """Construction duration (建设期) [yr]; assets enter service at its end."""


class TimelineSpec(SpecModel):
    """The model calendar: start date, period length and horizon."""

    start_date: Annotated[dt.date, Zh("计算期起点")]
    """First day of the first model period (计算期起点), ISO date, e.g. 2026-01-01."""
    periodicity: Annotated[Periodicity, Zh("计算周期")] = Periodicity.ANNUAL
    """Length of a model period: annual, semiannual, quarterly or monthly."""
    horizon_years: Annotated[int, Zh("计算期（年）")] = Field(ge=1, le=80)
    """Length of the calculation period (计算期, construction plus operation) [yr]."""
    phases: Annotated[list[Phase], Zh("建设分期")] = Field(min_length=1)
    """Construction phases (建设期分期); at least one."""

    @field_validator("phases")
    @classmethod
    def _unique_phase_names(cls, phases: list[Phase]) -> list[Phase]:
        from renewfin.spec.base import unique_names

        return unique_names(phases, "phase")

    @model_validator(mode="after")
    def _phases_on_grid_and_inside(self) -> Self:
        ppy = self.periodicity.periods_per_year
        problems = []
        for i, ph in enumerate(self.phases):
            at = f"phases[{i} {ph.name}]"
            for field in ("start_year", "duration_years"):
                value = getattr(ph, field)
                if abs(value * ppy - round(value * ppy)) > 1e-9:
                    problems.append(
                        Problem(
                            f"{at}.{field}",
                            f"is not a whole number of {self.periodicity.value} periods; "
                            f"expected a multiple of 1/{ppy} yr",
                            value,
                        )
                    )
            if ph.start_year + ph.duration_years > self.horizon_years:
                problems.append(
                    Problem(
                        f"{at}.duration_years",
                        f"the phase ends at year {ph.start_year + ph.duration_years:g}, after "
                        f"the horizon; expected start_year + duration_years <= "
                        f"{self.horizon_years}",
                        ph.duration_years,
                    )
                )
        if problems:
            raise CrossCheckError(problems)
        return self

    @property
    def periods_per_year(self) -> int:
        """Number of periods per year [1/yr]."""
        return self.periodicity.periods_per_year

    @property
    def n_periods(self) -> int:
        """Number of model periods T."""
        return self.horizon_years * self.periods_per_year

    def phase(self, name: str | None) -> Phase:
        """The phase called ``name``; ``None`` means the phase that completes last."""
        if name is None:
            return max(self.phases, key=lambda p: p.start_year + p.duration_years)
        for ph in self.phases:
            if ph.name == name:
                return ph
        raise KeyError(name)
