// @ts-check
/// <reference lib="dom" />
/**
 * The incidents page: the list with filters (app, level, category, time
 * range) and full-text search, updated live as incidents arrive.
 *
 * @module
 */

import { api, query, stream } from "./api.js";
import {
  ago,
  h,
  highlight,
  levelBadge,
  levelClass,
  LEVELS,
  listKeys,
  note,
  replace,
  when,
} from "./dom.js";

/**
 * An incident as `/v1/incidents` lists it.
 * @typedef {{ id?: number, name: string, time: number, level?: number,
 *   facility?: string, summary: string, app?: string, host?: string,
 *   events: number, category?: string, group?: string | number,
 *   complete?: boolean, recovered?: boolean }} Incident
 * @typedef {{ app: string, level: string, category: string, since: string, q: string, group: string }} Filters
 */

/** The time ranges offered, in ms. */
const RANGES = /** @type {const} */ ([
  ["", "any time"],
  ["3600000", "last hour"],
  ["86400000", "last 24 h"],
  ["604800000", "last 7 days"],
  ["2592000000", "last 30 days"],
]);

/**
 * Whether `i` passes the filters the browser applies itself (the server may
 * not know all of them).
 * @param {Incident} i
 * @param {Filters} f
 * @param {boolean} serverSearched
 */
export function passes(i, f, serverSearched) {
  if (f.app !== "" && i.app !== f.app) return false;
  if (f.level !== "" && (i.level ?? 0) < Number(f.level)) return false;
  if (f.category !== "" && (i.category ?? "") !== f.category) return false;
  if (f.group !== "" && i.group !== undefined && String(i.group) !== f.group) {
    return false;
  }
  if (f.since !== "" && i.time < Date.now() - Number(f.since)) return false;
  if (f.q !== "" && !serverSearched) {
    const hay = `${i.summary} ${i.app ?? ""} ${i.facility ?? ""} ${i.name}`
      .toLowerCase();
    if (!hay.includes(f.q.toLowerCase())) return false;
  }
  return true;
}

/**
 * One row of the incidents table.
 * @param {Incident} i
 * @param {string} q
 */
export function incidentRow(i, q = "") {
  const href = `/incidents/${encodeURIComponent(i.name)}`;
  return h(
    "tr",
    { class: `incident ${levelClass(i.level)}`, "data-name": i.name },
    h("td", { class: "when", title: when(i.time) }, ago(i.time)),
    h("td", {}, levelBadge(i.level)),
    h("td", { class: "app" }, i.app ?? ""),
    h("td", { class: "facility" }, i.facility ?? ""),
    h(
      "td",
      { class: "summary" },
      h("a", { href }, highlight(i.summary || "(no text)", q)),
      i.recovered ? h("span", { class: "tag" }, "recovered") : null,
      i.complete === false ? h("span", { class: "tag" }, "incomplete") : null,
    ),
    h("td", { class: "num" }, i.events),
  );
}

/**
 * A table of incidents (empty body when none).
 * @param {Incident[]} incidents
 * @param {string} q
 */
export function incidentTable(incidents, q = "") {
  return h(
    "table",
    { class: "list incidents" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["When", "Level", "App", "Facility", "Trigger", "Events"].map((t) =>
          h("th", { scope: "col" }, t)
        ),
      ),
    ),
    h("tbody", {}, incidents.map((i) => incidentRow(i, q))),
  );
}

/**
 * The live state indicator, updated by `set`.
 */
export function liveBadge() {
  const el = h("span", { class: "live", role: "status" }, "connecting");
  return {
    el,
    /** @param {string} state */
    set(state) {
      el.textContent = state === "live" ? "● live" : state;
      el.dataset.state = state;
    },
  };
}

/**
 * Draws the incidents page.
 * @param {import("./app.js").PageContext} ctx
 */
