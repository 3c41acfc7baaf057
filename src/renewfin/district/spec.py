"""The district spec (片区统筹): several projects run as one project company.

A district bundles member projects so that profitable parts carry unprofitable ones
(肥瘦搭配, ``DOMAIN.md`` §1). It states the shared calendar and money unit, lists its
members — each a full project spec, inline or in a file — and adds the funding raised
for the district as a whole (one special-bond quota, one loan, a fund, equity parties).
``renewfin.district.combine`` turns it into one ``ProjectSpec``; ``run_district`` runs it.

Like every spec the models are frozen, reject unknown keys and document each field.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Field, model_validator

from renewfin.spec.base import MoneyUnit, Name, Periodicity, Share, SpecModel
from renewfin.spec.errors import CrossCheckError, Problem, SpecError
from renewfin.spec.evaluation import EvaluationSpec
from renewfin.spec.funding import FundingSpec
from renewfin.spec.io import read_data, validate_data
from renewfin.spec.model import ProjectSpec
from renewfin.spec.project import CityTier, ProjectKind, Sector
from renewfin.spec.tax import TaxSpec

SEP = "·"
"""Separator between a member's key and its own names in the combined model (``A·一期``)."""

DISTRICT_SCHEMA_VERSION = 1

MemberKey = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[^\s·\[\]\.]+$")]
"""A short member key: no spaces, dots, brackets or ``·``."""


def prefixed(key: str, name: str) -> str:
    """The combined-model name of a member's ``name``: ``key·name``."""
    return f"{key}{SEP}{name}"


class DistrictInfo(SpecModel):
    """Who and what the district is. The combined project company takes its identity,
    sector, location class and money unit from here."""

    name: Name
    """District name (片区名称), e.g. 城南片区城市更新项目."""
    name_en: str | None = None
    """English name, for bilingual outputs."""
    kind: ProjectKind = ProjectKind.OTHER
    """Kind of renewal project reported for the combined company (项目类型)."""
    location: str | None = None
    """City and district (项目地点), free text."""
    description: str | None = None
    """One-paragraph description of the bundle (片区策划), free text."""
    sector: Sector = Sector.URBAN_INFRASTRUCTURE
    """Sector of the combined company, which sets its minimum project-capital ratio."""
    city_tier: CityTier = CityTier.CITY
    """Location class of the combined company for 城建税 (members' own tiers apply only to
    their standalone runs)."""
    money_unit: MoneyUnit = MoneyUnit.WAN_YUAN
    """Money unit of the district; every member must use the same."""


class DistrictTimeline(SpecModel):
    """The shared calendar. Members must start on the same date, use the same periodicity
    and end no later than the district's horizon."""

    start_date: dt.date
    """First day of the first model period (计算期起点), ISO date."""
    periodicity: Periodicity = Periodicity.ANNUAL
    """Length of a model period: annual, semiannual, quarterly or monthly."""
    horizon_years: int = Field(ge=1, le=80)
    """Length of the district's calculation period [yr]; each member's horizon must be at
    most this. In the combined run a member with a shorter horizon keeps operating to the
    district's (the horizon is the calculation period, not the asset's life; a stream that
    must stop earlier says so with its ``end_year``)."""


