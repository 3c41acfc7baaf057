// The results as the page shows them: a run (key figures, checks, charts, every metric,
// the standard tables), a Monte Carlo, the sensitivity analysis and a goal seek. Every
// value arrives as a number and is formatted here; every text is added as text.

import { LANG, el, fill, formatCell, formatValue, label, t, table } from "./dom.js";

const HEADLINE = [
  "total_project_investment", "total_investment", "fiscal_outlay", "bond_amount", "loan_amount",
  "sponsor_equity", "bond_coverage", "total_debt_coverage", "residual_coverage",
  "min_dscr", "min_loan_dscr", "min_llcr", "project_irr_after_tax", "equity_irr",
];

function status(ok) {
  if (ok === undefined) return "";
  return el("span", { class: ok ? "badge ok" : "badge bad" }, ok ? t("run.passed") : t("run.failed"));
}

function metricCard(m, mu) {
  return el("div", { class: "card", "data-metric": m.key },
    el("div", { class: "label" }, label(m)),
    el("div", { class: "value" }, formatValue(m.value, m.unit, mu)),
    m.floor !== undefined ? el("div", { class: "floor" }, `${t("run.floor")} ${m.floor}`, " ", status(m.ok ?? undefined)) : null);
}

function checksTable(checks) {
  return table([t("col.status"), t("col.item"), ""], checks.map((c) => [
    el("td", { class: c.passed ? "ok" : "bad", "data-check": c.id }, c.passed ? "✓" : "✗"),
    label(c), c.passed ? "" : c.message,
  ]));
}

function charts(list, notes) {
  return el("div", { class: "charts" },
    list.map((c) => el("figure", { "data-chart": c.id }, el("img", { src: c.src, alt: c.title }), el("figcaption", {}, c.title))),
    (notes || []).map((n) => el("p", { class: "muted small" }, n)));
}

/** One standard table: label columns, then 合计 and the years. */
export function standardTable(tb) {
  const head = [LANG === "zh" ? "序号" : "No.", t("col.item"), ...tb.columns];
  const rows = tb.rows.map((r) => [
    r.no, el("td", { class: "item" }, label(r)),
    ...r.values.map((v) => el("td", { class: "num" }, r.kind === "heading" ? "" : formatCell(v, r.kind))),
  ]);
  return el("div", { class: "table-wrap", "data-table": tb.id }, table(head, rows, "grid std"));
}

function tablesBlock(tables) {
  const holder = el("div");
  const select = el("select", { id: "table-select", onchange: () => show() },
    tables.map((tb, i) => el("option", { value: String(i) }, `${label(tb)}（${t("run.unit")}：${tb.unit}）`)));
  const show = () => fill(holder, standardTable(tables[Number(select.value)]));
  show();
  return el("div", {}, el("label", {}, `${t("run.table")} `, select), holder);
}

/** The Run tab. */
export function renderRun(node, view, seconds) {
  const mu = view.money_unit;
  const all = new Map(view.sections.flatMap((s) => s.metrics.map((m) => [m.key, m])));
  const head = HEADLINE.filter((k) => all.has(k)).map((k) => metricCard(all.get(k), mu));
  const failed = [...view.checks.integrity, ...view.checks.covenant].filter((c) => !c.passed).length;
  const sizing = Object.entries(view.loan_sizing || {});
  fill(node,
    el("p", { class: "muted", id: "run-time" }, t("run.seconds", { s: seconds.toFixed(2) })),
    el("h3", {}, t("run.headline")), el("div", { class: "cards", id: "headline" }, head),
    el("h3", {}, `${t("run.checks")}（${failed ? `${failed} ${t("run.failed")}` : t("run.passed")}）`),
    el("div", { class: "two" },
      el("div", {}, el("h4", {}, t("run.integrity")), checksTable(view.checks.integrity)),
      el("div", {}, el("h4", {}, t("run.covenant")), checksTable(view.checks.covenant))),
    sizing.length ? el("div", {}, el("h3", {}, t("run.sizing")),
      table([t("col.item"), t("col.value"), t("run.binding")],
        sizing.map(([name, s]) => [name, formatValue(s.size, "money", mu), s.binding]))) : null,
    view.diagnostics.length ? el("div", {}, el("h3", {}, t("run.notes")), el("ul", {}, view.diagnostics.map((d) => el("li", {}, d)))) : null,
    el("h3", {}, t("run.charts")), el("div", { id: "run-charts" }, charts(view.charts, view.chart_notes)),
    el("h3", {}, t("run.sections")),
    view.sections.map((s) => el("section", { class: "metrics" }, el("h4", {}, label(s)),
      table([t("col.metric"), t("col.value"), t("run.floor"), t("col.status")], s.metrics.map((m) => [
        label(m), el("td", { class: "num", "data-value": m.key }, formatValue(m.value, m.unit, mu)),
        m.floor ?? "", status(m.ok ?? undefined),
      ])))),
    el("h3", {}, t("run.tables")), tablesBlock(view.tables));
}

