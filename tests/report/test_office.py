"""The Word and PDF reports opened by independent programs (issue 20, point 5): LibreOffice
Writer converts the .docx to PDF; poppler (pdfinfo, pdffonts, pdftotext, pdftoppm) reads
that PDF and the one Chromium prints, counts the pages, lists the fonts and renders every
page to PNG. No glyph may be missing: every font is embedded, the Chinese text is set in a
CJK font and extracts as the text renewfin wrote, and every page renders with ink on it.

Like the workbook tests (``tests/excel``), these fail rather than skip without the tools:
``.ci/run`` (``tools/install.sh --tests``) installs ``libreoffice-writer-nogui`` and
``poppler-utils``."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from renewfin.excel.recalc import soffice
from renewfin.report import render, render_docx
from renewfin.report.i18n import t
from renewfin.report.pdf import to_pdf

from .conftest import built
from .figures import missing_from, parse, squeeze

PAGES = (20, 80)
"""Page range of the old_community report in either PDF (A4; measured: 69 from Word via
LibreOffice, with all 13 standard tables, the wide ones in parts of 9 columns; 32 from
Chromium): fewer means content lost, more a layout gone wrong."""

POPPLER = ("pdfinfo", "pdffonts", "pdftotext", "pdftoppm")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is required (poppler-utils): .ci/run installs it")
    return path


def _run(args: list[str], timeout: float = 240) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, (args[0], done.stderr[-2000:])
    return done.stdout


def _pages(pdf: Path) -> int:
    m = re.search(r"^Pages:\s+(\d+)", _run([_tool("pdfinfo"), str(pdf)]), re.M)
    assert m is not None
    return int(m.group(1))


def _fonts(pdf: Path) -> list[tuple[str, str]]:
    """(name, embedded yes/no) of every font of ``pdf`` (``pdffonts``)."""
    lines = _run([_tool("pdffonts"), str(pdf)]).splitlines()[2:]
    out = []
    for line in lines:
        cols = line.split()
        # name type… encoding emb sub uni object ID: emb is the 5th column from the end
        out.append((cols[0], cols[-5]))
    return out


def _text(pdf: Path) -> str:
    return _run([_tool("pdftotext"), "-enc", "UTF-8", str(pdf), "-"])


def _rendered_pages(pdf: Path, out: Path) -> list[Path]:
    """Every page as a PNG at 24 dpi (``pdftoppm``)."""
    _run([_tool("pdftoppm"), "-png", "-r", "24", str(pdf), str(out / "page")])
    return sorted(out.glob("page-*.png"))


def _has_ink(png: Path) -> bool:
    from matplotlib.image import imread

    pixels = np.asarray(imread(str(png)))
    return bool((pixels[..., :3] < 0.5).any())


def _to_pdf(docx: Path, tmp_path: Path) -> Path:
    exe = soffice()
    if exe is None:
        pytest.fail("LibreOffice (soffice) is required: .ci/run installs libreoffice-writer-nogui")
    profile = tmp_path / "lo-profile"
    _run(
        [
            exe,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx),
        ]
    )
    pdf = docx.with_suffix(".pdf")
    if not pdf.exists():
        pytest.fail(
            "LibreOffice did not convert the .docx (Writer missing?): .ci/run installs "
            "libreoffice-writer-nogui"
        )
    return pdf


def _check_pdf(pdf: Path, tmp_path: Path, *, cjk_named: bool) -> str:
    """Pages in range, every font embedded (a CJK one by name where the producer names its
    fonts), every page rendered with ink; returns the text."""
    pages = _pages(pdf)
    assert PAGES[0] <= pages <= PAGES[1], pages
    fonts = _fonts(pdf)
    assert fonts and all(emb == "yes" for _, emb in fonts), fonts
    if cjk_named:
        assert any("CJK" in name for name, _ in fonts), fonts
    shots = tmp_path / "png"
    shots.mkdir()
    images = _rendered_pages(pdf, shots)
    assert len(images) == pages
    assert all(_has_ink(p) for p in images)
    text = _text(pdf)
    assert "\ufffd" not in text
    return squeeze(text)


def test_libreoffice_opens_the_word_report(tmp_path: Path) -> None:
    """… and every figure the HTML quotes is in the text LibreOffice lays out."""
    data, rendered = built("old_community")
    docx = tmp_path / "report.docx"
    docx.write_bytes(render_docx(data, "zh"))
    text = _check_pdf(_to_pdf(docx, tmp_path), tmp_path, cjk_named=True)
    for phrase in (
        data.spec.project.name,
        "财务评价报告",
        t("s.conclusion", "zh"),
        "具备财务生存能力",
        "第3页",  # the footer's PAGE field, computed by LibreOffice
    ):
        assert phrase in text, phrase
    missing = missing_from(parse(rendered.html).figures, text)
    assert not missing, f"figures of the HTML not (as often) in Word's PDF: {missing[:10]}"


def test_poppler_reads_the_pdf_chromium_prints(tmp_path: Path) -> None:
    if shutil.which("chromium") is None:
        pytest.fail("Chromium is required for the PDF report: .ci/run installs chromium")
    """… and every figure the HTML quotes is in the text pdftotext reads (the figures'
    engine values are checked on that HTML, ``test_figures``)."""
    data, _ = built("old_community")
    html = render(data, "zh")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(to_pdf(html))
    # Chromium embeds its glyphs as Type 3 fonts without names: embedded, not named
    text = _check_pdf(pdf, tmp_path, cjk_named=False)
    for phrase in (data.spec.project.name, "财务评价报告", t("s.conclusion", "zh"), "第3页"):
        assert phrase in text, phrase
    missing = missing_from(parse(html).figures, text)
    assert not missing, f"figures of the HTML not (as often) in the PDF: {missing[:10]}"
