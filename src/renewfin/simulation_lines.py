"""Per-period results of a Monte Carlo: percentiles of chosen ledger lines and annual
ratios by period, collected chunk by chunk without keeping any chunk's ledger.

A *line* is either a ledger line (``cash.cumulative_surplus``, ``revenue.total`` …; one
value per model period) or one of the annual ratios of ``RATIOS`` (one value per model
year, on the test years the ratio's minimum is taken over, NaN in the others; a ratio's
per-year value is the cover itself, negative where the cash is, so a P5 shows the bad
years the minimum metric reports as NaN with its reason).

Percentiles are exact (``numpy.nanpercentile`` of every scenario's value, linear
interpolation) when the kept values fit in ``LINES_MEMORY``; otherwise they are the
percentiles of a systematic subsample, every k-th scenario (``LineBands.method`` says
which, with k). Means and counts are always over every scenario.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from renewfin.engine import Result
from renewfin.metrics_funding import annual_cover_terms
from renewfin.paths import suggest
from renewfin.ratios import safe_ratio
from renewfin.spec.errors import Problem, SpecError
from renewfin.spec.model import ProjectSpec

LINE_PERCENTILES = (5, 10, 25, 50, 75, 90, 95)
"""Percentiles reported for each line."""
LINES_MEMORY = 256 * 2**20
"""Budget for the values kept for exact percentiles [bytes]; above it a subsample is kept."""

RATIO_LABELS = {
    "ratio.dscr": "偿债覆盖率 (bank DSCR: CFADS / bond and loan service due)",
    "ratio.loan_dscr": "贷款偿债覆盖率 (loan DSCR: CFADS after bond service / loan service)",
    "ratio.dscr_cn": "偿债备付率 (第三版: (EBITDA − 所得税) / 应还本付息额)",
    "ratio.icr": "利息备付率 (第三版: EBIT / 应付利息)",
    "ratio.bond_cover": "专项债年度本息覆盖 (net income for coverage / bond service)",
}
"""The annual ratios a Monte Carlo can report by year, with their definitions."""
RATIOS = tuple(RATIO_LABELS)


def known_lines(spec: ProjectSpec) -> list[str]:
    """Every line ``simulate(lines=…)`` accepts for ``spec``: its ledger lines (from a
    deterministic run) and the annual ratios."""
    from renewfin.engine import run

    return [*run(spec).ledger.ids(), *RATIOS]


def check_lines(spec: ProjectSpec, lines: Sequence[str]) -> None:
    """Raise ``SpecError`` naming each unknown line, with the nearest known ones."""
    if not lines:
        return
    known = known_lines(spec)
    bad = [line for line in lines if line not in known]
    if bad:
        raise SpecError(
            [
                Problem(
                    "lines",
                    "unknown line; expected a ledger line or one of "
                    f"{', '.join(RATIOS)}{suggest(line, known)}",
                    line,
                )
                for line in bad
            ],
            what="option",
        )


def series(result: Result, lines: Sequence[str], n: int) -> dict[str, np.ndarray]:
    """Each line's values in ``result``, (n, T) for a ledger line, (n, Y) for an annual
    ratio of ``RATIOS`` (NaN outside its test years)."""
    terms = (
        annual_cover_terms(result.ledger, result.spec)
        if any(line in RATIO_LABELS for line in lines)
        else {}
    )
    out = {}
    for line in lines:
        if line in RATIO_LABELS:
            x = safe_ratio(*terms[line.removeprefix("ratio.")])
        else:
            x = result.ledger[line]
        out[line] = np.broadcast_to(np.asarray(x, dtype=float), (n, x.shape[-1])).copy()
    return out


def columns(result: Result, line: str) -> list[str]:
    """The column labels of ``line``: the period labels, or the model years for a ratio."""
    labels = list(result.timeline.labels)
    if line not in RATIO_LABELS:
        return labels
    ppy = result.timeline.ppy
    return labels[::ppy] if ppy == 1 else [str(y) for y in result.timeline.start_years[::ppy]]


@dataclass(frozen=True)
class LineBands:
    """Per-period percentiles of one line over a simulation.

    Attributes
    ----------
    line : str
    columns : list of str
        Period labels (C,), or model years for an annual ratio.
    percentiles : tuple of int
        (P,) the percentiles of ``bands``.
    bands : ndarray, shape (P, C)
        Percentile values by column, NaN where no scenario has a value.
    mean : ndarray, shape (C,)
        Mean over every scenario with a value.
    count : ndarray, shape (C,)
        Scenarios with a value in each column.
    method : str
        ``"exact"`` or ``"subsample 1 in k"`` (module docstring).
    """

    line: str
    columns: list[str]
    percentiles: tuple[int, ...]
    bands: np.ndarray
    mean: np.ndarray
    count: np.ndarray
    method: str


class LineCollector:
    """Collects the lines of each chunk of an ``n``-scenario simulation (``put``) and gives
    their percentiles (``bands``); memory is the kept values, at most ``budget`` bytes."""

    def __init__(self, lines: Sequence[str], n: int, budget: int = LINES_MEMORY) -> None:
        self.lines = list(lines)
        self.n = n
        self.budget = budget
        self.stride = 0  # set by the first chunk, from its widths
        self.kept: dict[str, list[np.ndarray]] = {line: [] for line in self.lines}
        self.sums: dict[str, np.ndarray] = {}
        self.counts: dict[str, np.ndarray] = {}
        self.labels: dict[str, list[str]] = {}

    def put(
        self, values: dict[str, np.ndarray], lo: int, labels: Callable[[str], list[str]]
    ) -> None:
        """Add the rows of scenarios ``lo``, ``lo + 1`` … (``values``: line → (m, C))."""
        if not self.stride:
            width = sum(v.shape[1] for v in values.values())
            self.stride = max(1, math.ceil(self.n * width * 8 / self.budget))
        for line, v in values.items():
            if line not in self.labels:
                self.labels[line] = labels(line)
                self.sums[line] = np.zeros(v.shape[1])
                self.counts[line] = np.zeros(v.shape[1], dtype=np.int64)
            ok = np.isfinite(v)
            self.sums[line] += np.where(ok, v, 0.0).sum(axis=0)
            self.counts[line] += ok.sum(axis=0)
            first = (-lo) % self.stride  # the rows whose scenario index is a multiple of k
            self.kept[line].append(v[first :: self.stride])

    def bands(self, percentiles: Sequence[int] = LINE_PERCENTILES) -> dict[str, LineBands]:
        """Every line's ``LineBands``."""
        out = {}
        p = tuple(int(q) for q in percentiles)
        method = "exact" if self.stride <= 1 else f"subsample 1 in {self.stride}"
        for line in self.lines:
            if line not in self.labels:
                continue
            rows = np.vstack(self.kept[line])
            width = rows.shape[1]
            bands = np.full((len(p), width), np.nan)
            has = np.isfinite(rows).any(axis=0)
            if has.any():
                bands[:, has] = np.nanpercentile(rows[:, has], p, axis=0)
            count = self.counts[line]
            mean = np.divide(self.sums[line], count, out=np.full(width, np.nan), where=count > 0)
            out[line] = LineBands(line, self.labels[line], p, bands, mean, count, method)
        return out


def line_document(bands: dict[str, LineBands]) -> dict[str, object]:
    """JSON-ready per-period percentiles (None for a column with no value)."""

    def clean(x: np.ndarray) -> list[float | None]:
        return [float(v) if math.isfinite(v) else None for v in x]

    return {
        line: {
            "columns": b.columns,
            "method": b.method,
            "definition": RATIO_LABELS.get(line, "ledger line"),
            "mean": clean(b.mean),
            "count": [int(c) for c in b.count],
            **{f"P{q}": clean(b.bands[i]) for i, q in enumerate(b.percentiles)},
        }
        for line, b in bands.items()
    }


def line_rows(bands: dict[str, LineBands]) -> list[dict[str, object]]:
    """Long-format rows (line, column, mean, count, P5 …) for a CSV."""
    rows: list[dict[str, object]] = []
    for line, b in bands.items():
        for j, col in enumerate(b.columns):
            row: dict[str, object] = {
                "line": line,
                "period": col,
                "mean": b.mean[j],
                "count": int(b.count[j]),
            }
            for i, q in enumerate(b.percentiles):
                row[f"P{q}"] = b.bands[i, j]
            rows.append(row)
    return rows
