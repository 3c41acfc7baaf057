"""The engine: spec (+ per-scenario overrides) → ledger and metrics.

One code path for every run: a deterministic run is S = 1; a Monte Carlo run passes
per-scenario values of any numeric input by its spec path. Stages run in the order of
``DESIGN.md`` §2; each records its line items in the ledger.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from renewfin.core import (
    cashflow,
    concession,
    depreciation,
    exit,
    grants,
    investment,
    opex,
    revenue,
    subsidy,
    tax,
    working_capital,
)
from renewfin.core.context import RunContext
from renewfin.financing import stage as financing
from renewfin.financing.plan import FundingPlan
from renewfin.financing.sizing import BOUNDS, Sizing
from renewfin.inputs import Inputs
from renewfin.lean import skip as lean_skip
from renewfin.ledger import Ledger
from renewfin.metrics import metric_info, project_metrics
from renewfin.metrics_funding import funding_metrics
from renewfin.notes import MetricNotes
from renewfin.overrides import Overrides, check_overrides
from renewfin.spec.model import ProjectSpec
from renewfin.timeline import Timeline

if TYPE_CHECKING:
    import pandas as pd


@dataclass(repr=False)
class Result:
    """Everything a run produced (``repr`` and the notebook view are short summaries)."""

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
    notes: MetricNotes = field(default_factory=lambda: MetricNotes(np.zeros(0)))
    """Why each undefined metric is NaN and where each minimum falls
    (``renewfin.notes``)."""

    def loan_sizing_rows(self, scenario: int = 0) -> list[dict[str, Any]]:
        """The rows of ``loan_sizing`` as dicts (key ``loan`` and the columns), without
        pandas; empty when the run has no loans."""
        if self.plan is None or self.sizing is None:
            return []
        sizing = self.sizing
        rows = []
        for k, ln in enumerate(self.plan.loans):
            row: dict[str, Any] = {
                "loan": ln.name,
                "size": float(sizing.facility[k, scenario]),
            }
            for b, name in enumerate(BOUNDS):
                row[name] = float(sizing.bounds[k, b, scenario])
            binding = BOUNDS[int(sizing.binding[k, scenario])]
            row["binding"] = binding
            for c, name in enumerate(("dscr", "llcr")):
                p = -1 if sizing.periods is None else int(sizing.periods[k, c, scenario])
                row[f"{name}_year"] = int(self.timeline.start_years[p]) if p >= 0 else None
            row["binding_year"] = row.get(f"{binding}_year")
            rows.append(row)
        return rows

    def loan_sizing(self, scenario: int = 0) -> pd.DataFrame:
        """Each loan's size, every bound and the binding one, for one scenario: a row per
        loan (index ``loan``), columns ``size``, the bounds of ``BOUNDS`` [money] (inf where
        not set), ``binding`` (the name of the smallest bound), ``binding_year`` (the
        calendar year that binds it, for the DSCR and LLCR bounds; None otherwise) and
        ``dscr_year`` / ``llcr_year`` (where those bounds bind, None when not set); empty,
        with the same columns, when the run has no loans."""
        import pandas as pd  # lazily: ``renewfin run`` does not need pandas

        columns = ["size", *BOUNDS, "binding", "binding_year", "dscr_year", "llcr_year"]
        rows = self.loan_sizing_rows(scenario)
        if not rows:
            return pd.DataFrame(columns=columns, index=pd.Index([], name="loan", dtype=object))
        return pd.DataFrame(rows, columns=["loan", *columns]).set_index("loan")

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
        import pandas as pd  # lazily: ``renewfin run`` does not need pandas

        return pd.DataFrame(self.values)

    def metric(self, key: str, scenario: int = 0) -> float:
        """One metric of one scenario."""
        return float(self.values[key][scenario])

    def ledger_frame(self, scenario: int = 0) -> pd.DataFrame:
        """The ledger of one scenario (a row per line item, label columns, a column per
        period label); ``ledger_table`` is the tidy form."""
        return self.ledger.to_frame(scenario)

    def ledger_table(self, scenario: int = 0, *, long: bool = False) -> pd.DataFrame:
        """The ledger of one scenario as a tidy frame: a row per period (index ``start``,
        the period's first day), a column per line item labelled by (id, zh, en, unit);
        ``long=True`` gives a row per (period, line item) with the labels as columns
        (``renewfin.ledger_table``)."""
        from renewfin.ledger_table import ledger_table

        return ledger_table(self.ledger, self.timeline.starts, scenario, long=long)

    def __repr__(self) -> str:
        from renewfin.display import result_repr

        return result_repr(self)

    def _repr_html_(self) -> str:
        from renewfin.display import result_html

        return result_html(self)

    def metrics_table(self, scenario: int = 0) -> pd.DataFrame:
        """Metrics of one scenario with their labels and units."""
        import pandas as pd  # lazily: ``renewfin run`` does not need pandas

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


def run_context(
    spec: ProjectSpec,
    overrides: Mapping[str, ArrayLike] | None = None,
    *,
    n_scenarios: int | None = None,
) -> RunContext:
    """Run the engine and return its context (inputs read, ledger, diagnostics) without
    computing metrics; ``overrides`` are checked as by ``run``."""
    checked = check_overrides(spec, overrides, n_scenarios)
    ctx = RunContext.create(spec, Inputs(checked.n_scenarios, checked.values))
    _stages(ctx)
    _discount_rates(ctx)
    return ctx


def _stages(ctx: RunContext) -> tuple[FundingPlan, Sizing, dict[str, np.ndarray]]:
    assets = investment.build(ctx)
    streams = revenue.build(ctx)
    opex.build(ctx, streams, assets)
    tax.build_indirect(ctx, streams, assets)
    working_capital.build(ctx)
    depreciation.build(ctx, assets)
    grants.build(ctx, sum((g.original_value for g in assets), np.zeros((1, 1))))
    reit_values = exit.build(ctx)
    subsidy.build(ctx)
    cashflow.build(ctx)
    plan, _, sizing = financing.build(ctx, assets)
    concession.hand_back(ctx)
    return plan, sizing, reit_values


def _discount_rates(ctx: RunContext) -> tuple[np.ndarray, np.ndarray]:
    """The project and equity discount rates, (S,) or (1,) [1/yr]."""
    ev = ctx.spec.evaluation
    project = ctx.inputs.scalar("evaluation.discount_rate", ev.discount_rate)[:, 0]
    equity = ctx.inputs.scalar("evaluation.equity_discount_rate", ev.equity_discount_rate)
    return project, equity[:, 0]


def run(
    spec: ProjectSpec,
    overrides: Mapping[str, ArrayLike] | None = None,
    *,
    n_scenarios: int | None = None,
    allow_unconverged: bool = False,
    lean: bool = False,
    keep: Sequence[str] = (),
) -> Result:
    """Run the engine on a spec.

    Parameters
    ----------
    spec : ProjectSpec
        The validated project.
    overrides : mapping of spec path → number, (S,) or (S, n) array, optional
        Per-scenario absolute values of any numeric input (``revenues[停车位].unit_price``
        or ``revenues[0].unit_price``, ``evaluation.discount_rate``,
        ``risk.construction_delay_periods`` …; ``renewfin.spec.registry`` lists them),
        checked against the spec's bounds and rules first
        (``renewfin.overrides.check_overrides``). Inputs the engine reads per scenario run
        in one batch; inputs that set the spec's structure (tenors, issue years, lives,
        schedules …) run once per distinct value on the spec changed to it
        (``spec.with_changes``), and the scenarios are put back in order.
    n_scenarios : int, optional
        S; inferred from ``overrides`` when omitted.
    allow_unconverged : bool
        Return the result even when the funding solve of some scenario did not converge;
        those scenarios are flagged (``Result.converged``, a ``funding_converged`` check
        that fails) and ``diagnostics`` says that their figures are unreliable.
    lean : bool
        Do not store the ledger lines only tables and reports show (each stage's
        ``DETAIL``, ``renewfin.lean``): the metrics and checks are the same; the Monte Carlo
        runs its chunks so.
    keep : sequence of str
        In a lean run, ledger lines to store all the same (``simulate(lines=…)``).

    Raises
    ------
    SpecError
        Listing every bad override: an unknown path (``UnknownInputError``, also a
        ``KeyError``), a wrong shape, a value outside its field's bounds or breaking a rule
        of the spec, each with its path and value.
    ConvergenceError
        When the funding solve of a scenario did not converge (unless
        ``allow_unconverged``): the message names the loan, the residual, the iteration
        count and what to change.
    """
    checked = check_overrides(spec, overrides, n_scenarios)
    skip = lean_skip(keep) if lean else None
    return run_checked(spec, checked, allow_unconverged=allow_unconverged, skip=skip)


def run_checked(
    spec: ProjectSpec,
    overrides: Overrides,
    *,
    allow_unconverged: bool = False,
    skip: Callable[[str], bool] | None = None,
) -> Result:
    """``run`` on overrides already checked by ``check_overrides``; ``skip`` names the
    ledger lines not stored (``renewfin.lean.skip``)."""
    t0 = time.perf_counter()
    inputs = Inputs(overrides.n_scenarios, overrides.values)
    ctx = RunContext.create(spec, inputs, skip)
    plan, sizing, reit_values = _stages(ctx)
    rate, equity_rate = _discount_rates(ctx)
    structural = inputs.unused()
    if structural:
        from renewfin.spec_runs import run_by_spec_values

        return run_by_spec_values(
            spec, overrides, structural, allow_unconverged=allow_unconverged, skip=skip
        )
    if not allow_unconverged and not sizing.converged.all():
        raise sizing.error([ln.name for ln in plan.loans])
    t1 = time.perf_counter()
    values = project_metrics(ctx.ledger, spec, ctx.diagnostics, discount_rate=rate)
    notes = MetricNotes(ctx.timeline.start_years)
    values.update(
        funding_metrics(ctx.ledger, spec, plan, sizing, ctx.diagnostics, equity_rate, notes)
    )
    values.update(reit_values)
    s_all = ctx.ledger.n_scenarios
    values = {
        k: np.broadcast_to(np.asarray(v, dtype=float), (s_all,)).copy() for k, v in values.items()
    }
    timings = {"engine": t1 - t0, "metrics": time.perf_counter() - t1}
    return Result(
        spec,
        ctx.timeline,
        ctx.ledger,
        values,
        ctx.diagnostics,
        plan,
        sizing,
        timings,
        inputs,
        notes,
    )
