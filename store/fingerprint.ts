/**
 * The fingerprint of an incident, from its trigger: what makes two incidents
 * "the same bug". It is made of the facility, the template (the `format`, not
 * the text rendered with its values), the error's name, and the in-app stack
 * frames as function name plus file basename, with no line or column, no
 * absolute path, no query string and no runtime-internal frame. So the same
 * bug in two runs, two hosts or two versions with shifted lines matches, and
 * a different template, error or call path does not.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { FailureValue, FlogEvent } from "../lib/flog_event.ts";

/**
 * A fingerprint and what it was made of.
 *
 * @example
 * ```ts
 * import type { Fingerprint } from "@flightlog/flightlog/store";
 * const f: Fingerprint = { id: "3f2a…", parts: ["db", "query failed"], title: "query failed" };
 * ```
 */
export interface Fingerprint {
  /** 16 hex digits of a SHA-256 over `parts`: the group's id. */
  id: string;
  /** What was hashed, for people wondering why two incidents group. */
  parts: string[];
  /** The group's title: the template with `{name}` placeholders. */
  title: string;
}

/** Most stack frames that count. */
const MAX_FRAMES = 12;

/** Frames of the runtime and of dependencies, which are not the app's code. */
const NOT_IN_APP =
  /^(?:ext:|node:|deno:|internal[:/]|native|<anonymous>)|\/node_modules\/|^https?:\/\/(?:jsr\.io|deno\.land|esm\.sh)\//;

/**
 * The fingerprint of an incident with this trigger, or of `override` (a
 * rule's own fingerprint) when given.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { fingerprint } from "@flightlog/flightlog/store";
 * const at = (line: number) => ({
 *   num: 1, time: 0, incarnation: ["a", null] as [string, null], level: 30,
 *   facility: "shop", format: "charging order %(order)s failed", order: line,
 *   failure: { "@": "Failure" as const, name: "TypeError", message: "x", str: "",
 *     repr: "", traceback: `TypeError: x\n    at charge (file:///srv/app.ts:${line}:5)` },
 * });
 * assert.equal(fingerprint(at(10)).id, fingerprint(at(99)).id);
 * assert.equal(fingerprint(at(10)).title, "charging order {order} failed");
 * ```
 */
export function fingerprint(
  trigger: FlogEvent | undefined,
  override?: string,
): Fingerprint {
  const title = titleOf(trigger);
  const parts = override !== undefined
    ? ["rule", override]
    : trigger === undefined
    ? ["no trigger"]
    : [
      String(trigger.facility ?? ""),
      templateOf(trigger),
      String(failureOf(trigger)?.name ?? ""),
      ...frames(String(failureOf(trigger)?.traceback ?? "")),
    ];
  const id = createHash("sha256").update(parts.join("\n")).digest("hex")
    .slice(0, 16);
  return { id, parts, title };
}

/** The error an event records: its `failure`, else the first field that is one. */
export function failureOf(e: FlogEvent): FailureValue | undefined {
  if (isFailure(e.failure)) return e.failure;
  for (const v of Object.values(e)) if (isFailure(v)) return v;
  return undefined;
}

/** Whether `v` is a recorded error (`{"@": "Failure", ...}`). */
export function isFailure(v: unknown): v is FailureValue {
  return typeof v === "object" && v !== null &&
    (v as { "@"?: unknown })["@"] === "Failure";
}

/**
 * The template of `e`. A template without placeholders that is an error's
 * own text (`log.error(err)`) has its values masked, so that
 * `order 7 failed` and `order 8 failed` are one bug.
 */
function templateOf(e: FlogEvent): string {
  const t = String(e.format ?? e.message ?? "");
  if (t.includes("%(") || failureOf(e) === undefined) return t;
  return maskValues(t);
}

/** Numbers, hex ids, UUIDs and quoted strings as `<…>`. */
export function maskValues(text: string): string {
  return text
    .replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
      "<uuid>",
    )
    .replace(/"[^"]*"|'[^']*'/g, "<str>")
    .replace(
      /\b0x[0-9a-f]+\b|\b[0-9a-f]*\d[0-9a-f]*\b/gi,
      (m) => /^\d+$/.test(m) || m.length >= 6 || m.startsWith("0x") ? "<n>" : m,
    );
}

/** A template for people: `%(name)s` as `{name}`, an error's text masked. */
function titleOf(e: FlogEvent | undefined): string {
  if (e === undefined) return "(no trigger)";
  const t = templateOf(e).replace(/%\(([^)]*)\)[a-z]/g, "{$1}");
  return t.length > 200 ? t.slice(0, 199) + "…" : t;
}

/**
 * The in-app frames of a V8 stack as `function@basename`; all frames when
 * none is the app's.
 */
export function frames(stack: string): string[] {
  const all: { fn: string; file: string }[] = [];
  for (const line of stack.split("\n")) {
    const m = /^\s*at (?:(.*?) \()?(.*?)(?::\d+)?(?::\d+)?\)?$/.exec(line);
    if (m === null || !/^\s*at /.test(line)) continue;
    const fn = (m[1] ?? "").replace(/^(?:async|new) /, "").replace(
      / \[as [^\]]*\]$/,
      "",
    );
    all.push({ fn, file: m[2] });
  }
  const app = all.filter((f) => !NOT_IN_APP.test(f.file));
  return (app.length > 0 ? app : all).slice(0, MAX_FRAMES).map((f) =>
    `${f.fn}@${basename(f.file)}`
  );
}

function basename(file: string): string {
  const path = file.replace(/[?#].*$/, "");
  return path.slice(path.lastIndexOf("/") + 1);
}
