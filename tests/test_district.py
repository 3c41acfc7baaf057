"""Districts (片区统筹, DOMAIN.md §1): members merged into one project company.

References, named in each test: hand-computed totals of two small members built from
``renewfin.testing.minimal_spec``; the members' own standalone runs (a district whose
members share nothing must add up to them); the member specs themselves (every name and
reference of the combined spec traced back to them); the bundled example
``models/districts/chengnan.yaml`` and its comments (the bundle balances, the
old-community part alone does not).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from renewfin.cli import EXIT_INVALID, main
from renewfin.district import (
    SEP,
    DistrictResult,
    allocated_spec,
    combine,
    combined_spec,
    district_from_data,
    district_schema,
    load_district,
    member_shares,
    run_district,
)
from renewfin.engine import run
from renewfin.spec import SpecError, load_spec
from renewfin.spec.opex import OpexBasis
from renewfin.testing import minimal_spec

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "models" / "districts" / "chengnan.yaml"


def district_data(
    *members: tuple[str, dict[str, Any]], horizon: int = 10, **sections: Any
) -> dict[str, Any]:
    """Plain data of a district on the minimal spec's calendar (2026-01-01, annual)."""
    return {
        "district": {"name": "测试片区", "money_unit": "万元"},
        "timeline": {"start_date": "2026-01-01", "periodicity": "annual", "horizon_years": horizon},
        "projects": [{"key": k, "spec": s} for k, s in members],
        **sections,
    }


def small_pair() -> tuple[dict[str, Any], dict[str, Any]]:
    """Member A: ``minimal_spec`` (1,000 spent 400/600 in 2026/27; 500 spaces at 400 元/month
    = 240 万元 a year from 2028; no costs). Member B: 500 spent 50/50 plus a 10 % basic
    contingency (550 in all: 275/275); 200 spaces at 400 元/month = 96 万元 a year from 2028;
    a fixed cost of 30 万元 a year; its own capital grant of 100 without a schedule."""
    a = minimal_spec()
    b = minimal_spec(
        project={"name": "成员B"},
        investment=[
            {
                "name": "建安工程",
                "category": "construction",
                "amount": 500.0,
                "schedule": [0.5, 0.5],
            },
            {"name": "基本预备费", "category": "contingency", "rate": 0.10},
        ],
        revenues=[
            {
                "name": "停车位",
                "kind": "parking",
                "quantity": 200,
                "unit_price": 400.0,
                "price_per": "month",
            }
        ],
        opex=[{"name": "运维", "basis": "fixed", "amount": 30.0}],
        funding={"fiscal_funds": [{"name": "补助", "use": "capital_grant", "amount": 100.0}]},
    )
    return a, b


@pytest.fixture(scope="module")
def example() -> DistrictResult:
    return run_district(load_district(EXAMPLE))


# ---------------------------------------------------------------- nothing shared: sums


def test_totals_equal_the_hand_computed_sum_of_two_small_members() -> None:
    """Reference: hand computation from ``small_pair`` — capex 400 + 275 = 675 in 2026 and
    600 + 275 = 875 in 2027; revenue 240 + 96 = 336 and opex 30 in each year from 2028;
    and the two members' standalone runs, period by period."""
    a, b = small_pair()
    district = district_from_data(district_data(("A", a), ("B", b)))
    result = run(combined_spec(district))
    led = result.ledger
    expected_capex = np.array([675.0, 875.0] + [0.0] * 8)
    expected_revenue = np.array([0.0, 0.0] + [336.0] * 8)
    expected_opex = np.array([0.0, 0.0] + [30.0] * 8)
    np.testing.assert_allclose(led["capex.total"][0], expected_capex, atol=1e-9)
    np.testing.assert_allclose(led["revenue.total"][0], expected_revenue, atol=1e-9)
    np.testing.assert_allclose(led["opex.total"][0], expected_opex, atol=1e-9)
    alone = [run(m.project) for m in district.projects]
    for line in ("capex.total", "revenue.total", "opex.total", "dep.total", "fiscal.grants"):
        np.testing.assert_allclose(
            led[line][0], sum(r.ledger[line][0] for r in alone), rtol=1e-12, atol=1e-9, err_msg=line
        )


