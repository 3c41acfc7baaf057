"""Portfolio Monte Carlo: identical numbers in-process and on a Dask LocalCluster with
several worker processes, also when a worker is killed mid-run; shared factors induce
correlation between projects; bad portfolio files are named."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from distributed import WorkerPlugin

from renewfin.portfolio import load_portfolio, simulate_portfolio
from renewfin.portfolio.spec import PortfolioSpec
from renewfin.spec import SpecError, load_spec, validate_data

ROOT = Path(__file__).resolve().parents[1]
"""The repository (tests find its files from here, not from the working directory)."""

FILE = ROOT / "scenarios/portfolio_city.yaml"
N = 400


def _equal(a, b) -> None:  # type: ignore[no-untyped-def]
    pd.testing.assert_frame_equal(a.totals, b.totals, check_exact=True)
    pd.testing.assert_frame_equal(a.breach_counts, b.breach_counts, check_exact=True)
    pd.testing.assert_frame_equal(a.projects, b.projects, check_exact=True)
    np.testing.assert_array_equal(a.correlation.to_numpy(), b.correlation.to_numpy())


@pytest.fixture(scope="module")
def in_process():  # type: ignore[no-untyped-def]
    return simulate_portfolio(load_portfolio(FILE), FILE.parent, n=N)


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    from renewfin.portfolio.distributed import local_cluster

    with local_cluster(3) as client:
        yield client


def test_dask_gives_identical_numbers(in_process, cluster) -> None:  # type: ignore[no-untyped-def]
    on_dask = simulate_portfolio(load_portfolio(FILE), FILE.parent, n=N, client=cluster)
    _equal(in_process, on_dask)


class KillOnceAfterResult(WorkerPlugin):
    """Worker plugin: the first worker to finish a ``project_chunk`` task kills its own
    process (SIGKILL) while holding that result, once per flag file. Nothing is timed: the
    kill happens on the task transition itself, so it always falls mid-run (the chunk's
    reduction still needs that result)."""

    name = "renewfin-test-kill-once"

    def __init__(self, flag: str) -> None:
        self.flag = flag

    def setup(self, worker) -> None:  # type: ignore[no-untyped-def]
        self.address = worker.address

    def transition(self, key, start, finish, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if finish != "memory" or not str(key).startswith("project_chunk"):
            return
        try:  # exactly one worker, exactly once: the flag file is created atomically
            fd = os.open(self.flag, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, self.address.encode())
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)  # the nanny starts a fresh worker


def test_a_worker_killed_mid_run_loses_and_double_counts_nothing(
    in_process,
    cluster,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    """Kill a worker process while it holds a finished task and others remain: Dask
    recomputes what it held (tasks are pure and keyed by their inputs) and the results
    equal the in-process run."""
    # A different seed so that nothing is cached from the previous test.
    data = load_portfolio(FILE).model_dump(mode="json")
    data["seed"] = 7
    portfolio = validate_data(PortfolioSpec, data, what="portfolio")
    expected = simulate_portfolio(portfolio, FILE.parent, n=N)
    flag = tmp_path / "killed"
    cluster.register_plugin(KillOnceAfterResult(str(flag)))
    try:
        got = simulate_portfolio(portfolio, FILE.parent, n=N, client=cluster)
    finally:
        cluster.unregister_worker_plugin(KillOnceAfterResult.name)
    assert flag.exists(), "a worker was killed during the run"
    victim = flag.read_text()
    assert victim not in cluster.scheduler_info()["workers"], "the killed worker is gone"
    _equal(expected, got)


def test_shared_factors_correlate_projects(in_process) -> None:  # type: ignore[no-untyped-def]
    """With the shared factors removed the projects are independent (correlation ≈ 0 within
    sampling error ~ 3/√n); with them, every pair correlates positively."""
    data = load_portfolio(FILE).model_dump(mode="json")
    data["shared_factors"] = []
    alone = simulate_portfolio(
        validate_data(PortfolioSpec, data, what="portfolio"), FILE.parent, n=N
    )
    off = alone.correlation.to_numpy()[~np.eye(4, dtype=bool)]
    on = in_process.correlation.to_numpy()[~np.eye(4, dtype=bool)]
    assert np.all(np.abs(off) < 3 / np.sqrt(N))
    assert np.all(on > 0) and on.mean() > off.mean() + 0.05


def test_portfolio_totals_are_sums_of_projects(in_process) -> None:  # type: ignore[no-untyped-def]
    """The fiscal outlay does not vary here: the portfolio total is the sum of the four
    projects' fiscal outlays (in 万元)."""
    per_project = in_process.projects["fiscal_outlay:mean"].sum()
    assert in_process.totals["fiscal_outlay"].iloc[0] == pytest.approx(per_project)
    counts = in_process.breach_counts["min_dscr < 1"]
    assert counts.mean() == pytest.approx(in_process.projects["P(min_dscr < 1)"].sum())


