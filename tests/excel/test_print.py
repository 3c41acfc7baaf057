"""An A4 printout of the standard tables is readable (issue 19, point 5), shown on a real
print: LibreOffice headless prints the 30-year REIT workbook to PDF and poppler
(``pdfinfo``, ``pdftotext``) reads it back. The rule checked (``renewfin.excel.printing``):
every page A4 landscape; each table at a scale of at least 50 % (its 11 pt text printed at
5.5 pt or more), measured against the same text printed by LibreOffice at 100 %; each
page of a table shows the project, the table's title rows and its label and year
header; the years split into whole-column blocks across the planned pages, each year on
exactly one page across, none cut off or spilled onto an unplanned page."""

from __future__ import annotations

import re
import statistics
import subprocess
import tempfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

import renewfin
from renewfin.engine import run
from renewfin.excel.printing import TABLE_FLOOR, plan_pages
from renewfin.excel.recalc import REGISTRY, soffice
from renewfin.excel.writer import write_model

ROOT = Path(__file__).resolve().parents[2]
NUMBER = re.compile(r"-?[\d,]+\.\d\d")
WORD = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<')


def test_plan_pages_hand_cases() -> None:
    """Hand calculation: titles 400 pt, ten 100 pt columns, 700 pt printable width.
    One page needs 1,400 pt: 700/1400 = 50 %, enough for a 50 % floor. For a 60 % floor,
    two pages of 5 columns need 900 pt: 700/900 = 77.7 → 77 %, a break after the 5th
    column (index 4). For an 80 % floor, two pages give 77 %; three pages of 4, 3, 3
    columns need 800 pt: 87.5 → 87 %, breaks after indices 3 and 6."""
    cols = [100.0] * 10
    assert plan_pages(400, cols, 700, 50) == (50, [])
    assert plan_pages(400, cols, 700, 60) == (77, [4])
    assert plan_pages(400, cols, 700, 80) == (87, [3, 6])
    assert plan_pages(100, [100.0], 700, 50) == (100, [])  # never above 100 %


def _pdf(books: list[Path], out: Path) -> list[Path]:
    """Print workbooks to PDF with LibreOffice headless (recalculated on load)."""
    exe = soffice()
    if exe is None:
        pytest.fail("LibreOffice (soffice) is required: .ci/run installs libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory() as tmp:
        user = Path(tmp) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(REGISTRY, encoding="utf-8")
        subprocess.run(
            [
                exe,
                f"-env:UserInstallation={Path(tmp).as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                *map(str, books),
            ],
            capture_output=True,
            timeout=600,
            check=False,
        )
    pdfs = [out / (b.stem + ".pdf") for b in books]
    assert all(p.exists() for p in pdfs), pdfs
    return pdfs


def _heights(pdf: Path, page: int) -> float:
    """Median height of the number words (``1,234.56``) on a page [pt]."""
    xml = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    hs = [float(b) - float(a) for a, b, t in WORD.findall(xml) if NUMBER.fullmatch(t)]
    return statistics.median(hs)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("print")
    result = run(renewfin.load_spec(str(ROOT / "models/industrial_park_reit.yaml")))
    book = write_model(result, tmp / "reit.xlsx")
    ref = Workbook()  # the same default font and number format, printed at 100 %
    for r in range(1, 11):
        ref.active.cell(r, 1, 1234.56 * r).number_format = "#,##0.00"
    ref.save(tmp / "ref.xlsx")
    pdf, ref_pdf = _pdf([Path(book), tmp / "ref.xlsx"], tmp)
    return result, load_workbook(book), pdf, _heights(ref_pdf, 1)


def test_standard_tables_print_readably_on_a4(printed) -> None:  # type: ignore[no-untyped-def]
    result, wb, pdf, ref_height = printed
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert sizes and all(
        abs(float(w) - 841.89) < 1 and abs(float(h) - 595.28) < 1 for w, h in sizes
    ), set(sizes)  # A4 landscape
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")[: len(sizes)]
    project = result.spec.project.name
    tables = [n for n in wb.sheetnames if re.match(r"T\d\d ", n)]
    assert len(tables) == 13
    for name in tables:
        ws = wb[name]
        mine = [k for k, p in enumerate(pages) if name in p.splitlines()[0]]
        assert mine, name
        assert mine == list(range(mine[0], mine[-1] + 1)), name  # one run of pages
        years = [
            str(ws.cell(5, c).value)
            for c in range(1, ws.max_column + 1)
            if str(ws.cell(5, c).value).isdigit()
        ]
        blocks: list[list[str]] = []
        for k in mine:
            page = pages[k]
            assert page.splitlines()[0].startswith(project), (name, k)
            assert f"{project} — {name[4:]}" in page, (name, k)  # the title rows repeat
            assert f"Page {k + 1} of {len(sizes)}" in page, (name, k)
            assert "###" not in page, (name, k)  # every value shows
            head = next(line for line in page.splitlines() if "序号" in line)
            assert "项目" in head and "Item" in head and "合计" in head, (name, head)
            shown = re.findall(r"\b((?:19|20)\d\d)\b", head)
            if shown not in blocks:
                blocks.append(shown)
            scale = _heights(pdf, k + 1) / ref_height
            assert scale >= TABLE_FLOOR / 100 - 0.01, (name, k, scale)
            assert abs(scale - ws.page_setup.scale / 100) < 0.02, (name, scale)
        assert [y for b in blocks for y in b] == years, (name, blocks)  # each year once
        assert len(blocks) == len(ws.col_breaks.brk) + 1 or not years, (name, blocks)
