"""The hostile-input corpus (issue 14): files and values an attacker or a careless user
would give renewfin, each asserting a clean refusal (or a stated warning), its exit code
and, for the files, the memory ceiling of the refusal.

Bombs are built at test time, small on disk; they are refused from their declared sizes,
so no test inflates them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
SCENARIOS = ROOT / "scenarios"
CEILING_MB = 100.0
"""Memory a refusal may add to the process once renewfin and its libraries are loaded
[MB]: the peak resident set during the command less the resident set before it. The
libraries' own footprint (numpy, numba, pydantic, openpyxl: about 190 MB) depends on the
machine's builds and is not what a file bomb inflates, so it is loaded and measured
first."""

_RUNNER = """
import importlib, json, sys
from renewfin.cli import main
for name in ("renewfin.engine", "renewfin.simulation", "renewfin.portfolio",
             "renewfin.district", "renewfin.excel.writer", "renewfin.excel.template"):
    try:
        importlib.import_module(name)
    except ImportError:
        pass

def status(key):
    with open("/proc/self/status") as fh:
        return next(int(x.split()[1]) for x in fh if x.startswith(key + ":")) / 1024

with open("/proc/self/clear_refs", "w") as fh:  # reset VmHWM to the current RSS
    fh.write("5")
base = status("VmRSS")
rc = main(sys.argv[2:])
peak = status("VmHWM")
open(sys.argv[1], "w").write(json.dumps({"rc": rc, "peak_mb": peak, "base_mb": base}))
"""


@dataclass(frozen=True)
class Outcome:
    """What one ``renewfin`` command did."""

    rc: int
    stdout: str
    stderr: str
    peak_mb: float
    """Peak resident memory of the process during the command [MB]."""
    base_mb: float = float("nan")
    """Resident memory before the command, libraries loaded [MB]."""

    @property
    def growth_mb(self) -> float:
        """Memory the command added to the loaded process [MB]."""
        return self.peak_mb - self.base_mb


def renewfin(*args: str | Path, tmp: Path, timeout: float = 300) -> Outcome:
    """Run ``renewfin ARGS`` in a fresh Python process; its exit code, output and peak
    memory."""
    report = tmp / "outcome.json"
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(report), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tmp,
    )
    if not report.exists():  # the command raised: a traceback, which is a failure here
        return Outcome(proc.returncode, proc.stdout, proc.stderr, float("nan"))
    data = json.loads(report.read_text())
    return Outcome(data["rc"], proc.stdout, proc.stderr, data["peak_mb"], data["base_mb"])


def assert_refused(out: Outcome, *fragments: str, ceiling: float = CEILING_MB) -> None:
    """A clean refusal: exit code 2, an ``error:`` line, no traceback, each fragment in
    the message, memory growth under ``ceiling`` [MB]."""
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    assert out.rc == 2, (out.rc, out.stderr[-2000:])
    assert out.stderr.startswith("error: "), out.stderr[:500]
    for fragment in fragments:
        assert fragment in out.stderr, (fragment, out.stderr[:2000])
    assert out.growth_mb < ceiling, (
        f"{out.growth_mb:.0f} MB added while refusing (peak {out.peak_mb:.0f} MB)"
    )
    assert len(out.stderr) < 5000, "the message quotes too much of the input"


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    """A scratch directory (the commands' working directory)."""
    return tmp_path
