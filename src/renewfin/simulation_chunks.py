"""Many scenarios through the engine in chunks, so that memory stays bounded: the
metrics (and optionally the per-period values of some ledger lines) of n scenarios given
as engine overrides, one engine call (a lean run, ``renewfin.lean``) per chunk, in this
process or in a pool of worker processes. Used by ``renewfin.simulation`` and the
sensitivity analyses; each scenario's numbers do not depend on the chunk it runs in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from renewfin import simulation_lines as sim_lines
from renewfin.allocator import keep_freed_memory
from renewfin.engine import run
from renewfin.overrides import check_overrides
from renewfin.spec.model import ProjectSpec

DEFAULT_CHUNK = 5000
"""Scenarios evaluated per engine call."""

Progress = Callable[[int, int], None]
"""Called with (scenarios done, scenarios in total)."""

CHUNK_MEMORY = 64 * 1024**2
"""Memory one engine call (one chunk of scenarios) may take [bytes]; a spec whose
``chunk_size`` scenarios would need more runs in smaller chunks."""
Overrides = dict[str, np.ndarray] | Callable[[int, int], dict[str, np.ndarray]]
"""Engine overrides of n scenarios: arrays (S rows each), or a function of (lo, hi) giving
the overrides of scenarios lo … hi − 1 (built chunk by chunk, never for all n at once)."""


def ledger_lines(spec: ProjectSpec) -> int:
    """An upper estimate of the ledger lines (and loop buffers) the engine fills for
    ``spec``, from its counts of items: 1.3–1.7× the real count on the bundled
    models and on a monthly 40-year spec with 30 streams and 5 loans."""
    fs = spec.funding
    items = len(spec.investment) + len(spec.revenues) + len(spec.opex)
    debt = len(fs.loans) + len(fs.special_bonds)
    small = (
        len(fs.fiscal_funds)
        + len(fs.equity_parties)
        + len(spec.depreciation.classes)
        + len(spec.timeline.phases)
    )
    extras = 30 * (fs.fund is not None) + 30 * (fs.reit_exit is not None)
    return 110 + 3 * items + 12 * debt + 2 * small + extras


def bytes_per_scenario(spec: ProjectSpec) -> int:
    """Estimated engine memory of one scenario [bytes]: 8 × T × ``ledger_lines`` (the engine
    measured 0.9 × 8 × T × its real line count on the bundled models)."""
    return 8 * spec.n_periods * ledger_lines(spec)


def chunk_for(
    spec: ProjectSpec, chunk_size: int = DEFAULT_CHUNK, budget: int = CHUNK_MEMORY
) -> int:
    """Scenarios per engine call: ``chunk_size``, or fewer when that many would need more
    than ``budget`` bytes (at least one)."""
    return max(1, min(chunk_size, budget // max(bytes_per_scenario(spec), 1)))


ChunkOut = tuple[
    dict[str, np.ndarray],
    dict[str, float],
    np.ndarray,
    dict[str, np.ndarray],
    dict[str, np.ndarray],
    dict[str, list[str]],
]
"""What a chunk gives back (``_run_chunk``)."""


def _run_chunk(
    spec: ProjectSpec, chunk: dict[str, np.ndarray], n: int, lines: tuple[str, ...] = ()
) -> ChunkOut:
    """Metrics of a chunk of n scenarios, from a lean run that stores only the ledger lines
    something reads and ``lines`` (``renewfin.lean``; NaN for those whose funding solve did
    not converge), the engine's timings, the (k,) indices of those failed scenarios, why each
    undefined metric is NaN (``renewfin.notes``: (n,) codes by metric), the values of each
    of ``lines`` ((n, C), NaN rows for the failed; ``renewfin.simulation_lines``) and their
    column labels."""
    result = run(spec, chunk, n_scenarios=n, allow_unconverged=True, lean=True, keep=lines)
    failed = np.flatnonzero(~result.converged)
    values = result.values
    why = {k: np.broadcast_to(w, (n,)).copy() for k, w in result.notes.why.items()}
    per_period = sim_lines.series(result, lines, n)
    if failed.size:
        values = {k: v.copy() for k, v in values.items()}
        for v in (*values.values(), *per_period.values()):
            v[failed] = np.nan
        for w in why.values():
            w[failed] = 0
    labels = {line: sim_lines.columns(result, line) for line in lines}
    return values, result.timings, failed, why, per_period, labels


def _chunk_overrides(overrides: Overrides, lo: int, hi: int) -> dict[str, np.ndarray]:
    if callable(overrides):
        return overrides(lo, hi)
    return {k: v[lo:hi] for k, v in overrides.items()}


class _Columns:
    """Per-scenario metrics filled chunk by chunk into arrays allocated once (n,)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.columns: dict[str, np.ndarray] = {}

    def put(self, values: dict[str, np.ndarray], lo: int, hi: int) -> None:
        for key, v in values.items():
            col = self.columns.get(key)
            if col is None:
                v = np.asarray(v)
                col = np.full(self.n, np.nan) if v.dtype.kind == "f" else np.empty(self.n, v.dtype)
                self.columns[key] = col
            col[lo:hi] = v

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.columns, copy=False) if self.columns else pd.DataFrame()


