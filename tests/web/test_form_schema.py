"""The edit form's schema (renewfin.web.form_schema): ``renewfin schema`` with a Chinese
label and a unit on every field and a Chinese label on every choice, so that a field added
to the spec without one fails here."""

from __future__ import annotations

from typing import Any

from renewfin.spec import project_schema
from renewfin.spec.labels import choice_label, field_label
from renewfin.web.form_schema import form_schema, unit_of

UNITS = {
    "",
    "money",
    "money/yr",
    "yr",
    "1/yr",
    "share",
    "亿元",
    "quantity",
    "price",
    "ratio",
    "months",
}
"""The unit codes the page renders (static/form.js, unitText)."""


def _models(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [("ProjectSpec", schema), *schema["$defs"].items()]


def test_it_is_the_spec_schema_with_annotations() -> None:
    plain = project_schema()
    annotated = form_schema()
    for name, model in _models(annotated):
        original = plain if name == "ProjectSpec" else plain["$defs"][name]
        for field, prop in model.get("properties", {}).items():
            stripped = {k: v for k, v in prop.items() if not k.startswith("x-")}
            assert stripped == original["properties"][field], (name, field)


def test_every_field_has_a_chinese_label_and_a_known_unit() -> None:
    missing = []
    for name, model in _models(form_schema()):
        for field, prop in model.get("properties", {}).items():
            if field_label(name, field) is None:
                missing.append(f"{name}.{field}")
            assert prop["x-unit"] in UNITS, (name, field, prop["x-unit"])
            assert any("\u4e00" <= ch <= "\u9fff" for ch in prop["x-zh"]), (name, field)
    assert missing == []


def test_every_choice_has_a_chinese_label() -> None:
    missing = [
        f"{name}.{value}"
        for name, model in _models(form_schema())
        for value in model.get("enum", [])
        if choice_label(name, str(value)) is None
    ]
    assert missing == []
    assert form_schema()["$defs"]["LoanRepayment"]["x-labels"]["equal_principal"] == "等额本金"


def test_units_from_the_documentation_and_bounds() -> None:
    assert unit_of({"description": "Tenor [yr].", "type": "number"}) == "yr"
    assert unit_of({"description": "Rate [1/yr].", "type": "number"}) == "1/yr"
    assert unit_of({"description": "Amount in the money unit.", "type": "number"}) == "money"
    assert unit_of({"type": "number", "minimum": 0, "maximum": 1}) == "share"
    assert unit_of({"description": "A name.", "type": "string"}) == ""
    assert unit_of({"type": "number"}, "Loan.dsra_months") == "months"
    defs = form_schema()["$defs"]
    assert defs["SpecialBond"]["properties"]["amount"]["x-unit"] == "money"
    assert defs["Loan"]["properties"]["grace_years"]["x-unit"] == "yr"
    assert defs["Covenants"]["properties"]["min_dscr"]["x-unit"] == "ratio"
