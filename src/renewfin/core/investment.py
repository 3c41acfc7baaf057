"""Construction investment (建设投资): items, contingencies, input VAT and asset values.

Spending follows each item's yearly schedule over its phase; a construction delay
stretches the schedule over the longer duration (the cumulative spending curve is
rescaled in time), and a capex overrun scales the items it applies to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from renewfin.core.context import PhaseTiming, RunContext
from renewfin.inputs import RISK_OVERRUN
from renewfin.ledger import Detail
from renewfin.spec.investment import InvestmentCategory, InvestmentItem
from renewfin.spec.model import ProjectSpec, default_asset_class

DETAIL: Detail = ("capex.category[*]",)
"""Lines only tables and reports show: a lean run leaves them out (``renewfin.lean``)."""


CATEGORY_ZH = {
    InvestmentCategory.CONSTRUCTION: "建安工程费",
    InvestmentCategory.EQUIPMENT: "设备购置费",
    InvestmentCategory.OTHER_COSTS: "工程建设其他费用",
    InvestmentCategory.LAND: "土地及征拆补偿费",
    InvestmentCategory.CONTINGENCY: "基本预备费",
}


@dataclass(frozen=True)
class AssetGroup:
    """Capitalised cost that enters service together: one asset class, one phase."""

    asset_class: str
    phase: str
    original_value: np.ndarray
    """Original value excluding deductible input VAT [money], (S|1, 1)."""


def input_vat_credit_share(spec: ProjectSpec, item: InvestmentItem) -> float:
    """Share of the input VAT included in ``item`` that is credited (进项税额抵扣) [fraction].

    None when the company hands the works over (``ownership`` residents or government: not
    a purchase for its own taxable activity), nor when every revenue stream is on the
    simplified method or exempt (增值税法 第二十二条(一)(二): input VAT of simplified-method
    and exempt items is not credited; fixed assets used for both are credited in full,
    财税〔2016〕36号 附件1 第二十七条(一)); otherwise the item's stated
    ``input_vat_credit_share`` (the part attributable to a creditable use, by floor area
    or by sales). Non-credited VAT stays in the cost of a kept asset."""
    if not item.ownership.kept:
        return 0.0
    if spec.revenues and not any(r.vat_method.credits_input for r in spec.revenues):
        return 0.0
    return item.input_vat_credit_share


def credited_vat_per_gross(rate: float, share: float) -> float:
    """Input VAT credited per unit of an amount including VAT at ``rate`` of which
    ``share`` of the VAT is credited: share × rate ÷ (1 + rate) [fraction]; the amount net
    of the credited VAT is (1 − this) × the amount."""
    return share * rate / (1.0 + rate)


def deed_taxed(spec: ProjectSpec) -> list[str]:
    """Names of the land items that bear 契税: kept by the company and ``deed_taxable``."""
    return [
        i.name
        for i in spec.investment
        if i.category is InvestmentCategory.LAND and i.deed_taxable and i.ownership.kept
    ]


def spend_profile(t: np.ndarray, phase: PhaseTiming, schedule: list[float] | None) -> np.ndarray:
    """Share of an item spent in each period, (S|1, T), summing to 1 over the phase.

    ``schedule`` gives shares per construction year of the phase's spec duration; the
    cumulative curve through those year ends is stretched over the actual duration
    (including a delay) and evaluated at period boundaries, so spending within a year is
    even and a delayed phase spends the same total over more periods."""
    years = phase.base_duration_years
    n = math.ceil(years - 1e-9)
    if schedule is None:  # even per unit of time, a fractional last year pro rata
        schedule = [min(1.0, years - k) / years for k in range(n)]
    knots = np.array([min(k, years) / years for k in range(n + 1)])
    cum = np.concatenate([[0.0], np.cumsum(schedule)])
    cum = np.concatenate([cum, np.full(n + 1 - cum.size, cum[-1])])
    # Durations take a few values (whole periods of delay): one profile per value.
    durations, which = np.unique(phase.duration.ravel(), return_inverse=True)
    edges = np.concatenate([t, t[:, -1:] + 1], axis=1)  # period boundaries, (1, T + 1)
    elapsed = np.clip((edges - phase.start) / durations[:, None].astype(float), 0.0, 1.0)
    return np.diff(np.interp(elapsed, knots, cum), axis=1)[which.ravel()]


def build(ctx: RunContext) -> list[AssetGroup]:
    """Record the investment line items; return the asset groups for depreciation."""
    spec = ctx.spec
    zeros = np.zeros((1, ctx.timeline.n_periods))
    base, phase_of = _base_items(ctx)
    capex, by_phase = _with_contingency(ctx, base, phase_of, zeros)
    items = {i.name: i for i in spec.investment}
    vat_rates = {name: _input_vat_rate(ctx, items[name]) for name in capex}
    credited = {
        n: credited_vat_per_gross(vat_rates[n], input_vat_credit_share(spec, items[n]))
        for n in capex
    }
    _record_items(ctx, capex, items)
    price_cont_by_phase = _price_contingency(ctx, by_phase, items, zeros)
    deed = _record_totals(
        ctx, capex, by_phase, phase_of, price_cont_by_phase, items, vat_rates, credited, zeros
    )
    return _asset_groups(ctx, by_phase, phase_of, price_cont_by_phase, items, deed, credited)


def _base_items(ctx: RunContext) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Each investment item but the contingencies, spread over its phase's construction
    periods (its overrun applied), (S|1, T) [money], and each item's phase; a diagnostic
    for an item whose construction runs past the horizon."""
    spec, inputs = ctx.spec, ctx.inputs
    t = ctx.timeline.t
    overrun = inputs.scalar(RISK_OVERRUN, 0.0)
    base: dict[str, np.ndarray] = {}
    phase_of: dict[str, str] = {}
    profiles: dict[tuple[str, tuple[float, ...] | None], np.ndarray] = {}
    for item in spec.investment:
        if item.category is InvestmentCategory.CONTINGENCY:
            continue
        ph = ctx.phase(item.phase, default_first=True)
        amount = inputs.scalar(f"investment[{item.name}].amount", float(item.amount or 0.0))
        if item.overrun_applies:
            amount = amount * (1.0 + overrun)
        key = (ph.name, None if item.schedule is None else tuple(item.schedule))
        if key not in profiles:
            profiles[key] = spend_profile(t, ph, item.schedule)
        profile = profiles[key]
        base[item.name] = amount * profile
        phase_of[item.name] = ph.name
        unspent = 1.0 - profile.sum(axis=1)
        if np.any(unspent > 1e-9):  # a delay pushed construction past the horizon
            n = int(np.count_nonzero(unspent > 1e-9))
            where = "" if profile.shape[0] == 1 else f" in {n} of {profile.shape[0]} scenarios"
            ctx.diagnostics.append(
                f"investment[{item.name}]: construction runs past the horizon{where}; up to "
                f"{float(unspent.max()):.1%} of the item falls after the last period and is "
                "not recorded"
            )

    return base, phase_of


