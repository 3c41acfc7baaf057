"""Tests for the reusable helpers of :mod:`renewfin.testing` not covered elsewhere.

``equity_flow_mix``: its documented shape, seeding and mix of sign patterns, counted here
with numpy (Descartes' count of the sign changes of the non-zero values of each row).
"""

from __future__ import annotations

import numpy as np
import pytest

from renewfin.testing import equity_flow_mix


def test_equity_flow_mix_shape_seed_and_documented_mix() -> None:
    """(n, t), finite, the same for the same seed; about 82% of the rows change sign once,
    15% several times and 3% never; about half end in zeros (REIT exits)."""
    v = equity_flow_mix(20_000, 30, seed=1)
    assert v.shape == (20_000, 30) and np.all(np.isfinite(v))
    np.testing.assert_array_equal(v, equity_flow_mix(20_000, 30, seed=1))
    assert not np.array_equal(v, equity_flow_mix(20_000, 30, seed=2))
    signs = np.sign(v)
    changes = np.zeros(v.shape[0], dtype=int)
    for j, row in enumerate(signs):
        nonzero = row[row != 0.0]
        changes[j] = np.count_nonzero(np.diff(nonzero) != 0)
    assert np.mean(changes == 1) == pytest.approx(0.82, abs=0.03)
    assert np.mean(changes >= 2) == pytest.approx(0.15, abs=0.03)
    assert np.mean(changes == 0) == pytest.approx(0.03, abs=0.01)
    assert np.mean(v[:, -1] == 0.0) == pytest.approx(0.5, abs=0.05)
    assert np.all(v[:, 0] < 0.0)  # every scenario starts with its equity injection


def test_equity_flow_mix_needs_eight_periods() -> None:
    with pytest.raises(ValueError, match="t must be >= 8"):
        equity_flow_mix(10, 7)
