"""The report's charts, drawn with matplotlib on the Agg canvas.

Every chart is a :class:`ChartImage`: a PNG, its title and every text it drew (so that a
test can check each character against the font). Charts are drawn on ``Figure`` objects
with an explicit ``FigureCanvasAgg`` (no pyplot, no global backend switch) inside
``matplotlib.rc_context`` (no global rcParams change), with the CJK font of
:func:`renewfin.report.fonts.cjk_font` first in the font list. A chart that would draw a
missing glyph (an empty box) raises :class:`MissingGlyphError` instead.

Colours come from :data:`renewfin.report.style.PALETTE`; money axes are in the spec's
money unit with thousands separators; ratios are multiples; percentages in %.
"""

from __future__ import annotations

import base64
import io
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from renewfin.report.fonts import FALLBACK_FAMILY, cjk_font
from renewfin.report.i18n import Lang, t
from renewfin.report.style import PALETTE

DPI = 130
"""Resolution of the PNGs (readable when printed at full text width)."""

WIDTH, HEIGHT = 9.0, 4.0
"""Default figure size [inch]."""

SERIES_COLOURS: tuple[str, ...] = (
    PALETTE["blue"],
    PALETTE["orange"],
    PALETTE["teal"],
    PALETTE["gold"],
    PALETTE["purple"],
    PALETTE["green"],
    PALETTE["red"],
    PALETTE["grey"],
    "#8c564b",
    "#17becf",
)
"""Colour cycle of the series."""


class MissingGlyphError(RuntimeError):
    """A chart's text has characters that no configured font can draw."""


@dataclass(frozen=True)
class ChartImage:
    """One drawn chart.

    Attributes
    ----------
    id : str
        Stable id (``cash_flow``, ``tornado`` …).
    title : str
        Caption.
    png : bytes
        The image.
    texts : tuple of str
        Every non-empty text drawn (titles, labels, ticks, legends, annotations).
    width, height : int
        Size in pixels.
    legend_overlaps : int
        (legend, axes) pairs whose boxes intersect in the drawn figure: 0 when every
        legend is clear of the data.
    """

    id: str
    title: str
    png: bytes
    texts: tuple[str, ...] = field(default=())
    width: int = 0
    height: int = 0
    legend_overlaps: int = 0

    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def rc_params() -> dict[str, Any]:
    """The matplotlib settings of the report's charts (used inside ``rc_context`` only).

    Raises
    ------
    renewfin.report.fonts.FontNotFoundError
        When no CJK font is installed.
    """
    from cycler import cycler

    font = cjk_font()
    return {
        "font.family": ["sans-serif"],
        "font.sans-serif": [font.family, FALLBACK_FAMILY],
        "font.size": 9.0,
        "axes.titlesize": 10.0,
        "axes.labelsize": 9.0,
        "axes.prop_cycle": cycler(color=list(SERIES_COLOURS)),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.axisbelow": True,
        "grid.alpha": 0.35,
        "grid.linewidth": 0.6,
        "legend.fontsize": 8.0,
        "legend.frameon": False,
        "axes.unicode_minus": True,
        "savefig.facecolor": "white",
        "figure.facecolor": "white",
    }


@contextmanager
def _figure(width: float = WIDTH, height: float = HEIGHT) -> Iterator[object]:
    """A Figure inside the report's rc_context (the context must stay open while drawing
    and saving: fonts are resolved when the figure is drawn)."""
    import matplotlib
    from matplotlib.figure import Figure

    rc: Any = rc_params()
    with matplotlib.rc_context(rc):
        yield Figure(figsize=(width, height), layout="constrained")


def _legend(fig: object, max_cols: int = 3) -> None:
    """One legend for the whole figure, below the plots and outside every axes (the
    constrained layout makes room for it), so that it never covers the data; entries of
    the same label in several panels are shown once."""
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure)
    entries: dict[str, Any] = {}
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    if entries:
        fig.legend(
            list(entries.values()),
            list(entries),
            loc="outside lower center",
            ncols=min(max_cols, len(entries)),
        )


