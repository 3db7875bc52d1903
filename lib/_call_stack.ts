/**
 * A log call's `stacktrace: true`, as foolscap's `stacktrace=True`: the
 * call site's stack recorded in the event.
 *
 * @module
 */

import type { Fields } from "./flog_event.ts";

// Frames in flightlog's own folder (lib/) are left out of a call site's stack.
const OWN_DIR = new URL(".", import.meta.url).href;

/**
 * The call site's stack, as foolscap's `stacktrace=True` records it: one
 * line per frame, innermost last, flightlog's own frames left out.
 */
export function callStack(): string[] {
  const lines = (new Error().stack ?? "").split("\n").slice(1);
  const own = lines.findIndex((l) => !l.includes(OWN_DIR));
  return lines.slice(own < 0 ? lines.length : own)
    .map((l) => l.trim())
    .reverse();
}

/** `stacktrace: true` (foolscap's): the fields with the call site's `stack`. */
export function withCallStack(fields: Fields): Fields {
  const { stacktrace: _, ...rest } = fields;
  return { ...rest, stack: callStack() };
}
