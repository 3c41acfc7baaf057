"""Documentation and bounds of spec fields, looked up by input path, for the Inputs sheet."""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from typing import Any, cast

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

from renewfin.spec.labels import field_label
from renewfin.spec.model import ProjectSpec

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]+)\])?")

VIRTUAL = {
    "risk.construction_delay_periods": (
        "建设延期期数",
        "Construction delay",
        "periods",
        "First-class risk: periods added to every phase's construction (0 in the base case).",
    ),
    "risk.capex_overrun": (
        "投资超支比例",
        "Capex overrun",
        "-",
        "First-class risk: overrun as a fraction of the items it applies to (0 in the base case).",
    ),
    "tax.surcharge_rate": (
        "增值税附加税率合计",
        "VAT surcharges",
        "-",
        "Urban maintenance and construction tax (城建税) + education surcharge (教育费附加) + "
        "local education surcharge (地方教育附加), resolved from the tax preset.",
    ),
    "tax.income_tax_rate": (
        "企业所得税税率",
        "Income tax rate",
        "-",
        "Resolved from the tax preset and overrides.",
    ),
}


@dataclass(frozen=True)
class FieldDoc:
    """What the Inputs sheet shows about one input."""

    zh: str
    en: str
    unit: str
    doc: str
    low: float | None = None
    high: float | None = None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (``list[X]``, ``X | None`` …), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        inner = _model_of(arg)
        if inner is not None:
            return inner
    return None


def _optional_metadata(annotation: Any) -> list[Any]:
    """The constraints of an optional field's type (``Money | None``: the bounds sit on the
    ``Annotated`` inside the union, not on the field)."""
    out: list[Any] = []
    for arg in typing.get_args(annotation):
        for meta in getattr(arg, "__metadata__", ()):
            out.extend(getattr(meta, "metadata", [meta]))
    return out


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None]:
    """Lower and upper bound of a field from its constraints (None where there is none)."""
    low = high = None
    for meta in metadata:
        # annotated_types types a bound as any comparable; the spec's bounds are numbers.
        if isinstance(meta, Ge | Gt):
            low = float(cast(float, meta.ge if isinstance(meta, Ge) else meta.gt))
        if isinstance(meta, Le | Lt):
            high = float(cast(float, meta.le if isinstance(meta, Le) else meta.lt))
    return low, high


def describe(path: str) -> FieldDoc:
    """Labels, unit, documentation and bounds of the spec field at ``path``."""
    if path in VIRTUAL:
        zh, en, unit, doc = VIRTUAL[path]
        return FieldDoc(zh, en, unit, doc)
    model: type[BaseModel] | None = ProjectSpec
    item = ""
    info = None
    owner = ""
    for raw in path.split("."):
        m = _SEGMENT.fullmatch(raw)
        if m is None or model is None or m.group(1) not in model.model_fields:
            return FieldDoc(path, path, "", "")
        owner = model.__name__
        info = model.model_fields[m.group(1)]
        if m.group(2):
            item = m.group(2)
        model = _model_of(info.annotation)
    if info is None:
        return FieldDoc(path, path, "", "")
    field = path.rsplit(".", 1)[-1]
    doc = (info.description or "").strip()
    units = re.findall(r"\[([^\]]+)\]", doc)
    low, high = _bounds([*info.metadata, *_optional_metadata(info.annotation)])
    en = field.replace("_", " ").capitalize()
    zh = field_label(owner, field) or en
    zh = f"{item}：{zh}" if item else zh
    return FieldDoc(
        zh,
        f"{en} ({item})" if item else en,
        units[-1] if units else "",
        " ".join(doc.split()),
        low,
        high,
    )
