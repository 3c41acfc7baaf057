"""No tofu: every character drawn in a chart has a glyph in the selected CJK font (or, for
Latin characters, in matplotlib's fallback), matplotlib warns about no missing glyph, and a
missing CJK font is an error with a clear message rather than empty boxes."""

from __future__ import annotations

import unicodedata
import warnings
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from renewfin.cli import main
from renewfin.cli_args import EXIT_ENVIRONMENT
from renewfin.report import charts, fonts
from renewfin.report.data import collect

from .conftest import MODELS, built, model_path


def is_cjk(ch: str) -> bool:
    """Han, kana, hangul, CJK punctuation and full-width forms."""
    name = unicodedata.name(ch, "")
    return ord(ch) >= 0x2E80 or "CJK" in name or "FULLWIDTH" in name


def test_cjk_font_is_installed() -> None:
    try:
        font = fonts.cjk_font()
    except fonts.FontNotFoundError as exc:
        pytest.fail(f"{exc} (.ci/run installs fonts-noto-cjk)")
    assert font.family.startswith("Noto Sans CJK")
    assert font.missing("专项债本息覆盖倍数偿债备付率累计盈余资金") == []


@pytest.mark.parametrize("name", MODELS)
def test_every_chart_character_has_a_glyph(name: str) -> None:
    _, rendered = built(name)
    font = fonts.cjk_font()
    fallback = frozenset(FT2Font(font_manager.findfont(fonts.FALLBACK_FAMILY)).get_charmap())
    assert rendered.charts, "no charts"
    cjk_seen = 0
    for chart in rendered.charts.values():
        text = "".join(chart.texts)
        missing_cjk = [ch for ch in font.missing(text) if is_cjk(ch)]
        assert missing_cjk == [], f"{chart.id}: no CJK glyph for {missing_cjk}"
        uncovered = [ch for ch in font.missing(text) if ord(ch) not in fallback]
        assert uncovered == [], f"{chart.id}: no glyph in any font for {uncovered}"
        cjk_seen += sum(is_cjk(ch) for ch in text)
    assert cjk_seen > 50  # the charts do carry Chinese text


def test_drawing_emits_no_missing_glyph_warning() -> None:
    data, _ = built("old_community")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chart = charts.revenue_chart(data.tables["revenue_and_taxes"], data.years, "万元", "zh")
    assert chart is not None
    glyph = [str(w.message) for w in caught if "Glyph" in str(w.message)]
    assert glyph == []


def test_a_character_no_font_has_is_an_error_not_a_box() -> None:
    frame = pd.DataFrame(
        [
            {
                "input": "\U00013000",
                "path": "",
                "metric": "x",
                "base": 1.0,
                "low_value": 0.9,
                "high_value": 1.1,
                "swing": 0.2,
                "low_sample": 0.9,
                "high_sample": 1.1,
            }
        ]
    )
    with pytest.raises(charts.MissingGlyphError, match="missing"):
        charts.tornado_chart(frame, {"x": ("指标", "ratio")}, "zh", "龙卷风图", "低", "高")


def test_no_cjk_font_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_entries", lambda: [])
    monkeypatch.setattr(fonts, "_register_system_cjk_fonts", lambda: None)
    fonts.cjk_font.cache_clear()
    try:
        with pytest.raises(fonts.FontNotFoundError, match="fonts-noto-cjk"):
            charts.rc_params()
    finally:
        fonts.cjk_font.cache_clear()


def test_charts_leave_global_matplotlib_state_alone() -> None:
    before = dict(matplotlib.rcParams)
    backend = matplotlib.get_backend()
    collect_data = collect(__import__("renewfin").load_spec(model_path("urban_village")))
    from renewfin.report import render

    render(collect_data, "en")
    after = dict(matplotlib.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()
    assert matplotlib.get_backend() == backend


@pytest.mark.parametrize("suffix", [".docx", ".html"])
def test_cli_without_cjk_font_says_what_to_install(
    suffix: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``renewfin report`` on a machine without a CJK font: exit status 3 (environment),
    the Debian package to install named, no traceback and no file written."""
    monkeypatch.setattr(fonts, "_entries", lambda: [])
    monkeypatch.setattr(fonts, "_register_system_cjk_fonts", lambda: None)
    fonts.cjk_font.cache_clear()
    out = tmp_path / f"r{suffix}"
    try:
        code = main(["report", str(model_path("urban_village")), "-o", str(out)])
    finally:
        fonts.cjk_font.cache_clear()
    err = capsys.readouterr().err
    assert code == EXIT_ENVIRONMENT
    assert "apt-get install fonts-noto-cjk" in err and "Traceback" not in err
    assert not out.exists()
