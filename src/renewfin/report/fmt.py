"""Numbers as the report prints them, and the markup that lets a test check each one.

Every figure the report quotes is an element carrying ``data-value`` (the engine's value,
``repr`` of the float), ``data-fmt`` (``kind:decimals``, how the text was formatted) and a
locator attribute saying where the value comes from (``data-metric``, ``data-table`` …;
see :mod:`renewfin.report.build`). The visible text is the value formatted with thousands
separators and the money unit; shares and rates as percentages.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, Literal

from renewfin.report.i18n import Lang

Kind = Literal["money", "rate", "share", "ratio", "years", "flag", "number"]
"""How a value is shown: money (thousands separators, money unit), rate and share
(percent), ratio (a multiple), years, flag (yes/no) or a plain number."""

DEFAULT_DECIMALS: dict[str, int] = {
    "money": 2,
    "rate": 2,
    "share": 2,
    "ratio": 2,
    "years": 2,
    "flag": 0,
    "number": 2,
}
"""Decimals shown by kind (percent kinds: decimals of the percentage)."""

MISSING = "—"
"""Text of an undefined (NaN) value."""


def kind_of(unit: str) -> Kind:
    """The display kind of a metric unit (``renewfin.metrics.MetricInfo.unit``)."""
    if unit in ("money", "rate", "share", "ratio", "years", "flag"):
        return unit  # type: ignore[return-value]
    return "number"


def attrs(**values: object) -> str:
    """HTML attributes ``data-<name>="value"`` (underscores become hyphens), escaped."""
    return "".join(
        f' data-{k.replace("_", "-")}="{html.escape(str(v), quote=True)}"'
        for k, v in values.items()
        if v is not None
    )


INFINITE: dict[str, tuple[str, str]] = {
    "zh": ("无上限", "负无穷"),
    "en": ("unbounded", "−unbounded"),
}
"""How an infinite value is printed (a coverage with nothing to cover, a bound that does
not bind), positive then negative."""


@dataclass(frozen=True)
class Formatter:
    """Formats values for one report.

    Attributes
    ----------
    lang : {"zh", "en"}
        Report language.
    money_unit : str
        The spec's money unit (元, 万元, 亿元).
    """

    lang: Lang
    money_unit: str

    def text(
        self, value: float | None, kind: Kind, decimals: int | None = None, unit: bool = True
    ) -> str:
        """``value`` as text: ``12,345.68 万元``, ``8.07%``, ``1.35``, ``8.50 年``, ``是``.

        NaN and None give :data:`MISSING`; infinity :data:`INFINITE` (无上限). ``unit``
        False leaves the money and years unit off (table cells, whose header names the unit).
        """
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return MISSING
        v = float(value)
        d = DEFAULT_DECIMALS[kind] if decimals is None else decimals
        if math.isinf(v):
            return INFINITE[self.lang][v < 0]
        if kind == "flag":
            return (
                ("是" if v > 0.5 else "否") if self.lang == "zh" else ("yes" if v > 0.5 else "no")
            )
        if kind in ("rate", "share"):
            return f"{v * 100:,.{d}f}%"
        body = f"{v:,.{d}f}"
        if body.startswith("-") and float(body.replace(",", "")) == 0:
            body = body[1:]  # no "-0.00"
        if unit and kind == "money":
            return f"{body} {self.money_unit}"
        if unit and kind == "years":
            return f"{body} {'年' if self.lang == 'zh' else 'years'}"
        return body

    def fig(
        self,
        value: float | None,
        kind: Kind,
        *,
        tag: str = "span",
        decimals: int | None = None,
        unit: bool = True,
        cls: str = "fig",
        **locator: object,
    ) -> str:
        """A quoted figure: ``<span class="fig" data-value=… data-fmt=… data-metric=…>``.

        Parameters
        ----------
        value : float
            The engine's value.
        kind : str
            Display kind (:data:`Kind`).
        tag : str
            Element (``span`` in text, ``td`` in tables).
        decimals : int, optional
            Decimals shown; default by kind.
        unit : bool
            Show the money / years unit.
        cls : str
            CSS class.
        **locator
            Where the value comes from, as ``data-*`` attributes.
        """
        v = float("nan") if value is None else float(value)
        d = DEFAULT_DECIMALS[kind] if decimals is None else decimals
        neg = " neg" if v < 0 and kind in ("money", "number", "ratio") else ""
        return (
            f'<{tag} class="{cls}{neg}"{attrs(**locator)} data-value="{v!r}" '
            f'data-fmt="{kind}:{d}">{html.escape(self.text(v, kind, d, unit))}</{tag}>'
        )

    def vector(
        self, values: list[float], kind: Kind, decimals: int | None = None, **locator: Any
    ) -> str:
        """A short list of figures (a schedule, ramp-up factors), each a figure with
        ``data-index``."""
        items = [
            self.fig(v, kind, decimals=decimals, unit=False, index=k, **locator)
            for k, v in enumerate(values)
        ]
        return "[" + ", ".join(items) + "]"
