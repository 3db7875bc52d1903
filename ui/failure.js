// @ts-check
/// <reference lib="dom" />
/**
 * The failure of an incident, shown first: which event's failure it is, its
 * stack frames (in-app ones first, with their source lines when the
 * recorder captured them), the cause chain, and the context the event
 * carried (a request id, say).
 *
 * @module
 */

import { h } from "./dom.js";
import { OWN } from "./event_detail.js"; // the event's own keys, not context

/** @typedef {import("./event_detail.js").EventRecord} EventRecord */

/**
 * A parsed stack frame; `source` is what the recorder read around `line`.
 * @typedef {{ fn: string, file: string, line: number, column: number,
 *   inApp: boolean, source?: { start: number, lines: string[] } }} Frame
 */

/**
 * Whether `v` is a recorded failure.
 * @param {unknown} v
 * @returns {v is Record<string, any>}
 */
function isFailure(v) {
  return v !== null && typeof v === "object" &&
    /** @type {any} */ (v)["@"] === "Failure";
}

/**
 * The failure of event data `d`: its `failure`, or an error among its
 * fields.
 * @param {Record<string, any>} d
 * @returns {Record<string, any> | undefined}
 */
export function failureOf(d) {
  if (isFailure(d.failure)) return d.failure;
  for (const [k, v] of Object.entries(d)) {
    if (!OWN.has(k) && isFailure(v)) return v;
  }
  return undefined;
}

/**
 * The event whose failure an incident leads with: the trigger's, else the
 * latest failure at or before the trigger, else any.
 * @param {EventRecord[]} events
 * @param {number} trig
 * @returns {number}
 */
export function failureIndex(events, trig) {
  if (trig >= 0 && failureOf(events[trig].d)) return trig;
  for (let i = Math.min(trig, events.length - 1); i >= 0; i--) {
    if (failureOf(events[i].d)) return i;
  }
  return events.findIndex((r) => failureOf(r.d) !== undefined);
}

const FRAME = /^\s*at (?:async )?(?:(.+?) \()?(.+?):(\d+):(\d+)\)?\s*$/;

/**
 * Whether a frame's file is the app's own code, not Deno's, a dependency's
 * or a remote module's.
 * @param {string} file
 */
export function inApp(file) {
  return /^(file:\/\/|\/)/.test(file) && !file.includes("/node_modules/") &&
    !file.includes("/.deno/") && !file.includes("/deno_dir/");
}

/**
 * The frames of a failure: the recorder's (with source lines) when it left
 * them, else those parsed from its stack text.
 * @param {Record<string, any>} f
 * @returns {Frame[]}
 */
export function framesOf(f) {
  if (Array.isArray(f.frames)) return f.frames;
  const text = String(f.traceback ?? f.str ?? "").split("\nCaused by:")[0];
  /** @type {Frame[]} */
  const out = [];
  for (const line of text.split("\n")) {
    const m = FRAME.exec(line);
    if (m === null) continue;
    out.push({
      fn: (m[1] ?? "").replace(/^async /, ""),
      file: m[2],
      line: Number(m[3]),
      column: Number(m[4]),
      inApp: inApp(m[2]),
    });
  }
  return out;
}

/**
 * A file URL or path shortened to what people read: its last two parts.
 * @param {string} file
 */
