"""Shared fixtures: the example models and a way to build and run small specs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from renewfin.spec import ProjectSpec, validate_data
from renewfin.testing import minimal_spec

if TYPE_CHECKING:  # the engine (and renewfin.finance) load only in tests that run it
    from renewfin.engine import Result

ROOT = Path(__file__).resolve().parents[1]

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
