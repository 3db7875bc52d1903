/**
 * Protocol version 2's event batch: events of one connection's incarnation
 * sent as rows under shared key lists, without the incarnation each v1
 * event repeats. A connection starts in v1; the `hello` lists the versions
 * the app speaks (`speaks`), a reader that speaks 2 answers
 * `{"t":"pick","v":2}`, and from the app's next write on its events come as
 *
 * ```json
 * {"t":"batch","keys":[["id","user","num","time",null,"level","facility","format"]],
 *  "rows":[0,7,"alice",12,1795587692.42,20,"app","GET %(id)s",
 *          0,8,"bob",13,1795587692.43,20,"app","GET %(id)s"]}
 * ```
 *
 * `rows` is one flat list: for each event, the index of its key list, then
 * the values of that list's string keys in order. `null` in a key list stands for the `incarnation`
 * key with the hello's incarnation as its value (no value in the row); an
 * event of another incarnation keeps `"incarnation"` as an ordinary key.
 * Decoded, an event has the keys, order and values its v1 form has.
 *
 * @module
 */

import { encodeJSON, toJSONable } from "./event.ts";
import type { FlogEvent, Incarnation } from "./flog_event.ts";

/** The versions this library speaks, oldest first. */
export const PROTOCOL_VERSIONS: readonly number[] = [1, 2];

/** The most keys in one key list, and key lists in one batch, read. */
export const MAX_BATCH_KEYS = 4096;

/**
 * A v2 batch message.
 *
 * @example
 * ```ts
 * import type { BatchMessage } from "./protocol_v2.ts";
 * const m: BatchMessage = { t: "batch", keys: [["num", "time", null, "level"]], rows: [0, 1, 2.5, 20] };
 * ```
 */
export interface BatchMessage {
  /** The message type. */
  t: "batch";
  /** The key lists (`null`: the hello's incarnation). */
  keys: (string | null)[][];
  /** For each event in turn: its key list's index, then its values. */
  rows: unknown[];
  /** Part of the catch-up, as in v1's `events`. */
  history?: boolean;
}

/**
 * A reader's answer to the `hello`: the version it picked from `speaks`.
 *
 * @example
 * ```ts
 * import type { PickMessage } from "./protocol_v2.ts";
 * const m: PickMessage = { t: "pick", v: 2 };
 * ```
 */
export interface PickMessage {
  /** The message type. */
  t: "pick";
  /** The version picked. */
  v: number;
}

/**
 * The highest version both sides speak: `speaks` is a hello's list (absent
 * in v1 apps, which speak 1 only).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { pickVersion } from "./protocol_v2.ts";
 * assert.equal(pickVersion(undefined), 1);
 * assert.equal(pickVersion([1, 2, 7]), 2);
 * ```
 */
export function pickVersion(speaks: readonly number[] | undefined): number {
  let best = 1;
  for (const v of speaks ?? []) {
    if (v > best && PROTOCOL_VERSIONS.includes(v)) best = v;
  }
  return best;
}

/** Whether JSON encodes `value` as it is (see `jsonableEvent`). */
function plain(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null || Array.isArray(value)) return true;
      const proto = Object.getPrototypeOf(value);
      return proto === Object.prototype || proto === null;
    }
    default:
      return false;
  }
}

/**
 * Encodes `events` as v2 batch messages (one line each, newline included)
 * for a connection whose hello named `incarnation`. Lines hold at most
 * `size` events; order is kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { batchLines } from "./protocol_v2.ts";
 * const inc: [string, null] = ["ab", null];
 * const line = batchLines([{ num: 0, time: 1, incarnation: inc, level: 20 }], inc, 1000, false);
 * assert.equal(line, '{"t":"batch","keys":[["num","time",null,"level"]],"rows":[0,0,1,20]}\n');
 * ```
 */
