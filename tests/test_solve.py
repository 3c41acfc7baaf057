"""Goal seek: solved values reproduce their targets when run back through the engine,
move the right way when inputs move, say so when a target is unreachable, and the
tightest of several constraints binds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import renewfin
from renewfin.engine import run
from renewfin.solve import Constraint, goal_seek
from renewfin.spec import ProjectSpec, SpecError, validate_data

ROOT = Path(__file__).resolve().parents[1]
"""The repository (tests find its files from here, not from the working directory)."""

BOND = "funding.special_bonds[0].amount"


@pytest.fixture(scope="module")
def spec() -> ProjectSpec:
    return renewfin.load_spec(str(ROOT / "models/old_community.yaml"))


def _with(spec: ProjectSpec, path: str, value: float) -> ProjectSpec:
    from renewfin.paths import canonical_path

    return spec, {canonical_path(spec, path): np.array([value])}  # type: ignore[return-value]


def _metric(spec: ProjectSpec, path: str, value: float, key: str) -> float:
    s, ov = _with(spec, path, value)
    return float(run(s, ov).values[key][0])


def test_largest_bond_reproduces_the_coverage_floor(spec: ProjectSpec) -> None:
    """Run back through the engine: coverage at the solution is the floor (to the slope ×
    tolerance), and a bond 0.1 % larger breaks it."""
    res = goal_seek(spec, BOND, ["bond_coverage >= 1.2"], lo=1000, hi=12000, tol=1e-6)
    assert res.status == "solved" and res.binding == "bond_coverage >= 1.2"
    at = _metric(spec, BOND, res.value, "bond_coverage")
    assert 1.2 <= at < 1.2 + 1e-6
    assert _metric(spec, BOND, res.value * 1.001, "bond_coverage") < 1.2


def test_more_revenue_carries_a_larger_bond(spec: ProjectSpec) -> None:
    data = spec.model_dump(mode="json")
    for r in data["revenues"]:
        r["unit_price"] *= 1.2
    richer = validate_data(ProjectSpec, data)
    base = goal_seek(spec, BOND, ["bond_coverage >= 1.2"], lo=1000, hi=15000)
    more = goal_seek(richer, BOND, ["bond_coverage >= 1.2"], lo=1000, hi=15000)
    assert more.value > base.value * 1.1


def test_the_tightest_of_several_constraints_binds(spec: ProjectSpec) -> None:
    alone = {
        c: goal_seek(spec, BOND, [c], lo=1000, hi=12000).value
        for c in ("bond_coverage >= 1.2", "total_debt_coverage >= 1.0")
    }
    both = goal_seek(spec, BOND, list(alone), lo=1000, hi=12000)
    assert both.value == pytest.approx(min(alone.values()), abs=1e-5)
    assert both.binding == Constraint.parse(min(alone, key=alone.get)).text
    assert both.constraints["holds"].all()


def test_an_unreachable_target_says_so_with_the_best_value(spec: ProjectSpec) -> None:
    res = goal_seek(spec, BOND, ["bond_coverage >= 50"], lo=1000, hi=12000)
    assert res.status.startswith("unreachable") and not res.reached
    assert res.value == pytest.approx(1000)  # the smallest bond does best on coverage
    assert not res.constraints["holds"].any()


def test_smallest_grant_for_non_negative_cash(spec: ProjectSpec) -> None:
    """The smallest municipal grant that keeps cumulative cash ≥ 0 and lifts the equity IRR
    to 6 % (about 4.0 % with a grant of 1, 8.2 % with the file's 2,700): checked by running
    the engine at the answer and 1 万元 below it."""
    path = "funding.fiscal_funds[市级财政配套（完善类改造补助）].amount"
    res = goal_seek(
        spec, path, ["equity_irr >= 6%", "min_cumulative_cash >= 0"], lo=1.0, hi=5000, goal="min"
    )
    assert res.status == "solved"
    assert _metric(spec, path, res.value, "equity_irr") >= 0.06 - 1e-9
    assert _metric(spec, path, res.value - 1.0, "equity_irr") < 0.06


def test_search_range_the_spec_refuses_is_named(spec: ProjectSpec) -> None:
    """A capital grant needs an amount > 0 (renewfin.spec.funding): a range starting at 0
    is refused before any run, naming ``lo`` and the rule; so is a tolerance of 0."""
    path = "funding.fiscal_funds[市级财政配套（完善类改造补助）].amount"
    with pytest.raises(SpecError, match=r"lo: .*needs `amount` > 0") as info:
        goal_seek(spec, path, ["min_cumulative_cash >= 0"], lo=0.0, hi=15000, goal="min")
    assert "hi:" not in str(info.value)
    with pytest.raises(SpecError, match="tol: expected a tolerance > 0"):
        goal_seek(spec, path, ["min_cumulative_cash >= 0"], lo=1.0, hi=15000, tol=0.0)


def test_break_even_rent(spec: ProjectSpec) -> None:
    path = "revenues[社区配套用房租金].unit_price"
    res = goal_seek(spec, path, ["project_npv = 0"], lo=10, hi=2000, goal="root", tol=1e-8)
    assert abs(_metric(spec, path, res.value, "project_npv")) < 1e-3


def test_largest_loan_for_a_dscr_covenant() -> None:
    """A loan sized by amount: the largest amount with min_dscr ≥ 1.3."""
    data = renewfin.load_spec(str(ROOT / "models/old_factory_park.yaml")).model_dump(mode="json")
    data["funding"]["loans"] = data["funding"]["loans"][:1]
    data["funding"]["loans"][0]["sizing"] = {"amount": 20000}
    spec = validate_data(ProjectSpec, data)
    path = "funding.loans[0].sizing.amount"
    res = goal_seek(spec, path, ["min_dscr >= 1.3"], lo=1000, hi=40000)
    assert res.status == "solved"
    assert _metric(spec, path, res.value, "min_dscr") >= 1.3 - 1e-9
    assert _metric(spec, path, res.value * 1.01, "min_dscr") < 1.3


def test_probabilistic_target_uses_common_random_numbers(spec: ProjectSpec) -> None:
    """The largest bond with P(bond_coverage ≥ 1.1) ≥ 90 %: the same samples at every trial
    value, so two solves agree exactly and the probability holds at the answer."""
    from renewfin.spec import load_scenario

    sc = load_scenario(str(ROOT / "scenarios/old_community.yaml"))
    a = goal_seek(
        spec,
        BOND,
        ["P(bond_coverage >= 1.1) >= 90%"],
        lo=1000,
        hi=12000,
        scenario=sc,
        n=150,
        tol=1e-3,
    )
    b = goal_seek(
        spec,
        BOND,
        ["P(bond_coverage >= 1.1) >= 90%"],
        lo=1000,
        hi=12000,
        scenario=sc,
        n=150,
        tol=1e-3,
    )
    assert a.value == b.value and a.status == "solved"
    assert a.constraints["margin"].iloc[0] >= 0
    det = goal_seek(spec, BOND, ["bond_coverage >= 1.1"], lo=1000, hi=12000)
    assert a.value < det.value  # a 90 % requirement is stricter than the base case


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"path": "revenues[不存在].unit_price", "requires": ["bond_coverage >= 1"]}, "vary"),
        ({"path": BOND, "requires": ["no_such_metric >= 1"]}, "require"),
        ({"path": BOND, "requires": ["bond_coverage about 1"]}, "require"),
        ({"path": BOND, "requires": ["P(bond_coverage >= 1) >= 0.9"]}, "scenario"),
    ],
)
def test_bad_requests_are_named(spec: ProjectSpec, kwargs: dict, field: str) -> None:
    with pytest.raises(SpecError) as err:
        goal_seek(spec, kwargs["path"], kwargs["requires"], lo=0, hi=1)
    assert err.value.problems[0].path == field


def test_constraint_parsing() -> None:
    c = Constraint.parse("P(bond_coverage >= 1.1) >= 90%")
    assert (c.metric, c.threshold_op, c.threshold, c.op, c.target) == (
        "bond_coverage",
        ">=",
        1.1,
        ">=",
        0.9,
    )
    assert Constraint.parse("equity_irr>=6%").target == pytest.approx(0.06)


def test_cli_solve(tmp_path, capsys) -> None:
    from renewfin.cli import main

    out = tmp_path / "s.json"
    code = main(
        [
            "solve",
            str(ROOT / "models/old_community.yaml"),
            "--vary",
            BOND,
            "--require",
            "bond_coverage>=1.2",
            "--lo",
            "1000",
            "--hi",
            "12000",
            "--json",
            str(out),
        ]
    )
    assert code == 0 and "Binding" in capsys.readouterr().out
    assert json.loads(out.read_text(encoding="utf-8"))["status"] == "solved"
    assert (
        main(
            [
                "solve",
                str(ROOT / "models/old_community.yaml"),
                "--vary",
                BOND,
                "--require",
                "bond_coverage>=50",
                "--lo",
                "1000",
                "--hi",
                "12000",
            ]
        )
        == 1
    )
