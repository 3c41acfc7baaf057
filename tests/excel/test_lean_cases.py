"""Lean runs (``renewfin.lean``) on every case of the feature matrix: each switch of the
spec, with its per-scenario overrides, gives the same metrics and checks, bit for bit, as
the full run of the same inputs (the reference; ``tests/test_lean.py`` does the bundled
models and their scenario files)."""

from __future__ import annotations

import numpy as np
import pytest

from renewfin.checks import run_checks
from renewfin.engine import run

from .feature_matrix import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_lean_case_has_the_full_runs_metrics_and_checks(case: Case) -> None:
    overrides = {k: np.asarray(v, dtype=float) for k, v in (case.overrides or {}).items()}
    spec = case.spec()
    full = run(spec, overrides or None, allow_unconverged=True)
    thin = run(spec, overrides or None, allow_unconverged=True, lean=True)
    assert full.values.keys() == thin.values.keys()
    for key, value in full.values.items():
        assert np.array_equal(value, thin.values[key], equal_nan=True), key
    for a, b in zip(run_checks(full), run_checks(thin), strict=True):
        assert (a.id, a.passed.tolist()) == (b.id, b.passed.tolist())
        assert [a.detail(s) for s in range(full.n_scenarios)] == [
            b.detail(s) for s in range(full.n_scenarios)
        ], a.id
