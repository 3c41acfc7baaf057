"""One project spec from a district: members merged into one project company.

Every phase, investment item, revenue stream, operating cost, asset class and member
funding item is renamed ``key·name`` (``A·一期``, ``A·停车位``) and every reference to it
rewritten (phases of items, streams and costs; asset classes of items, costs and the
price contingency; cost drivers and revenue lists; loans of interest subsidies). Before
renaming, each member's defaults that depend on the whole spec are made explicit, so the
member behaves in the district as it does alone:

- an item without a phase is spent in the member's first phase; a stream or cost without
  a phase follows the member's last phase to complete; a revenue-share cost without a
  list of streams takes the member's streams (not the district's);
- a member's basic contingency (基本预备费, a rate on its own items) becomes fixed items
  ``key·name`` (one per phase) of the amount, timing, input VAT and asset class it has
  alone; a member's price contingency (涨价预备费, from its own construction start) the
  same, ``key·涨价预备费``. The engine applies a contingency rate to every item of the
  spec, so a rate cannot stay a rate once members share a spec. These items are filed
  under 工程建设其他费用 in the estimate table (their names say what they are);
- a member grant, equity injection or fund without a schedule is paid in step with the
  member's own spending (its yearly shares), not the district's;
- a member's operating subsidy keeps its start after the member's completion.

What still differs from the member alone, by the nature of one company (each is listed in
``Combination.notes`` when it applies): loans and interest subsidies run from the
district's financial close (its first construction start); taxes, loss carry-forward, VAT
credit, debt sizing and the waterfall are the company's; a member with a shorter horizon
operates to the district's; an operating subsidy cannot start before the district's
completion; inventory (开发成本) is charged against the one-off revenue of all members; in
sub-annual models the converted contingencies and grants are even within each year.

Funding rules are documented on ``DistrictSpec.funding``. The result is validated as any
project spec; a problem is reported at the district path it comes from.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from renewfin.district.spec import FUNDING_LISTS, SEP, member_path, prefixed
from renewfin.spec.errors import Problem, SpecError
from renewfin.spec.funding import FiscalUse
from renewfin.spec.investment import InvestmentCategory
from renewfin.spec.io import validate_data
from renewfin.spec.model import ProjectSpec, default_asset_class
from renewfin.spec.opex import OpexBasis
from renewfin.spec.tax import TaxRates, resolve_tax

if TYPE_CHECKING:
    from renewfin.core.context import RunContext
    from renewfin.district.spec import DistrictMember, DistrictSpec

POLICY_FIELDS = (
    "lpr",
    "priority",
    "min_capital_ratio",
    "bond_capital_cap",
    "min_cash_balance",
    "drawdown",
    "distribution_policy",
    "statutory_reserve_rate",
    "covenants",
)
"""Funding fields taken from the district when it states them, else from the first member."""


@dataclass(frozen=True)
class Combination:
    """A district merged into one project spec."""

    spec: ProjectSpec
    """The combined project."""
    keys: list[str]
    """Keys of the members it holds, in order."""
    provenance: dict[str, str] = field(default_factory=dict)
    """Path of each list item of the combined spec → its path in the district document
    (``investment[4 B·商铺改造]`` → ``projects[1 B].spec.investment[0 商铺改造]``)."""
    notes: list[str] = field(default_factory=list)
    """What the combination changed or dropped, in words."""


# --------------------------------------------------------------------------------------
# Member readings that need the engine's investment stage
# --------------------------------------------------------------------------------------


def _investment_context(spec: ProjectSpec) -> RunContext:
    from renewfin.core import investment
    from renewfin.core.context import RunContext
    from renewfin.inputs import Inputs

    ctx = RunContext.create(spec, Inputs(1, None))
    investment.build(ctx)
    return ctx


def member_capex(spec: ProjectSpec) -> np.ndarray:
    """Construction investment of a project alone per period (``capex.total``) [money], (T,)."""
    return np.asarray(_investment_context(spec).ledger.raw("capex.total"), dtype=float)[0]


def member_shares(district: DistrictSpec) -> dict[str, float]:
    """Each member's share of the district-level funding in its allocated view: the
    members' ``funding_share`` when given, else their shares of the members' construction
    investment (each member alone); equal shares if no member invests anything."""
    if all(m.funding_share is not None for m in district.projects):
        return {m.key: float(m.funding_share or 0.0) for m in district.projects}
    capex = {m.key: float(member_capex(m.project).sum()) for m in district.projects}
    total = sum(capex.values())
    if total <= 0:
        return {k: 1.0 / len(capex) for k in capex}
    return {k: v / total for k, v in capex.items()}


def _spending_schedule(capex: np.ndarray, ppy: int) -> tuple[float, list[float]] | None:
    """Start (in years, on the period grid) and yearly shares of a spending profile (T,),
    the years counted from the first period with spending; None without spending. Exact for
    annual models; a sub-annual grant paid on it is spread evenly within each such year."""
    spent = np.nonzero(capex > 1e-12)[0]
    if spent.size == 0:
        return None
    first, last = int(spent[0]), int(spent[-1])
    n = (last - first) // ppy + 1
    part = np.array([capex[first + k * ppy : first + (k + 1) * ppy].sum() for k in range(n)])
    return first / ppy, [float(x) for x in part / part.sum()]


def _even_schedule(years: float) -> list[float]:
    """The engine's default schedule of a phase: even per unit of time."""
    n = math.ceil(years - 1e-9)
    return [min(1.0, years - k) / years for k in range(n)]


