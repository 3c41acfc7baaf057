"""Compiled scalar kernels (numba).

The period loop is sequential in time but independent across scenarios, so its rules are
written once, as scalar functions of one scenario and one period, and compiled with numba.
The array functions of the instruments (``renewfin.instruments.loan.principal_due``,
``renewfin.instruments.fund.distribute``, ``renewfin.core.tax.income_tax``) and the period
loop (``renewfin.financing.waterfall``) all call these same functions, so each rule has one
implementation. Compiled code is cached on disk (numba's ``cache=True``): the first run in
a fresh environment compiles for about half a minute of CPU (32 s on the 2-core reference
machine, ``bench/bench_run.py``; ``compile_notice`` says so; the
``renewfin`` command uses it), later runs load the cache. Kernels avoid whole-array
assignments (``a[:] = b``), whose shape-mismatch error message numba would compile too.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.abc
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO, TypeVar, cast

import numba
import numba.core.event
import numba.core.ir
import numpy as np
from numpy.typing import ArrayLike

F = TypeVar("F", bound=Callable[..., Any])

PACKAGE = Path(__file__).resolve().parent
STAMP = "renewfin-kernels.sha256"
"""File in the package's ``__pycache__`` holding the fingerprint of the kernel sources the
cached compiled code was built from."""


def sources_fingerprint(package: Path = PACKAGE) -> str:
    """SHA-256 of every module of ``package`` that defines kernels or holds data compiled
    code reads (a comment ``# kernel data``) (file names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        text = path.read_bytes()
        if b"@kernel" in text or b"@inlined_kernel" in text or b"# kernel data" in text:
            digest.update(str(path.relative_to(package)).encode() + b"\0" + text)
    return digest.hexdigest()


def drop_stale_cache(package: Path = PACKAGE) -> bool:
    """Delete numba's cached code of ``package`` when any kernel source changed since it was
    built; returns whether anything was deleted.

    numba invalidates a cached function only when its own file changes, but a kernel's
    compiled code also contains the kernels it calls from other modules (the period loop
    inlines the loan, fund and tax rules), so an edit there would leave stale code in use.
    Only the in-tree cache (``__pycache__`` next to the sources, numba's default where
    writable) is checked; an install that is not writable is replaced whole on upgrade."""
    stamp = package / "__pycache__" / STAMP
    try:
        current = sources_fingerprint(package)
        if stamp.exists() and stamp.read_text() == current:
            return False
        stale = [p for ext in ("nbi", "nbc") for p in package.rglob(f"__pycache__/*.{ext}")]
        for path in stale:
            path.unlink(missing_ok=True)
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(current)
        return bool(stale)
    except OSError:  # read-only install: numba caches in the user directory instead
        return False


drop_stale_cache()


class _Refuse(importlib.abc.MetaPathFinder):
    """Import finder that makes the imports of ``names`` (and their submodules) fail."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        """Raise ``ModuleNotFoundError`` for a refused module; defer on any other."""
        if any(fullname == n or fullname.startswith(n + ".") for n in self.names):
            raise ModuleNotFoundError(f"{fullname} not imported while loading kernels")


def load_array_registry() -> ModuleType:
    """Import numba's array-function registry (``numba.np.arraymath``) without SciPy.

    numba imports it when it loads the first cached kernel, and at that import it checks for
    a BLAS by importing ``scipy.linalg`` (about 0.16 s of CPU, a tenth of a warm
    ``renewfin run``). No renewfin kernel calls a BLAS routine (no ``np.dot``, ``@`` or
    ``np.linalg`` in compiled code), so the check is made to fail: numba then uses its own
    loop for ``np.convolve`` and ``np.correlate`` in code compiled by this process (the same
    results) and still imports SciPy when a kernel really asks for linear algebra. When
    SciPy's ``linalg`` is already imported, nothing is refused."""
    loaded = sys.modules.get("numba.np.arraymath")
    if loaded is not None:
        return loaded
    refused = [n for n in ("scipy", "scipy.linalg") if n not in sys.modules][-1:]
    finder = _Refuse(refused)
    sys.meta_path.insert(0, finder)
    try:
        return importlib.import_module("numba.np.arraymath")
    finally:
        sys.meta_path.remove(finder)


load_array_registry()


class _SharedScopeCopy:
    """Stand-in for the ``copy`` module in ``numba.core.inline_closurecall``, whose only use
    there is ``copy.deepcopy(block)`` of each block of a function being inlined.

    numba copies the blocks one by one, and each copy deep-copies the function's whole
    ``ir.Scope`` (every variable) again, so inlining a function of B blocks and V variables
    costs B × V: inlining ``scenario_pass`` into ``_solve`` took about 5 s of the first
    compile. Here the blocks of one function share one copy of their scope, as a single
    ``copy.deepcopy`` of all of them would; the inlined code is the same (numba renames
    every variable of the callee into the caller's scope and points each block at it). The
    last scope copied is kept until ``reset`` (each inlining starts with it)."""

    def __init__(self) -> None:
        self.scope: Any = None
        self.copied: Any = None

    def reset(self) -> None:
        """Forget the scope copied last."""
        self.scope = self.copied = None

    def deepcopy(self, x: Any, memo: dict[int, Any] | None = None) -> Any:
        """``copy.deepcopy(x, memo)``, a block's scope copied once per function."""
        if memo is not None or not isinstance(x, numba.core.ir.Block):
            return copy.deepcopy(x, memo)
        memo = {}
        if x.scope is self.scope:
            memo[id(x.scope)] = self.copied
        out = copy.deepcopy(x, memo)
        self.scope, self.copied = x.scope, out.scope
        return out


def share_inlined_scopes() -> None:
    """Make numba's inlining (``inline="always"``) copy a function's scope once rather than
    once per block (``_SharedScopeCopy``); idempotent."""
    from numba.core import inline_closurecall as inlining

    if isinstance(inlining.copy, _SharedScopeCopy):
        return
    shim = _SharedScopeCopy()
    inline_ir = inlining.InlineWorker.inline_ir

    def fresh_inline_ir(self: Any, *args: Any, **kwargs: Any) -> Any:
        shim.reset()
        try:
            return inline_ir(self, *args, **kwargs)
        finally:
            shim.reset()

    inlining.copy = shim  # type: ignore[assignment]
    inlining.InlineWorker.inline_ir = fresh_inline_ir  # type: ignore[method-assign]


share_inlined_scopes()


def kernel(fn: F) -> F:
    """Compile ``fn`` in nopython mode, cached on disk, releasing the GIL."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))


def inlined_kernel(fn: F) -> F:
    """``kernel``, and inlined into the kernels that call it (numba ``inline="always"``):
    for a function called once per pass with many arguments, so that the call does not
    copy them."""
    return cast(F, numba.njit(cache=True, nogil=True, inline="always")(fn))


COMPILE_NOTICE = (
    "renewfin: compiling the engine, first run only (about half a minute; cached for later runs) …"
)
"""What ``compile_notice`` prints."""


class _Notice(numba.core.event.Listener):
    """Prints ``COMPILE_NOTICE`` when numba starts compiling a renewfin kernel (a cache
    miss; loading the cache is silent), once."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.said = False

    def on_start(self, event: Any) -> None:
        if self.said:
            return
        dispatcher = event.data.get("dispatcher")
        module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
        if module.startswith("renewfin."):
            self.said = True
            print(COMPILE_NOTICE, file=self.stream, flush=True)

    def on_end(self, event: Any) -> None:
        pass


@contextmanager
def compile_notice(stream: TextIO | None = None) -> Iterator[None]:
    """While inside, say on ``stream`` (default stderr) when the kernels compile, so that
    the first command in a fresh environment is not silent for seconds."""
    listener = _Notice(stream or sys.stderr)
    numba.core.event.register("numba:compile", listener)
    try:
        yield
    finally:
        numba.core.event.unregister("numba:compile", listener)


def owned(a: ArrayLike, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """``a`` as a C-contiguous, writeable float64 array (broadcast to ``shape`` first, and
    copied only when needed), so that a kernel always sees one array type and is compiled
    once per signature rather than once per memory layout."""
    x = np.asarray(a, dtype=float)
    if shape is not None:
        x = np.broadcast_to(x, shape)
    return np.require(x, dtype=float, requirements=["C", "W"])
