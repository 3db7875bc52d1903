// @ts-check
/// <reference lib="dom" />
/**
 * The incident page's header card: the trigger, when and where, app, host,
 * pid, versions, the other header fields (isolated context, suppressed
 * incidents), and the download link.
 *
 * @module
 */

import { h, levelBadge, when } from "./dom.js";
import { eventText } from "./event_detail.js";
import { traceLink } from "./trace.js";

/** @typedef {import("./event_detail.js").EventRecord} EventRecord */

/**
 * A header value in brief: objects (an isolated context, say) as
 * `key=value` pairs, other values as text.
 * @param {unknown} v
 * @returns {string}
 */
export function brief(v) {
  if (v === null || typeof v !== "object") return String(v);
  if (Array.isArray(v)) return JSON.stringify(v);
  return Object.entries(v).map(([k, x]) =>
    `${k}=${typeof x === "string" ? x : JSON.stringify(x)}`
  ).join(", ");
}

/**
 * The header card: app, host, pid, versions, trigger, context, suppressed.
 * @param {string} name
 * @param {Record<string, any>} header
 * @param {EventRecord | undefined} trigger
 */
export function headerCard(name, header, trigger) {
  const known = new Set([
    "type",
    "trigger",
    "versions",
    "app",
    "host",
    "pid",
    "trace_id",
  ]);
  const extra = Object.keys(header).filter((k) => !known.has(k)).sort();
  /** @type {[string, unknown][]} */
  const rows = [
    ["app", header.app],
    ["host", header.host],
    ["pid", header.pid],
    ["type", header.type],
    ...extra.map((k) => /** @type {[string, unknown]} */ ([k, header[k]])),
  ];
  const versions = header.versions ?? {};
  const t = trigger?.d ?? header.trigger ?? {};
  return h(
    "section",
    { class: "card", "aria-label": "incident header" },
    h(
      "p",
      { class: "trigger-line" },
      levelBadge(t.level),
      " ",
      h("strong", {}, trigger ? eventText(trigger) : "(no trigger)"),
      t.facility ? h("span", { class: "facility" }, ` ${t.facility}`) : null,
    ),
    h(
      "p",
      { class: "when" },
      when((t.time ?? 0) * 1000),
      " · ",
      h("code", {}, name),
      " · ",
      h("a", {
        href: `/v1/incidents/${encodeURIComponent(name)}`,
        download: name,
      }, "Download .flog.gz"),
    ),
    typeof header.trace_id === "string"
      ? h(
        "p",
        { class: "trace-line" },
        h("span", { class: "k" }, "trace"),
        " ",
        traceLink(header.trace_id),
      )
      : null,
    h(
      "p",
      { class: "facts" },
      rows.filter(([, v]) => v !== undefined && v !== null).map(([k, v]) =>
        h(
          "span",
          { class: "fact" },
          h("span", { class: "k" }, k.replaceAll("_", " ")),
          " ",
          brief(v),
        )
      ),
    ),
    Object.keys(versions).length === 0 ? null : h(
      "p",
      { class: "versions" },
      h("span", { class: "k" }, "versions"),
      Object.entries(versions).map(([k, v]) =>
        h("span", { class: "tag" }, `${k} ${v}`)
      ),
    ),
  );
}
