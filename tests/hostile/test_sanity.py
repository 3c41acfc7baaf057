"""Nonsense that type checks cannot see (issue 14, point 3): refused with the bound in the
message, exit code 2; a raised bound lets a genuinely unusual value through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from renewfin.spec import ProjectSpec, SpecError, load_scenario, validate_data

from .conftest import MODELS, SCENARIOS, renewfin


def data() -> dict[str, Any]:
    return yaml.safe_load((MODELS / "old_community.yaml").read_text(encoding="utf-8"))


def problems(d: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, d)
    return [str(p) for p in info.value.problems]


def test_grants_a_hundred_times_the_cost_are_refused() -> None:
    d = data()
    for f in d["funding"]["fiscal_funds"]:
        f["amount"] *= 100
    (p,) = problems(d)
    # by hand from the file: the grants × 100, and the construction investment = the items
    # with an amount plus the contingency at its rate on them
    grants = sum(f["amount"] for f in d["funding"]["fiscal_funds"])
    items = sum(i.get("amount", 0) for i in d["investment"])
    rate = next(i["rate"] for i in d["investment"] if i["category"] == "contingency")
    assert p.startswith(f"funding.fiscal_funds: capital grants and injections of {grants:,.2f}")
    assert "plausibility.max_grant_share (1)" in p and f"{items * (1 + rate):,.2f}" in p


def test_sources_far_above_uses_are_refused() -> None:
    d = data()
    d["funding"]["special_bonds"][0]["amount"] = 60000  # twice the investment
    (p,) = problems(d)
    assert "plausibility.max_sources_ratio (1.5)" in p


@pytest.mark.parametrize(
    ("path", "value", "bound"),
    [
        (("funding", "special_bonds", 0, "coupon"), 1.0, "plausibility.max_coupon (0.15)"),
        (("funding", "loans", 0, "spread"), 0.10, None),  # LPR 3.5 % + 10 % is within 20 %
        (("funding", "lpr", "five_year"), 0.35, "plausibility.max_loan_rate (0.2)"),
        (("evaluation", "discount_rate"), 0.8, "plausibility.max_discount_rate (0.3)"),
        (("evaluation", "discount_rate"), -1.0, "at or below -100%"),
        (("evaluation", "equity_discount_rate"), -2.5, None),  # below the field's own bound
        (("evaluation", "benchmark_irr"), -0.5, "plausibility.min_discount_rate (-0.1)"),
    ],
)
def test_implausible_rates_are_refused(
    path: tuple[Any, ...], value: float, bound: str | None
) -> None:
    d = data()
    node: Any = d
    for part in path[:-1]:
        node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
    node[path[-1]] = value
    if path[-1] == "spread":
        validate_data(ProjectSpec, d)
        return
    found = problems(d)
    assert len(found) == 1
    if bound is not None:
        assert bound in found[0]


def test_a_raised_bound_accepts_the_unusual_value() -> None:
    d = data()
    d["funding"]["special_bonds"][0]["coupon"] = 0.2
    assert "max_coupon" in problems(d)[0]
    d["plausibility"] = {"max_coupon": 0.25}
    assert validate_data(ProjectSpec, d).funding.special_bonds[0].coupon == 0.2


def test_nonsense_spec_exits_2(tmp: Path) -> None:
    d = data()
    d["funding"]["special_bonds"][0]["coupon"] = 1.0
    path = tmp / "s.yaml"
    path.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    out = renewfin("run", path, tmp=tmp)
    assert out.rc == 2 and "max_coupon" in out.stderr and "Traceback" not in out.stderr


def scenario_with(
    tmp: Path, inputs: list[dict[str, Any]], stress: list[dict[str, Any]] | None = None
) -> Path:
    sc = yaml.safe_load((SCENARIOS / "old_community.yaml").read_text(encoding="utf-8"))
    sc["inputs"], sc["correlations"] = inputs, []
    if stress is not None:
        sc["stress"] = stress
    path = tmp / "sc.yaml"
    path.write_text(yaml.safe_dump(sc, allow_unicode=True), encoding="utf-8")
    load_scenario(path)  # a valid scenario file on its own
    return path


SCENARIO_CASES = {
    "negative prices": (
        [
            {
                "name": "p",
                "path": "revenues[停车位].unit_price",
                "distribution": {"type": "normal", "mean": 1.0, "std": 2.0},
            }
        ],
        None,
        "inputs[0] p: sampled values of revenues[停车位].unit_price",
    ),
    "fractional delay": (
        [
            {
                "name": "d",
                "path": "risk.construction_delay_periods",
                "apply": "set",
                "distribution": {
                    "type": "discrete",
                    "values": [0, 0.5],
                    "probabilities": [0.5, 0.5],
                },
            }
        ],
        None,
        "whole numbers",
    ),
    "continuous delay": (
        [
            {
                "name": "d",
                "path": "risk.construction_delay_periods",
                "apply": "set",
                "distribution": {"type": "triangular", "low": 0, "mode": 1, "high": 2},
            }
        ],
        None,
        "expected a discrete distribution",
    ),
    "delay past the horizon": (
        [
            {
                "name": "d",
                "path": "risk.construction_delay_periods",
                "apply": "set",
                "distribution": {
                    "type": "discrete",
                    "values": [0, 500],
                    "probabilities": [0.5, 0.5],
                },
            }
        ],
        None,
        "a delay of 500 periods leaves no operating period",
    ),
    "stress delay": (
        [],
        [{"name": "s", "overrides": [{"path": "risk.construction_delay_periods", "set": 1.5}]}],
        "stress[0].overrides[0]",
    ),
    "stress negative price": (
        [],
        [{"name": "s", "overrides": [{"path": "revenues[停车位].unit_price", "add": -1000}]}],
        "expected a finite number >= 0",
    ),
}


@pytest.mark.parametrize("case", list(SCENARIO_CASES))
def test_nonsense_scenarios_are_refused(case: str, tmp: Path) -> None:
    inputs, stress, fragment = SCENARIO_CASES[case]
    path = scenario_with(tmp, inputs, stress)
    out = renewfin(
        "simulate", MODELS / "old_community.yaml", "--scenario", path, "-n", "20", tmp=tmp
    )
    assert out.rc == 2 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert fragment in out.stderr, out.stderr


def test_bundled_scenarios_pass_the_delay_checks() -> None:
    from renewfin.simulation import prepare
    from renewfin.spec import load_spec

    for name in ("old_community", "old_factory_park", "urban_village", "industrial_park_reit"):
        prepare(load_spec(MODELS / f"{name}.yaml"), load_scenario(SCENARIOS / f"{name}.yaml"))


def test_an_equity_commitment_the_plan_exceeds_fails_its_check() -> None:
    """Documented choice: the need is known only after sizing (and per scenario), so the
    plan is not refused on reading; the ``equity_commitment`` check names the amounts."""
    from renewfin.checks import run_checks
    from renewfin.engine import run

    d = data()
    d["funding"]["equity_commitment"] = 10
    result = run(validate_data(ProjectSpec, d))
    (check,) = [c for c in run_checks(result) if c.id == "equity_commitment"]
    assert not bool(check.passed[0])
    assert "funding.equity_commitment is 10.00" in check.message()
