"""Run a portfolio: (project × scenario-chunk) tasks, reduced to portfolio statistics.

The sampling plan is fixed by the portfolio file: scenario chunk ``c`` of project ``p``
draws its own inputs from ``SeedSequence(seed, spawn_key=(1, p, c))`` and the shared
factors of chunk ``c`` from ``SeedSequence(seed, spawn_key=(0, c))`` — the same for every
project, which is what correlates them. Every task is a pure function of the plan, so
the numbers are the same in-process or on any number of Dask workers, and a task lost
with a worker is simply recomputed. Results are reduced per chunk on the workers (sums
across projects in project order), so only portfolio-level series — one value per
scenario — and per-project summaries come back, never the per-project samples.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from renewfin import montecarlo as mc
from renewfin.engine import run
from renewfin.notes import tested
from renewfin.paths import canonical_path, input_values
from renewfin.portfolio.capital import BondCapital, bond_capital
from renewfin.portfolio.spec import PortfolioSpec
from renewfin.spec import load_scenario, load_spec
from renewfin.spec.errors import Problem, SpecError
from renewfin.spec.model import ProjectSpec
from renewfin.spec.scenario import Apply, ScenarioSpec

TOTALS = ("fiscal_outlay", "debt_service", "total_revenue")
"""Portfolio totals summed across projects, per scenario [money]."""
STATS = (
    "bond_coverage",
    "total_debt_coverage",
    "min_dscr",
    "equity_irr",
    "project_irr_after_tax",
    "min_cumulative_cash",
    "fiscal_outlay",
)
"""Metrics summarised per project (mean, standard deviation, min, max)."""


@dataclass(frozen=True)
class Job:
    """A project bound to the plan (picklable, sent to workers once)."""

    index: int
    key: str
    spec: ProjectSpec
    scenario: ScenarioSpec | None
    targets: tuple[tuple[int, str], ...]
    """(shared factor index, canonical path) pairs acting on this project."""
    money_yuan: float
    """元 per unit of the project's money unit (totals are added in 万元)."""
    prepared: tuple[Any, ...] = ()
    """The project's uncertain inputs bound to its spec (simulation.PreparedInput)."""
    target_bases: tuple[float, ...] = ()
    """Spec values of the factor targets, in ``targets`` order."""


@dataclass(frozen=True)
class Plan:
    """Everything a task needs besides its project."""

    n: int
    seed: int
    chunk_size: int
    factors: tuple[Any, ...]
    """Shared-factor distributions (with ``ppf``)."""
    applies: tuple[Apply, ...]
    thresholds: tuple[tuple[str, str, float], ...]
    correlation_metric: str

    @property
    def chunks(self) -> list[tuple[int, int]]:
        """(lo, hi) scenario ranges of the chunks."""
        return [(lo, min(self.n, lo + self.chunk_size)) for lo in range(0, self.n, self.chunk_size)]


def load_member(path: Path) -> ProjectSpec:
    """A member's spec: a project spec, or a district file merged into one project
    (renewfin.district.combined_spec)."""
    from renewfin.spec.io import read_data

    data = read_data(path)
    if isinstance(data, dict) and "projects" in data and "investment" not in data:
        from renewfin.district import combined_spec, load_district

        return combined_spec(load_district(path))
    return load_spec(path)


def prepare_plan(
    portfolio: PortfolioSpec,
    base: str | os.PathLike[str],
    n: int | None = None,
    seed: int | None = None,
) -> tuple[Plan, list[Job]]:
    """Load the projects and bind the shared factors to their paths."""
    members = portfolio.members(base)
    jobs: list[Job] = []
    problems: list[Problem] = []
    for i, m in enumerate(members):
        spec = load_member(Path(base) / m.spec)
        scenario = load_scenario(Path(base) / m.scenario) if m.scenario else None
        bases = input_values(spec)
        targets = []
        for j, f in enumerate(portfolio.shared_factors):
            for t in f.targets:
                if t.projects is not None and m.key not in t.projects:
                    continue
                path = canonical_path(spec, t.path)
                if isinstance(bases.get(path), float):
                    targets.append((j, path))
                elif t.projects is not None:
                    problems.append(
                        Problem(
                            f"shared_factors[{j}].targets",
                            f"project {m.key} has no numeric input at this path",
                            t.path,
                        )
                    )
        prepared: tuple[Any, ...] = ()
        if scenario is not None:
            from renewfin.simulation import check_scenario, prepare

            check_scenario(spec, scenario)  # fails early, naming the bad path or metric
            prepared = tuple(prepare(spec, scenario))
        problems += _metric_problems(portfolio, m.key, spec)
        jobs.append(
            Job(
                i,
                m.key,
                spec,
                scenario,
                tuple(targets),
                spec.project.money_unit.yuan,
                prepared,
                tuple(float(bases[p]) for _, p in targets),  # type: ignore[arg-type]
            )
        )
    if problems:
        raise SpecError(problems, what="portfolio")
    plan = Plan(
        n=portfolio.n if n is None else n,
        seed=portfolio.seed if seed is None else seed,
        chunk_size=portfolio.chunk_size,
        factors=tuple(f.math() for f in portfolio.shared_factors),
        applies=tuple(f.apply for f in portfolio.shared_factors),
        thresholds=tuple((t.metric, t.op.value, t.value) for t in portfolio.thresholds),
        correlation_metric=portfolio.correlation_metric,
    )
    return plan, jobs


