"""Options of the ``renewfin`` command: the same flag for the same idea in every command,
each value checked when the command line is read, before anything runs.

A bad value ends the command at once with exit status 2 and a message naming the option,
the value and what was expected (argparse's own error path).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
"""The command did what was asked."""
EXIT_NEGATIVE = 1
"""It ran, and the answer is no: ``solve`` cannot meet the targets in the range, or
``--strict`` and a check or covenant fails."""
EXIT_INVALID = 2
"""Bad input: an invalid spec, scenario, portfolio or template, an option value out of
range, an unknown path or metric, an output suffix renewfin cannot write, a path that
cannot be read or written."""
EXIT_ENVIRONMENT = 3
"""Something outside renewfin is missing or failed: the CJK font of the report, the Dask
extra or scheduler, the disk (full, I/O error)."""
EXIT_UNCONVERGED = 4
"""The funding solve did not converge (``renewfin.errors.ConvergenceError``): no figure
is printed, only the message naming the loan, the residual and what to change."""
EXIT_INTERNAL = 70
"""A bug in renewfin (``RENEWFIN_DEBUG=1`` shows the traceback); please report it."""
EXIT_INTERRUPTED = 130
"""Interrupted (Ctrl-C)."""

EXIT_CODES_HELP = f"""exit status:
  {EXIT_OK}   success
  {EXIT_NEGATIVE}   ran, but the answer is no (solve: targets not met; --strict: a covenant failed)
  {EXIT_INVALID}   bad input: spec, scenario or option (the message names it); nothing written
  {EXIT_ENVIRONMENT}   missing or failing environment: font, Dask, scheduler, disk
  {EXIT_UNCONVERGED}   the funding solve did not converge (the message names the loan); no figures
  {EXIT_INTERNAL}  internal error (a bug; RENEWFIN_DEBUG=1 shows the traceback)
  {EXIT_INTERRUPTED} interrupted"""


def _whole(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1 (scenario counts, workers)."""
    return _whole(text, 1)


def seed(text: str) -> int:
    """A seed: an integer >= 0 (numpy ``SeedSequence``)."""
    return _whole(text, 0)


def finite_float(text: str) -> float:
    """A finite number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (tolerances)."""
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def port(text: str) -> int:
    """A TCP port: an integer from 0 (any free port) to 65535."""
    value = _whole(text, 0)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {text!r}")
    return value


def host(text: str) -> str:
    """A host name or IP address to serve on (no scheme, no port, no spaces)."""
    value = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+|\[?[0-9A-Fa-f:.]+\]?", value):
        raise argparse.ArgumentTypeError(
            f"expected a host name or IP address such as 127.0.0.1 or 0.0.0.0, got {text!r}"
        )
    return value


def output(*suffixes: str) -> Callable[[str], Path]:
    """An argparse type: a path whose suffix is one of ``suffixes`` (``.xlsx`` …)."""

    def check(text: str) -> Path:
        path = Path(text)
        if path.suffix.lower() not in suffixes:
            wanted = " or ".join(suffixes)
            raise argparse.ArgumentTypeError(
                f"renewfin writes {wanted} here; {text!r} has "
                f"{'the suffix ' + repr(path.suffix) if path.suffix else 'no suffix'}"
            )
        if path.exists() and path.is_dir():
            raise argparse.ArgumentTypeError(f"{text!r} is a directory")
        return path

    check.__name__ = "output file"
    return check


def output_path(text: str) -> Path:
    """An argparse type: a path to write that is not a directory (any suffix: the command
    checks it against its formats)."""
    path = Path(text)
    if path.exists() and path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory")
    return path


@dataclass(frozen=True)
class Scheduler:
    """Where a portfolio runs: in this process, on a local Dask cluster, or on a cluster."""

    kind: str
    """``local``, ``dask-local`` or ``address``."""
    workers: int = 0
    """Worker processes of a ``dask-local`` cluster."""
    address: str = ""
    """Scheduler address (``tcp://host:8786``)."""

    def __str__(self) -> str:
        if self.kind == "dask-local":
            return f"dask-local:{self.workers}"
        return self.address or self.kind


_ADDRESS = re.compile(r"(?:(tcp|tls|ws|wss)://)?([A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})")


def scheduler(text: str) -> Scheduler:
    """``local``, ``dask-local[:N]`` (N >= 1) or a Dask scheduler address
    ``[tcp://]host:port``."""
    value = text.strip()
    if value == "local":
        return Scheduler("local")
    if value == "dask-local" or value.startswith("dask-local:"):
        n = value.partition(":")[2] or "2"
        if not n.isdigit() or int(n) < 1:
            raise argparse.ArgumentTypeError(
                f"dask-local:N needs N >= 1 worker processes, got {n!r}"
            )
        return Scheduler("dask-local", workers=int(n))
    m = _ADDRESS.fullmatch(value)
    if m is None or not 0 < int(m.group(3)) < 65536:
        raise argparse.ArgumentTypeError(
            f"expected 'local', 'dask-local[:N]' or a Dask scheduler address such as "
            f"tcp://host:8786, got {text!r}"
        )
    scheme = m.group(1) or "tcp"
    return Scheduler("address", address=f"{scheme}://{m.group(2)}:{int(m.group(3))}")
