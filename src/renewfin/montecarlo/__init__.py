"""Monte Carlo mathematics: distributions, samplers, correlation, statistics, indices.

The pure-math layer of renewfin's Monte Carlo, with no dependency on the
engine or the spec (numpy and scipy only).  The protocol follows SALib: draw
points in the unit cube (:func:`unit_sample`), optionally impose a rank
correlation (:func:`iman_conover`), then map column ``j`` through the inverse
CDF of input ``j`` (``dist.ppf(u[:, j])``).

Example
-------
>>> import numpy as np
>>> from renewfin import montecarlo as mc
>>> dists = [mc.Triangular(80, 100, 130), mc.LogNormal(mean=1.0, std=0.1)]
>>> c, info = mc.nearest_correlation([[1.0, 0.5], [0.5, 1.0]])
>>> u = mc.iman_conover(mc.unit_sample(1024, 2, "lhs", seed=0), c, seed=1)
>>> x = np.column_stack([d.ppf(u[:, j]) for j, d in enumerate(dists)])
>>> x.shape
(1024, 2)
"""

from renewfin.montecarlo.correlation import (
    CorrelationRepair,
    iman_conover,
    nearest_correlation,
    spearman,
)
from renewfin.montecarlo.distributions import (
    PERT,
    ContinuousDistribution,
    Discrete,
    Distribution,
    LogNormal,
    Normal,
    Triangular,
    Truncated,
    Uniform,
)
from renewfin.montecarlo.sampling import (
    UNIT_EPS,
    SamplingMethod,
    Seed,
    make_rng,
    spawn_seeds,
    unit_sample,
)
from renewfin.montecarlo.sensitivity_indices import (
    SRRC,
    SobolIndices,
    saltelli_matrices,
    sobol_indices,
    spearman_with_output,
    standardised_rank_regression,
)
from renewfin.montecarlo.statistics import (
    DEFAULT_PERCENTILES,
    BreachOp,
    BreachProbability,
    Convergence,
    RunningStats,
    breach_probability,
    convergence,
    summarise,
)

__all__ = [
    "DEFAULT_PERCENTILES",
    "PERT",
    "SRRC",
    "UNIT_EPS",
    "BreachOp",
    "BreachProbability",
    "ContinuousDistribution",
    "Convergence",
    "CorrelationRepair",
    "Discrete",
    "Distribution",
    "LogNormal",
    "Normal",
    "RunningStats",
    "SamplingMethod",
    "Seed",
    "SobolIndices",
    "Triangular",
    "Truncated",
    "Uniform",
    "breach_probability",
    "convergence",
    "iman_conover",
    "make_rng",
    "nearest_correlation",
    "saltelli_matrices",
    "sobol_indices",
    "spawn_seeds",
    "spearman",
    "spearman_with_output",
    "standardised_rank_regression",
    "summarise",
    "unit_sample",
]