def _metric_problems(portfolio: PortfolioSpec, key: str, spec: ProjectSpec) -> list[Problem]:
    """The portfolio's thresholds and correlation metric must be metrics of each project."""
    from renewfin.simulation import unknown_metric

    known = list(run(spec).values)
    named = [(f"thresholds[{i}].metric", t.metric) for i, t in enumerate(portfolio.thresholds)]
    named.append(("correlation_metric", portfolio.correlation_metric))
    return [
        unknown_metric(f"{where} (project {key})", metric, known)
        for where, metric in named
        if metric not in known
    ]


def factor_sample(plan: Plan, chunk: int) -> np.ndarray:
    """Shared factors of one chunk, (m, F): the same for every project."""
    lo, hi = plan.chunks[chunk]
    if not plan.factors:
        return np.zeros((hi - lo, 0))
    seq = np.random.SeedSequence(plan.seed, spawn_key=(0, chunk))
    u = mc.unit_sample(hi - lo, len(plan.factors), "lhs", seq)
    return np.column_stack([f.ppf(u[:, k]) for k, f in enumerate(plan.factors)])


def project_chunk(plan: Plan, job: Job, chunk: int) -> dict[str, Any]:
    """One task: the project's scenarios of one chunk through the full engine."""
    from renewfin.simulation import draw, overrides_for

    lo, hi = plan.chunks[chunk]
    m = hi - lo
    overrides: dict[str, np.ndarray] = {}
    if job.scenario is not None and job.prepared:
        prepared = list(job.prepared)
        seq = np.random.SeedSequence(plan.seed, spawn_key=(1, job.index, chunk))
        overrides = overrides_for(prepared, draw(prepared, job.scenario, m, seq).values)
    factors = factor_sample(plan, chunk)
    for (k, path), base in zip(job.targets, job.target_bases, strict=True):
        current = overrides.get(path, np.full(m, base))
        f = factors[:, k]
        apply = plan.applies[k]
        overrides[path] = (
            current * f
            if apply is Apply.MULTIPLY
            else current + f
            if apply is Apply.ADD
            else f.copy()
        )
    res = run(job.spec, overrides, n_scenarios=m)
    led, v = res.ledger, res.values
    to_wan = job.money_yuan / 1e4
    totals = {
        "fiscal_outlay": v["fiscal_outlay"] * to_wan,
        "total_revenue": v["total_revenue"] * to_wan,
        "debt_service": (led["cash.bond_debt_service"] + led["cash.loan_debt_service"]).sum(axis=1)
        * to_wan,
    }
    breaches = []
    for metric, op, value in plan.thresholds:
        x = tested(v[metric], res.notes.why.get(metric))  # a negative cover breaches
        hit = {"<": x < value, "<=": x <= value, ">": x > value, ">=": x >= value}[op]
        breaches.append(hit & ~np.isnan(x))
    stats = {}
    for key in STATS:
        if key in v:
            rs = mc.RunningStats()
            rs.update(v[key])
            stats[key] = (
                rs,
                float(np.nanmin(v[key])) if np.any(~np.isnan(v[key])) else np.nan,
                float(np.nanmax(v[key])) if np.any(~np.isnan(v[key])) else np.nan,
            )
    return {
        "project": job.index,
        "chunk": chunk,
        "totals": totals,
        "breaches": np.array(breaches, dtype=bool).reshape(len(plan.thresholds), m),
        "corr": v.get(plan.correlation_metric, np.full(m, np.nan)),
        "stats": stats,
    }


