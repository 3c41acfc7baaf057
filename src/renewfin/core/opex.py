"""Operating costs (经营成本, excluding VAT) by item, including whole-life safety items."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from renewfin.core import concession
from renewfin.core.context import RunContext
from renewfin.core.investment import AssetGroup
from renewfin.core.opex_basis import BASES, Item
from renewfin.core.revenue import StreamResult
from renewfin.ledger import Detail
from renewfin.spec.opex import OpexCategory, OpexItem, OpexTiming
from renewfin.timeline import elapsed_years, window

DETAIL: Detail = ("opex.safety",)
"""Lines only tables and reports show: a lean run leaves them out (``renewfin.lean``)."""


CATEGORY_ZH = {
    OpexCategory.OPERATIONS: "运营费用",
    OpexCategory.MAINTENANCE: "维修养护费",
    OpexCategory.MAJOR_MAINTENANCE: "大中修费用",
    OpexCategory.SAFETY_INSPECTION: "房屋安全体检费",
    OpexCategory.SAFETY_FUND: "房屋安全管理资金",
    OpexCategory.INSURANCE: "房屋质量安全保险费",
    OpexCategory.MARKETING: "招商营销费",
    OpexCategory.OTHER: "其他费用",
}


def item_cost(
    ctx: RunContext,
    o: OpexItem,
    streams: dict[str, StreamResult],
    assets: list[AssetGroup],
) -> np.ndarray:
    """Cost of one item per period, excluding VAT, by the rule of its basis
    (``renewfin.core.opex_basis.BASES``) [money], (S|1, T)."""
    tl = ctx.timeline
    ph = ctx.phase(o.phase)
    origin: np.ndarray | int
    if o.timing is OpexTiming.CONSTRUCTION:
        origin, active = ph.start, window(tl.t, ph.start, ph.completion)
    else:
        origin, active = ph.completion, window(tl.t, ph.completion, tl.n_periods)
    years = elapsed_years(tl.t, origin, tl.ppy)
    item = Item(ctx, o, streams, assets, origin, active, years)
    return BASES[o.basis].cost(item)


def simplified_share(ctx: RunContext, streams: dict[str, StreamResult]) -> np.ndarray:
    """Share of each period's revenue earned by simplified-method (简易计税) and exempt (免征)
    streams, 0 in a period with no revenue, (S|1, T) [fraction]. The input VAT of operating
    costs that serve every stream is not credited in this share (不得抵扣的进项税额 =
    当期无法划分的全部进项税额 × (简易计税方法计税项目销售额 + 免征增值税项目销售额) ÷
    当期全部销售额, 财税〔2016〕36号 附件1 第二十九条)."""
    zeros = np.zeros((1, ctx.timeline.n_periods))
    total = sum((streams[r.name].revenue for r in ctx.spec.revenues), zeros)
    simple = sum(
        (streams[r.name].revenue for r in ctx.spec.revenues if not r.vat_method.credits_input),
        zeros,
    )
    total, simple = np.broadcast_arrays(total, simple)
    return np.divide(simple, total, out=np.zeros(total.shape), where=total > 0)


def build(ctx: RunContext, streams: dict[str, StreamResult], assets: list[AssetGroup]) -> None:
    """Record operating costs by item, in total, and their input VAT: the creditable part,
    and with simplified-method streams the part not credited, which is a cost (in
    ``opex.total``)."""
    led = ctx.ledger
    zeros = np.zeros((1, ctx.timeline.n_periods))
    total = zeros
    input_vat = zeros
    held = ctx.held
    for o in ctx.spec.opex:
        cost = item_cost(ctx, o, streams, assets)
        led.add(
            f"opex.item[{o.name}]",
            f"{CATEGORY_ZH[o.category]}：{o.name}",
            f"Opex: {o.name}",
            cost * held,
            group="opex",
        )
        total = total + cost
        vat_rate = ctx.inputs.scalar(f"opex[{o.name}].input_vat_rate", o.input_vat_rate)
        input_vat = input_vat + cost * vat_rate
    for id, zh, en, member in SUBTOTALS:
        members = (led.raw(f"opex.item[{o.name}]") for o in ctx.spec.opex if member(o))
        led.add(id, zh, en, sum(members, zeros), group="opex")
    fee = concession.fee(ctx, ctx.projection["revenue"])
    if fee is not None:
        grantor = ctx.spec.funding.government_payment.grantor  # type: ignore[union-attr]
        led.add(
            "opex.concession_fee",
            f"特许经营权使用费（付{grantor}）",
            f"Concession fee (to {grantor})",
            fee * held,
            group="opex",
        )
        total = total + fee
    safety = [o.name for o in ctx.spec.opex if o.category in SAFETY]
    if safety:
        led.add(
            "opex.safety",
            "全生命周期安全费用",
            "Whole-life building-safety costs",
            sum((led.raw(f"opex.item[{n}]") for n in safety), zeros),
            group="opex",
        )
    if any(not r.vat_method.credits_input for r in ctx.spec.revenues):
        not_credited = input_vat * simplified_share(ctx, streams)
        led.add(
            "opex.vat_not_creditable",
            "不得抵扣的进项税额（简易计税）",
            "Input VAT not credited (simplified method)",
            not_credited * held,
            group="opex",
        )
        total = total + not_credited
        input_vat = input_vat - not_credited
    ctx.projection["opex"] = total
    led.add("opex.total", "经营成本", "Operating costs", total * held, group="opex")
    led.add(
        "opex.input_vat",
        "经营成本进项税额（可抵扣）",
        "Creditable input VAT on operating costs",
        input_vat * held,
        group="opex",
    )


SUBTOTALS: tuple[tuple[str, str, str, Callable[[OpexItem], bool]], ...] = (
    (
        "opex.purchased",
        "外购原材料、燃料及动力费",
        "Bought-in materials, fuel and power",
        lambda o: o.purchased,
    ),
    (
        "opex.wages_other",
        "工资及福利费和其他费用",
        "Wages and welfare and other costs",
        lambda o: o.in_cash_base,
    ),
)
"""(id, zh, en, membership) of the working capital's bases among the operating costs
(第三版 分项详细估算法): the ``purchased`` ones for the inventory and the payables, the
wages and other costs (``OpexItem.in_cash_base``) for the cash."""

SAFETY = (OpexCategory.SAFETY_INSPECTION, OpexCategory.SAFETY_FUND, OpexCategory.INSURANCE)
"""Categories reported together as whole-life building-safety costs."""