class DistrictMember(SpecModel):
    """One member project of the district, given inline or by file."""

    key: MemberKey
    """Short unique key (e.g. ``A`` or ``老街``) prefixed to every name of the member in the
    combined model: phase ``A·一期``, stream ``A·停车位``, loan ``A·项目贷款``."""
    file: str | None = None
    """The member's project spec file (YAML or JSON), relative to the district file;
    ``load_district`` reads it into ``spec``. Give ``file`` or ``spec``, not both."""
    spec: ProjectSpec | None = None
    """The member's full project spec (a mapping with ``project``, ``timeline``,
    ``investment`` …), validated as ``renewfin.load_spec`` would; its ``funding`` is the
    member's own (e.g. the grants earmarked for it)."""
    funding_share: Share | None = None
    """Share of the district-level funding the member receives in its *allocated* view
    (the member alone with its own funding plus this share of every district fund, bond
    and loan amount); default its share of the members' construction investment. Give it
    for every member or for none; the shares must sum to 100 %."""

    @model_validator(mode="after")
    def _has_spec(self) -> Self:
        if self.spec is None:
            where = "file" if self.file is not None else "spec"
            message = (
                "a member given by `file` is read by load_district (the path is "
                "relative to the district file); expected a spec"
                if self.file is not None
                else "give the member's `spec` or its `file`"
            )
            raise CrossCheckError(
                [Problem(where, message, self.file, has_value=self.file is not None)]
            )
        return self

    @property
    def project(self) -> ProjectSpec:
        """The member's project spec (always present once validated)."""
        assert self.spec is not None
        return self.spec


class DistrictSpec(SpecModel):
    """A district (片区): member projects run as one project company with one waterfall,
    plus the funding raised for the district as a whole. Money is in
    ``district.money_unit``.

    How the combined model is built (``renewfin.district.combine``): every phase,
    investment item, revenue stream, operating cost, asset class and member funding item
    is renamed ``key·name`` and every reference to it rewritten; members' defaults that
    depend on the whole spec (the first or last phase, all streams, spending-paced grants)
    are made explicit first. ``tax`` and ``evaluation`` default as documented on the fields;
    the funding rules are on ``funding``.
    """

    schema_version: int = Field(default=DISTRICT_SCHEMA_VERSION, ge=1, le=DISTRICT_SCHEMA_VERSION)
    """Version of the district format."""
    district: DistrictInfo
    """District identity, sector, location class and money unit."""
    timeline: DistrictTimeline
    """The shared calendar: start date, periodicity and horizon."""
    projects: list[DistrictMember] = Field(min_length=1)
    """Member projects, each with a short unique ``key``."""
    funding: FundingSpec = Field(default_factory=FundingSpec)
    """District-level funding, added to the members' own funding items (which keep their
    amounts, renamed ``key·name``): fiscal funds, special bonds and loans (district loans
    rank before members' loans for DSCR sizing). Equity parties and every policy field
    (LPR, priority, drawdown, distribution policy, reserve rate, capital-ratio floor, bond
    capital cap, minimum cash, covenants) are the district's where it states them, else the
    first member's. ``equity_commitment``: the district's, else the sum of the members'
    when each states one. ``fund``: the district's, else the one member fund if exactly one
    member has one. ``reit_exit``: the district's only (a REIT exit sells the whole
    company's assets; members' exits are dropped from the combined run, with a note)."""
    evaluation: EvaluationSpec | None = None
    """Discount rates and benchmarks of the combined run; default the first member's."""
    tax: TaxSpec | None = None
    """Tax preset and overrides of the combined company; default the members' (which must
    then be identical, since taxes change the cash)."""

    @model_validator(mode="after")
    def _members_fit(self) -> Self:
        problems = calendar_problems(self)
        if not problems:
            from renewfin.district.combine import combination_problems

            problems = combination_problems(self)
        if problems:
            raise CrossCheckError(problems)
        return self

    def member(self, key: str) -> DistrictMember:
        """The member called ``key``."""
        for m in self.projects:
            if m.key == key:
                return m
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        """Member keys, in order."""
        return [m.key for m in self.projects]


def member_path(index: int, key: str) -> str:
    """Path of a member in a district document: ``projects[1 老街]``."""
    return f"projects[{index} {key}]"


def _key_problems(keys: list[str]) -> list[Problem]:
    """A problem for each member key that repeats an earlier one."""
    return [
        Problem(
            f"{member_path(i, k)}.key",
            f"member keys must be unique; {k} is also the key of {member_path(keys.index(k), k)}",
            k,
        )
        for i, k in enumerate(keys)
        if k in keys[:i]
    ]