function shortFile(file) {
  return file.replace(/^file:\/\//, "").split("/").slice(-2).join("/");
}

/**
 * A frame, with its source lines (the frame's own line marked) when known:
 * shown when `open`, else folded under "source".
 * @param {Frame} fr
 * @param {boolean} [open]
 */
export function frameBlock(fr, open = false) {
  const where = `${shortFile(fr.file)}:${fr.line}:${fr.column}`;
  const src = fr.source;
  const lines = src && src.lines.length > 0
    ? h(
      "ol",
      { class: "source", start: src.start },
      src.lines.map((text, i) =>
        h(
          "li",
          { class: src.start + i === fr.line ? "at" : null },
          h("code", {}, text),
        )
      ),
    )
    : null;
  return h(
    "li",
    { class: `frame${fr.inApp ? " in-app" : ""}` },
    h(
      "div",
      { class: "frame-head", title: fr.file },
      h("code", { class: "fn" }, fr.fn || "<anonymous>"),
      " ",
      h("span", { class: "where" }, where),
    ),
    lines &&
      (open ? lines : h(
        "details",
        { class: "frame-source" },
        h("summary", {}, "source"),
        lines,
      )),
  );
}

/**
 * The head line of a failure: `Error: card declined`.
 * @param {Record<string, any>} f
 */
export function failureTitle(f) {
  if (f.name !== undefined || f.message !== undefined) {
    return `${f.name ?? "Error"}: ${f.message ?? ""}`;
  }
  return String(f.repr ?? "failure");
}

/**
 * A failure's frames, in-app ones first, the others folded; the top in-app
 * frame's source open when `open` (a cause's stays folded).
 * @param {Record<string, any>} f
 * @param {boolean} [open]
 */
export function framesList(f, open = true) {
  const frames = framesOf(f);
  const own = frames.filter((fr) => fr.inApp);
  const rest = frames.filter((fr) => !fr.inApp);
  return [
    // The top in-app frame's source open, the others' a click away.
    own.length === 0 ? null : h(
      "ol",
      { class: "frames" },
      own.map((fr, i) => frameBlock(fr, open && i === 0)),
    ),
    rest.length === 0 ? null : h(
      "details",
      { class: "other-frames" },
      h("summary", {}, `${rest.length} other frames`),
      h("ol", { class: "frames" }, rest.map((fr) => frameBlock(fr))),
    ),
    frames.length === 0
      ? h("pre", { class: "stack" }, f.traceback ?? f.str ?? f.repr ?? "")
      : null,
  ];
}

/**
 * The failure card above an incident's timeline: the error, its in-app
 * frames first, the cause chain, and the event's context; a link to the
 * event in the timeline.
 * @param {EventRecord} r
 * @param {{ isTrigger: boolean, isolated?: { key: string, value: unknown } }} opts
 */
export function failureCard(r, opts) {
  const d = r.d;
  const f = /** @type {Record<string, any>} */ (failureOf(d));
  /** @type {HTMLElement[]} */
  const causes = [];
  for (let c = f.cause, n = 0; c && n < 8; c = c.cause, n++) {
    causes.push(
      h(
        "li",
        {},
        h("strong", {}, isFailure(c) ? failureTitle(c) : String(c.repr ?? c)),
        isFailure(c) ? framesList(c, false) : null,
      ),
    );
  }
  const context = Object.keys(d).filter((k) => !OWN.has(k) && !isFailure(d[k]))
    .sort();
  // An isolated incident's request (`isolateBy`), when the event lacks it.
  const iso = opts.isolated;
  if (iso && !context.includes(iso.key)) context.unshift(iso.key);
  const value = (/** @type {string} */ k) =>
    k in d ? d[k] : iso && k === iso.key ? iso.value : undefined;
  return h(
    "section",
    { class: "card failure-card", "aria-label": "failure" },
    h("h2", { class: "failure-title" }, "⚠ ", failureTitle(f)),
    h(
      "p",
      { class: "when" },
      opts.isTrigger ? "the trigger's failure" : "a failure before the trigger",
      " · ",
      h("a", { href: `#${d.num}` }, `event #${d.num}`),
    ),
    framesList(f),
    causes.length === 0 ? null : h(
      "div",
      { class: "causes" },
      h("h3", {}, "Caused by"),
      h("ol", { class: "cause-chain" }, causes),
    ),
    context.length === 0 ? null : h(
      "p",
      { class: "facts context" },
      context.map((k) =>
        h(
          "span",
          { class: "fact" },
          h("span", { class: "k" }, k),
          " ",
          typeof value(k) === "string" ? value(k) : JSON.stringify(value(k)),
        )
      ),
    ),
  );
}
