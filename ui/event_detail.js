// @ts-check
/// <reference lib="dom" />
/**
 * The panel beside the timeline for the selected event: its full text, its
 * fields, its failure with the stack, a link to its parent and the tree of
 * its children.
 *
 * @module
 */

import { h, levelBadge, relative, when } from "./dom.js";
import { traceLink } from "./trace.js";

/**
 * One event of an incident file as the JSON endpoint gives it.
 * @typedef {{ d: Record<string, any>, from?: string, rx_time?: number, text?: string }} EventRecord
 */

/** Keys of the event itself, shown in the panel's header, not as fields. */
export const OWN = new Set([
  "num",
  "time",
  "incarnation",
  "level",
  "facility",
  "format",
  "message",
  "args",
  "parent",
  "isError",
  "failure",
]);

/**
 * The text of an event: the server's rendering, or the raw template.
 * @param {EventRecord} r
 */
export function eventText(r) {
  if (typeof r.text === "string") return r.text;
  const d = r.d;
  if (typeof d.message === "string") {
    return Array.isArray(d.args) && d.args.length > 0
      ? `${d.message} ${JSON.stringify(d.args)}`
      : d.message;
  }
  return typeof d.format === "string" ? d.format : "";
}

/**
 * A value as readable text: strings as they are, the rest as JSON.
 * @param {unknown} v
 */
function show(v) {
  return typeof v === "string" ? v : JSON.stringify(v, null, 2);
}

/**
 * A failure and its causes, with their stacks.
 * @param {any} f
 * @returns {HTMLElement}
 */
function failureBlock(f) {
  if (f === null || typeof f !== "object") {
    return h("pre", { class: "stack" }, show(f));
  }
  const head = f.repr ?? `${f.name ?? "Error"}: ${f.message ?? ""}`;
  return h(
    "div",
    { class: "failure" },
    h("div", { class: "failure-head" }, "⚠ ", head),
    h("pre", { class: "stack" }, f.traceback ?? f.str ?? f.repr ?? show(f)),
    f.cause
      ? h("div", { class: "cause" }, "caused by", failureBlock(f.cause))
      : null,
  );
}

/**
 * The tree of an event's children (and theirs), at most `limit` nodes.
 * @param {number} at
 * @param {(i: number) => number[]} childrenOf
 * @param {(i: number) => HTMLElement} link
 * @param {{ left: number }} budget
 * @returns {HTMLElement | null}
 */
function tree(at, childrenOf, link, budget) {
  const kids = childrenOf(at);
  if (kids.length === 0) return null;
  return h(
    "ul",
    { class: "tree" },
    kids.map((k) => {
      if (budget.left-- <= 0) return null;
      return h("li", {}, link(k), tree(k, childrenOf, link, budget));
    }),
    budget.left < 0 ? h("li", {}, "…") : null,
  );
}

/**
 * The panel for event `i`.
 * @param {EventRecord[]} events
 * @param {number} i
 * @param {{ triggerTime: number, parentOf: (i: number) => number,
 *   childrenOf: (i: number) => number[], go: (i: number) => void }} ctx
 */
export function eventDetail(events, i, ctx) {
  const r = events[i];
  const d = r.d;
  /** @param {number} k */
  const link = (k) =>
    h(
      "a",
      {
        href: `#${events[k].d.num}`,
        onclick: (/** @type {Event} */ e) => {
          e.preventDefault();
          ctx.go(k);
        },
      },
      `#${events[k].d.num} `,
      eventText(events[k]).slice(0, 80),
    );
  const fields = Object.keys(d).filter((k) => !OWN.has(k)).sort();
  const parent = ctx.parentOf(i);
  return h(
    "section",
    { class: "detail", "aria-label": `event ${d.num}` },
    h(
      "h2",
      {},
      h("a", { href: `#${d.num}`, title: "link to this event" }, `#${d.num}`),
      " ",
      levelBadge(d.level),
      " ",
      h("span", { class: "facility" }, d.facility ?? ""),
    ),
    h(
      "p",
      { class: "when" },
      relative(d.time - ctx.triggerTime),
      " · ",
      when(d.time * 1000),
      r.from ? ` · from ${r.from}` : "",
      typeof d.trace_id === "string"
        ? [" · trace ", traceLink(d.trace_id)]
        : "",
    ),
    h("p", { class: "text" }, eventText(r)),
    d.failure !== undefined ? failureBlock(d.failure) : null,
    d.parent !== undefined
      ? h(
        "p",
        {},
        "Parent: ",
        parent >= 0 ? link(parent) : `#${d.parent} (not in this incident)`,
      )
      : null,
    fields.length === 0 ? null : h(
      "dl",
      { class: "fields" },
      fields.map((k) => [
        h("dt", {}, k),
        h(
          "dd",
          {},
          // An Error among the fields is recorded as a failure too.
          d[k]?.["@"] === "Failure"
            ? failureBlock(d[k])
            : h("pre", {}, show(d[k])),
        ),
      ]),
    ),
    (() => {
      const t = tree(i, ctx.childrenOf, link, { left: 200 });
      return t && h("div", {}, h("h3", {}, "Children"), t);
    })(),
  );
}
