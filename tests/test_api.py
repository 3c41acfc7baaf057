"""The Python API a notebook user meets (issue 13 item 8): short reprs and HTML views of a
run and a simulation, the documented names reachable from ``import renewfin``, and the tidy
ledger table. References: the run's own ledger and metrics."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import renewfin
from renewfin.engine import run
from renewfin.simulation import simulate
from renewfin.testing import minimal_spec

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "old_community.yaml"


@pytest.fixture(scope="module")
def result() -> renewfin.Result:
    return run(renewfin.load_spec(MODEL))


def test_result_repr_is_one_short_line(result: renewfin.Result) -> None:
    """It was 18–20 KB (the dataclass repr of every array)."""
    text = repr(result)
    assert "\n" not in text and len(text) < 400
    assert text.startswith(f"<renewfin.Result {result.spec.project.name!r}: S=1, 22 annual")
    assert f"{len(result.ledger)} line items, {len(result.values)} metrics" in text
    assert f"project_irr_after_tax={result.metric('project_irr_after_tax'):.2%}" in text


def test_result_html_escapes_user_text() -> None:
    spec = renewfin.spec.validate_data(
        renewfin.ProjectSpec, minimal_spec(project={"name": "<b>A&B</b>"})
    )
    page = run(spec, {"revenues[0].unit_price": [300.0, 400.0]})._repr_html_()
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in page and "<b>A" not in page
    assert "scenario 0" in page and "scenario 1" in page and len(page) < 5000


def test_simulation_repr_and_html_are_short() -> None:
    spec = renewfin.load_spec(MODEL)
    sim = simulate(
        spec, renewfin.load_scenario(ROOT / "scenarios" / "old_community.yaml"), n=64, seed=1
    )
    text = repr(sim)
    assert "\n" not in text and len(text) < 400 and "n=64, seed 1, 8 inputs" in text
    assert f"P({sim.scenario.thresholds[0].text})=" in text
    page = sim._repr_html_()
    assert len(page) < 6000 and "P5" in page and "P(breach)" in page


def test_documented_names_reachable_from_import_renewfin() -> None:
    """``renewfin.tables`` failed unless imported explicitly; a fresh interpreter proves
    nothing else imported it first."""
    code = (
        "import renewfin, sys\n"
        "assert 'renewfin.tables' not in sys.modules\n"
        "r = renewfin.run(renewfin.load_spec(sys.argv[1]))\n"
        "assert callable(renewfin.tables.standard_tables)\n"
        "assert renewfin.simulate is renewfin.simulation.simulate\n"
        "assert renewfin.Result is type(r)\n"
        "missing = [n for n in renewfin.__all__ if not hasattr(renewfin, n)]\n"
        "assert not missing, missing\n"
        "assert {'tables', 'simulation', 'sensitivity', 'solve'} <= set(dir(renewfin))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(MODEL)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        renewfin.nope  # noqa: B018


def test_ledger_table_is_tidy(result: renewfin.Result) -> None:
    wide = result.ledger_table()
    assert isinstance(wide.index, pd.DatetimeIndex) and wide.index.name == "start"
    assert list(wide.index) == list(result.timeline.starts)
    assert list(wide.columns.names) == ["id", "zh", "en", "unit"]
    assert wide.shape == (result.timeline.n_periods, len(result.ledger))
    assert all(np.issubdtype(t, np.floating) for t in wide.dtypes)
    item = result.ledger.item("capex.total")
    column = wide.xs("capex.total", axis=1, level="id")
    assert list(column.columns) == [(item.zh, item.en, "万元")]
    np.testing.assert_array_equal(column.to_numpy()[:, 0], result.ledger["capex.total"][0])
    long = result.ledger_table(long=True)
    assert len(long) == wide.size
    row = long[(long["id"] == "capex.total") & (long["period"] == result.ledger.labels[1])]
    assert float(row["value"].iloc[0]) == result.ledger["capex.total"][0, 1]
    with pytest.raises(IndexError):
        result.ledger_table(scenario=1)
