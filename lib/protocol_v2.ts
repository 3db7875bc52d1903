/**
 * Protocol version 2's event batch: events of one connection's incarnation
 * sent as rows under shared key lists, without the incarnation each v1
 * event repeats. A connection starts in v1; the `hello` lists the versions
 * the app speaks (`speaks`), a reader that speaks 2 answers
 * `{"t":"pick","v":2}`, and from the app's next write on its events come as
 *
 * ```json
 * {"t":"batch","keys":[["id","user","num","time",null,"level","facility","format"]],
 *  "rows":[[0,7,"alice",12,1795587692.42,20,"app","GET %(id)s"]]}
 * ```
 *
 * Each row is the index of its key list, then the values of that list's
 * string keys in order. `null` in a key list stands for the `incarnation`
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
 * const m: BatchMessage = { t: "batch", keys: [["num", "time", null, "level"]], rows: [[0, 1, 2.5, 20]] };
 * ```
 */
export interface BatchMessage {
  /** The message type. */
  t: "batch";
  /** The key lists (`null`: the hello's incarnation). */
  keys: (string | null)[][];
  /** One per event: its key list's index, then its values. */
  rows: unknown[][];
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
 * assert.equal(line, '{"t":"batch","keys":[["num","time",null,"level"]],"rows":[[0,0,1,20]]}\n');
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
    const rows = new Array<unknown[]>(to - from);
    let last: (string | null)[] = [];
    let lastIndex = -1;
    for (let j = from; j < to; j++) {
      let e = events[j];
      let row = rowOf(e, incarnation);
      if (row === undefined) {
        // As v1's jsonableEvent: one odd value, and the whole event is copied.
        e = toJSONable(e) as FlogEvent;
        row = rowOf(e, incarnation, false)!;
      }
      let same = lastIndex >= 0;
      if (same) {
        let i = 0;
        for (const k in e) {
          const v = e[k];
          if (v === undefined) continue;
          const key = k === "incarnation" && sameIncarnation(v, incarnation)
            ? null
            : k;
          if (last[i++] !== key) {
            same = false;
            break;
          }
        }
        same &&= i === last.length;
      }
      if (!same) {
        last = shapeOf(e, incarnation);
        keys.push(last);
        lastIndex = keys.length - 1;
      }
      row[0] = lastIndex;
      rows[j - from] = row;
    }
    text += encodeJSON(
      history ? { t: "batch", keys, rows, history } : { t: "batch", keys, rows },
    ) + "\n";
  }
  return text;
}

/**
 * `[0, ...values]` of `e`, or (`strict`) undefined when a value is not plain
 * JSON.
 */
function rowOf(
  e: FlogEvent,
  incarnation: Incarnation,
  strict = true,
): unknown[] | undefined {
  const row: unknown[] = [0];
  for (const k in e) {
    const v = e[k];
    if (v === undefined) continue; // JSON leaves it out
    if (k === "incarnation" && sameIncarnation(v, incarnation)) continue;
    if (strict && !plain(v)) return undefined;
    row.push(v);
  }
  return row;
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
 * `incarnation`. A row that does not fit its key list comes back as why it
 * is not an event (a string), in its place.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { batchEvents } from "./protocol_v2.ts";
 * const [e] = batchEvents({ t: "batch", keys: [["num", "time", null, "level"]], rows: [[0, 0, 1, 20]] }, ["ab", null]);
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
    return rows.map(() => '"keys" is not a list of key lists');
  }
  const counts = keys.map((list) =>
    Array.isArray(list) && list.length <= MAX_BATCH_KEYS &&
      list.every((k) => k === null || typeof k === "string")
      ? list.filter((k) => k !== null).length
      : -1
  );
  const out = new Array<FlogEvent | string>(rows.length);
  for (let j = 0; j < rows.length; j++) {
    const row = rows[j];
    const index = Array.isArray(row) ? row[0] : undefined;
    const count = typeof index === "number" ? counts[index] : undefined;
    if (count === undefined || count < 0 || row.length !== count + 1) {
      out[j] = `row ${j} does not fit a key list`;
      continue;
    }
    const list = keys[index as number] as (string | null)[];
    const e: Record<string, unknown> = {};
    let v = 1;
    for (const k of list) {
      if (k === null) e.incarnation = incarnation;
      else if (k === "__proto__") {
        // An own key, as JSON.parse makes it (not the prototype).
        Object.defineProperty(e, k, {
          value: row[v++],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else e[k] = row[v++];
    }
    out[j] = e as FlogEvent;
  }
  return out;
}
