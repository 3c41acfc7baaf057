"""The ledger of one scenario as a tidy pandas frame: periods as a date index, line items
labelled (id, Chinese, English, unit) — for notebooks, CSV and anything that wants numbers
with their labels rather than text columns mixed with period columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from renewfin.ledger import Ledger

LEVELS = ("id", "zh", "en", "unit")
"""Column levels of the wide table."""


def ledger_table(
    ledger: Ledger, starts: pd.DatetimeIndex, scenario: int = 0, *, long: bool = False
) -> pd.DataFrame:
    """One scenario of ``ledger``.

    Parameters
    ----------
    ledger : Ledger
        The run's ledger, values (S, T).
    starts : (T,) DatetimeIndex
        First day of each period.
    scenario : int
        Which scenario.
    long : bool
        One row per (period, line item) instead of one column per line item.

    Returns
    -------
    DataFrame
        Wide (default): index ``start`` (DatetimeIndex, T rows), columns a MultiIndex of
        ``LEVELS`` (one column per line item, in recording order), float values in each
        item's unit. Long: columns ``start``, ``period`` (the period label, ``2026`` or
        ``2026Q1``), ``id``, ``group``, ``zh``, ``en``, ``unit``, ``kind``, ``value``.
    """
    if not 0 <= scenario < ledger.n_scenarios:
        raise IndexError(f"scenario {scenario} out of range for {ledger.n_scenarios} scenarios")
    items = list(ledger)
    values = np.stack([it.data[min(scenario, it.data.shape[0] - 1)] for it in items], axis=1)
    index = pd.DatetimeIndex(starts, name="start")
    columns = pd.MultiIndex.from_tuples(
        [(it.id, it.zh, it.en, it.unit) for it in items], names=list(LEVELS)
    )
    wide = pd.DataFrame(values, index=index, columns=columns)
    if not long:
        return wide
    t = len(index)
    return pd.DataFrame(
        {
            "start": np.tile(index.to_numpy(), len(items)),
            "period": np.tile(np.asarray(ledger.labels, dtype=object), len(items)),
            "id": np.repeat([it.id for it in items], t),
            "group": np.repeat([it.group for it in items], t),
            "zh": np.repeat([it.zh for it in items], t),
            "en": np.repeat([it.en for it in items], t),
            "unit": np.repeat([it.unit for it in items], t),
            "kind": np.repeat([it.kind.value for it in items], t),
            "value": values.T.ravel(),
        }
    )
