// Small helpers shared by the page's scripts: elements built from text (never from HTML,
// so that no project text is ever read as markup), the page's words, number formats.

export const LANG = document.body.dataset.lang === "en" ? "en" : "zh";
const TEXT = JSON.parse(document.getElementById("i18n").textContent);

/** The page's text for `key`, with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  let s = TEXT[key] ?? key;
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** An element: `attrs` are properties or attributes (`class`, `data-*`, `on*` handlers);
 *  children are nodes or strings (added as text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k in node && !k.startsWith("data-") && !k.startsWith("aria-")) node[k] = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  append(node, children);
  return node;
}

/** Append nodes and strings (as text) to `node`. */
export function append(node, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** Replace the children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** The label of a bilingual thing ({zh, en}) in the page's language. */
export function label(thing) {
  return LANG === "zh" ? thing.zh || thing.en : thing.en || thing.zh;
}

const GROUPED = new Intl.NumberFormat(LANG === "zh" ? "zh-CN" : "en-US", {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** A number in the way metrics of `unit` are shown (money with separators, rates in %). */
export function formatValue(value, unit, moneyUnit = "") {
  if (value === null || value === undefined || Number.isNaN(value)) return "n/a";
  switch (unit) {
    case "money":
      return `${GROUPED.format(value)}${moneyUnit ? " " + moneyUnit : ""}`;
    case "rate":
    case "share":
      return `${(value * 100).toFixed(2)}%`;
    case "years":
      return `${value.toFixed(2)} ${LANG === "zh" ? "年" : "yr"}`;
    case "flag":
      return value > 0.5 ? t("edit.yes") : t("edit.no");
    default:
      return value.toFixed(3);
  }
}

/** A table cell's number by its row kind. */
export function formatCell(value, kind) {
  if (value === null || value === undefined) return "";
  if (kind === "ratio") return value.toFixed(3);
  if (kind === "flag") return value > 0.5 ? "✓" : "✗";
  return GROUPED.format(value);
}

/** A table: `head` a list of header texts, `rows` a list of lists of cells (nodes or text). */
export function table(head, rows, cls = "grid") {
  return el(
    "table",
    { class: cls },
    el("thead", {}, el("tr", {}, head.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => (c instanceof Node && c.tagName === "TD" ? c : el("td", {}, c)))))),
  );
}
