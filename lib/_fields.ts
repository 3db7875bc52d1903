/**
 * Preparing a log call's fields for buffering, in one copy-on-write walk:
 * secrets redacted, `Error`s turned into failures, fields named like the
 * event's own keys renamed (`_time`), and their size estimated on the way
 * (the buffers' byte budget needs it, and a walk of its own would cost as
 * much again).
 *
 * @module
 */

import { fieldKey, toFailure } from "./event.ts";
import type { Fields } from "./flog_event.ts";
import type { RedactionRules } from "./redact.ts";
import { OBJECT_BASE, SLOT, STRING_BASE } from "./_event_bytes.ts";

/** Nested values deeper than this are neither looked into nor copied. */
const MAX_DEPTH = 8;

/** Whether `f` has one of `EVENT_KEYS` (unrolled: it runs on every call). */
function hasReservedKey(f: Fields): boolean {
  return f.num !== undefined || f.time !== undefined ||
    f.incarnation !== undefined || f.level !== undefined ||
    f.facility !== undefined || f.format !== undefined ||
    f.message !== undefined || f.args !== undefined;
}

/** Prepares a log call's fields, or a whole event received from elsewhere. */
export interface FieldPreparer {
  /** A log call's fields, ready to be spread into its event. */
  fields(fields: Fields): Fields;
  /** An event built elsewhere (its own keys kept as they are). */
  event<T extends Fields>(event: T): T;
  /** A template, with credentials written into its text replaced. */
  template(template: string): string;
  /**
   * {@linkcode fields} of an object that is used again and again (a
   * context's or a logger's bound fields), computed once per object.
   */
  shared(fields: Readonly<Fields>): Fields;
  /**
   * The estimated bytes of the values the last {@linkcode fields} or
   * {@linkcode event} call returned (see `_event_bytes.ts`), keys' slots
   * included.
   */
  readonly bytes: number;
}

/**
 * Preparation under `rules` (no redaction when undefined). Each function
 * returns its argument itself when nothing changes.
 */
export function fieldPreparer(
  rules: RedactionRules | undefined,
): FieldPreparer {
  // Templates repeat: each is redacted once (bounded, like the template cache).
  const templates = new Map<string, string>();
  const template = (t: string): string => {
    if (rules === undefined) return t;
    let out = templates.get(t);
    if (out === undefined) {
      out = rules.redactString(t);
      if (templates.size < 4096) templates.set(t, out);
    }
    return out;
  };
  // Estimated bytes of what the walk returns, summed as it goes.
  let size = 0;
  const value = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") {
      size += STRING_BASE + v.length;
      return rules ? rules.redactString(v) : v;
    }
    if (typeof v !== "object" || v === null) return v;
    if (v instanceof Error) return value(toFailure(v), depth);
    size += OBJECT_BASE;
    if (depth >= MAX_DEPTH) return v;
    if (Array.isArray(v)) {
      let copy: unknown[] | undefined;
      size += SLOT * v.length;
      for (let i = 0; i < v.length; i++) {
        const r = value(v[i], depth + 1);
        if (r !== v[i]) (copy ??= v.slice())[i] = r;
      }
      return copy ?? v;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v;
    size -= OBJECT_BASE; // object() counts its own
    return object(v as Fields, depth + 1);
  };
  // `event`: obj is a whole event, whose `format` is a (cached) template.
  const object = (obj: Fields, depth: number, event = false): Fields => {
    let copy: Fields | undefined;
    size += OBJECT_BASE;
    for (const key in obj) {
      const v = obj[key];
      size += SLOT;
      if (v === undefined || v === null) continue;
      let r: unknown;
      if (rules !== undefined && rules.isSecretKey(key)) r = rules.replace;
      else if (typeof v === "number" || typeof v === "boolean") continue;
      else if (event && key === "format" && typeof v === "string") {
        r = template(v);
      } else r = value(v, depth);
      if (r !== v) (copy ??= { ...obj })[key] = r;
    }
    return copy ?? obj;
  };
  const fields = (f: Fields): Fields => {
    size = 0;
    const out = object(f, 0);
    if (!hasReservedKey(out)) return out;
    const renamed: Fields = {};
    for (const k in out) renamed[fieldKey(k)] = out[k];
    return renamed;
  };
  const shared = new WeakMap<object, Fields>();
  // A plain property, set after each walk: a getter costs more per call.
  const preparer = {
    fields: (f: Fields): Fields => {
      const out = fields(f);
      preparer.bytes = size;
      return out;
    },
    shared(f: Readonly<Fields>): Fields {
      let out = shared.get(f);
      if (out === undefined) shared.set(f, out = fields(f));
      return out;
    },
    event: <T extends Fields>(event: T): T => {
      size = 0;
      const out = object(event, 0, true) as T;
      preparer.bytes = size;
      return out;
    },
    template,
    bytes: 0,
  };
  return preparer;
}
