/**
 * Renders an event's text the way foolscap's `flogtool dump` does: the
 * `format` template is applied with Python's `%` rules to the event's own
 * keys, or `message` to its `args`. Never throws.
 *
 * @module
 */

import type { FlogEvent } from "./flog_event.ts";

/**
 * Python's `repr()` of a JSON value (`'text'`, `True`, `None`, `[1, 'a']`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { pyRepr } from "./format.ts";
 * assert(pyRepr(["alice", null, true]) === "['alice', None, True]");
 * ```
 */
export function pyRepr(value: unknown, depth = 0): string {
  if (typeof value === "string") return reprString(value);
  return pyStr(value, depth);
}

/** Containers nested deeper than this print as `[...]` / `{...}`. */
const MAX_DEPTH = 64;

/**
 * Python's `str()` of a JSON value: strings as they are, the rest as repr.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { pyStr } from "./format.ts";
 * assert(pyStr(0.25) === "0.25" && pyStr(false) === "False");
 * ```
 */
export function pyStr(value: unknown, depth = 0): string {
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return value ? "True" : "False";
    case "number":
      return pyNumber(value);
    case "undefined":
      return "None";
    case "object":
      if (value === null) return "None";
      if (Array.isArray(value)) {
        if (depth >= MAX_DEPTH) return "[...]";
        return `[${value.map((v) => pyRepr(v, depth + 1)).join(", ")}]`;
      }
      if (depth >= MAX_DEPTH) return "{...}";
      return `{${
        Object.entries(value).map(([k, v]) =>
          `${reprString(k)}: ${pyRepr(v, depth + 1)}`
        ).join(", ")
      }}`;
    default:
      return String(value);
  }
}

function pyNumber(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  return String(n).replace(/e([+-])(\d)$/, "e$10$2");
}

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) {
      out += "\\x" + c.toString(16).padStart(2, "0");
    } else out += ch;
  }
  return out + quote;
}

class FormatError extends Error {}

// %[(key)][flags][width][.precision]type
const SPEC = /%(?:\(([^)]*)\))?([-+ #0]*)(\d+|\*)?(?:\.(\d+|\*))?([a-zA-Z%])?/g;

/**
 * Python's `template % args`. A plain object `args` feeds `%(key)s`
 * conversions; anything else is the single positional value (a JSON array
 * stays one value, as a list does in Python). Throws on a missing key or a
 * type mismatch, as Python does.
 */
// Templates made of text, `%(name)s` and `%%` only (what the logger
// writes), split once: literal parts at even indexes, keys at odd ones.
const simpleTemplates = new Map<string, string[] | null>();
const SIMPLE_PART = /%\((\w+)\)s|%%/g;

function simpleParts(template: string): string[] | null {
  let parts = simpleTemplates.get(template);
  if (parts !== undefined) return parts;
  parts = [];
  let last = 0;
  let literal = "";
  for (const m of template.matchAll(SIMPLE_PART)) {
    literal += template.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[1] === undefined) literal += "%";
    else {
      parts.push(literal, m[1]);
      literal = "";
    }
  }
  literal += template.slice(last);
  parts.push(literal);
  // Any other `%` is another conversion (or an error): the full renderer.
  if (template.replace(SIMPLE_PART, "").includes("%")) parts = null;
  if (simpleTemplates.size < 4096) simpleTemplates.set(template, parts);
  return parts;
}

/** The text of a simple template, or undefined to use the full renderer. */
function renderSimple(
  template: string,
  args: Record<string, unknown>,
): string | undefined {
  const parts = simpleParts(template);
  if (parts === null) return undefined;
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const key = parts[i];
    if (!Object.hasOwn(args, key)) return undefined; // the full error text
    out += pyStr(args[key]) + parts[i + 1];
  }
  return out;
}

function pyPercent(template: string, args: unknown): string {
  const isMap = typeof args === "object" && args !== null &&
    !Array.isArray(args);
  let used = false;
  const out = template.replace(
    SPEC,
    (_m, key: string | undefined, flags: string, width, prec, type) => {
      if (type === undefined) throw new FormatError("incomplete format");
      if (type === "%" && key === undefined) return "%";
      let value: unknown;
      if (key !== undefined) {
        if (!isMap) throw new FormatError("format requires a mapping");
        if (!Object.hasOwn(args as object, key)) {
          throw new FormatError(`missing key '${key}'`);
        }
        value = (args as Record<string, unknown>)[key];
      } else {
        if (used || isMap) throw new FormatError("not enough arguments");
        used = true;
        value = args;
      }
      if (width === "*" || prec === "*") throw new FormatError("* width");
      return pad(
        convert(value, type, flags, prec === undefined ? undefined : +prec),
        flags,
        width === undefined ? 0 : +width,
        "diouxXeEfFgG".includes(type),
      );
    },
  );
  if (!isMap && !used && args !== undefined) {
    throw new FormatError("not all arguments converted");
  }
  return out;
}

