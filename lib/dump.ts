/**
 * Human-readable lines for flogfile records, as `flogtool dump` prints
 * them, with level names and facilities added (or not, to match flogtool
 * exactly).
 *
 * @module
 */

import type { FlogEvent } from "./flog_event.ts";
import type { FlogEventRecord, FlogRecord } from "./flogfile.ts";
import { pyRepr, pyStr, renderMessage } from "./format.ts";
import { levelName } from "./levels.ts";

/**
 * How timestamps are written, as flogtool's `--timestamps`.
 *
 * @example
 * ```ts
 * import type { TimestampMode } from "@flightlog/flightlog";
 * const mode: TimestampMode = "utc";
 * ```
 */
export type TimestampMode = "short-local" | "long-local" | "utc" | "epoch";

/**
 * Options of {@linkcode dumpLines}.
 *
 * @example
 * ```ts
 * import type { DumpOptions } from "@flightlog/flightlog";
 * const opts: DumpOptions = { timestamps: "utc", flogtool: false };
 * ```
 */
export interface DumpOptions {
  /**
   * How times are printed (`short-local` is `HH:MM:SS.mmm` in local time).
   * @default {"short-local"}
   */
  timestamps?: TimestampMode;
  /**
   * Print exactly what `flogtool dump` prints (no level or facility).
   * @default {false}
   */
  flogtool?: boolean;
  /**
   * Append every key of the event.
   * @default {false}
   */
  verbose?: boolean;
  /**
   * Told of a record that cannot be printed (not an event, or one whose
   * rendering fails), by its index among the records; the others still
   * print. Without it, such a record prints as a line saying so.
   */
  onBadRecord?: (index: number, why: string) => void;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/**
 * A timestamp (float seconds) the way flogtool formats it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formatTime } from "./dump.ts";
 * assert(formatTime(1795555320.5, "utc") === "2026-11-24_21:22:00.500000Z");
 * assert(formatTime(1795555320.3781, "epoch") === "1795555320.378");
 * ```
 */
export function formatTime(when: number, mode: TimestampMode): string {
  if (mode === "epoch") return when.toFixed(3);
  const whole = Math.floor(when);
  const frac = when - whole;
  const d = new Date(whole * 1000);
  if (mode === "utc") {
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${
      pad(d.getUTCDate())
    }_${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${
      pad(d.getUTCSeconds())
    }.${pad(Math.trunc(1e6 * frac), 6)}Z`;
  }
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${
    pad(d.getSeconds())
  }`;
  if (mode === "short-local") return `${hms}.${pad(Math.trunc(1e3 * frac), 3)}`;
  const off = -d.getTimezoneOffset();
  const zone = `${off < 0 ? "-" : "+"}${pad(Math.trunc(Math.abs(off) / 60))}${
    pad(Math.abs(off) % 60)
  }`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${
    pad(d.getDate())
  }_${hms}.${pad(Math.trunc(1e6 * frac), 6)}${zone}`;
}

/**
 * The lines `flightlog dump` prints for `records`: the header's versions
 * and PID, then one line per event (`from#num time LEVEL facility: text`),
 * the trigger marked `[INCIDENT-TRIGGER]`, failures below their event.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { dumpLines } from "@flightlog/flightlog";
 * const trigger = {
 *   num: 3, time: 0.5, incarnation: ["ab", null] as [string, null],
 *   level: 30, facility: "app/disk", message: "disk full",
 * };
 * const lines = await Array.fromAsync(dumpLines([
 *   { header: { type: "incident", trigger, pid: 7 } },
 *   { from: "local", rx_time: 0.5, d: trigger },
 * ], { timestamps: "epoch" }));
 * assert(
 *   lines.at(-1) === "local#3 0.500 WEIRD app/disk: disk full [INCIDENT-TRIGGER]",
 * );
 * ```
 */
export async function* dumpLines(
  records: AsyncIterable<FlogRecord> | Iterable<FlogRecord>,
  options: DumpOptions = {},
): AsyncGenerator<string> {
  const mode = options.timestamps ?? "short-local";
  let trigger: FlogEvent | undefined;
  let index = -1;
  for await (const r of records) {
    index++;
    let lines: string[];
    try {
      if ("header" in r) {
        const h = r.header;
        if (typeof h !== "object" || h === null || Array.isArray(h)) {
          throw new TypeError("the header is not an object");
        }
        if (h.type === "incident" && h.trigger) trigger = h.trigger;
        lines = options.verbose
          ? [pyRepr(r)]
          : [...headerLines(h, options.flogtool === true)];
      } else {
        lines = eventLines(r, trigger, mode, options);
      }
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (options.onBadRecord) options.onBadRecord(index, why);
      else yield `[record ${index + 1} cannot be printed: ${why}]`;
      continue;
    }
    yield* lines;
  }
}

const isFailure = (v: unknown) =>
  typeof v === "object" && v !== null &&
  (v as { "@"?: unknown })["@"] === "Failure";

function eventLines(
  r: FlogEventRecord,
  trigger: FlogEvent | undefined,
  mode: TimestampMode,
  options: DumpOptions,
): string[] {
  const d = r.d;
  if (typeof d !== "object" || d === null || Array.isArray(d)) {
    throw new TypeError('"d" is not an event object');
  }
  if (typeof d.num !== "number" || typeof d.time !== "number") {
    throw new TypeError('the event has no numeric "num" and "time"');
  }
  let line = `${String(r.from).slice(0, 8)}#${d.num} ${
    formatTime(d.time, mode)
  }`;
  if (!options.flogtool) {
    line += ` ${levelName(typeof d.level === "number" ? d.level : 20)}`;
    if (d.facility) line += ` ${d.facility}`;
  }
  line += `: ${renderMessage(d)}`;
  if (options.verbose) line += `: ${pyRepr(d)}`;
  if (
    trigger !== undefined && d.num === trigger.num &&
    sameIncarnation(d, trigger)
  ) line += " [INCIDENT-TRIGGER]";
  const lines = [line];
  const failure = (label: string, f: unknown) => {
    lines.push(label);
    const text = typeof f === "object" && f !== null && "str" in f
      ? String(f.str)
      : pyStr(f);
    for (const l of text.split("\n")) lines.push(` ${l}`);
    if (!options.flogtool) lines.push(...sourceLines(f));
  };
  if (d.failure !== undefined) failure(" FAILURE:", d.failure);
  if (!options.flogtool) {
    // Errors logged as fields (`{ err }`) print as failures, not as dicts.
    for (const [key, v] of Object.entries(d)) {
      if (key !== "failure" && isFailure(v)) failure(` FAILURE (${key}):`, v);
    }
  }
  return lines;
}

/**
 * The source lines the recorder wrote for a failure's frames (and its
 * causes'), each frame's own line marked with `>`.
 */
function sourceLines(f: unknown, depth = 0): string[] {
  if (f === null || typeof f !== "object" || depth > 8) return [];
  const v = f as { frames?: unknown; cause?: unknown };
  const out: string[] = [];
  for (const fr of Array.isArray(v.frames) ? v.frames : []) {
    const src = fr?.source;
    if (!src || !Array.isArray(src.lines)) continue;
    const file = String(fr.file).replace(/^file:\/\//, "");
    out.push(`  source of ${fr.fn || "<anonymous>"} (${file}:${fr.line}):`);
    const width = String(src.start + src.lines.length - 1).length;
    src.lines.forEach((text: unknown, i: number) => {
      const n = src.start + i;
      out.push(
        `  ${n === fr.line ? ">" : " "} ${String(n).padStart(width)} | ${text}`,
      );
    });
  }
  return [...out, ...sourceLines(v.cause, depth + 1)];
}

function sameIncarnation(a: FlogEvent, b: FlogEvent): boolean {
  return JSON.stringify(a.incarnation) === JSON.stringify(b.incarnation);
}

function* headerLines(
  h: Record<string, unknown>,
  flogtoolOnly: boolean,
): Generator<string> {
  const versions = h.versions as Record<string, unknown> | undefined;
  if (versions !== undefined) {
    yield "Application versions (embedded in logfile):";
    const names = Object.keys(versions).sort();
    const width = Math.max(0, ...names.map((n) => n.length));
    for (const n of names) yield `${n.padStart(width)}: ${versions[n]}`;
  }
  if (h.pid !== undefined) yield `PID: ${h.pid}`;
  if (!flogtoolOnly) {
    if (h.app !== undefined) yield `App: ${h.app}`;
    if (h.host !== undefined) yield `Host: ${h.host}`;
    if (h.suppressed_incidents !== undefined) {
      yield `Incidents suppressed by the rate limit before this one: ${h.suppressed_incidents}`;
    }
  }
  yield "";
}
