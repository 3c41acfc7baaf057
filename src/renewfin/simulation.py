"""Monte Carlo simulation of the full engine, funding stack and debt sizing included.

The sample is drawn in the unit cube (Latin hypercube by default), mapped through each
input's inverse CDF, rank-correlated by Iman–Conover (an invalid target matrix is first
repaired to the nearest correlation matrix, and the repair reported), turned into
absolute per-scenario values of spec inputs, and evaluated by the engine in chunks so
that memory stays bounded. The same seed gives the same numbers on any machine.

A scenario whose funding solve does not converge is reported as failed: its metrics are
NaN (so no statistic averages it in: summaries count it among the NaNs, breach
probabilities among ``n_nan``), its index is in ``Simulation.failed`` and the summary
says how many failed.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from renewfin import montecarlo as mc
from renewfin import simulation_lines as sim_lines
from renewfin.engine import run
from renewfin.notes import tested
from renewfin.overrides import check_overrides
from renewfin.paths import canonical_path, input_values, suggest
from renewfin.scenario_delays import scenario_problems
from renewfin.simulation_chunks import DEFAULT_CHUNK, Progress, evaluate
from renewfin.spec.errors import Problem, SpecError
from renewfin.spec.model import ProjectSpec
from renewfin.spec.scenario import Apply, Override, ScenarioSpec, Threshold, UncertainInput


@dataclass(frozen=True)
class PreparedInput:
    """An uncertain input bound to a spec: canonical path, spec value, distribution."""

    name: str
    path: str
    base: float | list[float]
    dist: Any
    apply: Apply
    low: float
    """Tornado low sample value."""
    high: float
    """Tornado high sample value."""

    def values(self, sample: np.ndarray) -> np.ndarray:
        """Absolute input values for samples (n,): (n,) for scalars, (n, m) for vectors."""
        base = np.asarray(self.base, dtype=float)
        x = np.asarray(sample, dtype=float)
        if base.ndim == 1:
            x = x[:, None]
        if self.apply is Apply.MULTIPLY:
            return base * x
        if self.apply is Apply.ADD:
            return base + x
        return x * np.ones_like(base)

    @property
    def neutral(self) -> float:
        """The sample value that leaves the spec unchanged."""
        return {Apply.MULTIPLY: 1.0, Apply.ADD: 0.0}.get(self.apply, float(np.mean(self.base)))


def _override_value(base: float | list[float], o: Override) -> np.ndarray:
    b = np.asarray(base, dtype=float)
    if o.set is not None:
        return b * 0.0 + o.set
    if o.multiply is not None:
        return b * o.multiply
    return b + float(o.add or 0.0)


def prepare(spec: ProjectSpec, scenario: ScenarioSpec) -> list[PreparedInput]:
    """Bind a scenario's inputs to a spec; raise one ``SpecError`` naming every input or
    stress override whose path is no numeric input of the spec (``renewfin.spec.registry``)
    or has no value to multiply or shift."""
    bases = input_values(spec)
    problems: list[Problem] = []
    out: list[PreparedInput] = []
    seen: dict[str, str] = {}
    for k, inp in enumerate(scenario.inputs):
        path, problem = _bound_path(spec, bases, inp.path, inp.apply, f"inputs[{k}].path")
        if problem is not None:
            problems.append(problem)
            continue
        if path in seen:
            problems.append(
                Problem(f"inputs[{k}].path", f"already varied by input {seen[path]!r}", inp.path)
            )
            continue
        seen[path] = inp.name
        out.append(_bind(inp, path, bases[path]))
    for j, case in enumerate(scenario.stress):
        for i, o in enumerate(case.overrides):
            how = Apply.SET if o.set is not None else Apply.MULTIPLY
            where = f"stress[{j}].overrides[{i}].path"
            problems += [p for p in [_bound_path(spec, bases, o.path, how, where)[1]] if p]
    written = [inp.path for inp in scenario.inputs]
    written += [o.path for case in scenario.stress for o in case.overrides]
    problems += scenario_problems(
        spec, scenario, bases, {w: canonical_path(spec, w) for w in written}
    )
    if problems:
        raise SpecError(problems, what="scenario")
    return out


def check_scenario(spec: ProjectSpec, scenario: ScenarioSpec) -> None:
    """Check a scenario file against a spec before anything runs: every input and stress
    path (``prepare``) and every metric it names (thresholds, sensitivity, convergence).

    Raises
    ------
    SpecError
        Naming each bad entry by its place in the file.
    """
    prepare(spec, scenario)
    check_metrics(spec, scenario)


def check_metrics(spec: ProjectSpec, scenario: ScenarioSpec) -> None:
    """Every metric a scenario names is a metric of the spec (see ``check_scenario``)."""
    known = list(run(spec, allow_unconverged=True).values)
    named = [(f"thresholds[{i}].metric", t.metric) for i, t in enumerate(scenario.thresholds)]
    named += [(f"sensitivity.metrics[{i}]", m) for i, m in enumerate(scenario.sensitivity.metrics)]
    if scenario.convergence is not None:
        named += [
            (f"convergence.metrics[{i}]", m) for i, m in enumerate(scenario.convergence.metrics)
        ]
    problems = [unknown_metric(where, m, known) for where, m in named if m not in known]
    if problems:
        raise SpecError(problems, what="scenario")


def unknown_metric(where: str, metric: str, known: list[str]) -> Problem:
    """The problem of a metric id that is not one of ``known``."""
    return Problem(
        where,
        "unknown metric" + suggest(metric, known) + f" (metrics: {', '.join(sorted(known))})",
        metric,
    )


def _bound_path(
    spec: ProjectSpec, bases: dict[str, Any], path: str, apply: Apply, where: str
) -> tuple[str, Problem | None]:
    """The canonical path, or the problem: no such input, or no spec value to change."""
    canon = canonical_path(spec, path)
    if canon not in bases:
        return canon, Problem(
            where, "not a numeric input of this spec" + suggest(canon, sorted(bases)), path
        )
    if bases[canon] is None and apply is not Apply.SET:
        return canon, Problem(
            where,
            f"has no value in this spec to {apply.value}; give a value in the spec, or use `set`",
            path,
        )
    return canon, None


def _named_by_input(exc: SpecError, prepared: list[PreparedInput]) -> SpecError:
    """``exc`` about sampled values, each problem named by the scenario input behind it."""
    index = {p.path: (k, p) for k, p in enumerate(prepared)}
    problems = []
    for problem in exc.problems:
        k, inp = index.get(problem.path, (None, None))
        if inp is None:
            problems.append(problem)
            continue
        problems.append(
            Problem(
                f"inputs[{k}] {inp.name}",
                f"sampled values of {inp.path} (apply: {inp.apply.value}): {problem.message}",
                problem.value,
                problem.has_value,
            )
        )
    return SpecError(problems, what="scenario")


def _bind(inp: UncertainInput, path: str, base: float | list[float] | None) -> PreparedInput:
    """``inp`` bound to its spec value (an empty optional field, which only ``set`` may
    vary, counts as 0 for the shape of the values)."""
    dist = inp.math()
    base = 0.0 if base is None else base
    low = inp.low if inp.low is not None else float(dist.ppf(np.array([0.1]))[0])
    high = inp.high if inp.high is not None else float(dist.ppf(np.array([0.9]))[0])
    return PreparedInput(inp.name, path, base, dist, inp.apply, low, high)


def correlation_target(scenario: ScenarioSpec, names: list[str]) -> np.ndarray | None:
    """The target rank-correlation matrix over ``names`` (None when there is none)."""
    if not scenario.correlations:
        return None
    idx = {n: i for i, n in enumerate(names)}
    c = np.eye(len(names))
    for corr in scenario.correlations:
        a, b = idx[corr.a], idx[corr.b]
        c[a, b] = c[b, a] = corr.rho
    return c


@dataclass(frozen=True)
class Sample:
    """Sampled values of the uncertain inputs."""

    values: pd.DataFrame
    """(n, d) sample values by input name (multipliers, shifts or values per ``apply``)."""
    repair: mc.CorrelationRepair | None
    """What the correlation repair did, or None without correlations."""
    target: np.ndarray | None
    """The (repaired) target correlation."""


def draw(
    prepared: list[PreparedInput],
    scenario: ScenarioSpec,
    n: int,
    seed: int | np.random.SeedSequence,
) -> Sample:
    """Sample n scenarios: unit cube → inverse CDFs → Iman–Conover rank correlation."""
    names = [p.name for p in prepared]
    d = len(prepared)
    seeds = mc.spawn_seeds(seed, 2)
    if d == 0:
        return Sample(pd.DataFrame(index=range(n)), None, None)
    u = mc.unit_sample(n, d, scenario.sampler.value, seeds[0])
    x = np.empty_like(u)
    for j, p in enumerate(prepared):  # one column at a time: no (n, d) temporaries
        x[:, j] = p.dist.ppf(u[:, j])
    del u
    target = correlation_target(scenario, names)
    repair = None
    if target is not None:
        target, repair = mc.nearest_correlation(target)
        if n > d + 1:
            x = mc.iman_conover(x, target, seed=seeds[1])
    return Sample(pd.DataFrame(x, columns=names, copy=False), repair, target)


def overrides_for(prepared: list[PreparedInput], sample: pd.DataFrame) -> dict[str, np.ndarray]:
    """Engine overrides (path → absolute values) for sampled rows."""
    return {p.path: p.values(sample[p.name].to_numpy()) for p in prepared}


CHECK_VALUES = 16 * 1024**2
"""Override values checked at once by ``check_sample`` (a block of rows of the sample)."""


def check_sample(spec: ProjectSpec, prepared: list[PreparedInput], sample: pd.DataFrame) -> None:
    """Check the overrides of a whole sample against the spec's bounds and rules
    (``check_overrides``), in blocks of at most ``CHECK_VALUES`` values so that vector inputs
    are never built for every scenario at once (scalar inputs fit in one block up to
    millions of scenarios)."""
    n = len(sample)
    width = sum(max(np.size(p.base), 1) for p in prepared) or 1
    rows = max(1, CHECK_VALUES // width)
    for lo in range(0, n, rows):
        block = sample.iloc[lo : lo + rows]
        check_overrides(spec, overrides_for(prepared, block), len(block))


def _lazy_overrides(
    prepared: list[PreparedInput], sample: pd.DataFrame
) -> Callable[[int, int], dict[str, np.ndarray]]:
    """``overrides_for`` one chunk of rows at a time (a vector input is (rows, m))."""
    return lambda lo, hi: overrides_for(prepared, sample.iloc[lo:hi])


@dataclass(repr=False)
class Simulation:
    """The result of a Monte Carlo run (``repr`` and the notebook view are short
    summaries)."""

    spec: ProjectSpec
    scenario: ScenarioSpec
    inputs: list[PreparedInput]
    samples: pd.DataFrame
    """(n, d) sample values by input name."""
    metrics: pd.DataFrame
    """(n, metrics) one row per scenario."""
    seed: int
    repair: mc.CorrelationRepair | None = None
    convergence: pd.DataFrame | None = None
    """History of the auto-stop statistics (one row per batch), when enabled."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent sampling, in the engine, computing metrics (summed over workers), and
    summarising; ``wall`` is the elapsed time of the whole simulation."""
    failed: list[int] = field(default_factory=list)
    """Rows of the scenarios whose funding solve did not converge (their metrics are NaN,
    left out of every statistic)."""
    why: pd.DataFrame | None = None
    """(n, noted metrics) why each undefined metric is NaN (``renewfin.notes.Why``): a
    threshold counts a negative cover as a breach of a floor (``breach_table``)."""
    lines: dict[str, sim_lines.LineBands] = field(default_factory=dict)
    """Per-period percentiles of the lines asked for (``simulate(lines=…)``)."""

    @property
    def n(self) -> int:
        """Scenarios evaluated."""
        return len(self.metrics)

    def __repr__(self) -> str:
        from renewfin.display import simulation_repr

        return simulation_repr(self)

    def _repr_html_(self) -> str:
        from renewfin.display import simulation_html

        return simulation_html(self)

    def table(self) -> pd.DataFrame:
        """One row per scenario: sampled inputs, then metrics."""
        return pd.concat([self.samples.add_prefix("input:"), self.metrics], axis=1)

    def summary(self, metrics: list[str] | None = None) -> pd.DataFrame:
        """Mean, std, standard error, P5/P10/P50/P90/P95, min, max and NaN count per metric."""
        rows = {}
        for key in metrics or list(self.metrics.columns):
            rows[key] = mc.summarise(self.metrics[key].to_numpy())
        return pd.DataFrame(rows).T

    def breaches(self) -> pd.DataFrame:
        """Breach probability and its Monte Carlo standard error per declared threshold."""
        return breach_table(self.metrics, self.scenario.thresholds, self.why)

    def achieved_correlation(self) -> pd.DataFrame:
        """Spearman rank correlation of the sampled inputs."""
        names = list(self.samples.columns)
        if len(names) < 2 or self.n < 3:
            return pd.DataFrame(index=names, columns=names, dtype=float)
        return pd.DataFrame(mc.spearman(self.samples.to_numpy()), index=names, columns=names)


def _tested(metrics: pd.DataFrame, why: pd.DataFrame | None, key: str) -> np.ndarray:
    """A metric's values as thresholds test them (``renewfin.notes.tested``)."""
    codes = why[key].to_numpy() if why is not None and key in why else None
    return tested(metrics[key].to_numpy(), codes)


