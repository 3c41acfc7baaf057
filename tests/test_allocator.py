"""The allocator setting of batch runs (renewfin.allocator)."""

from __future__ import annotations

import platform

from renewfin.allocator import keep_freed_memory


def test_keep_freed_memory_takes_effect_exactly_on_glibc() -> None:
    """glibc's mallopt returns 1 on success; elsewhere there is no mallopt and nothing
    changes."""
    assert keep_freed_memory() is (platform.libc_ver()[0] == "glibc")
