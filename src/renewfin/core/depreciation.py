"""Depreciation and amortisation (折旧摊销), straight line by asset class."""

from __future__ import annotations

import numpy as np

from renewfin.core.concession import concession_of, hand_back_period
from renewfin.core.context import RunContext
from renewfin.core.investment import AssetGroup
from renewfin.ledger import Detail, Kind

DETAIL: Detail = ("dep.class[*]",)
"""Lines only tables and reports show: a lean run leaves them out (``renewfin.lean``)."""


def straight_line(
    t: np.ndarray,
    original_value: np.ndarray,
    in_service: np.ndarray | int,
    life_periods: float,
    residual_rate: float,
) -> np.ndarray:
    """Straight-line charge per period [money], (S|1, T).

    ``original_value`` (S|1, 1) [money]; ``in_service`` first period of use (S|1, 1);
    ``life_periods`` useful life [periods] (a fractional last period is charged pro rata);
    ``residual_rate`` share of the original value left at the end of the life.
    Reference: 《建设项目经济评价方法与参数》(第三版), 年折旧额 = 原值 × (1 − 净残值率) / 折旧年限.
    """
    start = np.asarray(in_service, dtype=float)
    used = np.clip(np.minimum(t + 1, start + life_periods) - np.maximum(t, start), 0.0, 1.0)
    return original_value * (1.0 - residual_rate) / life_periods * used


def _hand_back(
    t: np.ndarray, last: int, original_value: np.ndarray, dep: np.ndarray, tax_dep: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A concession's assets handed back at the end of period ``last``
    (renewfin.core.concession.hand_back_period): the book and tax depreciation stop after
    it, and in it the net book value left, on the books and for tax (the original value less
    the depreciation to date), is written off, the disposal of the assets at their net book
    value for nothing; returns the depreciation, the tax depreciation, the book write-off and
    the tax write-off, each (S|1, T) [money]. Hand check: cost 1,000 over 10 years from
    period 0, handed back at the end of period 7: 100 a year to period 7, 200 written off in
    it, nothing after."""
    running = (t <= last).astype(float)
    at = (t == last).astype(float)
    dep, tax_dep = dep * running, tax_dep * running
    book_off = (original_value - dep.sum(axis=1, keepdims=True)) * at
    tax_off = (original_value - tax_dep.sum(axis=1, keepdims=True)) * at
    return dep, tax_dep, book_off, tax_off


def _one_off_revenue(ctx: RunContext) -> np.ndarray:
    """Revenue of the one-off streams (sales, land transfer) per period, (S|1, T)."""
    led = ctx.ledger
    ids = [f"revenue.stream[{r.name}]" for r in ctx.spec.revenues if r.kind.one_off]
    return sum((led.raw(i) for i in ids), np.zeros((1, ctx.timeline.n_periods)))


def build(ctx: RunContext, assets: list[AssetGroup], prefix: str = "dep") -> np.ndarray:
    """Record depreciation by asset class and in total, and the residual value recovered
    at the end of the horizon; return the total charge (S|1, T).

    ``prefix`` keeps the pre-financing set (``dep``, original values without capitalised
    interest) apart from the set used in the profit table once financing is added."""
    led, tl = ctx.ledger, ctx.timeline
    t = tl.t
    held = ctx.held
    zeros = np.zeros((1, tl.n_periods))
    by_class: dict[str, np.ndarray] = {}
    tax_total = zeros
    book_value_end = np.zeros((1, 1))
    sales = _one_off_revenue(ctx)
    total_sales = sales.sum(axis=1, keepdims=True)
    sold_share = np.divide(sales, total_sales, out=np.zeros_like(sales), where=total_sales > 0)
    handed = hand_back_period(ctx)
    written_off = zeros
    for g in assets:
        cls = ctx.spec.depreciation.get(g.asset_class)
        if cls.inventory:
            dep = tax_dep = g.original_value * sold_share
        else:
            start = ctx.phases[g.phase].completion
            dep, tax_dep = (
                held * straight_line(t, g.original_value, start, life * tl.ppy, cls.residual_rate)
                for life in (cls.life_years, cls.tax_life)
            )
            if handed is not None:
                dep, tax_dep, book_off, tax_off = _hand_back(
                    t, handed, g.original_value, dep, tax_dep
                )
                written_off = written_off + book_off
                tax_total = tax_total + tax_off
        by_class[g.asset_class] = by_class.get(g.asset_class, zeros) + dep
        tax_total = tax_total + tax_dep
        book_value_end = book_value_end + g.original_value - dep.sum(axis=1, keepdims=True)
    book_value_end = book_value_end - written_off.sum(axis=1, keepdims=True)
    suffix = "" if prefix == "dep" else "（含建设期利息）"
    suffix_en = "" if prefix == "dep" else " (incl. capitalised interest)"
    for c in ctx.spec.depreciation.classes:
        if c.name in by_class:
            zh = c.label_zh or c.name
            led.add(
                f"{prefix}.class[{c.name}]",
                f"折旧摊销：{zh}{suffix}",
                f"Depreciation: {c.name}{suffix_en}",
                by_class[c.name],
                group="depreciation",
            )
    if concession_of(ctx.spec) is not None:
        led.add(
            f"{prefix}.hand_back",
            f"期满移交资产净值转销{suffix}",
            f"Net book value written off at the hand-back{suffix_en}",
            written_off,
            group="depreciation",
        )
    total = sum(by_class.values(), zeros) + written_off
    led.add(
        f"{prefix}.total",
        f"折旧摊销合计{suffix}",
        f"Depreciation and amortisation{suffix_en}",
        total,
        group="depreciation",
    )
    end = tl.n_periods - 1 if ctx.exit_period is None else ctx.exit_period
    at_end = (t == end).astype(float)
    if prefix == "dep":
        _tax_difference(ctx, total, tax_total, at_end)
    led.add(
        f"{prefix}.book_value_at_end",
        f"期末固定资产净值{suffix}",
        f"Net book value at the end of holding{suffix_en}",
        book_value_end * at_end,
        group="depreciation",
        kind=Kind.BALANCE,
    )
    include = ctx.spec.evaluation.include_residual_value and ctx.exit_period is None
    led.add(
        f"{prefix}.residual_value",
        f"回收固定资产余值{suffix}",
        f"Residual value recovered{suffix_en}",
        float(include) * book_value_end * at_end,
        group="depreciation",
    )
    return total


def _tax_difference(ctx: RunContext, book: np.ndarray, tax: np.ndarray, at_end: np.ndarray) -> None:
    """Record the depreciation for income tax (``dep_tax.total``: over each class's
    ``tax_life``, 企业所得税法实施条例 第六十条) and what taxable income adds back
    (``dep_tax.adjustment``: book − tax depreciation, and at a disposal the difference to
    date reversed, since the tax basis is the cost less the tax depreciation), (S|1, T)
    [money]."""
    led = ctx.ledger
    led.add(
        "dep_tax.total",
        "税法折旧摊销（融资前）",
        "Depreciation for income tax (before financing costs)",
        tax,
        group="depreciation",
    )
    gap = book - tax
    exit = float(ctx.exit_period is not None)
    led.add(
        "dep_tax.adjustment",
        "税会折旧差异纳税调整",
        "Taxable income adjustment: book less tax depreciation (reversed at a disposal)",
        gap - exit * at_end * gap.cumsum(axis=1),
        group="depreciation",
    )
