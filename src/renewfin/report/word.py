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

Every quoted figure of the report (an element with ``data-value`` in the HTML) is a
bookmark in the Word file, named :data:`FIGURE_BOOKMARK` and the figure's ordinal among
the HTML's figures (``_Fig0``, ``_Fig1`` …; the leading underscore hides it from Word's
bookmark list), around the run that prints it: a reader finds each figure and its text.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph

from renewfin.report.charts import ChartImage
from renewfin.report.document import (
    Figure,
    Heading,
    Paragraph,
    Run,
    Runs,
    Section,
    Table,
    runs_of,
)
from renewfin.report.i18n import Lang, t
from renewfin.spec.errors import Problem, SpecError

FONT_ZH = "Noto Sans CJK SC"
"""East-Asian font named in the styles (Word substitutes its own SimSun/宋体 when absent)."""

TEXT_WIDTH_CM = 16.0
"""Text width of an A4 page with 2.5 cm margins [cm]; charts are drawn at this width."""

FIGURE_BOOKMARK = "_Fig"
"""Prefix of the bookmark around a quoted figure; the figure's ordinal follows."""

MAX_COLUMNS = 9
"""Most columns of a Word table on a portrait A4 page; a wider one continues in parts."""

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


def _style_ids(doc: DocxDocument) -> dict[str, str]:
    """Style id of each of :data:`STYLES` by name (looked up once: python-docx searches
    every style on each lookup by name)."""
    return {name: doc.styles[name].style_id for name in STYLES}


def _add(doc: DocxDocument, text: str = "", style: str = "") -> DocxParagraph:
    """A paragraph of ``text`` at the end of the body, in the style of id ``style``
    (``""``: Normal)."""
    p = doc.add_paragraph(text)
    if style:
        p._p.get_or_add_pPr().style = style
    return p


