"""The project spec: everything renewfin needs to know about one project."""

from __future__ import annotations

import math
from typing import Annotated, Any, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from renewfin.spec.base import SpecModel, unique_names
from renewfin.spec.errors import CrossCheckError, Problem
from renewfin.spec.evaluation import EvaluationSpec
from renewfin.spec.funding import FiscalUse, FundingSpec
from renewfin.spec.investment import (
    DepreciationSpec,
    InvestmentCategory,
    InvestmentItem,
    PriceContingency,
)
from renewfin.spec.labels import Zh
from renewfin.spec.opex import OpexBasis, OpexCategory, OpexItem, WorkingCapital
from renewfin.spec.payment import GovernmentPayment, PaymentModel
from renewfin.spec.plausibility import Plausibility, rate_floor_problems
from renewfin.spec.project import ProjectInfo, TimelineSpec
from renewfin.spec.revenue import RevenueKind, RevenueStream
from renewfin.spec.tax import TaxSpec

SCHEMA_VERSION = 1


def default_asset_class(category: InvestmentCategory) -> str:
    """Asset class an investment category capitalises into unless the item says otherwise."""
    return {
        InvestmentCategory.EQUIPMENT: "equipment",
        InvestmentCategory.LAND: "land_use_right",
    }.get(category, "building")


class ProjectSpec(SpecModel):
    """A complete urban-renewal project: identity, calendar, investment, revenue, costs,
    depreciation, taxes and evaluation parameters. Money is in ``project.money_unit``."""

    schema_version: Annotated[int, Zh("规格版本")] = Field(
        default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION
    )
    """Version of the spec format."""
    project: Annotated[ProjectInfo, Zh("项目概况")]
    """Project identity and money unit."""
    timeline: Annotated[TimelineSpec, Zh("计算期与建设期")]
    """Calendar: start date, periodicity, horizon and construction phases."""
    investment: Annotated[list[InvestmentItem], Zh("建设投资估算")] = Field(min_length=1)
    """Construction investment items (建设投资估算)."""
    price_contingency: Annotated[PriceContingency, Zh("涨价预备费")] = Field(
        default_factory=PriceContingency
    )
    """Price contingency (涨价预备费); off unless a rate is given."""
    revenues: Annotated[list[RevenueStream], Zh("营业收入")] = Field(default_factory=list)
    """Operating revenue streams (营业收入)."""
    opex: Annotated[list[OpexItem], Zh("经营成本")] = Field(default_factory=list)
    """Operating costs (经营成本)."""
    depreciation: Annotated[DepreciationSpec, Zh("折旧摊销")] = Field(
        default_factory=DepreciationSpec
    )
    """Asset classes for depreciation and amortisation (折旧摊销)."""
    working_capital: Annotated[WorkingCapital, Zh("流动资金")] = Field(
        default_factory=WorkingCapital
    )
    """流动资金: receivable, inventory, cash and payable days (第三版 分项详细估算法)."""
    tax: Annotated[TaxSpec, Zh("税费")] = Field(default_factory=TaxSpec)
    """Tax preset and overrides."""
    evaluation: Annotated[EvaluationSpec, Zh("评价参数")] = Field(default_factory=EvaluationSpec)
    """Discount rates and benchmarks."""
    funding: Annotated[FundingSpec, Zh("资金筹措")] = Field(default_factory=FundingSpec)
    """The funding stack: fiscal funds, special bonds, loans, equity, fund, REIT exit."""
    plausibility: Annotated[Plausibility, Zh("合理性界限")] = Field(default_factory=Plausibility)
    """Bounds beyond which a rate or an amount is taken for a mistake (raise one for a
    genuinely unusual project)."""

    @field_validator("investment", "revenues", "opex")
    @classmethod
    def _unique(cls, items: list[Any], info: ValidationInfo) -> list[Any]:
        return unique_names(items, str(info.field_name).rstrip("s"))

    @model_validator(mode="after")
    def _cross_references(self) -> Self:
        problems = cross_check(self)
        if problems:
            raise CrossCheckError(problems)
        return self

    @property
    def periods_per_year(self) -> int:
        """Periods per year [1/yr]."""
        return self.timeline.periods_per_year

    @property
    def n_periods(self) -> int:
        """Number of model periods T."""
        return self.timeline.n_periods

    def revenue(self, name: str) -> RevenueStream:
        """The revenue stream called ``name``."""
        for r in self.revenues:
            if r.name == name:
                return r
        raise KeyError(name)


