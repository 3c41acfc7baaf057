"""The tornado: each uncertain input of a scenario file at its low and high value, and the
swing of each metric between them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from renewfin.sensitivity.factors import (
    FloatArray,
    check_metrics,
)
from renewfin.simulation import prepare
from renewfin.simulation_chunks import DEFAULT_CHUNK, evaluate
from renewfin.spec.model import ProjectSpec
from renewfin.spec.scenario import ScenarioSpec

__all__ = ["TORNADO_COLUMNS", "tornado", "tornado_frame"]

# ---------------------------------------------------------------------------- tornado


TORNADO_COLUMNS = [
    "input",
    "path",
    "metric",
    "base",
    "low_value",
    "high_value",
    "swing",
    "low_sample",
    "high_sample",
]
"""Columns of a tornado table."""


def tornado_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Tornado rows as a table sorted by metric (in ``_order``) then by swing, largest
    first."""
    if not rows:
        return pd.DataFrame(columns=TORNADO_COLUMNS)
    out = pd.DataFrame(rows).sort_values(
        ["_order", "swing"], ascending=[True, False], na_position="last", kind="stable"
    )
    return out[TORNADO_COLUMNS].reset_index(drop=True)


def tornado(
    spec: ProjectSpec,
    scenario: ScenarioSpec,
    metrics: Sequence[str] | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK,
) -> pd.DataFrame:
    """Each uncertain input alone at its low and its high value, the others at base.

    The low and high sample values are the scenario's ``low`` / ``high`` or the 10th and 90th
    percentiles of the input's distribution (``PreparedInput.low`` / ``.high``), applied as
    the input says (``multiply``, ``add`` or ``set``). One batched engine run with
    S = 1 + 2d. Inputs are the scenario's ``sensitivity.inputs`` when given, else all.

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    scenario : ScenarioSpec
        Uncertain inputs.
    metrics : sequence of str, optional
        Metric ids; default the scenario's ``sensitivity.metrics``.

    Returns
    -------
    DataFrame
        Columns ``input``, ``path``, ``metric``, ``base`` (deterministic value),
        ``low_value`` / ``high_value`` (metric with the input at its low / high sample),
        ``swing`` = |high − low| [the metric's unit], ``low_sample`` / ``high_sample`` (the
        sample values used). Rows grouped by metric in the order given, then by swing,
        largest first (NaN last).
    """
    prepared = prepare(spec, scenario)
    chosen = scenario.sensitivity.inputs
    if chosen is not None:
        prepared = [p for p in prepared if p.name in set(chosen)]
    keys_wanted = list(scenario.sensitivity.metrics if metrics is None else metrics)
    d = len(prepared)
    s = 1 + 2 * d
    overrides: dict[str, FloatArray] = {}
    for i, p in enumerate(prepared):
        base = np.asarray(p.base, dtype=float)
        arr = np.repeat(base[None, ...], s, axis=0)
        arr[1 + i] = p.values(np.array([p.low]))[0]
        arr[1 + d + i] = p.values(np.array([p.high]))[0]
        overrides[p.path] = arr
    frame = evaluate(spec, overrides, s, chunk_size=chunk_size)
    keys = check_metrics(frame, keys_wanted)
    rows = []
    for j, key in enumerate(keys):
        y = frame[key].to_numpy()
        for i, p in enumerate(prepared):
            lo, hi = y[1 + i], y[1 + d + i]
            rows.append(
                {
                    "input": p.name,
                    "path": p.path,
                    "metric": key,
                    "base": y[0],
                    "low_value": lo,
                    "high_value": hi,
                    "swing": abs(hi - lo),
                    "low_sample": p.low,
                    "high_sample": p.high,
                    "_order": j,
                }
            )
    return tornado_frame(rows)