def test_bad_portfolio_files_are_named(tmp_path: Path) -> None:
    bad = {
        "name": "x",
        "projects": [
            {"key": "a", "spec": "../models/old_community.yaml"},
            {"key": "a", "spec": "../models/urban_village.yaml"},
        ],
        "shared_factors": [
            {
                "name": "f",
                "distribution": {"type": "uniform", "low": 0.9, "high": 1.1},
                "targets": [{"path": "x", "projects": ["zz"]}],
            }
        ],
    }
    with pytest.raises(SpecError) as err:
        validate_data(PortfolioSpec, bad, what="portfolio")
    paths = {p.path for p in err.value.problems}
    assert "projects" in paths and "shared_factors[0].targets[0].projects" in paths
    good = dict(
        bad,
        projects=bad["projects"][:1],
        shared_factors=[
            dict(
                bad["shared_factors"][0],
                targets=[{"path": "revenues[nope].unit_price", "projects": ["a"]}],
            )
        ],
    )
    with pytest.raises(SpecError) as err:
        simulate_portfolio(validate_data(PortfolioSpec, good, what="portfolio"), FILE.parent, n=10)
    assert err.value.problems[0].path == "shared_factors[0].targets"


def test_cli(capsys) -> None:  # type: ignore[no-untyped-def]
    from renewfin.cli import main

    assert main(["simulate-portfolio", str(FILE), "-n", "100", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Portfolio totals" in out and "Correlation across projects" in out


def test_a_district_can_be_a_member(tmp_path: Path) -> None:
    """A district file in a portfolio runs as its merged project."""
    from renewfin.district import combined_spec, load_district
    from renewfin.engine import run

    doc = {
        "name": "d",
        "n": 20,
        "chunk_size": 10,
        "projects": [
            {"key": "城南片区", "spec": str((ROOT / "models/districts/chengnan.yaml").resolve())}
        ],
        "thresholds": [{"metric": "bond_coverage", "op": "<", "value": 1.1}],
    }
    res = simulate_portfolio(validate_data(PortfolioSpec, doc, what="portfolio"), tmp_path)
    merged = run(combined_spec(load_district(str(ROOT / "models/districts/chengnan.yaml"))))
    assert res.projects.loc["城南片区", "bond_coverage:mean"] == pytest.approx(
        merged.metric("bond_coverage")
    )


def test_bond_capital_ratio_across_the_portfolio() -> None:
    """专项债用作资本金 as a provincial ratio (国办发〔2024〕52号): the city's bonds are
    老旧小区 1,800 (none as capital), 城中村 60,000 × 20 % + 40,000 × 0 and 产业园 18,000 ×
    25 %: 16,500 of 119,800 万元 = 13.77 %, within 30 % though 产业园 alone counts 25 %; at
    a 10 % cap the portfolio exceeds it."""
    from renewfin.portfolio.capital import bond_capital

    portfolio = load_portfolio(FILE)
    members = portfolio.members(FILE.parent)
    specs = [load_spec(FILE.parent / m.spec) for m in members]
    keys = [m.key for m in members]
    bc = bond_capital(keys, specs, portfolio.bond_capital_cap)
    assert bc.table.loc["合计 total", "bonds"] == pytest.approx(119_800.0)
    assert bc.table.loc["合计 total", "as_capital"] == pytest.approx(16_500.0)
    assert bc.ratio == pytest.approx(16_500 / 119_800)
    assert bc.within_cap
    assert bc.table.loc["产业园", "ratio"] == pytest.approx(0.25)
    assert np.isnan(bc.table.loc["老厂区", "ratio"])
    assert not bond_capital(keys, specs, 0.10).within_cap


def test_per_project_bond_capital_cap_names_the_field() -> None:
    """Two tranches of 100 and 300 counting 50 % and 20 %: 110 of 400 = 27.5 % — within the
    default 30 % though one tranche alone is above it; over a per-project cap of 25 % it is
    refused, naming ``bond_capital_cap``."""
    from renewfin.spec import ProjectSpec
    from renewfin.testing import minimal_spec

    bonds = [
        {"name": "甲", "amount": 100.0, "tenor_years": 10, "coupon": 0.03, "capital_share": 0.5},
        {"name": "乙", "amount": 300.0, "tenor_years": 10, "coupon": 0.03, "capital_share": 0.2},
    ]
    validate_data(
        ProjectSpec, minimal_spec(funding={"special_bonds": bonds, "bond_capital_cap": 0.5})
    )
    validate_data(ProjectSpec, minimal_spec(funding={"special_bonds": bonds}))
    with pytest.raises(SpecError, match=r"bond_capital_cap: .* 27\.5%"):
        validate_data(
            ProjectSpec, minimal_spec(funding={"special_bonds": bonds, "bond_capital_cap": 0.25})
        )
