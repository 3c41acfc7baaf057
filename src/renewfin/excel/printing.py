"""Print setup of the model workbook: A4 landscape on every sheet, titles repeated, the
project, sheet and page number in the header and footer, a print area per sheet.

The calculation sheets are fitted to one page wide. A standard table (T01–T13) is printed
at a scale no lower than ``TABLE_FLOOR``: its years are split into blocks of whole columns,
each block on its own page across with the title rows, the year header and the label
columns repeated, using the fewest pages across that keep the scale at the floor or above.
Fitted to one page, a 30-year table would print at about 27 % (11 pt text at 3 pt,
measured on the REIT model), which no one can read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from openpyxl.worksheet.pagebreak import Break, ColBreak
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from renewfin.excel.book import col

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

TABLE_FLOOR = 50
"""Lowest print scale of a standard table [%]: the sheet's 11 pt text prints at 5.5 pt or more."""

A4_LANDSCAPE = (841.89, 595.28)
"""A4 landscape, width and height [pt] (210 × 297 mm)."""

SIDE_MARGIN = 0.75
"""Left and right page margin [in] (openpyxl's and Excel's default)."""

FIT_SLACK = 0.97
"""Share of the printable width a planned page may fill: room for the difference between
the column widths computed here and those a spreadsheet renders with its fonts."""

DEFAULT_WIDTH = 8.43
"""Width of a column with no width set [characters] (Excel's default)."""

TITLE_COLS = 5
"""Columns A–E (id, 序号, 项目, Item, 合计) repeat on each page across."""


def width_pt(chars: float) -> float:
    """Printed width of a column ``chars`` characters wide [pt] at 100 %, the wider of the
    two renderings: LibreOffice, which substitutes DejaVu Sans for Calibri, prints one
    character as that font's digit width, 0.636 em × 11 pt = 7 pt (measured: a column 14
    wide prints 98 pt); Excel with Calibri 11 prints 7 px = 5.25 pt."""
    return chars * 7.0


def plan_pages(
    titles: float, columns: Sequence[float], printable: float, floor: int = TABLE_FLOOR
) -> tuple[int, list[int]]:
    """Scale and column breaks of a table whose title columns repeat on each page.

    Parameters
    ----------
    titles : float
        Width of the repeated title columns [pt at 100 %].
    columns : sequence of float
        Width of each of the other columns, in order [pt at 100 %].
    printable : float
        Printable width of the page [pt].
    floor : int
        Lowest acceptable scale [%].

    Returns
    -------
    scale : int
        Print scale [%], at most 100; at least ``floor`` unless a single column with the
        titles is wider than the page at the floor.
    breaks : list of int
        0-based positions in ``columns`` after which a page ends (empty: one page wide).
        The columns are split into the fewest blocks of near-equal count (the earlier
        blocks one larger) that print at ``floor`` or above.
    """
    n = len(columns)
    planned: tuple[int, list[int]] = (100, [])
    for pages in range(1, max(n, 1) + 1):
        sizes = [n // pages + (1 if k < n % pages else 0) for k in range(pages)]
        ends = [sum(sizes[: k + 1]) for k in range(pages)]
        starts = [0, *ends[:-1]]
        need = titles + max(
            (sum(columns[a:b]) for a, b in zip(starts, ends, strict=True)), default=0.0
        )
        scale = min(100, int(100 * printable / need)) if need > 0 else 100
        planned = (max(scale, 10), [e - 1 for e in ends[:-1]])  # 10 %: the least allowed
        if scale >= floor:
            break
    return planned


def _width(ws: Worksheet, c: int) -> float:
    """Width of column ``c`` (1-based) [characters]; 0 when hidden."""
    dim = ws.column_dimensions.get(col(c))
    if dim is None:
        return DEFAULT_WIDTH
    if dim.hidden:
        return 0.0
    return float(dim.width) if dim.width else DEFAULT_WIDTH


def table_pages(ws: Worksheet) -> None:
    """Print a standard table at ``plan_pages``' scale with its column breaks (manual
    breaks and a fixed scale instead of fit-to-page, which would ignore the breaks)."""
    printable = A4_LANDSCAPE[0] - 2 * 72 * SIDE_MARGIN
    titles = sum(width_pt(_width(ws, c)) for c in range(1, TITLE_COLS + 1))
    rest = [width_pt(_width(ws, c)) for c in range(TITLE_COLS + 1, ws.max_column + 1)]
    scale, breaks = plan_pages(titles, rest, printable * FIT_SLACK)
    ws.page_setup.scale = scale
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
    ws.col_breaks = ColBreak()
    for b in breaks:  # a break after the sheet column (1-based) TITLE_COLS + b + 1
        ws.col_breaks.append(Break(id=TITLE_COLS + b + 1))


def print_setup(w: ModelWriter) -> None:
    """Every sheet prints on A4 landscape: the title and column header rows and the label
    columns repeat on each page, the header names the project and the sheet, the footer
    gives the page number, and the print area is the used range. The standard tables are
    laid out by ``table_pages``; every other sheet is fitted to the page width."""
    name = w.spec.project.name
    for ws in w.book.wb.worksheets:
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        titles = 1 if ws.title == "Inputs" else 5
        if ws.max_row > titles:
            ws.print_title_rows = f"1:{titles}"
        if ws.title not in ("Cover", "Control", "Inputs") and ws.max_column > TITLE_COLS:
            ws.print_title_cols = f"A:{col(TITLE_COLS)}"
        ws.print_area = f"A1:{col(max(ws.max_column, 1))}{max(ws.max_row, 1)}"
        if ws.title in w.table_sheets:
            table_pages(ws)
        else:
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
            props = ws.sheet_properties
            if props.pageSetUpPr is None:
                props.pageSetUpPr = PageSetupProperties()
            props.pageSetUpPr.fitToPage = True
        head, foot = ws.oddHeader, ws.oddFooter
        assert head is not None and foot is not None  # openpyxl creates both
        head.left.text = name.replace("&", "&&")  # '&' starts a header code
        head.right.text = "&A"
        foot.left.text = "renewfin"
        foot.right.text = "第 &P 页 / 共 &N 页  Page &P of &N"
