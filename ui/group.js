// @ts-check
/// <reference lib="dom" />
/**
 * A group's page: the problem itself. Its title, the latest incident's error
 * with its in-app frames, status and category, a chart of incidents per hour
 * or day, counts, first and last seen, releases (first, last regression,
 * resolved in), the apps, hosts and releases with counts, the latest
 * incidents, the history of what was done, and the triage controls
 * (resolve, resolve in a release or the next one, ignore, reopen).
 *
 * @module
 */

import { api, send, stream } from "./api.js";
import { countsChart } from "./chart.js";
import { ago, h, listKeys, note, replace, when } from "./dom.js";
import {
  failureIndex,
  failureOf,
  failureTitle,
  framesList,
} from "./failure.js";
import { triggerIndex } from "./incident.js";
import { liveBadge } from "./incidents.js";

/** @typedef {Record<string, any>} Group */

/**
 * A small table of names and counts.
 * @param {string} caption
 * @param {[string, number][]} rows
 */
function counted(caption, rows) {
  return h(
    "table",
    { class: "list counted", "aria-label": caption },
    h("caption", {}, caption),
    h(
      "tbody",
      {},
      rows.length === 0
        ? h("tr", {}, h("td", { class: "muted" }, "none recorded"))
        : rows.map(([k, n]) =>
          h("tr", {}, h("td", {}, k), h("td", { class: "num" }, n))
        ),
    ),
  );
}

/**
 * A fact: a label and a value.
 * @param {string} k
 * @param {import("./dom.js").Child} v
 */
function fact(k, v) {
  return h("div", { class: "stat" }, h("dt", {}, k), h("dd", {}, v));
}

/**
 * One entry of the history as a sentence.
 * @param {Record<string, any>} c
 */
function change(c) {
  const what = c.type === "new_group"
    ? "first seen"
    : c.type === "regression"
    ? `came back (regression)${c.release ? ` in ${c.release}` : ""}`
    : `${c.status === "open" ? "reopened" : c.status}${
      c.inRelease
        ? c.inRelease === "next" ? " in the next release" : ` in ${c.inRelease}`
        : ""
    }`;
  return h(
    "li",
    {},
    h("span", { class: "when", title: when(c.time) }, ago(c.time)),
    " ",
    h("strong", {}, what),
    c.by ? ` by ${c.by}` : "",
    c.incident
      ? [
        " · ",
        h(
          "a",
          { href: `/incidents/${encodeURIComponent(c.incident)}` },
          "incident",
        ),
      ]
      : null,
  );
}

/**
 * The latest incident's error, with its in-app frames, when it has one.
 * @param {string | undefined} name
 * @param {AbortSignal} signal
 */
async function latestError(name, signal) {
  if (!name) return null;
  const data = await api(
    `/v1/incidents/${encodeURIComponent(name)}?format=json`,
    { signal },
  );
  let header = {};
  /** @type {import("./event_detail.js").EventRecord[]} */
  const events = [];
  for (const r of data.records) {
    if (r.header) header = r.header;
    else if (r.d) events.push(r);
  }
  const i = failureIndex(events, triggerIndex(events, header));
  if (i < 0) return null;
  const f = /** @type {Record<string, any>} */ (failureOf(events[i].d));
  return h(
    "section",
    { class: "card failure-card", "aria-label": "latest error" },
    h("h2", { class: "failure-title" }, "⚠ ", failureTitle(f)),
    h(
      "p",
      { class: "when" },
      "in the latest incident · ",
      h("a", {
        href: `/incidents/${encodeURIComponent(name)}#${events[i].d.num}`,
      }, "open its timeline"),
    ),
    framesList(f),
  );
}

/**
 * The triage controls of group `g`; `act(status, inRelease)` applies one.
 * @param {Group} g
 * @param {(status: string, inRelease?: string) => void} act
 */
function controls(g, act) {
  const release = h("input", {
    name: "inRelease",
    list: "releases-known",
    placeholder: "e.g. 2.0.0, or next",
    "aria-label": "resolved in release",
    size: 14,
  });
  const known = h(
    "datalist",
    { id: "releases-known" },
    h("option", { value: "next" }, "the next release"),
    (g.releases ?? []).map((/** @type {[string, number]} */ [r]) =>
      h("option", { value: r })
    ),
  );
  const button = (/** @type {string} */ label, /** @type {() => void} */ on) =>
    h("button", { type: "button", onclick: on }, label);
  return h(
    "form",
    {
      class: "controls",
      "aria-label": "triage",
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        const v = release.value.trim();
        if (v !== "") act("resolved", v);
      },
    },
    g.status === "resolved" && !g.resolvedIn
      ? null
      : button("Resolve", () => act("resolved")),
    h(
      "span",
      { class: "in-release" },
      release,
      known,
      h("button", { type: "submit" }, "Resolve in release"),
    ),
    g.status === "ignored" ? null : button("Ignore", () => act("ignored")),
    g.status === "open" ? null : button("Reopen", () => act("open")),
  );
}

/**
 * Draws the page of group `id`.
 * @param {import("./app.js").PageContext} ctx
 * @param {string} id
 */