def evaluate(
    spec: ProjectSpec,
    overrides: Overrides,
    n: int,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
    done_before: int = 0,
    total: int | None = None,
    timings: dict[str, float] | None = None,
    workers: int = 1,
    failed: list[int] | None = None,
    why: list[pd.DataFrame] | None = None,
    lines: sim_lines.LineCollector | None = None,
) -> pd.DataFrame:
    """Metrics of n scenarios given as engine overrides, evaluated in chunks, (n, metrics).

    Memory is one chunk plus the (n, metrics) result: ``overrides`` may be a function of
    (lo, hi) so that they too are built one chunk at a time, and a chunk is cut below
    ``chunk_size`` when it would need more than ``CHUNK_MEMORY`` (``chunk_for``).
    ``workers`` > 1 evaluates chunks in that many processes (at most two chunks each in
    flight); each scenario's numbers do not depend on the chunk it runs in, so the result
    is identical. ``timings`` (optional) accumulates the engine's and the metrics' seconds
    (summed over workers). Scenarios whose funding solve did not converge have NaN
    metrics; ``failed`` (optional) collects their indices (counted from ``done_before``);
    ``why`` (optional) collects, chunk by chunk, why each undefined metric is NaN
    (``renewfin.notes``); ``lines`` (optional) collects the per-period values of its lines
    (``renewfin.simulation_lines``).

    Raises
    ------
    SpecError
        Before any chunk runs, when an override given as arrays breaks the spec's bounds or
        rules (``renewfin.overrides.check_overrides``); overrides given as a function are
        the caller's to check (``simulate`` checks its sample with ``check_sample``)."""
    if not callable(overrides):
        check_overrides(spec, overrides, n)
    if n <= 0:
        return pd.DataFrame()
    size = chunk_for(spec, chunk_size)
    bounds = [(lo, min(n, lo + size)) for lo in range(0, n, size)]
    out = _Columns(n)

    wanted = tuple(lines.lines) if lines is not None else ()

    def collect(
        values: dict[str, np.ndarray],
        spent: dict[str, float],
        bad: np.ndarray,
        codes: dict[str, np.ndarray],
        per_period: dict[str, np.ndarray],
        labels: dict[str, list[str]],
        lo: int,
        hi: int,
    ) -> None:
        if lines is not None:
            lines.put(per_period, done_before + lo, labels.__getitem__)
        if why is not None:
            why.append(pd.DataFrame(codes))
        if failed is not None:
            failed.extend(int(done_before + lo + b) for b in bad)
        if timings is not None:
            for key, value in spent.items():
                timings[key] = timings.get(key, 0.0) + value
        out.put(values, lo, hi)
        if progress is not None:
            progress(done_before + hi, total or n)

    if workers > 1 and len(bounds) > 1:
        _evaluate_parallel(spec, overrides, bounds, workers, collect, wanted)
    else:
        for lo, hi in bounds:
            chunk = _chunk_overrides(overrides, lo, hi)
            collect(*_run_chunk(spec, chunk, hi - lo, wanted), lo, hi)
    return out.frame()


def _evaluate_parallel(
    spec: ProjectSpec,
    overrides: Overrides,
    bounds: list[tuple[int, int]],
    workers: int,
    collect: Callable[..., None],
    lines: tuple[str, ...] = (),
) -> None:
    """Chunks in a process pool, in order, with at most 2 × ``workers`` submitted."""
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, initializer=keep_freed_memory) as pool:
        pending: deque[tuple[Any, int, int]] = deque()
        for lo, hi in bounds:
            chunk = _chunk_overrides(overrides, lo, hi)
            pending.append((pool.submit(_run_chunk, spec, chunk, hi - lo, lines), lo, hi))
            if len(pending) >= 2 * workers:
                fut, a, b = pending.popleft()
                collect(*fut.result(), a, b)
        while pending:
            fut, a, b = pending.popleft()
            collect(*fut.result(), a, b)
