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
CEILING_MB = 200.0
"""Peak memory (resident set of the whole process) allowed while refusing a file [MB]."""

_RUNNER = """
import json, resource, sys
from renewfin.cli import main
rc = main(sys.argv[2:])
try:  # VmHWM: this process's own peak (ru_maxrss may count the parent's image at fork)
    with open("/proc/self/status") as fh:
        peak = next(int(x.split()[1]) for x in fh if x.startswith("VmHWM:")) / 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
open(sys.argv[1], "w").write(json.dumps({"rc": rc, "peak_mb": peak}))
"""


@dataclass(frozen=True)
class Outcome:
    """What one ``renewfin`` command did."""

    rc: int
    stdout: str
    stderr: str
    peak_mb: float
    """Peak resident memory of the process [MB]."""


def renewfin(*args: str | Path, tmp: Path, timeout: float = 300) -> Outcome:
    """Run ``renewfin ARGS`` in a fresh Python process; its exit code, output and peak
    memory."""
    report = tmp / "outcome.json"
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(report), *map(str, args)],
        capture_output=True, text=True, timeout=timeout, cwd=tmp,
    )
    if not report.exists():  # the command raised: a traceback, which is a failure here
        return Outcome(proc.returncode, proc.stdout, proc.stderr, float("nan"))
    data = json.loads(report.read_text())
    return Outcome(data["rc"], proc.stdout, proc.stderr, data["peak_mb"])


def assert_refused(out: Outcome, *fragments: str, ceiling: float = CEILING_MB) -> None:
    """A clean refusal: exit code 2, an ``error:`` line, no traceback, each fragment in
    the message, peak memory under ``ceiling``."""
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    assert out.rc == 2, (out.rc, out.stderr[-2000:])
    assert out.stderr.startswith("error: "), out.stderr[:500]
    for fragment in fragments:
        assert fragment in out.stderr, (fragment, out.stderr[:2000])
    assert out.peak_mb < ceiling, f"peak {out.peak_mb:.0f} MB while refusing"
    assert len(out.stderr) < 5000, "the message quotes too much of the input"


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    """A scratch directory (the commands' working directory)."""
    return tmp_path