def _contingency_items(spec: ProjectSpec, rates: TaxRates) -> dict[str, list[dict[str, Any]]]:
    """A member's basic contingencies as fixed items, by contingency name: per phase, rate ×
    its base items in that phase, on their combined yearly schedule (names unprefixed)."""
    tl = spec.timeline
    items = [i for i in spec.investment if i.category is not InvestmentCategory.CONTINGENCY]
    out: dict[str, list[dict[str, Any]]] = {}
    for c in spec.investment:
        if c.category is not InvestmentCategory.CONTINGENCY:
            continue
        parts: list[dict[str, Any]] = []
        for ph in tl.phases:
            n = math.ceil(ph.duration_years - 1e-9)
            vec = np.zeros(n)
            base = [
                i
                for i in items
                if i.category in c.base_categories and (i.phase or tl.phases[0].name) == ph.name
            ]
            for i in base:
                sched = i.schedule if i.schedule is not None else _even_schedule(ph.duration_years)
                vec[: len(sched)] += float(i.amount or 0.0) * np.asarray(sched)
            if vec.sum() <= 0:
                continue
            parts.append(
                {
                    "phase": ph.name,
                    "amount": float(c.rate or 0.0) * float(vec.sum()),
                    "schedule": [float(x) for x in vec / vec.sum()],
                    "overrun_applies": all(i.overrun_applies for i in base),
                }
            )
        vat = (
            c.input_vat_rate
            if c.input_vat_rate is not None
            else rates.capex_input_vat[InvestmentCategory.CONTINGENCY]
        )
        cls = c.asset_class or default_asset_class(c.category)
        out[c.name] = [
            {
                "name": c.name if len(parts) == 1 else f"{c.name}（{p['phase']}）",
                "category": InvestmentCategory.OTHER_COSTS.value,
                "amount": p["amount"],
                "phase": p["phase"],
                "schedule": p["schedule"],
                "asset_class": cls,
                "input_vat_rate": vat,
                "escalate": c.escalates,
                "ownership": c.ownership.value,
                "overrun_applies": p["overrun_applies"],
            }
            for p in parts
            if p["amount"] > 0
        ]
    return out


