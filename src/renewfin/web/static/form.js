// The edit form, generated from the spec's JSON Schema (GET /api/schema: `renewfin
// schema` with Chinese labels x-zh, units x-unit and choice labels x-labels). Every field
// shows its label, unit and documentation and has a place for the problems the server
// reports at its path (the same text as `renewfin validate`).

import { LANG, el, fill, t } from "./dom.js";

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A number typed in a field: "1,234.5" → 1234.5; anything else stays text (for the
 *  server to name the problem). */
export function parseNumber(text) {
  const s = text.trim().replace(/[,，\s](?=\d{3}\b)/g, "");
  return NUMBER.test(s) ? Number(s) : text.trim();
}

function parseList(text, numeric) {
  const parts = text.split(/[,，;；\s]+/).filter((p) => p !== "");
  return numeric ? parts.map(parseNumber) : parts;
}

function pathText(parts) {
  return parts.reduce((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : p), "");
}

function getAt(obj, parts) {
  return parts.reduce((o, p) => (o === null || o === undefined ? undefined : o[p]), obj);
}

function setAt(obj, parts, value) {
  let o = obj;
  for (const p of parts.slice(0, -1)) o = o[p];
  const last = parts[parts.length - 1];
  if (value === undefined) {
    if (Array.isArray(o)) o[last] = null;
    else delete o[last];
  } else o[last] = value;
}