def reduce_chunk(plan: Plan, chunk: int, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Combine one chunk's project results (in project order) into portfolio series."""
    parts = sorted(parts, key=lambda p: p["project"])
    lo, hi = plan.chunks[chunk]
    m = hi - lo
    totals = {k: np.zeros(m) for k in TOTALS}
    counts = np.zeros((len(plan.thresholds), m), dtype=np.int64)
    for p in parts:
        for k in TOTALS:
            totals[k] = totals[k] + p["totals"][k]
        counts += p["breaches"]
    x = np.column_stack([p["corr"] for p in parts]) if parts else np.zeros((m, 0))
    ok = ~np.any(np.isnan(x), axis=1)
    xs = x[ok]
    return {
        "chunk": chunk,
        "totals": totals,
        "counts": counts,
        "breach_by_project": np.array([p["breaches"].sum(axis=1) for p in parts]),
        "co": (int(ok.sum()), xs.sum(axis=0), xs.T @ xs),
        "stats": [p["stats"] for p in parts],
    }


@dataclass
class PortfolioResult:
    """Portfolio statistics."""

    keys: list[str]
    n: int
    totals: pd.DataFrame
    """One row per scenario: fiscal outlay, debt service and revenue summed over projects
    [万元]."""
    breach_counts: pd.DataFrame
    """One row per scenario: how many projects breach each threshold."""
    projects: pd.DataFrame
    """Per project: mean, std, min, max of the summarised metrics and P(breach)."""
    correlation: pd.DataFrame
    """Cross-project correlation of ``correlation_metric`` across scenarios."""
    thresholds: list[str] = field(default_factory=list)
    bond_capital: BondCapital | None = None
    """The special bonds counted as project capital, per project and over the portfolio,
    against the provincial cap (``renewfin.portfolio.capital``)."""

    def totals_summary(self) -> pd.DataFrame:
        """Mean, std and percentiles of the portfolio totals."""
        return pd.DataFrame({k: mc.summarise(self.totals[k].to_numpy()) for k in self.totals}).T

    def breach_summary(self) -> pd.DataFrame:
        """Per threshold: expected number of breaching projects, its percentiles, and the
        probability that at least one project breaches."""
        rows = {}
        for t in self.thresholds:
            c = self.breach_counts[t].to_numpy()
            rows[t] = {
                "mean": c.mean(),
                "p50": np.percentile(c, 50),
                "p95": np.percentile(c, 95),
                "max": c.max(),
                "P(at least one)": float(np.mean(c > 0)),
            }
        return pd.DataFrame(rows).T


def combine(plan: Plan, jobs: list[Job], reduced: list[dict[str, Any]]) -> PortfolioResult:
    """Assemble the per-chunk reductions (in chunk order) into a result."""
    reduced = sorted(reduced, key=lambda r: r["chunk"])
    totals = pd.DataFrame({k: np.concatenate([r["totals"][k] for r in reduced]) for k in TOTALS})
    names = [f"{m} {op} {v:g}" for m, op, v in plan.thresholds]
    counts = pd.DataFrame(
        np.concatenate([r["counts"] for r in reduced], axis=1).T
        if reduced
        else np.zeros((0, len(names))),
        columns=names,
    )
    rows = []
    for i, job in enumerate(jobs):
        row: dict[str, Any] = {"project": job.key}
        for key in STATS:
            parts = [r["stats"][i][key] for r in reduced if key in r["stats"][i]]
            if not parts:
                continue
            rs = mc.RunningStats()
            for p in parts:
                rs.merge(p[0])
            row[f"{key}:mean"] = rs.mean
            row[f"{key}:std"] = rs.std
            lows = [p[1] for p in parts if not np.isnan(p[1])]
            highs = [p[2] for p in parts if not np.isnan(p[2])]
            row[f"{key}:min"] = min(lows) if lows else np.nan
            row[f"{key}:max"] = max(highs) if highs else np.nan
        for t, name in enumerate(names):
            row[f"P({name})"] = sum(int(r["breach_by_project"][i][t]) for r in reduced) / plan.n
        rows.append(row)
    n_ok = sum(r["co"][0] for r in reduced)
    s1 = sum(r["co"][1] for r in reduced)
    s2 = sum(r["co"][2] for r in reduced)
    keys = [j.key for j in jobs]
    if n_ok > 1:
        mean = s1 / n_ok
        cov = (s2 - n_ok * np.outer(mean, mean)) / (n_ok - 1)
        sd = np.sqrt(np.clip(np.diag(cov), 0, None))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = cov / np.outer(sd, sd)
    else:
        corr = np.full((len(keys), len(keys)), np.nan)
    return PortfolioResult(
        keys,
        plan.n,
        totals,
        counts,
        pd.DataFrame(rows).set_index("project"),
        pd.DataFrame(corr, index=keys, columns=keys),
        names,
    )


def simulate_portfolio(
    portfolio: PortfolioSpec,
    base: str | os.PathLike[str],
    *,
    n: int | None = None,
    seed: int | None = None,
    scheduler: str = "local",
    client: Any = None,
    progress: Any = None,
) -> PortfolioResult:
    """Run a portfolio.

    Parameters
    ----------
    portfolio : PortfolioSpec
    base : path
        Folder the portfolio file's relative paths start from.
    scheduler : str
        ``local`` (in-process, the default) or the address of a Dask scheduler
        (``tcp://host:8786``); ignored when ``client`` is given.
    client : dask.distributed.Client, optional
        An existing client (e.g. on a ``LocalCluster``).
    """
    plan, jobs = prepare_plan(portfolio, base, n, seed)
    capital = bond_capital(
        [j.key for j in jobs], [j.spec for j in jobs], portfolio.bond_capital_cap
    )
    chunks = range(len(plan.chunks))
    if client is None and scheduler == "local":
        reduced = []
        done = 0
        for c in chunks:
            reduced.append(reduce_chunk(plan, c, [project_chunk(plan, j, c) for j in jobs]))
            done += plan.chunks[c][1] - plan.chunks[c][0]
            if progress is not None:
                progress(done, plan.n)
    else:
        from renewfin.portfolio.distributed import run_on_dask

        reduced = run_on_dask(plan, jobs, scheduler, client, progress)
    return replace(combine(plan, jobs, reduced), bond_capital=capital)
