// The page: the project list, the tabs (edit, run, risk, solve, downloads) and what
// their buttons do, all through the JSON API.

import { api, errorText, followJob, projectUrl } from "./api.js";
import { LANG, el, fill, t } from "./dom.js";
import { SpecForm } from "./form.js";
import { renderRun, renderSensitivity, renderSimulation, renderSolve, showCharts } from "./views.js";

const $ = (id) => document.getElementById(id);
const state = { name: null, info: null, form: null, dirty: false, job: null, workspace: "", check: 0 };

function say(node, text, kind = "") {
  node.className = `message ${kind}`;
  node.textContent = text;
}

function showError(result, node = $("message")) {
  say(node, errorText(result), "bad");
}

/** A modal question: returns the typed text (with `input`), true (confirmed) or null. */
function ask(text, input = null) {
  const dialog = $("dialog");
  $("dialog-text").textContent = text;
  const field = $("dialog-input");
  field.hidden = input === null;
  field.value = input ?? "";
  dialog.returnValue = "";
  dialog.showModal();
  if (input !== null) field.select();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (dialog.returnValue !== "ok") resolve(null);
      else resolve(input === null ? true : field.value.trim());
    }, { once: true });
  });
}

// ------------------------------------------------------------------ projects

async function loadProjects() {
  const r = await api("GET", "/api/projects");
  if (!r.ok) return showError(r, $("side-message"));
  state.workspace = r.data.workspace;
  $("workspace-path").textContent = r.data.workspace;
  $("no-projects").hidden = r.data.projects.length > 0;
  fill($("project-list"), r.data.projects.map((p) => el("li", {},
    el("a", { href: "#", class: p.name === state.name ? "current" : "", "data-project": p.name,
      onclick: (e) => { e.preventDefault(); openProject(p.name); } },
    el("span", { class: "title" }, p.title), el("span", { class: "muted small" }, p.name),
    p.valid ? null : el("span", { class: "badge bad" }, t("projects.invalid")),
    p.has_scenario ? el("span", { class: "badge" }, t("projects.scenario")) : null))));
}

async function loadExamples() {
  const r = await api("GET", "/api/examples");
  if (!r.ok) return;
  fill($("example-select"), r.data.map((e) => el("option", { value: e.id }, LANG === "zh" ? e.title : e.title_en)));
}

async function created(r) {
  if (!r.ok) return showError(r, $("side-message"));
  say($("side-message"), "");
  await loadProjects();
  await openProject(r.data.name);
}

async function openProject(name) {
  if (state.dirty && state.name && name !== state.name && !(await ask(t("edit.unsaved")))) return;
  const r = await api("GET", projectUrl(name));
  if (!r.ok) return showError(r, $("side-message"));
  state.name = name;
  state.info = r.data;
  state.dirty = false;
  $("choose").hidden = true;
  $("project").hidden = false;
  $("project-title").textContent = r.data.title;
  $("project-name").textContent = name;
  say($("message"), "");
  state.form.load(r.data.spec);
  showProblems(r.data.problems, !r.data.valid);
  setStatus(r.data.valid ? t("edit.saved") : "");
  fill($("run-output"), el("p", { class: "muted" }, t("run.none")));
  fill($("mc-output"));
  fill($("sens-output"));
  fill($("solve-output"));
  $("mc-progress-row").hidden = true;
  showScenario(r.data);
  setDownloads();
  loadInputs();
  for (const a of document.querySelectorAll("#project-list a")) a.classList.toggle("current", a.dataset.project === name);
}

async function projectAction(kind) {
  const name = state.name;
  if (kind === "delete") {
    if (!(await ask(t("project.confirm_delete", { name })))) return;
    const r = await api("DELETE", projectUrl(name));
    if (!r.ok) return showError(r);
    state.name = null;
    $("project").hidden = true;
    $("choose").hidden = false;
    return loadProjects();
  }
  const fresh = await ask(t("project.new_name"), kind === "duplicate" ? `${name} (2)` : name);
  if (!fresh) return;
  const r = await api("POST", projectUrl(name, kind), { name: fresh });
  if (!r.ok) return showError(r);
  await loadProjects();
  state.dirty = false;
  await openProject(r.data.name);
}

// ---------------------------------------------------------------------- edit

function setStatus(text, kind = "") {
  const node = $("edit-status");
  node.textContent = text;
  node.className = `status ${kind}`;
}

function showProblems(problems, fileInvalid = false) {
  const placed = state.form.showProblems(problems);
  fill($("problems"), problems.map((p, i) => el("li", {},
    el("a", { href: "#", onclick: (e) => { e.preventDefault(); placed[i]?.scrollIntoView({ block: "center" }); } }, p.text))));
  if (problems.length) {
    setStatus(fileInvalid ? t("edit.invalid_file") : t("edit.problems", { n: problems.length }), "bad");
  }
}