def _price_contingency_items(spec: ProjectSpec) -> list[dict[str, Any]]:
    """A member's price contingency as fixed items, one per phase (names unprefixed): the
    engine's PF = Σ I_t [(1+f)^(m + (t − start + 0.5)/ppy) − 1] from the member's own
    construction start, summed by construction year of each phase. Exact for annual
    models; within a year of a sub-annual model the items spend evenly."""
    pc = spec.price_contingency
    if pc.rate == 0:
        return []
    from renewfin.core.investment import spend_profile

    ctx = _investment_context(spec)
    tl = ctx.timeline
    t, ppy = tl.t, tl.ppy
    zeros = np.zeros((1, tl.n_periods))
    start = min(p.start for p in ctx.phases.values())
    factor = np.power(1.0 + pc.rate, pc.years_before_start + (t - start + 0.5) / ppy) - 1.0
    spend: dict[str, tuple[str, np.ndarray]] = {}
    for item in spec.investment:
        if item.category is not InvestmentCategory.CONTINGENCY:
            ph = ctx.phase(item.phase, default_first=True)
            spend[item.name] = (
                ph.name,
                float(item.amount or 0.0) * spend_profile(t, ph, item.schedule),
            )
    base: dict[str, np.ndarray] = {}
    for item in spec.investment:
        if not item.escalates:
            continue
        if item.category is not InvestmentCategory.CONTINGENCY:
            phase, values = spend[item.name]
            base[phase] = base.get(phase, zeros) + values
            continue
        for other in spec.investment:
            if other.category in item.base_categories:
                phase, values = spend[other.name]
                base[phase] = base.get(phase, zeros) + float(item.rate or 0.0) * values
    out = []
    phases = [p for p in spec.timeline.phases if p.name in base]
    for phase_spec in phases:
        timing = ctx.phases[phase_spec.name]
        flows = (base[phase_spec.name] * factor)[0]
        n = math.ceil(phase_spec.duration_years - 1e-9)
        lo, hi = timing.start, int(timing.completion[0, 0])
        yearly = np.array(
            [flows[lo + k * ppy : min(lo + (k + 1) * ppy, hi)].sum() for k in range(n)]
        )
        total = float(yearly.sum())
        if total <= 0:
            continue
        out.append(
            {
                "name": "涨价预备费" if len(phases) == 1 else f"涨价预备费（{phase_spec.name}）",
                "category": InvestmentCategory.OTHER_COSTS.value,
                "amount": total,
                "phase": phase_spec.name,
                "schedule": [float(x) for x in yearly / total],
                "asset_class": pc.asset_class or "building",
                "input_vat_rate": 0.0,
                "escalate": False,
                "overrun_applies": False,
            }
        )
    return out


# --------------------------------------------------------------------------------------
# Renaming a member
# --------------------------------------------------------------------------------------


@dataclass
class _Parts:
    """The lists of the combined spec as plain data, with the provenance of each item."""

    phases: list[dict[str, Any]] = field(default_factory=list)
    investment: list[dict[str, Any]] = field(default_factory=list)
    revenues: list[dict[str, Any]] = field(default_factory=list)
    opex: list[dict[str, Any]] = field(default_factory=list)
    classes: list[dict[str, Any]] = field(default_factory=list)
    funding: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {k: [] for k in FUNDING_LISTS}
    )
    provenance: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(
        self, where: list[dict[str, Any]], section: str, item: dict[str, Any], origin: str
    ) -> None:
        self.provenance[f"{section}[{len(where)} {item['name']}]"] = origin
        where.append(item)


def _completion(spec: ProjectSpec) -> float:
    return max(p.start_year + p.duration_years for p in spec.timeline.phases)


def _first_start(spec: ProjectSpec) -> float:
    return min(p.start_year for p in spec.timeline.phases)


def _add_calendar(parts: _Parts, member: DistrictMember, at: str, data: dict[str, Any]) -> None:
    """Add a member's phases and asset classes, renamed ``key·name``."""
    key = member.key
    for j, ph in enumerate(data["timeline"]["phases"]):
        origin = f"{at}.timeline.phases[{j} {ph['name']}]"
        parts.add(
            parts.phases, "timeline.phases", {**ph, "name": prefixed(key, ph["name"])}, origin
        )
    for j, c in enumerate(data["depreciation"]["classes"]):
        origin = f"{at}.depreciation.classes[{j} {c['name']}]"
        parts.add(
            parts.classes,
            "depreciation.classes",
            {
                **c,
                "name": prefixed(key, c["name"]),
                "label_zh": prefixed(key, c["label_zh"] or c["name"]),
            },
            origin,
        )


def _renamed_fixed_item(key: str, new: dict[str, Any]) -> dict[str, Any]:
    """A converted contingency item (plain data, names unprefixed) renamed ``key·name``."""
    return {
        **new,
        "name": prefixed(key, new["name"]),
        "phase": prefixed(key, new["phase"]),
        "asset_class": prefixed(key, new["asset_class"]),
    }