def breach_table(
    metrics: pd.DataFrame, thresholds: list[Threshold], why: pd.DataFrame | None = None
) -> pd.DataFrame:
    """P(breach) and its standard error for each threshold: an undefined cover counts by
    its reason (``why``: a negative one breaches a floor, one with nothing due does not);
    other NaN values (an IRR with no root, an unconverged solve) are counted apart, never
    as silent passes."""
    rows = []
    for th in thresholds:
        if th.metric not in metrics:
            raise SpecError(
                [
                    Problem(
                        "thresholds",
                        f"unknown metric; expected one of {sorted(metrics.columns)}",
                        th.metric,
                    )
                ],
                what="scenario",
            )
        bp = mc.breach_probability(_tested(metrics, why, th.metric), th.op.value, th.value)
        rows.append(
            {
                "threshold": th.text,
                "label": th.label or th.text,
                "p": bp.p,
                "se": bp.se,
                "n_breach": bp.n_breach,
                "n": bp.n,
                "n_nan": bp.n_nan,
            }
        )
    return pd.DataFrame(rows)


def _convergence_row(
    n: int, metrics: pd.DataFrame, scenario: ScenarioSpec, why: pd.DataFrame | None = None
) -> dict[str, Any]:
    cs = scenario.convergence
    assert cs is not None
    row: dict[str, Any] = {"n": n}
    ok = n >= cs.min_n
    for key in cs.metrics:
        c = mc.convergence(metrics[key].to_numpy(), "mean", cs.tolerance, rel=True, min_n=cs.min_n)
        row[f"{key}:mean"], row[f"{key}:se"] = c.estimate, c.se
        ok = ok and bool(c.converged)
    for th in scenario.thresholds:
        c = mc.convergence(
            _tested(metrics, why, th.metric),
            "p",
            cs.tolerance,
            rel=False,
            op=th.op.value,
            threshold=th.value,
            min_n=cs.min_n,
        )
        row[f"P({th.text})"], row[f"P({th.text}):se"] = c.estimate, c.se
        ok = ok and bool(c.converged)
    row["converged"] = ok
    return row