export async function mountIncidents(ctx) {
  /** @type {Filters} */
  const f = {
    app: ctx.params.get("app") ?? "",
    level: ctx.params.get("level") ?? "",
    category: ctx.params.get("category") ?? "",
    since: ctx.params.get("since") ?? "",
    q: ctx.params.get("q") ?? "",
    group: ctx.params.get("group") ?? "",
  };
  const live = liveBadge();
  const count = h("span", { class: "count" });
  const body = h("div", { class: "results" }, note("Loading…"));
  /**
   * @param {string} name
   * @param {string} label
   * @param {HTMLInputElement | HTMLSelectElement} input
   */
  const field = (name, label, input) => {
    input.name = name;
    input.value = f[/** @type {keyof Filters} */ (name)];
    return h("label", {}, h("span", {}, label), input);
  };
  const form = h(
    "form",
    { class: "filters", role: "search" },
    field(
      "q",
      "Search",
      h("input", {
        type: "search",
        placeholder: "text, app, facility…  ( / )",
        id: "search",
      }),
    ),
    field("app", "App", h("input", { type: "text", size: 10 })),
    field(
      "level",
      "Level at least",
      h(
        "select",
        {},
        h("option", { value: "" }, "any"),
        LEVELS.map(([v, n]) => h("option", { value: v }, n)),
      ),
    ),
    field("category", "Category", h("input", { type: "text", size: 10 })),
    field(
      "since",
      "Time",
      h("select", {}, RANGES.map(([v, n]) => h("option", { value: v }, n))),
    ),
    h("input", { type: "hidden", name: "group", value: f.group }),
    f.group === "" ? null : h(
      "button",
      {
        type: "button",
        class: "chip",
        title: "show every group",
        onclick: (/** @type {Event} */ e) => {
          const input = /** @type {HTMLInputElement} */ (
            form.elements.namedItem("group")
          );
          input.value = "";
          /** @type {HTMLElement} */ (e.currentTarget).remove();
          changed();
        },
      },
      `group ${f.group} ✕`,
    ),
    f.group === "" ? null : h(
      "a",
      { class: "group-page", href: `/groups/${encodeURIComponent(f.group)}` },
      "the group's page",
    ),
  );
  replace(
    ctx.root,
    h("header", { class: "page" }, h("h1", {}, "Incidents"), count, live.el),
    form,
    body,
  );

  /** @type {Incident[]} */
  let incidents = [];
  let serverSearched = false;
  let generation = 0;
  const draw = () => {
    const shown = incidents.filter((i) => passes(i, f, serverSearched));
    count.textContent = `${shown.length} shown`;
    replace(
      body,
      shown.length === 0
        ? note("No incidents match.")
        : incidentTable(shown, f.q),
    );
  };
  const load = async () => {
    const mine = ++generation;
    const since = f.since === "" ? "" : String(Date.now() - Number(f.since));
    const data = await api(
      `/v1/incidents${
        query({
          limit: 1000,
          app: f.app,
          category: f.category,
          q: f.q,
          group: f.group,
          since,
        })
      }`,
    );
    if (mine !== generation || ctx.signal.aborted) return;
    incidents = data.incidents ?? [];
    // A server with full-text search (the one that also gives each
    // incident its category) has searched the events; an older one ignored
    // q, and the browser filters the summaries itself.
    serverSearched = f.q !== "" &&
      (data.q === f.q || incidents.some((i) => "category" in i));
    draw();
  };
  const changed = () => {
    for (const k of /** @type {(keyof Filters)[]} */ (Object.keys(f))) {
      const el = /** @type {HTMLInputElement} */ (form.elements.namedItem(k));
      f[k] = el.value.trim();
    }
    history.replaceState(null, "", `/incidents${query(f)}`);
    load().catch((e) => replace(body, note(e.message, "error")));
  };
  form.addEventListener("change", changed);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    changed();
  });
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let typing;
  form.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(changed, 250);
  });
  ctx.signal.addEventListener("abort", () => clearTimeout(typing));

  const close = stream("/v1/incidents/stream", ["incident"], (_, i) => {
    if (incidents.some((x) => x.name === i.name)) return;
    incidents.unshift(i);
    draw();
    body.querySelector(`tr[data-name="${CSS.escape(i.name)}"]`)?.classList
      .add("new");
  }, live.set);
  ctx.signal.addEventListener("abort", close);
  await load();
  return {
    /** @param {KeyboardEvent} e */
    key: listKeys(
      body,
      "tr.incident",
      /** @type {HTMLInputElement} */ (form.elements.namedItem("q")),
    ),
  };
}
