/**
 * The event's types: a flat, foolscap-shaped dictionary, its fields, its
 * incarnation, and the stand-ins for errors and unencodable values.
 *
 * @module
 */

/**
 * `[unique, sequential]`: identifies one run of a logger. foolscap writes a
 * random 16-hex-digit id and `null`; so do we.
 *
 * @example
 * ```ts
 * import type { Incarnation } from "@flightlog/flightlog";
 * const inc: Incarnation = ["936e1ca3b14f02c4", null];
 * ```
 */
export type Incarnation = [string, string | null];

/**
 * One log event, exactly as it is stored in buffers, files and on the wire.
 * `format` is a printf-style template (`%(name)s`) whose values are the
 * event's own top-level keys; `message` (with optional `args`) is the plain
 * alternative foolscap also writes.
 *
 * @example
 * ```ts
 * import type { FlogEvent } from "@flightlog/flightlog";
 * const e: FlogEvent = {
 *   num: 0, time: 1795555320.37, incarnation: ["936e1ca3b14f02c4", null],
 *   level: 20, facility: "app/req", format: "request %(req)d", req: 7,
 * };
 * ```
 */
export interface FlogEvent {
  /** Sequence number, from one counter per logger, starting at 0. */
  num: number;
  /** Seconds since the epoch (a float). */
  time: number;
  /** Which run of the logger numbered it. */
  incarnation: Incarnation;
  /** Severity: NOISY 10 … BAD 40; any integer. */
  level: number;
  /** Slash-joined source, like `net/http`. */
  facility?: string;
  /** printf-style template over the event's own keys (`%(name)s`). */
  format?: string;
  /** Plain text, the alternative to `format` (with `args`). */
  message?: string;
  /** Positional values for `message`. */
  args?: unknown[];
  /** The `num` of a related earlier event. */
  parent?: number;
  /** 1 when the event records an error. */
  isError?: number;
  /** The error, for `isError` events. */
  failure?: FailureValue;
  /** The fields, flat beside the keys above. */
  [key: string]: unknown;
}

/**
 * User-supplied fields of a log call. They are stored flat in the event;
 * `parent` (an event `num`) links related events.
 *
 * @example
 * ```ts
 * import type { Fields } from "@flightlog/flightlog";
 * const f: Fields = { user: "alice", parent: 12 };
 * ```
 */
export type Fields = Record<string, unknown>;

/**
 * An error recorded the way foolscap records a Twisted `Failure`, so that
 * `flogtool dump` prints its `str`. `cause` holds the chain of causes.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { toFailure } from "./event.ts";
 * const f = toFailure(new Error("disk full"));
 * assert(f["@"] === "Failure" && f.message === "disk full");
 * ```
 */
export interface FailureValue {
  /** Marks the value as a failure. */
  "@": "Failure";
  /** What `flogtool dump` prints: the stack, with its causes. */
  str: string;
  /** A short form, like `Error("disk full")`. */
  repr: string;
  /** The stack as the runtime gave it. */
  traceback: string;
  /** The error's name (`TypeError`...). */
  name: string;
  /** The error's message. */
  message: string;
  /** The error's `cause`, recorded the same way. */
  cause?: FailureValue | UnJSONableValue;
}

/**
 * Stands for a value JSON cannot encode (a cycle, a BigInt, a function, a
 * symbol, a Map...), as foolscap writes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { toJSONable } from "./event.ts";
 * const v = toJSONable(10n) as { "@": string; repr: string };
 * assert(v["@"] === "UnJSONable" && v.repr === "10n");
 * ```
 */
export interface UnJSONableValue {
  /** Marks the stand-in. */
  "@": "UnJSONable";
  /** How the value looked (`Deno.inspect`). */
  repr: string;
  /** Why it is here. */
  message: string;
}

/** The keys an event owns; a field named like one is stored as `_name`. */
export const EVENT_KEYS: readonly string[] = [
  "num",
  "time",
  "incarnation",
  "level",
  "facility",
  "format",
  "message",
  "args",
];

/** The facility of the events flightlog itself writes. */
export const FLIGHTLOG_FACILITY = "flightlog";