function convert(
  value: unknown,
  type: string,
  flags: string,
  prec: number | undefined,
): string {
  const sign = (n: number, s: string) =>
    n < 0 || Object.is(n, -0)
      ? s
      : flags.includes("+")
      ? "+" + s
      : flags.includes(" ")
      ? " " + s
      : s;
  switch (type) {
    case "s":
    case "r":
    case "a": {
      const s = type === "s" ? pyStr(value) : pyRepr(value);
      return prec === undefined ? s : s.slice(0, prec);
    }
    case "%":
      return "%";
  }
  const n = typeof value === "boolean" ? Number(value) : value;
  if (typeof n !== "number") {
    throw new FormatError(`%${type} format: a number is required`);
  }
  switch (type) {
    case "d":
    case "i":
    case "u":
      return sign(n, String(Math.trunc(n)));
    case "o":
    case "x":
    case "X": {
      if (!Number.isInteger(n)) throw new FormatError("integer required");
      const s = Math.abs(n).toString(type === "o" ? 8 : 16);
      return sign(n, (n < 0 ? "-" : "") + (type === "X" ? s.toUpperCase() : s));
    }
    case "f":
    case "F":
      return sign(n, n.toFixed(prec ?? 6));
    case "e":
    case "E": {
      const s = n.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, "e$10$2");
      return sign(n, type === "E" ? s.toUpperCase() : s);
    }
    case "g":
    case "G": {
      const p = prec === 0 ? 1 : prec ?? 6;
      const exp = n === 0 ? 0 : Math.floor(Math.log10(Math.abs(n)));
      let s = exp < -4 || exp >= p
        ? n.toExponential(p - 1).replace(/e([+-])(\d)$/, "e$10$2")
        : n.toFixed(Math.max(0, p - 1 - exp));
      if (!flags.includes("#")) {
        s = s.replace(/\.?0+(e|$)/, "$1").replace(/\.(e|$)/, "$1");
      }
      return sign(n, type === "G" ? s.toUpperCase() : s);
    }
    case "c":
      return String.fromCodePoint(n);
  }
  throw new FormatError(`unsupported format character '${type}'`);
}

function pad(s: string, flags: string, width: number, numeric: boolean) {
  if (s.length >= width) return s;
  if (flags.includes("-")) return s.padEnd(width);
  if (numeric && flags.includes("0")) {
    const signChar = /^[-+ ]/.test(s) ? s[0] : "";
    return signChar + s.slice(signChar.length).padStart(
      width - signChar.length,
      "0",
    );
  }
  return s.padStart(width);
}

/**
 * The event's text, rendered like foolscap's `format_message`: a `format`
 * template gets the event's keys, a `message` gets its `args`. When the
 * template does not fit (missing key, wrong type) it returns the template
 * followed by ` [formatting failed: <why>]` (for `message` and `args`,
 * foolscap's exact ` [formatting failed]`) and never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { renderMessage } from "@flightlog/flightlog";
 * const text = renderMessage({
 *   format: "disk %(disk)s is %(pct)d%% full", disk: "/dev/sda1", pct: 97,
 * });
 * assert(text === "disk /dev/sda1 is 97% full");
 * ```
 */
export function renderMessage(event: Partial<FlogEvent>): string {
  let template: string;
  let args: unknown;
  if (typeof event.format === "string") {
    template = event.format;
    args = event;
  } else if ("args" in event && typeof event.message === "string") {
    template = event.message;
    args = event.args;
  } else if (event.message !== undefined) {
    return pyStr(event.message);
  } else {
    return "";
  }
  if (args === event) {
    const fast = renderSimple(template, event);
    if (fast !== undefined) return fast;
  }
  try {
    return pyPercent(template, args);
  } catch (e) {
    // foolscap's own words for a message whose args do not fit; for a
    // template (where foolscap gives up entirely) we also say why.
    if (template === event.message) return `${template} [formatting failed]`;
    const why = e instanceof FormatError ? e.message : String(e);
    return `${template} [formatting failed: ${why}]`;
  }
}
