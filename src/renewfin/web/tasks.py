"""The long computations of the web app, each run in a worker process
(:mod:`renewfin.web.jobs`): Monte Carlo, sensitivity, goal seek, the workbook and the
report.

A task takes plain data (the spec and scenario as validated dicts, options), a folder
for the files it writes and a progress callback; it returns a JSON-ready dict. The spec
and scenario are validated again here, so a task never runs on unchecked data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from renewfin.spec import ProjectSpec, ScenarioSpec, SpecError, validate_data
from renewfin.spec.errors import Problem

__all__ = ["TASKS", "Progress", "progress_chunk", "records"]

Progress = Callable[[int, int], None]
Task = Callable[[dict[str, Any], Path, Progress], dict[str, Any]]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as JSON-ready records (NaN and infinities as null)."""

    def clean(v: Any) -> Any:
        if isinstance(v, float | np.floating):
            return float(v) if math.isfinite(v) else None
        if isinstance(v, np.integer | np.bool_):
            return v.item()
        return v

    return [{str(c): clean(v) for c, v in row.items()} for _, row in frame.iterrows()]


def progress_chunk(n: int) -> int:
    """Scenarios per engine call so that the progress bar moves about 40 times (the
    numbers do not depend on it): between 100 and the simulation's default."""
    from renewfin.simulation import DEFAULT_CHUNK

    return int(min(DEFAULT_CHUNK, max(100, math.ceil(n / 40))))


def _spec(payload: dict[str, Any]) -> ProjectSpec:
    return validate_data(ProjectSpec, payload["spec"], payload.get("name"))


def _scenario(payload: dict[str, Any], required: bool = True) -> ScenarioSpec | None:
    data = payload.get("scenario")
    if data is None:
        if required:
            raise SpecError(
                [
                    Problem(
                        "scenario", "this project has no scenario file; upload one", has_value=False
                    )
                ],
                what="request",
            )
        return None
    return validate_data(ScenarioSpec, data, "scenario", "scenario")


def simulate_task(payload: dict[str, Any], out: Path, progress: Progress) -> dict[str, Any]:
    """The scenario file's Monte Carlo: summaries, percentiles, breach probabilities,
    stress cases, histogram and tornado."""
    from renewfin import sensitivity as sens
    from renewfin.engine import run
    from renewfin.simulation import check_scenario, simulate, stress_table
    from renewfin.summary_mc import simulation_document
    from renewfin.web.charts import risk_charts
    from renewfin.web.results import metric_view

    spec, scenario = _spec(payload), _scenario(payload)
    assert scenario is not None
    check_scenario(spec, scenario)
    n = payload.get("n") or scenario.n
    sim = simulate(
        spec,
        scenario,
        n=n,
        seed=payload.get("seed"),
        chunk_size=progress_chunk(n),
        progress=progress,
    )
    stress = stress_table(spec, scenario) if scenario.stress else None
    tornado = sens.tornado(spec, scenario) if scenario.inputs else None
    base_result = run(spec)
    base = {k: float(v[0]) for k, v in base_result.values.items()}
    charts, notes = risk_charts(sim, base, tornado, payload.get("lang", "zh"))
    doc = simulation_document(sim, stress)
    labels = {k: metric_view(base_result, k) for k in doc["summary"]}
    return {"document": doc, "labels": labels, "charts": charts, "chart_notes": notes}


def sensitivity_task(payload: dict[str, Any], out: Path, progress: Progress) -> dict[str, Any]:
    """The ±10 % table with 敏感度系数, 临界点 (switching values), tornado and spider, on
    the scenario file's inputs and metrics as ``renewfin sensitivity`` runs them (the
    standard factors when the project has no scenario)."""
    from renewfin import sensitivity as sens
    from renewfin.web.charts import sensitivity_charts

    spec, scenario = _spec(payload), _scenario(payload, required=False)
    metrics = list(scenario.sensitivity.metrics) if scenario else list(sens.DEFAULT_METRICS)
    factors = sens.scenario_factors(spec, scenario) if scenario else sens.standard_factors(spec)
    steps = tuple(scenario.sensitivity.steps) if scenario else sens.STEPS_5PCT
    tables = {
        "evaluation": sens.evaluation_table(spec, metrics=tuple(metrics)),
        "switching": sens.switching_table(spec),
        "tornado": sens.tornado(spec, scenario, metrics) if scenario else pd.DataFrame(),
        "spider": sens.spider(spec, factors, steps=steps, metrics=metrics),
    }
    progress(1, 1)
    charts, notes = sensitivity_charts(
        tables["tornado"], tables["spider"], payload.get("lang", "zh")
    )
    from renewfin.metrics import metric_info

    labels = {m: {"zh": metric_info(m).zh, "en": metric_info(m).en} for m in metrics}
    return {
        "metrics": metrics,
        "labels": labels,
        "tables": {k: records(t) for k, t in tables.items() if k != "spider"},
        "charts": charts,
        "chart_notes": notes,
    }


def solve_task(payload: dict[str, Any], out: Path, progress: Progress) -> dict[str, Any]:
    """The goal seek of ``renewfin solve``."""
    from renewfin.solve import goal_seek
    from renewfin.summary_solve import goal_document

    spec = _spec(payload)
    opts = payload["solve"]
    probabilistic = any(str(r).strip().upper().startswith("P(") for r in opts["require"])
    scenario = _scenario(payload) if probabilistic else None  # as `renewfin solve` without it
    res = goal_seek(
        spec,
        opts["vary"],
        list(opts["require"]),
        lo=opts["lo"],
        hi=opts["hi"],
        goal=opts["goal"],
        tol=opts["tol"],
        scenario=scenario,
        n=payload.get("n"),
        seed=payload.get("seed"),
    )
    progress(1, 1)
    doc = goal_document(res, opts["goal"])
    doc["reached"] = bool(res.reached)
    doc["constraints"] = records(res.constraints)
    return doc


def workbook_task(payload: dict[str, Any], out: Path, progress: Progress) -> dict[str, Any]:
    """The live-formula model workbook (``renewfin run -o model.xlsx``)."""
    from renewfin.engine import run
    from renewfin.excel.writer import write_model

    write_model(run(_spec(payload)), out / "model.xlsx")
    progress(1, 1)
    return {"file": "model.xlsx"}


def report_task(payload: dict[str, Any], out: Path, progress: Progress) -> dict[str, Any]:
    """The evaluation report (``renewfin report``), with the Monte Carlo section when a
    scenario is given."""
    from renewfin.report import write_report

    spec = _spec(payload)
    scenario = _scenario(payload, required=False) if payload.get("risk") else None
    n = payload.get("n")
    name = f"report.{payload.get('format', 'html')}"  # the suffix chooses the format
    write_report(
        out / name,
        spec,
        scenario,
        n,
        payload.get("lang", "zh"),
        seed=payload.get("seed"),
        progress=progress if scenario else None,
    )
    progress(1, 1)
    return {"file": name}


TASKS: dict[str, Task] = {
    "simulate": simulate_task,
    "sensitivity": sensitivity_task,
    "solve": solve_task,
    "workbook": workbook_task,
    "report": report_task,
}
"""Every task, by the job kind that runs it."""
