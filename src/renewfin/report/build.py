"""The evaluation report (财务评价报告): one self-contained HTML file.

The document has the sections in the order evaluators read them — project overview,
evaluation basis and assumptions, investment and financing, revenue and costs, the
special-bond balance, the bank view, the investor view, sensitivity, risk (with a
scenario), checks and qualifications, and the appendix of the 13 standard tables. Styles
are inline, charts are base64 PNGs, and a Content-Security-Policy forbids loading anything
from elsewhere, so the file opens offline and prints on A4.

Every quoted figure carries ``data-value`` (the engine's value), ``data-fmt`` (how it
is printed: ``kind:decimals``) and one locator saying where the value comes from:

==================================  ===================================================
locator                             value
==================================  ===================================================
``data-metric=K``                   ``result.values[K][0]``
``data-table=T`` (on the table),    ``standard_tables(result)[T].loc[K, C]``
``data-key=K`` (row), ``data-col=C``
``data-table=T data-indicator=K``   ``standard_tables(result)[T].attrs["indicators"][K]``
``data-input=P`` [``data-index=i``] ``result.inputs.bases[P]`` (element ``i`` of a vector)
``data-spec=P``                     the spec field at path ``P``
``data-ledger=I data-col=Y``        ledger flow ``I`` summed over model year ``Y``
``data-sizing=L data-col=B``        ``result.loan_sizing().loc[L, B]``
``data-sens=evaluation|switching|   row ``R``, column ``C`` of that sensitivity frame
tornado data-row=R data-col=C``
``data-sim=K data-stat=S``          ``simulation.summary().loc[K, S]``
``data-breach=i data-stat=S``       ``simulation.breaches().iloc[i][S]``
``data-fan=pQ data-col=Y``          percentile Q of year-end cumulative cash in year Y
``data-stress=i data-col=K``        ``stress_table(spec, scenario).iloc[i][K]``
``data-calc=NAME [data-col=Y]``     a derived value: ``llcr`` (by year),
                                    ``minimum_capital_ratio``, ``sim_n``,
                                    ``sizing_iterations``, ``fund_junior_share``,
                                    ``vat_rate`` (``data-row``: the stream)
==================================  ===================================================
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from renewfin import __version__
from renewfin.report.analysis import (
    appendix_section,
    checks_section,
    risk_section,
    sensitivity_section,
)
from renewfin.report.basis import basis_section
from renewfin.report.benefits import benefits_section, has_benefits
from renewfin.report.charts import ChartImage
from renewfin.report.conclusion import conclusion_section
from renewfin.report.context import Ctx
from renewfin.report.data import ReportData, collect
from renewfin.report.document import sections_of
from renewfin.report.fmt import Formatter
from renewfin.report.html import esc
from renewfin.report.i18n import Lang, check_lang, t, unit_label
from renewfin.report.sections import (
    bank_section,
    bond_section,
    investment_section,
    investor_section,
    overview_section,
    revenue_section,
)
from renewfin.report.style import CSS, print_css
from renewfin.simulation import DEFAULT_CHUNK, Progress
from renewfin.spec import ProjectSpec, ScenarioSpec, load_scenario, load_spec
from renewfin.spec.io import atomic_write, dumps

FORMATS = (".html", ".docx", ".pdf")
"""Report formats, by file suffix."""

SECTIONS: tuple[tuple[str, Callable[[Ctx], str]], ...] = (
    ("overview", overview_section),
    ("basis", basis_section),
    ("investment", investment_section),
    ("revenue", revenue_section),
    ("bond", bond_section),
    ("bank", bank_section),
    ("investor", investor_section),
    ("sensitivity", sensitivity_section),
    ("risk", risk_section),
    ("benefits", benefits_section),
    ("checks", checks_section),
    ("conclusion", conclusion_section),
    ("appendix", appendix_section),
)
"""Section ids (``s.<id>`` titles) and their renderers, in reading order."""

OPTIONAL: dict[str, Callable[[ProjectSpec], bool]] = {"benefits": has_benefits}
"""Sections shown only when the spec gives what they report (never invented)."""


def sections_for(spec: ProjectSpec) -> tuple[tuple[str, Callable[[Ctx], str]], ...]:
    """The sections of the report of ``spec``: :data:`SECTIONS` less the optional ones it
    gives nothing for."""
    return tuple((k, fn) for k, fn in SECTIONS if k not in OPTIONAL or OPTIONAL[k](spec))


CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
"""Content-Security-Policy of the document: nothing is loaded from outside the file."""


def spec_digest(spec: ProjectSpec) -> str:
    """First 12 hex digits of the SHA-256 of the spec as JSON (identifies the inputs)."""
    return hashlib.sha256(dumps(spec, "json").encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class RenderedReport:
    """A rendered report: the HTML and the charts it embeds (by id)."""

    html: str
    charts: dict[str, ChartImage]


def render(data: ReportData, lang: Lang = "zh") -> str:
    """The report's HTML for collected data.

    Parameters
    ----------
    data : ReportData
        From :func:`renewfin.report.data.collect`.
    lang : {"zh", "en"}
        Language.

    Returns
    -------
    str
        A complete HTML document.
    """
    return render_report(data, lang).html


def render_report(data: ReportData, lang: Lang = "zh") -> RenderedReport:
    """Like :func:`render`, also returning the charts drawn (for checks of their text).

    The rendering is kept on ``data`` (``data.rendered``): the HTML, Word and PDF outputs
    of one collection share its text and charts, each chart drawn once per language."""
    lang = check_lang(lang)
    done = data.rendered.get(lang)
    if done is None:
        done = data.rendered[lang] = _render_report(data, lang)
    assert isinstance(done, RenderedReport)
    return done


def _render_report(data: ReportData, lang: Lang) -> RenderedReport:
    ctx = Ctx(data, lang, Formatter(lang, unit_label(data.result.ledger.money_unit, lang)))
    body = []
    sections = sections_for(data.spec)
    for key, fn in sections:
        body.append(
            f'<section id="s-{key}" data-section="{key}">'
            f"<h2>{esc(t('s.' + key, lang))}</h2>{fn(ctx)}</section>"
        )
    spec = data.spec
    toc = "".join(
        f'<li><a href="#s-{key}">{esc(t("s." + key, lang))}</a></li>' for key, _ in sections
    )
    name = spec.project.name
    subtitle = spec.project.name_en if lang == "en" and spec.project.name_en else name
    generated = t("generated", lang, version=__version__, digest=spec_digest(spec))
    cover = "".join(
        f'<p class="meta">{esc(label)}：{esc(value)}</p>'
        for label, value in cover_lines(data, lang)
    )
    html = (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="renewfin {esc(__version__)}">\n'
        f"<title>{esc(name)} — {esc(t('title', lang))}</title>\n"
        f"<style>{CSS}{print_css(t('cover.page', lang))}</style>\n</head>\n<body>\n"
        f'<header class="cover"><h1>{esc(t("title", lang))}</h1>'
        f'<p class="subtitle">{esc(subtitle)}</p>{cover}'
        f'<p class="meta">{esc(generated)} · '
        f"{esc(t('money_unit', lang, unit=ctx.money_unit))}</p></header>\n"
        f'<nav class="toc"><h2>{esc(t("contents", lang))}</h2><ol>{toc}</ol></nav>\n'
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
    return RenderedReport(html, dict(ctx.charts))


def cover_lines(data: ReportData, lang: Lang = "zh") -> list[tuple[str, str]]:
    """The cover's (label, value) lines: 编制单位 and 报告编号 when the spec gives them, and
    the date (the spec's ``project.report_date``, else today)."""
    p = data.spec.project
    out = []
    if p.prepared_by:
        out.append((t("cover.prepared_by", lang), p.prepared_by))
    if p.report_number:
        out.append((t("cover.report_number", lang), p.report_number))
    day = p.report_date or dt.date.today()
    date = f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()
    out.append((t("cover.date", lang), date))
    return out


def render_docx(data: ReportData, lang: Lang = "zh", template: bytes | None = None) -> bytes:
    """The report as a Word document (.docx): the HTML's sections (one document model,
    :func:`renewfin.report.document.sections_of`) with a cover, a table of contents,
    numbered headings and page numbers.

    Parameters
    ----------
    data : ReportData
        From :func:`renewfin.report.data.collect`.
    lang : {"zh", "en"}
        Language.
    template : bytes, optional
        A Word file (:func:`renewfin.report.word.read_template`) whose styles, page setup,
        headers and footers the document takes instead of renewfin's.

    Returns
    -------
    bytes
        The .docx file.
    """
    from renewfin.report.word import document

    lang = check_lang(lang)
    rendered = render_report(data, lang)
    p = data.spec.project
    project = p.name_en if lang == "en" and p.name_en else p.name
    return document(
        sections_of(rendered.html),
        rendered.charts,
        lang=lang,
        title=t("title", lang),
        project=project,
        cover=cover_lines(data, lang),
        template=template,
    )


def render_pdf(data: ReportData, lang: Lang = "zh") -> bytes:
    """The report as PDF: its HTML (:func:`render`, with print styles: cover page, page
    numbers, numbered headings) printed by headless Chromium.

    Raises
    ------
    renewfin.report.pdf.ConverterNotFoundError
        When Chromium is not installed.
    """
    from renewfin.report.pdf import to_pdf

    return to_pdf(render(data, lang))


def report_format(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The format of a report path: ``fmt`` (``html``, ``docx`` or ``pdf``) when given, else
    the suffix of ``path`` (``.html``, ``.docx`` or ``.pdf``).

    Raises
    ------
    ValueError
        For an unknown ``fmt``, a suffix that contradicts ``fmt``, or, without ``fmt``, any
        other suffix.
    """
    suffix = Path(path).suffix.lower()
    if fmt is not None:
        want = "." + fmt.lower().lstrip(".")
        if want not in FORMATS:
            raise ValueError(f"--format is html, docx or pdf; got {fmt!r}")
        if suffix in FORMATS and suffix != want:
            raise ValueError(
                f"--format {want[1:]} but the output {os.fspath(path)!r} ends in {suffix}: "
                "give one format"
            )
        return want
    if suffix not in FORMATS:
        found = f"the suffix {suffix!r}" if suffix else "no suffix"
        raise ValueError(
            f"renewfin writes {' or '.join(FORMATS)} here; {os.fspath(path)!r} has {found} "
            "(or name the format with --format)"
        )
    return suffix


def _spec(spec: ProjectSpec | str | os.PathLike[str]) -> ProjectSpec:
    return spec if isinstance(spec, ProjectSpec) else load_spec(spec)


def _scenario(scenario: ScenarioSpec | str | os.PathLike[str] | None) -> ScenarioSpec | None:
    if scenario is None or isinstance(scenario, ScenarioSpec):
        return scenario
    return load_scenario(scenario)


def build_report(
    spec: ProjectSpec | str | os.PathLike[str],
    scenario: ScenarioSpec | str | os.PathLike[str] | None = None,
    n: int | None = None,
    lang: Lang = "zh",
    *,
    seed: int | None = None,
    workers: int = 1,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
) -> str:
    """The evaluation report of a project as one self-contained HTML document.

    Parameters
    ----------
    spec : ProjectSpec or path
        The project (a spec or a YAML/JSON file).
    scenario : ScenarioSpec or path, optional
        Uncertain inputs: adds the Monte Carlo risk section, the scenario tornado and the
        stress cases.
    n : int, optional
        Scenarios simulated (default: the scenario file's ``n``).
    lang : {"zh", "en"}
        Language (Chinese by default).
    seed : int, optional
        Simulation seed (default: the scenario file's).
    workers : int
        Processes for the simulation.
    chunk_size : int
        Scenarios per engine call.
    progress : callable, optional
        Simulation progress callback.

    Returns
    -------
    str
        The HTML.

    Raises
    ------
    renewfin.SpecError
        When the spec or scenario is invalid.
    renewfin.report.fonts.FontNotFoundError
        When no CJK font is installed for the charts.
    ValueError
        When ``lang`` is not ``zh`` or ``en``.
    """
    lang = check_lang(lang)
    data = collect(
        _spec(spec),
        _scenario(scenario),
        n=n,
        seed=seed,
        workers=workers,
        chunk_size=chunk_size,
        progress=progress,
    )
    return render(data, lang)


def write_report(
    path: str | os.PathLike[str],
    spec: ProjectSpec | str | os.PathLike[str],
    scenario: ScenarioSpec | str | os.PathLike[str] | None = None,
    n: int | None = None,
    lang: Lang = "zh",
    *,
    seed: int | None = None,
    workers: int = 1,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
    fmt: str | None = None,
    template: str | os.PathLike[str] | None = None,
) -> Path:
    """Build the report and write it to ``path`` atomically (no partial file), as HTML,
    Word or PDF by ``fmt`` or else the suffix of ``path`` (:func:`build_report` for the
    other arguments); ``template`` is a Word file whose styles the .docx uses.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        When the format is unknown (:func:`report_format`), or ``template`` is given for
        another format than Word or is not a readable .docx, before anything is computed.
    renewfin.report.pdf.ConverterNotFoundError
        For ``.pdf`` without Chromium, before anything is computed.
    """
    fmt = report_format(path, fmt)
    lang = check_lang(lang)
    styles = None
    if template is not None:
        from renewfin.report.word import read_template

        if fmt != ".docx":
            raise ValueError(f"--template supplies Word styles: it needs a .docx report, not {fmt}")
        styles = read_template(template)
    if fmt == ".pdf":
        from renewfin.report.pdf import chromium

        chromium()
    data = collect(
        _spec(spec),
        _scenario(scenario),
        n=n,
        seed=seed,
        workers=workers,
        chunk_size=chunk_size,
        progress=progress,
    )
    if fmt == ".html":
        text = render(data, lang)
        atomic_write(path, lambda fh: fh.write(text))
    else:
        blob = render_docx(data, lang, styles) if fmt == ".docx" else render_pdf(data, lang)
        atomic_write(path, lambda fh: fh.write(blob), "wb")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)  # a document to share, not a private temporary file
    return Path(path)