async function validateNow() {
  const ticket = ++state.check;
  setStatus(t("edit.checking"));
  const r = await api("POST", "/api/validate", { spec: state.form.data });
  if (ticket !== state.check) return r;  // a later edit is being checked
  if (r.ok) {
    showProblems([]);
    setStatus(`${t("edit.valid")} · ${t("edit.unsaved")}`, "warn");
  } else if (r.status === 422) showProblems(r.data.error.problems);
  else showError(r);
  return r;
}

let timer = null;
function edited() {
  state.dirty = true;
  setStatus(t("edit.unsaved"), "warn");
  clearTimeout(timer);
  timer = setTimeout(validateNow, 300);
}

async function save() {
  clearTimeout(timer);
  const r = await api("PUT", projectUrl(state.name), { spec: state.form.data });
  if (!r.ok) {
    if (r.status === 422) showProblems(r.data.error.problems);
    else showError(r);
    return false;
  }
  state.dirty = false;
  showProblems([]);
  setStatus(t("edit.saved"), "ok");
  $("project-title").textContent = r.data.title;
  loadProjects();
  loadInputs();
  return true;
}

// ----------------------------------------------------------------------- run

async function runNow() {
  switchTab("run");
  $("run-status").textContent = t("run.running");
  const started = performance.now();
  const r = await api("POST", "/api/run", { project: state.name, lang: LANG, charts: false });
  if (!r.ok) { $("run-status").textContent = ""; return showError(r); }
  renderRun($("run-output"), r.data, (performance.now() - started) / 1000);
  $("run-status").textContent = t("run.drawing");
  const c = await api("POST", "/api/charts", { project: state.name, lang: LANG });
  $("run-status").textContent = "";
  if (c.ok) showCharts(c.data);
}

// ---------------------------------------------------------------------- risk

function showScenario(info) {
  const sc = info.scenario;
  const box = $("scenario-info");
  if (!sc) return fill(box, el("p", { class: "muted" }, t("risk.none")));
  if (!sc.valid) return fill(box, el("p", { class: "bad" }, sc.problems.map((p) => p.text).join("\n")));
  $("mc-n").value = String(Math.min(sc.n, 2000));
  fill(box, el("p", {}, `${t("risk.scenario")}: `, el("strong", {}, sc.name), ` · ${sc.inputs.length} ${t("risk.inputs")}`,
    ` · ${sc.thresholds.join("；")}`));
}

function showProgress(status) {
  const bar = $("mc-progress");
  const text = $("mc-progress-text");
  if (status.state === "queued") text.textContent = t("risk.queued");
  if (status.state !== "running") return;
  bar.max = Math.max(status.total, 1);
  bar.value = status.done;
  bar.dataset.fraction = String(status.fraction);
  text.textContent = status.total && status.done >= status.total
    ? t("risk.finishing") : `${status.done.toLocaleString()} / ${status.total.toLocaleString()}`;
}

async function simulateNow(e) {
  e.preventDefault();
  const n = $("mc-n").value.trim();
  const seed = $("mc-seed").value.trim();
  const body = { project: state.name, lang: LANG, n: n ? Number(n) : null, seed: seed ? Number(seed) : null };
  fill($("mc-output"));
  const r = await api("POST", "/api/simulate", body);
  if (!r.ok) return showError(r);
  state.job = r.data.id;
  $("btn-mc").disabled = true;
  $("btn-mc-cancel").hidden = false;
  $("mc-progress-row").hidden = false;
  $("mc-progress").value = 0;
  const end = await followJob(r.data.id, showProgress);
  $("btn-mc").disabled = false;
  $("btn-mc-cancel").hidden = true;
  state.job = null;
  if (!end.ok) return showError(end);
  const s = end.data;
  if (s.state === "cancelled") return ($("mc-progress-text").textContent = t("risk.cancelled"));
  if (s.state === "failed") return showError({ data: { error: s.error } });
  $("mc-progress").value = $("mc-progress").max;
  $("mc-progress-text").textContent = t("risk.done", { n: s.result.document.n.toLocaleString(), s: s.seconds.toFixed(1) });
  renderSimulation($("mc-output"), s.result, state.info.spec.project.money_unit);
}

async function sensitivityNow() {
  $("sens-status").textContent = t("run.running");
  const r = await api("POST", "/api/sensitivity", { project: state.name, lang: LANG });
  if (!r.ok) { $("sens-status").textContent = ""; return showError(r); }
  const end = await followJob(r.data.id, () => {});
  $("sens-status").textContent = "";
  if (!end.ok) return showError(end);
  if (end.data.state !== "done") return showError({ data: { error: end.data.error || { message: end.data.state } } });
  renderSensitivity($("sens-output"), end.data.result);
}

