"""Samples in the open unit cube, and seeds for chunked sampling.

The Monte Carlo draws ``u`` of shape ``(n, d)`` in ``(0, 1)`` with
:func:`unit_sample`, then maps column ``j`` through the inverse CDF of input
``j`` (``dist.ppf(u[:, j])``).  Methods:

``"lhs"``
    Latin hypercube (McKay, Beckman & Conover 1979): every dimension is cut
    into ``n`` equal strata and each stratum is hit exactly once, at a uniform
    random point inside it; the strata are paired across dimensions by
    independent random permutations.
``"sobol"``
    Scrambled Sobol' sequence (Owen scrambling, ``scipy.stats.qmc.Sobol``).
    Its balance properties need ``n`` to be a power of two; other ``n`` give a
    :class:`UserWarning`, not an error.
``"random"``
    Independent uniform draws (plain Monte Carlo).

Randomness comes from a ``numpy.random.Generator`` (PCG64) seeded through
``numpy.random.SeedSequence``, so a given seed gives the same sample on every
machine for the same numpy/scipy versions.  ``seed=None`` draws fresh entropy;
``seed=0`` is an ordinary seed.  Values are clipped to
``[UNIT_EPS, 1 - UNIT_EPS]`` so that inverse CDFs of unbounded laws stay finite.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.stats import qmc

__all__ = [
    "UNIT_EPS",
    "SamplingMethod",
    "Seed",
    "make_rng",
    "spawn_seeds",
    "unit_sample",
]

FloatArray = NDArray[np.float64]
SamplingMethod = Literal["lhs", "sobol", "random"]
Seed = int | np.random.SeedSequence | None

#: Distance kept from 0 and 1: ``2**-53``, so ``1 - UNIT_EPS`` is the largest
#: double below 1 and ``UNIT_EPS`` its mirror image.
UNIT_EPS: float = 2.0**-53


def make_rng(seed: Seed) -> np.random.Generator:
    """Build the generator used throughout the Monte Carlo.

    Parameters
    ----------
    seed : int >= 0, SeedSequence or None
        ``None`` draws fresh OS entropy; ``0`` is a valid seed.

    Returns
    -------
    numpy.random.Generator
        ``Generator(PCG64(SeedSequence(seed)))``.
    """
    return np.random.Generator(np.random.PCG64(_seed_sequence(seed)))


def spawn_seeds(seed: Seed, k: int) -> list[np.random.SeedSequence]:
    """``k`` statistically independent child seeds for chunked or parallel sampling.

    Children of ``SeedSequence(seed).spawn(k)``; pass each one as the ``seed``
    of a chunk.  The same ``(seed, k)`` always gives the same children.

    Note that Latin hypercube strata and Sobol' balance hold within each
    chunk, not across the union of chunks.

    Parameters
    ----------
    seed : int >= 0, SeedSequence or None
        Parent seed.
    k : int >= 0
        Number of children.

    Returns
    -------
    list of numpy.random.SeedSequence, length k
    """
    k = _count("k", k, minimum=0)
    return _seed_sequence(seed).spawn(k)


def _seed_sequence(seed: Seed) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be a non-negative int, a SeedSequence or None, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return np.random.SeedSequence(int(seed))


def _count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _lhs(n: int, d: int, rng: np.random.Generator) -> FloatArray:
    """Latin hypercube: column j is ``(perm_j + U) / n``, ``perm_j`` a random permutation."""
    strata = rng.permuted(np.broadcast_to(np.arange(n), (d, n)), axis=1).T
    return (strata + rng.random((n, d))) / n


def _sobol(n: int, d: int, rng: np.random.Generator) -> FloatArray:
    """Scrambled Sobol' points; warns when ``n`` is not a power of two."""
    if n & (n - 1):
        warnings.warn(
            f"sobol: n = {n} is not a power of two; the balance properties of Sobol' "
            "points hold only for n = 2**m",
            UserWarning,
            stacklevel=3,
        )
    # scipy >= 1.15 names the generator argument ``rng``; older versions ``seed``.
    key = "rng" if "rng" in inspect.signature(qmc.Sobol).parameters else "seed"
    generator: dict[str, Any] = {key: rng}
    engine = qmc.Sobol(d, scramble=True, **generator)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*balance properties of Sobol.*")
        return np.asarray(engine.random(n), dtype=np.float64)


def _random(n: int, d: int, rng: np.random.Generator) -> FloatArray:
    return rng.random((n, d))


_METHODS: dict[str, Callable[[int, int, np.random.Generator], FloatArray]] = {
    "lhs": _lhs,
    "sobol": _sobol,
    "random": _random,
}


def unit_sample(n: int, d: int, method: SamplingMethod = "lhs", seed: Seed = None) -> FloatArray:
    """Sample ``n`` points in the open unit cube ``(0, 1)**d``.

    Parameters
    ----------
    n : int >= 1
        Number of points (scenarios).
    d : int >= 1
        Number of dimensions (uncertain inputs).
    method : {"lhs", "sobol", "random"}, default "lhs"
        Latin hypercube, scrambled Sobol' or plain random (see module docstring).
    seed : int >= 0, SeedSequence or None
        Seed of the generator (``0`` is a valid seed; ``None`` is not
        reproducible).

    Returns
    -------
    (n, d) ndarray of float64
        Points in ``[UNIT_EPS, 1 - UNIT_EPS]``.

    Warns
    -----
    UserWarning
        For ``method="sobol"`` when ``n`` is not a power of two.

    Raises
    ------
    ValueError
        For a bad ``n``, ``d``, ``method`` or ``seed``.
    """
    n = _count("n", n, minimum=1)
    d = _count("d", d, minimum=1)
    try:
        draw = _METHODS[method]
    except KeyError:
        raise ValueError(f"method must be one of {sorted(_METHODS)}, got {method!r}") from None
    rng = make_rng(seed)
    return np.clip(draw(n, d, rng), UNIT_EPS, 1.0 - UNIT_EPS)
