"""Scenario files: uncertain inputs, correlations, thresholds and stress cases.

A scenario addresses spec inputs by path (``revenues[停车位].unit_price``, ``revenues[0]
.utilisation``, ``funding.loans[国开行贷款].spread``, ``risk.construction_delay_periods``)
and says how each varies: a distribution of a multiplier of the spec value
(``apply: multiply``), of a shift added to it (``add``), or of the value itself (``set``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

import numpy as np
from pydantic import Field, ValidationInfo, field_validator, model_validator

from renewfin.spec.base import Name, SpecModel, unique_names
from renewfin.spec.errors import CrossCheckError, Problem

if TYPE_CHECKING:
    from renewfin.montecarlo.distributions import Distribution as MathDistribution


class _Dist(SpecModel):
    truncate_low: float | None = None
    """Truncate the distribution below this value (same units as its parameters)."""
    truncate_high: float | None = None
    """Truncate the distribution above this value."""


class NormalDist(_Dist):
    """Normal distribution."""

    type: Literal["normal"]
    mean: float
    """Mean."""
    std: float = Field(gt=0)
    """Standard deviation (> 0)."""


class LogNormalDist(_Dist):
    """Lognormal distribution given by the mean and standard deviation of the variable."""

    type: Literal["lognormal"]
    mean: float = Field(gt=0)
    """Mean of the variable (> 0)."""
    std: float = Field(gt=0)
    """Standard deviation of the variable (> 0)."""


class TriangularDist(_Dist):
    """Triangular distribution."""

    type: Literal["triangular"]
    low: float
    """Minimum."""
    mode: float
    """Most likely value."""
    high: float
    """Maximum."""


class PertDist(_Dist):
    """Beta-PERT distribution."""

    type: Literal["pert"]
    low: float
    """Minimum."""
    mode: float
    """Most likely value."""
    high: float
    """Maximum."""
    lamb: float = Field(default=4.0, gt=0)
    """Shape (4 is the classic PERT)."""


class UniformDist(_Dist):
    """Uniform distribution."""

    type: Literal["uniform"]
    low: float
    """Minimum."""
    high: float
    """Maximum."""


class DiscreteDist(SpecModel):
    """Discrete distribution over listed values."""

    type: Literal["discrete"]
    values: list[float] = Field(min_length=1)
    """Possible values."""
    probabilities: list[float] = Field(min_length=1)
    """Probability of each value (sum 1)."""


Distribution = Annotated[
    NormalDist | LogNormalDist | TriangularDist | PertDist | UniformDist | DiscreteDist,
    Field(discriminator="type"),
]


class Apply(StrEnum):
    """How a sampled value changes the spec value."""

    MULTIPLY = "multiply"
    """New value = spec value × sample (a multiplier, 1.0 = unchanged)."""
    ADD = "add"
    """New value = spec value + sample (e.g. +0.01 for +100 bp)."""
    SET = "set"
    """New value = sample."""


class UncertainInput(SpecModel):
    """One uncertain input."""

    name: Name
    """Short label used in tables and correlations (e.g. 租金)."""
    path: str = Field(min_length=1)
    """Spec path of the input, e.g. ``revenues[停车位].unit_price`` or the first-class risks
    ``risk.construction_delay_periods`` and ``risk.capex_overrun``."""
    distribution: Distribution
    """Distribution of the sample."""
    apply: Apply = Apply.MULTIPLY
    """How the sample changes the spec value."""
    basis: str | None = None
    """Why this range: the source or reasoning a reviewer can check."""
    low: float | None = None
    """Tornado low value of the sample; default the distribution's 10th percentile."""
    high: float | None = None
    """Tornado high value of the sample; default the 90th percentile."""

    @model_validator(mode="after")
    def _valid_distribution(self) -> Self:
        self.math()  # raises ValueError naming the parameter and value
        return self

    def math(self) -> MathDistribution:
        """The distribution as a ``renewfin.montecarlo`` object (with ``ppf``)."""
        from renewfin.montecarlo import distributions as md

        d = self.distribution
        base: md.Distribution
        if isinstance(d, NormalDist):
            base = md.Normal(d.mean, d.std)
        elif isinstance(d, LogNormalDist):
            base = md.LogNormal(d.mean, d.std)
        elif isinstance(d, TriangularDist):
            base = md.Triangular(d.low, d.mode, d.high)
        elif isinstance(d, PertDist):
            base = md.PERT(d.low, d.mode, d.high, d.lamb)
        elif isinstance(d, UniformDist):
            base = md.Uniform(d.low, d.high)
        else:
            return md.Discrete(d.values, d.probabilities)
        if d.truncate_low is not None or d.truncate_high is not None:
            lo = -np.inf if d.truncate_low is None else d.truncate_low
            hi = np.inf if d.truncate_high is None else d.truncate_high
            return md.Truncated(base, lo, hi)
        return base


class Correlation(SpecModel):
    """A target rank correlation between two inputs."""

    a: str
    """Name of the first input."""
    b: str
    """Name of the second input."""
    rho: float = Field(ge=-1, le=1)
    """Spearman rank correlation."""


