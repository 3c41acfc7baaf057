"""One name per figure, no doubled words, the financial-sustainability statement agreeing
with the table it sits beside, and chart legends clear of the data (issue 20, point 4)."""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict

import numpy as np
import pytest

from renewfin.metrics import METRICS, metric_info
from renewfin.report import render_report
from renewfin.report.context import Ctx
from renewfin.report.fmt import Formatter
from renewfin.report.sections import viability

from .conftest import MODELS, built
from .figures import parse

HAN_REPEAT = re.compile(r"([\u4e00-\u9fff]{2,})\1")
"""A run of two or more Chinese characters written twice in a row (``贷款贷款``)."""


def _text(html: str) -> str:
    body = html.split("<body>", 1)[1]
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_metric_labels_name_one_figure_each() -> None:
    """Two metrics never share a label (in either language): drawn loans (贷款提款额) and a
    loan's sized facility (…授信额度) are distinct names, neither is 贷款规模."""
    for lang in ("zh", "en"):
        names: dict[str, list[str]] = defaultdict(list)
        for key, info in METRICS.items():
            names[info.zh if lang == "zh" else info.en].append(key)
        assert not {n: k for n, k in names.items() if len(k) > 1}
    drawn, sized = metric_info("loan_amount"), metric_info("loan_size[国开行贷款]")
    assert drawn.zh == "贷款提款额" and sized.zh == "国开行贷款授信额度"
    assert "贷款规模" not in (drawn.zh, sized.zh)


@pytest.mark.parametrize("name", MODELS)
def test_each_quoted_metric_has_one_value_under_its_name(name: str) -> None:
    """Every ``data-metric`` figure of a name carries the same value (a name is never used
    for two different numbers in one report)."""
    _, rendered = built(name)
    values: dict[str, set[float]] = defaultdict(set)
    for f in parse(rendered.html).figures:
        key = f.attrs.get("data-metric")
        if key is not None and np.isfinite(f.value):
            values[metric_info(key).zh].add(round(f.value, 9))
    assert values and all(len(v) == 1 for v in values.values()), values


@pytest.mark.parametrize("name", MODELS)
def test_no_doubled_words_in_the_chinese_report(name: str) -> None:
    data, rendered = built(name)
    user = {r.name for r in data.spec.revenues} | {data.spec.project.name}
    text = _text(rendered.html)
    for u in user:
        text = text.replace(u, " ")
    found = {m.group(0) for m in HAN_REPEAT.finditer(text)}
    assert not found, found


def _ctx(data: object) -> Ctx:
    from renewfin.report.data import ReportData

    assert isinstance(data, ReportData)
    return Ctx(data, "zh", Formatter("zh", data.result.ledger.money_unit))


@pytest.mark.parametrize("name", MODELS)
def test_sustainability_statement_quotes_the_plan_tables_lowest_cumulative_cash(
    name: str,
) -> None:
    """具备财务生存能力 is said only when the 财务计划现金流量表's 累计盈余资金 is ≥ 0 in every
    year; the statement quotes that row's lowest cell (its year and value), not a minimum
    over operating years only."""
    data, rendered = built(name)
    ok, text = viability(_ctx(data))
    row = data.tables["financial_plan"].loc["cash.cumulative_surplus", data.years]
    values = row.to_numpy(dtype=float)
    assert ok == bool(values.min() >= -1e-9)
    (fig,) = parse(text).figures
    assert fig.attrs["data-table"] == "financial_plan"
    assert fig.attrs["data-key"] == "cash.cumulative_surplus"
    assert fig.value == values.min() and fig.attrs["data-col"] == data.years[values.argmin()]
    assert ("具备财务生存能力" in text) == ok and text in rendered.html


def test_a_negative_cumulative_cash_is_never_called_sustainable() -> None:
    """A plan whose cumulative cash falls below zero in a construction year: the overview,
    the bond section and the conclusion say 不具备财务生存能力 and quote that cell; the
    bond table's negative 累计资金结余 is called a gap, not funded."""
    data, _ = built("old_community")
    plan = data.tables["financial_plan"].copy()
    plan.attrs = {**plan.attrs, "indicators": dict(plan.attrs["indicators"])}
    year = data.years[1]
    plan.loc["cash.cumulative_surplus", year] = -12.5
    plan.attrs["indicators"]["viable"] = {**plan.attrs["indicators"]["viable"], "value": 0.0}
    tables = {**data.tables, "financial_plan": plan}
    html = render_report(dataclasses.replace(data, tables=tables), "zh").html
    text = _text(html)
    assert "具备财务生存能力" not in text.replace("不具备财务生存能力", "")
    assert text.count(f"财务计划现金流量表{year}年累计盈余资金为 -12.50 万元") == 2
    assert "出现资金缺口" in text and "差额由资金筹措安排" not in text


def test_bond_tables_negative_construction_surplus_is_explained_beside_it() -> None:
    """old_community pays bond interest in construction: the bond table's 累计资金结余
    (偿债准备) is negative there while the plan's cumulative cash is zero; the note under
    the table quotes both cells and says the gap is funded, so no negative figure sits
    unexplained beside 具备财务生存能力."""
    data, rendered = built("old_community")
    row = data.tables["bond_balance"].loc["surplus.cumulative", data.years].to_numpy(float)
    assert row.min() < 0
    year = data.years[int(row.argmin())]
    note = re.search(r"表中累计资金结余（偿债准备）在(\d{4})年最低为.*?</p>", rendered.html)
    assert note is not None and note.group(1) == year
    figs = parse(note.group(0)).figures
    assert [f.attrs["data-table"] for f in figs] == ["bond_balance", "financial_plan"]
    assert figs[0].value == row.min() and "差额由资金筹措安排" in note.group(0)


@pytest.mark.parametrize("name", MODELS)
def test_chart_legends_are_clear_of_the_data(name: str) -> None:
    """Every legend is drawn outside every axes of its chart (measured on the drawn
    figure: no legend box intersects a plotting area)."""
    _, rendered = built(name)
    assert rendered.charts
    overlapping = {k: c.legend_overlaps for k, c in rendered.charts.items() if c.legend_overlaps}
    assert not overlapping
