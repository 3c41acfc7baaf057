"""Input paths and overrides (issue 13 items 3 and 5): one registry generated from the spec
models; every override checked as the spec is; every numeric input overridable alone with
S > 1 values; ``with_changes`` the one validated way to change a spec.

References: pydantic's own validation of each field (``TypeAdapter`` on the field's
annotation) for the registry's bounds; single runs of the changed spec
(``spec.with_changes``) for the batched runs; the bundled models."""

from __future__ import annotations

import math
import typing
import zlib
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from pydantic import BaseModel, TypeAdapter, ValidationError

import renewfin
from renewfin.engine import Result, run
from renewfin.paths import base_inputs
from renewfin.spec import ProjectSpec, SpecError
from renewfin.spec.registry import InputPath, Shape, UnknownInputError, registry

ROOT = Path(__file__).resolve().parents[1]
MODELS = sorted(p.stem for p in (ROOT / "models").glob("*.yaml"))
assert MODELS, "models/ holds no YAML file"


@cache
def model(name: str) -> ProjectSpec:
    return renewfin.load_spec(ROOT / "models" / f"{name}.yaml")


@cache
def base_run(name: str) -> Result:
    return run(model(name))


def _classes(cls: type[BaseModel], out: dict[str, type[BaseModel]]) -> dict[str, Any]:
    out[cls.__name__] = cls
    for info in cls.model_fields.values():
        stack = [info.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel) and tp.__name__ not in out:
                _classes(tp, out)
            stack += list(typing.get_args(tp))
    return out


CLASSES = _classes(ProjectSpec, {})


# --- the registry ----------------------------------------------------------------------


@pytest.mark.parametrize("name", MODELS)
def test_registry_holds_every_input_the_engine_reads(name: str) -> None:
    spec = model(name)
    reg = registry(spec)
    assert set(base_inputs(spec)) <= set(reg)
    for entry in reg.values():  # both spellings resolve to the same input
        assert reg.resolve(entry.index_path) is entry
        assert reg.resolve(entry.path.replace(".", " . ")) is entry


def _pydantic_accepts(entry: InputPath, x: float) -> bool:
    """The field's own pydantic validation of the number ``x`` (one element of a list,
    one entry of a mapping)."""
    cls, field = entry.field.split(".")
    info = CLASSES[cls].model_fields[field]
    annotation = Annotated[info.annotation, info]
    value: Any = x
    if entry.shape is Shape.VECTOR:
        value = [x]
    elif typing.get_origin(info.annotation) is dict:
        value = {entry.path.rsplit("[", 1)[1].rstrip("]"): x}
    try:
        TypeAdapter(annotation).validate_python(value, strict=False)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", MODELS)
def test_registry_bounds_are_the_fields_own(name: str) -> None:
    """At each bound, just inside and just outside, and between whole numbers, the registry
    admits exactly what pydantic admits; NaN and infinities never (a few fields without
    ``allow_inf_nan=False`` let pydantic take +inf, which no scenario value may be)."""
    checked = 0
    for entry in registry(model(name)).values():
        if entry.virtual:
            continue
        b = entry.bounds
        assert b.outside(np.array([math.nan, math.inf, -math.inf])).all(), entry.path
        probes = [0.0, 0.5, 1.0, 2.5, 1e6, -1e6]
        for edge in (b.lo, b.hi):
            if math.isfinite(edge):
                probes += [edge, edge - 1e-9, edge + 1e-9]
        for x in probes:
            ours = not bool(b.outside(np.array([x]))[0])
            assert ours == _pydantic_accepts(entry, x), (entry.path, x)
            checked += 1
    assert checked > 500


# --- every path alone, S = 3 -------------------------------------------------------------


def _grid_step(entry: InputPath, spec: ProjectSpec) -> float | None:
    """One period [yr] for the fields the spec checks against the period grid."""
    # by the unit in the field's documentation, not the name: ``funding.lpr.five_year`` is
    # a rate [1/yr] (drawn as one, it once moved by ±2, i.e. an LPR of 203.5 %)
    if "[yr]" in entry.doc and not entry.bounds.integer:
        return 1.0 / spec.periods_per_year
    return None