def _member_calendar_problems(
    district: DistrictSpec, index: int, m: DistrictMember
) -> list[Problem]:
    """Member ``m`` (at ``index``) against the district's start date, periodicity, horizon
    and money unit, and (with no district ``tax``) against the first member's taxes."""
    problems: list[Problem] = []
    tl, info = district.timeline, district.district
    at = f"{member_path(index, m.key)}.spec"
    spec = m.project
    mt = spec.timeline
    if mt.start_date != tl.start_date:
        problems.append(
            Problem(
                f"{at}.timeline.start_date",
                f"member {m.key} starts on {mt.start_date.isoformat()}; "
                f"expected the district's start date "
                f"{tl.start_date.isoformat()}",
                mt.start_date.isoformat(),
            )
        )
    if mt.periodicity is not tl.periodicity:
        problems.append(
            Problem(
                f"{at}.timeline.periodicity",
                f"member {m.key} is {mt.periodicity.value}; expected the "
                f"district's periodicity {tl.periodicity.value}",
                mt.periodicity.value,
            )
        )
    if mt.horizon_years > tl.horizon_years:
        problems.append(
            Problem(
                f"{at}.timeline.horizon_years",
                f"member {m.key} runs past the district's horizon; expected <= {tl.horizon_years}",
                mt.horizon_years,
            )
        )
    unit = spec.project.money_unit
    if unit is not info.money_unit:
        problems.append(
            Problem(
                f"{at}.project.money_unit",
                f"member {m.key} counts money in {unit.value}; expected "
                f"the district's money unit {info.money_unit.value}",
                unit.value,
            )
        )
    first = district.projects[0]
    if district.tax is None and index > 0 and spec.tax != first.project.tax:
        problems.append(
            Problem(
                f"{at}.tax",
                f"member {m.key}'s taxes differ from those of "
                f"{member_path(0, first.key)}; give the district its own "
                "`tax` or make the members' agree",
                has_value=False,
            )
        )
    return problems


def _fund_problems(district: DistrictSpec) -> list[Problem]:
    """A problem when, with no district fund, more than one member has a fund."""
    funds = [m.key for m in district.projects if m.project.funding.fund is not None]
    if district.funding.fund is not None or len(funds) <= 1:
        return []
    i = district.keys.index(funds[1])
    return [
        Problem(
            f"{member_path(i, funds[1])}.spec.funding.fund",
            f"members {', '.join(funds)} each have a fund; one project "
            "company holds one fund: give the district `funding.fund`",
            has_value=False,
        )
    ]


def _share_problems(district: DistrictSpec) -> list[Problem]:
    """A problem when funding shares are given for some members only, or do not sum to 1."""
    shares = [m.funding_share for m in district.projects]
    given = [s for s in shares if s is not None]
    if given and len(given) != len(shares):
        missing = [m.key for m in district.projects if m.funding_share is None]
        return [
            Problem(
                "projects",
                "funding_share is given for some members only; "
                f"give it for every member or for none (missing: "
                f"{', '.join(missing)})",
                has_value=False,
            )
        ]
    if given and abs(sum(given) - 1.0) > 1e-6:
        return [
            Problem(
                "projects",
                f"funding_share must sum to 100% over the members; they sum to {sum(given):.4%}",
                given,
            )
        ]
    return []


def _funding_name_problems(district: DistrictSpec) -> list[Problem]:
    """A problem for each district funding item named as a member's item of its list."""
    problems: list[Problem] = []
    for kind in FUNDING_LISTS:
        owners = {
            item.name: m.key for m in district.projects for item in getattr(m.project.funding, kind)
        }
        for j, item in enumerate(getattr(district.funding, kind)):
            if item.name in owners:
                problems.append(
                    Problem(
                        f"funding.{kind}[{j} {item.name}].name",
                        f"also the name of a {kind.removesuffix('s')} of member "
                        f"{owners[item.name]}; "
                        "expected a different name (the member's allocated view holds both)",
                        item.name,
                    )
                )
    return problems


