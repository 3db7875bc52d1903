// @ts-check
/// <reference lib="dom" />
/**
 * The home page: the server's groups (title, category, count, a 7-day
 * sparkline, first and last seen, apps, status; filters; live; resolve and
 * ignore).
 *
 * @module
 */

import { api, send, stream } from "./api.js";
import { ago, h, highlight, listKeys, note, replace, when } from "./dom.js";
import { liveBadge } from "./incidents.js";

/**
 * A group as `/v1/groups` lists it. Field names follow the gatherer; the
 * alternatives some versions used are read too.
 * @typedef {Record<string, any>} Group
 */

/**
 * The first defined value of `keys` in `g`.
 * @param {Group} g
 * @param {string[]} keys
 */
function pick(g, keys) {
  for (const k of keys) if (g[k] !== undefined && g[k] !== null) return g[k];
  return undefined;
}

/**
 * A time given as ms, seconds or an ISO string, as ms.
 * @param {unknown} v
 */
function toMs(v) {
  if (typeof v === "number") return v < 1e11 ? v * 1000 : v;
  if (typeof v === "string") return Date.parse(v);
  return undefined;
}

/**
 * Counts over the last 7 days (oldest first: per day, or per hour, which is
 * drawn in 6-hour bars) as a small SVG bar chart, with the daily numbers in
 * its title for readers without colour or sight.
 * @param {number[]} counts
 */
export function sparkline(counts) {
  const per = counts.length > 28 ? Math.ceil(counts.length / 28) : 1;
  const bars = bucket(counts, per);
  const daily = bucket(counts, Math.max(1, Math.round(counts.length / 7)));
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const w = 70, hgt = 18, n = Math.max(bars.length, 1);
  const gap = n > 10 ? 0.5 : 2;
  svg.setAttribute("viewBox", `0 0 ${w} ${hgt}`);
  svg.setAttribute("class", "spark");
  svg.setAttribute("role", "img");
  const max = Math.max(1, ...bars);
  const title = document.createElementNS(ns, "title");
  title.textContent = `per day, last ${daily.length} days: ${daily.join(", ")}`;
  svg.append(title);
  bars.forEach((c, i) => {
    const bh = c === 0 ? 1 : Math.max(2, (c / max) * hgt);
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("x", String((i * w) / n + gap / 2));
    r.setAttribute("y", String(hgt - bh));
    r.setAttribute("width", String(w / n - gap));
    r.setAttribute("height", String(bh));
    if (c === 0) r.setAttribute("class", "zero");
    svg.append(r);
  });
  return svg;
}

/**
 * Sums of each `size` consecutive counts.
 * @param {number[]} counts
 * @param {number} size
 */
function bucket(counts, size) {
  const out = [];
  for (let i = 0; i < counts.length; i += size) {
    out.push(counts.slice(i, i + size).reduce((a, b) => a + b, 0));
  }
  return out;
}

/**
 * One group's row, with its actions.
 * @param {Group} g
 * @param {string} q
 * @param {(g: Group, status: string) => void} act
 */
