"""The conclusion of the report (结论与建议): can the project balance its special bond
from its own income, do the bank ratios meet their covenants, and what are the main
risks — each statement generated from a figure of the run, never written by hand."""

from __future__ import annotations

import numpy as np

from renewfin.report.context import Ctx, sentence
from renewfin.report.html import esc
from renewfin.report.sections import viability

BANK_TESTS = (
    ("min_loan_dscr", "min_dscr", "min_dscr"),
    ("min_icr", "min_icr", "min_icr"),
    ("min_llcr", "min_llcr", "llcr_floor"),
)
"""Bank ratios of the conclusion: (metric, covenant spec field, covenant value attribute);
the loan DSCR after bonds is the ratio the DSCR covenant tests."""

TOP_RISKS = 3
"""Breach probabilities named among the main risks, highest first."""


def _li(text: str, cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f"<li{c}>{text}</li>"


def _bond(ctx: Ctx) -> list[str]:
    spec = ctx.data.spec
    ok, text = viability(ctx)
    sustainable = _li(text, "ok" if ok else "bad")
    if not spec.funding.special_bonds or not ctx.has("bond_coverage"):
        return [_li(esc(ctx.t("concl.no_bond"))), sustainable]
    floor = spec.funding.covenants.min_bond_coverage
    ok = ctx.value("bond_coverage") >= floor
    out = [
        _li(
            sentence(
                ctx,
                "concl.bond_ok" if ok else "concl.bond_bad",
                value=ctx.metric("bond_coverage"),
                floor=ctx.spec_fig("funding.covenants.min_bond_coverage", floor, "ratio"),
            ),
            "ok" if ok else "bad",
        )
    ]
    out.append(sustainable)
    if ctx.has("min_annual_cash_coverage"):
        annual = ctx.value("min_annual_cash_coverage")
        out.append(
            _li(
                sentence(
                    ctx,
                    "concl.annual_ok" if annual >= 1 else "concl.annual_bad",
                    value=ctx.metric("min_annual_cash_coverage"),
                )
            )
        )
    return out


def _bank(ctx: Ctx) -> list[str]:
    fs = ctx.data.spec.funding
    if not fs.loans:
        return [_li(esc(ctx.t("concl.no_loan")))]
    out = []
    for key, field, attr in BANK_TESTS:
        if not ctx.has(key):
            continue
        floor = float(getattr(fs.covenants, attr))
        ok = ctx.value(key) >= floor
        out.append(
            _li(
                sentence(
                    ctx,
                    "concl.ratio_ok" if ok else "concl.ratio_bad",
                    label=esc(ctx.label(key)),
                    value=ctx.metric(key),
                    floor=ctx.spec_fig(f"funding.covenants.{field}", floor, "ratio"),
                ),
                "ok" if ok else "bad",
            )
        )
    return out


def _risks(ctx: Ctx) -> list[str]:
    d = ctx.data
    out = []
    tor = d.tornado
    if len(tor) and np.isfinite(float(tor.iloc[0]["swing"])):
        r = tor.iloc[0]
        kind = ctx.kind(str(r["metric"]))
        out.append(
            _li(
                sentence(
                    ctx,
                    "concl.driver",
                    input=esc(r["input"]),
                    label=esc(ctx.label(str(r["metric"]))),
                    swing=ctx.fmt.fig(float(r["swing"]), kind, sens="tornado", row=0, col="swing"),
                )
            )
        )
    sim = d.simulation
    if sim is None:
        out.append(_li(esc(ctx.t("concl.no_sim"))))
        return out
    br = sim.breaches()
    p = br["p"].to_numpy(float) if len(br) else np.array([])
    order = [int(i) for i in np.argsort(-np.nan_to_num(p, nan=-1.0)) if p[i] > 0][:TOP_RISKS]
    n = ctx.fmt.fig(sim.n, "number", decimals=0, calc="sim_n")
    if not order:
        out.append(_li(sentence(ctx, "concl.no_breach", n=n), "ok"))
    for i in order:
        row = br.iloc[i]
        out.append(
            _li(
                sentence(
                    ctx,
                    "concl.breach",
                    n=n,
                    label=esc(ctx.breach_label(i)),
                    p=ctx.fmt.fig(row["p"], "share", breach=i, stat="p"),
                )
            )
        )
    return out


def conclusion_section(ctx: Ctx) -> str:
    """The bond balance against its floor, the bank ratios against their covenants and the
    main risks, as generated statements quoting the run's figures."""
    parts = (("concl.bond", _bond), ("concl.bank", _bank), ("concl.risks", _risks))
    return "".join(
        f"<h3>{esc(ctx.t(title))}</h3><ul>{''.join(fn(ctx))}</ul>" for title, fn in parts
    )
