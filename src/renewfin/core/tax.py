"""Taxes: VAT with input credit carried forward, surcharges, property tax, and income tax
with loss carry-forward. The period loops run over T only, vectorised over scenarios."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from renewfin.compiled import inlined_kernel, kernel, owned
from renewfin.core.context import RunContext
from renewfin.core.investment import AssetGroup, credited_vat_per_gross, input_vat_credit_share
from renewfin.core.revenue import StreamResult, stream_start
from renewfin.ledger import Detail, Kind
from renewfin.spec.investment import InvestmentCategory
from renewfin.spec.model import ProjectSpec, default_asset_class
from renewfin.spec.revenue import RevenueKind, RevenueStream, VatMethod
from renewfin.spec.tax import LandUseTaxFrom

DETAIL: Detail = (
    "tax.input_vat",
    "tax.land_appreciation",
    "tax.land_use",
    "tax.lat_appreciation",
    "tax.lat_deductions",
    "tax.lat_prepaid",
    "tax.lat_settlement",
    "tax.property_ad_valorem",
    "tax.property_rental",
    "tax.stamp_construction",
    "tax.stamp_duty",
    "tax.stamp_lease",
    "tax.stamp_transfer",
)
"""Lines only tables and reports show: a lean run leaves them out (``renewfin.lean``)."""


def vat_payable(
    output_vat: np.ndarray, input_vat: np.ndarray, refund: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """VAT payable (应纳增值税) with unused input VAT carried forward (留抵), or refunded.

    payable_t = max(0, output_t − input_t − credit_{t−1}); the credit left, max(0,
    credit_{t−1} + input_t − output_t), is carried forward, or with ``refund`` refunded in
    the period (增值税期末留抵退税, 财政部 税务总局公告2022年第14号: the whole incremental
    credit of a company with no credit before; the refund of a period is taken as received
    in it). Shapes (S|1, T) in; (payable, closing credit, refund) (S, T) out [money].
    """
    out, inp = np.broadcast_arrays(output_vat, input_vat)
    payable = np.zeros(out.shape)
    credit = np.zeros(out.shape)
    refunded = np.zeros(out.shape)
    c = np.zeros(out.shape[0])
    for k in range(out.shape[1]):
        net = out[:, k] - inp[:, k] - c
        payable[:, k] = np.maximum(net, 0.0)
        c = np.maximum(-net, 0.0)
        if refund:
            refunded[:, k] = c
            c = np.zeros(out.shape[0])
        credit[:, k] = c
    return payable, credit, refunded


LOSS_STATE = 5
"""Slots after the yearly loss buckets in a loss state (``loss_state``): the after-loss
profit of the tax year to date, the losses used in it, the tax year, its profit to date,
and the last model year a loss arose in."""


def loss_state(n_periods: int, ppy: int) -> np.ndarray:
    """A zeroed loss state for ``use_losses``: one bucket per model year, then
    ``LOSS_STATE`` slots, (years + LOSS_STATE,) [money, except the two year slots]."""
    return np.zeros((n_periods - 1) // ppy + 1 + LOSS_STATE)


@kernel
def _close_year(losses: np.ndarray, year: int, carry_years: int) -> None:
    """Settle tax year ``year`` of a loss state (汇算清缴): take the losses it used from
    the buckets of the earlier years, oldest first, and add its own loss to its bucket."""
    n = losses.size
    left = losses[n - 4]
    for b in range(max(0, year - carry_years), year):
        take = min(losses[b], left)
        losses[b] -= take
        left -= take
    if losses[n - 2] < 0.0:
        losses[year] += -losses[n - 2]
        losses[n - 1] = float(year)


@inlined_kernel
def use_losses(losses: np.ndarray, y: int, carry_years: int, taxable: float) -> tuple[float, float]:
    """One period of one scenario: income tax is due on the profit of the tax year to date
    (企业所得税法 第五十三条: the tax year is the calendar year; 第五十四条: 分月或者分季预缴,
    settled within five months of the year end), less the losses of the ``carry_years``
    years before, oldest first (第十八条); a year's loss is carried forward when the year
    is settled. So a period's after-loss profit is the change of the year's to date, and is
    negative when a loss later in the year reduces what earlier periods prepaid (a refund
    at the settlement); the periods of a year add up to the annual figure.

    ``losses`` is the state of ``loss_state``, updated in place; ``y`` this period's model
    year (never decreasing); ``taxable`` the period's profit before tax [money]. Returns
    (taxable after losses, loss used) of the period [money]."""
    n = losses.size
    if y != int(losses[n - 3]):
        _close_year(losses, int(losses[n - 3]), carry_years)
        losses[n - 5] = 0.0
        losses[n - 4] = 0.0
        losses[n - 2] = 0.0
        losses[n - 3] = float(y)
    losses[n - 2] += taxable
    gain = max(losses[n - 2], 0.0)
    available = 0.0
    if carry_years > 0 and gain > 0.0 and y - carry_years <= losses[n - 1]:
        for b in range(max(0, y - carry_years), y):
            available += losses[b]
    used_to_date = min(available, gain)
    after_to_date = gain - used_to_date
    after, used = after_to_date - losses[n - 5], used_to_date - losses[n - 4]
    losses[n - 5] = after_to_date
    losses[n - 4] = used_to_date
    return after, used


@kernel
def usable_losses(losses: np.ndarray, y: int, carry_years: int, next_year: int) -> float:
    """Losses of a loss state still usable in model year ``next_year`` (``y`` or the year
    after): the earlier buckets less what the year ``y`` to date used (oldest first) and
    unexpired then, plus the year's own loss to date [money]."""
    if carry_years <= 0:
        return 0.0
    n = losses.size
    left = losses[n - 4]
    usable = max(-losses[n - 2], 0.0)
    for b in range(max(0, y - carry_years), y):
        take = min(losses[b], left)
        left -= take
        if b >= next_year - carry_years:
            usable += losses[b] - take
    return usable


