"""Writing an output file atomically: all of it at the target path, or nothing.

Every file renewfin writes (workbooks, specs, JSON, CSV, reports) goes through
``atomic_write``:

- the content is written to a private temporary file in the target's directory, named
  ``.renewfin-tmp.<target name>.<random>`` (so that the final rename stays on one file
  system), and renamed over the target only once it is complete;
- on any failure, Ctrl-C included, the temporary file is removed; a run killed outright
  (``kill -9``, a power cut) cannot clean up, so every write first removes the
  temporary files of earlier runs in the same directory that are older than
  ``STALE_SECONDS``;
- the file gets the permissions a new file would (``0666`` less the umask), or those of
  the file it replaces, not the ``0600`` of a temporary file;
- an error names the user's target path, never the hidden temporary file, and a failed
  write leaves no ``ZipFile`` (or other writer) to complain when it is collected later.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

TMP_PREFIX = ".renewfin-tmp."
"""Start of the name of every temporary output file."""
STALE_SECONDS = 3600.0
"""Age after which a temporary file left in an output directory by a killed run is removed
[s]; a live write touches its file far more often than this."""


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[Any], Any], mode: str = "w"
) -> None:
    """Write ``path`` through ``write(fileobj)``, atomically.

    Parameters
    ----------
    path : path-like
        The target file; its directory is created when missing.
    write : callable
        Writes the whole content into the file object it is given.
    mode : str
        ``"w"`` (text, UTF-8) or ``"wb"`` (binary).

    Raises
    ------
    OSError
        With ``filename`` set to ``path`` (not the temporary file) when the directory, the
        temporary file or the rename fails; any exception of ``write`` passes through,
        and the target is then left as it was.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(target.parent)
        fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{target.name}.", dir=target.parent)
    except OSError as exc:
        raise _naming(exc, target, None) from None
    encoding = None if "b" in mode else "utf-8"
    sink = _Sink(os.fdopen(fd, mode, encoding=encoding))
    try:
        try:
            write(sink)
            sink.close()
        finally:
            sink.disarm()
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _naming(exc, target, tmp) from None
        raise


def remove_stale(directory: Path, older_than: float = STALE_SECONDS) -> list[Path]:
    """Remove the temporary output files in ``directory`` older than ``older_than`` seconds
    (left by runs that were killed); return what was removed."""
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(TMP_PREFIX):
            continue
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > older_than:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _mode_for(target: Path) -> int:
    """Permissions of the written file: those of the file replaced, else 0666 − umask."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(target.stat().st_mode)
    return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask (read from /proc where possible, which does not change it)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _naming(exc: OSError, target: Path, tmp: str | None) -> OSError:
    """``exc`` with the target path as its file name when it named the temporary file or
    none at all (an error about some other file passes unchanged)."""
    if exc.filename not in (None, tmp, str(target.parent)) and exc.filename2 is None:
        return exc
    out = type(exc)(exc.errno, exc.strerror or str(exc), str(target))
    return out


class _Sink:
    """The temporary file as ``write`` sees it. After the write ends (done or failed),
    late calls from a writer that outlives it, such as a ``ZipFile`` closing itself when
    collected, are ignored instead of printing an error about a closed file."""

    def __init__(self, fh: IO[Any]) -> None:
        self._fh: IO[Any] | None = fh
        self._pos = 0
        """Where a late writer believes it is, once the file is closed."""

    def disarm(self) -> None:
        """Close the file (if still open) and ignore every later call."""
        fh, self._fh = self._fh, None
        if fh is not None:
            with contextlib.suppress(OSError, ValueError):
                self._pos = fh.tell()
            with contextlib.suppress(OSError, ValueError):
                fh.close()

    def write(self, data: Any) -> int:
        if self._fh is not None:
            return self._fh.write(data)
        self._pos += len(data)
        return len(data)

    def flush(self) -> None:
        if self._fh is not None:
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()

    def tell(self) -> int:
        return self._fh.tell() if self._fh is not None else self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        if self._fh is not None:
            return self._fh.seek(offset, whence)
        self._pos = offset if whence == 0 else self._pos + offset
        return self._pos

    def seekable(self) -> bool:
        return self._fh.seekable() if self._fh is not None else False

    def __getattr__(self, name: str) -> Any:
        if self._fh is None:
            raise ValueError(f"the output file is closed ({name})")
        return getattr(self._fh, name)
