"""What every stage of a run shares: the spec, the inputs, the calendar and the ledger."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from renewfin.inputs import RISK_DELAY, Inputs
from renewfin.ledger import Kind, Ledger
from renewfin.spec.model import ProjectSpec
from renewfin.spec.tax import TaxRates, resolve_tax
from renewfin.timeline import Timeline, window


@dataclass(frozen=True)
class PhaseTiming:
    """When a phase is built, per scenario."""

    name: str
    start: int
    """First construction period."""
    base_duration_years: float
    """Duration in the spec [yr]."""
    duration: np.ndarray
    """Construction periods including any delay, (S|1, 1) int."""

    @property
    def completion(self) -> np.ndarray:
        """First period of operation (the period after construction ends), (S|1, 1) int."""
        return self.start + self.duration


@dataclass
class RunContext:
    """Shared state of one run; stages read from it and record into ``ledger``."""

    spec: ProjectSpec
    inputs: Inputs
    timeline: Timeline
    ledger: Ledger
    rates: TaxRates
    phases: dict[str, PhaseTiming] = field(default_factory=dict)
    diagnostics: list[str] = field(default_factory=list)
    exit_period: int | None = None
    """Last period the project company holds the asset (REIT exit), or None."""
    projection: dict[str, np.ndarray] = field(default_factory=dict)
    """Operating lines as if the asset were held to the horizon (for a REIT valuation)."""

    @property
    def held(self) -> np.ndarray:
        """Flag (1, T): 1 while the project company holds the asset (to the exit, if any)."""
        n = self.timeline.n_periods
        last = n - 1 if self.exit_period is None else self.exit_period
        return (np.arange(n) <= last).astype(float)[None, :]

    @classmethod
    def create(
        cls, spec: ProjectSpec, inputs: Inputs, skip: Callable[[str], bool] | None = None
    ) -> RunContext:
        """Build the calendar and phase timings, and record the timing flags; ``skip``
        names the lines the ledger leaves out (a lean run, ``renewfin.lean``)."""
        tl = Timeline.from_spec(spec.timeline)
        ledger = Ledger(
            inputs.n_scenarios, tl.n_periods, spec.project.money_unit.value, tl.labels, skip=skip
        )
        ctx = cls(spec, inputs, tl, ledger, resolve_tax(spec.tax, spec.project.city_tier))
        delay = np.rint(np.maximum(inputs.scalar(RISK_DELAY, 0.0), 0.0)).astype(np.int64)
        for ph in spec.timeline.phases:
            at = f"timeline.phases[{ph.name}]"
            dur_years = inputs.scalar(f"{at}.duration_years", ph.duration_years)
            duration = np.maximum(tl.periods(dur_years), 1) + delay
            start = int(tl.periods(ph.start_year))
            ctx.phases[ph.name] = PhaseTiming(ph.name, start, ph.duration_years, duration)
        t = tl.t
        ledger.add(
            "time.period",
            "期数",
            "Period number",
            t.astype(float),
            group="timeline",
            kind=Kind.INDEX,
        )
        ledger.add(
            "time.year",
            "年份序号",
            "Model year",
            tl.year[None, :].astype(float),
            group="timeline",
            kind=Kind.INDEX,
        )
        for timing in ctx.phases.values():
            ledger.add(
                f"flag.construction[{timing.name}]",
                f"建设期标志 {timing.name}",
                f"Construction flag {timing.name}",
                window(t, timing.start, timing.completion),
                group="timeline",
                kind=Kind.FLAG,
            )
        if spec.funding.reit_exit is not None:
            ctx.exit_period = int(tl.periods(spec.funding.reit_exit.exit_year)) - 1
        last = ctx.last_phase
        ledger.add(
            "flag.construction",
            "建设期标志",
            "Construction flag",
            window(t, min(p.start for p in ctx.phases.values()), last.completion),
            group="timeline",
            kind=Kind.FLAG,
        )
        ledger.add(
            "flag.operation",
            "运营期标志",
            "Operation flag",
            window(t, last.completion, tl.n_periods) * ctx.held,
            group="timeline",
            kind=Kind.FLAG,
        )
        ledger.add(
            "flag.held", "持有期标志", "Asset held flag", ctx.held, group="timeline", kind=Kind.FLAG
        )
        return ctx

    @property
    def last_phase(self) -> PhaseTiming:
        """The phase the spec says completes last (project completion)."""
        return self.phases[self.spec.timeline.phase(None).name]

    def phase(self, name: str | None, default_first: bool = False) -> PhaseTiming:
        """Timing of phase ``name``; ``None`` is the first phase or the last to complete."""
        if name is None:
            if default_first:
                return self.phases[self.spec.timeline.phases[0].name]
            return self.last_phase
        return self.phases[name]

    def money(self, currency_yuan: float) -> float:
        """Factor converting an amount in a currency of ``currency_yuan`` 元 per unit to the
        spec's money unit."""
        return currency_yuan / self.spec.project.money_unit.yuan