def cross_check(spec: ProjectSpec) -> list[Problem]:
    """Problems that span sections: names that refer to nothing, and timing outside the
    horizon. Each problem carries its own path, with list items labelled by name as
    ``format_loc`` does (``revenues[0 停车位].end_year``)."""
    problems = _check_investment(spec)
    problems += _check_revenues(spec)
    problems += _check_opex(spec)
    problems += _check_inventory(spec)
    problems += _check_funding_timing(spec)
    problems += rate_floor_problems(spec)
    problems += _check_mmra(spec)
    problems += _check_payment(spec)
    problems += _check_payables(spec)
    return problems


class _References:
    """The names and timing one section's items are checked against, and the problems
    found so far (for ``cross_check``)."""

    def __init__(self, spec: ProjectSpec) -> None:
        self.timeline = spec.timeline
        self.phases = {p.name: p for p in spec.timeline.phases}
        self.classes = {c.name for c in spec.depreciation.classes}
        self.streams = {r.name for r in spec.revenues}
        self.horizon = spec.timeline.horizon_years
        self.problems: list[Problem] = []

    def grid(self, path: str, value: float | None) -> None:
        """Record a problem if ``value`` (years) is not a whole number of periods."""
        tl, ppy = self.timeline, self.timeline.periods_per_year
        if value is not None and abs(value * ppy - round(value * ppy)) > 1e-9:
            self.problems.append(
                Problem(
                    path,
                    f"is not a whole number of {tl.periodicity.value} periods; "
                    f"expected a multiple of 1/{ppy} yr",
                    value,
                )
            )

    def phase(self, path: str, name: str | None) -> bool:
        """Record a problem if ``name`` names no phase; return whether it is known (or
        ``None``)."""
        if name is not None and name not in self.phases:
            self.problems.append(
                Problem(path, f"unknown phase; expected one of {sorted(self.phases)}", name)
            )
            return False
        return True

    def asset_class(self, path: str, name: str) -> None:
        """Record a problem if ``name`` names no depreciation class."""
        if name not in self.classes:
            self.problems.append(
                Problem(path, f"unknown asset class; expected one of {sorted(self.classes)}", name)
            )


def _check_investment(spec: ProjectSpec) -> list[Problem]:
    """Investment items: a known phase, a schedule no longer than the phase (years), a
    known asset class; and the price contingency's asset class."""
    c = _References(spec)
    for i, item in enumerate(spec.investment):
        at = f"investment[{i} {item.name}]"
        if c.phase(f"{at}.phase", item.phase):
            ph = c.phases[item.phase] if item.phase else c.timeline.phases[0]
            years = math.ceil(ph.duration_years - 1e-9)
            if item.schedule is not None and len(item.schedule) > years:
                c.problems.append(
                    Problem(
                        f"{at}.schedule",
                        f"has {len(item.schedule)} yearly shares but phase {ph.name} lasts "
                        f"{ph.duration_years:g} years; expected at most {years}",
                        item.schedule,
                    )
                )
        c.asset_class(f"{at}.asset_class", item.asset_class or default_asset_class(item.category))
    c.asset_class("price_contingency.asset_class", spec.price_contingency.asset_class or "building")
    return c.problems


def _check_revenues(spec: ProjectSpec) -> list[Problem]:
    """Revenue streams: the resettlement cost item, start and end on the period grid, a
    known phase, and start, end and sales schedule within the horizon (years)."""
    c = _References(spec)
    items = {item.name for item in spec.investment}
    for i, r in enumerate(spec.revenues):
        at = f"revenues[{i} {r.name}]"
        if r.resettlement is not None and r.resettlement.cost_item not in items:
            c.problems.append(
                Problem(
                    f"{at}.resettlement.cost_item",
                    f"unknown investment item; expected one of {sorted(items)}",
                    r.resettlement.cost_item,
                )
            )
        c.grid(f"{at}.start_after_years", r.start_after_years)
        c.grid(f"{at}.end_year", r.end_year)
        if not c.phase(f"{at}.phase", r.phase):
            continue
        ph = c.timeline.phase(r.phase)
        start = ph.start_year + ph.duration_years + r.start_after_years
        if start >= c.horizon:
            c.problems.append(
                Problem(
                    f"{at}.start_after_years",
                    f"the stream would start in year {start:g}, at or after the horizon of "
                    f"{c.horizon} years",
                    r.start_after_years,
                )
            )
        if r.end_year is not None:
            if r.end_year <= start:
                c.problems.append(
                    Problem(
                        f"{at}.end_year",
                        f"ends before it starts (starts in year {start:g}); expected > {start:g}",
                        r.end_year,
                    )
                )
            elif r.end_year > c.horizon:
                c.problems.append(
                    Problem(f"{at}.end_year", f"expected <= the horizon ({c.horizon})", r.end_year)
                )
        if r.schedule is not None and start + len(r.schedule) > c.horizon:
            c.problems.append(
                Problem(
                    f"{at}.schedule",
                    f"sales run to year {start + len(r.schedule):g}, beyond the horizon "
                    f"({c.horizon})",
                    r.schedule,
                )
            )
    return c.problems


