"""Operating costs (经营成本), including whole-life building-safety items."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator

from renewfin.spec.base import (
    Money,
    MoneyUnit,
    Name,
    PricePer,
    Rate,
    Share,
    SpecModel,
    StandardFactor,
    raise_problems,
)
from renewfin.spec.errors import Problem
from renewfin.spec.labels import FromYear, Zh, choice_labels


@choice_labels(
    {
        "fixed": "固定金额",
        "per_unit": "按业务量",
        "revenue_share": "按收入比例",
        "asset_share": "按资产原值比例",
        "leasable_area": "按可出租面积（CPI指数化）",
    }
)
class OpexBasis(StrEnum):
    """How an operating cost is sized."""

    FIXED = "fixed"
    """A fixed ``amount`` per year (or per occurrence when cyclical)."""
    PER_UNIT = "per_unit"
    """``unit_cost`` × quantity (fixed ``quantity`` or the utilised units of ``driver``)."""
    REVENUE_SHARE = "revenue_share"
    """``share`` of the revenue (excl. VAT) of ``revenues`` (default all streams)."""
    ASSET_SHARE = "asset_share"
    """``share`` of the original value of ``asset_class`` (e.g. insurance, maintenance)."""
    LEASABLE_AREA = "leasable_area"
    """``area_cost`` per m² of leasable area × the area (``quantity``, or the lettable area
    of the rent streams named in ``revenues``) × the CPI index of ``cpi``, in operation."""


CpiRate = Annotated[float, Field(gt=-1, le=1, allow_inf_nan=False)]
"""A year's CPI inflation [1/yr], above −100 %."""


@choice_labels(
    {
        "operations": "运营费用",
        "maintenance": "日常维修",
        "major_maintenance": "大中修",
        "safety_inspection": "房屋安全体检",
        "safety_fund": "房屋安全管理资金",
        "insurance": "保险",
        "marketing": "营销推广",
        "other": "其他",
    }
)
class OpexCategory(StrEnum):
    """What the cost is for; safety items are reported apart (全生命周期安全管理)."""

    OPERATIONS = "operations"
    """日常运营: staff, utilities, management."""
    MAINTENANCE = "maintenance"
    """日常维修养护: routine maintenance."""
    MAJOR_MAINTENANCE = "major_maintenance"
    """大中修: major-maintenance cycles."""
    SAFETY_INSPECTION = "safety_inspection"
    """房屋安全体检: periodic building safety inspection."""
    SAFETY_FUND = "safety_fund"
    """房屋安全管理资金 / 养老金: contributions to a building-safety fund."""
    INSURANCE = "insurance"
    """房屋质量安全保险: quality and safety insurance premiums."""
    MARKETING = "marketing"
    """招商与营销: leasing and marketing."""
    OTHER = "other"
    """其他."""


@choice_labels(
    {
        "operation": "运营期",
        "construction": "建设期",
    }
)
class OpexTiming(StrEnum):
    """When a cost runs."""

    OPERATION = "operation"
    """Every period of operation (after completion of the phase)."""
    CONSTRUCTION = "construction"
    """Every period of the phase's construction."""


