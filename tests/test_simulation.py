"""Monte Carlo over the full engine: analytic answers, reproducibility, identity with the
deterministic engine, bounded chunks, and clear errors for bad scenario files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import renewfin
from renewfin.cli import main
from renewfin.engine import run
from renewfin.simulation import prepare, simulate, stress_table
from renewfin.spec import ProjectSpec, ScenarioSpec, SpecError, load_scenario, validate_data
from renewfin.testing import minimal_spec

ROOT = Path(__file__).resolve().parents[1]
"""The repository (tests find its files from here, not from the working directory)."""


def _two_streams() -> ProjectSpec:
    """No tax, no funding beyond equity: total revenue is linear in each stream's price."""
    data = minimal_spec(
        revenues=[
            {
                "name": "A",
                "kind": "parking",
                "quantity": 100,
                "unit_price": 100.0,
                "price_per": "month",
            },
            {
                "name": "B",
                "kind": "rent",
                "quantity": 1000,
                "unit_price": 50.0,
                "price_per": "month",
            },
        ]
    )
    return validate_data(ProjectSpec, data)


def _scenario(**over: object) -> ScenarioSpec:
    data = {
        "name": "test",
        "n": 4000,
        "seed": 7,
        "inputs": [
            {
                "name": "pa",
                "path": "revenues[A].unit_price",
                "distribution": {"type": "normal", "mean": 1.0, "std": 0.1},
            },
            {
                "name": "pb",
                "path": "revenues[1].unit_price",
                "distribution": {"type": "uniform", "low": 0.8, "high": 1.2},
            },
        ],
    }
    data.update(over)
    return validate_data(ScenarioSpec, data, what="scenario")


def test_linear_model_mean_and_variance_match_the_analytic_answer() -> None:
    """Reference: for Y = a·X_A + b·X_B with independent X_A ~ N(1, 0.1²) and
    X_B ~ U(0.8, 1.2), E[Y] = a + b and Var[Y] = a²·0.01 + b²·0.4²/12 (hand calculation).
    a and b are each stream's total revenue at the spec prices (S = 1 run)."""
    spec = _two_streams()
    base = run(spec)
    a = base.ledger["revenue.stream[A]"].sum()
    b = base.ledger["revenue.stream[B]"].sum()
    sim = simulate(spec, _scenario())
    y = sim.metrics["total_revenue"].to_numpy()
    mean, var = a + b, a**2 * 0.01 + b**2 * 0.4**2 / 12
    se_mean = np.sqrt(var / y.size)
    assert abs(y.mean() - mean) < 5 * se_mean
    # Var of the sample variance ≈ 2σ⁴/(n−1) for near-normal Y: allow 5 standard errors.
    assert abs(y.var(ddof=1) - var) < 5 * var * np.sqrt(2 / (y.size - 1))


def test_seeded_runs_are_identical_and_seeds_matter() -> None:
    spec, sc = _two_streams(), _scenario(n=500)
    first, again = simulate(spec, sc), simulate(spec, sc)
    assert first.metrics.equals(again.metrics)
    assert first.samples.equals(again.samples)
    other = simulate(spec, sc, seed=8)
    assert not other.samples.equals(first.samples)


def test_chunking_does_not_change_the_numbers() -> None:
    spec, sc = _two_streams(), _scenario(n=300)
    big = simulate(spec, sc, chunk_size=5000)
    small = simulate(spec, sc, chunk_size=37)
    assert big.metrics.equals(small.metrics)


def test_batched_engine_equals_single_runs_for_the_same_inputs() -> None:
    """The S = 1 engine and the batched engine give identical numbers (issue: Monte Carlo,
    item 7) on the full funding stack of the REIT example."""
    spec = renewfin.load_spec(str(ROOT / "models/industrial_park_reit.yaml"))
    sc = renewfin.spec.load_scenario(str(ROOT / "scenarios/industrial_park_reit.yaml"))
    sim = simulate(spec, sc, n=40)
    prepared = prepare(spec, sc)
    for row in (0, 17, 39):
        ov = {p.path: p.values(sim.samples[p.name].to_numpy()[row : row + 1]) for p in prepared}
        single = run(spec, ov, n_scenarios=1)
        for key, value in single.values.items():
            np.testing.assert_array_equal(value[0], sim.metrics[key].iloc[row], err_msg=key)


