"""The test suite itself: it collects the same tests whatever the working directory
(issue 13 item 9: the workbook tests once found ``models/`` relative to the working
directory, and 12 of them silently vanished when pytest started elsewhere). Reference:
the counts pytest collected in this very session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]


def test_collection_does_not_depend_on_the_working_directory(
    collected: dict[str, int], tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    """Collect the files of this session again from another working directory (an empty
    one outside the repository, or the repository when this session started elsewhere):
    every file yields the same number of tests."""
    started_in_root = Path(pytestconfig.invocation_params.dir).resolve() == ROOT
    where = tmp_path if started_in_root else ROOT
    files = sorted(collected)
    assert "tests/test_suite.py" in files
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-o",
            "addopts=",
            "-p",
            "no:cacheprovider",
            *(str(ROOT / f) for f in files),
        ],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    elsewhere: dict[str, int] = {}
    for line in proc.stdout.splitlines():
        if "::" in line:
            key = (ROOT / line.split("::")[0]).resolve().relative_to(ROOT).as_posix()
            elsewhere[key] = elsewhere.get(key, 0) + 1
    assert elsewhere == collected
    assert not list(tmp_path.iterdir()), "collection wrote into the working directory"


def test_hypothesis_runs_the_ci_profile_by_default() -> None:
    """Derandomized, no example database (nothing written into the working directory)."""
    assert settings.default.derandomize is True
    assert settings.default.database is None