export function batchLines(
  events: readonly FlogEvent[],
  incarnation: Incarnation,
  size: number,
  history: boolean,
): string {
  let text = "";
  for (let from = 0; from < events.length; from += size) {
    const to = Math.min(events.length, from + size);
    const keys: (string | null)[][] = [];
    const rows: unknown[] = [];
    let last: (string | null)[] = [];
    let lastIndex = -1;
    for (let j = from; j < to; j++) {
      let e = events[j];
      const start = rows.length;
      rows.push(lastIndex);
      // One pass: the values in, and whether the keys are the last list's.
      let same = lastIndex >= 0;
      let i = 0;
      let odd = false;
      for (const k in e) {
        const v = e[k];
        if (v === undefined) continue; // JSON leaves it out
        if (k === "incarnation" && sameIncarnation(v, incarnation)) {
          if (same && last[i] !== null) same = false;
        } else {
          if (!plain(v)) {
            odd = true;
            break;
          }
          if (same && last[i] !== k) same = false;
          rows.push(v);
        }
        i++;
      }
      if (odd) {
        // As v1's jsonableEvent: one odd value, and the whole event is copied.
        rows.length = start + 1;
        e = toJSONable(e) as FlogEvent;
        for (const k in e) {
          const v = e[k];
          if (v === undefined) continue;
          if (k !== "incarnation" || !sameIncarnation(v, incarnation)) {
            rows.push(v);
          }
        }
        same = false;
      }
      if (!same || i !== last.length) {
        last = shapeOf(e, incarnation);
        keys.push(last);
        lastIndex = keys.length - 1;
        rows[start] = lastIndex;
      }
    }
    text += encodeJSON(
      history
        ? { t: "batch", keys, rows, history }
        : { t: "batch", keys, rows },
    ) + "\n";
  }
  return text;
}

function shapeOf(e: FlogEvent, incarnation: Incarnation): (string | null)[] {
  const shape: (string | null)[] = [];
  for (const k in e) {
    const v = e[k];
    if (v === undefined) continue;
    shape.push(
      k === "incarnation" && sameIncarnation(v, incarnation) ? null : k,
    );
  }
  return shape;
}

function sameIncarnation(v: unknown, incarnation: Incarnation): boolean {
  if (v === incarnation) return true;
  return Array.isArray(v) && v.length === 2 && v[0] === incarnation[0] &&
    v[1] === incarnation[1];
}

/**
 * The events of a batch message received on a connection whose hello named
 * `incarnation`. An event that does not fit its key list comes back as why
 * (a string), and ends the batch: where the next one starts is lost.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { batchEvents } from "./protocol_v2.ts";
 * const [e] = batchEvents({ t: "batch", keys: [["num", "time", null, "level"]], rows: [0, 0, 1, 20] }, ["ab", null]);
 * assert.deepEqual(e, { num: 0, time: 1, incarnation: ["ab", null], level: 20 });
 * ```
 */
export function batchEvents(
  message: { t?: unknown; keys?: unknown; rows?: unknown },
  incarnation: Incarnation,
): (FlogEvent | string)[] {
  const { keys, rows } = message;
  if (!Array.isArray(rows)) return [];
  if (!Array.isArray(keys) || keys.length > MAX_BATCH_KEYS) {
    return ['"keys" is not a list of key lists'];
  }
  const counts = keys.map((list) =>
    Array.isArray(list) && list.length <= MAX_BATCH_KEYS &&
      list.every((k) => k === null || typeof k === "string")
      ? list.filter((k) => k !== null).length
      : -1
  );
  const out: (FlogEvent | string)[] = [];
  for (let at = 0; at < rows.length;) {
    const index = rows[at];
    const count = typeof index === "number" ? counts[index] : undefined;
    if (count === undefined || count < 0 || at + 1 + count > rows.length) {
      // Where the next event starts is lost with this one: the rest goes.
      out.push(`the event at ${at} of "rows" does not fit a key list`);
      break;
    }
    const e: Record<string, unknown> = {};
    let v = at + 1;
    for (const k of keys[index as number] as (string | null)[]) {
      if (k === null) e.incarnation = incarnation;
      else if (k === "__proto__") {
        // An own key, as JSON.parse makes it (not the prototype).
        Object.defineProperty(e, k, {
          value: rows[v++],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else e[k] = rows[v++];
    }
    out.push(e as FlogEvent);
    at = v;
  }
  return out;
}