def _add_investment(
    parts: _Parts, member: DistrictMember, at: str, data: dict[str, Any], rates: TaxRates
) -> None:
    """Add a member's investment items, renamed, its item phases and asset classes made
    explicit, and its basic and price contingencies converted to fixed items (with a note
    each)."""
    key, spec = member.key, member.project
    tl = spec.timeline
    first_phase = tl.phases[0].name
    contingencies = _contingency_items(spec, rates)
    for j, item in enumerate(data["investment"]):
        origin = f"{at}.investment[{j} {item['name']}]"
        if item["category"] == InvestmentCategory.CONTINGENCY.value:
            for new in contingencies[item["name"]]:
                parts.add(parts.investment, "investment", _renamed_fixed_item(key, new), origin)
            parts.notes.append(
                f"{prefixed(key, item['name'])}: member {key}'s basic contingency "
                f"({item['rate']:.1%} of its own {', '.join(item['base_categories'])}) is "
                "carried as fixed amounts under 工程建设其他费用"
            )
            continue
        category = InvestmentCategory(item["category"])
        parts.add(
            parts.investment,
            "investment",
            {
                **item,
                "name": prefixed(key, item["name"]),
                "phase": prefixed(key, item["phase"] or first_phase),
                "asset_class": prefixed(key, item["asset_class"] or default_asset_class(category)),
            },
            origin,
        )
    for new in _price_contingency_items(spec):
        parts.add(
            parts.investment, "investment", _renamed_fixed_item(key, new), f"{at}.price_contingency"
        )
        parts.notes.append(
            f"{prefixed(key, new['name'])}: member {key}'s price contingency "
            f"({spec.price_contingency.rate:.1%} a year) is carried as a fixed amount under "
            "工程建设其他费用"
            + ("" if tl.periods_per_year == 1 else ", spent evenly within each construction year")
        )


def _add_operations(parts: _Parts, member: DistrictMember, at: str, data: dict[str, Any]) -> None:
    """Add a member's revenue streams and operating costs, renamed, their phase (the
    member's last) and a revenue-share cost's streams (the member's) made explicit."""
    key, spec = member.key, member.project

    def p(name: str) -> str:
        return prefixed(key, name)

    last_phase = spec.timeline.phase(None).name
    classes = [c.name for c in spec.depreciation.classes]
    streams = [r.name for r in spec.revenues]
    for j, r in enumerate(data["revenues"]):
        parts.add(
            parts.revenues,
            "revenues",
            {**r, "name": p(r["name"]), "phase": p(r["phase"] or last_phase)},
            f"{at}.revenues[{j} {r['name']}]",
        )
    for j, o in enumerate(data["opex"]):
        new = {**o, "name": p(o["name"]), "phase": p(o["phase"] or last_phase)}
        if o["driver"] is not None:
            new["driver"] = p(o["driver"])
        if o["revenues"] is not None:
            new["revenues"] = [p(n) for n in o["revenues"]]
        elif o["basis"] == OpexBasis.REVENUE_SHARE.value:
            new["revenues"] = [p(n) for n in streams]
        new["asset_class"] = p(o["asset_class"] if o["asset_class"] in classes else classes[0])
        parts.add(parts.opex, "opex", new, f"{at}.opex[{j} {o['name']}]")


