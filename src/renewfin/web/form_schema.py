"""The JSON Schema the edit form is generated from: ``renewfin schema`` with, on every
field, its Chinese label (``x-zh``) and unit (``x-unit``), and on every enumeration the
Chinese label of each choice (``x-labels``).

Units are codes the page renders: ``money`` (the spec's money unit), ``money/yr``,
``yr``, ``1/yr`` (an annual rate as a fraction), ``share`` (a fraction between 0 and 1),
``亿元``, ``quantity`` (the stream's quantity unit), ``price`` (in the field's currency
and time basis), ``ratio`` (a multiple), ``months`` or ``""``. They come from
:data:`FIELD_UNITS`, else from the unit in brackets that ends a field's documentation
(``[1/yr]``) or the words "money unit" in it, else from bounds of 0 and 1.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from renewfin.spec import project_schema
from renewfin.spec.labels import choice_label, field_label

__all__ = ["UNITS", "form_schema", "unit_of"]

UNITS = {
    "money": "money",
    "money/yr": "money/yr",
    "yr": "yr",
    "1/yr": "1/yr",
    "亿元": "亿元",
    "quantity_unit": "quantity",
}
"""Unit in a field's documentation → the unit code of the form."""

FIELD_UNITS = {
    "Covenants.min_bond_coverage": "ratio",
    "Covenants.min_total_coverage": "ratio",
    "Covenants.min_dscr": "ratio",
    "Covenants.min_dscr_cn": "ratio",
    "Covenants.min_icr": "ratio",
    "Covenants.min_llcr": "ratio",
    "Loan.target_dscr": "ratio",
    "Loan.lockup_dscr": "ratio",
    "LoanSizing.dscr": "ratio",
    "LoanSizing.llcr": "ratio",
    "Loan.dsra_months": "months",
    "LprSpec.one_year_path": "1/yr",
    "LprSpec.five_year_path": "1/yr",
    "OpexItem.unit_cost": "price",
    "RevenueStream.unit_price": "price",
    "OpexItem.every_years": "yr",
    "RevenueStream.growth_every_years": "yr",
    "ReitExit.min_operating_years": "yr",
    "ReitExit.min_distribution_rate": "share",
    "ReitExit.min_irr": "1/yr",
    "TaxSpec.loss_carryforward_years": "yr",
    "Plausibility.max_grant_share": "share",
    "Plausibility.max_sources_ratio": "ratio",
}
"""Units of the fields whose documentation does not end in one, by ``Model.field``."""

_BRACKET = re.compile(r"\[([^\[\]]+)\]")


def _number_schemas(prop: dict[str, Any]) -> list[dict[str, Any]]:
    """The number schemas a property may take (itself, its ``anyOf`` members, items)."""
    out = [prop, *prop.get("anyOf", [])]
    out += [p["items"] for p in list(out) if isinstance(p.get("items"), dict)]
    return [p for p in out if p.get("type") in ("number", "integer")]


def unit_of(prop: dict[str, Any], key: str = "") -> str:
    """The unit code of a property of the schema (``key``: its ``Model.field``)."""
    if key in FIELD_UNITS:
        return FIELD_UNITS[key]
    for code in reversed(_BRACKET.findall(prop.get("description", ""))):
        if code in UNITS:
            return UNITS[code]
    if "money unit" in prop.get("description", "") and _number_schemas(prop):
        return "money"
    for p in _number_schemas(prop):
        if p.get("minimum") == 0 and p.get("maximum") == 1:
            return "share"
    return ""


def _annotate(name: str, model: dict[str, Any]) -> None:
    if "enum" in model:
        model["x-labels"] = {str(v): choice_label(name, str(v)) or str(v) for v in model["enum"]}
    for field, prop in model.get("properties", {}).items():
        prop["x-zh"] = field_label(name, field) or prop.get("title") or field
        prop["x-unit"] = unit_of(prop, f"{name}.{field}")


@functools.cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = copy.deepcopy(project_schema())
    _annotate(str(schema.get("title", "ProjectSpec")), schema)
    for name, model in schema.get("$defs", {}).items():
        _annotate(name, model)
    return schema


def form_schema() -> dict[str, Any]:
    """The annotated schema (a fresh copy)."""
    return copy.deepcopy(_schema())
