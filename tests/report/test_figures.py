"""Every figure the report quotes equals the engine's value for the same run and the same
simulation, and is printed at the precision it states (reference: the locators listed in
``renewfin.report.build``), in the HTML and in the Word file (each figure a bookmark)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import numpy as np
import pytest

import renewfin
from renewfin import sensitivity as sens
from renewfin.checks import minimum_capital_ratio
from renewfin.report import collect, render, render_docx
from renewfin.report.data import llcr_by_year, year_ends
from renewfin.simulation import overrides_for, prepare, simulate, stress_table
from renewfin.spec import resolve_tax
from renewfin.tables import standard_tables

from .conftest import MODELS, N, built, model_path, scenario_path
from .figures import (
    Figure,
    docx_figures,
    frame_value,
    parse,
    same,
    spec_value,
    text_matches,
)


class Engine:
    """Fresh engine objects for one model, computed without the report's code."""

    def __init__(self, name: str, with_scenario: bool = True) -> None:
        self.spec = renewfin.load_spec(model_path(name))
        self.result = renewfin.run(self.spec)
        self.tables = standard_tables(self.result)
        self.years = [
            c
            for c in self.tables["debt_service"].columns
            if c not in ("序号", "项目", "Item", "合计 Total")
        ]
        self.frames = {
            "evaluation": sens.evaluation_table(self.spec),
            "switching": sens.switching_table(self.spec),
        }
        self.sim = None
        self.stress = None
        self.fan: dict[str, np.ndarray] = {}
        if with_scenario:
            scenario = renewfin.load_scenario(scenario_path(name))
            self.frames["tornado"] = sens.tornado(self.spec, scenario)
            self.sim = simulate(self.spec, scenario, n=N)
            self.summary = self.sim.summary()
            self.breaches = self.sim.breaches()
            if scenario.stress:
                self.stress = stress_table(self.spec, scenario)
            ov = overrides_for(prepare(self.spec, scenario), self.sim.samples)
            res = renewfin.run(self.spec, ov, n_scenarios=self.sim.n)
            cash = np.asarray(res.ledger["cash.cumulative_surplus"])
            ends = year_ends(cash.shape[1], res.timeline.ppy)
            for q in (5, 10, 25, 50, 75, 90, 95):
                self.fan[f"p{q}"] = np.percentile(cash[:, ends], q, axis=0)
        self.sizing = self.result.loan_sizing()
        self.llcr = llcr_by_year(self.result)

    def expected(self, f: Figure) -> float:
        """The engine's value for a figure's locator."""
        r, kind = self.result, f.locator()
        if kind == "metric":
            return float(r.values[f.attrs["data-metric"]][0])
        if kind == "table":
            table = self.tables[str(f.get("table"))]
            if "data-indicator" in f.attrs:
                key = f.attrs["data-indicator"]
                value = float(table.attrs["indicators"][key]["value"])
                if key in r.values:
                    assert same(value, float(r.values[key][0]))
                return value
            return float(table.loc[str(f.get("key")), f.attrs["data-col"]])
        if kind == "input":
            assert r.inputs is not None
            base: Any = r.inputs.bases[f.attrs["data-input"]]
            return float(base[int(f.attrs["data-index"])] if "data-index" in f.attrs else base)
        if kind == "spec":
            return spec_value(self.spec, f.attrs["data-spec"])
        if kind == "ledger":
            year = np.arange(r.ledger.n_periods) // r.timeline.ppy
            flows = np.bincount(year, weights=r.ledger[f.attrs["data-ledger"]][0])
            return float(flows[self.years.index(f.attrs["data-col"])])
        if kind == "sizing":
            return float(self.sizing.loc[f.attrs["data-sizing"], f.attrs["data-col"]])
        if kind == "sens":
            return frame_value(
                self.frames[f.attrs["data-sens"]], f.attrs["data-row"], f.attrs["data-col"]
            )
        if kind == "sim":
            return float(self.summary.loc[f.attrs["data-sim"], f.attrs["data-stat"]])
        if kind == "breach":
            return float(self.breaches.iloc[int(f.attrs["data-breach"])][f.attrs["data-stat"]])
        if kind == "fan":
            return float(self.fan[f.attrs["data-fan"]][self.years.index(f.attrs["data-col"])])
        if kind == "stress":
            assert self.stress is not None
            return float(self.stress.iloc[int(f.attrs["data-stress"])][f.attrs["data-col"]])
        calc = f.attrs["data-calc"]
        if calc == "llcr":
            return float(self.llcr[self.years.index(f.attrs["data-col"])])
        if calc == "minimum_capital_ratio":
            return minimum_capital_ratio(r)
        if calc == "sim_n":
            return float(N)
        if calc == "sizing_iterations":
            assert r.sizing is not None
            return float(r.sizing.iterations)
        if calc == "vat_rate":
            rates = resolve_tax(self.spec.tax, self.spec.project.city_tier)
            stream = next(x for x in self.spec.revenues if x.name == f.attrs["data-row"])
            return rates.output_vat_rate(stream)
        if calc == "fund_junior_share":
            assert self.spec.funding.fund is not None
            return 1.0 - self.spec.funding.fund.senior_share
        raise AssertionError(f"unknown calc {calc!r}")