def test_achieved_rank_correlation_is_within_sampling_tolerance() -> None:
    """Iman–Conover: target ρ_s = 0.7; the standard error of a Spearman coefficient near
    ρ is about (1 − ρ²)/√(n − 1) (Fieller et al., 1957), so allow 4 of those."""
    sc = _scenario(n=3000, correlations=[{"a": "pa", "b": "pb", "rho": 0.7}])
    sim = simulate(_two_streams(), sc)
    achieved = sim.achieved_correlation().loc["pa", "pb"]
    assert abs(achieved - 0.7) < 4 * (1 - 0.49) / np.sqrt(2999)
    assert sim.repair is not None and not sim.repair.repaired


def test_an_invalid_correlation_matrix_is_repaired_and_reported() -> None:
    inputs = [
        {
            "name": n,
            "path": f"revenues[{i}].unit_price",
            "distribution": {"type": "uniform", "low": 0.9, "high": 1.1},
        }
        for i, n in enumerate(["x", "y"])
    ] + [
        {
            "name": "z",
            "path": "revenues[0].quantity",
            "distribution": {"type": "uniform", "low": 0.9, "high": 1.1},
        }
    ]
    corr = [
        {"a": "x", "b": "y", "rho": 0.9},
        {"a": "y", "b": "z", "rho": 0.9},
        {"a": "x", "b": "z", "rho": -0.9},
    ]
    sim = simulate(_two_streams(), _scenario(n=500, inputs=inputs, correlations=corr))
    assert sim.repair is not None and sim.repair.repaired
    assert sim.repair.min_eigenvalue_before < 0 <= sim.repair.min_eigenvalue_after + 1e-12


def test_breach_probabilities_carry_the_binomial_standard_error() -> None:
    """Reference: the standard error of a proportion, √(p(1 − p)/n)."""
    th = [
        {"metric": "total_revenue", "op": "<", "value": 0.0},
        {"metric": "project_npv", "op": "<", "value": 1e12},
    ]
    sim = simulate(_two_streams(), _scenario(n=400, thresholds=th))
    table = sim.breaches()
    assert table.loc[0, "p"] == 0.0 and table.loc[1, "p"] == 1.0
    m = sim.metrics["total_revenue"].to_numpy()
    median = float(np.median(m))
    sim2 = simulate(
        _two_streams(),
        _scenario(n=400, thresholds=[{"metric": "total_revenue", "op": "<", "value": median}]),
    )
    p = sim2.breaches().loc[0, "p"]
    assert sim2.breaches().loc[0, "se"] == pytest.approx(np.sqrt(p * (1 - p) / 400))


def test_auto_stop_ends_early_once_the_mean_is_precise() -> None:
    conv = {"metrics": ["total_revenue"], "tolerance": 0.01, "batch": 200, "min_n": 200}
    sim = simulate(_two_streams(), _scenario(n=20000, convergence=conv))
    assert sim.convergence is not None and bool(sim.convergence["converged"].iloc[-1])
    assert sim.n < 20000


def test_stress_base_row_equals_the_deterministic_run() -> None:
    spec = renewfin.load_spec(str(ROOT / "models/industrial_park_reit.yaml"))
    sc = renewfin.spec.load_scenario(str(ROOT / "scenarios/industrial_park_reit.yaml"))
    table = stress_table(spec, sc)
    base = run(spec)
    for key in ("equity_irr", "min_dscr", "bond_coverage"):
        assert table[key].iloc[0] == base.values[key][0]
    assert table.loc["利率上浮100bp", "equity_irr"] < table["equity_irr"].iloc[0]


@pytest.mark.parametrize(
    "inputs, path",
    [
        (
            [
                {
                    "name": "bad",
                    "path": "revenues[不存在].unit_price",
                    "distribution": {"type": "uniform", "low": 0.9, "high": 1.1},
                }
            ],
            "inputs[0].path",
        ),
        (
            [
                {
                    "name": "bad",
                    "path": "revenues[A].unit_pric",
                    "distribution": {"type": "uniform", "low": 0.9, "high": 1.1},
                }
            ],
            "inputs[0].path",
        ),
    ],
)
def test_a_path_that_does_not_exist_is_named(inputs: list, path: str) -> None:
    with pytest.raises(SpecError) as err:
        simulate(_two_streams(), _scenario(inputs=inputs))
    assert err.value.problems[0].path == path
    assert "did you mean revenues[A].unit_price" in str(err.value) or "unit_pric" in str(err.value)


