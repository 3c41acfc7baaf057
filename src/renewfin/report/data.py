"""Everything a report quotes, computed once: the run, its tables and checks, the
sensitivity analyses, and — with a scenario — the simulation and the cumulative-cash fan.

The report renders only what :func:`collect` returns, so the figures in the HTML are the
engine's values for one run (and one simulation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from renewfin import sensitivity as sens
from renewfin.checks import Check, run_checks
from renewfin.engine import Result, run
from renewfin.metrics_funding import cash_test_periods, llcr_terms
from renewfin.paths import base_inputs
from renewfin.ratios import safe_ratio
from renewfin.sensitivity import tornado_frame
from renewfin.simulation import (
    DEFAULT_CHUNK,
    Progress,
    Simulation,
    overrides_for,
    prepare,
    simulate,
    stress_table,
)
from renewfin.spec.model import ProjectSpec
from renewfin.spec.scenario import ScenarioSpec
from renewfin.tables import standard_tables

FAN_PERCENTILES: tuple[int, ...] = (5, 10, 25, 50, 75, 90, 95)
"""Percentiles of the cumulative-cash fan chart."""


@dataclass(frozen=True)
class Fan:
    """Per-scenario year-end cumulative cash of a simulation and its percentiles.

    Attributes
    ----------
    years : list of str
        Year labels (calendar year of each model year's first period).
    percentiles : tuple of int
        Percentiles of ``bands``.
    bands : ndarray, shape (P, Y)
        Percentiles of year-end ``cash.cumulative_surplus`` over the scenarios [money].
    paths : ndarray, shape (n, Y)
        Year-end cumulative cash of each scenario [money].
    minimum : ndarray, shape (n,)
        Minimum over all periods of each scenario's cumulative cash [money] (equals the
        simulation's ``min_cumulative_cash``).
    """

    years: list[str]
    percentiles: tuple[int, ...]
    bands: np.ndarray
    paths: np.ndarray
    minimum: np.ndarray


@dataclass
class ReportData:
    """What one report shows.

    Attributes
    ----------
    spec : ProjectSpec
        The project.
    result : Result
        The deterministic run (S = 1) every base-case figure comes from.
    tables : dict of str → DataFrame
        ``standard_tables(result)``.
    checks : list of Check
        ``run_checks(result)``.
    years : list of str
        Year labels of the tables.
    llcr : ndarray, shape (Y,)
        LLCR at the start of each model year (NaN where not assessed).
    evaluation : DataFrame
        ``sensitivity.evaluation_table(spec)``.
    switching : DataFrame
        ``sensitivity.switching_table(spec)``.
    spider : DataFrame
        ``sensitivity.spider`` of the standard factors.
    tornado : DataFrame
        ``sensitivity.tornado`` of the scenario's inputs, or the standard factors at
        ±10 % from the evaluation table when there is no scenario.
    tornado_from_scenario : bool
        Which of the two ``tornado`` is.
    scenario : ScenarioSpec or None
        The scenario file.
    simulation : Simulation or None
        The Monte Carlo run.
    fan : Fan or None
        Cumulative cash of the simulated scenarios.
    stress : DataFrame or None
        ``simulation.stress_table`` when the scenario defines stress cases.
    """

    spec: ProjectSpec
    result: Result
    tables: dict[str, pd.DataFrame]
    checks: list[Check]
    years: list[str]
    llcr: np.ndarray
    evaluation: pd.DataFrame
    switching: pd.DataFrame
    spider: pd.DataFrame
    tornado: pd.DataFrame
    tornado_from_scenario: bool
    scenario: ScenarioSpec | None = None
    simulation: Simulation | None = None
    fan: Fan | None = None
    stress: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)


def year_ends(n_periods: int, ppy: int) -> np.ndarray:
    """Index of the last period of each model year, (Y,)."""
    first = np.arange(0, n_periods, ppy)
    return np.minimum(first + ppy, n_periods) - 1


def llcr_by_year(result: Result) -> np.ndarray:
    """LLCR at the start of each model year, (Y,), as ``min_llcr`` reads it: the terms of
    ``metrics_funding.llcr_terms`` (PV of CFADS after special-bond service over the loan
    life at the loans' contractual rates, + cash held for the debt, over the opening loan
    balance with the period's drawings), at the first period of each test year with a
    balance, NaN elsewhere. Its minimum is the metric ``min_llcr`` (a test checks this).
    """
    led = result.ledger
    ppy = result.timeline.ppy
    starts = np.arange(0, led.n_periods, ppy)
    plan, sizing = result.plan, result.sizing
    if plan is None or sizing is None or not plan.loans:
        return np.full(starts.size, np.nan)
    value, opening, rows = llcr_terms(led, plan, sizing, ppy)
    llcr = safe_ratio(value, opening, rows)
    return np.asarray(llcr[0, starts], dtype=float)


def cumulative_cash_fan(
    spec: ProjectSpec,
    sim: Simulation,
    *,
    percentiles: Sequence[int] = FAN_PERCENTILES,
    chunk_size: int = DEFAULT_CHUNK,
) -> Fan:
    """Year-end cumulative cash of every simulated scenario and its percentiles.

    Re-runs the engine on the simulation's sample in chunks of ``chunk_size`` (the same
    overrides ``simulate`` evaluated: ``overrides_for(prepare(spec, scenario), samples)``)
    and reads ``cash.cumulative_surplus`` at each year end.

    Returns
    -------
    Fan
        Percentiles (P, Y), the paths (n, Y) and each scenario's minimum over the periods
        ``min_cumulative_cash`` is taken over (``metrics_funding.cash_test_periods``).
    """
    prepared = prepare(spec, sim.scenario)
    overrides = overrides_for(prepared, sim.samples)
    n = sim.n
    paths, minimum = [], []
    labels: list[str] = []
    for lo in range(0, n, chunk_size):
        hi = min(n, lo + chunk_size)
        res = run(spec, {k: v[lo:hi] for k, v in overrides.items()}, n_scenarios=hi - lo)
        cash = np.asarray(res.ledger["cash.cumulative_surplus"], dtype=float)
        ends = year_ends(cash.shape[1], res.timeline.ppy)
        paths.append(cash[:, ends])
        tested = cash_test_periods(res.ledger)
        minimum.append(np.where(tested.any(axis=1), np.where(tested, cash, np.inf).min(axis=1),
                                np.nan))
        starts = res.timeline.starts
        labels = [str(starts[int(e) - (int(e) % res.timeline.ppy)].year) for e in ends]
    all_paths = np.vstack(paths) if paths else np.zeros((0, 0))
    p = tuple(int(q) for q in percentiles)
    bands = np.percentile(all_paths, p, axis=0) if all_paths.size else np.zeros((len(p), 0))
    return Fan(labels, p, bands, all_paths, np.concatenate(minimum) if minimum else np.zeros(0))


def _standard_tornado(evaluation: pd.DataFrame, change: float = 0.10) -> pd.DataFrame:
    """The evaluation table's ±``change`` rows as a tornado frame (columns of
    ``sensitivity.tornado``)."""
    metrics = [c for c in evaluation.columns if c not in ("factor", "factor_en", "change", "saf")]
    base = evaluation.iloc[0]
    rows = []
    for j, m in enumerate(metrics):
        for factor in dict.fromkeys(evaluation["factor"].iloc[1:]):
            sub = evaluation[evaluation["factor"] == factor]
            lo = sub.loc[np.isclose(sub["change"], -change), m]
            hi = sub.loc[np.isclose(sub["change"], change), m]
            if lo.empty or hi.empty:
                continue
            lo_v, hi_v = float(lo.iloc[0]), float(hi.iloc[0])
            rows.append(
                {
                    "input": factor,
                    "path": "",
                    "metric": m,
                    "base": float(base[m]),
                    "low_value": lo_v,
                    "high_value": hi_v,
                    "swing": abs(hi_v - lo_v),
                    "low_sample": -change,
                    "high_sample": change,
                    "_order": j,
                }
            )
    return tornado_frame(rows)


def collect(
    spec: ProjectSpec,
    scenario: ScenarioSpec | None = None,
    *,
    n: int | None = None,
    seed: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    workers: int = 1,
    progress: Progress | None = None,
) -> ReportData:
    """Run everything a report needs.

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    scenario : ScenarioSpec, optional
        Uncertain inputs: adds the scenario tornado, the simulation, the fan chart and the
        stress cases.
    n, seed : int, optional
        Simulation size and seed (default: the scenario file's).
    chunk_size : int
        Scenarios per engine call in the simulation and the fan.
    workers : int
        Processes for the simulation.
    progress : callable, optional
        Simulation progress callback.
    """
    import time

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    result = run(spec)
    tables = standard_tables(result)
    checks = run_checks(result)
    years = [
        c for c in tables["debt_service"].columns if c not in ("序号", "项目", "Item", "合计 Total")
    ]
    llcr = llcr_by_year(result)
    timings["run"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    bases = base_inputs(spec)
    factors = sens.standard_factors(spec, bases)
    evaluation = sens.evaluation_table(spec, factors=factors, chunk_size=chunk_size)
    switching = sens.switching_table(spec, factors=factors)
    steps = tuple(scenario.sensitivity.steps) if scenario is not None else sens.STEPS_5PCT
    if 0.0 not in steps:
        steps = tuple(sorted({*steps, 0.0}))
    spider = sens.spider(
        spec, factors, steps, metrics=list(sens.DEFAULT_METRICS), chunk_size=chunk_size
    )
    if scenario is not None and scenario.inputs:
        tornado = sens.tornado(spec, scenario, chunk_size=chunk_size)
        from_scenario = True
    else:
        tornado = _standard_tornado(evaluation)
        from_scenario = False
    timings["sensitivity"] = time.perf_counter() - t0

    data = ReportData(
        spec,
        result,
        tables,
        checks,
        years,
        llcr,
        evaluation,
        switching,
        spider,
        tornado,
        from_scenario,
        scenario,
        timings=timings,
    )
    if scenario is not None:
        t0 = time.perf_counter()
        data.simulation = simulate(
            spec,
            scenario,
            n=n,
            seed=seed,
            chunk_size=chunk_size,
            workers=workers,
            progress=progress,
        )
        timings["simulation"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        data.fan = cumulative_cash_fan(spec, data.simulation, chunk_size=chunk_size)
        timings["fan"] = time.perf_counter() - t0
        if scenario.stress:
            data.stress = stress_table(spec, scenario)
    return data