def test_totals_equal_the_members_for_two_bundled_models() -> None:
    """Reference: the standalone runs of models/old_community.yaml and
    models/old_factory_park.yaml (two phases, land, a basic and a price contingency, own
    grants and loans), both on a 25-year horizon: construction investment, its input VAT,
    revenue, operating costs and depreciation add up period by period."""
    oc = yaml.safe_load((ROOT / "models" / "old_community.yaml").read_text(encoding="utf-8"))
    of = yaml.safe_load((ROOT / "models" / "old_factory_park.yaml").read_text(encoding="utf-8"))
    oc["timeline"]["horizon_years"] = 25
    # The members' land-use tax differs (its own site each): the district states its taxes
    # (the preset); the lines compared below do not depend on the land-use tax.
    district = district_from_data(
        district_data(("小区", oc), ("厂区", of), horizon=25, tax={"preset": "cn_default"})
    )
    combo = combine(district)
    assert any("涨价预备费" in n for n in combo.notes)
    led = run(combo.spec).ledger
    alone = [run(m.project).ledger for m in district.projects]
    for line in (
        "capex.total",
        "capex.input_vat",
        "revenue.total",
        "opex.total",
        "opex.input_vat",
        "dep.total",
    ):
        np.testing.assert_allclose(
            led[line][0], sum(x[line][0] for x in alone), rtol=1e-12, atol=1e-8, err_msg=line
        )


def test_breakdown_reads_each_members_part_of_the_combined_ledger(example: DistrictResult) -> None:
    """Reference: each member's standalone run (same calendar and taxes in the example)."""
    parts = example.breakdown()
    for key, r in example.standalone.items():
        assert parts.loc[key, "capex"] == pytest.approx(r.metric("total_investment"), rel=1e-12)
        assert parts.loc[key, "revenue"] == pytest.approx(r.metric("total_revenue"), rel=1e-12)
        assert parts.loc[key, "opex"] == pytest.approx(r.metric("total_opex"), rel=1e-12)
    assert parts["capex"].sum() == pytest.approx(example.metric("total_investment"), rel=1e-12)


# ---------------------------------------------------------------- names and references


def test_names_are_prefixed_and_every_reference_resolves(example: DistrictResult) -> None:
    """Reference: the member specs of the example — every combined name is ``key·name`` of
    a member name (or a district funding item), and every phase, asset class, driver and
    revenue list of the combined spec names something in it."""
    spec = example.combined.spec
    district = example.district
    keys = district.keys
    phases = {p.name for p in spec.timeline.phases}
    classes = {c.name for c in spec.depreciation.classes}
    streams = {r.name for r in spec.revenues}
    district_names = {
        x.name
        for kind in ("fiscal_funds", "special_bonds", "loans")
        for x in getattr(district.funding, kind)
    }

    def owner(name: str) -> str:
        key, sep, _ = name.partition(SEP)
        assert sep and key in keys, name
        return key

    expected_phases = {
        f"{m.key}{SEP}{p.name}" for m in district.projects for p in m.project.timeline.phases
    }
    assert phases == expected_phases
    for item in spec.investment:
        assert item.phase in phases and item.asset_class in classes
        assert owner(item.phase) == owner(item.name) == owner(item.asset_class)
    for r in spec.revenues:
        assert r.phase in phases and owner(r.phase) == owner(r.name)
    for o in spec.opex:
        assert o.phase in phases and owner(o.phase) == owner(o.name)
        assert o.asset_class in classes and owner(o.asset_class) == owner(o.name)
        if o.driver is not None:
            assert o.driver in streams and owner(o.driver) == owner(o.name)
        for n in o.revenues or []:
            assert n in streams and owner(n) == owner(o.name)
    assert spec.price_contingency.asset_class in classes
    for kind in ("fiscal_funds", "special_bonds", "loans"):
        for x in getattr(spec.funding, kind):
            assert x.name in district_names or owner(x.name)
    # A revenue-share cost with no list takes its member's streams, not the district's.
    street = district.member("老街").project
    cost = next(o for o in street.opex if o.basis is OpexBasis.REVENUE_SHARE and o.revenues is None)
    merged = next(o for o in spec.opex if o.name == f"老街{SEP}{cost.name}")
    assert merged.revenues == [f"老街{SEP}{r.name}" for r in street.revenues]
    # Each member's depreciation classes are kept as its own file sets them.
    lives = {c.name: c.life_years for c in spec.depreciation.classes}
    for key in ("小区", "老街"):
        for c in district.member(key).project.depreciation.classes:
            assert lives[f"{key}{SEP}{c.name}"] == c.life_years