def _with_contingency(
    ctx: RunContext, base: dict[str, np.ndarray], phase_of: dict[str, str], zeros: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], np.ndarray]]:
    """Every item's investment, (S|1, T) [money], the basic contingency (基本预备费) of each
    phase being its rate × its base categories spent in that phase; and each item's
    investment by (item, phase)."""
    spec, inputs = ctx.spec, ctx.inputs
    by_phase: dict[tuple[str, str], np.ndarray] = {}
    capex: dict[str, np.ndarray] = {}
    for item in spec.investment:
        if item.category is not InvestmentCategory.CONTINGENCY:
            capex[item.name] = base[item.name]
            by_phase[(item.name, phase_of[item.name])] = base[item.name]
            continue
        rate = inputs.scalar(f"investment[{item.name}].rate", float(item.rate or 0.0))
        total = zeros
        for other in spec.investment:
            if other.category in item.base_categories:
                part = rate * base[other.name]
                by_phase[(item.name, phase_of[other.name])] = (
                    by_phase.get((item.name, phase_of[other.name]), zeros) + part
                )
                total = total + part
        capex[item.name] = total

    return capex, by_phase


def _record_items(
    ctx: RunContext, capex: dict[str, np.ndarray], items: dict[str, InvestmentItem]
) -> None:
    """Record each item's investment line (``capex.item[…]``)."""
    led = ctx.ledger
    for name, values in capex.items():
        cat = items[name].category
        led.add(
            f"capex.item[{name}]",
            f"{CATEGORY_ZH[cat]}：{name}",
            f"Capex: {name}",
            values,
            group="investment",
        )


def _price_contingency(
    ctx: RunContext,
    by_phase: dict[tuple[str, str], np.ndarray],
    items: dict[str, InvestmentItem],
    zeros: np.ndarray,
) -> dict[str, np.ndarray]:
    """Record the price contingency (涨价预备费) on the escalating items; return it by phase,
    (S|1, T) [money]."""
    spec, inputs, led = ctx.spec, ctx.inputs, ctx.ledger
    t = ctx.timeline.t
    # Price contingency (涨价预备费): I_t [(1+f)^(m + (t − start + 0.5)/ppy) − 1], t from the
    # start of construction (the textbook (1+f)^m (1+f)^0.5 (1+f)^(t−1) for annual periods).
    pc = spec.price_contingency
    f = inputs.scalar("price_contingency.rate", pc.rate)
    m = inputs.scalar("price_contingency.years_before_start", pc.years_before_start)
    start = min(p.start for p in ctx.phases.values())  # start of construction
    factor = np.power(1.0 + f, m + (t - start + 0.5) / ctx.timeline.ppy) - 1.0
    price_cont_by_phase: dict[str, np.ndarray] = {}
    for (name, phase), values in by_phase.items():
        if items[name].escalates:
            price_cont_by_phase[phase] = price_cont_by_phase.get(phase, zeros) + values * factor
    price_cont = sum(price_cont_by_phase.values(), zeros)
    led.add(
        "capex.price_contingency", "涨价预备费", "Price contingency", price_cont, group="investment"
    )

    return price_cont_by_phase


