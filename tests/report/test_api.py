"""The report's API and command: one self-contained HTML file, sections in the evaluators'
order, Chinese by default, English on request, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import renewfin
from renewfin.cli import main
from renewfin.report import build_report, write_report
from renewfin.report.build import SECTIONS, sections_for

from .conftest import built, model_path, scenario_path
from .figures import parse

ORDER = [
    "overview",
    "basis",
    "investment",
    "revenue",
    "bond",
    "bank",
    "investor",
    "sensitivity",
    "risk",
    "checks",
    "conclusion",
    "appendix",
]


def test_sections_in_the_evaluators_order_and_self_contained() -> None:
    data, rendered = built("old_community")
    html = rendered.html
    p = parse(html)
    assert p.sections == ORDER == [k for k, _ in sections_for(data.spec)]
    assert [k for k, _ in SECTIONS] == [*ORDER[:9], "benefits", *ORDER[9:]]
    assert p.external == []
    assert "http://" not in html and "https://" not in html
    assert all(img["src"].startswith("data:image/png;base64,") for img in p.images)
    assert 'lang="zh-CN"' in html and "财务评价报告" in html
    assert "Content-Security-Policy" in html
    for title in ("专项债券项目收益与融资平衡表", "借款还本付息计划表", "资产负债表"):
        assert title in html
    assert html.count('class="appendix-table"') == 13


def test_quoted_numbers_carry_separators_units_and_percent() -> None:
    _data, rendered = built("old_community")
    figs = {
        f.attrs.get("data-metric"): f.text
        for f in parse(rendered.html).figures
        if "data-metric" in f.attrs
    }
    assert figs["total_project_investment"].endswith(" 万元")
    assert "," in figs["total_project_investment"]
    assert figs["capital_ratio"].endswith("%")


def test_build_report_accepts_paths_and_writes_atomically(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "report.html"
    written = write_report(out, model_path("urban_village"), lang="en")
    assert written == out and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # no temporary left


def test_without_scenario_the_risk_section_says_so_without_a_cli_hint() -> None:
    html = build_report(renewfin.load_spec(model_path("urban_village")))
    assert "未提供风险情景文件" in html and "--scenario" not in html
    assert "data-sim=" not in html


def test_bad_language_is_refused() -> None:
    with pytest.raises(ValueError, match="lang"):
        build_report(model_path("urban_village"), lang="fr")  # type: ignore[arg-type]


def test_cli_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    code = main(
        [
            "report",
            str(model_path("old_community")),
            "--scenario",
            str(scenario_path("old_community")),
            "-n",
            "100",
            "--lang",
            "en",
            "-o",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    assert "report written to" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert 'lang="en"' in html and "Risk analysis" in html
    assert 'data-calc="sim_n" data-value="100.0"' in html


def test_cli_report_bad_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("project: {}\n", encoding="utf-8")
    assert main(["report", str(bad), "-o", str(tmp_path / "x.html")]) == 2
    assert "error" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "x.html")
