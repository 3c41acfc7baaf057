"""Per-period percentiles of a Monte Carlo (``renewfin.simulation_lines``, issue 22 item 3).

References: the percentiles are compared with ``numpy.percentile`` of one direct engine run
on the same sample (all scenarios in one call, no collector); the annual ratios with the
metrics whose minimum they are (``min_dscr`` is the minimum over the years of
``ratio.dscr``, by the 第三版/bank definitions in ``metrics_funding``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import renewfin
from renewfin.cli import main
from renewfin.engine import run
from renewfin.simulation import overrides_for, prepare, simulate
from renewfin.simulation_lines import LineCollector, series
from renewfin.spec import SpecError, load_scenario

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "old_community.yaml"
SCENARIO = ROOT / "scenarios" / "old_community.yaml"
LINES = ("cash.cumulative_surplus", "revenue.total", "ratio.dscr", "ratio.bond_cover")
N = 60


@pytest.fixture(scope="module")
def pair() -> tuple:
    spec = renewfin.load_spec(MODEL)
    scenario = load_scenario(SCENARIO)
    sim = simulate(spec, scenario, n=N, seed=7, lines=LINES, chunk_size=17)
    direct = run(spec, overrides_for(prepare(spec, scenario), sim.samples), n_scenarios=N)
    return sim, direct


def test_percentiles_equal_numpy_on_a_direct_run(pair: tuple) -> None:
    sim, direct = pair
    ref = series(direct, LINES, N)
    for line in LINES:
        b = sim.lines[line]
        assert b.method == "exact"
        x = ref[line]
        has = np.isfinite(x).any(axis=0)
        want = np.nanpercentile(x[:, has], b.percentiles, axis=0)
        np.testing.assert_allclose(b.bands[:, has], want, rtol=1e-12, atol=1e-9)
        assert np.isnan(b.bands[:, ~has]).all()
        np.testing.assert_allclose(b.mean[has], np.nanmean(x[:, has], axis=0), rtol=1e-12)
        assert len(b.columns) == x.shape[1]


def test_a_ledger_line_is_the_ledger(pair: tuple) -> None:
    _, direct = pair
    np.testing.assert_array_equal(
        series(direct, ("cash.cumulative_surplus",), N)["cash.cumulative_surplus"],
        direct.ledger["cash.cumulative_surplus"],
    )


def test_the_minimum_of_the_annual_dscr_is_the_metric(pair: tuple) -> None:
    _, direct = pair
    dscr = series(direct, ("ratio.dscr",), N)["ratio.dscr"]
    metric = direct.values["min_dscr"]
    ok = np.isfinite(metric)
    assert ok.sum() > N // 2
    np.testing.assert_allclose(np.nanmin(dscr[ok], axis=1), metric[ok], rtol=1e-12)


def test_a_subsample_is_every_kth_scenario_and_says_so(pair: tuple) -> None:
    _, direct = pair
    x = series(direct, ("revenue.total",), N)["revenue.total"]
    width = x.shape[1]
    c = LineCollector(["revenue.total"], N, budget=N * width * 8 // 4)  # a quarter fits
    for lo in range(0, N, 13):
        c.put({"revenue.total": x[lo : lo + 13]}, lo, lambda _: [str(i) for i in range(width)])
    b = c.bands()["revenue.total"]
    assert b.method == "subsample 1 in 4"
    np.testing.assert_allclose(b.bands, np.percentile(x[::4], b.percentiles, axis=0), rtol=1e-12)
    np.testing.assert_allclose(b.mean, x.mean(axis=0), rtol=1e-12)  # means over all


def test_unknown_line_is_refused_naming_it() -> None:
    spec = renewfin.load_spec(MODEL)
    with pytest.raises(SpecError) as err:
        simulate(spec, load_scenario(SCENARIO), n=4, lines=("cash.cumulativ",))
    assert "cash.cumulativ" in str(err.value) and "cash.cumulative_surplus" in str(err.value)


def test_cli_writes_the_lines_to_json_and_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, csv = tmp_path / "s.json", tmp_path / "l.csv"
    code = main(
        [
            "simulate",
            str(MODEL),
            "--scenario",
            str(SCENARIO),
            "-n",
            "20",
            "--lines",
            "cash.cumulative_surplus,ratio.icr",
            "--json",
            str(out),
            "--lines-csv",
            str(csv),
            "--no-progress",
        ]
    )
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))["lines"]
    assert set(doc) == {"cash.cumulative_surplus", "ratio.icr"}
    assert len(doc["ratio.icr"]["P50"]) == len(doc["ratio.icr"]["columns"])
    rows = csv.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("line,period,mean,count,P5")
    assert len(rows) == 1 + sum(len(v["columns"]) for v in doc.values())
    assert (
        main(
            [
                "simulate",
                str(MODEL),
                "--scenario",
                str(SCENARIO),
                "-n",
                "4",
                "--lines",
                "nope",
                "--no-progress",
            ]
        )
        == 2
    )
    assert "lines: unknown line" in capsys.readouterr().err


def test_the_risk_workbook_has_the_fan_tables(pair: tuple, tmp_path: Path) -> None:
    import openpyxl

    from renewfin.excel.risk import write_risk

    sim, _ = pair
    path = write_risk(sim, tmp_path / "risk.xlsx")
    ws = openpyxl.load_workbook(path)["Fan"]
    b = sim.lines["cash.cumulative_surplus"]
    assert [c.value for c in ws[4]][1 : 1 + len(b.columns)] == b.columns
    p50 = [c.value for c in ws[5 + b.percentiles.index(50)]]
    assert p50[0] == "P50"
    np.testing.assert_allclose(
        np.array(p50[1 : 1 + len(b.columns)], dtype=float),
        b.bands[b.percentiles.index(50)],
        rtol=1e-15,
    )
    assert len(ws._charts) == len(LINES)
