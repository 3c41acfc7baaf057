"""The Word (.docx) and PDF reports: opened by independent readers (python-docx for the
Word file, pypdf for the PDF Chromium prints), their cover, footer page numbers, numbered
headings, repeated table header rows, the generated conclusion and the zh text."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import unicodedata
from pathlib import Path

import docx
import pytest

from renewfin.cli import main
from renewfin.cli_args import EXIT_ENVIRONMENT, EXIT_INVALID
from renewfin.report import render_docx, render_pdf
from renewfin.report.build import sections_for
from renewfin.report.fmt import Formatter
from renewfin.report.i18n import t

from .conftest import built, model_path

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _keys(name: str) -> list[str]:
    """The section ids of a bundled model's report."""
    return [k for k, _ in sections_for(built(name)[0].spec)]


def _doc(name: str) -> docx.document.Document:
    data, _ = built(name)
    return docx.Document(io.BytesIO(render_docx(data, "zh")))


def _body_text(d: docx.document.Document) -> str:
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def test_docx_cover_names_the_project_title_and_date() -> None:
    data, _ = built("old_community")
    d = _doc("old_community")
    cover = []
    for p in d.paragraphs:  # the cover is everything before the first heading
        if p.style is not None and p.style.name.startswith("Heading"):
            break
        cover.append(p.text)
    text = "\n".join(cover)
    assert data.spec.project.name in text and "财务评价报告" in text
    assert re.search(r"编制日期：\d{4}年\d{1,2}月\d{1,2}日", text)


def test_docx_cover_shows_the_spec_prepared_by_and_report_number() -> None:
    data, _ = built("urban_village")
    project = data.spec.project.model_copy(
        update={"prepared_by": "某某工程咨询有限公司", "report_number": "CW-2026-017"}
    )
    spec = data.spec.model_copy(update={"project": project})
    d = docx.Document(io.BytesIO(render_docx(dataclasses.replace(data, spec=spec), "zh")))
    head = "\n".join(p.text for p in d.paragraphs[:30])
    assert "编制单位：某某工程咨询有限公司" in head and "报告编号：CW-2026-017" in head


def test_docx_footer_has_a_page_field_and_headings_are_numbered() -> None:
    d = _doc("old_community")
    body = d.sections[-1]
    instr = [el.text for el in body.footer._element.iter(f"{W}instrText")]
    assert any(i.strip() == "PAGE" for i in instr)
    assert not list(d.sections[0].footer._element.iter(f"{W}instrText")), "no number on cover"
    h1 = [p.text for p in d.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    titles = [t("s." + key, "zh") for key in _keys("old_community")]
    assert h1[1:] == [f"{i} {title}" for i, title in enumerate(titles, 1)]
    h2 = [p.text for p in d.paragraphs if p.style is not None and p.style.name == "Heading 2"]
    assert h2 and all(re.match(r"\d+\.\d+ \S", h) for h in h2)


def test_docx_tables_repeat_their_header_row_and_charts_are_images() -> None:
    _, rendered = built("old_community")
    d = _doc("old_community")
    headed = [tb for tb in d.tables if tb.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None]
    assert len(headed) >= 10
    images = d.inline_shapes
    assert len(images) == len(rendered.charts) > 0


def test_docx_conclusion_quotes_the_computed_bond_coverage() -> None:
    for name in ("old_community", "urban_village"):
        data, _ = built(name)
        d = _doc(name)
        texts = [p.text for p in d.paragraphs]
        start = texts.index(f"{len(_keys(name)) - 1} {t('s.conclusion', 'zh')}")
        conclusion = "\n".join(texts[start : start + 20])
        value = float(data.result.values["bond_coverage"][0])
        floor = data.spec.funding.covenants.min_bond_coverage
        shown = Formatter("zh", data.result.ledger.money_unit).text(value, "ratio")
        assert f"专项债本息覆盖倍数为 {shown}" in conclusion
        verdict = "可以实现收益与融资自求平衡" if value >= floor else "尚不能实现收益与融资自求平衡"
        assert verdict in conclusion
        dscr = float(data.result.values["min_loan_dscr"][0])
        ok = dscr >= data.spec.funding.covenants.min_dscr
        assert ("满足契约要求" if ok else "低于契约要求") in conclusion


DEV_TOKENS = re.compile(r"\b(cn_default|none|nan|inf|True|False|None)\b|∞|--[a-z]")


def test_docx_zh_conclusion_has_no_developer_tokens() -> None:
    d = _doc("old_factory_park")
    texts = [p.text for p in d.paragraphs]
    n = len(_keys("old_factory_park"))
    start = texts.index(f"{n - 1} {t('s.conclusion', 'zh')}")
    end = texts.index(f"{n} {t('s.appendix', 'zh')}")
    body = "\n".join(texts[start:end])
    assert body.strip() and not DEV_TOKENS.search(body), DEV_TOKENS.search(body)


needs_chromium = pytest.mark.skipif(
    not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
    reason="headless Chromium not installed",
)


@needs_chromium
def test_pdf_names_the_project_and_has_pages() -> None:
    pypdf = pytest.importorskip("pypdf")
    data, _ = built("old_community")
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(data, "zh")))
    assert len(reader.pages) > 1
    first = unicodedata.normalize("NFKC", reader.pages[0].extract_text())
    assert data.spec.project.name in first
    later = unicodedata.normalize("NFKC", reader.pages[2].extract_text())
    assert re.search(r"第 3 \S", later), "page number in the bottom margin"


