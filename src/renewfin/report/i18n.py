"""The report's words in Chinese and English.

Every fixed text of the report is one entry of ``wording.toml`` (key → Chinese and English
templates with ``{field}`` slots, :func:`wording`), apart from the code that fills them in;
labels of metrics, ledger lines and table rows come bilingual from the engine.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from renewfin.instruments.loan import PROFILES
from renewfin.spec.labels import choice_label
from renewfin.spec.loan import LoanRepayment

Lang = Literal["zh", "en"]
"""Report language."""

LANGS: tuple[Lang, ...] = ("zh", "en")

WORDING = "wording.toml"
"""The package file holding the report's wording (key → zh/en templates)."""


@cache
def wording() -> dict[str, tuple[str, str]]:
    """Every fixed text of the report, key → (Chinese, English), read once from
    :data:`WORDING` (``renewfin/report/wording.toml``): the words live in that file, apart
    from the code that fills in the figures."""
    raw = tomllib.loads(resources.files(__package__).joinpath(WORDING).read_text("utf-8"))
    return {k: (str(v["zh"]), str(v["en"])) for k, v in raw.items()}


"""Fixed texts: key → (Chinese, English). Texts with ``{name}`` fields are formatted."""

FIELDS: dict[str, tuple[str, str]] = {
    "amount": ("金额", "Amount"),
    "rate": ("费率", "Rate"),
    "unit_price": ("单价", "Unit price"),
    "quantity": ("数量", "Quantity"),
    "growth_rate": ("增长率", "Growth rate"),
    "utilisation": ("稳定期使用率", "Utilisation"),
    "ramp_up": ("培育期系数", "Ramp-up factors"),
    "start_after_years": ("延后起始年数", "Start delay"),
    "share": ("比例", "Share"),
    "unit_cost": ("单位成本", "Unit cost"),
    "input_vat_rate": ("进项税率", "Input VAT rate"),
    "input_vat_credit_share": ("进项税可抵扣比例", "Share of input VAT credited"),
    "coupon": ("票面利率", "Coupon"),
    "refinance_coupon": ("再融资利率", "Refinancing coupon"),
    "spread": ("利率加减点", "Spread over LPR"),
    "gearing": ("贷款比例上限", "Gearing cap"),
    "dscr": ("测算偿债备付率", "Sizing DSCR"),
    "upfront_fee_rate": ("前端费率", "Up-front fee rate"),
    "commitment_fee_rate": ("承诺费率", "Commitment fee rate"),
    "cap_rate": ("资本化率", "Cap rate"),
    "discount_rate": ("折现率", "Discount rate"),
    "equity_discount_rate": ("资本金折现率", "Equity discount rate"),
    "cash_interest_rate": ("现金及储备账户存款利率", "Cash interest rate"),
    "five_year": ("5年期以上LPR", "5-year LPR"),
    "one_year": ("1年期LPR", "1-year LPR"),
    "five_year_path": ("5年期以上LPR路径", "5-year LPR path"),
    "one_year_path": ("1年期LPR路径", "1-year LPR path"),
    "duration_years": ("建设期", "Construction duration"),
    "start_year": ("开始年份序号", "Start year"),
    "years_before_start": ("估算至开工年数", "Years before start"),
    "schedule": ("分年投入比例", "Schedule"),
    "repayment_schedule": ("还本计划", "Repayment schedule"),
    "sale_price": ("销售单价", "Sale price"),
    "rent": ("租金", "Rent"),
    "exit_year": ("退出年份", "Exit year"),
    "payout_ratio": ("分派比例", "Payout ratio"),
    "transaction_cost_rate": ("交易费用率", "Transaction cost rate"),
    "senior_return": ("优先级收益率", "Senior return"),
    "junior_return": ("劣后级收益率", "Junior return"),
    "rate_path": ("利率路径", "Rate path"),
    "escrow_rate": ("偿债准备金专户利率", "Bond-repayment reserve rate"),
    "management_fee_rate": ("REITs管理费及托管费率", "REIT fee rate"),
    "capex_reserve_rate": ("资本性支出预留比例", "Capex reserve rate"),
    "spv_tax_rate": ("项目公司税负比例", "SPV tax rate"),
    "debt_service": ("REITs层面年还本付息", "REIT debt service"),
    "land_cost_rate": ("征地拆迁及开发成本占比", "Land cost share"),
    "farmland": ("农田水利建设资金计提比例", "Farmland set-aside"),
    "education": ("教育资金计提比例", "Education set-aside"),
    "housing": ("保障性安居工程资金计提比例", "Housing set-aside"),
    "land_fund": ("国有土地收益基金计提比例", "Land-fund set-aside"),
    "agriculture": ("农业土地开发资金计提比例", "Agricultural set-aside"),
    "gap_cap_share": ("可行性缺口补助上限", "Viability-gap cap"),
}
"""Labels of spec field names (the last segment of an input path)."""


