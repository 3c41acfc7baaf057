"""Everything a report quotes, computed once: the run, its tables and checks, the
sensitivity analyses, and — with a scenario — the simulation and the cumulative-cash fan
(from the per-period percentiles the simulation collects, without re-running the engine).

The report renders only what :func:`collect` returns, so the figures in the HTML are the
engine's values for one run (and one simulation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from renewfin import sensitivity as sens
from renewfin.checks import Check, run_checks
from renewfin.engine import Result, run
from renewfin.metrics_funding import llcr_terms
from renewfin.paths import base_inputs
from renewfin.ratios import safe_ratio
from renewfin.sensitivity import tornado_frame
from renewfin.simulation import (
    DEFAULT_CHUNK,
    Progress,
    Simulation,
    simulate,
    stress_table,
)
from renewfin.spec.model import ProjectSpec
from renewfin.spec.scenario import ScenarioSpec
from renewfin.tables import standard_tables

FAN_LINE = "cash.cumulative_surplus"
"""The ledger line of the fan chart, collected by the simulation (``simulate(lines=…)``)."""


@dataclass(frozen=True)
class Fan:
    """Percentiles over a simulation's scenarios of year-end cumulative cash.

    Attributes
    ----------
    years : list of str
        Year labels (calendar year of each model year's first period).
    percentiles : tuple of int
        Percentiles of ``bands``.
    bands : ndarray, shape (P, Y)
        Percentiles of year-end ``cash.cumulative_surplus`` over the scenarios [money].
    count : ndarray, shape (Y,)
        Scenarios with a value at each year end.
    method : str
        ``"exact"`` or the subsample the percentiles come from
        (``renewfin.simulation_lines.LineBands.method``).
    minimum : ndarray, shape (n,)
        Minimum over the tested periods of each scenario's cumulative cash [money] (the
        simulation's ``min_cumulative_cash``).
    """

    years: list[str]
    percentiles: tuple[int, ...]
    bands: np.ndarray
    count: np.ndarray
    method: str
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
    timings : dict of str → float
        Seconds spent collecting, by stage.
    rendered : dict of str → RenderedReport
        The report rendered from this data, by language (``renewfin.report.build``): its
        text and charts are made once and shared by the HTML, Word and PDF outputs. Not an
        init field, so ``dataclasses.replace`` starts without.
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
    rendered: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)


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


def cumulative_cash_fan(result: Result, sim: Simulation) -> Fan:
    """The fan of year-end cumulative cash from the per-period percentiles the simulation
    collected (``simulate(lines=[FAN_LINE])``; no engine run): the columns of the last
    period of each model year.

    Parameters
    ----------
    result : Result
        The deterministic run (its timeline names the years).
    sim : Simulation
        A simulation run with ``lines`` including :data:`FAN_LINE`.

    Raises
    ------
    ValueError
        When the simulation did not collect :data:`FAN_LINE`.
    """
    if FAN_LINE not in sim.lines:
        raise ValueError(f"the simulation did not collect {FAN_LINE!r} (simulate(lines=…))")
    line = sim.lines[FAN_LINE]
    timeline = result.timeline
    ends = year_ends(len(line.columns), timeline.ppy)
    starts = timeline.starts
    years = [str(starts[int(e) - int(e) % timeline.ppy].year) for e in ends]
    minimum = sim.metrics["min_cumulative_cash"].to_numpy(dtype=float)
    return Fan(years, line.percentiles, line.bands[:, ends], line.count[ends], line.method, minimum)


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
            lines=(FAN_LINE,),
        )
        timings["simulation"] = time.perf_counter() - t0
        data.fan = cumulative_cash_fan(result, data.simulation)
        if scenario.stress:
            data.stress = stress_table(spec, scenario)
    return data