function english(prop, key) {
  return prop.title || key.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

function cleanDoc(text) {
  return (text || "").replaceAll("``", "").replace(/\s+/g, " ").trim();
}

/** The form of one spec: `onChange()` is called after every edit. */
export class SpecForm {
  constructor(root, schema, onChange) {
    this.root = root;
    this.schema = schema;
    this.defs = schema.$defs || {};
    this.onChange = onChange;
    this.data = {};
    this.rows = new Map();
    this.seq = 0;
  }

  /** Show `data` (a spec's plain data) in the form. */
  load(data) {
    this.data = structuredClone(data || {});
    this.rows.clear();
    const top = this.model(this.schema, "ProjectSpec", [], true);
    fill(this.root, top);
  }

  changed() {
    this.onChange(this.data);
  }

  resolve(node) {
    if (node && node.$ref) {
      const name = node.$ref.split("/").pop();
      return { node: this.defs[name], name };
    }
    return { node, name: "" };
  }

  /** {node, name, nullable} of a property, through `anyOf [X, null]` and `$ref`. */
  kind(prop) {
    let node = prop;
    let nullable = false;
    if (prop.anyOf) {
      const others = prop.anyOf.filter((p) => p.type !== "null");
      nullable = others.length < prop.anyOf.length;
      node = others.length === 1 ? others[0] : { type: "string" };
    }
    const r = this.resolve(node);
    return { node: r.node || {}, name: r.name, nullable };
  }

  unitText(unit, parts) {
    const mu = (this.data.project && this.data.project.money_unit) || "万元";
    const zh = LANG === "zh";
    const owner = getAt(this.data, parts.slice(0, -1)) || {};
    switch (unit) {
      case "money": return mu;
      case "money/yr": return zh ? `${mu}/年` : `${mu}/yr`;
      case "yr": return zh ? "年" : "years";
      case "1/yr": return zh ? "年率，小数（0.035 = 3.5%）" : "per year, a fraction (0.035 = 3.5%)";
      case "share": return zh ? "比例，小数（0.3 = 30%）" : "a fraction (0.3 = 30%)";
      case "ratio": return zh ? "倍" : "×";
      case "months": return zh ? "月" : "months";
      case "quantity": return owner.quantity_unit || "";
      case "price": {
        const cur = owner.price_currency || owner.cost_currency || "元";
        const per = owner.price_per || owner.cost_per || "month";
        const perZh = { year: "年", month: "月", day: "天", once: "次" }[per] || per;
        const unit = owner.quantity_unit && owner.quantity_unit !== "unit" ? owner.quantity_unit : zh ? "单位" : "unit";
        return zh ? `${cur}/${unit}/${perZh}` : `${cur} per ${unit} per ${per}`;
      }
      default: return unit || "";
    }
  }

  /** The label, unit, documentation and problem slot around `control`. */
  row(prop, key, parts, control, id) {
    const path = pathText(parts);
    const zh = prop["x-zh"] || key;
    const en = english(prop, key);
    const unit = this.unitText(prop["x-unit"], parts);
    const node = el(
      "div",
      { class: "field", "data-path": path },
      el("label", { htmlFor: id },
        el("span", { class: "primary" }, LANG === "zh" ? zh : en),
        el("span", { class: "secondary" }, LANG === "zh" ? en : zh),
        el("code", { class: "key" }, key)),
      el("div", { class: "control" }, control, unit ? el("span", { class: "unit" }, unit) : null),
      prop.description ? el("div", { class: "doc" }, cleanDoc(prop.description)) : null,
      el("div", { class: "problem", "aria-live": "polite" }),
    );
    this.rows.set(path, node);
    return node;
  }

  id() {
    this.seq += 1;
    return `f${this.seq}`;
  }

  /** A field of `owner` (at `parts`). */
  field(prop, key, parts) {
    const k = this.kind(prop);
    const n = k.node;
    if (n.properties) return k.nullable ? this.optionalModel(prop, key, parts, k) : this.model(n, k.name, parts, false, prop, key);
    if (n.type === "array") {
      const item = this.resolve(n.items || {});
      if (item.node && item.node.properties) return this.list(prop, key, parts, item);
      return this.textList(prop, key, parts, item.node || {});
    }
    if (n.type === "object") return this.mapping(prop, key, parts, n);
    const id = this.id();
    return this.row(prop, key, parts, this.scalar(n, k, parts, id, prop), id);
  }

  scalar(n, k, parts, id, prop) {
    const value = getAt(this.data, parts);
    const set = (v) => { setAt(this.data, parts, v); this.changed(); };
    if (n.enum) {
      const labels = n["x-labels"] || {};
      const options = [];
      if (k.nullable || value === undefined || value === null) options.push(el("option", { value: "" }, t("edit.default")));
      const text = (v) => (LANG === "zh" && labels[v] && labels[v] !== String(v) ? `${labels[v]}（${v}）` : String(v));
      for (const v of n.enum) options.push(el("option", { value: String(v) }, text(v)));
      if (value !== undefined && value !== null && !n.enum.includes(value)) options.push(el("option", { value: String(value) }, String(value)));
      const sel = el("select", { id, onchange: () => set(sel.value === "" ? undefined : sel.value) }, options);
      sel.value = value === undefined || value === null ? "" : String(value);
      return sel;
    }
    if (n.type === "boolean") {
      if (k.nullable) {
        const sel = el("select", { id, onchange: () => set(sel.value === "" ? undefined : sel.value === "true") },
          el("option", { value: "" }, t("edit.default")), el("option", { value: "true" }, t("edit.yes")), el("option", { value: "false" }, t("edit.no")));
        sel.value = value === true ? "true" : value === false ? "false" : "";
        return sel;
      }
      const box = el("input", { type: "checkbox", id, checked: !!value, onchange: () => set(box.checked) });
      return box;
    }
    const numeric = n.type === "number" || n.type === "integer";
    const long = !numeric && (parts[parts.length - 1] === "description" || (n.maxLength || 0) > 200);
    const input = el(long ? "textarea" : "input", {
      id,
      class: numeric ? "" : "wide",
      rows: long ? 2 : undefined,
      type: long ? undefined : n.format === "date" ? "date" : "text",
      inputMode: numeric ? "decimal" : undefined,
      value: value === undefined || value === null ? "" : String(value),
      placeholder: prop.default !== undefined && prop.default !== null ? String(prop.default) : "",
      maxLength: n.maxLength || 2000,
    });
    input.addEventListener("input", () => {
      const text = input.value;
      set(text.trim() === "" ? undefined : numeric ? parseNumber(text) : text);
    });
    return input;
  }

  textList(prop, key, parts, item) {
    const value = getAt(this.data, parts);
    const numeric = item.type === "number" || item.type === "integer";
    const id = this.id();
    const input = el("input", {
      id, type: "text", class: "wide",
      value: Array.isArray(value) ? value.join(", ") : value === null || value === undefined ? "" : String(value),
      placeholder: t("edit.list_hint"),
    });
    input.addEventListener("input", () => {
      setAt(this.data, parts, input.value.trim() === "" ? undefined : parseList(input.value, numeric));
      this.changed();
    });
    const enumNode = this.resolve(item).node || item;
    const hint = enumNode.enum ? el("span", { class: "choices" }, enumNode.enum.join(", ")) : null;
    return this.row(prop, key, parts, el("span", {}, input, hint), id);
  }

  mapping(prop, key, parts, n) {
    const value = getAt(this.data, parts) || {};
    const keys = n.propertyNames ? (this.resolve(n.propertyNames).node || {}).enum || [] : Object.keys(value);
    const labels = n.propertyNames ? (this.resolve(n.propertyNames).node || {})["x-labels"] || {} : {};
    const box = el("div", { class: "mapping" });
    for (const k of keys) {
      const input = el("input", { type: "text", inputMode: "decimal", size: 8, value: value[k] ?? "" });
      input.addEventListener("input", () => {
        const cur = getAt(this.data, parts) || {};
        if (input.value.trim() === "") delete cur[k];
        else cur[k] = parseNumber(input.value);
        setAt(this.data, parts, Object.keys(cur).length ? cur : undefined);
        this.changed();
      });
      box.append(el("label", { class: "pair" }, el("span", {}, labels[k] || k), input));
    }
    const id = this.id();
    return this.row(prop, key, parts, box, id);
  }

  /** A model's fields; the root's sections as collapsible blocks. */
  model(node, name, parts, root = false, prop = null, key = "") {
    if (getAt(this.data, parts) === undefined && parts.length) setAt(this.data, parts, {});
    const entries = Object.entries(node.properties || {});
    if (root) {
      return el("div", { class: "sections" }, entries.map(([k, p], i) => {
        const f = this.field(p, k, [k]);
        if (f.classList.contains("field")) return f;
        return el("details", { class: "section", open: i <= 1, "data-section": k },
          el("summary", {}, this.title(p, k)), f);
      }));
    }
    const path = pathText(parts);
    const box = el("fieldset", { class: "model", "data-path": path },
      el("legend", {}, prop ? this.title(prop, key) : name),
      prop && prop.description ? el("div", { class: "doc" }, cleanDoc(prop.description)) : null,
      el("div", { class: "problem" }), entries.map(([k, p]) => this.field(p, k, [...parts, k])));
    this.rows.set(path, box);
    return box;
  }

  title(prop, key) {
    return LANG === "zh" ? prop["x-zh"] || key : english(prop, key);
  }

  optionalModel(prop, key, parts, k) {
    const holder = el("div", { class: "optional", "data-path": pathText(parts) });
    const render = () => {
      const on = getAt(this.data, parts) !== undefined && getAt(this.data, parts) !== null;
      const box = el("input", { type: "checkbox", checked: on, onchange: () => {
        setAt(this.data, parts, box.checked ? {} : undefined);
        render();
        this.changed();
      } });
      fill(holder, el("label", { class: "enable" }, box, " ", this.title(prop, key), ` — ${t("edit.enable")}`),
        on ? this.model(k.node, k.name, parts, false, prop, key) : null);
    };
    render();
    return holder;
  }

  /** A list of models (revenues, costs, bonds, loans …) with add and remove. */
  list(prop, key, parts, item) {
    const holder = el("fieldset", { class: "list", "data-path": pathText(parts) });
    const render = () => {
      const items = getAt(this.data, parts) || [];
      const title = this.title(prop, key);
      const blocks = items.map((value, i) => {
        const itemParts = [...parts, i];
        const remove = el("button", { type: "button", class: "remove", onclick: () => {
          items.splice(i, 1);
          setAt(this.data, parts, items);
          render();
          this.changed();
        } }, t("edit.remove"));
        const block = this.model(item.node, item.name, itemParts);
        const legend = block.querySelector("legend");
        legend.textContent = `${title} ${i + 1}${value && value.name ? ` · ${value.name}` : ""}`;
        legend.append(" ", remove);
        return block;
      });
      const add = el("button", { type: "button", class: "add", onclick: () => {
        setAt(this.data, parts, [...items, {}]);
        render();
        this.changed();
      } }, `${t("edit.add")} ${title}`);
      fill(holder, el("legend", {}, title), prop.description ? el("div", { class: "doc" }, cleanDoc(prop.description)) : null,
        el("div", { class: "problem" }), blocks, add);
    };
    render();
    this.rows.set(pathText(parts), holder);
    return holder;
  }

  /** Show each problem at the field it concerns (or its nearest enclosing block). */
  showProblems(problems) {
    for (const node of this.root.querySelectorAll(".problem")) node.replaceChildren();
    for (const node of this.root.querySelectorAll(".has-problem")) node.classList.remove("has-problem");
    const placed = [];
    for (const p of problems) {
      const target = this.placeOf(p.field);
      if (!target) continue;
      target.classList.add("has-problem");
      const slot = target.querySelector(":scope > .problem") || target.querySelector(".problem");
      if (slot) slot.append(el("div", {}, p.text));
      for (let d = target.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
      placed.push(target);
    }
    return placed;
  }

  placeOf(field) {
    let path = field || "";
    for (;;) {
      const node = this.root.querySelector(`[data-path="${CSS.escape(path)}"]`);
      if (node) return node;
      if (!path) return null;
      const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
      path = cut > 0 ? path.slice(0, cut) : "";
    }
  }
}