def t(key: str, lang: Lang, **fields: object) -> str:
    """The text ``key`` in ``lang``, with ``{name}`` fields filled in.

    Raises
    ------
    KeyError
        When ``key`` is not in :func:`wording`.
    """
    zh, en = wording()[key]
    text = zh if lang == "zh" else en
    return text.format(**fields) if fields else text


def pick(zh: str, en: str, lang: Lang) -> str:
    """``zh`` or ``en`` by language (``zh`` when ``en`` is empty)."""
    return zh if lang == "zh" or not en else en


def check_lang(lang: str) -> Lang:
    """Validate a language code.

    Raises
    ------
    ValueError
        When ``lang`` is not ``zh`` or ``en``.
    """
    if lang == "zh":
        return "zh"
    if lang == "en":
        return "en"
    raise ValueError(f"lang must be one of {list(LANGS)}, got {lang!r}")


ENUMS: dict[str, tuple[str, str]] = {
    "tax.cn_default": ("现行税制默认税率（2025—2026年）", "PRC rates in force 2025–2026"),
    "tax.none": ("不计税费（税前口径）", "no taxes (pre-tax view)"),
    "old_community": ("老旧小区改造", "old residential communities"),
    "old_district": ("老旧街区改造", "old streets and districts"),
    "old_factory": ("老旧厂区改造", "old factories"),
    "urban_village": ("城中村改造", "urban village"),
    "heritage": ("历史文化街区", "heritage district"),
    "public_facility": ("完整社区与公共设施", "community and public facilities"),
    "parking": ("停车设施与充电", "parking and EV charging"),
    "urban_infrastructure": ("城市基础设施", "urban infrastructure"),
    "housing": ("保障性住房和普通商品住房", "affordable and ordinary housing"),
    "real_estate": ("其他房地产", "other real estate"),
    "city": ("市区", "city"),
    "county": ("县城、镇", "county or town"),
    "central_budget": ("中央预算内投资", "central budget investment"),
    "central_pilot_subsidy": ("中央财政城市更新补助", "central pilot-city subsidy"),
    "ultra_long_treasury": ("超长期特别国债", "ultra-long special treasury bonds"),
    "provincial": ("省级财政", "provincial budget"),
    "municipal": ("市县财政", "municipal budget"),
    "capital_grant": ("资本性补助", "capital grant"),
    "equity_injection": ("资本金注入", "equity injection"),
    "operating_subsidy": ("运营补贴", "operating subsidy"),
    "interest_subsidy": ("贴息", "interest subsidy"),
    "bullet": ("到期一次还本", "bullet"),
    "custom": ("分期还本（按计划）", "custom schedule"),
    **{
        f"LoanRepayment.{k.value}": (choice_label(LoanRepayment, k.value) or k.value, p.en)
        for k, p in PROFILES.items()
    },
    "fixed": ("固定", "fixed"),
    "lpr": ("LPR加减点", "LPR + spread"),
    "multiply": ("乘数", "multiplier"),
    "add": ("加数", "shift"),
    "set": ("取值", "value"),
    "lhs": ("拉丁超立方", "Latin hypercube"),
    "sobol": ("Sobol序列", "scrambled Sobol"),
    "random": ("简单随机", "random"),
    "ownership": ("产权类", "ownership"),
    "concession": ("经营权类", "concession"),
    "noi_cap": ("净营业收入/资本化率", "NOI / cap rate"),
    "dcf": ("现金流折现", "DCF"),
    "year": ("年", "year"),
    "month": ("月", "month"),
    "day": ("日", "day"),
    "once": ("次", "once"),
    "other": ("其他", "other"),
    "revenue.rent": ("租金收入", "rent"),
    "revenue.parking": ("停车收入", "parking"),
    "revenue.ev_charging": ("充电收入", "EV charging"),
    "revenue.property_services": ("物业服务收入", "property services"),
    "revenue.advertising": ("广告收入", "advertising"),
    "revenue.sale": ("销售收入", "sales"),
    "revenue.land_transfer": ("土地出让收入", "land transfer"),
    "revenue.operating_subsidy": ("运营补贴", "operating subsidy"),
    "revenue.other": ("其他收入", "other"),
    "lpr.1y": ("1年期LPR", "1-year LPR"),
    "lpr.5y": ("5年期以上LPR", "5-year-plus LPR"),
}
"""Labels of enum values shown in the report (project kind, fiscal source …)."""

UNITS: dict[str, tuple[str, str]] = {
    "元": ("元", "CNY"),
    "万元": ("万元", "CNY 10k"),
    "亿元": ("亿元", "CNY 100m"),
    "亩": ("亩", "mu"),
    "个": ("个", "unit"),
    "d": ("天", "days"),
}
"""Units in each language: the money units (``MoneyUnit``), the land area unit 亩
(1 亩 = 666.67 m²) and the count 个 a spec may name, and the documented unit ``[d]``
of the working-capital days; a unit not listed is shown as given (m², kWh)."""


