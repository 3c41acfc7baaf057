"""Recalculate a workbook with LibreOffice headless, safely.

Known pitfalls (measured): LibreOffice keeps cached values unless recalculation on load is
forced, so each call uses a private, throw-away user profile whose registry sets
"recalculate on load: always"; ``soffice`` exits 0 even when a conversion failed, so the
output file's existence is checked; a shared profile makes parallel calls drop files
silently, hence one profile per call.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
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
    exe = soffice()
    if exe is None:
        raise RecalcError("LibreOffice (soffice) is not installed")
    src, dst = Path(src).resolve(), Path(dst).resolve()
    with tempfile.TemporaryDirectory(prefix="renewfin-lo-") as tmp:
        profile = Path(tmp) / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(REGISTRY, encoding="utf-8")
        outdir = Path(tmp) / "out"
        outdir.mkdir()
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
            str(src),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        produced = outdir / (src.stem + ".xlsx")
        if not produced.exists():
            raise RecalcError(
                f"LibreOffice produced no file (exit {proc.returncode}): "
                f"{proc.stderr.strip() or proc.stdout.strip()}"
            )
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(produced), dst)
    return dst
