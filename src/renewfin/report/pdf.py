"""The report as PDF: the report's HTML printed by headless Chromium.

The HTML carries print styles (``renewfin.report.style.print_css``): A4 pages, the
cover on a page of its own, numbered headings and the page number in the bottom margin
of every page after the cover. Chromium runs in a private temporary directory with its
own profile, reads the HTML from a file there, and loads nothing else (the document's
Content-Security-Policy forbids it).

Chromium is found as ``RENEWFIN_CHROMIUM``, else ``chromium``, ``chromium-browser``,
``google-chrome`` or ``chrome`` on the ``PATH``; without one :class:`ConverterNotFoundError`
says what to install, and the CLI exits with status 3 (environment), before any
computation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
"""Executables tried, in order, to print the PDF."""

TIMEOUT = 300
"""Seconds allowed to print one report."""


class ConverterNotFoundError(RuntimeError):
    """No PDF converter (headless Chromium) is installed."""


class ConversionError(RuntimeError):
    """The converter ran but wrote no PDF."""


def chromium() -> str:
    """Path of the Chromium used to print PDFs.

    Raises
    ------
    ConverterNotFoundError
        When ``RENEWFIN_CHROMIUM`` names no file and none of :data:`BROWSERS` is on the
        ``PATH``.
    """
    named = os.environ.get("RENEWFIN_CHROMIUM")
    if named is not None:
        if Path(named).is_file():
            return named
        found = None
    else:
        found = next((p for p in map(shutil.which, BROWSERS) if p), None)
    if found is None:
        where = f"RENEWFIN_CHROMIUM={named!r} is not a file; " if named is not None else ""
        raise ConverterNotFoundError(
            f"writing a PDF report needs headless Chromium, which was not found ({where}"
            f"looked for {', '.join(BROWSERS)} on the PATH); install it (e.g. apt-get "
            "install chromium) or write the report as .docx or .html"
        )
    return found


def to_pdf(html: str) -> bytes:
    """An HTML document printed to PDF by headless Chromium.

    Parameters
    ----------
    html : str
        A self-contained document (styles and images inline).

    Returns
    -------
    bytes
        The PDF.

    Raises
    ------
    ConverterNotFoundError
        When Chromium is not installed.
    ConversionError
        When it writes no PDF (with the end of its output).
    """
    exe = chromium()
    with tempfile.TemporaryDirectory(prefix="renewfin-pdf-") as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(html, encoding="utf-8")
        out = Path(tmp) / "report.pdf"
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-extensions",
            "--no-first-run",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            src.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise ConversionError(f"Chromium did not print the report within {TIMEOUT} s") from None
        if not out.exists() or out.stat().st_size == 0:
            tail = (done.stderr or done.stdout or "").strip()[-500:]
            raise ConversionError(f"Chromium wrote no PDF (exit status {done.returncode}): {tail}")
        return out.read_bytes()