def _record_totals(
    ctx: RunContext,
    capex: dict[str, np.ndarray],
    by_phase: dict[tuple[str, str], np.ndarray],
    phase_of: dict[str, str],
    price_cont_by_phase: dict[str, np.ndarray],
    items: dict[str, InvestmentItem],
    vat_rates: dict[str, float],
    credited: dict[str, float],
    zeros: np.ndarray,
) -> dict[str, np.ndarray]:
    """Record the deed tax, the construction investment (in all, by phase and by category),
    its creditable input VAT and the works handed over; return the deed tax by item,
    (S|1, T) [money]."""
    spec, led = ctx.spec, ctx.ledger
    price_cont = sum(price_cont_by_phase.values(), zeros)
    # 契税 on the land the company acquires, capitalised into the land (DOMAIN.md §6).
    deed = {n: capex[n] / (1.0 + vat_rates[n]) * ctx.rates.deed for n in deed_taxed(spec)}
    if deed:
        led.add(
            "capex.deed_tax",
            "契税",
            "Deed tax on land acquired",
            sum(deed.values(), zeros),
            group="investment",
        )
    total = sum(capex.values(), zeros) + price_cont + sum(deed.values(), zeros)
    led.add("capex.total", "建设投资", "Construction investment", total, group="investment")
    if len(ctx.phases) > 1:  # which phase each period's spending builds (IDC by phase)
        for phase in ctx.phases:
            parts = [v for (_, p), v in by_phase.items() if p == phase]
            led.add(
                f"capex.phase[{phase}]",
                f"建设投资：{phase}",
                f"Construction investment: {phase}",
                sum(parts, zeros)
                + price_cont_by_phase.get(phase, zeros)
                + sum((v for n, v in deed.items() if phase_of[n] == phase), zeros),
                group="investment",
            )
    for cat in InvestmentCategory:
        names = [n for n in capex if items[n].category is cat]
        if names:
            led.add(
                f"capex.category[{cat.value}]",
                CATEGORY_ZH[cat],
                cat.value.replace("_", " "),
                sum((capex[n] for n in names), zeros),
                group="investment",
            )

    input_vat = sum((capex[n] * credited[n] for n in capex), zeros)
    led.add(
        "capex.input_vat",
        "建设投资进项税额（可抵扣）",
        "Creditable input VAT in construction investment",
        input_vat,
        group="investment",
    )
    handed = [n for n in capex if not items[n].ownership.kept]
    if handed:
        led.add(
            "capex.handed_over",
            "移交资产投资（不形成企业资产）",
            "Works handed over (not company assets)",
            sum((capex[n] for n in handed), zeros),
            group="investment",
        )

    return deed


def _asset_groups(
    ctx: RunContext,
    by_phase: dict[tuple[str, str], np.ndarray],
    phase_of: dict[str, str],
    price_cont_by_phase: dict[str, np.ndarray],
    items: dict[str, InvestmentItem],
    deed: dict[str, np.ndarray],
    credited: dict[str, float],
) -> list[AssetGroup]:
    """The asset groups for depreciation, by asset class and phase."""
    pc = ctx.spec.price_contingency
    # Original values of the assets the company keeps, net of credited input VAT (VAT not
    # credited stays in the cost).
    groups: dict[tuple[str, str], np.ndarray] = {}
    for (name, phase), values in by_phase.items():
        if not items[name].ownership.kept:
            continue
        cls = items[name].asset_class or default_asset_class(items[name].category)
        net = values.sum(axis=1, keepdims=True) * (1.0 - credited[name])
        groups[(cls, phase)] = groups.get((cls, phase), 0.0) + net
    for name, values in deed.items():
        cls = items[name].asset_class or default_asset_class(items[name].category)
        group = (cls, phase_of[name])
        groups[group] = groups.get(group, 0.0) + values.sum(axis=1, keepdims=True)
    pc_class = pc.asset_class or "building"
    for phase, values in price_cont_by_phase.items():
        groups[(pc_class, phase)] = groups.get((pc_class, phase), 0.0) + values.sum(
            axis=1, keepdims=True
        )
    return [AssetGroup(c, p, np.asarray(v, dtype=float)) for (c, p), v in groups.items()]


def _input_vat_rate(ctx: RunContext, item: InvestmentItem) -> float:
    if item.input_vat_rate is not None:
        return item.input_vat_rate
    return ctx.rates.capex_input_vat[item.category]