// --------------------------------------------------------------------- solve

async function loadInputs() {
  const r = await api("GET", projectUrl(state.name, "inputs"));
  if (!r.ok) return fill($("solve-vary"));
  fill($("solve-vary"), r.data.map((i) => el("option", { value: i.path, "data-value": i.value ?? "" }, `${i.zh} · ${i.path}`)));
  const bond = r.data.find((i) => /^funding\.special_bonds\[.*\]\.amount$/.test(i.path));
  if (bond) $("solve-vary").value = bond.path;
  suggestRange();
}

function suggestRange() {
  const opt = $("solve-vary").selectedOptions[0];
  const v = opt ? Number(opt.dataset.value) : NaN;
  if (Number.isFinite(v) && v > 0) {
    $("solve-lo").value = String(+(v * 0.2).toPrecision(4));
    $("solve-hi").value = String(+(v * 3).toPrecision(4));
  }
}

async function solveNow(e) {
  e.preventDefault();
  const body = {
    project: state.name,
    vary: $("solve-vary").value,
    require: $("solve-require").value.split("\n").map((s) => s.trim()).filter(Boolean),
    lo: Number($("solve-lo").value), hi: Number($("solve-hi").value),
    goal: $("solve-goal").value, tol: Number($("solve-tol").value || "0.000001"),
  };
  $("solve-status").textContent = t("run.running");
  const r = await api("POST", "/api/solve", body);
  $("solve-status").textContent = "";
  if (!r.ok) return showError(r);
  renderSolve($("solve-output"), r.data);
}

// ----------------------------------------------------------------- downloads

function downloadLinks() {
  const risk = $("dl-risk").checked ? "&risk=true" : "";
  for (const a of document.querySelectorAll("#downloads a[data-format]")) {
    const extra = a.dataset.report ? risk : "";
    a.href = `${projectUrl(state.name, "export", a.dataset.format)}?lang=${LANG}${extra}`;
  }
}

function setDownloads() {
  $("dl-risk").checked = false;
  $("dl-risk").disabled = !(state.info.scenario && state.info.scenario.valid);
  downloadLinks();
  const dir = `${state.workspace}/${state.name}`;
  $("cli-lines").textContent = [
    `renewfin run "${dir}/spec.yaml" -o model.xlsx`,
    state.info.has_scenario ? `renewfin simulate "${dir}/spec.yaml" --scenario "${dir}/scenario.yaml" -n 10000` : null,
    `renewfin report "${dir}/spec.yaml" -o report.html`,
  ].filter(Boolean).join("\n");
}

// ---------------------------------------------------------------------- tabs

function switchTab(name) {
  for (const b of document.querySelectorAll(".tabs button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const p of document.querySelectorAll(".panel")) p.hidden = p.dataset.panel !== name;
}

async function init() {
  const schema = await api("GET", "/api/schema");
  state.form = new SpecForm($("spec-form"), schema.data, edited);
  for (const b of document.querySelectorAll(".tabs button")) b.addEventListener("click", () => switchTab(b.dataset.tab));
  $("example-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    created(await api("POST", "/api/projects", { example: $("example-select").value }));
  });
  $("upload-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData($("upload-form"));
    if (!$("upload-name").value.trim()) data.delete("name");
    if (!$("upload-scenario").files.length) data.delete("scenario");
    created(await api("POST", "/api/projects/upload", data));
  });
  $("scenario-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await api("PUT", projectUrl(state.name, "scenario"), new FormData($("scenario-form")));
    if (!r.ok) return showError(r);
    await loadProjects();
    openProject(state.name);
  });
  $("btn-duplicate").addEventListener("click", () => projectAction("duplicate"));
  $("btn-rename").addEventListener("click", () => projectAction("rename"));
  $("btn-delete").addEventListener("click", () => projectAction("delete"));
  $("btn-save").addEventListener("click", save);
  $("btn-save-run").addEventListener("click", async () => { if (await save()) runNow(); });
  $("btn-revert").addEventListener("click", () => { state.dirty = false; openProject(state.name); });
  $("btn-run").addEventListener("click", runNow);
  $("mc-form").addEventListener("submit", simulateNow);
  $("btn-mc-cancel").addEventListener("click", () => state.job && api("DELETE", `/api/jobs/${state.job}`));
  $("btn-sens").addEventListener("click", sensitivityNow);
  $("solve-vary").addEventListener("change", suggestRange);
  $("solve-form").addEventListener("submit", solveNow);
  $("dl-risk").addEventListener("change", downloadLinks);
  await Promise.all([loadExamples(), loadProjects()]);
  document.body.dataset.ready = "1";
}

init();
