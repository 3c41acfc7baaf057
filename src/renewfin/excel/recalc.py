"""Recalculate a workbook with LibreOffice headless, safely.

Known pitfalls (measured): LibreOffice keeps cached values unless recalculation on load is
forced, so each call uses a private, throw-away user profile whose registry sets
"recalculate on load: always"; ``soffice`` exits 0 even when a conversion failed, so the
output file's existence is checked; a shared profile makes parallel calls drop files
silently, hence one profile per call. Several workbooks can share one call
(``recalculate_many``): starting LibreOffice is most of the cost of a small workbook.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
 </item>
 <item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
 </item>
</oor:items>
"""
"""Registry of the throw-away profile: 0 = always recalculate on load."""


class RecalcError(RuntimeError):
    """LibreOffice could not recalculate the workbook."""


def soffice() -> str | None:
    """Path of the LibreOffice binary, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(
    src: str | os.PathLike[str], dst: str | os.PathLike[str], timeout: float = 300.0
) -> Path:
    """Open ``src`` in LibreOffice headless, recalculate every formula, save as xlsx at
    ``dst``; return ``dst``. Raises ``RecalcError`` when the output is missing."""
    return recalculate_many([(src, dst)], timeout=timeout)[0]


def recalculate_many(
    pairs: Sequence[tuple[str | os.PathLike[str], str | os.PathLike[str]]],
    timeout: float | None = None,
) -> list[Path]:
    """Recalculate several workbooks in one LibreOffice process: each ``(src, dst)`` pair
    is opened, recalculated and saved as xlsx at ``dst``; return the ``dst`` paths in order.

    One process start costs about as much as three small workbooks' recalculation, so a
    batch is several times faster than a call per workbook. The sources are copied under
    numbered names first, so that two sources with the same file name cannot overwrite each
    other's output. ``timeout`` [s] bounds the whole batch (default 300 s plus 30 s per
    workbook). Raises ``RecalcError`` naming every source whose output is missing (the
    outputs that were produced are still saved at their ``dst``).
    """
    exe = soffice()
    if exe is None:
        raise RecalcError("LibreOffice (soffice) is not installed")
    items = [(Path(s).resolve(), Path(d).resolve()) for s, d in pairs]
    if not items:
        return []
    limit = 300.0 + 30.0 * len(items) if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="renewfin-lo-") as tmp:
        profile = Path(tmp) / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(REGISTRY, encoding="utf-8")
        indir, outdir = Path(tmp) / "in", Path(tmp) / "out"
        indir.mkdir()
        outdir.mkdir()
        copies = []
        for k, (src, _) in enumerate(items):
            copy = indir / f"{k:04d}{src.suffix}"
            shutil.copyfile(src, copy)
            copies.append(copy)
        cmd = [
            exe,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(outdir),
            *map(str, copies),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, check=False)
        missing = []
        for copy, (src, dst) in zip(copies, items, strict=True):
            produced = outdir / (copy.stem + ".xlsx")
            if not produced.exists():
                missing.append(str(src))
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(produced), dst)
        if missing:
            raise RecalcError(
                f"LibreOffice produced no file for {', '.join(missing)} (exit "
                f"{proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}"
            )
    return [dst for _, dst in items]