def _batches(
    scenario: ScenarioSpec, n: int, seed: int, auto: bool
) -> tuple[list[int], list[np.random.SeedSequence]]:
    """The sizes of the batches the Monte Carlo draws and the seed of each: one batch of
    ``n`` from ``seed``, or with auto-stop (``auto``, which implies a convergence section)
    batches of the convergence section's size, each from a child of the seed."""
    conv = scenario.convergence
    batches = (
        [n]
        if not auto or conv is None
        else [min(conv.batch, n - k) for k in range(0, n, conv.batch)]
    )
    seeds = mc.spawn_seeds(seed, len(batches)) if auto else [np.random.SeedSequence(seed)]
    return batches, seeds


def simulate(
    spec: ProjectSpec,
    scenario: ScenarioSpec,
    *,
    n: int | None = None,
    seed: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
    auto_stop: bool | None = None,
    workers: int = 1,
    lines: Sequence[str] = (),
) -> Simulation:
    """Run the Monte Carlo.

    Parameters
    ----------
    n, seed : int, optional
        Override the scenario file's sample size and seed.
    chunk_size : int
        Scenarios per engine call (memory is bounded by this, not by n).
    progress : callable, optional
        Called as scenarios complete.
    auto_stop : bool, optional
        Stop once the scenario's convergence statistics are within tolerance (default: on
        when the scenario file has a ``convergence`` section). Each batch is then its own
        Latin hypercube (replicated LHS), drawn from a child of the seed.
    workers : int
        Processes evaluating chunks in parallel (1: in this process); the numbers do not
        depend on it.
    lines : sequence of str
        Ledger lines and annual ratios whose per-period percentiles to collect chunk by
        chunk (``renewfin.simulation_lines``; ``Simulation.lines``).
    """
    n = scenario.n if n is None else n
    seed = scenario.seed if seed is None else seed
    wall = time.perf_counter()
    prepared = prepare(spec, scenario)
    check_metrics(spec, scenario)
    sim_lines.check_lines(spec, lines)
    auto = scenario.convergence is not None if auto_stop is None else auto_stop
    if auto and scenario.convergence is None:
        raise SpecError(
            [Problem("convergence", "auto-stop needs a convergence section", has_value=False)],
            what="scenario",
        )
    t_sample = 0.0
    spent: dict[str, float] = {}
    samples, metrics, history = [], [], []
    failed: list[int] = []
    why: list[pd.DataFrame] = []
    repair = None
    batches, seeds = _batches(scenario, n, seed, auto)
    done = 0
    collector = sim_lines.LineCollector(lines, n) if lines else None
    for size, child in zip(batches, seeds, strict=True):
        t0 = time.perf_counter()
        sample = draw(prepared, scenario, size, child)
        repair = repair or sample.repair
        t1 = time.perf_counter()
        try:
            check_sample(spec, prepared, sample.values)
            m = evaluate(
                spec,
                _lazy_overrides(prepared, sample.values),
                size,
                chunk_size=chunk_size,
                progress=progress,
                done_before=done,
                total=n,
                timings=spent,
                workers=workers,
                failed=failed,
                why=why,
                lines=collector,
            )
        except SpecError as exc:
            raise _named_by_input(exc, prepared) from None
        t_sample += t1 - t0
        samples.append(sample.values)
        metrics.append(m)
        done += size
        if auto:
            row = _convergence_row(
                done,
                pd.concat(metrics, ignore_index=True),
                scenario,
                pd.concat(why, ignore_index=True) if why else None,
            )
            history.append(row)
            if row["converged"]:
                break
    sim = Simulation(
        spec,
        scenario,
        prepared,
        _joined(samples),
        _joined(metrics),
        seed,
        repair,
        pd.DataFrame(history) if history else None,
        failed=failed,
        why=pd.concat(why, ignore_index=True).fillna(0).astype(np.int8) if why else None,
        lines=collector.bands() if collector is not None else {},
    )
    t3 = time.perf_counter()
    sim.summary()
    sim.breaches()
    sim.timings = {
        "sampling": t_sample,
        "engine": spent.get("engine", 0.0),
        "metrics": spent.get("metrics", 0.0),
        "summaries": time.perf_counter() - t3,
        "wall": time.perf_counter() - wall,
    }
    return sim


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one below the other (one frame as it is, not copied)."""
    if not frames:
        return pd.DataFrame()
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def stress_table(spec: ProjectSpec, scenario: ScenarioSpec) -> pd.DataFrame:
    """The base case and each named stress case, one row each, all metrics: one batched
    engine run with S = 1 + cases."""
    prepare(spec, scenario)  # every override path checked, named by its place in the file
    bases = input_values(spec)
    cases = scenario.stress
    s = 1 + len(cases)
    overrides: dict[str, np.ndarray] = {}
    for j, case in enumerate(cases, start=1):
        for o in case.overrides:
            path = canonical_path(spec, o.path)
            base = np.asarray(0.0 if bases[path] is None else bases[path], dtype=float)
            if path not in overrides:
                overrides[path] = np.repeat(base[None, ...], s, axis=0)
            overrides[path][j] = _override_value(overrides[path][j], o)
    result = run(spec, overrides, n_scenarios=s)
    index = ["基准 Base", *(c.name for c in cases)]
    return pd.DataFrame(result.values, index=index)


class ProgressBar:
    """A one-line text progress bar on a stream (stderr by default)."""

    def __init__(self, stream: Any = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.start = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        frac = done / total if total else 1.0
        filled = int(self.width * frac)
        rate = done / max(time.perf_counter() - self.start, 1e-9)
        bar = "█" * filled + "·" * (self.width - filled)
        self.stream.write(f"\r  [{bar}] {frac:6.1%} {done:,}/{total:,} · {rate:,.0f}/s")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def is_finite(x: float) -> bool:
    """Whether ``x`` is a finite number."""
    return not (math.isnan(x) or math.isinf(x))
