"""The ledger: the single record of a run, as named line items over (S, T).

Every number the engine computes per period is a ``LineItem`` with a stable id, a
Chinese and an English label, a unit and a kind. Metrics, standard tables, the
workbook and the JSON output read the ledger; none recomputes what it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


Detail = tuple[str, ...]
"""A stage's ``DETAIL``: ids (``*`` for any text) of the lines it records that only tables,
the workbook and reports show; no later stage, metric or check reads them, so a lean run
(``renewfin.lean``) does not store them."""


class Kind(StrEnum):
    """What a line item measures."""

    FLOW = "flow"
    """Money in or out during a period (summable over time)."""
    BALANCE = "balance"
    """A stock at the end of a period (not summable over time)."""
    FLAG = "flag"
    """A 0/1 timing flag."""
    RATIO = "ratio"
    """A dimensionless ratio."""
    INDEX = "index"
    """An escalation index or factor."""
    QUANTITY = "quantity"
    """A physical quantity (m², spaces, kWh)."""


@dataclass(frozen=True)
class LineItem:
    """One named series of a run."""

    id: str
    """Stable identifier, e.g. ``revenue.stream[停车位]``."""
    zh: str
    """Chinese label."""
    en: str
    """English label."""
    unit: str
    """Unit: the money unit for flows and balances, ``-`` for flags, ratios and indices."""
    kind: Kind
    """What the item measures."""
    group: str
    """Section it belongs to (timeline, investment, revenue, opex, tax, cashflow …)."""
    data: np.ndarray
    """Values, shape (S, T) or (1, T) when equal in every scenario."""

    @property
    def values(self) -> np.ndarray:
        """Values as stored, (S, T) or (1, T); use ``Ledger.values`` for the full (S, T)."""
        return self.data


class Ledger:
    """Ordered line items of one run over S scenarios and T periods."""

    def __init__(
        self,
        n_scenarios: int,
        n_periods: int,
        money_unit: str,
        labels: list[str],
        *,
        skip: Callable[[str], bool] | None = None,
    ):
        self.n_scenarios = n_scenarios
        self.n_periods = n_periods
        self.money_unit = money_unit
        self.labels = labels
        self._items: dict[str, LineItem] = {}
        self._skip = skip
        self.dropped: dict[str, str] = {}
        """Id → group of lines recorded but not stored (a lean run, ``renewfin.lean``): ``in`` the
        ledger, so no branch changes; reading one raises ``KeyError``."""

    def mark_dropped(self, dropped: Mapping[str, str]) -> None:
        """Count ``dropped`` (id → group) as recorded but not stored (a ledger stitched
        from lean parts)."""
        self.dropped.update((i, g) for i, g in dropped.items() if i not in self._items)

    def add(
        self,
        id: str,
        zh: str,
        en: str,
        values: np.ndarray | float,
        *,
        group: str,
        kind: Kind = Kind.FLOW,
        unit: str | None = None,
    ) -> np.ndarray:
        """Record a line item and return its stored array ((S|1, T), float)."""
        if id in self._items or id in self.dropped:
            raise KeyError(f"line item {id!r} recorded twice")
        arr = np.asarray(values, dtype=float)
        if arr.ndim < 2:
            arr = np.broadcast_to(arr, (1, self.n_periods))
        if arr.shape[1] != self.n_periods or arr.shape[0] not in (1, self.n_scenarios):
            raise ValueError(
                f"line item {id!r}: shape {arr.shape} does not fit "
                f"({self.n_scenarios}, {self.n_periods})"
            )
        if unit is None:
            unit = self.money_unit if kind in (Kind.FLOW, Kind.BALANCE) else "-"
        if self._skip is not None and self._skip(id):
            self.dropped[id] = group
        else:
            self._items[id] = LineItem(id, zh, en, unit, kind, group, arr)
        return arr

    def __contains__(self, id: object) -> bool:
        return id in self._items or id in self.dropped

    def __iter__(self) -> Iterator[LineItem]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def item(self, id: str) -> LineItem:
        """The line item ``id``."""
        try:
            return self._items[id]
        except KeyError:
            if id in self.dropped:
                raise KeyError(
                    f"line item {id!r} is not stored in a lean run; declare it needed "
                    "(remove it from its stage's DETAIL, renewfin.lean)"
                ) from None
            raise KeyError(f"no line item {id!r} in the ledger") from None

    def __getitem__(self, id: str) -> np.ndarray:
        """Values of ``id`` broadcast to (S, T) (a read-only view)."""
        return np.broadcast_to(self.item(id).data, (self.n_scenarios, self.n_periods))

    def raw(self, id: str) -> np.ndarray:
        """Values of ``id`` as stored: (S, T) or (1, T)."""
        return self.item(id).data

    def ids(self, group: str | None = None, prefix: str | None = None) -> list[str]:
        """Ids in recording order, optionally of one group or with an id prefix.

        Raises
        ------
        KeyError
            In a lean run, when the group or prefix matches a line that was not stored (its sum or
            list would silently differ from the full run's).
        """
        if any(
            (group is not None or prefix is not None)
            and (group is None or g == group)
            and (prefix is None or i.startswith(prefix))
            for i, g in self.dropped.items()
        ):
            raise KeyError(f"lines of {group or prefix!r} are not all stored in a lean run")
        return [
            i.id
            for i in self._items.values()
            if (group is None or i.group == group) and (prefix is None or i.id.startswith(prefix))
        ]

    def to_frame(self, scenario: int = 0, ids: list[str] | None = None) -> pd.DataFrame:
        """One scenario as a table: a row per line item, label columns, then one column per
        period, plus ``total`` for flows."""
        import pandas as pd  # lazily: ``renewfin run`` does not need pandas

        rows = []
        for id in ids or list(self._items):
            it = self._items[id]
            row = it.data[min(scenario, it.data.shape[0] - 1)]
            rows.append(
                {
                    "id": it.id,
                    "group": it.group,
                    "zh": it.zh,
                    "en": it.en,
                    "unit": it.unit,
                    "kind": it.kind.value,
                    "total": float(row.sum()) if it.kind is Kind.FLOW else np.nan,
                    **dict(zip(self.labels, row.tolist(), strict=True)),
                }
            )
        return pd.DataFrame(rows).set_index("id")

    def scenario(self, index: int) -> dict[str, np.ndarray]:
        """Every line item's values for one scenario, id → (T,)."""
        return {i.id: i.data[min(index, i.data.shape[0] - 1)] for i in self._items.values()}
