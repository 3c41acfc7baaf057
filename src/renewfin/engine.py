"""The engine: spec (+ per-scenario overrides) → ledger and metrics.

One code path for every run: a deterministic run is S = 1; a Monte Carlo run passes
per-scenario values of any numeric input by its spec path. Stages run in the order of
``DESIGN.md`` §2; each records its line items in the ledger.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from renewfin.core import cashflow, depreciation, exit, investment, opex, revenue, subsidy, tax
from renewfin.core.context import RunContext
from renewfin.financing import stage as financing
from renewfin.financing.plan import FundingPlan
from renewfin.financing.sizing import BOUNDS, Sizing
from renewfin.inputs import Inputs
from renewfin.ledger import Ledger
from renewfin.metrics import metric_info, project_metrics
from renewfin.metrics_funding import funding_metrics
from renewfin.spec.model import ProjectSpec
from renewfin.timeline import Timeline


@dataclass
class Result:
    """Everything a run produced."""

    spec: ProjectSpec
    timeline: Timeline
    ledger: Ledger
    values: dict[str, np.ndarray]
    """Metric id → (S,) values."""
    diagnostics: list[str] = field(default_factory=list)
    """Notes on undefined results (an IRR with no root) and solver residuals."""
    plan: FundingPlan | None = None
    """The compiled funding plan."""
    sizing: Sizing | None = None
    """Loan sizes, their bounds and the binding one, and the solver residual."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent in the engine stages and in the metrics."""
    inputs: Inputs | None = None
    """The numeric inputs the engine read (paths, spec values and any overrides)."""

    def loan_sizing(self, scenario: int = 0) -> pd.DataFrame:
        """Each loan's size, every bound and the binding one, for one scenario: a row per
        loan (index ``loan``), columns ``size``, the bounds of ``BOUNDS`` and ``binding``;
        empty, with the same columns, when the run has no loans."""
        rows = []
        columns = ["size", *BOUNDS, "binding"]
        if self.plan is None or self.sizing is None or not self.plan.loans:
            return pd.DataFrame(columns=columns, index=pd.Index([], name="loan", dtype=object))
        for k, ln in enumerate(self.plan.loans):
            row: dict[str, object] = {
                "loan": ln.name,
                "size": float(self.sizing.facility[k, scenario]),
            }
            for b, name in enumerate(BOUNDS):
                row[name] = float(self.sizing.bounds[k, b, scenario])
            row["binding"] = BOUNDS[int(self.sizing.binding[k, scenario])]
            rows.append(row)
        return pd.DataFrame(rows).set_index("loan")

    @property
    def converged(self) -> np.ndarray:
        """(S,) whether each scenario's funding solve converged; the figures of a scenario
        that did not are unreliable (only a run with ``allow_unconverged=True`` returns
        one, and says so in ``diagnostics``)."""
        if self.sizing is None:
            return np.ones(self.n_scenarios, dtype=bool)
        return self.sizing.converged

    @property
    def n_scenarios(self) -> int:
        """S."""
        return self.ledger.n_scenarios

    @property
    def metrics(self) -> pd.DataFrame:
        """One row per scenario, one column per metric."""
        return pd.DataFrame(self.values)

    def metric(self, key: str, scenario: int = 0) -> float:
        """One metric of one scenario."""
        return float(self.values[key][scenario])

    def ledger_frame(self, scenario: int = 0) -> pd.DataFrame:
        """The ledger of one scenario (a row per line item, a column per period)."""
        return self.ledger.to_frame(scenario)

    def metrics_table(self, scenario: int = 0) -> pd.DataFrame:
        """Metrics of one scenario with their labels and units."""
        rows = [
            {
                "id": k,
                "zh": metric_info(k).zh,
                "en": metric_info(k).en,
                "unit": metric_info(k).unit,
                "value": float(v[scenario]),
            }
            for k, v in self.values.items()
        ]
        return pd.DataFrame(rows).set_index("id")