def enum_label(value: object, lang: Lang, prefix: str = "") -> str:
    """Label of an enum value (``prefix`` + value first, then the value; the value itself
    when unknown)."""
    key = str(getattr(value, "value", value))
    zh, en = ENUMS.get(prefix + key, ENUMS.get(key, (key, key)))
    return zh if lang == "zh" else en


PLURAL_EN: dict[str, str] = {"个": "units"}
"""English plural of a count unit, for a quantity of several (``1,200 units``)."""


def unit_label(unit: str, lang: Lang, *, plural: bool = False) -> str:
    """``unit`` in ``lang`` (:data:`UNITS`; ``万元`` → ``CNY 10k``), each part of a compound
    unit in turn (``元/个`` → ``CNY/unit``); a part not listed as given. ``plural``: the
    unit of a quantity, in English in the plural (:data:`PLURAL_EN`; ``个`` → ``units``)."""
    if plural and lang == "en" and unit in PLURAL_EN:
        return PLURAL_EN[unit]
    parts = [UNITS.get(u, (u, u))[0 if lang == "zh" else 1] for u in unit.split("/")]
    return "/".join(parts)


DISTRIBUTIONS: dict[str, tuple[str, str]] = {
    "normal": ("正态分布", "normal"),
    "lognormal": ("对数正态分布", "lognormal"),
    "triangular": ("三角分布", "triangular"),
    "pert": ("PERT 分布", "PERT"),
    "uniform": ("均匀分布", "uniform"),
    "discrete": ("离散分布", "discrete"),
}
"""Names of the scenario distributions."""

DIST_PARAMS: dict[str, tuple[str, str]] = {
    "low": ("最小", "low"),
    "mode": ("最可能", "most likely"),
    "high": ("最大", "high"),
    "mean": ("均值", "mean"),
    "std": ("标准差", "std. dev."),
    "lamb": ("形状参数", "shape"),
    "truncate_low": ("下限截断", "truncated below at"),
    "truncate_high": ("上限截断", "truncated above at"),
    "values": ("取值", "values"),
    "probabilities": ("概率", "probabilities"),
}
"""Names of the distribution parameters, in the order they are described."""

THRESHOLD_OPS: dict[str, tuple[str, str]] = {
    "<": ("低于", "below"),
    "<=": ("不高于", "at most"),
    ">": ("高于", "above"),
    ">=": ("不低于", "at least"),
}
"""Threshold comparisons in words."""


def _number(v: float) -> str:
    text = f"{v:,.4f}".rstrip("0").rstrip(".")
    return text.replace("-", "−") if text not in ("-0", "") else "0"


def _change(v: float, apply: str) -> str:
    """A sampled value as the change it makes: multipliers and additions as signed
    changes (``−25%``, ``+0.01``), set values as they are."""
    if apply == "multiply":
        pct = round((v - 1.0) * 100, 2)
        if pct == 0:
            return "0"
        return ("+" if pct > 0 else "−") + _number(abs(pct)) + "%"
    if apply == "add":
        return "0" if v == 0 else ("+" if v > 0 else "−") + _number(abs(v))
    return _number(v)


def distribution_text(dist: dict[str, object], apply: str, lang: Lang) -> str:
    """A scenario distribution in words, e.g. ``三角分布，最小 −25%，最可能 0，最大 +10%``
    (a multiplier shown as the change it makes).

    Parameters
    ----------
    dist : dict
        The distribution's fields (``model_dump(exclude_none=True)``), with ``type``.
    apply : {"multiply", "add", "set"}
        How the sample changes the spec value.
    lang : {"zh", "en"}
        Language.
    """
    kind = str(dist.get("type", ""))
    name = pick(*DISTRIBUTIONS.get(kind, (kind, kind)), lang)
    parts = [name]
    for key, labels in DIST_PARAMS.items():
        if key not in dist:
            continue
        v = dist[key]
        if key == "lamb":
            if float(v) == 4.0:  # type: ignore[arg-type]
                continue
            shown = _number(float(v))  # type: ignore[arg-type]
        elif key == "std":
            f = float(v)  # type: ignore[arg-type]
            shown = _number(f * 100) + "%" if apply == "multiply" else _number(f)
        elif isinstance(v, list):
            sep = "、" if lang == "zh" else " / "
            if key == "probabilities":
                shown = sep.join(_number(float(x) * 100) + "%" for x in v)
            else:
                shown = sep.join(_change(float(x), apply) for x in v)
        else:
            shown = _change(float(v), apply)  # type: ignore[arg-type]
        parts.append(f"{pick(*labels, lang)} {shown}")
    return ("，" if lang == "zh" else ", ").join(parts)


def threshold_text(metric_label: str, op: str, value: float, lang: Lang) -> str:
    """A risk threshold in words, e.g. ``专项债本息覆盖倍数低于 1.2``."""
    word = pick(*THRESHOLD_OPS.get(op, (op, op)), lang)
    sep = "" if lang == "zh" else " "
    return f"{metric_label}{sep}{word} {_number(value)}"
