"""Shared fixtures: the example models and a way to build and run small specs; the test
settings every test runs under.

* Location: every test runs in a fresh empty working directory, and tests find the
  repository's files from ``ROOT`` (this file's parent's parent), so the suite collects
  and runs the same tests from any directory (``test_suite.py`` checks the collection).
* Hypothesis: the ``ci`` profile is the default (derandomized, no example database, so
  nothing is written into the working directory and every run draws the same examples);
  ``HYPOTHESIS_PROFILE=dev`` explores randomly and keeps its database under ``ROOT``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase

from renewfin.spec import ProjectSpec, validate_data
from renewfin.testing import minimal_spec

if TYPE_CHECKING:  # the engine (and renewfin.finance) load only in tests that run it
    from renewfin.engine import Result

ROOT = Path(__file__).resolve().parents[1]
"""The repository."""

# Hypothesis keeps caches (unicode tables) in its home directory, by default
# ``.hypothesis`` in the working directory: put it in the system's temporary directory.
set_hypothesis_home_dir(str(Path(tempfile.gettempdir()) / "renewfin-hypothesis"))
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", database=DirectoryBasedExampleDatabase(str(ROOT / ".hypothesis")), deadline=None
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_COLLECTED = pytest.StashKey[dict[str, int]]()


@pytest.hookimpl(tryfirst=True)  # before ``-k`` / ``-m`` deselect anything
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Record how many tests each file holds."""
    counts: dict[str, int] = {}
    for item in items:
        key = Path(item.path).resolve().relative_to(ROOT).as_posix()
        counts[key] = counts.get(key, 0) + 1
    config.stash[_COLLECTED] = counts


@pytest.fixture
def collected(request: pytest.FixtureRequest) -> dict[str, int]:
    """Tests collected in this session per file (path relative to ``ROOT``), before any
    selection (``test_suite.py`` compares them with a collection from elsewhere)."""
    return dict(request.config.stash.get(_COLLECTED, {}))


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test in its own empty working directory: a test that reads or writes a
    path relative to the working directory fails here, whatever directory pytest was
    started from."""
    monkeypatch.chdir(tmp_path)


# The engine's loop buffers start as NaN in tests, so a value read before it is written
# shows (renewfin.financing.waterfall.Buffers.empty).
os.environ["RENEWFIN_CHECK_UNWRITTEN"] = "1"


@pytest.fixture
def old_community_data() -> dict[str, Any]:
    """Plain data of models/old_community.yaml (a fresh copy for each test)."""
    return yaml.safe_load((ROOT / "models" / "old_community.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def build() -> Callable[..., ProjectSpec]:
    """``build(**overrides)``: a validated spec from ``minimal_spec(**overrides)``."""
    return lambda **overrides: validate_data(ProjectSpec, minimal_spec(**overrides))


@pytest.fixture
def run_min() -> Callable[..., Result]:
    """``run_min(**overrides)``: run the engine on ``minimal_spec(**overrides)``."""
    from renewfin.engine import run

    return lambda **overrides: run(validate_data(ProjectSpec, minimal_spec(**overrides)))
