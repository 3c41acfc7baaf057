"""Kernel arguments (renewfin.compiled.owned): one array type whatever the caller passes;
and the compiled-code cache, which must not outlive a change to any kernel source."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from renewfin.compiled import drop_stale_cache, owned


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


def test_cached_code_is_dropped_when_any_kernel_source_changes(tmp_path: Path) -> None:
    """numba checks only a function's own file; a kernel that calls (or inlines) kernels of
    another module must be recompiled when that module changes, so every cached file of
    the package goes whenever a kernel source changes, and stays otherwise."""
    (tmp_path / "sub").mkdir()
    caller = tmp_path / "caller.py"
    callee = tmp_path / "sub" / "callee.py"
    caller.write_text("@kernel\ndef f(): return g()\n")
    callee.write_text("@kernel\ndef g(): return 1\n")
    (tmp_path / "plain.py").write_text("x = 1\n")

    def cache_files() -> list[Path]:
        files = []
        for d in (tmp_path / "__pycache__", tmp_path / "sub" / "__pycache__"):
            d.mkdir(exist_ok=True)
            for name in ("f-1.py311.nbi", "f-1.py311.1.nbc"):
                (d / name).write_text("compiled")
                files.append(d / name)
        return files

    files = cache_files()
    assert drop_stale_cache(tmp_path)  # no fingerprint yet: everything cached is dropped
    assert not any(f.exists() for f in files)
    files = cache_files()
    assert not drop_stale_cache(tmp_path)  # unchanged sources: the cache stays
    assert all(f.exists() for f in files)
    (tmp_path / "plain.py").write_text("x = 2\n")  # not a kernel source
    assert not drop_stale_cache(tmp_path)
    callee.write_text("@kernel\ndef g(): return 2\n")  # a callee in another module
    assert drop_stale_cache(tmp_path)
    assert not any(f.exists() for f in files)


LEAN_RUN = """
import contextlib, io, sys
import numpy as np
from renewfin.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    assert main(["run", sys.argv[1]]) == 0
print(sorted(m for m in ("pandas", "scipy.linalg", "matplotlib", "openpyxl") if m in sys.modules))
import numba
dot = numba.njit(lambda a, b: np.dot(a, b))  # BLAS: numba imports scipy.linalg now
a = np.arange(6.0).reshape(2, 3)
print(dot(a, a.T).tolist(), "scipy.linalg" in sys.modules)
"""


def test_renewfin_run_imports_no_pandas_nor_scipy_linalg() -> None:
    """``renewfin run`` loads the spec, the cached kernels and prints the summary without
    pandas, SciPy's linear algebra (numba's BLAS check is refused while its array registry
    loads, ``load_array_registry``), matplotlib or openpyxl; a kernel that does need BLAS
    compiles afterwards. Reference: [[0,1,2],[3,4,5]] times its transpose by hand is
    [[0+1+4, 0+4+10], [.., 9+16+25]] = [[5, 14], [14, 50]]."""
    import subprocess
    import sys

    model = Path(__file__).resolve().parents[1] / "models" / "old_community.yaml"
    out = subprocess.run(
        [sys.executable, "-c", LEAN_RUN, str(model)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[-2] == "[]"
    assert out[-1] == "[[5.0, 14.0], [14.0, 50.0]] True"


def test_inlining_copies_a_callee_scope_once_and_keeps_its_blocks() -> None:
    import numba
    from numba.core import inline_closurecall, ir
    from numba.core.compiler import run_frontend

    from renewfin.compiled import _SharedScopeCopy, share_inlined_scopes

    def callee(x: float) -> float:
        y = 0.0
        for i in range(3):
            y = y + x * i if x > 0 else y - i
        return y

    share_inlined_scopes()
    share_inlined_scopes()  # idempotent: numba's module keeps one stand-in
    assert isinstance(inline_closurecall.copy, _SharedScopeCopy)
    func_ir = run_frontend(callee)
    shim = _SharedScopeCopy()
    copies = {label: shim.deepcopy(block) for label, block in func_ir.blocks.items()}
    scopes = {id(b.scope) for b in copies.values()}
    assert len(func_ir.blocks) > 1 and len(scopes) == 1  # one copy, not one per block
    assert scopes.isdisjoint({id(b.scope) for b in func_ir.blocks.values()})
    for label, block in func_ir.blocks.items():  # the same statements, new objects
        assert [str(s) for s in copies[label].body] == [str(s) for s in block.body]
        assert all(a is not b for a, b in zip(copies[label].body, block.body, strict=True))
    assert isinstance(shim.deepcopy([ir.Loc("f", 1)])[0], ir.Loc)  # anything else: deepcopy

    inlined = numba.njit(inline="always")(callee)

    @numba.njit
    def caller(x: float) -> float:
        return inlined(x) + inlined(-x)

    for x in (2.5, -1.0):  # reference: the plain Python functions
        assert caller(x) == callee(x) + callee(-x)
