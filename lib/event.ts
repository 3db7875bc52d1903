/**
 * Encoding an event's parts: `{name}` templates to foolscap's `%(name)s`,
 * errors to failures, and values that JSON cannot encode to stand-ins.
 *
 * @module
 */

import {
  EVENT_KEYS,
  type FailureValue,
  type UnJSONableValue,
} from "./flog_event.ts";

const RESERVED = new Set(EVENT_KEYS);

/**
 * The name under which a field is stored: its own, or `_name` when it
 * would collide with one of the event's own keys (`num`, `time`, `level`...).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { fieldKey } from "./event.ts";
 * assert(fieldKey("user") === "user");
 * assert(fieldKey("time") === "_time");
 * ```
 */
export function fieldKey(name: string): string {
  return RESERVED.has(name) ? "_" + name : name;
}

const templateCache = new Map<string, string>();
const TEMPLATE_CACHE_MAX = 4096;

/**
 * Turns a `{name}` template into foolscap's `%(name)s` form. A literal `%`
 * becomes `%%`; `{{` and `}}` stand for literal braces. Results are cached,
 * so a log call with a constant template costs a map lookup.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { toFoolscapFormat } from "./event.ts";
 * assert(
 *   toFoolscapFormat("disk {disk} is {pct}% full") ===
 *     "disk %(disk)s is %(pct)s%% full",
 * );
 * ```
 */
export function toFoolscapFormat(template: string): string {
  let out = templateCache.get(template);
  if (out !== undefined) return out;
  out = template.replace(
    /\{\{|\}\}|%|\{([^{}()]+)\}/g,
    (m, name: string | undefined) => {
      if (m === "{{") return "{";
      if (m === "}}") return "}";
      if (m === "%") return "%%";
      return `%(${fieldKey(name!)})s`;
    },
  );
  if (templateCache.size >= TEMPLATE_CACHE_MAX) templateCache.clear();
  templateCache.set(template, out);
  return out;
}

const UNJSONABLE_MESSAGE =
  "flightlog was given a value that JSON cannot encode; its repr is in .repr";

function unjsonable(value: unknown): UnJSONableValue {
  let repr: string;
  try {
    repr = typeof value === "bigint"
      ? `${value}n`
      : Deno.inspect(value, { depth: 3, colors: false });
  } catch (e) {
    repr = `<repr failed: ${e}>`;
  }
  return { "@": "UnJSONable", repr, message: UNJSONABLE_MESSAGE };
}

/**
 * Records an error as a foolscap `Failure`-shaped value: `str` is the stack
 * (what `flogtool dump` prints), with the `cause` chain appended and kept as
 * nested failures. Non-errors are recorded by their repr.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { toFailure } from "./event.ts";
 * const f = toFailure(new Error("outer", { cause: new Error("inner") }));
 * assert(f.cause !== undefined && f.str.includes("Caused by"));
 * ```
 */
export function toFailure(error: unknown, depth = 0): FailureValue {
  const isErr = error instanceof Error;
  const name = isErr ? error.name : typeof error;
  const message = isErr
    ? String(error.message)
    : typeof error === "string"
    ? error
    : unjsonable(error).repr;
  const stack = isErr && typeof error.stack === "string"
    ? error.stack
    : `${name}: ${message}`;
  const failure: FailureValue = {
    "@": "Failure",
    str: stack,
    repr: `${name}(${JSON.stringify(message)})`,
    traceback: stack,
    name,
    message,
  };
  const cause = isErr ? error.cause : undefined;
  if (cause !== undefined) {
    failure.cause = depth < 8 ? toFailure(cause, depth + 1) : unjsonable(cause);
    const c = failure.cause;
    failure.str += `\nCaused by: ${"str" in c ? c.str : c.repr}`;
  }
  return failure;
}

/**
 * Returns a copy of `value` that `JSON.stringify` encodes without loss or
 * error: cycles, BigInts, functions, symbols, NaN and exotic objects
 * (Map, Set, class instances without `toJSON`) become UnJSONable values,
 * errors become failures. Plain data comes back unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { toJSONable } from "./event.ts";
 * const a: Record<string, unknown> = { n: 1 };
 * a.self = a;
 * const safe = toJSONable(a) as Record<string, { "@": string }>;
 * assert(safe.self["@"] === "UnJSONable");
 * JSON.stringify(safe); // does not throw
 * ```
 */
export function toJSONable(value: unknown, seen: unknown[] = []): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined": // omitted, as JSON does
      return value;
    case "number":
      return Number.isFinite(value) ? value : unjsonable(value);
    case "object":
      break;
    default:
      return unjsonable(value);
  }
  if (value === null) return null;
  if (seen.includes(value)) return unjsonable(value);
  if (value instanceof Error) return toFailure(value);
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? unjsonable(value) : value;
  }
  seen.push(value);
  try {
    if (Array.isArray(value)) return value.map((v) => toJSONable(v, seen));
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON !== "function") return unjsonable(value);
      return toJSONable(toJSON.call(value), seen);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJSONable(v, seen);
    return out;
  } finally {
    seen.pop();
  }
}

/**
 * Whether JSON encodes `value` as it is at the top level: one `typeof` and,
 * for objects, one prototype check. (Deeper problems are caught by
 * {@linkcode encodeJSON}.)
 */
export function isPlainValue(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
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
 * `JSON.stringify` that never throws: on a cycle or BigInt deep inside, it
 * encodes {@linkcode toJSONable}'s copy instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { encodeJSON } from "./event.ts";
 * assert(encodeJSON({ n: 1n }).includes("UnJSONable"));
 * ```
 */
export function encodeJSON(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return JSON.stringify(toJSONable(value));
  }
}

/**
 * `event` itself when each of its values is plain data at the top level
 * (the common case, checked cheaply), else its {@linkcode toJSONable} copy:
 * values that JSON would silently drop or mangle (functions, symbols, Maps,
 * NaN...) become UnJSONable instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { jsonableEvent } from "./event.ts";
 * const e = { num: 0, time: 0, incarnation: ["x", null] as [string, null], level: 20 };
 * assert.equal(jsonableEvent(e), e);
 * const odd = jsonableEvent<Record<string, unknown>>({ ...e, cb: () => 1 });
 * assert.equal((odd.cb as { "@": string })["@"], "UnJSONable");
 * ```
 */
export function jsonableEvent<T extends Record<string, unknown>>(event: T): T {
  for (const k in event) {
    if (!isPlainValue(event[k])) return toJSONable(event) as T;
  }
  return event;
}
