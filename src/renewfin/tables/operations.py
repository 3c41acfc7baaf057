"""The operating tables of 第三版: 营业收入、税金及附加和增值税估算表, 总成本费用估算表
and 折旧摊销估算表."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from renewfin.core.concession import handed_back_at
from renewfin.core.investment import deed_taxed
from renewfin.spec.model import default_asset_class
from renewfin.spec.opex import OpexBasis
from renewfin.spec.tax import resolve_tax
from renewfin.tables.readings import VAT_REFUND, _item_credited_vat, _outside_construction
from renewfin.tables.sheet import FLOW, C, _Sheet

if TYPE_CHECKING:
    from renewfin.engine import Result


# --------------------------------------------------------------------------------------
# 4. 营业收入、税金及附加和增值税估算表
# --------------------------------------------------------------------------------------


def revenue_and_taxes(result: Result, scenario: int = 0) -> pd.DataFrame:
    """营业收入、税金及附加和增值税估算表 — revenue by stream (excluding VAT), taxes and
    surcharges (VAT surcharges split into 城建税 / 教育费附加 / 地方教育附加 in proportion to
    their rates; property tax on rent and on value; 土地增值税 prepaid and settled, when a
    stream bears it), the other taxes (stamp duty on the loan contracts, with the fees; the
    taxes on a REIT exit's transfer, against its proceeds), and VAT (output, of which on the
    exit, input from construction and operation, payable, input VAT carried forward at year
    end)."""
    sh = _Sheet(result, scenario, "revenue_and_taxes")
    spec = result.spec
    sh.add_flow("revenue.total", "营业收入", "Operating revenue")
    for r in spec.revenues:
        it = result.ledger.item(f"revenue.stream[{r.name}]")
        sh.add_flow(it.id, it.zh, it.en, level=1)

    sh.add_flow("tax.taxes_and_surcharges", "税金及附加", "Taxes and surcharges")
    surcharges = sh.add_flow("tax.surcharges", "增值税附加", "VAT surcharges", level=1)
    rates = resolve_tax(spec.tax, spec.project.city_tier)
    if rates.surcharge > 0:
        for key, zh, en, rate in (
            (
                "tax.urban_maintenance",
                "城市维护建设税",
                "Urban maintenance and construction tax",
                rates.urban_maintenance,
            ),
            ("tax.education", "教育费附加", "Education surcharge", rates.education),
            (
                "tax.local_education",
                "地方教育附加",
                "Local education surcharge",
                rates.local_education,
            ),
        ):
            name = key.removeprefix("tax.")
            share = sh.param(
                f"xl.surcharge_share[{name}]",
                rate / rates.surcharge,
                f"{zh}占增值税附加比例（由预设税率计算）",
                f"Share of the VAT surcharges: {en} (from the preset rates)",
            )
            sh.add_yearly(
                key,
                zh,
                en,
                surcharges * rate / rates.surcharge,
                FLOW,
                level=2,
                formula=("rows", ((1.0, "tax.surcharges", share),)),
            )
    sh.add_flow("tax.property_rental", "房产税（从租计征）", "Property tax on rent", level=1)
    sh.add_flow("tax.property_ad_valorem", "房产税（从价计征）", "Property tax on value", level=1)
    sh.add_flow("tax.land_use", "城镇土地使用税", "Urban land-use tax", level=1)
    sh.add_flow("tax.stamp_duty", "印花税", "Stamp duty", level=1)
    sh.add_flow("tax.stamp_lease", "租赁合同", "leases", level=2)
    sh.add_flow("tax.stamp_construction", "建设工程及采购合同", "construction contracts", level=2)
    sh.add_flow("tax.stamp_transfer", "产权转移书据", "transfer deeds", level=2)
    if "tax.land_appreciation" in result.ledger:
        sh.add_flow("tax.land_appreciation", "土地增值税", "Land appreciation tax", level=1)
        sh.add_flow("tax.lat_prepaid", "预缴", "prepaid", level=2)
        sh.add_flow("tax.lat_settlement", "清算补（退）税", "settled (refund < 0)", level=2)
    _other_taxes(sh)

    sh.add_flow("tax.vat_payable", "增值税（应纳税额）", "VAT payable")
    sh.add_flow("tax.output_vat", "销项税额", "Output VAT", level=1)
    if sh.nonzero("tax.exit_output_vat"):
        sh.add_flow(
            "tax.exit_output_vat",
            "其中：资产转让（退出）",
            "of which: exit transfer",
            level=2,
            numbered=False,
        )
    sh.add_flow("tax.input_vat", "进项税额", "Input VAT", level=1)
    sh.add_flow("capex.input_vat", "建设投资进项税额", "on construction investment", level=2)
    sh.add_flow("opex.input_vat", "经营成本进项税额", "on operating costs", level=2)
    if sh.nonzero("tax.vat_refund"):
        sh.add_flow(*VAT_REFUND, level=1)
    sh.add_balance("tax.vat_credit", "期末留抵进项税额", "Input VAT carried forward", level=1)
    return sh.frame()


OTHER_TAXES = (
    (
        "tax.stamp_loan",
        "印花税：借款合同（计入融资费用）",
        "Stamp duty: loan contracts (in the fees)",
    ),
    ("tax.exit_surcharges", "资产转让增值税附加（退出）", "VAT surcharges on the exit transfer"),
    (
        "tax.exit_stamp_duty",
        "印花税：资产转让产权转移书据（退出）",
        "Stamp duty on the exit's transfer deed",
    ),
    ("tax.exit_lat", "土地增值税（退出，旧房转让）", "Land appreciation tax on the exit"),
)
"""The taxes outside 税金及附加: stamp duty on the loan contracts (with the loan fees) and the
taxes on a REIT exit's transfer (against the proceeds, 固定资产清理); the exit's VAT is in
the output VAT."""


def _other_taxes(sh: _Sheet) -> None:
    """The rows of ``OTHER_TAXES`` a run bears, under their total."""
    ids = [id for id, *_ in OTHER_TAXES if sh.nonzero(id)]
    if not ids:
        return
    sh.add_flow(
        "tax.other",
        "其他税费（不计入税金及附加）",
        "Other taxes (not in taxes and surcharges)",
        sh.lines(*ids),
    )
    for id, zh, en in OTHER_TAXES:
        if id in ids:
            sh.add_flow(id, zh, en, level=1)


# --------------------------------------------------------------------------------------
# 5. 总成本费用估算表
# --------------------------------------------------------------------------------------


def total_cost(result: Result, scenario: int = 0) -> pd.DataFrame:
    """总成本费用估算表 — operating costs (经营成本) by item, depreciation and amortisation
    (including capitalised financing costs, ``dep_fin.total``), interest expense (bond and
    loan interest outside construction and, with several phases, the construction-period
    interest on the phases already in operation), financing fees expensed, and total cost
    (``pl.total_cost``), split into variable costs (operating items proportional to revenue
    or to a revenue driver) and fixed costs (the rest)."""
    sh = _Sheet(result, scenario, "total_cost")
    sh.add_flow("opex.total", "经营成本", "Operating costs")
    for o in result.spec.opex:
        it = result.ledger.item(f"opex.item[{o.name}]")
        sh.add_flow(it.id, it.zh, it.en, level=1)
    if "opex.vat_not_creditable" in result.ledger:
        it = result.ledger.item("opex.vat_not_creditable")
        sh.add_flow(it.id, it.zh, it.en, level=1)
    if "opex.safety" in result.ledger:
        sh.add_flow(
            "opex.safety",
            "其中：全生命周期安全费用",
            "of which: whole-life safety costs",
            level=1,
            numbered=False,
        )
    sh.add_flow("dep_fin.total", "折旧摊销费", "Depreciation and amortisation")
    sh.add_flow("finance.interest_expensed", "利息支出", "Interest expense")
    sh.add_flow(
        "interest.bond",
        "专项债券利息",
        "Special-bond interest",
        _outside_construction(sh.lines("bond.interest")),
        level=1,
    )
    sh.add_flow(
        "interest.loan",
        "贷款利息",
        "Loan interest",
        _outside_construction(sh.lines("loan.interest")),
        level=1,
    )
    in_construction = sh.lines("finance.interest_expensed").masked(C)
    if sh.nonzero(in_construction):
        sh.add_flow(
            "interest.construction",
            "建设期已投入运营分期的利息",
            "Construction-period interest on phases in operation",
            in_construction,
            level=1,
        )
    sh.add_flow("finance.fees_expensed", "融资费用", "Financing fees")
    sh.add_flow("pl.total_cost", "总成本费用合计", "Total cost")
    variable = sh.lines(
        *(
            f"opex.item[{o.name}]"
            for o in result.spec.opex
            if o.basis is OpexBasis.REVENUE_SHARE
            or (o.basis is OpexBasis.PER_UNIT and o.driver is not None)
        )
    )
    sh.add_flow(
        "cost.variable",
        "其中：可变成本",
        "of which: variable costs",
        variable,
        level=1,
        numbered=False,
    )
    sh.add_flow(
        "cost.fixed",
        "其中：固定成本",
        "of which: fixed costs",
        sh.lines("pl.total_cost") - variable,
        level=1,
        numbered=False,
    )
    return sh.frame()


# --------------------------------------------------------------------------------------
# 6. 折旧摊销估算表
# --------------------------------------------------------------------------------------


def _original_values(result: Result, sh: _Sheet) -> dict[str, float]:
    """Original value of each asset class excluding deductible input VAT, before
    capitalised financing costs: the items' amounts net of VAT, by the class each item
    capitalises into, plus the price contingency in its class [money]. Works handed over
    to residents or the government are not company assets."""
    spec = result.spec
    credited = _item_credited_vat(result)
    out: dict[str, float] = {}
    for i in spec.investment:
        if not i.ownership.kept:
            continue
        cls = i.asset_class or default_asset_class(i.category)
        net = sh.p(f"capex.item[{i.name}]").sum() * (1.0 - credited[i.name])
        out[cls] = out.get(cls, 0.0) + net
    pc = spec.price_contingency.asset_class or "building"
    out[pc] = out.get(pc, 0.0) + sh.p("capex.price_contingency").sum()
    if "capex.deed_tax" in result.ledger:  # 契税 capitalised into the land it is paid on
        rates = resolve_tax(spec.tax, spec.project.city_tier)
        items = {i.name: i for i in spec.investment}
        for n in deed_taxed(spec):
            it = items[n]
            vat = it.input_vat_rate
            if vat is None:
                vat = rates.capex_input_vat[it.category]
            cls = it.asset_class or default_asset_class(it.category)
            paid = sh.p(f"capex.item[{n}]").sum() / (1.0 + vat) * rates.deed
            out[cls] = out.get(cls, 0.0) + paid
    return out


def depreciation(result: Result, scenario: int = 0) -> pd.DataFrame:
    """折旧摊销估算表 — by asset class: original value, charge for the year and net book
    value at year end, then the totals.

    Original values exclude deductible input VAT and include the capitalised financing
    costs (IDC and fees), allocated to classes in proportion to their values; charges are
    the ledger's ``dep.class[…]`` scaled to ``dep_fin.total`` (the engine spreads financing
    costs over all assets in proportion to value). Original value and net book value show
    while the class is in service and held (0 before it enters service and after a REIT
    exit or, for a concession, from the hand-back on); the total net book value equals
    ``bs.fixed_assets`` once construction is over.
    """
    sh = _Sheet(result, scenario, "depreciation")
    pre, fin = sh.p("dep.total"), sh.p("dep_fin.total")
    scale = np.divide(fin, pre, out=np.zeros_like(fin), where=np.abs(pre) > 1e-12)
    ov = _original_values(result, sh)
    ov_total = sum(ov.values())
    capitalised = (sh.p("finance.interest_capitalised") + sh.p("finance.fees_capitalised")).sum()
    uplift = 1.0 + (capitalised / ov_total if abs(ov_total) > 1e-12 else 0.0)
    held = sh.p("flag.held") - sh.opt("reit.flag_exit")
    handed = handed_back_at(result.spec, result.timeline)
    if handed is not None:  # a concession's assets, handed back at the end of period handed
        held = held * (np.arange(result.timeline.n_periods) < handed)

    def block(key: str, zh: str, en: str, original: float, charge: np.ndarray | str) -> None:
        sh.heading(key, zh, en)
        cum = np.cumsum(sh.series(charge))
        mask = (cum > 1e-12) * held
        sh.add_balance(f"{key}.original_value", "原值", "Original value", original * mask, level=1)
        sh.add_flow(f"{key}.charge", "当期折旧摊销费", "Charge for the year", charge, level=1)
        sh.add_balance(
            f"{key}.net_value", "净值", "Net book value", (original - cum) * mask, level=1
        )

    for cls in result.spec.depreciation.classes:
        id = f"dep.class[{cls.name}]"
        if id not in result.ledger:
            continue
        label = cls.label_zh or cls.name
        block(
            id,
            f"{label}（{cls.life_years:g}年，残值率{cls.residual_rate:.0%}）",
            f"{cls.name} ({cls.life_years:g} years, residual {cls.residual_rate:.0%})",
            ov.get(cls.name, 0.0) * uplift,
            sh.p(id) * scale,
        )
    block("dep_fin.total", "合计", "Total", ov_total * uplift, "dep_fin.total")
    return sh.frame()
