"""The model calendar: periods, dates, timing flags and escalation indices.

Shapes: ``T`` periods; per-scenario timing (a construction delay) makes flags
``(S, T)``, otherwise they are ``(1, T)`` and broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from renewfin.spec.base import Periodicity
from renewfin.spec.project import TimelineSpec

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Timeline:
    """Periods of a run. Period ``t`` covers years ``[t/ppy, (t+1)/ppy)`` after the start."""

    start: datetime
    """First day of period 0 (midnight; a ``pandas.Timestamp`` is one too)."""
    periodicity: Periodicity
    """Period length."""
    n_periods: int
    """Number of periods T."""

    @classmethod
    def from_spec(cls, spec: TimelineSpec) -> Timeline:
        """The timeline of a spec's calendar."""
        return cls(datetime.combine(spec.start_date, time()), spec.periodicity, spec.n_periods)

    @property
    def ppy(self) -> int:
        """Periods per year [1/yr]."""
        return self.periodicity.periods_per_year

    @property
    def dt(self) -> float:
        """Period length [yr]."""
        return 1.0 / self.ppy

    @property
    def t(self) -> np.ndarray:
        """Period numbers 0 … T−1, shape (1, T)."""
        return np.arange(self.n_periods)[None, :]

    @property
    def year(self) -> np.ndarray:
        """Model year (0-based) each period falls in, shape (T,)."""
        return np.arange(self.n_periods) // self.ppy

    @property
    def start_years(self) -> np.ndarray:
        """Calendar year of each period's first day, shape (T,) (the years of ``starts``,
        without building the dates)."""
        return _year_months(self.start, 12 // self.ppy, self.n_periods)[0]

    @property
    def starts(self) -> pd.DatetimeIndex:
        """First day of each period."""
        return _starts(self.start, 12 // self.ppy, self.n_periods)

    @property
    def ends(self) -> pd.DatetimeIndex:
        """Last day of each period."""
        import pandas as pd  # only where dates are shown: ``renewfin run`` does not need it

        months = 12 // self.ppy
        return pd.DatetimeIndex(
            [
                self.start + pd.DateOffset(months=months * (i + 1)) - pd.Timedelta(days=1)
                for i in range(self.n_periods)
            ]
        )

    @property
    def labels(self) -> list[str]:
        """Short period labels: ``2026`` (annual), ``2026H1``, ``2026Q1``, ``2026-01``.

        Labels use the calendar of each period's first day; a model year that does not start
        in January is labelled by the calendar year it starts in."""
        return list(_labels(self.start, self.ppy, self.n_periods))

    def periods(self, years: float | np.ndarray) -> np.ndarray:
        """Convert a span in years to a whole number of periods (rounded to nearest)."""
        return np.rint(np.asarray(years, dtype=float) * self.ppy).astype(np.int64)


@lru_cache(maxsize=64)
def _starts(start: datetime, months: int, n_periods: int) -> pd.DatetimeIndex:
    import pandas as pd

    return pd.DatetimeIndex([start + pd.DateOffset(months=months * i) for i in range(n_periods)])


def _year_months(start: datetime, months: int, n_periods: int) -> tuple[np.ndarray, np.ndarray]:
    """Calendar year and month (1–12) of the first day of each of ``n_periods`` periods of
    ``months`` months from ``start``, shapes (T,)."""
    index = start.month - 1 + months * np.arange(n_periods)
    return start.year + index // 12, index % 12 + 1


@lru_cache(maxsize=64)
def _labels(start: datetime, ppy: int, n_periods: int) -> tuple[str, ...]:
    years, months = (a.tolist() for a in _year_months(start, 12 // ppy, n_periods))
    if ppy == 1:
        return tuple(f"{y}" for y in years)
    if ppy == 2:
        return tuple(f"{y}H{1 + (m - 1) // 6}" for y, m in zip(years, months, strict=True))
    if ppy == 4:
        return tuple(f"{y}Q{1 + (m - 1) // 3}" for y, m in zip(years, months, strict=True))
    return tuple(f"{y}-{m:02d}" for y, m in zip(years, months, strict=True))


def window(t: np.ndarray, start: np.ndarray | int, end: np.ndarray | int) -> np.ndarray:
    """Flag 1.0 for ``start <= t < end``; ``start``/``end`` (S, 1) or scalar → (S|1, T)."""
    return ((t >= start) & (t < end)).astype(float)


def elapsed_years(t: np.ndarray, origin: np.ndarray | int, ppy: int) -> np.ndarray:
    """Whole years elapsed since ``origin`` (a period number) at each period, floored at 0."""
    periods = np.maximum(t - origin, 0)
    return periods if ppy == 1 else periods // ppy


def step_index(rate: np.ndarray | float, years: np.ndarray, every: int = 1) -> np.ndarray:
    """Escalation index ``(1 + rate) ** (every * floor(years / every))`` [dimensionless].

    ``rate`` (S, 1) annual growth; ``years`` whole years elapsed (S|1, T); prices step up
    every ``every`` years by the compound growth of the whole step."""
    steps = years if every == 1 else (years // every) * every
    return np.exp(steps * np.log1p(np.asarray(rate, dtype=float)))


def ramp_factor(ramp: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Factor ``ramp[k]`` for operating year ``k`` (0-based), 1.0 beyond the ramp.

    ``ramp`` (S|1, n) factors; ``k`` (S|1, T) operating-year index (negative before start:
    the caller masks those periods)."""
    n = ramp.shape[1]
    if n == 0:
        return np.ones_like(k, dtype=float)
    padded = np.concatenate([ramp, np.ones((ramp.shape[0], 1))], axis=1)
    idx = np.clip(k, 0, n)
    rows = padded.shape[0]
    if rows == 1:
        return padded[0, idx]
    if idx.shape[0] == 1:
        idx = np.broadcast_to(idx, (rows, idx.shape[1]))
    return np.take_along_axis(padded, idx, axis=1)