def _add_funding(
    parts: _Parts,
    member: DistrictMember,
    at: str,
    data: dict[str, Any],
    district_completion: float,
    district_close: float,
) -> None:
    """Add a member's fiscal funds, special bonds and loans, renamed, its grants and
    injections without a schedule put on its own spending and its operating subsidy's start
    kept after its own completion; with a note for what runs on the district's calendar."""
    key, spec = member.key, member.project
    tl = spec.timeline

    def p(name: str) -> str:
        return prefixed(key, name)

    fs = spec.funding
    capex = None
    late = _first_start(spec) > district_close + 1e-9
    for j, f in enumerate(data["funding"]["fiscal_funds"]):
        new = {**f, "name": p(f["name"])}
        use = FiscalUse(f["use"])
        if use is FiscalUse.INTEREST_SUBSIDY:
            new["loan"] = p(f["loan"])
            if late:
                parts.notes.append(
                    f"{p(f['name'])}: runs from the district's first "
                    f"construction start (year {district_close:g}), not member "
                    f"{key}'s (year {_first_start(spec):g})"
                )
        elif use in (FiscalUse.CAPITAL_GRANT, FiscalUse.EQUITY_INJECTION) and f["schedule"] is None:
            capex = member_capex(spec) if capex is None else capex
            timing = _spending_schedule(capex, tl.periods_per_year)
            if timing is not None:
                new["start_year"], new["schedule"] = timing
        elif use is FiscalUse.OPERATING_SUBSIDY:
            start = f["start_year"] + _completion(spec) - district_completion
            if start < -1e-9:
                parts.notes.append(
                    f"{p(f['name'])}: member {key} completes in year {_completion(spec):g}, "
                    f"before the district (year {district_completion:g}); its operating subsidy "
                    "starts at the district's completion"
                )
            new["start_year"] = max(0.0, start)
        parts.add(
            parts.funding["fiscal_funds"],
            "funding.fiscal_funds",
            new,
            f"{at}.funding.fiscal_funds[{j} {f['name']}]",
        )
    for kind in ("special_bonds", "loans"):
        for j, item in enumerate(data["funding"][kind]):
            parts.add(
                parts.funding[kind],
                f"funding.{kind}",
                {**item, "name": p(item["name"])},
                f"{at}.funding.{kind}[{j} {item['name']}]",
            )
    if fs.loans and late:
        parts.notes.append(
            f"member {key}'s loans run from the district's financial close (year "
            f"{district_close:g}), not from its own construction start (year "
            f"{_first_start(spec):g})"
        )
    if fs.reit_exit is not None:
        parts.notes.append(
            f"member {key}'s REIT exit is not carried into the district (a REIT "
            "exit sells the whole company's assets; give the district "
            "`funding.reit_exit`)"
        )


def _add_member(
    parts: _Parts,
    index: int,
    member: DistrictMember,
    rates: TaxRates,
    district_completion: float,
    district_close: float,
) -> None:
    """Add a member's lists to ``parts``, each item renamed ``key·name`` and its
    spec-wide defaults made explicit (see the module docstring)."""
    at = f"{member_path(index, member.key)}.spec"
    data = member.project.model_dump(mode="json")
    _add_calendar(parts, member, at, data)
    _add_investment(parts, member, at, data, rates)
    _add_operations(parts, member, at, data)
    _add_funding(parts, member, at, data, district_completion, district_close)


def _member_fund(member: DistrictMember) -> dict[str, Any]:
    spec = member.project
    assert spec.funding.fund is not None
    fund = spec.funding.fund.model_dump(mode="json")
    fund["name"] = prefixed(member.key, fund["name"])
    if fund["schedule"] is None:
        timing = _spending_schedule(member_capex(spec), spec.timeline.periods_per_year)
        if timing is not None:
            fund["start_year"], fund["schedule"] = timing
    return fund


def scaled_funding_item(kind: str, item: dict[str, Any], factor: float) -> dict[str, Any] | None:
    """A district funding item (plain data) with its amounts times ``factor``; None when
    nothing would be left (an interest subsidy keeps its share)."""
    if factor == 1.0:
        return item
    out = dict(item)
    if kind == "fiscal_funds":
        if item["use"] == FiscalUse.INTEREST_SUBSIDY.value:
            return out
        out["amount"] = item["amount"] * factor
        return out if out["amount"] > 0 else None
    if kind == "special_bonds":
        out["amount"] = item["amount"] * factor
        return out if out["amount"] > 0 else None
    if factor <= 0:
        return None
    if item["sizing"]["amount"] is not None:
        out["sizing"] = {**item["sizing"], "amount": item["sizing"]["amount"] * factor}
    return out


def scaled_district_funding(
    district: DistrictSpec, factor: float
) -> dict[str, list[dict[str, Any]]]:
    """The district's fiscal funds, bonds and loans as plain data, amounts times ``factor``
    (loans keep their gearing and DSCR bounds); interest subsidies of dropped loans go too."""
    data = district.funding.model_dump(mode="json")
    out: dict[str, list[dict[str, Any]]] = {}
    for kind in ("special_bonds", "loans", "fiscal_funds"):
        kept = [scaled_funding_item(kind, item, factor) for item in data[kind]]
        out[kind] = [k for k in kept if k is not None]
    loans = {ln["name"] for ln in out["loans"]}
    out["fiscal_funds"] = [
        f
        for f in out["fiscal_funds"]
        if f["use"] != FiscalUse.INTEREST_SUBSIDY.value or f["loan"] in loans
    ]
    return out


