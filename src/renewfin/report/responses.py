"""风险应对措施: one response per kind of risk the scenario makes uncertain (the wording in
the text tables, chosen by the input's spec path), and what each stress case does to the
bond coverage or the DSCR against its floor, quoting the stress table's figures."""

from __future__ import annotations

import re

import numpy as np

from renewfin.report.context import Ctx, sentence
from renewfin.report.html import esc

CATEGORIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("delay", re.compile(r"^risk\.construction_delay")),
    ("capex", re.compile(r"^(risk\.capex_overrun|investment\[|price_contingency)")),
    ("price", re.compile(r"^revenues\[[^\]]+\]\.(unit_price|growth_rate)")),
    ("volume", re.compile(r"^revenues\[[^\]]+\]\.(utilisation|quantity|ramp_up)")),
    ("cost", re.compile(r"^opex\[")),
    ("rate", re.compile(r"^funding\.(lpr|loans\[[^\]]+\]\.(spread|rate)|special_bonds)")),
    ("exit", re.compile(r"^funding\.reit_exit")),
)
"""Kinds of risk, by the spec path of the uncertain input (first match; else ``other``)."""

STRESS_TESTS = (
    ("bond_coverage", "min_bond_coverage"),
    ("min_loan_dscr", "min_dscr"),
    ("min_dscr", "min_dscr"),
)
"""Metric a stress case is judged on (the first the stress table has) and its covenant."""


def category(path: str) -> str:
    """The kind of risk of an input path (``delay``, ``capex``, ``price`` … ``other``)."""
    return next((k for k, rx in CATEGORIES if rx.search(path)), "other")


def _by_category(ctx: Ctx) -> list[str]:
    assert ctx.data.scenario is not None
    groups: dict[str, list[str]] = {}
    for inp in ctx.data.scenario.inputs:
        groups.setdefault(category(inp.path), []).append(inp.name)
    sep = "、" if ctx.lang == "zh" else ", "
    return [
        sentence(ctx, f"resp.{k}", inputs=esc(sep.join(dict.fromkeys(names))))
        for k, names in groups.items()
    ]


def _stress(ctx: Ctx) -> list[str]:
    stress = ctx.data.stress
    if stress is None or not len(stress):
        return []
    cov = ctx.data.spec.funding.covenants
    test = next(
        (
            (m, f)
            for m, f in STRESS_TESTS
            if m in stress.columns and np.isfinite(stress[m].to_numpy(float)).any()
        ),
        None,
    )
    if test is None:
        return []
    key, field = test
    floor = float(getattr(cov, field))
    out = []
    for i, (name, row) in enumerate(stress.iterrows()):
        value = float(row[key])
        if i == 0 or not np.isfinite(value):  # row 0 is the base case (stress_table)
            continue
        ok = value >= floor
        out.append(
            sentence(
                ctx,
                "resp.stress_ok" if ok else "resp.stress_bad",
                case=esc(name),
                label=esc(ctx.label(key)),
                value=ctx.fmt.fig(value, ctx.kind(key), stress=i, col=key),
                floor=ctx.spec_fig(f"funding.covenants.{field}", floor, "ratio"),
            )
        )
    return out


def responses_block(ctx: Ctx) -> str:
    """The 风险应对措施 subsection (HTML): the responses by kind of risk, then the stress
    cases against their floor; '' without a scenario."""
    if ctx.data.scenario is None:
        return ""
    items = "".join(f"<li>{x}</li>" for x in [*_by_category(ctx), *_stress(ctx)])
    return f"<h3>{esc(ctx.t('risk.responses'))}</h3><ul>{items}</ul>"