def check_figures(html: str, engine: Engine, skip: set[str] | None = None) -> Counter[str]:
    """Check every figure of a report; return the count by locator."""
    figures = parse(html).figures
    assert len(figures) > 300
    bad_value, bad_text = [], []
    kinds: Counter[str] = Counter()
    for f in figures:
        kind = f.locator()
        kinds[kind] += 1
        if skip and kind in skip:
            continue
        if not same(f.value, engine.expected(f)):
            bad_value.append((f.attrs, engine.expected(f)))
        if not text_matches(f):
            bad_text.append((f.attrs, f.text))
    assert not bad_value, f"{len(bad_value)} figures differ from the engine: {bad_value[:5]}"
    assert not bad_text, f"{len(bad_text)} figures printed wrongly: {bad_text[:5]}"
    return kinds


_ENGINES: dict[str, Engine] = {}


def engine_for(name: str) -> Engine:
    """One :class:`Engine` per bundled model (with its scenario) for the session."""
    if name not in _ENGINES:
        _ENGINES[name] = Engine(name)
    return _ENGINES[name]


@pytest.mark.parametrize("name", MODELS)
def test_every_figure_equals_the_engine(name: str) -> None:
    _, rendered = built(name)
    kinds = check_figures(rendered.html, engine_for(name))
    for kind in ("metric", "table", "input", "spec", "sens", "sim", "breach", "fan", "calc"):
        assert kinds[kind] > 0, f"no {kind} figures in the {name} report"


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", MODELS)
def test_every_figure_of_the_html_is_in_the_word_file_as_the_engine_prints_it(name: str) -> None:
    """Reference: the engine's value of each HTML figure's locator (:class:`Engine`), printed
    at the HTML's stated precision, read from the .docx's XML bookmark by bookmark."""
    data, rendered = built(name)
    figures = sorted(parse(rendered.html).figures, key=lambda f: f.ordinal)
    assert [f.ordinal for f in figures] == list(range(len(figures)))
    word = docx_figures(render_docx(data, "zh"))
    assert sorted(word) == list(range(len(figures))), (
        f"{len(figures) - len(word)} HTML figures have no bookmark in the Word file"
    )
    engine = engine_for(name)
    bad_text, bad_value = [], []
    for f in figures:
        if _squash(word[f.ordinal]) != _squash(f.text):
            bad_text.append((f.attrs, f.text, word[f.ordinal]))
        from_engine = dataclasses.replace(
            f, attrs={**f.attrs, "data-value": repr(engine.expected(f))}, text=word[f.ordinal]
        )
        if not text_matches(from_engine):
            bad_value.append((f.attrs, engine.expected(f), word[f.ordinal]))
    assert not bad_text, f"{len(bad_text)} Word figures differ from the HTML: {bad_text[:5]}"
    assert not bad_value, f"{len(bad_value)} Word figures misprint the engine: {bad_value[:5]}"


def test_english_report_without_scenario_quotes_the_engine() -> None:
    spec = renewfin.load_spec(model_path("old_factory_park"))
    data = collect(spec)
    html = render(data, "en")
    engine = Engine("old_factory_park", with_scenario=False)
    engine.frames["tornado"] = data.tornado  # the ±10 % tornado is the evaluation table's
    kinds = check_figures(html, engine)
    assert kinds["sim"] == kinds["breach"] == kinds["fan"] == 0
    ev = engine.frames["evaluation"]
    for _, row in data.tornado.iterrows():
        sub = ev[(ev["factor"] == row["input"])]
        lo = sub.loc[np.isclose(sub["change"], -0.1), row["metric"]].iloc[0]
        hi = sub.loc[np.isclose(sub["change"], 0.1), row["metric"]].iloc[0]
        assert same(row["low_value"], lo) and same(row["high_value"], hi)
    assert 'lang="en"' in html and "Financial evaluation report" in html


def test_llcr_by_year_has_the_metric_as_its_minimum() -> None:
    for name in MODELS:
        data, _ = built(name)
        llcr = data.llcr
        metric = float(data.result.values["min_llcr"][0])
        if np.isfinite(llcr).any():
            assert np.isclose(np.nanmin(llcr), metric, rtol=1e-12)
        else:
            assert np.isnan(metric)


def test_fan_minimum_equals_the_simulated_minimum_cumulative_cash() -> None:
    data, _ = built("industrial_park_reit")
    assert data.fan is not None and data.simulation is not None
    np.testing.assert_allclose(
        data.fan.minimum,
        data.simulation.metrics["min_cumulative_cash"].to_numpy(),
        rtol=1e-12,
        atol=1e-9,
    )
    assert data.fan.years == data.years
    assert data.fan.method == "exact"
    np.testing.assert_array_equal(data.fan.count, N)  # every scenario has each year end
    assert np.all(np.diff(data.fan.bands, axis=0) >= -1e-9)  # percentiles ordered


def test_fan_does_not_depend_on_the_chunk_size() -> None:
    from renewfin.report.data import FAN_LINE, cumulative_cash_fan

    data, _ = built("old_community")
    assert data.simulation is not None and data.fan is not None and data.scenario is not None
    sim = simulate(data.spec, data.scenario, n=N, chunk_size=64, lines=[FAN_LINE])
    again = cumulative_cash_fan(data.result, sim)
    np.testing.assert_allclose(again.bands, data.fan.bands, rtol=1e-12, atol=1e-9)


def test_fan_needs_the_collected_line() -> None:
    from renewfin.report.data import cumulative_cash_fan

    data, _ = built("old_community")
    assert data.scenario is not None
    sim = simulate(data.spec, data.scenario, n=8)
    with pytest.raises(ValueError, match=r"cash\.cumulative_surplus"):
        cumulative_cash_fan(data.result, sim)
