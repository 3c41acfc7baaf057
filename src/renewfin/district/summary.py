"""Readable bilingual summary and JSON document of a district run."""

from __future__ import annotations

import math
from typing import Any, cast

import pandas as pd

from renewfin.district.result import COVERAGE, DISTRICT, HEADLINE, DistrictResult
from renewfin.metrics import metric_info
from renewfin.summary import format_summary, format_value, json_document


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _table(frame: pd.DataFrame, money_unit: str, delta: set[str] | None = None) -> list[str]:
    """Rows = metric ids, columns = parts: labelled and formatted lines."""
    labels = {m: f"{metric_info(m).zh} {metric_info(m).en}" for m in frame.index}
    wl = max(_width(s) for s in labels.values()) + 2
    cells = {
        c: [
            format_value(float(frame.loc[m, c]), metric_info(m).unit, money_unit)
            for m in frame.index
        ]
        for c in frame.columns
    }
    wc = {c: max([_width(str(c)), *(_width(v) for v in cells[c])]) + 2 for c in frame.columns}
    lines = ["  " + _pad("", wl) + "".join(_pad(str(c), wc[c], right=True) for c in frame.columns)]
    for i, m in enumerate(frame.index):
        lines.append(
            "  "
            + _pad(labels[m], wl)
            + "".join(_pad(cells[c][i], wc[c], right=True) for c in frame.columns)
        )
    return lines


def format_district(result: DistrictResult, scale_funding: bool = False) -> str:
    """A bilingual plain-text summary of a district run: the combined company (as ``renewfin
    run`` prints a project), each member's headline metrics alone (own funding, then with its
    share of the district funding), the balance test, and each member's contribution (the
    district with and without it)."""
    d = result.district
    unit = d.district.money_unit.value
    lines = ["片区合并 District as one project company", "=" * 44, format_summary(result.combined)]
    shares = ", ".join(f"{k} {v:.1%}" for k, v in result.shares.items())
    lines += [
        "",
        "成员 Members",
        "=" * 44,
        f"{len(result.keys)} members: "
        + "; ".join(f"{m.key} {m.project.project.name}" for m in d.projects),
        f"分摊比例 Share of district funding in the allocated view: {shares}",
        "",
        "单独（自有资金） Standalone, own funding only",
    ]
    lines += _table(result.members_table("standalone"), unit)
    lines += ["", "单独（自有资金 + 分摊片区资金） Alone with its share of the district funding"]
    lines += _table(result.members_table("allocated"), unit)
    bal = result.balance()
    lines += ["", "收益与融资自求平衡 Balance (bond coverage ≥ floor, cumulative cash ≥ 0)"]
    lines += _table(bal[list(COVERAGE)].T, unit)
    lines.append(
        "  "
        + "; ".join(
            f"{part}: {'平衡 balanced' if ok else '不平衡 does not balance'}"
            for part, ok in bal["balanced"].items()
        )
    )
    how = (
        "district funding scaled to the remaining members' share"
        if scale_funding
        else "district funding as stated"
    )
    lines += ["", f"贡献 Contributions: the district with and without each member ({how})"]
    contrib = result.contributions(scale_funding=scale_funding)
    for k in result.keys:
        part = contrib.xs(k, level="member")
        frame = pd.DataFrame(
            {
                DISTRICT: part["with"],
                f"无 without {k}": part["without"],
                f"贡献 Δ {k}": part["contribution"],
            }
        )
        lines += ["", f"  {k}"]
        lines += _table(frame, unit)
    if result.notes:
        lines += ["", "合并说明 Notes on the combination:"] + [f"  - {n}" for n in result.notes]
    return "\n".join(lines)


def _clean(v: float) -> float | None:
    return None if math.isnan(v) or math.isinf(v) else float(v)


def district_document(result: DistrictResult, scale_funding: bool = False) -> dict[str, Any]:
    """The district run as a JSON-ready document (NaN becomes null): the combined company's
    metrics, loan sizing and checks (as ``renewfin run --json``), each member's standalone
    and allocated documents, the funding shares, the balance test and the contributions."""
    d = result.district
    contrib = result.contributions(scale_funding=scale_funding)
    bal = result.balance()
    return {
        "district": d.district.name,
        "money_unit": d.district.money_unit.value,
        "members": result.keys,
        "combined": json_document(result.combined),
        "funding_shares": dict(result.shares),
        "standalone": {k: json_document(r) for k, r in result.standalone.items()},
        "allocated": {k: json_document(r) for k, r in result.allocated.items()},
        "balance": {
            str(part): {
                **{m: _clean(float(row[m])) for m in COVERAGE},
                "floor": float(row["floor"]),
                "balanced": bool(row["balanced"]),
            }
            for part, row in bal.iterrows()
        },
        "contributions": {
            "scale_funding": scale_funding,
            "metrics": list(HEADLINE),
            "members": {
                k: {
                    m: {
                        c: _clean(float(cast(float, contrib.loc[(k, m), c])))
                        for c in ("with", "without", "contribution")
                    }
                    for m in HEADLINE
                }
                for k in result.keys
            },
        },
        "notes": list(result.notes),
    }


__all__ = ["district_document", "format_district"]