export async function mountGroup(ctx, id) {
  replace(ctx.root, note("Loading the group…"));
  const live = liveBadge();
  const errorSlot = h("div", {});
  /** @type {"hour" | "day"} */
  let by = "hour";
  /** @type {Record<string, any>} */
  let data = {};
  let shownIncident = "";
  const draw = () => {
    const g = data.group;
    const hourly = g.hourly ?? [];
    const last24 = hourly.slice(-24).reduce(
      (/** @type {number} */ a, /** @type {number} */ b) => a + b,
      0,
    );
    const chartSlot = h("div", { class: "chart-box" }, countsChart(hourly, by));
    const toggle = (
      /** @type {"hour" | "day"} */ to,
      /** @type {string} */ text,
    ) =>
      h("button", {
        type: "button",
        "aria-pressed": String(by === to),
        onclick: () => {
          by = to;
          draw();
        },
      }, text);
    replace(
      ctx.root,
      h(
        "header",
        { class: "page" },
        h("h1", {}, g.title),
        live.el,
        h("a", { href: "/" }, "← all groups"),
      ),
      h(
        "p",
        { class: "group-tags" },
        h("span", { class: `tag status status-${g.status}` }, g.status),
        g.resolvedIn
          ? h(
            "span",
            { class: "tag" },
            g.resolvedIn === "next"
              ? "resolved in the next release"
              : `resolved in ${g.resolvedIn}`,
          )
          : null,
        g.status === "open" && g.regressions > 0
          ? h("span", { class: "tag warn" }, "regression")
          : null,
        h("span", { class: "tag" }, g.category),
        h("code", { class: "muted" }, g.id),
      ),
      controls(g, act),
      errorSlot,
      h(
        "section",
        { class: "card" },
        h(
          "dl",
          { class: "stats" },
          fact("incidents", g.count),
          fact("last 24 h", last24),
          fact(
            "first seen",
            h("span", { title: when(g.firstSeen) }, ago(g.firstSeen)),
          ),
          fact(
            "last seen",
            h("span", { title: when(g.lastSeen) }, ago(g.lastSeen)),
          ),
          fact("first release", g.firstRelease ?? "?"),
          fact("regressed in", g.regressedIn ?? "never"),
          fact("regressions", g.regressions),
          g.olderReleases > 0
            ? fact("seen in an older release", g.olderReleases)
            : null,
        ),
        h(
          "div",
          { class: "chart-head" },
          h("h2", {}, `Incidents per ${by}`),
          h(
            "span",
            { class: "seg" },
            toggle("hour", "48 hours"),
            toggle("day", "7 days"),
          ),
        ),
        chartSlot,
      ),
      h(
        "div",
        { class: "breakdown" },
        counted(
          "Releases",
          g.releases ?? g.versions?.map((/** @type {string} */ v) => [v, ""]) ??
            [],
        ),
        counted("Apps", data.apps ?? []),
        counted("Hosts", data.hosts ?? []),
      ),
      h("h2", {}, "Latest incidents"),
      h(
        "table",
        { class: "list incidents latest" },
        h(
          "tbody",
          {},
          (data.incidents ?? []).map((/** @type {Record<string, any>} */ i) =>
            h(
              "tr",
              { class: "incident" },
              h(
                "td",
                {},
                h(
                  "a",
                  { href: `/incidents/${encodeURIComponent(i.name)}` },
                  i.summary,
                ),
              ),
              h("td", { class: "when", title: when(i.time) }, ago(i.time)),
              h("td", {}, i.app ?? ""),
              h("td", {}, i.host ?? ""),
              h("td", {}, i.version ?? ""),
            )
          ),
        ),
      ),
      h("h2", {}, "History"),
      (data.history ?? []).length === 0
        ? note("No changes recorded.")
        : h("ol", { class: "history" }, data.history.map(change)),
    );
    if (g.lastIncident !== shownIncident) {
      shownIncident = g.lastIncident;
      latestError(g.lastIncident, ctx.signal).then((el) =>
        replace(errorSlot, el)
      ).catch((e) => replace(errorSlot, note(e.message, "error")));
    }
  };
  const load = async () => {
    data = await api(`/v1/groups/${encodeURIComponent(id)}`, {
      signal: ctx.signal,
    });
    if (!ctx.signal.aborted) draw();
  };
  /** @type {(status: string, inRelease?: string) => Promise<void>} */
  const act = async (status, inRelease) => {
    try {
      await send(`/v1/groups/${encodeURIComponent(id)}`, "PATCH", {
        status,
        ...(inRelease === undefined ? {} : { inRelease }),
      });
      await load();
    } catch (e) {
      ctx.root.prepend(note(/** @type {Error} */ (e).message, "error"));
    }
  };
  await load();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pending;
  const close = stream(
    "/v1/groups/stream",
    ["new_group", "regression", "spike", "count", "status"],
    (_type, e) => {
      // The stream's data carries the group itself (or its id alone).
      if ((e.group?.id ?? e.group) !== id) return;
      clearTimeout(pending);
      pending = setTimeout(() => load().catch(() => {}), 100);
    },
    live.set,
  );
  ctx.signal.addEventListener("abort", () => {
    close();
    clearTimeout(pending);
  });
  const rows = listKeys(ctx.root, "tr.incident", null);
  return {
    /** @param {KeyboardEvent} e */
    key(e) {
      const to = { r: "resolved", i: "ignored", o: "open" }[e.key];
      if (to !== undefined) {
        act(to);
        return true;
      }
      return rows(e);
    },
  };
}