def test_member_defaults_follow_the_member_not_the_district() -> None:
    """Reference: member A's standalone run. A completes in 2 years, B in 4: A's stream
    without a phase starts after A's completion (not B's), and B's grant without a schedule
    is paid in step with B's spending (not the district's)."""
    a, b = small_pair()
    b["timeline"]["phases"] = [{"name": "一期", "start_year": 1, "duration_years": 3}]
    b["investment"][0]["schedule"] = [0.2, 0.3, 0.5]
    district = district_from_data(district_data(("A", a), ("B", b)))
    led = run(combined_spec(district)).ledger
    alone_a, alone_b = (run(m.project).ledger for m in district.projects)
    np.testing.assert_allclose(
        led[f"revenue.stream[A{SEP}停车位]"][0], alone_a["revenue.stream[停车位]"][0], atol=1e-9
    )
    np.testing.assert_allclose(
        led[f"fiscal.grant[B{SEP}补助]"][0], alone_b["fiscal.grant[补助]"][0], atol=1e-9
    )


def test_equity_parties_come_from_the_district_else_the_first_member() -> None:
    """Reference: DistrictSpec.funding's documented rule."""
    a, b = small_pair()
    a["funding"] = {"equity_parties": [{"name": "甲", "share": 1.0}]}
    b["funding"]["equity_parties"] = [{"name": "乙", "share": 1.0}]
    plain = district_from_data(district_data(("A", a), ("B", b)))
    assert [p.name for p in combined_spec(plain).funding.equity_parties] == ["甲"]
    assert [p.name for p in combined_spec(plain, exclude={"A"}).funding.equity_parties] == ["乙"]
    own = district_from_data(
        district_data(
            ("A", a),
            ("B", b),
            funding={
                "equity_parties": [
                    {"name": "城投", "share": 0.6},
                    {"name": "社会资本", "share": 0.4},
                ]
            },
        )
    )
    assert [p.name for p in combined_spec(own).funding.equity_parties] == ["城投", "社会资本"]


def test_member_reit_exit_is_dropped_and_two_member_funds_are_refused() -> None:
    """Reference: DistrictSpec.funding's documented rule (a REIT exit sells the whole
    company; one company holds one fund)."""
    a, b = small_pair()
    a["funding"] = {"reit_exit": {"exit_year": 6}}
    combo = combine(district_from_data(district_data(("A", a), ("B", b))))
    assert combo.spec.funding.reit_exit is None
    assert any("REIT" in n for n in combo.notes)
    a, b = small_pair()
    a["funding"] = {"fund": {"amount": 100.0}}
    b["funding"]["fund"] = {"amount": 50.0}
    with pytest.raises(SpecError) as err:
        district_from_data(district_data(("A", a), ("B", b)))
    assert err.value.problems[0].path == "projects[1 B].spec.funding.fund"


def test_every_district_field_is_documented() -> None:
    """Reference: DESIGN.md §2 "Specs are data" — a docstring under every field, which fills
    the JSON Schema."""
    schema = district_schema()
    defs = {"DistrictSpec": schema, **schema["$defs"]}
    for name in ("DistrictSpec", "DistrictInfo", "DistrictTimeline", "DistrictMember"):
        for field, prop in defs[name]["properties"].items():
            assert prop.get("description"), f"{name}.{field}"


# ---------------------------------------------------------------- errors name the member


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [
        ("timeline", "start_date", "2026-07-01"),
        ("timeline", "periodicity", "quarterly"),
        ("timeline", "horizon_years", 12),
        ("project", "money_unit", "元"),
    ],
)
def test_member_off_the_district_calendar_is_named(section: str, field: str, value: Any) -> None:
    """Reference: the district's calendar (2026-01-01, annual, 10 years, 万元)."""
    a, b = small_pair()
    b[section][field] = value
    with pytest.raises(SpecError) as err:
        district_from_data(district_data(("A", a), ("老街", b)))
    paths = [p.path for p in err.value.problems]
    assert f"projects[1 老街].spec.{section}.{field}" in paths
    assert "老街" in str(err.value)