def _check_opex(spec: ProjectSpec) -> list[Problem]:
    """Operating costs: a known phase, known driver and base revenue streams, and a known
    asset class for the asset-share basis."""
    c = _References(spec)
    for i, o in enumerate(spec.opex):
        at = f"opex[{i} {o.name}]"
        c.phase(f"{at}.phase", o.phase)
        if o.driver is not None and o.driver not in c.streams:
            c.problems.append(
                Problem(
                    f"{at}.driver",
                    f"unknown revenue stream; expected one of {sorted(c.streams)}",
                    o.driver,
                )
            )
        for name in o.revenues or []:
            if name not in c.streams:
                c.problems.append(
                    Problem(
                        f"{at}.revenues",
                        f"unknown revenue stream; expected one of {sorted(c.streams)}",
                        name,
                    )
                )
        if o.basis is OpexBasis.ASSET_SHARE:
            c.asset_class(f"{at}.asset_class", o.asset_class)
    return c.problems


def _check_inventory(spec: ProjectSpec) -> list[Problem]:
    """An inventory depreciation class needs a one-off revenue stream to charge it against."""
    if any(c.inventory for c in spec.depreciation.classes) and not any(
        r.kind.one_off for r in spec.revenues
    ):
        return [
            Problem(
                "depreciation.classes",
                "an inventory class needs a one-off "
                "revenue stream (sale or land_transfer) to charge it against",
                [c.name for c in spec.depreciation.classes if c.inventory],
            )
        ]
    return []


def _check_payables(spec: ProjectSpec) -> list[Problem]:
    """Working-capital days need a base (第三版 分项详细估算法): inventory and payable days an
    operating cost marked ``purchased`` (存货 外购原材料、燃料; 应付账款 = 外购原材料、燃料动力及
    其他材料年费用 ÷ 周转次数), cash days one of wages or other costs (现金 = (工资及福利费 +
    其他费用) ÷ 周转次数)."""
    wc = spec.working_capital
    purchased = any(o.purchased for o in spec.opex)
    wages_or_other = any(o.in_cash_base for o in spec.opex)
    needs = (
        ("inventory_days", purchased, "存货 外购原材料、燃料", "`purchased: true`"),
        ("payable_days", purchased, "应付账款 外购原材料、燃料及动力", "`purchased: true`"),
        (
            "cash_days",
            wages_or_other,
            "现金 工资及福利费 + 其他费用",
            "`wages_or_other` (not purchased, not maintenance)",
        ),
    )
    return [
        Problem(
            f"working_capital.{field}",
            f"its base is {base} (第三版); expected an operating cost with {flag}, or 0 days",
            getattr(wc, field),
        )
        for field, has_base, base, flag in needs
        if getattr(wc, field) != 0 and not has_base
    ]


def mmra_items(spec: ProjectSpec) -> list[str]:
    """Names of the cyclical operating costs the maintenance reserve (``funding.mmra``)
    funds: the items it names, else every cyclical ``major_maintenance`` item; [] without
    a reserve."""
    mmra = spec.funding.mmra
    if mmra is None:
        return []
    if mmra.items is not None:
        return list(mmra.items)
    return [
        o.name
        for o in spec.opex
        if o.category is OpexCategory.MAJOR_MAINTENANCE and o.every_years is not None
    ]


def _check_mmra(spec: ProjectSpec) -> list[Problem]:
    """A maintenance reserve needs cyclical costs to fund: each item it names must be an
    operating cost with ``every_years``, and by default there must be at least one."""
    mmra = spec.funding.mmra
    if mmra is None:
        return []
    cyclical = {o.name: o for o in spec.opex if o.every_years is not None}
    if mmra.items is None:
        if not mmra_items(spec):
            return [
                Problem(
                    "funding.mmra",
                    "a maintenance reserve needs a maintenance cycle: no opex item of "
                    "category major_maintenance has every_years; add one or list the "
                    "cyclical items in funding.mmra.items",
                    has_value=False,
                )
            ]
        return []
    names = {o.name for o in spec.opex}
    problems = []
    for name in mmra.items:
        if name not in names:
            problems.append(
                Problem(
                    "funding.mmra.items",
                    f"unknown opex item; expected one of {sorted(cyclical) or sorted(names)}",
                    name,
                )
            )
        elif name not in cyclical:
            problems.append(
                Problem(
                    "funding.mmra.items",
                    "not a cyclical cost (no every_years): a "
                    "maintenance reserve funds a maintenance cycle",
                    name,
                )
            )
    if not mmra.items:
        problems.append(
            Problem("funding.mmra.items", "expected at least one cyclical opex item", [])
        )
    return problems