const STATS = ["mean", "std", "p5", "p10", "p50", "p90", "p95"];

/** The charts of a run, once drawn. */
export function showCharts(data) {
  const node = document.getElementById("run-charts");
  if (node) fill(node, charts(data.charts, data.chart_notes));
}

/** The Monte Carlo results: percentiles, breach probabilities, stress cases, charts. */
export function renderSimulation(node, result, mu) {
  const doc = result.document;
  const labels = result.labels || {};
  const info = (k) => labels[k] || { zh: k, en: k, unit: "ratio" };
  const pct = table([t("col.metric"), ...STATS, "n/a"], Object.entries(doc.summary)
    .filter(([k]) => labels[k])
    .map(([k, row]) => [label(info(k)), ...STATS.map((c) => el("td", { class: "num" },
      formatValue(row[c], info(k).unit, mu))), row.n_nan || ""]));
  const breaches = table([t("col.item"), t("risk.threshold"), t("risk.p"), t("risk.se"), "n"],
    doc.breaches.map((b) => [b.label, b.threshold,
      el("td", { class: "num", "data-breach": b.threshold }, formatValue(b.p, "share")),
      formatValue(b.se, "share"), `${b.n_breach} / ${b.n}`]));
  const stress = doc.stress ? Object.entries(doc.stress) : [];
  const cols = ["equity_irr", "project_irr_after_tax", "bond_coverage", "min_dscr"].filter(
    (c) => stress.length && c in stress[0][1]);
  fill(node,
    el("h3", {}, t("risk.percentiles")), el("div", { class: "table-wrap", id: "mc-percentiles" }, pct),
    el("h3", {}, t("risk.breaches")), breaches,
    stress.length ? el("div", {}, el("h3", {}, t("risk.stress")), table(["", ...cols.map((c) => label(info(c)))],
      stress.map(([name, row]) => [name, ...cols.map((c) => formatValue(row[c], info(c).unit, mu))]))) : null,
    charts(result.charts, result.chart_notes));
}

/** The sensitivity table, the switching values (临界点) and the charts. */
export function renderSensitivity(node, result) {
  const ev = result.tables.evaluation;
  const metrics = result.metrics.filter((m) => ev.length && m in ev[0]);
  const names = metrics.map((m) => (result.labels && result.labels[m] ? label(result.labels[m]) : m));
  const evTable = table([t("risk.factor"), t("risk.change"), ...names, t("risk.saf")], ev.map((r) => [
    LANG === "zh" ? r.factor : r.factor_en || r.factor,
    r.change ? `${(r.change * 100).toFixed(0)}%` : "",
    ...metrics.map((m) => el("td", { class: "num" }, r[m] === null ? "n/a" : r[m].toFixed(4))),
    r.saf === null ? "" : r.saf.toFixed(3),
  ]));
  const sw = table([t("risk.threshold"), t("risk.factor"), t("risk.switch_at"), t("solve.status")],
    result.tables.switching.map((r) => [r.threshold_label, r.factor,
      el("td", { class: "num" }, r.status === "found" ? `${(r.change * 100).toFixed(2)}%` : ""),
      t(`switch.${r.status}`) === `switch.${r.status}` ? r.status : t(`switch.${r.status}`)]));
  fill(node, el("h4", {}, t("risk.evaluation")), el("div", { class: "table-wrap" }, evTable),
    el("h4", {}, t("risk.switching")), el("div", { class: "table-wrap", id: "switching" }, sw),
    charts(result.charts, result.chart_notes));
}

/** A goal seek's answer, its binding constraint and every margin. */
export function renderSolve(node, doc) {
  fill(node,
    el("div", { class: "cards" },
      el("div", { class: "card", id: "solve-value" }, el("div", { class: "label" }, `${t("solve.result")} · ${doc.path}`),
        el("div", { class: "value" }, Number(doc.value).toLocaleString(undefined, { maximumFractionDigits: 6 })),
        el("div", { class: "floor" }, `${t("solve.status")}: ${doc.status}`))),
    doc.binding ? el("p", {}, `${t("solve.binding")}: `, el("code", {}, doc.binding)) : null,
    table([t("solve.targets"), t("solve.margin"), t("solve.holds")], doc.constraints.map((c) => [
      el("code", {}, c.constraint), c.margin === null ? "n/a" : c.margin.toPrecision(6),
      el("td", { class: c.holds ? "ok" : "bad" }, c.holds ? "✓" : "✗")])));
}
