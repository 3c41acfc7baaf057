"""Numeric inputs of a run, addressable by spec path, with per-scenario overrides.

The engine reads every number it uses through ``Inputs.scalar`` or ``Inputs.vector``
with the number's spec path (``revenues[停车位].unit_price``). Without an override the
value is the spec's and the array has one row, broadcasting over scenarios; with an
override (a Monte Carlo sample, a stress case) it has one row per scenario. Overrides
reach it checked (``renewfin.overrides.check_overrides``: canonical paths, shapes, the
spec's bounds and rules); those the engine never reads are reported by ``unused`` (inputs
that set the spec's structure, which ``renewfin.engine.run`` then applies to the spec
itself).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from renewfin.spec.registry import RISK_DELAY, RISK_OVERRUN

__all__ = ["RISK_DELAY", "RISK_OVERRUN", "Inputs"]


class Inputs:
    """Values of numeric inputs for S scenarios.

    Parameters
    ----------
    n_scenarios : int
        S, the number of scenarios.
    overrides : mapping of path → array
        Absolute values: (S,) for scalars, (S, n) or (1, n) for vectors.
    """

    def __init__(
        self, n_scenarios: int = 1, overrides: Mapping[str, ArrayLike] | None = None
    ) -> None:
        if n_scenarios < 1:
            raise ValueError(f"n_scenarios must be >= 1, got {n_scenarios}")
        self.n_scenarios = n_scenarios
        self._overrides = {k: np.asarray(v, dtype=float) for k, v in (overrides or {}).items()}
        self._used: set[str] = set()
        self.bases: dict[str, float | list[float]] = {}
        """Every input read, path → its spec (base) value."""

    @property
    def overrides(self) -> dict[str, np.ndarray]:
        """The overrides as given (path → array)."""
        return dict(self._overrides)

    def scalar(self, path: str, base: float) -> np.ndarray:
        """Value of a scalar input as a column, shape (S, 1) or (1, 1)."""
        self._used.add(path)
        self.bases[path] = float(base)
        value = self._overrides.get(path)
        if value is None:
            return np.full((1, 1), float(base))
        if value.ndim == 0:
            return value.reshape(1, 1)
        if value.shape != (self.n_scenarios,):
            raise ValueError(
                f"override {path}: expected shape ({self.n_scenarios},), got {value.shape}"
            )
        return value[:, None]

    def vector(self, path: str, base: Sequence[float]) -> np.ndarray:
        """Value of a vector input (a schedule, a path of rates), shape (S|1, n)."""
        self._used.add(path)
        self.bases[path] = [float(b) for b in base]
        value = self._overrides.get(path)
        if value is None:
            return np.asarray(base, dtype=float).reshape(1, -1)
        if value.ndim != 2:
            raise ValueError(
                f"override {path}: a vector input needs shape ({self.n_scenarios}, n) or (1, n), "
                f"got {value.shape}"
            )
        if value.shape[0] == 1:
            return value
        if value.shape[0] != self.n_scenarios:
            raise ValueError(
                f"override {path}: expected {self.n_scenarios} rows, got {value.shape[0]}"
            )
        return value

    def note(self, path: str, base: float | list[float] | None) -> None:
        """Record that ``path`` was read with spec value ``base`` without reading it (a run
        stitched from several, ``renewfin.spec_runs``)."""
        self._used.add(path)
        if base is not None:
            self.bases[path] = base

    def value(self, path: str, scenario: int = 0) -> float | list[float]:
        """The value scenario ``scenario`` used for ``path`` (override or spec value)."""
        base = self.bases[path]
        over = self._overrides.get(path)
        if over is None:
            return base
        if isinstance(base, list):
            row = over if over.ndim == 1 else over[min(scenario, over.shape[0] - 1)]
            return [float(x) for x in np.atleast_1d(row)]
        return float(over) if over.ndim == 0 else float(over[scenario])

    def unused(self) -> list[str]:
        """Override paths the engine never read."""
        return sorted(set(self._overrides) - self._used)

    def used(self) -> list[str]:
        """Every path the engine read, in sorted order."""
        return sorted(self._used)