def test_problem_inside_a_member_file_has_its_path(tmp_path: Path) -> None:
    """Reference: the path format of the brief, ``projects[1 老街].spec.revenues[0 …]``."""
    a, b = small_pair()
    b["revenues"][0]["unit_price"] = -1
    (tmp_path / "members").mkdir()
    (tmp_path / "members" / "street.yaml").write_text(
        yaml.safe_dump(b, allow_unicode=True), encoding="utf-8"
    )
    data = district_data(("A", a))
    data["projects"].append({"key": "老街", "file": "members/street.yaml"})
    path = tmp_path / "district.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_district(path)
    assert [p.path for p in err.value.problems] == [
        "projects[1 老街].spec.revenues[0 停车位].unit_price"
    ]
    data["projects"][1]["file"] = "members/missing.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_district(path)
    assert err.value.problems[0].path == "projects[1 老街].file"


def test_repeated_key_and_unequal_taxes_are_refused() -> None:
    """Reference: DistrictSpec.projects (unique keys) and DistrictSpec.tax (members' taxes
    must agree unless the district gives its own)."""
    a, b = small_pair()
    with pytest.raises(SpecError) as err:
        district_from_data(district_data(("A", a), ("A", b)))
    assert err.value.problems[0].path == "projects[1 A].key"
    b["tax"] = {"preset": "cn_default"}
    with pytest.raises(SpecError) as err:
        district_from_data(district_data(("A", a), ("B", b)))
    assert err.value.problems[0].path == "projects[1 B].spec.tax"
    district = district_from_data(district_data(("A", a), ("B", b), tax={"preset": "none"}))
    assert combined_spec(district).tax.preset.value == "none"


def test_district_funding_problems_keep_their_district_path() -> None:
    """Reference: the district's horizon (10 years) against a 15-year bond."""
    a, b = small_pair()
    data = district_data(
        ("A", a),
        ("B", b),
        funding={"special_bonds": [{"name": "专项债", "amount": 500.0, "tenor_years": 15}]},
    )
    with pytest.raises(SpecError) as err:
        district_from_data(data)
    assert [p.path for p in err.value.problems] == ["funding.special_bonds[0 专项债].tenor_years"]


def test_the_district_file_is_not_among_the_standalone_models() -> None:
    """Reference: the tests that parametrise over ``models/*.yaml`` with ``load_spec``: the
    district file lives in a subfolder and does not load as a project spec, while its member
    files do."""
    assert EXAMPLE not in set((ROOT / "models").glob("*.yaml"))
    with pytest.raises(SpecError):
        load_spec(EXAMPLE)
    for member in load_district(EXAMPLE).projects:
        if member.file is not None:
            assert load_spec(EXAMPLE.parent / member.file) == member.project


# ---------------------------------------------------------------- the example bundle


def test_example_bundle_balances_and_old_community_is_the_weakest(example: DistrictResult) -> None:
    """Reference: the comments of models/districts/chengnan.yaml — the bundle meets every
    covenant at the practice floors (bond coverage ≥ 1.2, cumulative cash never negative);
    the old community is the weakest member: the lowest cover of its share of the debt."""
    bal = example.balance()
    assert bal.loc["片区", "bond_coverage"] >= 1.2
    assert bal.loc["片区", "min_cumulative_cash"] >= -1e-6
    assert bool(bal.loc["片区", "balanced"])
    members = ["小区", "老街", "停车"]
    assert bal.loc["小区", "bond_coverage"] == min(bal.loc[k, "bond_coverage"] for k in members)
    checks = example.checks()
    assert list(checks.index[~checks["passed"]]) == [], checks[~checks["passed"]]
    # The profitable members are profitable alone (project IRR above zero).
    for key in ("老街", "停车"):
        assert example.standalone[key].metric("project_irr_after_tax") > 0.05
    assert example.standalone["小区"].metric("project_npv") < 0
    assert len(example.tables()) == 13


def test_allocated_view_gives_each_member_its_share_of_district_funding(
    example: DistrictResult,
) -> None:
    """Reference: DistrictMember.funding_share's default — each member's share of the
    members' construction investment — applied to the district bond (7,000 万元)."""
    shares = member_shares(example.district)
    assert sum(shares.values()) == pytest.approx(1.0)
    capex = {k: r.metric("total_investment") for k, r in example.standalone.items()}
    for k, r in example.allocated.items():
        assert shares[k] == pytest.approx(capex[k] / sum(capex.values()))
        bond = sum(b.amount for b in example.district.funding.special_bonds)
        assert r.metric("bond_amount") == pytest.approx(bond * shares[k])
        assert r.spec.timeline.horizon_years == example.district.timeline.horizon_years
    spec = allocated_spec(example.district, "小区", share=0.5)
    first = example.district.funding.special_bonds[0]
    assert spec.funding.special_bonds[0].amount == pytest.approx(0.5 * first.amount)