def calendar_problems(district: DistrictSpec) -> list[Problem]:
    """Members with a repeated key; members that disagree with the district on start date,
    periodicity or money unit, run past its horizon, or (with no district ``tax``) differ in
    taxes; member funds that cannot be combined; funding shares given for some members only
    or not summing to 100 %; district funding names a member also uses. Each problem names
    the member and the field."""
    problems = _key_problems(district.keys)
    for i, m in enumerate(district.projects):
        problems += _member_calendar_problems(district, i, m)
    return (
        problems
        + _fund_problems(district)
        + _share_problems(district)
        + _funding_name_problems(district)
    )


FUNDING_LISTS = ("fiscal_funds", "special_bonds", "loans")
"""Funding lists whose items districts and members both hold (renamed ``key·name``)."""


_UNLABELLED = re.compile(r"^projects\[(\d+)\](?=\.|$)")


def _label_members(problems: list[Problem], data: Any) -> list[Problem]:
    """Label ``projects[1]`` as ``projects[1 老街]`` with the member's key from the data."""
    members = data.get("projects") if isinstance(data, dict) else None
    out = []
    for p in problems:
        m = _UNLABELLED.match(p.path)
        if m and isinstance(members, list) and int(m.group(1)) < len(members):
            raw = members[int(m.group(1))]
            key = raw.get("key") if isinstance(raw, dict) else None
            if isinstance(key, str) and key.strip():
                path = f"projects[{m.group(1)} {key.strip()}]" + p.path[m.end() :]
                p = Problem(path, p.message, p.value, p.has_value)
        out.append(p)
    return out


def district_from_data(
    data: Any, base_dir: str | os.PathLike[str] | None = None, source: str | None = None
) -> DistrictSpec:
    """Validate plain district data, reading members given by ``file`` relative to
    ``base_dir`` (default the working directory).

    Raises
    ------
    SpecError
        Listing every problem; problems inside a member carry its path
        (``projects[1 老街].spec.revenues[0 商铺租金].unit_price``).
    """
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    problems: list[Problem] = []
    if isinstance(data, dict) and isinstance(data.get("projects"), list):
        data = dict(data)
        members = []
        for i, raw in enumerate(data["projects"]):
            if isinstance(raw, dict) and raw.get("file") is not None:
                key = raw.get("key")
                at = f"projects[{i} {key}]" if isinstance(key, str) else f"projects[{i}]"
                if raw.get("spec") is not None:
                    problems.append(
                        Problem(
                            f"{at}.spec",
                            "give the member's `spec` or its `file`, not both",
                            has_value=False,
                        )
                    )
                elif not isinstance(raw["file"], str):
                    problems.append(Problem(f"{at}.file", "expected a path", raw["file"]))
                else:
                    path = base / raw["file"]
                    try:
                        raw = {**raw, "spec": read_data(path)}
                    except SpecError as exc:
                        problems += [
                            Problem(
                                f"{at}.file",
                                p.message if p.has_value else f"{p.message} ({path})",
                                p.value,
                                p.has_value,
                            )
                            for p in exc.problems
                        ]
            members.append(raw)
        data["projects"] = members
    if problems:
        raise SpecError(problems, source, "district")
    try:
        return validate_data(DistrictSpec, data, source, "district")
    except SpecError as exc:
        raise SpecError(_label_members(exc.problems, data), source, "district") from None


def load_district(path: str | os.PathLike[str]) -> DistrictSpec:
    """Load a district spec from a YAML or JSON file; members given by ``file`` are read
    relative to the district file.

    Raises
    ------
    SpecError
        Listing every problem with its path, the value and what was expected.
    """
    p = Path(path)
    return district_from_data(read_data(p, "district"), p.parent, str(p))


def district_schema() -> dict[str, object]:
    """JSON Schema of district specs."""
    return DistrictSpec.model_json_schema()


__all__ = [
    "SEP",
    "DistrictInfo",
    "DistrictMember",
    "DistrictSpec",
    "DistrictTimeline",
    "calendar_problems",
    "district_from_data",
    "district_schema",
    "load_district",
    "member_path",
    "prefixed",
]
