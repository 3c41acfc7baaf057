"""Lean runs (``renewfin.lean``): the Monte Carlo's chunks leave out the ledger lines each
stage declares as ``DETAIL``. The reference is the full run of the same engine on the same
inputs: every metric and every check must be identical, bit for bit (NaN where NaN), on
every bundled model, deterministic and over a sample of its scenario file; a line asked
for is still there; and a declaration naming a line that something reads fails loudly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import renewfin
from renewfin import lean
from renewfin.checks import run_checks
from renewfin.engine import Result, run
from renewfin.simulation import draw, overrides_for, prepare
from renewfin.simulation_chunks import _run_chunk
from renewfin.spec import load_scenario

ROOT = Path(__file__).resolve().parents[1]
"""The repository (tests find its files from here, not from the working directory)."""
MODELS = sorted(p.stem for p in (ROOT / "models").glob("*.yaml"))


def _overrides(name: str, n: int) -> dict[str, np.ndarray]:
    """n draws of the model's scenario file (with its structural inputs: tenors, delays)."""
    spec = renewfin.load_spec(str(ROOT / f"models/{name}.yaml"))
    sc = load_scenario(str(ROOT / f"scenarios/{name}.yaml"))
    prepared = prepare(spec, sc)
    return overrides_for(prepared, draw(prepared, sc, n, 20261203).values)


def _assert_same(full: Result, thin: Result) -> None:
    assert full.values.keys() == thin.values.keys()
    for key, value in full.values.items():
        assert np.array_equal(value, thin.values[key], equal_nan=True), key
    full_checks, thin_checks = run_checks(full), run_checks(thin)
    assert [c.id for c in full_checks] == [c.id for c in thin_checks]
    for a, b in zip(full_checks, thin_checks, strict=True):
        assert np.array_equal(a.passed, b.passed), a.id
        for s in range(full.n_scenarios):
            assert a.detail(s) == b.detail(s), a.id


@pytest.mark.parametrize("name", MODELS)
def test_lean_run_has_the_full_runs_metrics_and_checks(name: str) -> None:
    spec = renewfin.load_spec(str(ROOT / f"models/{name}.yaml"))
    full = run(spec, allow_unconverged=True)
    thin = run(spec, allow_unconverged=True, lean=True)
    _assert_same(full, thin)
    # The lean run did leave lines out (else this test would prove nothing).
    assert thin.ledger.dropped
    assert len(thin.ledger) + len(thin.ledger.dropped) == len(full.ledger)


@pytest.mark.parametrize("name", MODELS)
def test_lean_run_over_the_scenario_sample_has_the_full_metrics_and_checks(name: str) -> None:
    spec = renewfin.load_spec(str(ROOT / f"models/{name}.yaml"))
    ov = _overrides(name, 24)
    full = run(spec, ov, allow_unconverged=True)
    thin = run(spec, ov, allow_unconverged=True, lean=True)
    _assert_same(full, thin)


def test_a_requested_line_is_kept_in_a_monte_carlo_chunk() -> None:
    """``simulate(lines=…)`` of a DETAIL line: the chunk's per-period values are the full
    run's ledger line."""
    spec = renewfin.load_spec(str(ROOT / "models/industrial_park_reit.yaml"))
    ov = _overrides("industrial_park_reit", 8)
    wanted = ("bs.debt_ratio", "cf.project.after_tax_cumulative", "cash.cumulative_surplus")
    assert lean.detail_lines(wanted) == list(wanted[:2])
    full = run(spec, ov, allow_unconverged=True)
    values, _, failed, _, per_period, _ = _run_chunk(spec, ov, 8, wanted)
    assert failed.size == 0
    for line in wanted:
        np.testing.assert_array_equal(per_period[line], full.ledger[line], err_msg=line)
    for key, value in full.values.items():
        assert np.array_equal(value, values[key], equal_nan=True), key
    # Without asking, the chunk's run does not store it.
    thin = run(spec, ov, allow_unconverged=True, lean=True)
    assert "bs.debt_ratio" in thin.ledger
    with pytest.raises(KeyError, match="not stored in a lean run"):
        thin.ledger.raw("bs.debt_ratio")


def test_declaring_a_line_that_a_metric_reads_fails_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``cash.cumulative_surplus`` feeds the funding metrics: declaring it DETAIL must make
    the lean run raise, not change a figure."""
    from renewfin.financing import stage

    monkeypatch.setattr(stage, "DETAIL", (*stage.DETAIL, "cash.cumulative_surplus"))
    lean._detail_pattern.cache_clear()
    try:
        spec = renewfin.load_spec(str(ROOT / "models/industrial_park_reit.yaml"))
        with pytest.raises(KeyError, match=r"cash\.cumulative_surplus"):
            run(spec, allow_unconverged=True, lean=True)
    finally:
        monkeypatch.undo()
        lean._detail_pattern.cache_clear()
