"""A bad spec raises one ``SpecError`` listing every problem with its path, value and
expectation (DESIGN.md §4 "Errors"; STYLE.md, Calliope: "all problems gathered into one
readable message rather than failing on the first").

Paths follow ``renewfin.spec.errors.format_loc``: dotted, with list items labelled by
index and name, e.g. ``revenues[0 停车位].end_year``. The reference for every expected
path and value is the spec written out in the test itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from renewfin.spec import Problem, ProjectSpec, SpecError, load_spec, validate_data
from renewfin.testing import minimal_spec

INV = "investment[0 建安工程]"
REV = "revenues[0 停车位]"


def problems_of(data: Any) -> list[Problem]:
    """Validate ``data``; it must fail with one SpecError. Return its problems."""
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, data)
    exc = info.value
    assert exc.problems, "a SpecError must list at least one problem"
    for p in exc.problems:  # every problem is printed in the error's message
        assert str(p) in str(exc)
    return exc.problems


def only_problem(data: Any) -> Problem:
    problems = problems_of(data)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_minimal_spec_is_valid() -> None:
    spec = validate_data(ProjectSpec, minimal_spec())
    assert spec.timeline.n_periods == 10
    assert isinstance(SpecError([]), ValueError)


def test_problem_reads_path_message_and_value() -> None:
    # Format fixed by DESIGN.md §4: "funding.loans[0].tenor_years: must be > grace_years (3)".
    assert str(Problem("a.b[0].c", "expected > 3", 2)) == "a.b[0].c: expected > 3 (got 2)"
    assert str(Problem("a", "required field is missing", has_value=False)) == (
        "a: required field is missing"
    )


# --- schedules ------------------------------------------------------------------------


def test_investment_schedule_not_summing_to_100_percent() -> None:
    # 0.4 + 0.5 = 90 % ≠ 100 %.
    data = minimal_spec()
    data["investment"][0]["schedule"] = [0.4, 0.5]
    p = only_problem(data)
    assert p.path == f"{INV}.schedule"
    assert p.value == [0.4, 0.5]
    assert "100%" in p.message and "90.000000%" in p.message


def test_sale_schedule_not_summing_to_100_percent() -> None:
    # 0.5 + 0.6 = 110 %.
    data = minimal_spec(
        revenues=[
            {
                "name": "住宅销售",
                "kind": "sale",
                "quantity": 1000,
                "unit_price": 8000,
                "price_per": "once",
                "schedule": [0.5, 0.6],
            }
        ]
    )
    p = only_problem(data)
    assert p.path == "revenues[0 住宅销售].schedule"
    assert p.value == [0.5, 0.6]
    assert "110.000000%" in p.message


def test_investment_schedule_longer_than_its_phase() -> None:
    # Three yearly shares on a two-year phase.
    data = minimal_spec()
    data["investment"][0]["schedule"] = [0.2, 0.3, 0.5]
    p = only_problem(data)
    assert p.path == f"{INV}.schedule"
    assert p.value == [0.2, 0.3, 0.5]
    assert "at most 2" in p.message


# --- revenue timing -------------------------------------------------------------------


@pytest.mark.parametrize("end_year", [1.0, 2.0])
def test_revenue_end_year_before_its_start(end_year: float) -> None:
    # The phase completes at year 0 + 2 = 2, so the stream starts in year 2: end must be > 2.
    data = minimal_spec()
    data["revenues"][0]["end_year"] = end_year
    p = only_problem(data)
    assert p.path == f"{REV}.end_year"
    assert p.value == end_year
    assert "expected > 2" in p.message


def test_revenue_end_year_after_the_horizon() -> None:
    data = minimal_spec()
    data["revenues"][0]["end_year"] = 12
    p = only_problem(data)
    assert (p.path, p.value) == (f"{REV}.end_year", 12)
    assert "expected <= the horizon (10)" in p.message


def test_revenue_starting_after_the_horizon() -> None:
    # Completion at year 2, plus 8 years of delay = year 10 = the horizon: never earned.
    data = minimal_spec()
    data["revenues"][0]["start_after_years"] = 8
    p = only_problem(data)
    assert (p.path, p.value) == (f"{REV}.start_after_years", 8)
    assert "year 10" in p.message and "horizon of 10 years" in p.message


def test_revenue_timing_off_the_period_grid() -> None:
    # Annual periods: 0.5 and 7.25 years are not whole periods (they would be rounded).
    data = minimal_spec()
    data["revenues"][0].update(start_after_years=0.5, end_year=7.25)
    problems = problems_of(data)
    assert [(p.path, p.value) for p in problems] == [
        (f"{REV}.start_after_years", 0.5),
        (f"{REV}.end_year", 7.25),
    ]
    assert all("expected a multiple of 1/1 yr" in p.message for p in problems)
    # The same values are whole quarters in a quarterly model.
    quarterly = minimal_spec(timeline={"periodicity": "quarterly"})
    quarterly["revenues"][0].update(start_after_years=0.5, end_year=7.25)
    validate_data(ProjectSpec, quarterly)


# --- field values and types -----------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "field", "path"),
    [
        ("investment", "amount", f"{INV}.amount"),
        ("revenues", "quantity", f"{REV}.quantity"),
        ("revenues", "unit_price", f"{REV}.unit_price"),
    ],
)
def test_negative_amount(section: str, field: str, path: str) -> None:
    data = minimal_spec()
    data[section][0][field] = -5
    p = only_problem(data)
    assert (p.path, p.value) == (path, -5)
    assert p.message == "Input should be greater than or equal to 0"


def test_negative_opex_amount() -> None:
    data = minimal_spec(opex=[{"name": "管理费", "amount": -1.5}])
    p = only_problem(data)
    assert (p.path, p.value) == ("opex[0 管理费].amount", -1.5)
    assert "greater than or equal to 0" in p.message


def test_share_above_one() -> None:
    data = minimal_spec()
    data["revenues"][0]["utilisation"] = 1.2
    p = only_problem(data)
    assert (p.path, p.value) == (f"{REV}.utilisation", 1.2)
    assert "less than or equal to 1" in p.message


def test_unknown_key_at_top_level() -> None:
    data = minimal_spec(colour="red")
    p = only_problem(data)
    assert (p.path, p.value) == ("colour", "red")
    assert "unknown key" in p.message


@pytest.mark.parametrize(
    ("where", "path"),
    [
        (lambda d: d["revenues"][0], f"{REV}.colour"),
        (lambda d: d["timeline"]["phases"][0], "timeline.phases[0 一期].colour"),
        (lambda d: d["tax"], "tax.colour"),
        (lambda d: d["project"], "project.colour"),
    ],
)
def test_unknown_key_nested(where: Any, path: str) -> None:
    data = minimal_spec()
    where(data)["colour"] = "red"
    p = only_problem(data)
    assert (p.path, p.value) == (path, "red")
    assert "unknown key" in p.message


@pytest.mark.parametrize(
    ("mutate", "path", "value", "expected"),
    [
        (
            lambda d: d["revenues"][0].update(quantity="many"),
            f"{REV}.quantity",
            "many",
            "valid number",
        ),
        (
            lambda d: d["timeline"].update(horizon_years="ten"),
            "timeline.horizon_years",
            "ten",
            "valid integer",
        ),
        (
            lambda d: d["timeline"].update(start_date="2026-13-01"),
            "timeline.start_date",
            "2026-13-01",
            "valid date",
        ),
        (
            lambda d: d["investment"][0].update(category="roads"),
            f"{INV}.category",
            "roads",
            "'construction'",
        ),
        (lambda d: d.update(project="x"), "project", "x", "expected a mapping"),
        (
            lambda d: d["tax"].update(vat_rates={"bogus": 0.1}),
            "tax.vat_rates.bogus (key)",
            "bogus",
            "'rent'",
        ),
    ],
)
def test_wrong_type(mutate: Any, path: str, value: Any, expected: str) -> None:
    data = minimal_spec()
    mutate(data)
    p = only_problem(data)
    assert (p.path, p.value) == (path, value)
    assert expected in p.message


def test_missing_required_field_has_no_value() -> None:
    data = minimal_spec()
    del data["timeline"]["start_date"]
    p = only_problem(data)
    assert p.path == "timeline.start_date"
    assert p.message == "required field is missing"
    assert not p.has_value


def test_duplicate_names() -> None:
    data = minimal_spec()
    data["investment"].append(dict(data["investment"][0]))
    p = only_problem(data)
    assert p.path == "investment"
    assert "repeated: 建安工程" in p.message


# --- references -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["investment"][0].update(phase="二期"), f"{INV}.phase"),
        (lambda d: d["revenues"][0].update(phase="二期"), f"{REV}.phase"),
        (
            lambda d: d.update(opex=[{"name": "管理费", "amount": 1, "phase": "二期"}]),
            "opex[0 管理费].phase",
        ),
    ],
)
def test_unknown_phase(mutate: Any, path: str) -> None:
    data = minimal_spec()
    mutate(data)
    p = only_problem(data)
    assert (p.path, p.value) == (path, "二期")
    assert p.message == "unknown phase; expected one of ['一期']"


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["investment"][0].update(asset_class="boat"), f"{INV}.asset_class"),
        (
            lambda d: d.update(price_contingency={"asset_class": "boat"}),
            "price_contingency.asset_class",
        ),
        (
            lambda d: d.update(
                opex=[
                    {"name": "保险", "basis": "asset_share", "share": 0.01, "asset_class": "boat"}
                ]
            ),
            "opex[0 保险].asset_class",
        ),
    ],
)
def test_unknown_asset_class(mutate: Any, path: str) -> None:
    data = minimal_spec()
    mutate(data)
    p = only_problem(data)
    assert (p.path, p.value) == (path, "boat")
    assert (
        "unknown asset class; expected one of ['building', 'equipment', 'land_use_right']"
        == p.message
    )


def test_unknown_driver_and_revenue_reference() -> None:
    data = minimal_spec(
        opex=[
            {"name": "电费", "basis": "per_unit", "unit_cost": 0.5, "driver": "充电桩"},
            {
                "name": "分成",
                "basis": "revenue_share",
                "share": 0.1,
                "revenues": ["停车位", "广告"],
            },
        ]
    )
    problems = problems_of(data)
    assert [(p.path, p.value) for p in problems] == [
        ("opex[0 电费].driver", "充电桩"),
        ("opex[1 分成].revenues", "广告"),
    ]
    assert all(p.message == "unknown revenue stream; expected one of ['停车位']" for p in problems)


# --- the period grid ------------------------------------------------------------------


def test_phase_not_on_the_period_grid() -> None:
    # Annual periods: a 1.5-year construction is not a whole number of periods.
    data = minimal_spec(timeline={"phases": [{"name": "一期", "duration_years": 1.5}]})
    p = only_problem(data)
    assert (p.path, p.value) == ("timeline.phases[0 一期].duration_years", 1.5)
    assert "expected a multiple of 1/1 yr" in p.message


def test_phases_off_grid_each_reported() -> None:
    # Quarterly: 0.1 and 0.3 years are not multiples of 0.25; the second phase also ends
    # at 9 + 2 = 11 > 10, after the horizon.
    data = minimal_spec(
        timeline={
            "periodicity": "quarterly",
            "phases": [
                {"name": "一期", "start_year": 0.1, "duration_years": 2},
                {"name": "二期", "start_year": 9, "duration_years": 2.3},
            ],
        }
    )
    problems = problems_of(data)
    assert [(p.path, p.value) for p in problems] == [
        ("timeline.phases[0 一期].start_year", 0.1),
        ("timeline.phases[1 二期].duration_years", 2.3),
        ("timeline.phases[1 二期].duration_years", 2.3),
    ]
    assert "expected a multiple of 1/4 yr" in problems[0].message
    assert "ends at year 11.3" in problems[2].message
    assert "<= 10" in problems[2].message


# --- several problems at once ---------------------------------------------------------


def test_several_field_problems_reported_together() -> None:
    data = minimal_spec(colour="red")
    data["investment"][0]["amount"] = -1
    data["revenues"][0]["quantity"] = "lots"
    data["revenues"][0]["size"] = 3
    data["timeline"]["phases"][0]["duration_years"] = 1.5
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, data, source="demo.yaml")
    exc = info.value
    assert sorted((p.path, p.value) for p in exc.problems) == sorted(
        [
            ("colour", "red"),
            (f"{INV}.amount", -1),
            (f"{REV}.quantity", "lots"),
            (f"{REV}.size", 3),
            ("timeline.phases[0 一期].duration_years", 1.5),
        ]
    )
    head = str(exc).splitlines()[0]
    assert head == "invalid spec demo.yaml: 5 problems"
    assert len(str(exc).splitlines()) == 1 + 5


def test_several_cross_reference_problems_reported_together() -> None:
    data = minimal_spec(
        opex=[{"name": "电费", "basis": "per_unit", "unit_cost": 1, "driver": "充电桩"}]
    )
    data["investment"][0]["phase"] = "二期"
    data["investment"][0]["asset_class"] = "boat"
    data["revenues"][0]["end_year"] = 1
    problems = problems_of(data)
    assert [p.path for p in problems] == [
        f"{INV}.phase",
        f"{INV}.asset_class",
        f"{REV}.end_year",
        "opex[0 电费].driver",
    ]


# --- files ----------------------------------------------------------------------------


def test_yaml_syntax_error_is_a_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("project: {name: x\n  bad: [\n", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.source == str(path)
    (p,) = info.value.problems
    assert p.message.startswith("not valid YAML")
    assert "line 1" in p.message  # the parser's position helps the user


def test_json_syntax_error_is_a_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"project": ', encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    (p,) = info.value.problems
    assert p.message.startswith("not valid JSON")


def test_missing_file_is_a_spec_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(SpecError) as info:
        load_spec(path)
    (p,) = info.value.problems
    assert (p.message, p.value) == ("file not found", str(path))


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text\n"])
def test_not_a_mapping_is_a_spec_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    (p,) = info.value.problems
    assert "expected a mapping" in p.message


def test_bad_file_problems_carry_paths(tmp_path: Path) -> None:
    data = minimal_spec()
    data["investment"][0]["amount"] = -3
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert [p.path for p in info.value.problems] == [f"{INV}.amount"]
    assert str(path) in str(info.value)


# --- rules inside one item: every broken rule at its own field ------------------------


def test_contingency_item_rules() -> None:
    # A contingency takes a rate, no amount, no schedule, no phase, and is not its own base.
    data = minimal_spec()
    data["investment"].append(
        {
            "name": "预备费",
            "category": "contingency",
            "amount": 50,
            "schedule": [1.0],
            "base_categories": ["contingency"],
        }
    )
    problems = problems_of(data)
    at = "investment[1 预备费]"
    assert [(p.path, p.value) for p in problems] == [
        (f"{at}.rate", None),
        (f"{at}.amount", 50),
        (f"{at}.base_categories", ["contingency"]),
        (f"{at}.schedule", [1.0]),
    ]
    assert not problems[0].has_value and "needs `rate`" in problems[0].message


def test_item_without_amount() -> None:
    data = minimal_spec()
    del data["investment"][0]["amount"]
    p = only_problem(data)
    assert (p.path, p.has_value) == (f"{INV}.amount", False)
    assert p.message == "`amount` is required for a construction item"


def test_one_off_stream_rules() -> None:
    # A sale is one-off: price_per must be once, it needs a schedule, and has no ramp-up.
    data = minimal_spec(
        revenues=[
            {"name": "销售", "kind": "sale", "quantity": 10, "unit_price": 1, "ramp_up": [0.5]}
        ]
    )
    problems = problems_of(data)
    assert [(p.path, p.value) for p in problems] == [
        ("revenues[0 销售].price_per", "month"),
        ("revenues[0 销售].schedule", None),
        ("revenues[0 销售].ramp_up", [0.5]),
    ]
    assert "expected `once`" in problems[0].message


def test_recurring_stream_rules() -> None:
    data = minimal_spec()
    data["revenues"][0].update(price_per="once", schedule=[1.0])
    problems = problems_of(data)
    assert [(p.path, p.value) for p in problems] == [
        (f"{REV}.price_per", "once"),
        (f"{REV}.schedule", [1.0]),
    ]


def test_opex_basis_rules() -> None:
    data = minimal_spec(
        opex=[
            {"name": "甲", "basis": "per_unit", "unit_cost": 1, "quantity": 5, "driver": "停车位"},
            {"name": "乙", "basis": "revenue_share", "every_years": 3},
            {"name": "丙", "basis": "per_unit", "unit_cost": 1, "cost_per": "once"},
        ]
    )
    problems = problems_of(data)
    assert [(p.path, p.value) for p in problems] == [
        ("opex[0 甲].driver", "停车位"),
        ("opex[1 乙].share", None),
        ("opex[1 乙].every_years", 3),
        ("opex[2 丙].quantity", None),
        ("opex[2 丙].cost_per", "once"),
    ]
    assert problems[1].message == "basis revenue_share needs `share`"
