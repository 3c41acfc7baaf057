"""The report as a Word document (.docx, python-docx).

The Word file is laid out from the document model (:mod:`renewfin.report.document`):
a cover page (title, project, 编制单位, 报告编号, date), an automatic table of contents
(a TOC field Word fills on opening, F9), numbered headings in the built-in ``Heading 1``
and ``Heading 2`` styles, tables whose header row repeats on every page, charts as
embedded PNGs at print width, captions numbered by SEQ fields (表 n above each table,
图 n under each chart), and the page number (a PAGE field) in every footer after the
cover. A consultancy restyles it by editing the built-in styles, or by giving its own
Word file as the template (:func:`read_template`): the report then takes that file's
styles and page setup, and fills its body.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from renewfin.report.charts import ChartImage
from renewfin.report.document import Figure, Heading, Paragraph, Section, Table
from renewfin.report.i18n import Lang, t
from renewfin.spec.errors import Problem, SpecError

FONT_ZH = "Noto Sans CJK SC"
"""East-Asian font named in the styles (Word substitutes its own SimSun/宋体 when absent)."""

TEXT_WIDTH_CM = 16.0
"""Text width of an A4 page with 2.5 cm margins [cm]; charts are drawn at this width."""

STYLES = ("Normal", "Title", "Heading 1", "Heading 2", "Caption", "List Bullet", "Table Grid")
"""The Word styles the report uses; a template lacking one gets python-docx's own."""

# ----------------------------------------------------------------------- template


def read_template(path: str | os.PathLike[str]) -> bytes:
    """A Word file to take the report's styles from, checked as hostile input: the size and
    compression limits of an Office file (``renewfin.excel.archive``), then opened by
    python-docx.

    Raises
    ------
    renewfin.SpecError
        Naming the file, when it is missing, too large, a zip bomb, or not a .docx.
    """
    from renewfin.excel.archive import check_xlsx

    source = os.fspath(path)
    p = Path(path)

    def fail(message: str) -> SpecError:
        return SpecError([Problem("", message, has_value=False)], source, "Word template")

    if not p.is_file():
        raise fail("no such file (--template names the .docx whose styles the report uses)")
    check_xlsx(p, source, "Word template", ".docx Word file")
    blob = p.read_bytes()
    try:
        new_document(io.BytesIO(blob))
    except Exception as exc:  # python-docx raises several kinds on a foreign package
        raise fail(f"not a .docx Word document ({type(exc).__name__}: {exc})"[:300]) from None
    return blob


def _from_template(blob: bytes) -> DocxDocument:
    """The template's document with its body emptied (its last section's page setup, headers
    and footers kept) and any style the report uses added when missing."""
    doc = new_document(io.BytesIO(blob))
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    names = {s.name for s in doc.styles}
    default = new_document()
    for name in STYLES:
        if name not in names:
            doc.styles.element.append(copy.deepcopy(default.styles[name].element))
    return doc


# ----------------------------------------------------------------------- fields


