"""Checks on an xlsx file before openpyxl parses it: file size, number of parts, and each
part's uncompressed size and compression ratio (limits in ``renewfin.spec.limits``).

A zip bomb is refused from the archive's directory alone, before anything is inflated;
the zip reader never returns more of a part than the directory declares.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from renewfin.spec.errors import Problem, SpecError
from renewfin.spec.limits import (
    MAX_XLSX_BYTES,
    MAX_XLSX_PART_BYTES,
    MAX_XLSX_PARTS,
    MAX_XLSX_RATIO,
    MAX_XLSX_SHEET_BYTES,
    MAX_XLSX_TOTAL_BYTES,
    RATIO_FLOOR_BYTES,
    shorten,
    size_text,
)

SHEET_PREFIX = "xl/worksheets/"
"""Parts under this folder are worksheets, which openpyxl reads as a stream."""


def check_xlsx(
    path: Path, source: str, what: str = "template", kind: str = ".xlsx workbook"
) -> None:
    """Refuse an xlsx file (or another Office zip file: a .docx) that breaks a size or
    compression limit.

    Parameters
    ----------
    path : Path
        The xlsx file.
    source, what : str
        The file as the user named it and the kind of document, for the message.
    kind : str
        What the file should be, for the message when it is not a zip archive.

    Raises
    ------
    SpecError
        Naming the limit, the part and its size, when a limit is broken, or when the file
        is not a zip archive.
    """

    def fail(message: str) -> SpecError:
        return SpecError([Problem("", message, has_value=False)], source, what)

    size = path.stat().st_size
    if size > MAX_XLSX_BYTES:
        raise fail(
            f"the file is {size_text(size)}, larger than {size_text(MAX_XLSX_BYTES)}; "
            "expected a template of ordinary size"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise fail(f"not an {kind} ({shorten(str(exc))})") from None
    if len(parts) > MAX_XLSX_PARTS:
        raise fail(
            f"the archive has {len(parts):,} parts, more than {MAX_XLSX_PARTS:,}; "
            "expected an ordinary workbook"
        )
    total = 0
    for part in parts:
        problem = _part_problem(part)
        if problem:
            raise fail(problem)
        total += part.file_size
    if total > MAX_XLSX_TOTAL_BYTES:
        raise fail(
            f"the parts inflate to {size_text(total)} together, more than "
            f"{size_text(MAX_XLSX_TOTAL_BYTES)}; expected a template of ordinary size"
        )


def _part_problem(part: zipfile.ZipInfo) -> str | None:
    """What is wrong with one part's declared sizes, or None."""
    name = shorten(part.filename, 60)
    limit = MAX_XLSX_SHEET_BYTES if part.filename.startswith(SHEET_PREFIX) else MAX_XLSX_PART_BYTES
    if part.file_size > limit:
        return (
            f"part {name} inflates to {size_text(part.file_size)}, more than "
            f"{size_text(limit)}; expected a template of ordinary size"
        )
    if part.file_size > RATIO_FLOOR_BYTES:
        ratio = part.file_size / max(part.compress_size, 1)
        if ratio > MAX_XLSX_RATIO:
            return (
                f"part {name} is compressed {ratio:,.0f} : 1 ({size_text(part.compress_size)}"
                f" inflating to {size_text(part.file_size)}), more than "
                f"{MAX_XLSX_RATIO:.0f} : 1; expected an ordinary workbook, not a zip bomb"
            )
    return None
