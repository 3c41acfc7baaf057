"""Government payment models (政府付费方式) and the 2023 new-mechanism concession.

Rules (DOMAIN.md §5a): 使用者付费 (user pays), 可行性缺口补助 (viability-gap payment, a
capped operating subsidy), 政府购买服务 (the government buys the service), and since
国办函〔2023〕115号 new PPP projects are concessions (特许经营) that are user-pays only, with
no budget gap payment, a term of at most 40 years (param), a concession fee to the
grantor and hand-back at the end.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from renewfin.spec.base import Name, Share, SpecModel
from renewfin.spec.labels import Zh, choice_labels


@choice_labels(
    {
        "user_pays": "使用者付费",
        "viability_gap": "可行性缺口补助",
        "service_purchase": "政府购买服务",
        "concession": "特许经营",
    }
)
class PaymentModel(StrEnum):
    """Who pays for the service."""

    USER_PAYS = "user_pays"
    """使用者付费: revenue from users only; no operating subsidy."""
    VIABILITY_GAP = "viability_gap"
    """可行性缺口补助: user revenue topped up by a capped operating subsidy."""
    SERVICE_PURCHASE = "service_purchase"
    """政府购买服务: the government pays for the service (an operating subsidy or a
    service-fee revenue stream)."""
    CONCESSION = "concession"
    """特许经营 (国办函〔2023〕115号 new mechanism when ``new_mechanism``): user-pays only."""


class GovernmentPayment(SpecModel):
    """How the project is paid for, and the terms the checks hold it to."""

    model: Annotated[PaymentModel, Zh("付费模式")] = PaymentModel.USER_PAYS
    """The payment model."""
    new_mechanism: Annotated[bool, Zh("适用2023年PPP新机制（国办函〔2023〕115号）")] = True
    """The project falls under the 2023 new PPP mechanism (国办函〔2023〕115号)."""
    grantor: Annotated[Name | None, Zh("特许经营授予方")] = None
    """Concession: the grantor (实施机构 authorised by the government); required."""
    term_years: Annotated[float | None, Zh("特许经营期限（年）")] = Field(default=None, gt=0, le=99)
    """Concession: the term from the project start [yr]; required, at most
    ``max_term_years`` under the new mechanism and within the horizon."""
    max_term_years: Annotated[float, Zh("特许经营期限上限（年）")] = Field(
        default=40.0, gt=0, le=99
    )
    """Longest concession term under the new mechanism [yr] (40, param)."""
    concession_fee: Annotated[str | None, Zh("特许经营权使用费（运营成本项）")] = None
    """Concession: the operating cost (``opex`` item) that is the fee paid to the grantor."""
    concession_fee_rate: Annotated[Share | None, Zh("特许经营权使用费率（占营业收入）")] = None
    """Concession: the fee paid to the grantor (特许经营权使用费) as a share of operating
    revenue excluding VAT while the term runs, as the concession agreement states it,
    computed as the line ``opex.concession_fee`` (no input VAT credited on it); give it
    either so or as an ``opex`` item (``concession_fee``), not both."""
    hand_back: Annotated[bool, Zh("期满无偿移交")] = True
    """Concession: the asset is handed back at the end, free, so no residual value counts
    (``evaluation.include_residual_value`` must be off)."""
    gap_cap_share: Annotated[Share | None, Zh("可行性缺口补助上限（占营业收入）")] = None
    """Viability gap: the most the operating subsidies may be, as a share of operating
    revenue over the horizon (the budget cap); default no cap."""