def _rows(entry: InputPath, spec: ProjectSpec, rng: np.random.Generator) -> np.ndarray | None:
    """Three values of ``entry``: the spec's, then two drawn near it within its bounds (on
    the period grid for timing fields; schedules that still sum to 100 %), from ``rng``."""
    b = entry.bounds
    if entry.shape is Shape.VECTOR:
        if entry.base is None or not entry.base:
            return None
        base = np.asarray(entry.base)
        if abs(base.sum() - 1.0) < 1e-9:  # a schedule of shares
            return np.stack([base, base[::-1], np.roll(base, 1)])
        f = rng.uniform(0.8, 1.0)
        return np.clip(np.stack([base, base * f, base * (2.0 - f)]), b.lo, b.hi)
    if entry.base is None:
        return None
    base = float(entry.base)
    if entry.per_run:
        return np.full(3, base)
    step = _grid_step(entry, spec)
    if b.integer or step is not None:
        k = int(rng.integers(1, 3)) * (step or 1.0)
        values = np.array([base, base + k, base - k])
    else:
        f = rng.uniform(0.0, 0.25)
        d = abs(base) * f or f
        values = np.array([base, base + d, base - d])
    lo = b.lo + (1e-9 if b.lo_open else 0.0)
    hi = b.hi - (1e-9 if b.hi_open else 0.0)
    return np.clip(values, lo, hi)


def _all_paths() -> list[tuple[str, str]]:
    return [(name, path) for name in MODELS for path in registry(model(name))]


@pytest.mark.parametrize("name, path", _all_paths())
def test_every_numeric_input_overridden_alone_runs(name: str, path: str) -> None:
    """Any numeric input of a bundled model, overridden alone with 3 values (its own and
    two near it), either runs — row 0 then equals the plain run exactly — or is refused
    with a ``SpecError`` naming the path and the rule; never another exception (issue 13
    item 3: ``funding.reit_exit.cap_rate`` alone used to end in a broadcasting error)."""
    spec = model(name)
    entry = registry(spec)[path]
    # one deterministic draw per case (a hypothesis draw per case nested its settings past
    # the recursion limit once the registry grew)
    rows = _rows(entry, spec, np.random.default_rng(zlib.crc32(f"{name}:{path}".encode())))
    if rows is None:  # an empty optional field or list: nothing to vary around
        return
    try:
        batch = run(spec, {path: rows})
    except SpecError as exc:
        assert all(p.path == path for p in exc.problems), str(exc)
        return
    assert batch.n_scenarios == 3
    single = base_run(name)
    for key, values in single.values.items():
        assert_array_equal(batch.values[key][:1], values, err_msg=f"{path}: {key}")


@pytest.mark.parametrize("name", MODELS)
def test_most_inputs_run_alone(name: str) -> None:
    """The walk above is not vacuous: most inputs with a value run (the rest break a rule
    of the spec when moved, e.g. an item's ``rate`` outside a contingency)."""
    spec = model(name)
    ran = refused = 0
    for entry in registry(spec).values():
        base = entry.base
        if base is None or entry.shape is Shape.VECTOR or entry.per_run:
            continue
        step = _grid_step(entry, spec) or (1.0 if entry.bounds.integer else 0.0)
        values = np.array([base, base + step, base]) if step else np.array([base, base, base])
        try:
            run(spec, {entry.path: values})
            ran += 1
        except SpecError:
            refused += 1
    assert ran >= 3 * refused, (ran, refused)


# --- inputs that shape the spec ----------------------------------------------------------


def test_structural_override_equals_runs_of_the_changed_spec() -> None:
    """A loan's tenor and the REIT exit year are read from the spec, not per scenario:
    each scenario of the batch equals a single run of the spec changed to its values, line
    by line and metric by metric."""
    spec = model("industrial_park_reit")
    tenor = "funding.loans[0].tenor_years"
    price = "revenues[0].unit_price"
    p0 = spec.revenues[0].unit_price
    t0 = spec.funding.loans[0].tenor_years
    values = {tenor: [t0, t0 - 2, t0, t0 - 2], price: [p0, p0, 1.1 * p0, 0.9 * p0]}
    batch = run(spec, values)
    assert batch.n_scenarios == 4
    for k in range(4):
        alone = run(spec.with_changes({tenor: values[tenor][k]}), {price: [values[price][k]]})
        assert alone.ledger.ids() == batch.ledger.ids()
        for item in alone.ledger:
            assert_array_equal(batch.ledger[item.id][k], alone.ledger[item.id][0], item.id)
        for key, v in alone.values.items():
            assert_array_equal(batch.values[key][k], v[0], err_msg=key)
    assert batch.sizing is not None
    assert batch.sizing.facility.shape == (1, 4)


