"""编制依据与基本假设: the rules the evaluation applies (:mod:`renewfin.report.rules`), then
every numeric input the engine read, with its value, unit and the spec field's
documentation (``renewfin.excel.fields.describe``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from renewfin.excel.fields import FieldDoc, describe
from renewfin.report.context import Ctx
from renewfin.report.fmt import Kind
from renewfin.report.html import esc, table, td, tr
from renewfin.report.i18n import FIELDS, Lang, enum_label, unit_label
from renewfin.report.rules import rules_block
from renewfin.spec.model import ProjectSpec
from renewfin.spec.opex import OpexItem
from renewfin.spec.revenue import RevenueStream

_ITEM = re.compile(r"^([a-z_]+(?:\.[a-z_]+)*)\[([^\]]+)\]")

PERCENT_FIELDS = {
    "rate",
    "growth_rate",
    "utilisation",
    "ramp_up",
    "share",
    "input_vat_rate",
    "input_vat_credit_share",
    "coupon",
    "refinance_coupon",
    "spread",
    "gearing",
    "upfront_fee_rate",
    "commitment_fee_rate",
    "cap_rate",
    "discount_rate",
    "five_year",
    "one_year",
    "five_year_path",
    "one_year_path",
    "capex_overrun",
    "surcharge_rate",
    "income_tax_rate",
    "set_aside_rate",
    "schedule",
    "repayment_schedule",
    "senior_return",
    "junior_return",
    "payout_ratio",
    "transaction_cost_rate",
    "rate_path",
    "issuance_fee_rate",
    "payment_fee_rate",
    "capital_share",
    "refinance_share",
    "vat_rate",
    "property_tax_rate",
    "escrow_rate",
    "management_fee_rate",
    "capex_reserve_rate",
    "spv_tax_rate",
    "land_cost_rate",
    "farmland",
    "education",
    "housing",
    "land_fund",
    "agriculture",
    "gap_cap_share",
}
"""Fields whose values are fractions, shown as percentages."""

YEAR_FIELDS = {
    "duration_years",
    "start_after_years",
    "years_before_start",
    "start_year",
    "exit_year",
    "term_years",
}
"""Fields in years."""


def field_name(path: str) -> str:
    """The last field of an input path (``revenues[停车位].unit_price`` → ``unit_price``)."""
    return re.sub(r"\[[^\]]*\]", "", path.rsplit(".", 1)[-1])


def item_name(path: str) -> str:
    """The named item of an input path (``停车位``), or ''."""
    names = re.findall(r"\[([^\]]+)\]", path)
    return names[-1] if names else ""


def section_of(path: str) -> str:
    """Top-level section of an input path (``revenues``, ``funding`` …)."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def _named(items: Sequence[Any], name: str) -> Any:
    return next((i for i in items if getattr(i, "name", None) == name), None)


def input_kind(spec: ProjectSpec, path: str, doc: FieldDoc, lang: Lang) -> tuple[Kind, str]:
    """Display kind and unit text of an input.

    Percent fields are shown as percentages; amounts in the money unit; revenue unit prices
    in their currency per quantity unit and time basis; years, periods and multiples.
    """
    name = field_name(path)
    unit = unit_label(spec.project.money_unit.value, lang)
    zh = lang == "zh"
    if name in PERCENT_FIELDS or (doc.unit in ("1/yr", "-") and name != "dscr"):
        return "share", "%"
    if name == "dscr":
        return "ratio", "倍" if zh else "×"
    if name == "amount" or doc.unit in ("money", "money/yr"):
        per_year = doc.unit == "money/yr"
        return "money", unit + (("/年" if zh else "/yr") if per_year else "")
    if name in YEAR_FIELDS or doc.unit == "yr":
        return "number", "年" if zh else "years"
    if doc.unit == "periods":
        return "number", "期" if zh else "periods"
    item = item_name(path)
    if name in ("unit_price", "quantity") and path.startswith("revenues["):
        rev = _named(spec.revenues, item)
        if rev is not None:
            if name == "quantity":
                return "number", unit_label(str(rev.quantity_unit), lang, plural=True)
            return "number", price_unit(rev, lang)
    if name == "unit_cost" and path.startswith("opex["):
        item_spec = _named(spec.opex, item)
        if item_spec is not None:
            return "number", cost_unit(item_spec, lang)
    return "number", unit_label(doc.unit, lang) if doc.unit not in ("", "quantity_unit") else ""


def price_unit(rev: RevenueStream, lang: Lang) -> str:
    """Unit of a revenue's unit price in ``lang``: currency per quantity unit per time
    (``元/m²/月``, ``CNY/m²/month``), without the time for a one-off price (``万元/亩``)."""
    money = unit_label(rev.price_currency.value, lang)
    quantity = unit_label(str(rev.quantity_unit), lang)
    if rev.price_per.value == "once":
        return f"{money}/{quantity}"
    return f"{money}/{quantity}/{enum_label(rev.price_per, lang)}"


