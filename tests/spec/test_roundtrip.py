"""Specs are data (DESIGN.md §2): every spec dumps to YAML and JSON and reloads to an equal
spec. Reference: the spec itself; equality is pydantic model equality (every field)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renewfin.spec import ProjectSpec, dump, dumps, load_spec, validate_data
from renewfin.testing import minimal_spec

MODELS = sorted((Path(__file__).resolve().parents[2] / "models").glob("*.yaml"))


def test_there_are_example_models() -> None:
    assert MODELS


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.name)
def test_model_round_trips_through_yaml_and_json(path: Path, tmp_path: Path) -> None:
    spec = load_spec(path)
    for fmt in ("yaml", "json"):
        text = dumps(spec, fmt)
        data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
        assert validate_data(ProjectSpec, data) == spec
        out = tmp_path / f"{path.stem}.{fmt}"
        dump(spec, out)
        again = load_spec(out)
        assert again == spec
        # A second dump is byte-identical: the dump is a fixed point.
        assert dumps(again, fmt) == text


def test_json_dump_is_valid_json_with_unicode(tmp_path: Path) -> None:
    spec = validate_data(ProjectSpec, minimal_spec())
    text = dumps(spec, "json")
    assert "测试项目" in text  # ensure_ascii=False: Chinese names stay readable
    assert json.loads(text)["project"]["money_unit"] == "万元"


def test_dump_writes_json_by_extension(tmp_path: Path) -> None:
    spec = validate_data(ProjectSpec, minimal_spec())
    dump(spec, tmp_path / "a.json")
    dump(spec, tmp_path / "a.yml")
    json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert load_spec(tmp_path / "a.yml") == spec


# --- property: generated small specs round-trip exactly -------------------------------

finite = {"allow_nan": False, "allow_infinity": False}
money = st.floats(min_value=0, max_value=1e12, **finite)
share = st.floats(min_value=0, max_value=1, **finite)
rate = st.floats(min_value=-1, max_value=10, **finite)
discount = st.floats(min_value=-0.1, max_value=0.3, **finite)
"""Within the default plausibility bounds (renewfin.spec.plausibility)."""


@st.composite
def small_specs(draw: st.DrawFn) -> dict[str, Any]:
    """A minimal spec with its numeric fields drawn within their bounds."""
    periodicity = draw(st.sampled_from(["annual", "semiannual", "quarterly", "monthly"]))
    horizon = draw(st.integers(min_value=4, max_value=40))
    first = draw(share)
    return minimal_spec(
        project={"money_unit": draw(st.sampled_from(["元", "万元", "亿元"]))},
        timeline={"periodicity": periodicity, "horizon_years": horizon},
        investment=[
            {
                "name": "建安工程",
                "category": "construction",
                "amount": draw(money),
                "schedule": [first, 1.0 - first],
                "input_vat_rate": draw(share),
            },
            {
                "name": "设备",
                "category": "equipment",
                "amount": draw(money),
                "overrun_applies": draw(st.booleans()),
            },
            {"name": "基本预备费", "category": "contingency", "rate": draw(share)},
        ],
        price_contingency={
            "rate": draw(rate),
            "years_before_start": draw(st.floats(0, 100, **finite)),
        },
        revenues=[
            {
                "name": "租金",
                "kind": "rent",
                "quantity": draw(st.floats(min_value=0, max_value=1e9, **finite)),
                "unit_price": draw(st.floats(min_value=0, max_value=1e6, **finite)),
                "price_per": draw(st.sampled_from(["year", "month", "day"])),
                "utilisation": draw(share),
                "ramp_up": draw(st.lists(share, max_size=4)),
                "growth_rate": draw(rate),
                "growth_every_years": draw(st.integers(1, 30)),
                "property_tax_rate": draw(st.none() | share),
            }
        ],
        opex=[
            {
                "name": "管理费",
                "amount": draw(money),
                "growth_rate": draw(rate),
                "every_years": draw(st.none() | st.integers(1, 50)),
            },
            {
                "name": "保险",
                "basis": "asset_share",
                "share": draw(share),
                "input_vat_rate": draw(share),
            },
        ],
        depreciation={
            "classes": [
                {
                    "name": "building",
                    "life_years": draw(st.floats(0.5, 100, **finite)),
                    "residual_rate": draw(share),
                },
                {
                    "name": "equipment",
                    "life_years": draw(st.floats(0.5, 100, **finite)),
                    "residual_rate": draw(share),
                },
            ]
        },
        tax={
            "preset": draw(st.sampled_from(["cn_default", "none"])),
            "income_tax_rate": draw(st.none() | share),
            "loss_carryforward_years": draw(st.none() | st.integers(0, 10)),
            "vat_rates": {"rent": draw(share)},
        },
        evaluation={"discount_rate": draw(discount), "include_residual_value": draw(st.booleans())},
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs())
def test_generated_specs_round_trip_exactly(data: dict[str, Any]) -> None:
    spec = validate_data(ProjectSpec, data)
    for fmt in ("yaml", "json"):
        text = dumps(spec, fmt)
        back = json.loads(text) if fmt == "json" else yaml.safe_load(text)
        again = validate_data(ProjectSpec, back)
        assert again == spec
        # Exact: every float survives bit for bit (repr round-trips in both formats).
        assert again.model_dump() == spec.model_dump()