def n_scenarios_of(overrides: Mapping[str, ArrayLike] | None) -> int:
    """S implied by a set of overrides: the length of 1-D (per-scenario scalar) overrides and
    the rows of 2-D (per-scenario vector) ones; a (1, n) vector applies to every scenario."""
    sizes = {
        np.shape(v)[0]
        for v in (overrides or {}).values()
        if np.ndim(v) == 1 or (np.ndim(v) == 2 and np.shape(v)[0] != 1)
    }
    if len(sizes) > 1:
        raise ValueError(f"overrides disagree on the number of scenarios: {sorted(sizes)}")
    return sizes.pop() if sizes else 1


def run_context(
    spec: ProjectSpec,
    overrides: Mapping[str, ArrayLike] | None = None,
    *,
    n_scenarios: int | None = None,
) -> RunContext:
    """Run the engine and return its context (inputs read, ledger, diagnostics) without
    computing metrics."""
    s = n_scenarios if n_scenarios is not None else n_scenarios_of(overrides)
    ctx = RunContext.create(spec, Inputs(s, overrides))
    _stages(ctx)
    return ctx


def _stages(ctx: RunContext) -> tuple[FundingPlan, Sizing, dict[str, np.ndarray]]:
    assets = investment.build(ctx)
    streams = revenue.build(ctx)
    opex.build(ctx, streams, assets)
    tax.build_indirect(ctx, streams, assets)
    depreciation.build(ctx, assets)
    reit_values = exit.build(ctx)
    subsidy.build(ctx)
    cashflow.build(ctx)
    plan, _, sizing = financing.build(ctx, assets)
    return plan, sizing, reit_values


def run(
    spec: ProjectSpec,
    overrides: Mapping[str, ArrayLike] | None = None,
    *,
    n_scenarios: int | None = None,
    allow_unconverged: bool = False,
) -> Result:
    """Run the engine on a spec.

    Parameters
    ----------
    spec : ProjectSpec
        The validated project.
    overrides : mapping of spec path → (S,) or (S, n) array, optional
        Per-scenario absolute values of numeric inputs (``revenues[停车位].unit_price``,
        ``risk.construction_delay_periods`` …).
    n_scenarios : int, optional
        S; inferred from ``overrides`` when omitted.
    allow_unconverged : bool
        Return the result even when the funding solve of some scenario did not converge;
        those scenarios are flagged (``Result.converged``, a ``funding_converged`` check
        that fails) and ``diagnostics`` says that their figures are unreliable.

    Raises
    ------
    KeyError
        When an override names a path the engine does not read.
    ConvergenceError
        When the funding solve of a scenario did not converge (unless
        ``allow_unconverged``): the message names the loan, the residual, the iteration
        count and what to change.
    """
    t0 = time.perf_counter()
    s = n_scenarios if n_scenarios is not None else n_scenarios_of(overrides)
    inputs = Inputs(s, overrides)
    ctx = RunContext.create(spec, inputs)
    plan, sizing, reit_values = _stages(ctx)
    if not allow_unconverged and not sizing.converged.all():
        raise sizing.error([ln.name for ln in plan.loans])
    t1 = time.perf_counter()
    unused = inputs.unused()
    if unused:
        raise KeyError(f"overrides name inputs the engine does not use: {', '.join(unused)}")
    values = project_metrics(ctx.ledger, spec, ctx.diagnostics)
    values.update(funding_metrics(ctx.ledger, spec, plan, sizing, ctx.diagnostics))
    values.update(reit_values)
    s_all = ctx.ledger.n_scenarios
    values = {
        k: np.broadcast_to(np.asarray(v, dtype=float), (s_all,)).copy() for k, v in values.items()
    }
    timings = {"engine": t1 - t0, "metrics": time.perf_counter() - t1}
    return Result(
        spec, ctx.timeline, ctx.ledger, values, ctx.diagnostics, plan, sizing, timings, inputs
    )