class ThresholdOp(StrEnum):
    """Comparison that defines a breach."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


class Threshold(SpecModel):
    """A breach: ``metric op value``, e.g. ``bond_coverage < 1.1``."""

    metric: str
    """Metric id (a key of ``Result.values``)."""
    op: ThresholdOp
    """Comparison that counts as a breach."""
    value: float
    """Threshold."""
    label: str | None = None
    """Readable label (e.g. 专项债覆盖倍数低于1.1)."""

    @property
    def text(self) -> str:
        """``metric op value``."""
        return f"{self.metric} {self.op.value} {self.value:g}"


class Override(SpecModel):
    """One change of a stress case."""

    path: str = Field(min_length=1)
    """Spec path, as for uncertain inputs."""
    set: float | None = None
    """New value."""
    multiply: float | None = None
    """Multiplier of the spec value."""
    add: float | None = None
    """Shift added to the spec value."""

    @model_validator(mode="after")
    def _one(self) -> Self:
        given = [k for k in ("set", "multiply", "add") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of set, multiply or add (got {given or 'none'})")
        return self


class StressCase(SpecModel):
    """A named deterministic case (e.g. 利率上浮100bp)."""

    name: Name
    """Case name."""
    description: str | None = None
    """What the case represents."""
    overrides: list[Override] = Field(min_length=1)
    """Changes applied together."""


class ConvergenceSpec(SpecModel):
    """Stop the simulation once chosen statistics are precise enough."""

    metrics: list[str] = Field(min_length=1)
    """Metrics whose mean must converge (breach probabilities of the thresholds also count)."""
    tolerance: float = Field(default=0.01, gt=0)
    """Allowed standard error: relative to the mean for metrics, absolute for probabilities."""
    batch: int = Field(default=1000, ge=10)
    """Scenarios per batch (each batch is its own Latin hypercube)."""
    min_n: int = Field(default=1000, ge=10)
    """Never stop before this many scenarios."""


class SensitivitySpec(SpecModel):
    """Deterministic sensitivity settings."""

    metrics: list[str] = Field(default_factory=lambda: ["project_irr_after_tax", "equity_irr"])
    """Metrics to report."""
    steps: list[float] = Field(default_factory=lambda: [-0.10, -0.05, 0.0, 0.05, 0.10])
    """Relative changes of each input for the spider and elasticities (−10 % … +10 %)."""
    inputs: list[str] | None = None
    """Names of uncertain inputs to vary; default all with a non-zero spec value."""


class Sampler(StrEnum):
    """How the unit cube is sampled."""

    LHS = "lhs"
    SOBOL = "sobol"
    RANDOM = "random"


class ScenarioSpec(SpecModel):
    """Uncertainty and stress definitions for one project spec."""

    schema_version: int = Field(default=1, ge=1, le=1)
    """Version of the scenario format."""
    name: Name
    """Scenario set name."""
    description: str | None = None
    """What the set represents."""
    sampler: Sampler = Sampler.LHS
    """Latin hypercube (default), scrambled Sobol or plain random."""
    n: int = Field(default=10000, ge=1, le=10_000_000)
    """Number of scenarios."""
    seed: int = Field(default=20261127, ge=0)
    """Seed; the same seed gives the same numbers on any machine."""
    inputs: list[UncertainInput] = Field(default_factory=list)
    """Uncertain inputs."""
    correlations: list[Correlation] = Field(default_factory=list)
    """Target rank correlations between inputs (others are 0)."""
    thresholds: list[Threshold] = Field(default_factory=list)
    """Breaches whose probabilities are reported."""
    stress: list[StressCase] = Field(default_factory=list)
    """Named deterministic cases."""
    convergence: ConvergenceSpec | None = None
    """Auto-stop settings; off by default."""
    sensitivity: SensitivitySpec = Field(default_factory=SensitivitySpec)
    """Deterministic sensitivity settings."""

    @field_validator("inputs", "stress")
    @classmethod
    def _unique(cls, items: list[Any], info: ValidationInfo) -> list[Any]:
        return unique_names(items, str(info.field_name).rstrip("s"))

    @model_validator(mode="after")
    def _references(self) -> Self:
        names = {i.name for i in self.inputs}
        problems = []
        for k, c in enumerate(self.correlations):
            for side in ("a", "b"):
                if getattr(c, side) not in names:
                    problems.append(
                        Problem(
                            f"correlations[{k}].{side}",
                            f"unknown input; expected one of {sorted(names)}",
                            getattr(c, side),
                        )
                    )
            if c.a == c.b:
                problems.append(
                    Problem(f"correlations[{k}]", "an input cannot correlate with itself", c.a)
                )
        for name in self.sensitivity.inputs or []:
            if name not in names:
                problems.append(
                    Problem(
                        "sensitivity.inputs",
                        f"unknown input; expected one of {sorted(names)}",
                        name,
                    )
                )
        if problems:
            raise CrossCheckError(problems)
        return self
