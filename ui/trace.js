// @ts-check
/// <reference lib="dom" />
/**
 * Trace ids in the viewer: shown on events and in the header, and a link to
 * the trace in the tracing UI when the server was given a `--trace-url`
 * template (it puts it in the page's `flightlog-trace-url` meta tag).
 *
 * @module
 */

import { h } from "./dom.js";

const TRACE_ID = /^[0-9a-f]{32}$/;

/**
 * The trace's URL from the template, or undefined without one (or for a
 * value that is not a trace id).
 * @param {unknown} id
 * @param {string | null | undefined} [template]
 * @returns {string | undefined}
 */
export function traceUrl(id, template = traceTemplate()) {
  if (!template || typeof id !== "string" || !TRACE_ID.test(id)) {
    return undefined;
  }
  const url = template.replaceAll("{trace_id}", id);
  return /^https?:\/\//.test(url) ? url : undefined;
}

/** The template the server set, if any. */
function traceTemplate() {
  const meta = document.querySelector('meta[name="flightlog-trace-url"]');
  return meta?.getAttribute("content") || undefined;
}

/**
 * A trace id as a link to the trace (opened elsewhere), or as code.
 * @param {string} id
 */
export function traceLink(id) {
  const url = traceUrl(id);
  return url === undefined
    ? h("code", { class: "trace", title: "trace id" }, id)
    : h("a", {
      class: "trace",
      href: url,
      target: "_blank",
      rel: "noopener noreferrer",
      title: "open the trace",
    }, id);
}
