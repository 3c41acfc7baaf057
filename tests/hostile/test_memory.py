"""Memory bounded as documented (issue 14, point 7): a chunk is cut to fit the budget from
the spec's size, and the result does not depend on the chunk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from renewfin.spec import ProjectSpec, load_scenario, load_spec, validate_data

from .conftest import MODELS, SCENARIOS, renewfin


def big_monthly_spec() -> ProjectSpec:
    """A legal monthly 40-year spec with 30 revenue streams and 5 loans (the issue's case
    that needed 5.9 GB for 5,000 scenarios)."""
    d: dict[str, Any] = yaml.safe_load((MODELS / "old_community.yaml").read_text("utf-8"))
    d["timeline"]["periodicity"] = "monthly"
    d["timeline"]["horizon_years"] = 40
    base = d["revenues"][3]  # advertising: no opex refers to it
    d["revenues"] += [{**base, "name": f"广告位{k}"} for k in range(25)]
    loan = d["funding"]["loans"][0]
    d["funding"]["loans"] = [
        {**loan, "name": f"贷款{k}", "sizing": {"gearing": 0.05}, "tenor_years": 20}
        for k in range(5)
    ]
    return validate_data(ProjectSpec, d)


def test_a_large_spec_gets_a_smaller_chunk() -> None:
    from renewfin.simulation_chunks import (
        CHUNK_MEMORY,
        DEFAULT_CHUNK,
        bytes_per_scenario,
        chunk_for,
    )

    small = load_spec(MODELS / "old_community.yaml")
    big = big_monthly_spec()
    assert bytes_per_scenario(big) > 20 * bytes_per_scenario(small)
    chunk = chunk_for(big)
    assert chunk < DEFAULT_CHUNK / 10
    assert chunk * bytes_per_scenario(big) <= CHUNK_MEMORY
    assert chunk_for(big, budget=1) == 1


def test_results_do_not_depend_on_the_chunk() -> None:
    from renewfin.simulation import simulate

    spec = load_spec(MODELS / "old_community.yaml")
    scenario = load_scenario(SCENARIOS / "old_community.yaml")
    a = simulate(spec, scenario, n=300, chunk_size=300).metrics
    b = simulate(spec, scenario, n=300, chunk_size=7).metrics
    assert list(a.columns) == list(b.columns)
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


def test_iman_conover_column_by_column_matches_the_matrix_form() -> None:
    from renewfin.montecarlo.correlation import iman_conover

    rng = np.random.default_rng(7)
    x = rng.normal(size=(500, 4))
    c = np.full((4, 4), 0.3) + 0.7 * np.eye(4)
    got = iman_conover(x, c, seed=11)
    for j in range(4):  # each column a permutation of the input column
        np.testing.assert_array_equal(np.sort(got[:, j]), np.sort(x[:, j]))
    achieved = np.corrcoef(np.argsort(np.argsort(got, axis=0), axis=0), rowvar=False)
    assert np.allclose(achieved[np.triu_indices(4, 1)], 0.3, atol=0.06)


@pytest.mark.parametrize("n", [2_000])
def test_big_spec_simulation_stays_within_its_chunk(n: int, tmp: Path) -> None:
    """The issue's 5.9 GB case, at n = 2,000: memory is one chunk plus the results."""
    spec = big_monthly_spec()
    (tmp / "big.yaml").write_text(
        yaml.safe_dump(spec.model_dump(mode="json"), allow_unicode=True), encoding="utf-8"
    )
    out = renewfin(
        "simulate",
        tmp / "big.yaml",
        "--scenario",
        SCENARIOS / "old_community.yaml",
        "-n",
        str(n),
        tmp=tmp,
        timeout=900,
    )
    assert out.rc == 0, out.stderr[-2000:]
    assert out.peak_mb < 600, f"peak {out.peak_mb:.0f} MB"
