"""Kernel arguments (renewfin.compiled.owned): one array type whatever the caller passes."""

from __future__ import annotations

import numpy as np

from renewfin.compiled import owned


def test_owned_copies_read_only_and_broadcast_views_only() -> None:
    """A broadcast view is read-only with stride 0: it becomes a writeable contiguous
    copy; an array that already qualifies is passed through without a copy."""
    view = np.broadcast_to(np.array([1.5]), (4,))
    got = owned(view)
    assert got.flags.c_contiguous and got.flags.writeable
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [1.5] * 4)
    ready = np.zeros((3, 2))
    assert owned(ready) is ready
    np.testing.assert_array_equal(owned([1, 2], (2, 2)), [[1.0, 2.0], [1.0, 2.0]])