def test_stated_funding_shares_replace_the_investment_shares() -> None:
    """Reference: DistrictMember.funding_share — all or none, summing to 100 %."""
    a, b = small_pair()
    bond = {"special_bonds": [{"name": "专项债", "amount": 600.0, "tenor_years": 8}]}
    data = district_data(("A", a), ("B", b), funding=bond)
    data["projects"][0]["funding_share"] = 0.25
    with pytest.raises(SpecError) as err:
        district_from_data(data)
    assert err.value.problems[0].path == "projects"
    data["projects"][1]["funding_share"] = 0.75
    district = district_from_data(data)
    assert member_shares(district) == {"A": 0.25, "B": 0.75}
    assert allocated_spec(district, "B").funding.special_bonds[0].amount == pytest.approx(450)


# ---------------------------------------------------------------- contributions


def test_removing_a_profitable_member_lowers_bond_coverage(example: DistrictResult) -> None:
    """Reference: the district re-run without each member (``combined_spec(exclude=…)``):
    with the same bond, the street and the car parks each add net income, so removing either
    lowers the bond coverage; with the funding scaled to the remaining members, removing the
    old community raises it (it drags the bundle)."""
    c = example.contributions()
    for key in ("老街", "停车"):
        row = c.loc[(key, "bond_coverage")]
        assert row["without"] < row["with"]
        assert row["contribution"] == pytest.approx(row["with"] - row["without"])
    without = run(combined_spec(example.district, exclude={"老街"}))
    assert c.loc[("老街", "bond_coverage"), "without"] == pytest.approx(
        without.metric("bond_coverage"), rel=1e-12
    )
    scaled = example.contributions(scale_funding=True)
    assert scaled.loc[("小区", "bond_coverage"), "contribution"] < 0
    assert scaled.loc[("老街", "bond_coverage"), "contribution"] > 0
    assert c.loc[("小区", "total_investment"), "contribution"] == pytest.approx(
        example.standalone["小区"].metric("total_investment"), rel=1e-12
    )


def test_a_one_member_district_has_no_without_run() -> None:
    """Reference: DistrictResult.contributions (NaN without a second member)."""
    a, _ = small_pair()
    result = run_district(district_from_data(district_data(("A", a))))
    assert np.isnan(result.contributions().loc[("A", "total_revenue"), "without"])
    assert result.metric("total_revenue") == pytest.approx(240 * 8)


# ---------------------------------------------------------------- command line


def test_cli_prints_the_district_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], example: DistrictResult
) -> None:
    """Reference: the example's run through the library (same metrics in the JSON)."""
    out = tmp_path / "district.json"
    assert main(["district", str(EXAMPLE), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    for needle in (
        "城南片区城市更新项目",
        "单独（自有资金） Standalone",
        "Alone with its share",
        "收益与融资自求平衡",
        "贡献 Contributions",
        "无 without 老街",
        "小区: 平衡 balanced",
        "片区: 平衡 balanced",
    ):
        assert needle in text, needle
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["members"] == ["小区", "老街", "停车"]
    assert doc["combined"]["metrics"]["bond_coverage"] == pytest.approx(
        example.metric("bond_coverage"), rel=1e-12
    )
    assert doc["balance"]["小区"]["balanced"] is True
    assert doc["balance"]["片区"]["balanced"] is True
    street = doc["contributions"]["members"]["老街"]["bond_coverage"]
    assert street["with"] > street["without"]
    assert doc["allocated"]["小区"]["metrics"]["bond_amount"] == pytest.approx(
        example.allocated["小区"].metric("bond_amount")
    )


def test_cli_reports_a_bad_district_and_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reference: DESIGN.md §4 "Errors" — the problems, with their paths, and exit status 2."""
    a, b = small_pair()
    b = copy.deepcopy(b)
    b["project"]["money_unit"] = "亿元"
    path = tmp_path / "bad.yaml"
    path.write_text(
        yaml.safe_dump(district_data(("A", a), ("B", b)), allow_unicode=True), encoding="utf-8"
    )
    assert main(["district", str(path)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "projects[1 B].spec.project.money_unit" in err