def _check_payment(spec: ProjectSpec) -> list[Problem]:
    """The spec against its declared government payment model (DOMAIN.md §5a): user-pays
    and new-mechanism concessions take no operating subsidy; a viability-gap or
    service-purchase project has one; a concession names its grantor, its term and an
    existing fee item and, under the new mechanism, runs at most
    ``max_term_years``; a hand-back leaves no residual value."""
    gp = spec.funding.government_payment
    if gp is None:
        return []
    at = "funding.government_payment"
    model = gp.model
    subsidies = [f.name for f in spec.funding.fiscal_funds if f.use is FiscalUse.OPERATING_SUBSIDY]
    service = any(r.kind is RevenueKind.OPERATING_SUBSIDY for r in spec.revenues)
    concession = model is PaymentModel.CONCESSION
    out: list[Problem] = []
    no_gap = model is PaymentModel.USER_PAYS or (concession and gp.new_mechanism)
    if no_gap and subsidies:
        out.append(
            Problem(
                "funding.fiscal_funds",
                f"a {model.value} project takes no "
                "operating subsidy (可行性缺口补助, 国办函〔2023〕115号); expected none",
                subsidies,
            )
        )
    if model is PaymentModel.VIABILITY_GAP and not subsidies:
        out.append(
            Problem(
                f"{at}.model",
                "a viability-gap project needs an operating subsidy "
                "(funding.fiscal_funds, use operating_subsidy)",
                model.value,
            )
        )
    if model is PaymentModel.SERVICE_PURCHASE and not (subsidies or service):
        out.append(
            Problem(
                f"{at}.model",
                "政府购买服务 needs an operating subsidy or a "
                "service-fee revenue (kind operating_subsidy)",
                model.value,
            )
        )
    if not concession:
        out += [
            Problem(f"{at}.{f}", "applies to a concession only; expected none", getattr(gp, f))
            for f in ("grantor", "term_years", "concession_fee", "concession_fee_rate")
            if getattr(gp, f) is not None
        ]
        return out
    return out + _check_concession(spec, gp)


def _check_concession(spec: ProjectSpec, gp: GovernmentPayment) -> list[Problem]:
    """A concession's grantor, term, fee item and hand-back (``_check_payment``)."""
    at = "funding.government_payment"
    out: list[Problem] = []
    if gp.grantor is None:
        out.append(Problem(f"{at}.grantor", "a concession needs its grantor", has_value=False))
    term = gp.term_years
    if term is None:
        out.append(Problem(f"{at}.term_years", "a concession needs its term", has_value=False))
    elif gp.new_mechanism and term > gp.max_term_years + 1e-9:
        out.append(
            Problem(
                f"{at}.term_years",
                f"a new-mechanism concession runs at most "
                f"{gp.max_term_years:g} years (国办函〔2023〕115号)",
                term,
            )
        )
    if gp.concession_fee is not None and gp.concession_fee not in {o.name for o in spec.opex}:
        out.append(
            Problem(
                f"{at}.concession_fee",
                f"unknown operating cost; expected one of {sorted(o.name for o in spec.opex)}",
                gp.concession_fee,
            )
        )
    if gp.hand_back and spec.evaluation.include_residual_value:
        out.append(
            Problem(
                "evaluation.include_residual_value",
                "a concession handed back at its end leaves no residual value; expected false",
                True,
            )
        )
    if gp.concession_fee is not None and gp.concession_fee_rate is not None:
        out.append(
            Problem(
                f"{at}.concession_fee_rate",
                "give the concession fee either as "
                "a rate or as an opex item (concession_fee), not both",
                gp.concession_fee_rate,
            )
        )
    return out + _handed_back_revenues(spec, gp)


def _handed_back_revenues(spec: ProjectSpec, gp: GovernmentPayment) -> list[Problem]:
    """A concession handed back before the horizon: the recurring revenue streams must
    end by the term (``end_year`` ≤ ``term_years``), the company operating nothing it has
    handed back."""
    term = gp.term_years
    if not gp.hand_back or term is None or term >= spec.timeline.horizon_years - 1e-9:
        return []
    return [
        Problem(
            f"revenues[{i} {r.name}].end_year",
            f"the concession is handed back after {term:g} "
            "years (funding.government_payment.term_years); expected the stream to end "
            "by then",
            r.end_year,
            has_value=r.end_year is not None,
        )
        for i, r in enumerate(spec.revenues)
        if not r.kind.one_off and (r.end_year is None or r.end_year > term + 1e-9)
    ]


