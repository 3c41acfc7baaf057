// The page talks to the server only through the JSON API under /api (the same one a
// bank's system calls); every answer comes back as {ok, status, data}.

import { t } from "./dom.js";

/** Call the API: `body` is sent as JSON, or as multipart when it is a FormData. */
export async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    return { ok: false, status: 0, data: { error: { message: t("error.network"), problems: [] } } };
  }
  let data = null;
  try {
    data = await response.json();
  } catch (e) {
    data = { error: { message: `${response.status} ${response.statusText}`, problems: [] } };
  }
  return { ok: response.ok, status: response.status, data };
}

/** The URL of a project's API resource (the name percent-encoded). */
export function projectUrl(name, ...rest) {
  return ["/api/projects", encodeURIComponent(name), ...rest].join("/");
}

/** The message of a failed call, with its problems (the lines `renewfin validate` prints). */
export function errorText(result) {
  const err = (result.data && result.data.error) || {};
  const lines = (err.problems || []).map((p) => p.text);
  return lines.length ? `${err.message.split("\n")[0]}\n${lines.join("\n")}` : err.message || "";
}

/** Poll a job until it ends, calling `onProgress(status)` on each answer. */
export async function followJob(id, onProgress, interval = 120) {
  for (;;) {
    const r = await api("GET", `/api/jobs/${encodeURIComponent(id)}`);
    if (!r.ok) return r;
    onProgress(r.data);
    if (!["queued", "running"].includes(r.data.state)) return r;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
