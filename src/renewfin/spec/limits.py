"""Limits on the files renewfin reads: every input is hostile until parsed (DESIGN.md §7).

Every spec, scenario, district and portfolio file (YAML or JSON) and every xlsx input
template is checked against these limits *before* it is expanded in memory, and refused
with a ``SpecError`` naming the file, the limit and what was found. Refusing any of them
stays far below 200 MB of memory (tests/hostile measures it).

======================================  ===========================================
Limit                                   Value
======================================  ===========================================
YAML / JSON file size                   ``MAX_TEXT_BYTES`` = 8 MB
YAML / JSON nesting depth               ``MAX_DEPTH`` = 64 levels
YAML aliases (``*name``) per file       ``MAX_ALIASES`` = 1,000
YAML / JSON values after expansion      ``MAX_NODES`` = 200,000
YAML duplicate keys                     refused, naming the key and both lines
JSON duplicate keys                     refused, naming the key
xlsx file size                          ``MAX_XLSX_BYTES`` = 16 MB
xlsx worksheet part, uncompressed       ``MAX_XLSX_SHEET_BYTES`` = 16 MB
xlsx other part, uncompressed           ``MAX_XLSX_PART_BYTES`` = 4 MB
xlsx parts together, uncompressed       ``MAX_XLSX_TOTAL_BYTES`` = 64 MB
xlsx compression ratio of a part        ``MAX_XLSX_RATIO`` = 100 : 1 (parts > 1 MB)
xlsx parts in the archive               ``MAX_XLSX_PARTS`` = 1,000
xlsx formula cell without a value       refused, naming the sheet and cell
XML entity declarations (xlsx)          refused (defusedxml)
quoted excerpt of an offending value    ``EXCERPT_CHARS`` = 80 characters
======================================  ===========================================

Worksheets are read as a stream, so they may be larger than the other parts (shared
strings, styles, the workbook part), which the reader holds whole in memory. The
uncompressed sizes are those the archive declares; the zip reader never inflates a part
beyond its declared size (a part that would is a corrupt archive). The ratio limit
applies to parts of more than ``RATIO_FLOOR_BYTES`` uncompressed (a small part of
repeated XML compresses well and is harmless); ordinary templates have ratios below 20 : 1.
"""

from __future__ import annotations

from typing import Any

MAX_TEXT_BYTES = 8 * 1024 * 1024
"""Largest YAML or JSON file read [bytes]."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists in a YAML or JSON file [levels]."""
MAX_ALIASES = 1_000
"""Most YAML aliases (``*anchor``) in one file."""
MAX_NODES = 200_000
"""Most values (scalars, lists and mappings) in a YAML or JSON file once aliases are
expanded."""
MAX_XLSX_BYTES = 16 * 1024 * 1024
"""Largest xlsx file read [bytes]."""
MAX_XLSX_SHEET_BYTES = 16 * 1024 * 1024
"""Largest uncompressed worksheet part (``xl/worksheets/*.xml``) of an xlsx file [bytes]."""
MAX_XLSX_PART_BYTES = 4 * 1024 * 1024
"""Largest uncompressed other part (shared strings, styles …) of an xlsx file [bytes]."""
MAX_XLSX_TOTAL_BYTES = 64 * 1024 * 1024
"""Largest uncompressed size of all the parts of an xlsx archive together [bytes]."""
MAX_XLSX_RATIO = 100.0
"""Largest compression ratio (uncompressed / compressed) of one xlsx part."""
RATIO_FLOOR_BYTES = 1024 * 1024
"""Parts up to this uncompressed size are exempt from the ratio limit [bytes]."""
MAX_XLSX_PARTS = 1_000
"""Most parts (files) in an xlsx archive."""
EXCERPT_CHARS = 80
"""Longest excerpt of an offending value quoted in an error message [characters]."""


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A short, printable excerpt of ``value`` for an error message.

    Never builds the whole ``repr`` of a large container or string: strings are cut
    before ``repr`` is applied, containers are summarised item by item.

    Parameters
    ----------
    value : any
        The offending value.
    limit : int
        Longest excerpt returned [characters].

    Returns
    -------
    str
        ``repr`` of the value, cut to ``limit`` characters with ``...`` when longer.
    """
    if isinstance(value, str | bytes):
        text = repr(value[: limit + 1])
    elif isinstance(value, list | tuple | dict | set):
        text = _container(value, limit)
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _container(value: list[Any] | tuple[Any, ...] | dict[Any, Any] | set[Any], limit: int) -> str:
    """``repr`` of a container built item by item, stopping once ``limit`` is reached."""
    if isinstance(value, dict):
        parts = (f"{excerpt(k, limit)}: {excerpt(v, limit)}" for k, v in value.items())
        open_, close = "{", "}"
    else:
        parts = (excerpt(v, limit) for v in value)
        open_, close = ("(", ")") if isinstance(value, tuple) else ("[", "]")
        if isinstance(value, set):
            open_, close = "{", "}"
    out = open_
    for i, part in enumerate(parts):
        out += (", " if i else "") + part
        if len(out) > limit:
            return out
    return out + close


def shorten(text: str, limit: int = EXCERPT_CHARS, lines: bool = True) -> str:
    """Plain ``text`` cut to ``limit`` characters (``...`` marks a cut), control characters
    (and line breaks unless ``lines``) shown as escapes so that a message stays on its
    lines."""
    cut = text[: limit + 1]
    keep = "\n" if lines else ""
    shown = "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in cut)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def size_text(n: float) -> str:
    """A byte count for a message: ``1.1 GB``, ``64 MB``, ``512 bytes``."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{int(n)} bytes"