class OpexItem(SpecModel):
    """One operating-cost line, excluding VAT, growing at ``growth_rate``."""

    name: Name
    """Cost name (e.g. 物业管理人员工资)."""
    category: OpexCategory = OpexCategory.OPERATIONS
    """What the cost is for."""
    basis: Annotated[OpexBasis, Zh("计取方式")] = OpexBasis.FIXED
    """How the cost is sized."""
    amount: Annotated[Money | None, StandardFactor.OPEX, Zh("金额（每年或每次）")] = None
    """``fixed``: amount per year in the money unit, or per occurrence when ``every_years``
    is set."""
    unit_cost: Annotated[
        float | None, Field(ge=0, allow_inf_nan=False), StandardFactor.OPEX, Zh("单位成本")
    ] = None
    """``per_unit``: cost per unit in ``cost_currency`` per ``cost_per``."""
    area_cost: Annotated[
        float | None,
        Field(ge=0, allow_inf_nan=False),
        StandardFactor.OPEX,
        Zh("单位可出租面积成本（基期价格）"),
    ] = None
    """``leasable_area``: cost per m² of leasable area in ``cost_currency`` per
    ``cost_per``, at the prices of the first operating year (e.g. 物业管理费 3 元/m²/月)."""
    cpi: Annotated[list[CpiRate] | None, Zh("居民消费价格指数（CPI）年涨幅"), FromYear(1)] = Field(
        default=None, min_length=1, max_length=100
    )
    """``leasable_area``: CPI inflation by year (居民消费价格指数 涨幅) [1/yr]. The first
    operating year is the base (index 1); operating year k + 1 is indexed by
    (1 + cpi₁) × … × (1 + cpi_k), cpi₁ the change from the first operating year to the
    second; the last rate holds beyond the list. A single number is a constant rate."""
    cost_currency: Annotated[MoneyUnit, Zh("单位成本货币单位")] = MoneyUnit.YUAN
    """Currency unit of ``unit_cost`` or ``area_cost``."""
    cost_per: Annotated[PricePer, Zh("单位成本时间基准")] = PricePer.YEAR
    """Time basis of ``unit_cost`` or ``area_cost`` (year, month, day)."""
    cost_basis: Annotated[str | None, Zh("取费依据")] = Field(
        default=None, min_length=1, max_length=1000
    )
    """Where the cost assumption comes from (取费依据: a quota, a contract, comparable
    projects …), shown beside it in the report; free text."""
    quantity: Annotated[float | None, Zh("数量（固定）")] = Field(
        default=None, ge=0, allow_inf_nan=False
    )
    """``per_unit``: fixed number of units (m², households …); alternative to ``driver``.
    ``leasable_area``: the leasable area in m²; alternative to ``revenues``."""
    driver: Annotated[str | None, Zh("驱动收入项")] = None
    """``per_unit``: name of a revenue stream whose utilised units drive the cost."""
    share: Annotated[Share | None, StandardFactor.OPEX, Zh("计取比例")] = None
    """``revenue_share`` or ``asset_share``: the share (e.g. 0.05 of revenue, 0.002 of
    asset value)."""
    revenues: Annotated[list[str] | None, Zh("计取基数收入项")] = None
    """``revenue_share``: names of the streams in the base; default all streams.
    ``leasable_area``: the rent streams whose ``quantity`` (m² of lettable area, let or
    not) is the leasable area; alternative to ``quantity``."""
    asset_class: str = "building"
    """``asset_share``: the asset class whose original value is the base."""
    every_years: Annotated[int | None, Zh("周期（每N年一次）")] = Field(default=None, ge=1, le=50)
    """Cyclical cost: incurred once in every N-th operating year (N, 2N …), in that
    year's first period (e.g. 大中修 every 8 years, 房屋安全体检 every 5 years)."""
    growth_rate: Annotated[Rate, Zh("成本年增长率")] = 0.0
    """Cost growth per year [1/yr], from the start of operation (or construction)."""
    timing: Annotated[OpexTiming, Zh("发生阶段")] = OpexTiming.OPERATION
    """Whether the cost runs in operation (default) or during construction."""
    phase: str | None = None
    """Phase whose completion (or construction) times the cost; default the last to complete."""
    input_vat_rate: Share = 0.0
    """VAT rate charged on top of the cost and deductible as input VAT (进项税额)."""
    purchased: Annotated[bool, Zh("外购原材料、燃料及动力（存货、应付账款基数）")] = False
    """Whether the cost is bought-in materials, fuel and power (外购原材料、燃料及动力费:
    utilities, spares, consumables), the base of the inventory (存货) and the payables
    (应付账款, 第三版); wages, services and fees are not."""
    wages_or_other: Annotated[bool | None, Zh("工资及福利费或其他费用（现金基数）")] = None
    """Whether the cost is wages and welfare (工资及福利费) or other costs (其他费用), the
    base of the cash (现金 = (年工资及福利费 + 年其他费用) ÷ 周转次数, 第三版 分项详细估算法);
    default: yes unless ``purchased`` or a maintenance category (``maintenance``,
    ``major_maintenance``: 修理费, which 第三版 leaves out of 其他费用). Cannot be true
    on a ``purchased`` cost."""

    @model_validator(mode="after")
    def _basis_fields(self) -> Self:
        need = {
            OpexBasis.FIXED: ("amount",),
            OpexBasis.PER_UNIT: ("unit_cost",),
            OpexBasis.REVENUE_SHARE: ("share",),
            OpexBasis.ASSET_SHARE: ("share",),
            OpexBasis.LEASABLE_AREA: ("area_cost", "cpi"),
        }[self.basis]
        basis = self.basis.value
        problems: list[Problem | None] = [
            Problem(f, f"basis {basis} needs `{f}`", has_value=False)
            for f in need
            if getattr(self, f) is None
        ]
        if self.basis is OpexBasis.PER_UNIT:
            if self.quantity is None and self.driver is None:
                problems.append(
                    Problem(
                        "quantity",
                        "basis per_unit needs exactly one of `quantity` or `driver`",
                        has_value=False,
                    )
                )
            elif self.quantity is not None and self.driver is not None:
                problems.append(
                    Problem(
                        "driver",
                        "basis per_unit needs exactly one of "
                        "`quantity` or `driver`; both are given",
                        self.driver,
                    )
                )
            if self.cost_per is PricePer.ONCE:
                problems.append(
                    Problem("cost_per", "expected year, month or day", self.cost_per.value)
                )
        if self.basis is OpexBasis.LEASABLE_AREA:
            problems += self._leasable_area_problems()
        if self.every_years is not None and self.basis is not OpexBasis.FIXED:
            problems.append(
                Problem(
                    "every_years",
                    f"a cyclical cost needs basis fixed, not {basis}",
                    self.every_years,
                )
            )
        if self.purchased and self.wages_or_other:
            problems.append(
                Problem(
                    "wages_or_other",
                    "a cost bought in (`purchased: true`, 外购原材料、燃料及动力) is not wages "
                    "or other costs (工资及福利费、其他费用); expected false or unset",
                    self.wages_or_other,
                )
            )
        raise_problems(problems)
        return self

    @field_validator("cpi", mode="before")
    @classmethod
    def _one_rate(cls, value: object) -> object:
        """A single CPI rate is a path of one."""
        return [value] if isinstance(value, int | float) and not isinstance(value, bool) else value

    def _leasable_area_problems(self) -> list[Problem | None]:
        """Basis ``leasable_area``: one area, indexed by the CPI alone, in operation."""
        problems: list[Problem | None] = []
        if (self.quantity is None) == (self.revenues is None):
            both = "; both are given" if self.quantity is not None else ""
            problems.append(
                Problem(
                    "quantity",
                    "basis leasable_area needs exactly one of `quantity` (the area, m²) or "
                    f"`revenues` (the rent streams whose quantity is the area){both}",
                    self.quantity,
                    has_value=bool(both),
                )
            )
        if self.cost_per is PricePer.ONCE:
            problems.append(Problem("cost_per", "expected year, month or day", self.cost_per.value))
        if self.growth_rate != 0:
            problems.append(
                Problem(
                    "growth_rate",
                    "basis leasable_area grows by `cpi`; expected 0",
                    self.growth_rate,
                )
            )
        if self.timing is not OpexTiming.OPERATION:
            problems.append(
                Problem(
                    "timing",
                    "basis leasable_area runs in operation; expected operation",
                    self.timing.value,
                )
            )
        return problems

    @property
    def in_cash_base(self) -> bool:
        """Whether the cost is in the cash's base (工资及福利费 + 其他费用): ``wages_or_other``,
        by default every cost neither ``purchased`` nor repairs (修理费)."""
        if self.wages_or_other is not None:
            return self.wages_or_other
        return not self.purchased and self.category not in REPAIRS


