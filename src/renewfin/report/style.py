"""The report's stylesheet (inlined into the HTML; screen and print)."""

from __future__ import annotations

PALETTE: dict[str, str] = {
    "blue": "#1f4e79",
    "teal": "#2a9d8f",
    "orange": "#e07b39",
    "red": "#c0392b",
    "grey": "#7f8c8d",
    "gold": "#d4a017",
    "purple": "#6c5b7b",
    "green": "#4c9a2a",
    "light": "#dfe7ef",
}
"""Colours shared by the charts and the stylesheet."""

_TEMPLATE = """
@page { size: A4; margin: 16mm 14mm 16mm 14mm; }
:root { --blue: @blue@; --teal: @teal@; --red: @red@; --grey: @grey@;
        --light: @light@; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
       "Microsoft YaHei", "PingFang SC", sans-serif; color: #1b1b1b; line-height: 1.55;
       max-width: 1100px; margin: 0 auto; padding: 24px; font-size: 14px; }
header.cover { border-bottom: 3px solid var(--blue); margin-bottom: 18px; padding-bottom: 8px; }
header.cover h1 { color: var(--blue); font-size: 26px; margin: 0 0 4px 0; }
header.cover .subtitle { font-size: 18px; margin: 0; }
header.cover .meta { color: var(--grey); font-size: 12px; margin-top: 6px; }
h2 { color: var(--blue); border-bottom: 1px solid var(--light); padding-bottom: 3px;
     margin-top: 30px; font-size: 20px; break-after: avoid; }
h3 { color: #243b53; font-size: 16px; margin: 18px 0 6px 0; break-after: avoid; }
nav.toc ol { columns: 2; font-size: 13px; }
nav.toc a { color: var(--blue); text-decoration: none; }
table { border-collapse: collapse; margin: 6px 0 12px 0; font-size: 12px; width: auto;
        break-inside: auto; }
tr { break-inside: avoid; }
th, td { border: 1px solid #c8d1da; padding: 2px 6px; vertical-align: top; }
th { background: var(--light); font-weight: 600; text-align: center; }
td.num, td.fig { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.label { white-space: nowrap; }
td.doc { font-size: 11px; color: #444; min-width: 260px; }
tr.heading td { font-weight: 600; background: #f4f7fa; }
tr.total td { font-weight: 600; }
tr.level1 td.label { padding-left: 16px; }
tr.level2 td.label { padding-left: 28px; }
tr.level3 td.label { padding-left: 40px; }
.neg { color: var(--red); }
span.fig { font-weight: 600; white-space: nowrap; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 12px 0; }
.card { border: 1px solid #c8d1da; border-left: 4px solid var(--blue); padding: 6px 10px;
        min-width: 200px; flex: 1 1 200px; break-inside: avoid; }
.card .k { font-size: 12px; color: #444; }
.card .v { font-size: 18px; }
.ok { color: var(--teal); font-weight: 600; }
.bad { color: var(--red); font-weight: 600; }
.note { color: #444; font-size: 12px; }
figure { margin: 8px 0 16px 0; break-inside: avoid; text-align: center; }
figure img { max-width: 100%; height: auto; border: 1px solid #eef1f4; }
figcaption { font-size: 12px; color: #444; margin-top: 2px; }
.table-unit { font-size: 11px; color: var(--grey); text-align: right; margin: 0; }
.block { overflow-x: auto; }
section { break-before: auto; }
section.appendix-table { break-before: page; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  table { font-size: 9px; }
  nav.toc { break-after: page; }
  header.cover { break-after: page; border: none; padding-top: 30vh; text-align: center; }
  .block { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"""


def _css() -> str:
    text = _TEMPLATE
    for name, colour in PALETTE.items():
        text = text.replace(f"@{name}@", colour)
    return text


CSS = _css()
"""Inline stylesheet: A4 pages, wide tables split in column blocks, figures kept whole."""


def print_css(page_label: str) -> str:
    """Print styles that depend on the language: the page number in the bottom margin of
    every page but the cover (``page_label`` holds ``{page}``, e.g. ``第 {page} 页``), and
    numbered section and sub-section headings."""
    before, _, after = page_label.partition("{page}")
    content = f'"{before}" counter(page) "{after}"'
    return (
        f"@page {{ @bottom-center {{ content: {content}; font-size: 9pt; color: #555; }} }}\n"
        "@page :first { @bottom-center { content: none; } }\n"
        "body { counter-reset: sec; }\n"
        "section[data-section] { counter-reset: sub; }\n"
        "section[data-section] > h2::before { counter-increment: sec; "
        'content: counter(sec) " "; }\n'
        "section[data-section] > h3::before { counter-increment: sub; "
        'content: counter(sec) "." counter(sub) " "; }\n'
    )