# --------------------------------------------------------------------------------------
# The combined spec
# --------------------------------------------------------------------------------------


def _map_problem(problem: Problem, provenance: dict[str, str]) -> Problem:
    best = max(
        (
            k
            for k in provenance
            if problem.path == k
            or problem.path.startswith(k + ".")
            or problem.path.startswith(k + "[")
        ),
        key=len,
        default=None,
    )
    if best is not None:
        path = provenance[best] + problem.path[len(best) :]
        return Problem(
            path,
            f"{problem.message} (in the combined district model, as {best})",
            problem.value,
            problem.has_value,
        )
    if problem.path.startswith("funding.") and SEP not in problem.path:
        return problem
    return Problem(
        problem.path,
        f"{problem.message} (in the combined district model)",
        problem.value,
        problem.has_value,
    )


def _combined_funding(
    district: DistrictSpec,
    members: list[tuple[int, DistrictMember]],
    parts: _Parts,
    district_lists: dict[str, list[dict[str, Any]]],
    funding_scale: float,
) -> dict[str, Any]:
    """The combined spec's ``funding`` as plain data: the district's lists (scaled) ahead of
    the members', the policy fields of the district where it states them (else of the first
    member), the members' equity commitments summed, the district's fund (else the first
    member fund) and the district's REIT exit. Notes and fund provenance go to ``parts``."""
    dfs, first = district.funding, members[0][1].project
    funding: dict[str, Any] = {
        kind: district_lists[kind] + parts.funding[kind] for kind in FUNDING_LISTS
    }
    set_fields = dfs.model_fields_set
    district_data, first_data = dfs.model_dump(mode="json"), first.funding.model_dump(mode="json")
    for name in ("equity_parties", *POLICY_FIELDS):
        funding[name] = (district_data if name in set_fields else first_data)[name]
    if "equity_commitment" in set_fields:
        funding["equity_commitment"] = dfs.equity_commitment
    else:
        commitments = [m.project.funding.equity_commitment for _, m in members]
        funding["equity_commitment"] = (
            None
            if any(c is None for c in commitments)
            else float(sum(c for c in commitments if c is not None))
        )
    if dfs.fund is not None:
        fund = dfs.fund.model_dump(mode="json")
        if funding_scale != 1.0:
            fund["amount"] *= funding_scale
        funding["fund"] = fund if fund["amount"] > 0 else None
        dropped = [m.key for _, m in members if m.project.funding.fund is not None]
        if dropped:
            parts.notes.append(
                f"the district's fund replaces the funds of members {', '.join(dropped)}"
            )
    else:
        with_fund = [(i, m) for i, m in members if m.project.funding.fund is not None]
        if with_fund:
            i, m = with_fund[0]
            funding["fund"] = _member_fund(m)
            parts.provenance["funding.fund"] = f"{member_path(i, m.key)}.spec.funding.fund"
    funding["reit_exit"] = (
        dfs.reit_exit.model_dump(mode="json") if dfs.reit_exit is not None else None
    )
    return funding


def _reindexed_provenance(
    provenance: dict[str, str], district_lists: dict[str, list[dict[str, Any]]]
) -> dict[str, str]:
    """``provenance`` with the index of each member funding item moved behind the
    district's own items of its list (which come first in the combined spec)."""
    out = {}
    for k, v in provenance.items():
        for kind in FUNDING_LISTS:
            head = f"funding.{kind}["
            if k.startswith(head):
                j, rest = k[len(head) :].split(" ", 1)
                k = f"{head}{int(j) + len(district_lists[kind])} {rest}"
        out[k] = v
    return out