def _boxes_overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Whether two pixel boxes (x0, y0, x1, y1) intersect with a positive area."""
    return min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5


def _legend_overlaps(fig: object) -> int:
    """How many (legend, axes) pairs of a drawn figure overlap: a legend over the plotting
    area of any visible axes covers data."""
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

    assert isinstance(fig, Figure)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    legends = [a for a in fig.findobj(Legend) if a.get_visible()]
    panes = [ax.get_window_extent(renderer) for ax in fig.axes if ax.get_visible()]
    return sum(
        _boxes_overlap(tuple(leg.get_window_extent(renderer).extents), tuple(p.extents))
        for leg in legends
        for p in panes
    )


def _render(fig: object, id: str, title: str) -> ChartImage:
    """Draw ``fig`` once on an Agg canvas at :data:`DPI` and encode the pixels as PNG; raise
    on missing glyphs."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    assert isinstance(fig, Figure)
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(DPI)
    buf = io.BytesIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        canvas.draw()  # one draw: the layout, then the pixels (savefig would draw twice)
        Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).save(
            buf, format="png"
        )
    missing = [
        str(w.message)
        for w in caught
        if "missing from font" in str(w.message) or "Glyph" in str(w.message)
    ]
    if missing:
        raise MissingGlyphError(f"chart {id!r}: " + "; ".join(sorted(set(missing))))
    for w in caught:  # pass on anything else
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    texts = tuple(
        dict.fromkeys(
            s for a in fig.findobj(Text) if a.get_visible() and (s := a.get_text().strip())
        )
    )
    width, height = canvas.get_width_height()
    return ChartImage(
        id,
        title,
        buf.getvalue(),
        texts,
        int(width * DPI / fig.dpi),
        int(height * DPI / fig.dpi),
        _legend_overlaps(fig),
    )


def _money_axis(ax: object, unit: str) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))  # type: ignore
    ax.set_ylabel(unit)  # type: ignore[attr-defined]


def _year_axis(ax: object, years: Sequence[str]) -> None:
    """Year labels on a categorical x axis, thinned to at most ~16 labels."""
    step = max(1, math.ceil(len(years) / 16))
    pos = list(range(0, len(years), step))
    ax.set_xticks(pos, [years[i] for i in pos], rotation=45, ha="right")  # type: ignore
    ax.set_xlim(-0.6, len(years) - 0.4)  # type: ignore[attr-defined]


def _row(df: pd.DataFrame, key: str, years: Sequence[str]) -> np.ndarray:
    if key not in df.index:
        return np.full(len(years), np.nan)
    return df.loc[key, list(years)].to_numpy(dtype=float)


def _ratio_limits(ax: object, values: Sequence[np.ndarray], floors: Sequence[float]) -> None:
    """Keep a ratio axis readable: from 0 (or below a negative value) to a little above
    the largest finite value; when that is more than eight times the typical value (the
    median or the floor), the axis stops there and the outliers run off the top."""
    finite = np.concatenate([v[np.isfinite(v)] for v in values] or [np.zeros(0)])
    floor = max(floors) if floors else 1.0
    if not finite.size:
        ax.set_ylim(0.0, max(2.0, floor * 1.5))  # type: ignore[attr-defined]
        return
    top = max(float(np.max(finite)) * 1.1, floor * 1.3)
    typical = max(float(np.median(finite)), floor, 0.5)
    top = min(top, 8.0 * typical)
    bottom = min(0.0, float(np.min(finite)) * 1.1)
    ax.set_ylim(bottom, top)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- charts


