"""The concession (特许经营) of a government payment model: the fee paid to the grantor and
the hand-back of the assets at the end of the term (DOMAIN.md §5a; 国办函〔2023〕115号)."""

from __future__ import annotations

import numpy as np

from renewfin.core.context import RunContext
from renewfin.spec.model import ProjectSpec
from renewfin.spec.payment import GovernmentPayment, PaymentModel
from renewfin.timeline import Timeline

FEE_RATE = "funding.government_payment.concession_fee_rate"
"""Input path of the concession-fee rate."""


def concession_of(spec: ProjectSpec) -> GovernmentPayment | None:
    """The spec's government payment when it is a concession, else None."""
    gp = spec.funding.government_payment
    return gp if gp is not None and gp.model is PaymentModel.CONCESSION else None


def concession(ctx: RunContext) -> GovernmentPayment | None:
    """``concession_of`` the run's spec."""
    return concession_of(ctx.spec)


def term_periods(ctx: RunContext, gp: GovernmentPayment) -> int:
    """Periods of the concession term from the project start, at most the horizon."""
    assert gp.term_years is not None  # a concession has its term (spec.model)
    return min(int(ctx.timeline.periods(gp.term_years)), ctx.timeline.n_periods)


def hand_back_period(ctx: RunContext) -> int | None:
    """``handed_back_at`` the run's spec and timeline."""
    return handed_back_at(ctx.spec, ctx.timeline)


def handed_back_at(spec: ProjectSpec, timeline: Timeline) -> int | None:
    """The period at whose end the company hands the assets back (the term's last period,
    at most the horizon's), or None: no concession handed back, or the assets sold at a
    REIT exit first (``RunContext.exit_period``)."""
    gp = concession_of(spec)
    if gp is None or not gp.hand_back:
        return None
    assert gp.term_years is not None  # a concession has its term (spec.model)
    last = min(int(timeline.periods(gp.term_years)), timeline.n_periods) - 1
    rx = spec.funding.reit_exit
    sold = rx is not None and int(timeline.periods(rx.exit_year)) - 1 <= last
    return None if sold else last


def fee(ctx: RunContext, revenue: np.ndarray) -> np.ndarray | None:
    """The concession fee (特许经营权使用费) paid to the grantor [money], (S|1, T):
    ``concession_fee_rate × revenue`` (operating revenue excluding VAT, as held to the
    horizon) while the term runs; None without a stated rate."""
    gp = concession(ctx)
    if gp is None or gp.concession_fee_rate is None:
        return None
    rate = ctx.inputs.scalar(FEE_RATE, gp.concession_fee_rate)
    running = (ctx.timeline.t < term_periods(ctx, gp)).astype(float)
    return rate * revenue * running


def hand_back(ctx: RunContext) -> None:
    """Record ``concession.hand_back``: the net book value of the fixed assets, financing
    costs included, handed to the grantor free of charge (无偿移交) at the end of the term's
    last period, 0 in every other period [money]; nothing unless a concession is handed
    back. It is the share ``dep.hand_back / dep.total`` of that period's
    ``dep_fin.total`` (the write-off is charged with the depreciation, so the assets leave
    the balance sheet; renewfin.core.depreciation). The company is paid nothing for it and
    no residual value counts (``evaluation.include_residual_value`` is off)."""
    gp = concession(ctx)
    if gp is None or not gp.hand_back:
        return
    led = ctx.ledger
    book, pre = led.raw("dep.total"), led.raw("dep.hand_back")
    share = np.divide(
        pre,
        book,
        out=np.zeros(np.broadcast_shapes(pre.shape, book.shape)),
        where=np.abs(book) > 1e-12,
    )
    led.add(
        "concession.hand_back",
        f"期满无偿移交资产净值（移交{gp.grantor}）",
        f"Assets handed back free at the end of the term (to {gp.grantor})",
        led.raw("dep_fin.total") * share,
        group="balance_sheet",
    )