_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot hold."""


def _runs_xml(runs: Runs, r_pr: str) -> str:
    """The ``w:r`` of ``runs`` with run properties ``r_pr``, a figure's run inside its
    bookmark (:data:`FIGURE_BOOKMARK`)."""
    out = []
    for run in runs:
        body = (
            f'<w:r>{r_pr}<w:t xml:space="preserve">{escape(_BAD_XML.sub("", run.text))}</w:t></w:r>'
        )
        if run.figure is not None:
            n = run.figure
            body = (
                f'<w:bookmarkStart w:id="{n}" w:name="{FIGURE_BOOKMARK}{n}"/>{body}'
                f'<w:bookmarkEnd w:id="{n}"/>'
            )
        out.append(body)
    return "".join(out) or f"<w:r>{r_pr}<w:t></w:t></w:r>"


def _cell_xml(runs: Runs, width: int, *, head: bool, numeric: bool, bad: bool, size: int) -> str:
    """One ``w:tc`` of a report table: ``width`` [twips], font size ``size`` [half-points];
    a header cell is bold and shaded, a number right-aligned, a failed check red."""
    shade = '<w:shd w:val="clear" w:color="auto" w:fill="DCE6F0"/>' if head else ""
    jc = '<w:pPr><w:jc w:val="right"/></w:pPr>' if numeric else ""
    r_pr = ("<w:b/>" if head else "") + ('<w:color w:val="B01E1E"/>' if bad else "")
    body = _runs_xml(runs, f'<w:rPr>{r_pr}<w:sz w:val="{size}"/></w:rPr>')
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shade}</w:tcPr><w:p>{jc}'
        f"{body}</w:p></w:tc>"
    )


def _text_width(doc: DocxDocument) -> int:
    """Width between the margins of the last section [twips] (:data:`TEXT_WIDTH_CM` when the
    template leaves the page size unstated)."""
    section = doc.sections[-1]
    page, left, right = section.page_width, section.left_margin, section.right_margin
    if page is None or left is None or right is None:
        return int(Cm(TEXT_WIDTH_CM).twips)
    return int(Emu(page - left - right).twips)


def _table_xml(block: Table, style_id: str, width: int) -> str:
    """The ``w:tbl`` of ``block``: style ``style_id``, centred, ``width`` [twips] shared
    evenly by the columns, the header row (if any) repeated on every page. Written as one
    XML text (python-docx's cell-by-cell API costs seconds on the appendix tables)."""
    ncols = max([len(block.head), *(len(r) for r in block.rows)])
    col = width // ncols
    size = 16 if ncols > 8 else 18
    # a wide table's cells keep 0.07 cm each side instead of the style's 0.19 cm
    margins = (
        '<w:tblCellMar><w:left w:w="40" w:type="dxa"/><w:right w:w="40" w:type="dxa"/>'
        "</w:tblCellMar>"
        if ncols > 8
        else ""
    )
    grid = "".join(f'<w:gridCol w:w="{col}"/>' for _ in range(ncols))
    rows = []
    if block.head:
        cells = list(block.head) + [""] * (ncols - len(block.head))
        rows.append(
            '<w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>'
            + "".join(
                _cell_xml((Run(h),), col, head=True, numeric=False, bad=False, size=size)
                for h in cells
            )
            + "</w:tr>"
        )
    for row in block.rows:
        cells_xml = [
            _cell_xml(
                runs_of(c), col, head=False, numeric=c.numeric, bad=c.status == "bad", size=size
            )
            for c in row[:ncols]
        ]
        cells_xml += [_cell_xml((), col, head=False, numeric=False, bad=False, size=size)] * (
            ncols - len(cells_xml)
        )
        rows.append("<w:tr>" + "".join(cells_xml) + "</w:tr>")
    return (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{style_id}"/>'
        f'<w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/>{margins}'
        '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" '
        'w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


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


def _cover(
    doc: DocxDocument,
    cover: Sequence[tuple[str, str]],
    title: str,
    project: str,
    ids: Mapping[str, str],
) -> None:
    for _ in range(6):
        doc.add_paragraph()
    p = _add(doc, project, ids["Title"])
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = _add(doc, title, ids["Title"])
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


def _toc(doc: DocxDocument, lang: Lang, ids: Mapping[str, str]) -> None:
    _add(doc, t("contents", lang), ids["Heading 1"]).paragraph_format.keep_with_next = True
    _field(doc.add_paragraph(), 'TOC \\o "1-2" \\h \\z \\u', "—")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _caption(
    doc: DocxDocument, label: str, number: int, text: str, ids: Mapping[str, str]
) -> DocxParagraph:
    """A caption paragraph ``<label> <n> <text>``, numbered by a ``SEQ <label>`` field
    (whose shown value is ``number``, the count so far)."""
    p = _add(doc, "", ids["Caption"])
    p.add_run(f"{label} ")
    _field(p, f"SEQ {label} \\* ARABIC", str(number))
    p.add_run(f" {text}" if text else "")
    return p


def _parts(block: Table) -> list[Table]:
    """``block`` cut into tables of at most :data:`MAX_COLUMNS` columns, each repeating the
    leading label columns (those without a number in any row): a year-by-year table is
    printed in parts (续表) rather than in columns too narrow for its figures."""
    ncols = max([len(block.head), *(len(r) for r in block.rows)])
    if ncols <= MAX_COLUMNS:
        return [block]
    lead = 0
    while lead < 2 and not any(len(r) > lead and r[lead].numeric for r in block.rows):
        lead += 1
    step = MAX_COLUMNS - lead
    parts = []
    for start in range(lead, ncols, step):
        cols = [*range(lead), *range(start, min(start + step, ncols))]
        head = tuple(block.head[i] for i in cols if i < len(block.head))
        rows = tuple(tuple(r[i] for i in cols if i < len(r)) for r in block.rows)
        parts.append(Table(head, rows, block.unit))
    return parts


def _table(
    doc: DocxDocument, block: Table, caption: tuple[int, str], lang: Lang, ids: Mapping[str, str]
) -> None:
    """A table under its caption ``表 n`` and unit line, in parts under ``续表 n`` when it
    is too wide (:func:`_parts`)."""
    if not (block.rows or block.head):
        return
    width = _text_width(doc)
    for k, part in enumerate(_parts(block)):
        if k == 0:
            cap = _caption(doc, t("cap.table", lang), *caption, ids)
        else:
            cap = _add(doc, t("cap.table_continued", lang, n=caption[0]), ids["Caption"])
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        cap.paragraph_format.keep_with_next = True
        if block.unit:
            p = _add(doc, block.unit, ids["Caption"])
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.paragraph_format.keep_with_next = True
        after = doc.add_paragraph()  # the space under the table; the table goes before it
        after._p.addprevious(parse_xml(_table_xml(part, ids["Table Grid"], width)))


def _paragraph(doc: DocxDocument, block: Paragraph, ids: Mapping[str, str]) -> None:
    """A paragraph of the body: a list item in ``List Bullet``, a note at 9 pt; each figure
    in its bookmark."""
    p = _add(doc, "", ids["List Bullet"] if block.style == "item" else "")
    r_pr = '<w:rPr><w:sz w:val="18"/></w:rPr>' if block.style == "note" else ""
    for el in list(parse_xml(f"<w:p {nsdecls('w')}>{_runs_xml(runs_of(block), r_pr)}</w:p>")):
        p._p.append(el)


def _figure(
    doc: DocxDocument,
    block: Figure,
    charts: Mapping[str, ChartImage],
    number: int,
    lang: Lang,
    ids: Mapping[str, str],
) -> bool:
    """The chart of ``block`` with its caption ``图 number``; False when there is no chart."""
    chart = charts.get(block.chart)
    if chart is None:
        return False
    doc.add_picture(io.BytesIO(chart.png), width=Cm(TEXT_WIDTH_CM))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    cap = _caption(doc, t("cap.figure", lang), number, block.caption, ids)
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
    ids = _style_ids(doc)
    _cover(doc, cover, title, project, ids)
    _footer(doc, lang, f"{project} {title}")
    _toc(doc, lang, ids)
    tables = figures = 0
    for n, section in enumerate(sections, 1):
        _add(doc, f"{n} {section.title}", ids["Heading 1"])
        sub = 0
        caption = section.title  # a table is captioned by the heading it sits under
        for block in section.blocks:
            if isinstance(block, Heading):
                sub += 1
                caption = block.text
                _add(doc, f"{n}.{sub} {block.text}", ids["Heading 2"])
            elif isinstance(block, Paragraph):
                _paragraph(doc, block, ids)
            elif isinstance(block, Table):
                if block.rows or block.head:
                    tables += 1
                    _table(doc, block, (tables, caption), lang, ids)
            else:
                figures += int(_figure(doc, block, charts, figures + 1, lang, ids))
    out = io.BytesIO()
    doc.core_properties.title = f"{project} {title}"
    doc.core_properties.created = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    doc.save(out)
    return out.getvalue()