def cash_flow_chart(
    project_cf: pd.DataFrame, plan: pd.DataFrame, years: Sequence[str], unit: str, lang: Lang
) -> ChartImage:
    """Net cash flow after tax by year (bars), its cumulative value and the cumulative cash
    surplus of the financial plan (lines), from the standard tables."""
    title = t("ch.cash", lang)
    x = np.arange(len(years))
    with _figure() as fig:
        ax = fig.add_subplot()  # type: ignore[attr-defined]
        flow = _row(project_cf, "cf.project.after_tax", years)
        ax.bar(
            x,
            flow,
            color=[PALETTE["blue"] if v >= 0 else PALETTE["red"] for v in flow],
            width=0.7,
            label=t("ch.cash.after_tax", lang),
        )
        ax.plot(
            x,
            _row(project_cf, "cf.project.after_tax_cumulative", years),
            color=PALETTE["orange"],
            marker="o",
            markersize=3,
            label=t("ch.cash.cumulative", lang),
        )
        ax.plot(
            x,
            _row(plan, "cash.cumulative_surplus", years),
            color=PALETTE["teal"],
            marker="s",
            markersize=3,
            label=t("ch.cash.surplus", lang),
        )
        ax.axhline(0.0, color="black", linewidth=0.8)
        _money_axis(ax, unit)
        _year_axis(ax, years)
        _legend(fig)
        ax.set_title(title)
        return _render(fig, "cash_flow", title)


def debt_chart(
    debt: pd.DataFrame, years: Sequence[str], unit: str, lang: Lang
) -> ChartImage | None:
    """Closing balance of each loan and bond tranche at each year end (stacked areas), from
    the 借款还本付息计划表; None without debt."""
    keys = [
        k
        for k in debt.index
        if k.endswith(".closing") and k.split("[")[0] in ("loan", "bond") and "[" in k
    ]
    if not keys:
        return None
    title = t("ch.debt", lang)
    x = np.arange(len(years))
    with _figure() as fig:
        ax = fig.add_subplot()  # type: ignore[attr-defined]
        values = [np.nan_to_num(_row(debt, k, years)) for k in keys]
        labels = [k[k.index("[") + 1 : k.rindex("]")] for k in keys]
        ax.stackplot(x, values, labels=labels, colors=SERIES_COLOURS[: len(keys)], alpha=0.85)
        _money_axis(ax, unit)
        _year_axis(ax, years)
        _legend(fig)
        ax.set_title(title)
        return _render(fig, "debt", title)


def coverage_chart(
    debt: pd.DataFrame,
    bond: pd.DataFrame,
    llcr: np.ndarray,
    years: Sequence[str],
    floors: dict[str, float],
    lang: Lang,
) -> ChartImage | None:
    """Left: DSCR, loan DSCR after bond service and LLCR by year with the DSCR floor;
    right: annual special-bond and total-debt coverage with the bond floor. None when
    there is no ratio to show."""
    x = np.arange(len(years))
    left = {
        "偿债备付率 DSCR" if lang == "zh" else "DSCR": _row(debt, "dscr", years),
        ("贷款偿债备付率（专项债后）" if lang == "zh" else "Loan DSCR after bonds"): _row(
            debt, "loan_dscr", years
        ),
        "LLCR": np.asarray(llcr, dtype=float),
    }
    right = {
        ("年度专项债覆盖" if lang == "zh" else "Annual bond coverage"): _row(
            bond, "coverage.bond", years
        ),
        ("年度全部债务覆盖" if lang == "zh" else "Annual total-debt coverage"): _row(
            bond, "coverage.total", years
        ),
    }
    left = {k: v for k, v in left.items() if np.isfinite(v).any()}
    right = {k: v for k, v in right.items() if np.isfinite(v).any()}
    if not left and not right:
        return None
    title = t("ch.coverage", lang)
    with _figure(WIDTH, 3.8) as fig:
        panels = [p for p in (left, right) if p]
        axes = fig.subplots(1, len(panels), squeeze=False)[0]  # type: ignore[attr-defined]
        colours = 0
        for ax, series, floor_key, sub in zip(
            axes,
            panels,
            ["min_dscr" if p is left else "min_bond_coverage" for p in panels],
            [
                ("银行偿债指标" if lang == "zh" else "Bank ratios")
                if p is left
                else ("专项债年度覆盖" if lang == "zh" else "Annual coverage")
                for p in panels
            ],
            strict=True,
        ):
            for k, v in series.items():  # one colour per series across the panels
                colour = SERIES_COLOURS[colours % len(SERIES_COLOURS)]
                ax.plot(x, v, marker="o", markersize=3, label=k, color=colour)
                colours += 1
            floor = floors.get(floor_key)
            if floor is not None:
                ax.axhline(
                    floor,
                    color=PALETTE["red"],
                    linestyle="--" if floor_key == "min_dscr" else ":",
                    linewidth=1.0,
                    label=f"{sub}{t('ch.floor', lang)} {floor:g}"
                    if lang == "zh"
                    else f"{sub}: {t('ch.floor', lang)} {floor:g}",
                )
            _ratio_limits(ax, list(series.values()), [floor] if floor is not None else [])
            ax.set_ylabel(t("ch.ratio", lang))
            _year_axis(ax, years)
            ax.set_title(sub)
        _legend(fig)
        fig.suptitle(title)  # type: ignore[attr-defined]
        return _render(fig, "coverage", title)