REPAIRS = (OpexCategory.MAINTENANCE, OpexCategory.MAJOR_MAINTENANCE)
"""Categories that are repairs (修理费), outside 其他费用 and so the cash's base (第三版)."""


Days = Annotated[float, Field(ge=0, le=360, allow_inf_nan=False)]
"""A minimum turnover period in days of a 360-day year (最低周转天数) [d]."""


class WorkingCapital(SpecModel):
    """流动资金 by the itemised method (分项详细估算法, 《建设项目经济评价方法与参数》第三版):
    each item is a year's base ÷ its turnover (周转次数 = 360 ÷ 最低周转天数), the base being
    operating costs (经营成本, excl. VAT) of each period, annualised: all of them for the
    receivables, those marked ``purchased`` (外购原材料、燃料及动力) for the inventory and
    the payables, the wages and other costs (``wages_or_other``) for the cash. The change in the
    balance is invested (流动资金) and the balance left is recovered in the last period held
    (回收流动资金); all days 0 (the default) means no working capital."""

    receivable_days: Annotated[Days, Zh("应收账款最低周转天数")] = 0.0
    """Accounts receivable (应收账款): minimum days of turnover, on the operating costs (3rd
    edition: receivables = annual operating costs ÷ number of turnovers a year) [d]."""
    inventory_days: Annotated[Days, Zh("存货最低周转天数")] = 0.0
    """Inventory (存货): minimum days of turnover, on the bought-in materials and fuel (3rd
    edition: bought-in materials and fuel = annual bought-in costs ÷ number of turnovers a
    year): the operating costs marked ``purchased``. The 3rd edition's work in progress
    (在产品) and finished goods (产成品) are not modelled: an operated property makes no
    goods [d]."""
    cash_days: Annotated[Days, Zh("现金最低周转天数")] = 0.0
    """Cash (现金): minimum days of turnover, on the wages and welfare plus other costs (3rd
    edition: cash = (annual wages and welfare + annual other costs) ÷ number of turnovers a
    year): the operating costs ``wages_or_other`` (by default all but the bought-in and the
    repairs) [d]."""
    payable_days: Annotated[Days, Zh("应付账款最低周转天数")] = 0.0
    """Accounts payable (应付账款): minimum days of turnover, on the bought-in materials, fuel
    and power only (3rd edition: payables = annual cost of bought-in materials, fuel, power
    and other materials ÷ number of turnovers a year): the operating costs marked
    ``purchased`` [d]."""

    @model_validator(mode="after")
    def _payables_within_assets(self) -> Self:
        # the receivables (on all the costs) and the inventory (on the bought-in ones) both
        # cover the payables' base; the cash (on the others) does not
        assets = self.receivable_days + self.inventory_days
        if self.payable_days > assets + 1e-12:
            raise_problems(
                [
                    Problem(
                        "payable_days",
                        f"more than the receivable + inventory days ({assets:g}), the current "
                        "assets on a base including the bought-in costs: the working capital "
                        "could be negative (流动资金 = 流动资产 − 流动负债 ≥ 0)",
                        self.payable_days,
                    )
                ]
            )
        return self