def test_cli_writes_docx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.docx"
    assert main(["report", str(model_path("urban_village")), "-o", str(out)]) == 0
    assert "report written to" in capsys.readouterr().out
    assert docx.Document(str(out)).paragraphs
    assert [p.name for p in tmp_path.iterdir()] == ["r.docx"]  # no temporary left


@pytest.mark.parametrize("suffix", [".odt", ".doc", ""])
def test_cli_refuses_an_unknown_suffix(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["report", str(model_path("urban_village")), "-o", str(tmp_path / f"r{suffix}")])
    assert info.value.code == EXIT_INVALID
    assert ".html or .docx or .pdf here" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_cli_pdf_without_chromium_is_an_environment_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RENEWFIN_CHROMIUM", os.fspath(tmp_path / "no-such-chromium"))
    out = tmp_path / "r.pdf"
    assert main(["report", str(model_path("urban_village")), "-o", str(out)]) == EXIT_ENVIRONMENT
    err = capsys.readouterr().err
    assert "Chromium" in err and "install" in err
    assert not out.exists()


ACRONYMS = {"DSCR", "LLCR", "PLCR", "ICR", "IRR", "NPV", "MOIC", "LPR", "REITs", "REIT", "PERT"}
"""Latin words a Chinese evaluation report uses as they are (ratios, rates, instruments)."""

UNITS = {"kWh", "m²", "m2"}