def _check_funding_timing(spec: ProjectSpec) -> list[Problem]:
    """Funding instruments must be issued, repaid and exited inside the horizon, and a
    special bond must be issued before a REIT exit. List items are labelled by name as
    ``format_loc`` does (``funding.special_bonds[0 B].issue_year``)."""
    problems: list[Problem] = []
    fs = spec.funding
    horizon = spec.timeline.horizon_years
    ppy = spec.periods_per_year
    first_start = min(p.start_year for p in spec.timeline.phases)
    completion = max(p.start_year + p.duration_years for p in spec.timeline.phases)

    def on_grid(path: str, value: float) -> None:
        if abs(value * ppy - round(value * ppy)) > 1e-9:
            problems.append(
                Problem(
                    path,
                    f"not on the {spec.timeline.periodicity.value} period grid (1/{ppy} yr)",
                    value,
                )
            )

    exit_year = fs.reit_exit.exit_year if fs.reit_exit is not None else None
    for i, b in enumerate(fs.special_bonds):
        at = f"funding.special_bonds[{i} {b.name}]"
        on_grid(f"{at}.issue_year", b.issue_year)
        if b.issue_year >= horizon:
            problems.append(
                Problem(
                    f"{at}.issue_year",
                    f"issued at or after the horizon ({horizon} years); expected < {horizon}",
                    b.issue_year,
                )
            )
            continue
        if exit_year is not None and b.issue_year >= exit_year:
            problems.append(
                Problem(
                    f"{at}.issue_year",
                    f"issued at or after the REIT exit "
                    f"(funding.reit_exit.exit_year {exit_year:g}); expected < "
                    f"{exit_year:g}",
                    b.issue_year,
                )
            )
            continue
        # Issued at the end of its period, a tranche runs from the next one.
        maturity = b.issue_year + b.tenor_years + (b.draw_timing.weight == 0) / ppy
        if maturity > horizon + 1e-9:
            problems.append(
                Problem(
                    f"{at}.tenor_years",
                    f"matures in year {maturity:g}, after the "
                    f"horizon ({horizon}); extend timeline.horizon_years",
                    b.tenor_years,
                )
            )
        elif b.refinance_share > 0:
            end = maturity + (b.refinance_tenor_years or b.tenor_years)
            if end > horizon + 1e-9:
                problems.append(
                    Problem(
                        f"{at}.refinance_tenor_years",
                        f"the refinancing tranche "
                        f"matures in year {end:g}, after the horizon ({horizon})",
                        b.refinance_tenor_years or b.tenor_years,
                    )
                )
    for i, ln in enumerate(fs.loans):
        at = f"funding.loans[{i} {ln.name}]"
        on_grid(f"{at}.tenor_years", ln.tenor_years)
        on_grid(f"{at}.grace_years", ln.grace_years)
        if first_start + ln.tenor_years > horizon:
            problems.append(
                Problem(
                    f"{at}.tenor_years",
                    f"matures in year "
                    f"{first_start + ln.tenor_years:g}, after the horizon "
                    f"({horizon})",
                    ln.tenor_years,
                )
            )
    for i, f in enumerate(fs.fiscal_funds):
        at = f"funding.fiscal_funds[{i} {f.name}]"
        on_grid(f"{at}.start_year", f.start_year)
        if f.schedule is not None and f.start_year + len(f.schedule) > horizon:
            problems.append(
                Problem(f"{at}.schedule", f"payments run past the horizon ({horizon})", f.schedule)
            )
    if fs.fund is not None and fs.fund.schedule is not None:
        if fs.fund.start_year + len(fs.fund.schedule) > horizon:
            problems.append(
                Problem(
                    "funding.fund.schedule",
                    f"payments run past the horizon ({horizon})",
                    fs.fund.schedule,
                )
            )
    if fs.reit_exit is not None:
        year = fs.reit_exit.exit_year
        on_grid("funding.reit_exit.exit_year", year)
        if year <= completion:
            problems.append(
                Problem(
                    "funding.reit_exit.exit_year",
                    f"exit before completion (year {completion:g}); expected > {completion:g}",
                    year,
                )
            )
        elif year >= horizon:
            problems.append(
                Problem(
                    "funding.reit_exit.exit_year",
                    f"expected < the horizon ({horizon}) so that the exit falls inside the model",
                    year,
                )
            )
    return problems
