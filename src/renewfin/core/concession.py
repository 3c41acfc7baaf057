"""The concession (特许经营) of a government payment model: the fee paid to the grantor and
the hand-back of the assets at the end of the term (DOMAIN.md §5a; 国办函〔2023〕115号)."""

from __future__ import annotations

import numpy as np

from renewfin.core.context import RunContext
from renewfin.spec.model import ProjectSpec
from renewfin.spec.payment import GovernmentPayment, PaymentModel

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
    """Record ``concession.hand_back``: the net book value of the fixed assets
    (``bs.fixed_assets``) in the term's last period, handed to the grantor free of charge
    (无偿移交), 0 in every other period [money]; nothing unless a concession is handed
    back. The company is paid nothing for it and no residual value counts
    (``evaluation.include_residual_value`` is off)."""
    gp = concession(ctx)
    if gp is None or not gp.hand_back:
        return
    last = (ctx.timeline.t == term_periods(ctx, gp) - 1).astype(float)
    ctx.ledger.add("concession.hand_back", f"期满无偿移交资产净值（移交{gp.grantor}）",
                   f"Assets handed back free at the end of the term (to {gp.grantor})",
                   ctx.ledger.raw("bs.fixed_assets") * last, group="balance_sheet")
