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

/** Longer strings are not remembered as clean (a shape holds few bytes). */
const MAX_CLEAN = 256;

/** Nested values deeper than this are neither looked into nor copied. */
const MAX_DEPTH = 8;

/** Whether `f` has one of `EVENT_KEYS` (unrolled: it runs on every call). */
function hasReservedKey(f: Fields): boolean {
  return f.num !== undefined || f.time !== undefined ||
    f.incarnation !== undefined || f.level !== undefined ||
    f.facility !== undefined || f.format !== undefined ||
    f.message !== undefined || f.args !== undefined;
}

/**
 * What is learnt of one call site's fields (its template's): their keys in
 * order, which of them hold secrets, and whether one is named like an
 * event's own key. A call whose fields have these keys then makes no key
 * lookup; one with other keys is prepared in full, and teaches the shape.
 */
export class FieldShape {
  /** The keys, in order. */
  keys: string[] = [];
  /** Per key: its value is replaced (a secret's name). */
  secret: boolean[] = [];
  /** Per key: the last (short) string value that had nothing to redact. */
  clean: (string | undefined)[] = [];
  /** A key is named like one of the event's own (renamed when set). */
  reserved = false;
}

/** Prepares a log call's fields, or a whole event received from elsewhere. */
export interface FieldPreparer {
  /**
   * A log call's fields, ready to be spread into its event; `shape` (the
   * call site's) saves the key lookups when the keys are the same.
   */
  fields(fields: Fields, shape?: FieldShape): Fields;
  /** An event built elsewhere (its own keys kept as they are). */
  event<T extends Fields>(event: T): T;
  /** A template, with credentials written into its text replaced. */
  template(template: string): string;
  /** The field shape of the calls with `template` (kept per template). */
  shape(template: string): FieldShape;
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
  // Estimated bytes of what the walk returns, summed as it goes: once per
  // object or array (a write per value would cost the log call 5 ns more).
  // It is the preparer's own `bytes`: a store to another object after each
  // walk cost the log call 7 ns.
  const acc = { bytes: 0 } as FieldPreparer & { bytes: number };
  const value = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return rules ? rules.redactString(v) : v;
    if (typeof v !== "object" || v === null) return v;
    if (v instanceof Error) return value(toFailure(v), depth);
    if (depth >= MAX_DEPTH) {
      acc.bytes += OBJECT_BASE;
      return v;
    }
    if (Array.isArray(v)) {
      let copy: unknown[] | undefined;
      let size = OBJECT_BASE + SLOT * v.length;
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (typeof x === "string") size += STRING_BASE + x.length;
        const r = value(x, depth + 1);
        if (r !== x) (copy ??= v.slice())[i] = r;
      }
      acc.bytes += size;
      return copy ?? v;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      acc.bytes += OBJECT_BASE;
      return v;
    }
    return object(v as Fields, depth + 1);
  };
  // `event`: obj is a whole event, whose `format` is a (cached) template.
  const object = (obj: Fields, depth: number, event = false): Fields => {
    let copy: Fields | undefined;
    let size = OBJECT_BASE;
    for (const key in obj) {
      const v = obj[key];
      size += SLOT;
      if (v === undefined || v === null) continue;
      let r: unknown;
      if (rules !== undefined && rules.isSecretKey(key)) r = rules.replace;
      else if (typeof v === "number" || typeof v === "boolean") continue;
      else if (typeof v === "string") {
        if (event && key === "format") r = template(v);
        else {
          size += STRING_BASE + v.length;
          r = rules ? rules.redactString(v) : v;
        }
      } else r = value(v, depth);
      if (r !== v) (copy ??= { ...obj })[key] = r;
    }
    acc.bytes += size;
    return copy ?? obj;
  };
  const rename = (out: Fields): Fields => {
    const renamed: Fields = {};
    for (const k in out) renamed[fieldKey(k)] = out[k];
    return renamed;
  };
  const general = (f: Fields): Fields => {
    acc.bytes = 0;
    const out = object(f, 0);
    return hasReservedKey(out) ? rename(out) : out;
  };
  const learn = (f: Fields, shape: FieldShape): Fields => {
    const keys: string[] = [];
    const secret: boolean[] = [];
    let reserved = false;
    for (const key in f) {
      keys.push(key);
      secret.push(rules !== undefined && rules.isSecretKey(key));
      reserved ||= fieldKey(key) !== key;
    }
    shape.keys = keys;
    shape.secret = secret;
    shape.clean = keys.map(() => undefined);
    shape.reserved = reserved;
    return general(f);
  };
  // The walk of `object` for fields of a known shape: the same result,
  // without a key lookup.
  const fields = (f: Fields, shape?: FieldShape): Fields => {
    if (shape === undefined) return general(f);
    const keys = shape.keys;
    const secret = shape.secret;
    const clean = shape.clean;
    acc.bytes = 0;
    let copy: Fields | undefined;
    let size = OBJECT_BASE;
    let i = 0;
    for (const key in f) {
      if (keys[i] !== key) return learn(f, shape);
      const v = f[key];
      size += SLOT;
      let r: unknown;
      const at = i++;
      if (v === undefined || v === null) continue;
      else if (secret[at]) r = rules!.replace;
      else if (typeof v === "string") {
        size += STRING_BASE + v.length;
        if (rules === undefined) continue;
        // A call site's strings repeat ("GET", a user): the last clean one
        // of each field is not scanned again.
        if (v === clean[at]) continue;
        r = rules.redactString(v);
        if (r === v && v.length <= MAX_CLEAN) clean[at] = v;
      } else if (typeof v !== "object") continue;
      else r = value(v, 0);
      if (r !== v) (copy ??= { ...f })[key] = r;
    }
    if (i !== keys.length) return learn(f, shape);
    acc.bytes += size;
    const out = copy ?? f;
    return shape.reserved && hasReservedKey(out) ? rename(out) : out;
  };
  const shared = new WeakMap<object, Fields>();
  // A call site's fields have the same keys from call to call: one shape
  // per template (bounded, as the template cache is).
  const shapes = new Map<string, FieldShape>();
  return Object.assign(acc, {
    // Without redaction no key is looked up: the shape would save nothing.
    fields: rules === undefined ? general : fields,
    shape(t: string): FieldShape {
      let s = shapes.get(t);
      if (s === undefined) {
        if (shapes.size >= 4096) shapes.clear();
        shapes.set(t, s = new FieldShape());
      }
      return s;
    },
    shared(f: Readonly<Fields>): Fields {
      let out = shared.get(f);
      if (out === undefined) {
        const last = acc.bytes; // the call's own fields' size stays
        shared.set(f, out = general(f));
        acc.bytes = last;
      }
      return out;
    },
    event<T extends Fields>(event: T): T {
      acc.bytes = 0;
      return object(event, 0, true) as T;
    },
    template,
  });
}