def combine(
    district: DistrictSpec, exclude: Collection[str] = (), funding_scale: float = 1.0
) -> Combination:
    """Merge a district's members (all but ``exclude``) and its funding into one project.

    Parameters
    ----------
    district : DistrictSpec
        The district.
    exclude : collection of str
        Keys of members left out (for a with/without comparison).
    funding_scale : float
        Factor on the amounts of the district-level fiscal funds, bonds, loan caps and fund
        (1 = as stated).

    Raises
    ------
    SpecError
        When the merged spec is invalid, each problem at its district path; or when every
        member is excluded.
    """
    members = [(i, m) for i, m in enumerate(district.projects) if m.key not in exclude]
    if not members:
        raise SpecError(
            [Problem("projects", "no member left to combine", list(exclude))], what="district"
        )
    info, dtl = district.district, district.timeline
    first = members[0][1].project
    tax = district.tax if district.tax is not None else first.tax
    rates = resolve_tax(tax, info.city_tier)
    completion = max(_completion(m.project) for _, m in members)
    close = min(_first_start(m.project) for _, m in members)
    parts = _Parts()
    for i, m in members:
        _add_member(parts, i, m, rates, completion, close)

    district_lists = scaled_district_funding(district, funding_scale)
    funding = _combined_funding(district, members, parts, district_lists, funding_scale)
    provenance = _reindexed_provenance(parts.provenance, district_lists)

    pc_first = first.price_contingency.asset_class or "building"
    data = {
        "project": {
            "name": info.name,
            "name_en": info.name_en,
            "kind": info.kind.value,
            "location": info.location,
            "description": info.description,
            "sector": info.sector.value,
            "city_tier": info.city_tier.value,
            "money_unit": info.money_unit.value,
        },
        "timeline": {
            "start_date": dtl.start_date.isoformat(),
            "periodicity": dtl.periodicity.value,
            "horizon_years": dtl.horizon_years,
            "phases": parts.phases,
        },
        "investment": parts.investment,
        "price_contingency": {"rate": 0.0, "asset_class": prefixed(members[0][1].key, pc_first)},
        "revenues": parts.revenues,
        "opex": parts.opex,
        "depreciation": {"classes": parts.classes},
        "tax": tax.model_dump(mode="json"),
        "evaluation": (district.evaluation or first.evaluation).model_dump(mode="json"),
        "funding": funding,
    }
    inventory = [
        m.key for _, m in members if any(c.inventory for c in m.project.depreciation.classes)
    ]
    sellers = [m.key for _, m in members if any(r.kind.one_off for r in m.project.revenues)]
    if inventory and len(sellers) > 1:
        parts.notes.append(
            f"inventory of members {', '.join(inventory)} is charged against the "
            f"one-off revenue of members {', '.join(sellers)} together"
        )
    try:
        spec = validate_data(ProjectSpec, data, f"district {info.name}", "district")
    except SpecError as exc:
        raise SpecError(
            [_map_problem(p, provenance) for p in exc.problems], exc.source, "district"
        ) from None
    return Combination(spec, [m.key for _, m in members], provenance, parts.notes)


def combined_spec(
    district: DistrictSpec, exclude: Collection[str] = (), funding_scale: float = 1.0
) -> ProjectSpec:
    """The district as one project spec (see ``combine``)."""
    return combine(district, exclude, funding_scale).spec


def combination_problems(district: DistrictSpec) -> list[Problem]:
    """Problems of merging a district (each at its district path); empty when it merges."""
    try:
        combine(district)
    except SpecError as exc:
        return exc.problems
    return []


def allocated_spec(district: DistrictSpec, key: str, share: float | None = None) -> ProjectSpec:
    """Member ``key`` alone on the district's calendar: its own spec and funding, its horizon
    extended to the district's, plus ``share`` (default ``member_shares``) of every
    district-level fiscal fund, bond amount, loan cap and fund (a member fund, if any,
    stays instead); district items keep their names, and the district's REIT exit, equity
    parties and policy fields are not carried.

    Raises
    ------
    SpecError
        When the allocated spec is invalid.
    """
    member = district.member(key)
    w = member_shares(district)[key] if share is None else share
    data = member.project.model_dump(mode="json")
    data["timeline"]["horizon_years"] = district.timeline.horizon_years
    extra = scaled_district_funding(district, w)
    for kind in FUNDING_LISTS:
        data["funding"][kind] = extra[kind] + data["funding"][kind]
    if district.funding.fund is not None and data["funding"]["fund"] is None and w > 0:
        fund = district.funding.fund.model_dump(mode="json")
        fund["amount"] *= w
        data["funding"]["fund"] = fund
    return validate_data(ProjectSpec, data, f"district member {key} (allocated)", "spec")


__all__ = [
    "POLICY_FIELDS",
    "Combination",
    "allocated_spec",
    "combination_problems",
    "combine",
    "combined_spec",
    "member_capex",
    "member_shares",
    "scaled_district_funding",
    "scaled_funding_item",
]
