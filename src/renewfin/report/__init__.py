"""The evaluation report (财务评价报告): a self-contained HTML document with charts, in
Chinese or English, whose every figure is the engine's value for one run.

``build_report(spec, scenario=None, n=None, lang="zh") -> str`` (HTML),
``render_docx(data)`` / ``render_pdf(data)`` (Word, and PDF printed by headless Chromium) and
``write_report(path, spec, ...)`` (format by suffix); the CLI is
``renewfin report SPEC -o report.html|report.docx|report.pdf``.
"""

from __future__ import annotations

from renewfin.report.build import (
    RenderedReport,
    build_report,
    render,
    render_docx,
    render_pdf,
    render_report,
    write_report,
)
from renewfin.report.data import ReportData, collect
from renewfin.report.fonts import FontNotFoundError, cjk_font

__all__ = [
    "FontNotFoundError",
    "RenderedReport",
    "ReportData",
    "build_report",
    "cjk_font",
    "collect",
    "render",
    "render_docx",
    "render_pdf",
    "render_report",
    "write_report",
]