def test_impossible_parameters_and_unknown_correlations_are_named() -> None:
    data = {
        "name": "bad",
        "inputs": [
            {
                "name": "a",
                "path": "revenues[A].unit_price",
                "distribution": {"type": "triangular", "low": 1.2, "mode": 1.0, "high": 1.1},
            },
            {
                "name": "b",
                "path": "revenues[B].unit_price",
                "distribution": {"type": "normal", "mean": 1.0, "std": -0.1},
            },
        ],
        "correlations": [{"a": "a", "b": "nope", "rho": 0.3}],
    }
    with pytest.raises(SpecError) as err:
        validate_data(ScenarioSpec, data, what="scenario")
    text = str(err.value)
    assert "invalid scenario" in text
    paths = [p.path for p in err.value.problems]
    assert any(p.startswith("inputs[0") for p in paths)
    assert any("std" in p for p in paths)
    # Cross references are checked once the fields are valid.
    data["inputs"][0]["distribution"] = {"type": "triangular", "low": 0.9, "mode": 1.0, "high": 1.1}
    data["inputs"][1]["distribution"] = {"type": "normal", "mean": 1.0, "std": 0.1}
    with pytest.raises(SpecError) as err:
        validate_data(ScenarioSpec, data, what="scenario")
    assert err.value.problems[0].path == "correlations[0].b"
    assert err.value.problems[0].value == "nope"


def test_cli_simulate_prints_and_writes_json(tmp_path, capsys) -> None:
    out = tmp_path / "sim.json"
    code = main(
        [
            "simulate",
            str(ROOT / "models/old_community.yaml"),
            "--scenario",
            str(ROOT / "scenarios/old_community.yaml"),
            "-n",
            "64",
            "--seed",
            "3",
            "--json",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "Breach probabilities" in text and "Stress cases" in text
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["n"] == 64 and doc["seed"] == 3
    assert {"bond_coverage", "min_dscr"} <= set(doc["summary"])
    first = load_scenario(ROOT / "scenarios/old_community.yaml").thresholds[0]
    assert doc["breaches"][0]["threshold"] == f"{first.metric} < {first.value:g}"


def test_cli_simulate_rejects_a_bad_scenario_without_traceback(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\ninputs:\n  - {name: a, path: 'nope.x', distribution: "
        "{type: uniform, low: 1, high: 2}}\n",
        encoding="utf-8",
    )
    code = main(
        [
            "simulate",
            str(ROOT / "models/old_community.yaml"),
            "--scenario",
            str(bad),
            "-n",
            "5",
            "--no-progress",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "inputs[0].path" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "name", ["old_community", "old_factory_park", "urban_village", "industrial_park_reit"]
)
def test_every_bundled_model_has_a_scenario_file_that_binds_and_runs(name: str) -> None:
    spec = renewfin.load_spec(str(ROOT / f"models/{name}.yaml"))
    sc = renewfin.spec.load_scenario(str(ROOT / f"scenarios/{name}.yaml"))
    assert len(prepare(spec, sc)) == len(sc.inputs) >= 4
    assert all(i.basis for i in sc.inputs), "every range states its basis"
    sim = simulate(spec, sc, n=20)
    assert sim.n == 20 and len(sim.breaches()) == len(sc.thresholds)
    assert len(stress_table(spec, sc)) == 1 + len(sc.stress)


def test_cli_sensitivity_prints_the_standard_tables_and_writes_json(tmp_path, capsys) -> None:
    out = tmp_path / "sens.json"
    code = main(
        [
            "sensitivity",
            str(ROOT / "models/old_community.yaml"),
            "--scenario",
            str(ROOT / "scenarios/old_community.yaml"),
            "--json",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "敏感性分析表" in text and "临界点" in text and "Tornado" in text
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert {"evaluation", "switching", "tornado", "spider"} <= set(doc["tables"])
    assert doc["tables"]["evaluation"][0]["factor"] == "基本方案"


def test_parallel_workers_give_identical_numbers() -> None:
    """Chunks evaluated in two processes equal the in-process run exactly."""
    spec, sc = _two_streams(), _scenario(n=300)
    one = simulate(spec, sc, chunk_size=100)
    two = simulate(spec, sc, chunk_size=100, workers=2)
    assert one.metrics.equals(two.metrics)
