/**
 * What a buffered event costs, estimated cheaply, and cutting an event down
 * to a byte cap. The estimate follows V8's layout loosely: a slot is 8
 * bytes, a string about its length, an object a header and its slots. The
 * parts events share (incarnation, facility, format template) are not
 * counted again per event.
 *
 * @module
 */

import type { FlogEvent } from "./flog_event.ts";

/** An event object's header and its slot in a ring. */
export const EVENT_BASE = 64;
/** An object's or an array's header. */
export const OBJECT_BASE = 32;
/** A string's header (its characters are counted one byte each). */
export const STRING_BASE = 16;
/** A property's or an element's slot. */
export const SLOT = 8;
/**
 * An event built by a logger, before its fields: the header, its slot, and
 * its own six keys (`num`, `time`, `incarnation`, `level`, `facility`,
 * `format`), whose strings and incarnation are shared by many events.
 */
export const LOGGED_EVENT_BYTES = EVENT_BASE + 6 * SLOT;
/** Nested values deeper than this are counted flat. */
const MAX_DEPTH = 8;
const DEEP_VALUE = 64;

/** The estimated bytes of one value held in an event. */
export function valueBytes(v: unknown, depth = 0): number {
  switch (typeof v) {
    case "string":
      return STRING_BASE + v.length;
    case "object": {
      if (v === null) return 0;
      if (depth >= MAX_DEPTH) return DEEP_VALUE;
      let n = OBJECT_BASE;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          n += SLOT + valueBytes(v[i], depth + 1);
        }
        return n;
      }
      const o = v as Record<string, unknown>;
      for (const k in o) n += SLOT + valueBytes(o[k], depth + 1);
      return n;
    }
    case "number":
      return 8;
    default:
      return 0;
  }
}

/**
 * The estimated bytes an event holds in a buffer. `format`, `facility`
 * and `incarnation` are shared with other events and cost a slot only.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { eventBytes } from "./_event_bytes.ts";
 * const e = { num: 0, time: 0, incarnation: ["x", null] as [string, null], level: 20 };
 * assert(eventBytes({ ...e, body: "x".repeat(1000) }) > 1000);
 * ```
 */
export function eventBytes(e: FlogEvent): number {
  let n = EVENT_BASE;
  // Runs on every log call: keys are compared only for strings and objects.
  for (const k in e) {
    const v = e[k];
    if (typeof v === "string") {
      n += k === "format" || k === "facility" ? 0 : STRING_BASE + v.length;
    } else if (typeof v === "object" && v !== null && k !== "incarnation") {
      n += valueBytes(v, 1);
    }
    n += SLOT;
  }
  return n;
}

/** The keys of an event that are never cut. */
const OWN = new Set(["num", "time", "incarnation", "level", "facility"]);

/**
 * A copy of `e` whose estimate is at most about `max` bytes, and the number
 * of characters and items cut. Fields small enough to fit their fair share
 * stay whole; the others share what is left, a long string keeping its
 * start and ending with `…[N chars cut]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { cutEvent, eventBytes } from "./_event_bytes.ts";
 * const e = { num: 0, time: 0, incarnation: ["x", null] as [string, null], level: 20 };
 * const { event } = cutEvent({ ...e, body: "x".repeat(100_000) }, 1000);
 * assert(eventBytes(event) <= 1000);
 * assert(String(event.body).endsWith(" chars cut]"));
 * ```
 */
export function cutEvent(
  e: FlogEvent,
  max: number,
): { event: FlogEvent; cut: number } {
  const out: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  let own = EVENT_BASE;
  for (const k in e) {
    if (OWN.has(k)) {
      out[k] = e[k];
      if (k !== "facility" && k !== "incarnation") own += SLOT;
    } else rest[k] = e[k];
  }
  const counter = { cut: 0 };
  // The rest is measured as an object of its own: subtract its header.
  const cutRest = shrink(rest, max - own + OBJECT_BASE, 1, counter) as Record<
    string,
    unknown
  >;
  for (const k in cutRest) out[k] = cutRest[k];
  return { event: out as FlogEvent, cut: counter.cut };
}

function marker(n: number, what: string): string {
  return `…[${n} ${what} cut]`;
}

/** `v` within `budget` bytes (about); counts what it cut in `counter`. */
function shrink(
  v: unknown,
  budget: number,
  depth: number,
  counter: { cut: number },
): unknown {
  const size = valueBytes(v, depth);
  if (size <= budget) return v;
  if (typeof v === "string") {
    const keep = Math.max(0, budget - STRING_BASE - 24);
    counter.cut += v.length - keep;
    return v.slice(0, keep) + marker(v.length - keep, "chars");
  }
  if (typeof v !== "object" || v === null || depth >= MAX_DEPTH) return v;
  const isArray = Array.isArray(v);
  const entries: [string, unknown, number][] = Object.entries(v).map((
    [k, x],
  ) => [k, x, valueBytes(x, depth + 1)]);
  // Water-filling: the smallest first, each taking at most its fair share.
  const order = entries.map((_, i) => i).sort((a, b) =>
    entries[a][2] - entries[b][2]
  );
  // Room for the marker of what is dropped, if anything is.
  let left = budget - OBJECT_BASE - (SLOT + STRING_BASE + 24);
  const kept = new Map<number, unknown>();
  let dropped = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    const share = Math.floor(left / (order.length - j)) - SLOT;
    if (share < STRING_BASE + 32) {
      dropped++;
      continue;
    }
    const x = shrink(entries[i][1], share, depth + 1, counter);
    kept.set(i, x);
    left -= SLOT + valueBytes(x, depth + 1);
  }
  counter.cut += dropped;
  if (isArray) {
    const arr: unknown[] = [];
    entries.forEach((_, i) => kept.has(i) && arr.push(kept.get(i)));
    if (dropped > 0) arr.push(marker(dropped, "items"));
    return arr;
  }
  const obj: Record<string, unknown> = {};
  entries.forEach(([k], i) => kept.has(i) && (obj[k] = kept.get(i)));
  if (dropped > 0) obj["…"] = marker(dropped, "fields");
  return obj;
}