def test_horizon_cannot_vary_within_a_run() -> None:
    spec = model("old_community")
    with pytest.raises(SpecError, match="number of periods"):
        run(spec, {"timeline.horizon_years": [22, 25]})
    longer = run(spec, {"timeline.horizon_years": 25})
    assert longer.spec.timeline.horizon_years == 25 and longer.timeline.n_periods == 25


# --- with_changes and model_copy ----------------------------------------------------------


def test_with_changes_returns_a_revalidated_copy() -> None:
    spec = model("old_community")
    changed = spec.with_changes({"revenues[停车位].unit_price": 300, "funding.loans[0].spread": 0})
    assert changed.revenue("停车位").unit_price == 300.0 and changed.funding.loans[0].spread == 0
    assert spec.revenue("停车位").unit_price != 300.0  # the original is untouched
    assert changed == spec.with_changes(
        {"revenues[0].unit_price": 300.0, "funding.loans[国开行城市更新贷款].spread": 0.0}
    )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"evaluation.discount_rate": -3}, "evaluation.discount_rate: Input should be greater"),
        ({"revenues[停车].unit_price": 1}, "revenues has no item named '停车'"),
        ({"revenues[0].unit_prize": 1}, r"unit_prize: unknown key"),
        ({"revenues[9].unit_price": 1}, "revenues has 5 items"),
        ({"fundin.loans": []}, "did you mean funding"),
        ({"funding.loans[0].grace_years": 30}, r"tenor_years: must be > grace_years \(30\)"),
    ],
)
def test_with_changes_names_each_bad_path(change: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        model("old_community").with_changes(change)


def test_model_copy_update_is_validated() -> None:
    """pydantic's ``model_copy(update=…)`` skips validation (issue 13 item 5: a discount
    rate of -3 gave NPV = NaN with no error); on spec models it goes through
    ``with_changes``."""
    ev = model("old_community").evaluation
    with pytest.raises(SpecError, match="discount_rate"):
        ev.model_copy(update={"discount_rate": -3})
    assert ev.model_copy(update={"discount_rate": 0.07}).discount_rate == 0.07
    assert ev.model_copy() == ev


def test_unknown_input_error_is_a_key_error_with_a_readable_message() -> None:
    reg = registry(model("old_community"))
    with pytest.raises(KeyError) as info:
        reg.resolve("revenues[停车位].unit_prise")
    assert isinstance(info.value, UnknownInputError)
    assert str(info.value).startswith("invalid input path: 1 problem")
    assert "did you mean revenues[停车位].unit_price" in str(info.value)


def test_rules_found_valid_are_not_checked_again_and_nothing_else_is_let_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``check_overrides`` remembers, per spec object, what it found valid input by input
    (renewfin.overrides._known). Reference: the loan's own rule, grace < tenor (15 years in
    old_community), counted by the calls of ``ProjectSpec.with_changes``."""
    from renewfin.overrides import check_overrides

    spec = renewfin.load_spec(ROOT / "models" / "old_community.yaml")  # a fresh object
    path = "funding.loans[0].grace_years"
    calls: list[dict[str, Any]] = []
    real = ProjectSpec.with_changes

    def counted(self: ProjectSpec, changes: dict[str, Any]) -> ProjectSpec:
        calls.append(dict(changes))
        return real(self, changes)

    monkeypatch.setattr(ProjectSpec, "with_changes", counted)
    check_overrides(spec, {path: np.arange(2.0, 12.0)})  # 10 values: probed at 2 and 11
    assert [v for c in calls for v in c.values()] == [2.0, 11.0]
    check_overrides(spec, {path: np.arange(3.0, 11.5, 0.5)})  # inside [2, 11]: nothing
    assert len(calls) == 2
    check_overrides(spec, {path: np.arange(1.0, 11.0)})  # only the new smallest, 1
    assert [v for c in calls[2:] for v in c.values()] == [1.0]
    for _ in range(2):  # 15 breaks the rule, each time it is asked, however much was valid
        with pytest.raises(SpecError, match="grace_years"):
            check_overrides(spec, {path: np.arange(1.0, 16.0)})
    assert [v for c in calls[3:] for v in c.values()] == [15.0, 15.0]
    other = renewfin.load_spec(ROOT / "models" / "old_community.yaml")  # an equal copy
    check_overrides(other, {path: np.arange(3.0, 11.5, 0.5)})
    assert [v for c in calls[5:] for v in c.values()] == [3.0, 11.0]