def _field(paragraph: DocxParagraph, instruction: str, placeholder: str = "") -> None:
    """Append a complex field (``PAGE``, ``TOC …``) to ``paragraph``."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    run._r.append(begin)
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    run = paragraph.add_run()
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run._r.append(sep)
    paragraph.add_run(placeholder)
    run = paragraph.add_run()
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


def _repeat_header(table: DocxTable) -> None:
    """Mark the first row of ``table`` as a header row repeated on every page."""
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _shade(cell_xml: Any, fill: str) -> None:
    tc_pr = cell_xml.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


# ----------------------------------------------------------------------- styles


def _styles(doc: DocxDocument) -> None:
    """Fonts (Latin and East-Asian) and sizes of the styles used."""
    for name, size, bold in (
        ("Normal", 10.5, False),
        ("Title", 26, True),
        ("Heading 1", 16, True),
        ("Heading 2", 13, True),
        ("Caption", 9, False),
    ):
        style = doc.styles[name]
        font = style.font
        font.size = Pt(size)
        font.bold = bold
        font.name = "Noto Sans"
        if name != "Normal":
            font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
        r_pr = style.element.get_or_add_rPr()
        fonts = r_pr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            r_pr.append(fonts)
        fonts.set(qn("w:eastAsia"), FONT_ZH)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.5))
    section.top_margin = section.bottom_margin = Cm(2.5)


# ----------------------------------------------------------------------- parts


def _cover(doc: DocxDocument, cover: Sequence[tuple[str, str]], title: str, project: str) -> None:
    for _ in range(6):
        doc.add_paragraph()
    p = doc.add_paragraph(project, style="Title")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph(title, style="Title")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for _ in range(8):
        doc.add_paragraph()
    for label, value in cover:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(f"{label}：").bold = True
        p.add_run(value)
        p.paragraph_format.space_after = Pt(6)


def _footer(doc: DocxDocument, lang: Lang, header: str) -> None:
    """Page numbers in the footer and the report title in the header of the body section
    (the cover section has neither)."""
    body = doc.add_section(WD_SECTION.NEW_PAGE)
    body.footer.is_linked_to_previous = False
    body.header.is_linked_to_previous = False
    p = body.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, _, after = t("cover.page", lang, page="\0").partition("\0")
    p.add_run(before)
    _field(p, "PAGE", "1")
    p.add_run(after)
    h = body.header.paragraphs[0]
    h.text = header
    h.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    # the cover: no header, no footer, and page numbers of the body start at 1
    doc.sections[0].different_first_page_header_footer = True
    pg = OxmlElement("w:pgNumType")
    pg.set(qn("w:start"), "1")
    after_it = body._sectPr.find(qn("w:cols"))  # the schema orders pgNumType before cols
    if after_it is not None:
        after_it.addprevious(pg)
    else:
        body._sectPr.append(pg)


def _toc(doc: DocxDocument, lang: Lang) -> None:
    doc.add_paragraph(t("contents", lang), style="Heading 1").paragraph_format.keep_with_next = True
    _field(doc.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u', "—")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _caption(doc: DocxDocument, label: str, number: int, text: str) -> DocxParagraph:
    """A caption paragraph ``<label> <n> <text>``, numbered by a ``SEQ <label>`` field
    (whose shown value is ``number``, the count so far)."""
    p = doc.add_paragraph(style="Caption")
    p.add_run(f"{label} ")
    _field(p, f"SEQ {label} \\* ARABIC", str(number))
    p.add_run(f" {text}" if text else "")
    return p


def _table(doc: DocxDocument, block: Table, caption: tuple[int, str], lang: Lang) -> None:
    cap = _caption(doc, t("cap.table", lang), *caption)
    cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cap.paragraph_format.keep_with_next = True
    if block.unit:
        p = doc.add_paragraph(block.unit, style="Caption")
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.keep_with_next = True
    ncols = max([len(block.head), *(len(r) for r in block.rows)])
    nrows = len(block.rows) + (1 if block.head else 0)
    if ncols == 0 or nrows == 0:
        return
    table = doc.add_table(rows=nrows, cols=ncols)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    small = Pt(8 if ncols > 8 else 9)
    offset = 0
    if block.head:
        for j, text in enumerate(block.head):
            cell = table.rows[0].cells[j]
            run = cell.paragraphs[0].add_run(text)
            run.bold, run.font.size = True, small
            _shade(cell._tc, "DCE6F0")
        _repeat_header(table)
        offset = 1
    for i, row in enumerate(block.rows):
        cells = table.rows[i + offset].cells
        for j, c in enumerate(row[:ncols]):
            para = cells[j].paragraphs[0]
            run = para.add_run(c.text)
            run.font.size = small
            if c.status == "bad":
                run.font.color.rgb = RGBColor(0xB0, 0x1E, 0x1E)
            if c.numeric:
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph()


def _figure(
    doc: DocxDocument, block: Figure, charts: Mapping[str, ChartImage], number: int, lang: Lang
) -> bool:
    """The chart of ``block`` with its caption ``图 number``; False when there is no chart."""
    chart = charts.get(block.chart)
    if chart is None:
        return False
    doc.add_picture(io.BytesIO(chart.png), width=Cm(TEXT_WIDTH_CM))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    cap = _caption(doc, t("cap.figure", lang), number, block.caption)
    cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return True


def document(
    sections: Sequence[Section],
    charts: Mapping[str, ChartImage],
    *,
    lang: Lang,
    title: str,
    project: str,
    cover: Sequence[tuple[str, str]],
    template: bytes | None = None,
) -> bytes:
    """The report as a .docx file.

    Parameters
    ----------
    sections : sequence of Section
        The document model (:func:`renewfin.report.document.sections_of`).
    charts : mapping of str → ChartImage
        The charts the figures name.
    lang : {"zh", "en"}
        Language of the fixed texts (contents, page numbers).
    title, project : str
        Report title and project name (cover and page header).
    cover : sequence of (label, value)
        Lines under the title on the cover (编制单位, 报告编号, 日期 …).
    template : bytes, optional
        A Word file (:func:`read_template`) whose styles and page setup are used instead
        of renewfin's.

    Returns
    -------
    bytes
        The .docx file.
    """
    if template is None:
        doc = new_document()
        _styles(doc)
    else:
        doc = _from_template(template)
    _cover(doc, cover, title, project)
    _footer(doc, lang, f"{project} {title}")
    _toc(doc, lang)
    tables = figures = 0
    for n, section in enumerate(sections, 1):
        doc.add_heading(f"{n} {section.title}", level=1)
        sub = 0
        caption = section.title  # a table is captioned by the heading it sits under
        for block in section.blocks:
            if isinstance(block, Heading):
                sub += 1
                caption = block.text
                doc.add_heading(f"{n}.{sub} {block.text}", level=2)
            elif isinstance(block, Paragraph):
                style = "List Bullet" if block.style == "item" else None
                p = doc.add_paragraph(block.text, style=style)
                if block.style == "note":
                    for run in p.runs:
                        run.font.size = Pt(9)
            elif isinstance(block, Table):
                if block.rows or block.head:
                    tables += 1
                    _table(doc, block, (tables, caption), lang)
            else:
                figures += int(_figure(doc, block, charts, figures + 1, lang))
    out = io.BytesIO()
    doc.core_properties.title = f"{project} {title}"
    doc.core_properties.created = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    doc.save(out)
    return out.getvalue()
