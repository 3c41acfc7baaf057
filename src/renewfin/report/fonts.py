"""The CJK font the report's charts draw with.

Chinese labels need a font that has the glyphs: without one matplotlib draws empty boxes
(豆腐块, "tofu") and only warns. The report therefore selects Noto Sans CJK (Debian
package ``fonts-noto-cjk``) explicitly and refuses to draw charts when it is missing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

PREFERRED_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Noto Sans CJK HK",
    "Noto Sans CJK KR",
)
"""CJK families tried in order (Simplified Chinese glyph forms first)."""

FALLBACK_FAMILY = "DejaVu Sans"
"""matplotlib's bundled font, used per glyph for characters the CJK font lacks."""

INSTALL_HINT = (
    "no CJK font found for the report's charts: install Noto Sans CJK "
    "(Debian/Ubuntu: apt-get install fonts-noto-cjk) so that Chinese labels do not render "
    "as empty boxes"
)


class FontNotFoundError(RuntimeError):
    """No CJK font is installed, so Chinese chart text cannot be drawn."""


@dataclass(frozen=True)
class CJKFont:
    """A CJK font face known to matplotlib's font manager.

    Attributes
    ----------
    family : str
        Family name as matplotlib knows it (``Noto Sans CJK SC``).
    path : str
        Font file (a ``.ttc`` collection or ``.otf``).
    index : int
        Face index inside a collection (0 for a single-face file).
    """

    family: str
    path: str
    index: int

    def charmap(self) -> frozenset[int]:
        """Code points the face maps to a glyph."""
        return _charmap(self.path, self.index)

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` (other than whitespace) that the face has no glyph for,
        each once, in order of first appearance."""
        cmap = self.charmap()
        out: dict[str, None] = {}
        for ch in text:
            if not ch.isspace() and ord(ch) not in cmap:
                out[ch] = None
        return list(out)


@functools.cache
def _charmap(path: str, index: int) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path, face_index=index).get_charmap())


def _entries() -> list[tuple[str, str, int, float]]:
    """(family, file, face index, weight) of every font matplotlib's manager lists."""
    from matplotlib import font_manager

    return [
        (
            f.name,
            f.fname,
            int(getattr(f, "index", 0) or 0),
            float(f.weight) if isinstance(f.weight, int | float) else 400.0,
        )
        for f in font_manager.fontManager.ttflist
    ]


def _register_system_cjk_fonts() -> None:
    """Add CJK font files installed after matplotlib built its font cache (its cache does
    not notice fonts installed later). Only adds entries to the font list; changes no
    settings."""
    from matplotlib import font_manager

    known = {Path(f.fname) for f in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts(fontext="ttf"):
        p = Path(path)
        if "CJK" in p.name and p not in known:
            try:
                font_manager.fontManager.addfont(str(p))
            except (OSError, RuntimeError, ValueError):
                continue


@functools.cache
def cjk_font() -> CJKFont:
    """The CJK font the charts use: the first of :data:`PREFERRED_FAMILIES` that is
    installed, regular weight preferred.

    Raises
    ------
    FontNotFoundError
        When no Noto Sans CJK face is installed.
    """
    found = _find()
    if found is None:
        _register_system_cjk_fonts()
        found = _find()
    if found is None:
        raise FontNotFoundError(INSTALL_HINT)
    return found


def _find() -> CJKFont | None:
    entries = _entries()
    for family in PREFERRED_FAMILIES:
        faces = [e for e in entries if e[0] == family and Path(e[1]).exists()]
        if faces:
            faces.sort(key=lambda e: abs(e[3] - 400.0))
            name, path, index, _ = faces[0]
            return CJKFont(name, path, index)
    return None