@kernel
def _loss_relief_rows(
    x: np.ndarray,
    carry_years: int,
    ppy: int,
    after: np.ndarray,
    used: np.ndarray,
    balance: np.ndarray,
) -> None:
    """``use_losses`` period by period in each row of ``x`` (S, T) [money], writing the
    taxable profit after losses, the loss used and the losses usable after each period
    (in the year of the next period) into ``after``, ``used`` and ``balance`` (S, T)
    [money]."""
    s, n = x.shape
    losses = np.zeros((n - 1) // ppy + 1 + LOSS_STATE)
    for j in range(s):
        losses[:] = 0.0
        for k in range(n):
            y = k // ppy
            after[j, k], used[j, k] = use_losses(losses, y, carry_years, x[j, k])
            balance[j, k] = usable_losses(losses, y, carry_years, (k + 1) // ppy)


def holiday_factor(revenue: np.ndarray, ppy: int, exempt: int, half: int) -> np.ndarray:
    """Share of the income-tax rate due under 三免三减半 (企业所得税法 第二十七条(二), 实施条例
    第八十七条): 0 in the ``exempt`` tax years from the year of the first operating income,
    0.5 in the ``half`` years after, 1 otherwise. ``revenue`` (S|1, T) [money]; returns
    (S|1, T)."""
    n = revenue.shape[1]
    year = np.arange(n)[None, :] // ppy
    started = np.cumsum(revenue > 0, axis=1) > 0
    first = np.where(started.any(axis=1, keepdims=True), np.argmax(started, axis=1)[:, None], n)
    k = year - first // ppy
    return 1.0 - started * (k < exempt) - 0.5 * started * (k >= exempt) * (k < exempt + half)


def income_tax(
    taxable: np.ndarray, rate: np.ndarray | float, carry_years: int, ppy: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Income tax with losses carried forward ``carry_years`` years, oldest first.

    The tax of each tax year is due on its whole profit less the losses of the
    ``carry_years`` years before (企业所得税法 第十八条: five years, counted in tax years),
    whatever the periodicity; ``use_losses`` applies the rule period by period on the
    year to date, so a period's tax is negative when a later loss in the year reduces
    what the earlier periods prepaid (refunded at the settlement, 汇算清缴). ``taxable``
    (S|1, T) profit before tax [money]; ``rate`` (S|1, 1) or scalar. Returns (tax, loss
    used, loss balance available at period end), each (S|1, T) [money]."""
    x = owned(taxable)
    s, n = x.shape
    after = np.empty((s, n))
    used = np.empty((s, n))
    balance = np.empty((s, n))
    _loss_relief_rows(x, carry_years, ppy, after, used, balance)
    return np.asarray(rate) * after, used, balance


def lat_due(
    proceeds: np.ndarray | float,
    deductions: np.ndarray | float,
    brackets: Sequence[tuple[float | None, float, float]],
    ordinary_housing: bool = False,
    exemption_ratio: float = 0.2,
) -> np.ndarray:
    """土地增值税 on a settlement unit (土地增值税暂行条例 第七条、第八条; 实施细则 第十条).

    Appreciation X = proceeds − deductions; in the bracket whose appreciation ratio X ÷ D
    contains it, tax = X × rate − D × quick deduction; 0 when X ≤ 0, and 0 for ordinary
    housing with X ≤ ``exemption_ratio`` × D. ``brackets`` (up_to, rate, quick deduction)
    in increasing order, the last with up_to None. Bracket edges are tested as X > lo × D
    and X ≤ hi × D, so D = 0 falls in the top bracket. ``proceeds``, ``deductions`` any
    broadcastable shapes [money]; returns the tax in their broadcast shape [money].
    """
    p, d = np.broadcast_arrays(np.asarray(proceeds, dtype=float), np.asarray(deductions, float))
    x = p - d
    tax = np.zeros(x.shape)
    lo = 0.0
    for up_to, rate, quick in brackets:
        inside = (x > lo * d) & (x > 0) if up_to is None else (x > lo * d) & (x <= up_to * d)
        tax = tax + inside * (x * rate - d * quick)
        lo = up_to if up_to is not None else lo
    if ordinary_housing:
        tax = tax * ~(x <= exemption_ratio * d)
    return tax


def lat_costs(ctx: RunContext) -> tuple[np.ndarray, np.ndarray]:
    """The land cost (实施细则 第七条(一): the land items with their 契税) and the
    development cost (第七条(二): every other item and the price contingency) of the whole
    investment, net of the input VAT credited (works handed over to the government are
    deductible, 国税发〔2006〕187号 第四条(三)), each (S|1, 1) [money]."""
    spec, led, rates = ctx.spec, ctx.ledger, ctx.rates
    land = np.zeros((1, 1))
    development = led.raw("capex.price_contingency").sum(axis=1, keepdims=True)
    for item in spec.investment:
        rate = item.input_vat_rate
        if rate is None:
            rate = rates.capex_input_vat[item.category]
        credited = credited_vat_per_gross(rate, input_vat_credit_share(spec, item))
        net = led.raw(f"capex.item[{item.name}]").sum(axis=1, keepdims=True) * (1.0 - credited)
        if item.category is InvestmentCategory.LAND:
            land = land + net
        else:
            development = development + net
    if "capex.deed_tax" in led:  # 契税 is part of the land's cost (实施细则 第七条(一))
        land = land + led.raw("capex.deed_tax").sum(axis=1, keepdims=True)
    return land, development


def _lat(ctx: RunContext, streams: dict[str, StreamResult]) -> np.ndarray | None:
    """Record 土地增值税 prepaid on proceeds, its settlement (top-up or refund) and the
    deductions and appreciation at settlement; return the LAT paid per period (S|1, T), or
    None when no stream bears it."""
    spec, led, rates, tl = ctx.spec, ctx.ledger, ctx.rates, ctx.timeline
    lat = spec.tax.land_appreciation
    subject = [r for r in spec.revenues if rates.lat_applies(r)]
    if not subject:
        return None
    held = ctx.held
    zeros = np.zeros((1, tl.n_periods))
    proceeds = sum((streams[r.name].revenue for r in subject), zeros) * held
    vat = sum((streams[r.name].revenue * rates.output_vat_rate(r) for r in subject), zeros) * held
    # Settlement period: the period after the last scheduled sale plus the lag, at the end
    # of holding at the latest (ROUND half up, as the workbook).
    last_sale = np.max(
        [stream_start(ctx, r) + len(r.schedule or []) * tl.ppy - 1 for r in subject], axis=0
    )
    end = tl.n_periods - 1 if ctx.exit_period is None else ctx.exit_period
    settle = np.minimum(last_sale + np.floor(lat.settlement_lag_years * tl.ppy + 0.5), end)
    at_settle = (tl.t == settle).astype(float)
    # 扣除项目 (实施细则 第七条): land (一) and development cost (二) attributable to what is
    # sold; development expenses (三) as a share of them; the surcharges on the transfer (五)
    # as actually paid (国家税务总局公告2016年第70号 第三条): on its output VAT less the input
    # VAT credited on the works attributable to it (the same cost share); the developers'
    # 20 % uplift (六).
    land, development = lat_costs(ctx)
    cost = lat.cost_share * (land + development)
    surcharge = ctx.inputs.scalar("tax.surcharge_rate", rates.surcharge)
    credited = lat.cost_share * led.raw("capex.input_vat").sum(axis=1, keepdims=True)
    paid_vat = np.maximum(vat.sum(axis=1, keepdims=True) - credited, 0.0)
    deductions = cost * (1.0 + lat.expense_rate + 0.2 * lat.developer_uplift) + surcharge * paid_vat
    total_proceeds = proceeds.sum(axis=1, keepdims=True)
    due = lat_due(
        total_proceeds,
        deductions,
        [(b.up_to, b.rate, b.quick_deduction) for b in lat.brackets],
        lat.ordinary_housing,
        lat.exemption_ratio,
    )
    prepaid = led.add(
        "tax.lat_prepaid",
        "土地增值税预缴",
        "Land appreciation tax prepaid",
        proceeds * rates.lat_prepayment,
        group="tax",
    )
    settlement = led.add(
        "tax.lat_settlement",
        "土地增值税清算补（退）税",
        "Land appreciation tax settled (top-up, or refund if negative)",
        at_settle * (due - prepaid.sum(axis=1, keepdims=True)),
        group="tax",
    )
    led.add(
        "tax.lat_deductions",
        "土地增值税扣除项目金额（清算期）",
        "LAT deductions (in the settlement period)",
        at_settle * deductions,
        group="tax",
    )
    led.add(
        "tax.lat_appreciation",
        "土地增值额（清算期）",
        "Land appreciation (in the settlement period)",
        at_settle * (total_proceeds - deductions),
        group="tax",
    )
    return led.add(
        "tax.land_appreciation",
        "土地增值税",
        "Land appreciation tax",
        prepaid + settlement,
        group="tax",
    )


def build_indirect(
    ctx: RunContext, streams: dict[str, StreamResult], assets: list[AssetGroup]
) -> None:
    """Record output and input VAT (with the VAT on a REIT exit's transfer), VAT payable,
    surcharges and property tax."""
    spec, led, rates = ctx.spec, ctx.ledger, ctx.rates
    zeros = np.zeros((1, ctx.timeline.n_periods))
    output_vat = zeros
    held = ctx.held
    for r in spec.revenues:
        output_vat = output_vat + streams[r.name].revenue * rates.output_vat_rate(r)
    rental, ad_valorem = _property_tax(ctx, streams, assets)
    ctx.projection["property_tax"] = rental + ad_valorem
    _vat(ctx, output_vat * held)
    led.add(
        "tax.property_rental", "房产税（从租）", "Property tax on rent", rental * held, group="tax"
    )
    led.add(
        "tax.property_ad_valorem",
        "房产税（从价）",
        "Property tax on value",
        ad_valorem * held,
        group="tax",
    )
    land_use = _land_use(ctx)
    stamp = _stamp_duty(ctx, streams)
    lat = _lat(ctx, streams)
    led.add(
        "tax.taxes_and_surcharges",
        "税金及附加",
        "Taxes and surcharges",
        led.raw("tax.surcharges")
        + (rental + ad_valorem) * held
        + land_use
        + stamp
        + (0.0 if lat is None else lat),
        group="tax",
    )
    _income_reduction(ctx)


def _income_reduction(ctx: RunContext) -> None:
    """Record 减计收入 ``tax.income_reduction``, the part of the community-services income
    not counted in taxable income (2019年第76号 第一条(二): 减按90%计入收入总额): (1 −
    ``tax.community_services_income_share``) × the revenue of the ``community_services``
    streams, (S|1, T) [money]; nothing when no stream is one. Taxable income (the funding
    stage and the adjusted income tax) deducts it; profit does not."""
    names = [r.name for r in ctx.spec.revenues if r.community_services]
    if not names:
        return
    led = ctx.ledger
    share = ctx.inputs.scalar(
        "tax.community_services_income_share", ctx.spec.tax.community_services_income_share
    )
    income = sum((led.raw(f"revenue.stream[{n}]") for n in names), np.zeros((1, 1)))
    led.add(
        "tax.income_reduction",
        "减计收入（社区养老、托育、家政服务收入的10%）",
        "Income not counted: 10 % of community-services income",
        (1.0 - share) * income,
        group="tax",
    )


def _vat(ctx: RunContext, operating: np.ndarray) -> None:
    """Record output VAT (``operating`` (S|1, T) [money] and the exit's transfer,
    ``renewfin.core.exit.transfer_vat``), input VAT, VAT payable with the credit carried
    forward or refunded, and the surcharges: on the operating VAT in 税金及附加, on the VAT
    the exit adds (``tax.exit_surcharges``) against the exit proceeds. Under the simplified
    method the exit's VAT is payable in full (no credit); under the general method the
    credit left offsets it, and the VAT it adds is the period's payable less the payable
    without it."""
    from renewfin.core import exit

    spec, led, rates, inputs = ctx.spec, ctx.ledger, ctx.rates, ctx.inputs
    rx = spec.funding.reit_exit
    exit_vat = exit.transfer_vat(ctx, exit.valuation(ctx))
    simple = float(rx is not None and rx.vat_method is VatMethod.SIMPLIFIED)
    output_vat = led.add(
        "tax.output_vat", "销项税额", "Output VAT", operating + exit_vat, group="tax"
    )
    if ctx.exit_period is not None:
        led.add(
            "tax.exit_output_vat",
            "资产转让销项税额（退出）",
            "Output VAT on the asset transfer (exit)",
            exit_vat,
            group="tax",
        )
    input_vat = led.raw("capex.input_vat") + led.raw("opex.input_vat")
    led.add("tax.input_vat", "进项税额", "Input VAT", input_vat, group="tax")
    creditable = output_vat - simple * exit_vat
    payable, credit, refunded = vat_payable(creditable, input_vat, spec.tax.vat_credit_refund)
    payable = led.add(
        "tax.vat_payable", "应纳增值税", "VAT payable", payable + simple * exit_vat, group="tax"
    )
    led.add(
        "tax.vat_refund",
        "增值税留抵退税",
        "Refund of the retained VAT credit",
        refunded,
        group="tax",
    )
    led.add(
        "tax.vat_credit",
        "留抵进项税额",
        "Input VAT carried forward",
        credit,
        group="tax",
        kind=Kind.BALANCE,
    )
    before = np.concatenate([np.zeros((credit.shape[0], 1)), credit[:, :-1]], axis=1)
    added = payable - np.maximum(output_vat - exit_vat - input_vat - before, 0.0)
    surcharge_rate = inputs.scalar("tax.surcharge_rate", rates.surcharge)
    led.add(
        "tax.surcharges",
        "增值税附加",
        "VAT surcharges",
        (payable - added) * surcharge_rate,
        group="tax",
    )
    if ctx.exit_period is not None:
        led.add(
            "tax.exit_surcharges",
            "资产转让增值税附加（退出）",
            "VAT surcharges on the asset transfer (exit)",
            added * surcharge_rate,
            group="tax",
        )


def _property_tax(
    ctx: RunContext, streams: dict[str, StreamResult], assets: list[AssetGroup]
) -> tuple[np.ndarray, np.ndarray]:
    """房产税 as if held to the horizon, (从租, 从价) each (S|1, T) [money]. 从租 at the
    stream's rate on rent; 从价 on the original value of the buildings in service, with the
    land's cost when the base includes it (财税〔2010〕121号), on the self-used share (less
    the part used for community services, exempt) and the vacant part of the leasable share
    (房产税暂行条例 第三条)."""
    spec, rates, tl = ctx.spec, ctx.rates, ctx.timeline
    zeros = np.zeros((1, tl.n_periods))
    rental = zeros
    for r in spec.revenues:
        rental = rental + streams[r.name].revenue * rates.rental_property_rate(r)
    base = zeros
    taxed = property_value_classes(spec)
    for g in assets:
        if g.asset_class in taxed:
            base = base + g.original_value * (tl.t >= ctx.phases[g.phase].completion)
    # The self-used share less the part used for community services (2019年第76号 第一条).
    self_used = rates.property_ad_valorem_share - ctx.inputs.scalar(
        "tax.community_services_share", spec.tax.community_services_share
    )
    taxed_share = self_used + rates.property_leasable_share * vacancy(ctx, streams)
    ad_valorem = (
        base
        * rates.property_ad_valorem
        * (1.0 - rates.property_ad_valorem_deduction)
        * taxed_share
        / tl.ppy
    )
    return rental, ad_valorem


def property_value_classes(spec: ProjectSpec) -> set[str]:
    """Asset classes in the 房产税 从价 base: ``building``, and the classes of the land items
    when ``tax.property_tax_includes_land`` (not a class held as inventory for sale)."""
    out = {"building"}
    if spec.tax.property_tax_includes_land:
        for i in spec.investment:
            if i.category is InvestmentCategory.LAND:
                cls = i.asset_class or default_asset_class(i.category)
                if not spec.depreciation.get(cls).inventory:
                    out.add(cls)
    return out


def vacancy(ctx: RunContext, streams: dict[str, StreamResult]) -> np.ndarray:
    """Vacant share of the lettable area of the rent streams in each period: 1 − Σ let
    units ÷ Σ quantity (1 before the streams start or with no rent stream), (S|1, T)."""
    zeros = np.zeros((1, ctx.timeline.n_periods))
    rents = [r for r in ctx.spec.revenues if r.kind is RevenueKind.RENT]
    let = sum((streams[r.name].units for r in rents), zeros)
    area = sum(
        (ctx.inputs.scalar(f"revenues[{r.name}].quantity", r.quantity) for r in rents),
        np.zeros((1, 1)),
    )
    let, area = np.broadcast_arrays(let, area)
    return 1.0 - np.divide(let, area, out=np.zeros(let.shape), where=area > 0)


def _land_use(ctx: RunContext) -> np.ndarray:
    """Record 城镇土地使用税: taxable area × annual rate [元/m²/yr] in the money unit, per
    period from the start of construction or the completion of the last phase while held
    (城镇土地使用税暂行条例 第三条、第四条); return it (S|1, T)."""
    spec, tl = ctx.spec, ctx.timeline
    tax = spec.tax
    start: np.ndarray | int = ctx.phase(None).completion
    if tax.land_use_tax_from is LandUseTaxFrom.ACQUISITION:
        start = min(p.start for p in ctx.phases.values())
    annual = tax.land_use_tax_area * ctx.rates.land_use * ctx.money(1.0)
    return ctx.ledger.add(
        "tax.land_use",
        "城镇土地使用税",
        "Urban land-use tax",
        annual * (tl.t >= start) * ctx.held / tl.ppy * (1.0 - exempt_land_share(ctx)),
        group="tax",
    )


def exempt_land_share(ctx: RunContext) -> np.ndarray:
    """Share of the taxable land exempt from 城镇土地使用税: resettlement housing (财税〔2013〕
    101号 第一条(一)) and community elderly-care, childcare and housekeeping services
    (2019年第76号 第一条), (S|1, 1) or scalar."""
    path = "tax.community_services_share"
    community = ctx.inputs.scalar(path, ctx.spec.tax.community_services_share)
    return resettlement_share(ctx) + community


def resettlement_share(ctx: RunContext) -> np.ndarray:
    """Share of the land and works that is resettlement housing, exempt from the land-use
    tax and the stamp duty on its contracts (财税〔2013〕101号 第一条), (S|1, 1)."""
    path = "tax.resettlement_housing_share"
    return ctx.inputs.scalar(path, ctx.spec.tax.resettlement_housing_share)


def _stamp_duty(ctx: RunContext, streams: dict[str, StreamResult]) -> np.ndarray:
    """Record 印花税 (印花税法, 税目税率表; bases exclude VAT, 第五条): on leases (rent), on
    construction, purchase and design contracts (the investment except land, as spent), and
    on property transfer deeds (land acquired, as spent, and sale proceeds); return the
    total (S|1, T)."""
    spec, led, rates = ctx.spec, ctx.ledger, ctx.rates
    zeros = np.zeros((1, ctx.timeline.n_periods))
    held = ctx.held
    rent = sum(
        (streams[r.name].revenue for r in spec.revenues if r.kind is RevenueKind.RENT), zeros
    )
    sold = sum((streams[r.name].revenue for r in spec.revenues if transfers(r)), zeros)
    works = led.raw("capex.price_contingency")
    land = zeros
    for item in spec.investment:
        vat = item.input_vat_rate
        if vat is None:
            vat = rates.capex_input_vat[item.category]
        net = led.raw(f"capex.item[{item.name}]") / (1.0 + vat)
        if item.category is InvestmentCategory.LAND:
            land = land + net * item.deed_taxable  # compensation transfers no title
        else:
            works = works + net
    lease = led.add(
        "tax.stamp_lease",
        "印花税：租赁合同",
        "Stamp duty: leases",
        rent * held * rates.stamp_lease,
        group="tax",
    )
    taxed = 1.0 - resettlement_share(ctx)  # 财税〔2013〕101号 第一条(二)
    build = led.add(
        "tax.stamp_construction",
        "印花税：建设工程及采购合同",
        "Stamp duty: construction and purchase contracts",
        works * rates.stamp_construction * taxed,
        group="tax",
    )
    deeds = led.add(
        "tax.stamp_transfer",
        "印花税：产权转移书据",
        "Stamp duty: transfer deeds",
        (land * taxed + sold * held) * rates.stamp_transfer,
        group="tax",
    )
    return led.add("tax.stamp_duty", "印花税", "Stamp duty", lease + build + deeds, group="tax")


def transfers(r: RevenueStream) -> bool:
    """Whether a stream is a transfer of property by the company (a transfer deed, 产权转移
    书据): a sale, or a land transfer that bears 土地增值税 by its own switch."""
    return r.kind is RevenueKind.SALE or bool(r.land_appreciation_tax)
