"""What every section of the report renders from: the collected data, the language, the
number formatter and the charts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from renewfin.metrics import metric_info
from renewfin.report.charts import ChartImage
from renewfin.report.data import ReportData
from renewfin.report.fmt import Formatter, Kind, kind_of
from renewfin.report.html import esc, table, td, tr
from renewfin.report.i18n import Lang, pick, t, threshold_text, unit_label


@dataclass
class Ctx:
    """Rendering context of one report.

    Attributes
    ----------
    data : ReportData
        Everything the report quotes.
    lang : {"zh", "en"}
        Language.
    fmt : Formatter
        Number formatting.
    charts : dict of str → ChartImage
        Charts drawn so far, by id.
    """

    data: ReportData
    lang: Lang
    fmt: Formatter
    charts: dict[str, ChartImage] = field(default_factory=dict)

    def t(self, key: str, **fields: object) -> str:
        """Text ``key`` in the report's language."""
        return t(key, self.lang, **fields)

    def pick(self, zh: str, en: str) -> str:
        """``zh`` or ``en`` by language."""
        return pick(zh, en, self.lang)

    @property
    def values(self) -> dict[str, np.ndarray]:
        """The run's metrics, key → (1,)."""
        return self.data.result.values

    @property
    def money_unit(self) -> str:
        """The spec's money unit in the report's language (``万元``, ``CNY 10k``)."""
        return unit_label(self.data.result.ledger.money_unit, self.lang)

    def has(self, key: str) -> bool:
        """Whether the run has metric ``key`` with a defined value."""
        v = self.values.get(key)
        return v is not None and bool(np.isfinite(v[0]))

    def value(self, key: str) -> float:
        """Metric ``key`` of the run (NaN when absent)."""
        v = self.values.get(key)
        return float(v[0]) if v is not None else float("nan")

    def label(self, key: str) -> str:
        """Label of metric ``key``."""
        info = metric_info(key)
        return self.pick(info.zh, info.en)

    def kind(self, key: str) -> Kind:
        """Display kind of metric ``key``."""
        return kind_of(metric_info(key).unit)

    def metric(self, key: str, *, tag: str = "span", decimals: int | None = None) -> str:
        """Metric ``key`` as a figure located by ``data-metric``."""
        return self.fmt.fig(self.value(key), self.kind(key), tag=tag, decimals=decimals, metric=key)

    def spec_fig(
        self,
        path: str,
        value: float,
        kind: Kind,
        *,
        tag: str = "span",
        decimals: int | None = None,
        unit: bool = True,
    ) -> str:
        """A spec value (not an engine input) as a figure located by ``data-spec``."""
        return self.fmt.fig(value, kind, tag=tag, decimals=decimals, unit=unit, spec=path)

    def threshold_text(self, i: int) -> str:
        """Risk threshold ``i`` of the scenario in words (``专项债本息覆盖倍数低于 1.2``)."""
        sim = self.data.simulation
        assert sim is not None
        th = sim.scenario.thresholds[i]
        return threshold_text(self.label(th.metric), th.op.value, th.value, self.lang)

    def breach_label(self, i: int) -> str:
        """Label of risk threshold ``i``: the scenario's own, else :meth:`threshold_text`."""
        sim = self.data.simulation
        assert sim is not None
        th = sim.scenario.thresholds[i]
        return th.label or self.threshold_text(i)

    def metric_table(self, keys: Iterable[str], extra: Sequence[tuple[str, str]] = ()) -> str:
        """A two-column table of metrics (label, value), leaving out absent ones; ``extra``
        rows are (label, pre-rendered value cell)."""
        rows = [tr([td(self.label(k)), self.metric(k, tag="td")]) for k in keys if k in self.values]
        rows += [tr([td(label), cell]) for label, cell in extra]
        return table([self.t("col.metric"), self.t("col.value")], rows, cls="metrics")

    def cards(self, keys: Iterable[str]) -> str:
        """Headline figures as cards."""
        items = [
            f'<div class="card"><div class="k">{esc(self.label(k))}</div>'
            f'<div class="v">{self.metric(k)}</div></div>'
            for k in keys
            if k in self.values
        ]
        return f'<div class="cards">{"".join(items)}</div>'


def sentence(ctx: Ctx, key: str, **figures: str) -> str:
    """A text with pre-rendered figures put into its fields (the text itself escaped)."""
    marks = {k: f"\x00{k}\x00" for k in figures}
    text = esc(ctx.t(key, **marks))
    for k, html_fig in figures.items():
        text = text.replace(f"\x00{k}\x00", html_fig)
    return text