function groupRow(g, q, act) {
  const id = String(pick(g, ["id", "fingerprint"]));
  const title = String(pick(g, ["title", "summary", "name"]) ?? id);
  const status = String(pick(g, ["status"]) ?? "open");
  const first = toMs(pick(g, ["firstSeen", "first_seen", "first"]));
  const last = toMs(pick(g, ["lastSeen", "last_seen", "last"]));
  const apps = pick(g, ["apps", "app"]);
  const counts = pick(g, [
    "sparkline",
    "hourly",
    "hourlyCounts",
    "hourly_counts",
    "daily",
    "days",
  ]);
  const href = `/groups/${encodeURIComponent(id)}`;
  return h(
    "tr",
    { class: `group status-${status}`, "data-id": id },
    h(
      "td",
      { class: "summary" },
      h("a", { href }, highlight(title, q)),
      g.regression || (status === "open" && g.regressions > 0)
        ? h("span", { class: "tag warn" }, "regression")
        : null,
    ),
    h("td", {}, String(pick(g, ["category"]) ?? "")),
    h(
      "td",
      { class: "num" },
      h(
        "a",
        { href: `/incidents?group=${encodeURIComponent(id)}`, tabindex: -1 },
        String(pick(g, ["count", "incidents"]) ?? ""),
      ),
    ),
    h("td", {}, Array.isArray(counts) ? sparkline(counts.map(Number)) : ""),
    h("td", { class: "when", title: when(first) }, ago(first)),
    h("td", { class: "when", title: when(last) }, ago(last)),
    h("td", { class: "app" }, Array.isArray(apps) ? apps.join(", ") : apps),
    h("td", {}, h("span", { class: `tag status` }, status)),
    h(
      "td",
      { class: "actions" },
      status === "resolved" ? null : h("button", {
        type: "button",
        onclick: () => act(g, "resolved"),
      }, "Resolve"),
      status === "ignored" ? null : h("button", {
        type: "button",
        onclick: () => act(g, "ignored"),
      }, "Ignore"),
      status === "open" ? null : h("button", {
        type: "button",
        onclick: () => act(g, "open"),
      }, "Reopen"),
    ),
  );
}

/**
 * Draws the home page.
 * @param {import("./app.js").PageContext} ctx
 */
export async function mountGroups(ctx) {
  const live = liveBadge();
  const title = h("h1", {}, "Groups");
  const body = h("div", { class: "results" }, note("Loading…"));
  const q = h("input", {
    type: "search",
    name: "q",
    id: "search",
    placeholder: "filter titles  ( / )",
  });
  const status = h(
    "select",
    { name: "status" },
    ["open", "resolved", "ignored", ""].map((s) =>
      h("option", { value: s }, s === "" ? "any status" : s)
    ),
  );
  const form = h(
    "form",
    { class: "filters", role: "search" },
    h("label", {}, h("span", {}, "Filter"), q),
    h("label", {}, h("span", {}, "Status"), status),
  );
  replace(ctx.root, h("header", { class: "page" }, title, live.el), form, body);

  /** @type {Group[]} */
  let groups = [];
  const draw = () => {
    const term = q.value.trim().toLowerCase();
    const shown = groups.filter((g) =>
      (status.value === "" || (g.status ?? "open") === status.value) &&
      String(pick(g, ["title", "summary"]) ?? "").toLowerCase().includes(term)
    );
    replace(
      body,
      shown.length === 0 ? note("No groups match.") : h(
        "table",
        { class: "list groups" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Title", "Category", "Count", "7 days", "First", "Last", "Apps"]
              .concat(["Status", ""]).map((t) => h("th", { scope: "col" }, t)),
          ),
        ),
        h("tbody", {}, shown.map((g) => groupRow(g, term, act))),
      ),
    );
  };
  /** @param {Group} g @param {string} to */
  const act = async (g, to) => {
    try {
      const id = encodeURIComponent(String(pick(g, ["id", "fingerprint"])));
      const updated = await send(`/v1/groups/${id}`, "PATCH", { status: to });
      Object.assign(g, updated?.group ?? updated ?? { status: to });
      draw();
    } catch (e) {
      body.prepend(note(/** @type {Error} */ (e).message, "error"));
    }
  };
  const loadGroups = async () => {
    const data = await api("/v1/groups");
    groups = data.groups ?? [];
    draw();
  };
  await loadGroups();
  form.addEventListener("input", draw);
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pending;
  const close = stream(
    "/v1/groups/stream",
    ["new_group", "regression", "spike", "count", "status"],
    () => {
      // Several updates at once are one reload.
      clearTimeout(pending);
      pending = setTimeout(() => loadGroups().catch(() => {}), 100);
    },
    live.set,
  );
  ctx.signal.addEventListener("abort", () => {
    close();
    clearTimeout(pending);
  });
  return { key: listKeys(body, "tr.group", q) };
}