def cost_unit(item: OpexItem, lang: Lang) -> str:
    """Unit of an operating cost's unit cost in ``lang``: currency per time or unit
    (``元/年``, ``CNY/year``)."""
    return f"{unit_label(item.cost_currency.value, lang)}/{enum_label(item.cost_per, lang)}"


def input_label(path: str, doc: FieldDoc, lang: Lang) -> str:
    """Readable label of an input: item name and field label in the language."""
    name = field_name(path)
    item = item_name(path)
    if name in FIELDS:
        field = FIELDS[name][0 if lang == "zh" else 1]
    else:
        field = (
            doc.zh if lang == "zh" and not item else doc.en if not item else (doc.en.split(" (")[0])
        )
    if item:
        return f"{item}：{field}" if lang == "zh" else f"{item}: {field}"
    return field


def decimals_for(value: float, kind: Kind) -> int:
    """Enough decimals to show ``value`` exactly (up to 4; percentages of the percent)."""
    v = value * 100 if kind == "share" else value
    for d in range(0, 5):
        if abs(round(v, d) - v) < 1e-9 * max(1.0, abs(v)):
            return max(d, 2 if kind in ("money", "share", "ratio") else 0)
    return 4


def basis_section(ctx: Ctx) -> str:
    """Evaluation parameters, then every engine input grouped by spec section."""
    spec = ctx.data.spec
    ev = spec.evaluation
    out = [rules_block(ctx), f"<h3>{esc(ctx.t('basis.evaluation'))}</h3>"]
    rows = [
        tr(
            [
                td(ctx.t(f"basis.{k}")),
                ctx.spec_fig(f"evaluation.{k}", getattr(ev, k), "rate", tag="td"),
            ]
        )
        for k in ("discount_rate", "benchmark_irr", "equity_discount_rate")
    ]
    preset = enum_label(spec.tax.preset, ctx.lang, "tax.")
    rows.append(tr([td(ctx.t("basis.tax_preset")), td(preset, "text")]))
    out.append(table([ctx.t("col.item"), ctx.t("col.value")], rows))

    zh = ctx.lang == "zh"
    inputs = ctx.data.result.inputs
    bases = dict(inputs.bases) if inputs is not None else {}
    out.append(f'<p class="note">{esc(ctx.t("basis.intro", n=len(bases)))}</p>')
    order = SECTIONS[1:]  # the project's own fields are shown above
    grouped: dict[str, list[str]] = {}
    for path in bases:
        sec = section_of(path)
        key = sec if f"group.{sec}" in _GROUPS else "other"
        grouped.setdefault(ctx.t(f"group.{key}"), []).append(path)
    rank = {ctx.t(f"group.{s}"): i for i, s in enumerate(order)}
    body = []
    for title in sorted(grouped, key=lambda g: rank.get(g, len(order))):
        body.append(tr([f'<td colspan="{3 if zh else 4}">{esc(title)}</td>'], "heading"))
        for path in grouped[title]:
            doc = describe(path)
            kind, unit = input_kind(spec, path, doc, ctx.lang)
            base = bases[path]
            if isinstance(base, list):
                d = max((decimals_for(v, kind) for v in base), default=2)
                value = ctx.fmt.vector(list(base), kind, decimals=d, input=path)
                cell = f'<td class="num">{value}</td>'
            else:
                cell = ctx.fmt.fig(
                    float(base),
                    kind,
                    tag="td",
                    decimals=decimals_for(float(base), kind),
                    unit=False,
                    input=path,
                )
            # the Chinese report names each input in Chinese; the spec path and the
            # field documentation (English) are for the English, technical reading
            label = esc(input_label(path, doc, ctx.lang))
            cells = [f'<td class="label">{label}</td>', cell, td(unit, "unit")]
            if not zh:
                cells[0] = f'<td class="label">{label}<br><code>{esc(path)}</code></td>'
                cells.append(td(doc.doc.replace("``", ""), "doc"))
            body.append(tr(cells, "level1"))
    out.append(
        table(
            [ctx.t("col.input"), ctx.t("col.value"), ctx.t("col.unit")]
            + ([] if zh else [ctx.t("col.doc")]),
            body,
            cls="inputs",
        )
    )
    return "".join(out)


SECTIONS = (
    "project",
    "timeline",
    "risk",
    "investment",
    "price_contingency",
    "revenues",
    "opex",
    "tax",
    "depreciation",
    "funding",
    "evaluation",
)
"""Top-level sections of a spec, in the order the basis lists the inputs."""
_GROUPS = {f"group.{s}" for s in SECTIONS}