def revenue_chart(
    revenue: pd.DataFrame, years: Sequence[str], unit: str, lang: Lang
) -> ChartImage | None:
    """Revenue by stream and year (stacked bars), from the 营业收入 table; None without
    revenue streams."""
    keys = [k for k in revenue.index if k.startswith("revenue.stream[")]
    if not keys:
        return None
    title = t("ch.revenue", lang)
    x = np.arange(len(years))
    with _figure() as fig:
        ax = fig.add_subplot()  # type: ignore[attr-defined]
        bottom = np.zeros(len(years))
        for i, k in enumerate(keys):
            v = np.nan_to_num(_row(revenue, k, years))
            ax.bar(
                x,
                v,
                bottom=bottom,
                width=0.7,
                label=k[len("revenue.stream[") : -1],
                color=SERIES_COLOURS[i % len(SERIES_COLOURS)],
            )
            bottom = bottom + v
        _money_axis(ax, unit)
        _year_axis(ax, years)
        _legend(fig)
        ax.set_title(title)
        return _render(fig, "revenue", title)


def _fmt_metric(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return "—"
    if unit in ("rate", "share"):
        return f"{value * 100:.2f}%"
    if unit == "money":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def tornado_chart(
    frame: pd.DataFrame,
    labels: dict[str, tuple[str, str]],
    lang: Lang,
    title: str,
    low_label: str,
    high_label: str,
) -> ChartImage | None:
    """Horizontal bars of each input's low and high outcome around the base value, one
    panel per metric (at most three). ``frame`` has the columns of
    ``renewfin.sensitivity.tornado``; ``labels`` maps metric → (label, unit). None when
    no metric has a finite base value."""
    metrics = [
        m
        for m in dict.fromkeys(frame["metric"])
        if np.isfinite(frame.loc[frame["metric"] == m, "base"].iloc[0])
    ][:3]
    if not metrics:
        return None
    rows = max(len(frame[frame["metric"] == m]) for m in metrics)
    with _figure(WIDTH, max(2.6, 0.9 + 0.32 * rows)) as fig:
        axes = fig.subplots(1, len(metrics), squeeze=False)[0]  # type: ignore
        for ax, m in zip(axes, metrics, strict=True):
            sub = frame[frame["metric"] == m].iloc[::-1]
            label, unit = labels[m]
            base = float(sub["base"].iloc[0])
            scale = 100.0 if unit in ("rate", "share") else 1.0
            y = np.arange(len(sub))
            lo = (sub["low_value"].to_numpy(float) - base) * scale
            hi = (sub["high_value"].to_numpy(float) - base) * scale
            ax.barh(
                y, np.nan_to_num(lo), left=base * scale, color=PALETTE["orange"], label=low_label
            )
            ax.barh(
                y, np.nan_to_num(hi), left=base * scale, color=PALETTE["blue"], label=high_label
            )
            ax.axvline(base * scale, color="black", linewidth=0.9)
            ax.set_yticks(y, list(sub["input"]))
            ax.set_title(
                f"{label}\n（{t('ch.base', lang)} {_fmt_metric(base, unit)}）"
                if lang == "zh"
                else f"{label}\n({t('ch.base', lang)} {_fmt_metric(base, unit)})"
            )
            if unit in ("rate", "share"):
                ax.set_xlabel("%")
            ax.grid(axis="y", visible=False)
        _legend(fig)
        fig.suptitle(title)  # type: ignore[attr-defined]
        return _render(fig, "tornado", title)


def spider_chart(
    frame: pd.DataFrame, labels: dict[str, tuple[str, str]], lang: Lang
) -> ChartImage | None:
    """Each factor's metric against its relative change (lines), one panel per metric
    with a finite base value (at most three), from ``renewfin.sensitivity.spider``."""
    metrics = []
    for m in dict.fromkeys(frame["metric"]):
        sub = frame[frame["metric"] == m]
        if np.isfinite(sub["value"].to_numpy(float)).any():
            metrics.append(m)
    metrics = metrics[:3]
    if not metrics:
        return None
    title = t("ch.spider", lang)
    with _figure(WIDTH, 3.6) as fig:
        axes = fig.subplots(1, len(metrics), squeeze=False)[0]  # type: ignore
        for ax, m in zip(axes, metrics, strict=True):
            label, unit = labels[m]
            scale = 100.0 if unit in ("rate", "share") else 1.0
            sub = frame[frame["metric"] == m]
            for i, (factor, g) in enumerate(sub.groupby("factor", sort=False)):
                ax.plot(
                    g["step"].to_numpy(float) * 100.0,
                    g["value"].to_numpy(float) * scale,
                    marker="o",
                    markersize=3,
                    label=str(factor),
                    color=SERIES_COLOURS[i % len(SERIES_COLOURS)],
                )
            ax.set_xlabel(f"{t('ch.change', lang)} (%)")
            ax.set_title(label + (" (%)" if scale == 100.0 else ""))
        _legend(fig)
        fig.suptitle(title)  # type: ignore[attr-defined]
        return _render(fig, "spider", title)


def _hist_bins(v: np.ndarray) -> dict[str, Any]:
    """Bins for a histogram of the finite values ``v`` (n,): 10 to 40 of them over the data,
    or one bar when the values agree to rounding (a sculpted loan's DSCR equals its target
    in every scenario up to 1e-16, too narrow a range for 40 distinct bin edges)."""
    lo, hi = float(v.min()), float(v.max())
    if hi - lo <= 1e-9 * max(1.0, abs(lo), abs(hi)):
        half = 0.5 * max(1.0, abs(lo)) * 1e-3
        return {"bins": 1, "range": (lo - half, hi + half)}
    return {"bins": min(40, max(10, int(np.sqrt(v.size))))}


def histogram_chart(
    values: dict[str, np.ndarray],
    base: dict[str, float],
    thresholds: dict[str, list[float]],
    labels: dict[str, tuple[str, str]],
    lang: Lang,
) -> ChartImage | None:
    """Histograms of simulated metrics (at most six panels) with the base case and the
    thresholds marked. None when no metric has a finite value."""
    keys = [k for k, v in values.items() if np.isfinite(v).any()][:6]
    if not keys:
        return None
    cols = min(3, len(keys))
    nrows = math.ceil(len(keys) / cols)
    title = t("ch.hist", lang)
    with _figure(WIDTH, 2.6 * nrows + 0.4) as fig:
        axes = fig.subplots(nrows, cols, squeeze=False).ravel()  # type: ignore
        for ax, k in zip(axes, keys, strict=False):
            label, unit = labels[k]
            scale = 100.0 if unit in ("rate", "share") else 1.0
            v = values[k][np.isfinite(values[k])] * scale
            ax.hist(v, **_hist_bins(v), color=PALETTE["blue"], alpha=0.85)
            b = base.get(k, np.nan)
            if np.isfinite(b):
                ax.axvline(b * scale, color="black", linewidth=1.0, label=t("ch.base", lang))
            for th in thresholds.get(k, []):
                ax.axvline(
                    th * scale,
                    color=PALETTE["red"],
                    linestyle="--",
                    linewidth=1.0,
                    label=f"{label}{t('ch.floor', lang)} {_fmt_metric(th, unit)}",
                )
            ax.set_title(label + (" (%)" if scale == 100.0 else ""))
            ax.set_ylabel(t("ch.scenarios", lang))
            if unit == "money":
                from matplotlib.ticker import FuncFormatter

                ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
        for ax in axes[len(keys) :]:
            ax.set_visible(False)
        _legend(fig)
        fig.suptitle(title)  # type: ignore[attr-defined]
        return _render(fig, "histograms", title)


def fan_chart(
    years: Sequence[str],
    percentiles: Sequence[int],
    bands: np.ndarray,
    base: np.ndarray,
    unit: str,
    lang: Lang,
) -> ChartImage:
    """Fan chart: shaded bands between symmetric percentiles of year-end cumulative cash
    (``bands`` (P, Y) in the order of ``percentiles``), the median and the base case."""
    title = t("ch.fan", lang)
    x = np.arange(len(years))
    p = list(percentiles)
    with _figure() as fig:
        ax = fig.add_subplot()  # type: ignore[attr-defined]
        pairs = [(lo, 100 - lo) for lo in p if lo < 50 and (100 - lo) in p]
        for i, (lo, hi) in enumerate(pairs):
            ax.fill_between(
                x,
                bands[p.index(lo)],
                bands[p.index(hi)],
                color=PALETTE["blue"],
                alpha=0.15 + 0.15 * i,
                linewidth=0,
                label=f"P{lo}–P{hi}",
            )
        if 50 in p:
            ax.plot(
                x,
                bands[p.index(50)],
                color=PALETTE["blue"],
                linewidth=1.6,
                label=f"{t('ch.median', lang)} P50",
            )
        ax.plot(
            x,
            base,
            color=PALETTE["orange"],
            linestyle="--",
            linewidth=1.3,
            label=t("ch.base", lang),
        )
        ax.axhline(0.0, color=PALETTE["red"], linewidth=0.9)
        _money_axis(ax, unit)
        _year_axis(ax, years)
        _legend(fig)
        ax.set_title(title)
        return _render(fig, "fan", title)


def funding_chart(parts: dict[str, float], unit: str, lang: Lang) -> ChartImage | None:
    """Sources of funds in construction as one horizontal stacked bar with shares."""
    parts = {k: v for k, v in parts.items() if v > 0}
    total = sum(parts.values())
    if total <= 0:
        return None
    title = t("ch.funding_mix", lang)
    with _figure(WIDTH, 2.4) as fig:
        ax = fig.add_subplot()  # type: ignore[attr-defined]
        left = 0.0
        for i, (k, v) in enumerate(parts.items()):
            ax.barh(
                [0],
                [v],
                left=left,
                color=SERIES_COLOURS[i % len(SERIES_COLOURS)],
                label=f"{k} {v / total * 100:.1f}%",
            )
            left += v
        ax.set_yticks([])
        ax.grid(False)
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
        ax.set_xlabel(unit)
        _legend(fig)
        ax.set_title(title)
        return _render(fig, "funding_mix", title)


ChartFn = Callable[..., ChartImage | None]