def _developer_words(text: str) -> set[str]:
    """Latin words of ``text`` that are neither acronyms nor units (spec paths, enum codes,
    English sentences, key=value parameters)."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*(?:\[|=)?", text))
    return {w for w in words if w not in ACRONYMS | UNITS}


@pytest.mark.parametrize("name", ["old_community", "industrial_park_reit"])
def test_docx_zh_sections_written_by_renewfin_carry_no_developer_tokens(name: str) -> None:
    """The sections whose every word renewfin writes (not the user's free text, such as a
    scenario's basis notes or names) are Chinese: no spec paths, enum codes, English field
    docs, ``key=value`` distributions, ``∞`` or CLI hints."""
    data, _ = built(name)
    d = _doc(name)
    text = _body_text(d)
    assert "∞" not in text and "--scenario" not in text and "贷款贷款" not in text
    assert "type=" not in text and "cn_default" not in text
    # the inputs table of the basis section: Chinese labels only
    basis = next(tb for tb in d.tables if tb.rows[0].cells[0].text == t("col.input", "zh"))
    labels = " ".join(row.cells[0].text for row in basis.rows[1:])
    user = {w for r in data.spec.revenues for w in re.findall(r"[A-Za-z_]+", r.name)}
    assert not (_developer_words(labels) - user), _developer_words(labels) - user
    assert len(basis.rows[0].cells) == 3, "no English documentation column in zh"


def test_docx_tables_and_charts_have_numbered_captions() -> None:
    """A 表 n caption (Caption style, SEQ field) above every table, a 图 n caption under every
    chart, numbered in order."""
    _, rendered = built("old_community")
    d = _doc("old_community")
    caps = [p for p in d.paragraphs if p.style is not None and p.style.name == "Caption"]
    tables = [p.text for p in caps if p.text.startswith("表 ")]
    parts = [p.text for p in caps if p.text.startswith("续表 ")]  # a wide table's further parts
    figures = [p.text for p in caps if p.text.startswith("图 ")]
    assert [int(x.split()[1]) for x in tables] == list(range(1, len(d.tables) - len(parts) + 1))
    assert parts and {int(x.split()[1]) for x in parts} <= set(range(1, len(tables) + 1))
    assert max(len(tb.columns) for tb in d.tables) <= 9  # no column too narrow for a figure
    assert [int(x.split()[1]) for x in figures] == list(range(1, len(rendered.charts) + 1))
    seq = [el.text.strip() for p in caps for el in p._p.iter(f"{W}instrText")]
    assert seq.count("SEQ 表 \\* ARABIC") == len(tables) and seq.count("SEQ 图 \\* ARABIC")
    assert tables[0] == f"表 1 {t('s.overview', 'zh')}"  # the heading it sits under


def _template(path: Path) -> Path:
    """A consultancy's template: its own Heading 1 (楷体, 18 pt), 3 cm margins, a body
    paragraph that must not survive, and no Caption style."""
    from docx.shared import Cm, Pt

    doc = docx.Document()
    doc.styles["Heading 1"].font.size = Pt(18)
    doc.styles["Heading 1"].font.name = "KaiTi"
    doc.sections[0].left_margin = Cm(3)
    doc.add_paragraph("TEMPLATE BODY TEXT")
    caption = doc.styles["Caption"].element
    caption.getparent().remove(caption)
    doc.save(str(path))
    return path


def test_template_supplies_the_styles_and_page_setup(tmp_path: Path) -> None:
    from docx.shared import Pt

    from renewfin.report.word import read_template

    data, _ = built("old_community")
    blob = render_docx(data, "zh", read_template(_template(tmp_path / "house.docx")))
    d = docx.Document(io.BytesIO(blob))
    assert d.styles["Heading 1"].font.size == Pt(18)
    assert d.styles["Heading 1"].font.name == "KaiTi"
    assert round(d.sections[-1].left_margin.cm, 2) == 3.0
    texts = [p.text for p in d.paragraphs]
    assert "TEMPLATE BODY TEXT" not in texts
    assert any(p.style is not None and p.style.name == "Caption" for p in d.paragraphs)
    assert f"1 {t('s.overview', 'zh')}" in texts


def test_cli_template_and_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = _template(tmp_path / "house.docx")
    out = tmp_path / "report.out"
    argv = ["report", str(model_path("urban_village")), "-o", str(out), "--format", "docx"]
    assert main([*argv, "--template", str(template)]) == 0
    from docx.shared import Pt

    assert docx.Document(str(out)).styles["Heading 1"].font.size == Pt(18)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["house.docx", "report.out"]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["-o", "r.html", "--format", "pdf"], "--format pdf but the output"),
        (["-o", "r.html", "--template", "t.docx"], "--template supplies Word styles"),
        (["-o", "r.docx", "--format", "odt"], "invalid choice: 'odt'"),
    ],
)
def test_cli_refuses_a_format_in_conflict(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [str(tmp_path / a) if a.startswith(("r.", "t.")) else a for a in extra]
    with pytest.raises(SystemExit) as info:
        main(["report", str(model_path("urban_village")), *argv])
    assert info.value.code == EXIT_INVALID
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04broken", None])
def test_cli_refuses_a_bad_template_naming_it(
    content: bytes | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "bad.docx"
    if content is not None:
        template.write_bytes(content)
    out = tmp_path / "r.docx"
    argv = ["report", str(model_path("urban_village")), "-o", str(out), "--template"]
    assert main([*argv, str(template)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "bad.docx" in err and "Word template" in err and "Traceback" not in err
    assert not out.exists()
