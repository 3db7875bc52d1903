/**
 * Console output of a logger's events, `pretty` or `json`, written after
 * the log call returns: a slow pipe fills a bounded queue, and what does
 * not fit is dropped and counted, never waited for.
 *
 * @module
 */

import { ReusedEncoder, writeAll } from "./_io.ts";
import { formatTime } from "./dump.ts";
import { encodeJSON, isPlainValue, jsonableEvent } from "./event.ts";
import { EVENT_KEYS, type FlogEvent } from "./flog_event.ts";
import { renderMessage } from "./format.ts";
import { Level, levelName, parseLevel } from "./levels.ts";

/**
 * Console output settings of {@linkcode createLogger}'s `console` option.
 * The environment variable `FLIGHTLOG_CONSOLE` (`pretty`, `json`,
 * `json:UNUSUAL`...) turns it on when the option is left out.
 *
 * @example
 * ```ts
 * import type { ConsoleOptions } from "@flightlog/flightlog";
 * const console: ConsoleOptions = { format: "json", level: "UNUSUAL" };
 * ```
 */
export interface ConsoleOptions {
  /**
   * The lowest level printed (events below it are still buffered).
   * @default {"OPERATIONAL"}
   */
  level?: number | string;
  /**
   * `pretty`: one line per event (time, level, facility, text, context
   * fields in brief), coloured on a terminal; `json`: one JSON object per
   * line, the event's fields with the rendered `text`.
   * @default {"pretty"}
   */
  format?: "pretty" | "json";
  /**
   * Where lines go.
   * @default {"stdout"}
   */
  stream?: "stdout" | "stderr";
  /**
   * Events waiting to be written at most; more are dropped and counted.
   * @default {10_000}
   */
  queueLimit?: number;
}

/** Where a console sink writes (`Deno.stdout` or a test's stand-in). */
export interface ConsoleTarget {
  /** Writes some of `bytes`; resolves to how many. */
  write(bytes: Uint8Array): Promise<number>;
  /** Whether it is a terminal (colours are used only then). */
  isTerminal(): boolean;
}

const OWN_KEYS = new Set([...EVENT_KEYS, "failure", "isError"]);

const COLOURS: [number, string][] = [
  [Level.BAD, "\x1b[1;31m"],
  [Level.SCARY, "\x1b[31m"],
  [Level.CURIOUS, "\x1b[35m"],
  [Level.UNUSUAL, "\x1b[33m"],
  [Level.OPERATIONAL, "\x1b[32m"],
];

function colourOf(level: number): string {
  for (const [from, code] of COLOURS) if (level >= from) return code;
  return "\x1b[90m";
}

/** The fields a template does not show, in brief: ` {user=alice, n=3}`. */
function brief(event: FlogEvent): string {
  const shown = new Set(
    [...(event.format ?? "").matchAll(/%\((\w+)\)/g)].map((m) => m[1]),
  );
  const parts: string[] = [];
  for (const key in event) {
    if (OWN_KEYS.has(key) || shown.has(key)) continue;
    const v = event[key];
    let text = typeof v === "string" ? v : encodeJSON(v);
    if (text.length > 60) text = text.slice(0, 57) + "...";
    parts.push(`${key}=${text}`);
  }
  return parts.length === 0 ? "" : ` {${parts.join(", ")}}`;
}

/** One `pretty` line (with the failure's text below it, if any). */
export function prettyLine(event: FlogEvent, colour: boolean): string {
  const name = levelName(event.level).padEnd(11);
  const level = colour ? `${colourOf(event.level)}${name}\x1b[0m` : name;
  const facility = event.facility ? ` ${event.facility}:` : "";
  let line = `${formatTime(event.time, "short-local")} ${level}${facility} ${
    renderMessage(event)
  }${brief(event)}\n`;
  const failure = event.failure as { str?: unknown } | undefined;
  if (typeof failure?.str === "string") {
    line += failure.str.replace(/^/gm, "    ") + "\n";
  }
  return line;
}

/** One `json` line: the event's fields with its rendered `text`. */
export function jsonLine(event: FlogEvent): string {
  const text = renderMessage(event);
  // A field called `text` gives way to the rendered text (one key).
  if (event.text !== undefined) {
    return encodeJSON({ ...jsonableEvent(event), text }) + "\n";
  }
  const open = loggerShapedJSON(event) ??
    encodeJSON(jsonableEvent(event)).slice(0, -1);
  return open + ',"text":' + JSON.stringify(text) + "}\n";
}

// What does not change from event to event, encoded once: the JSON of the
// last incarnation, and of the last few facilities and formats.
let lastIncarnation: unknown;
let lastIncarnationJSON = "";
let lastFacility: unknown;
let lastFacilityJSON = "";
let lastFormat: unknown;
let lastFormatJSON = "";
const prepared = new Map<string, string>();
function preparedJSON(value: string): string {
  let json = prepared.get(value);
  if (json === undefined) {
    if (prepared.size >= 1024) prepared.clear();
    json = JSON.stringify(value);
    prepared.set(value, json);
  }
  return json;
}

/**
 * The JSON, without its closing brace, of an event shaped as the logger
 * builds it (its fields first, then `num`, `time`, `incarnation`, `level`,
 * `facility`, `format`): byte for byte what `JSON.stringify` writes for it,
 * from one `JSON.stringify` of the fields and the event's own keys from
 * prepared text. Undefined for any other shape, or a value JSON would not
 * write as it is.
 */
function loggerShapedJSON(e: FlogEvent): string | undefined {
  const fields: Record<string, unknown> = {};
  let own = 0;
  for (const key in e) {
    if (own > 0) {
      if (key !== LOGGER_TAIL[own++]) return undefined;
    } else if (key === "num") own = 1;
    else {
      const v = e[key];
      if (!isPlainValue(v)) return undefined;
      fields[key] = v;
    }
  }
  const { num, time, level, facility, format } = e;
  if (
    own !== LOGGER_TAIL.length || typeof num !== "number" ||
    !Number.isFinite(num) || typeof time !== "number" ||
    !Number.isFinite(time) || typeof level !== "number" ||
    !Number.isFinite(level)
  ) return undefined;
  let incarnation = lastIncarnationJSON;
  if (e.incarnation !== lastIncarnation) {
    const inc = e.incarnation as unknown[];
    if (
      !Array.isArray(inc) || inc.length !== 2 || typeof inc[0] !== "string" ||
      (inc[1] !== null && typeof inc[1] !== "string")
    ) return undefined;
    incarnation = lastIncarnationJSON = JSON.stringify(inc);
    lastIncarnation = inc;
  }
  let facilityJSON = lastFacilityJSON;
  if (facility !== lastFacility) {
    if (facility !== undefined && typeof facility !== "string") {
      return undefined;
    }
    facilityJSON = lastFacilityJSON = facility === undefined
      ? ""
      : ',"facility":' + preparedJSON(facility);
    lastFacility = facility;
  }
  let formatJSON = lastFormatJSON;
  if (format !== lastFormat) {
    if (typeof format !== "string") return undefined;
    formatJSON = lastFormatJSON = ',"format":' + preparedJSON(format);
    lastFormat = format;
  }
  let json: string;
  try {
    json = JSON.stringify(fields);
  } catch {
    return undefined; // a cycle or a BigInt deep inside: the general path
  }
  return (json.length === 2 ? '{"num":' : json.slice(0, -1) + ',"num":') +
    num + ',"time":' + time + ',"incarnation":' + incarnation + ',"level":' +
    level + facilityJSON + formatJSON;
}

const LOGGER_TAIL = [
  "num",
  "time",
  "incarnation",
  "level",
  "facility",
  "format",
];

/**
 * Parses `FLIGHTLOG_CONSOLE`: `pretty` or `json`, optionally `:LEVEL`;
 * `off` (or empty) is no console. A bad value is a `SyntaxError` naming it.
 */
export function parseConsoleEnv(value: string): ConsoleOptions | false {
  const [format, level, ...rest] = value.trim().split(":");
  if (format === "" || format === "off") return false;
  if ((format !== "pretty" && format !== "json") || rest.length > 0) {
    throw new SyntaxError(
      `FLIGHTLOG_CONSOLE=${JSON.stringify(value)}: expected pretty or json, ` +
        `optionally followed by :LEVEL (e.g. json:UNUSUAL), or off`,
    );
  }
  return level === undefined
    ? { format }
    : { format, level: parseLevel(level) };
}

/** `FLIGHTLOG_CONSOLE`, when env permission for it is granted (no prompt). */
export function consoleFromEnv(): ConsoleOptions | false {
  try {
    const name = "FLIGHTLOG_CONSOLE";
    const state = Deno.permissions.querySync({ name: "env", variable: name });
    if (state.state !== "granted") return false;
    const value = Deno.env.get(name);
    return value === undefined ? false : parseConsoleEnv(value);
  } catch (e) {
    if (e instanceof SyntaxError) throw e;
    return false;
  }
}

/**
 * Writes events to the console as they are offered, off the log call's
 * path: `offer()` only queues.
 */
export class ConsoleSink {
  /** Events not printed because the queue was full. */
  dropped = 0;
  readonly #level: number;
  readonly #format: (e: FlogEvent) => string;
  readonly #target: ConsoleTarget;
  readonly #limit: number;
  readonly #bytes = new ReusedEncoder();
  #queue: FlogEvent[] = [];
  #unreported = 0;
  #writing: Promise<void> | undefined;

  /** A sink for `options`, writing to `target` (default: the stream). */
  constructor(options: ConsoleOptions = {}, target?: ConsoleTarget) {
    this.#level = parseLevel(options.level ?? Level.OPERATIONAL);
    this.#target = target ??
      (options.stream === "stderr" ? Deno.stderr : Deno.stdout);
    const colour = this.#target.isTerminal() && !Deno.noColor;
    this.#format = (options.format ?? "pretty") === "json"
      ? jsonLine
      : (e) => prettyLine(e, colour);
    this.#limit = options.queueLimit ?? 10_000;
  }

  /** Queues `event` if it is at or above the console level. */
  offer(event: FlogEvent): void {
    if (event.level < this.#level) return;
    if (this.#queue.length >= this.#limit) {
      this.dropped++;
      this.#unreported++;
      return;
    }
    this.#queue.push(event);
    this.#writing ??= this.#write();
  }

  /** Resolves once everything queued so far is written. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  async #write(): Promise<void> {
    // Let the log call (and any calls right after it) return first.
    await Promise.resolve();
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        let text = "";
        if (this.#unreported > 0) {
          text += `flightlog: ${this.#unreported} console lines dropped\n`;
          this.#unreported = 0;
        }
        for (const e of batch) text += this.#format(e);
        await writeAll(this.#target, this.#bytes.encode(text));
      }
    } catch {
      // A closed stdout (a pipe whose reader went away): stop printing.
      this.dropped += this.#queue.length;
      this.#queue = [];
    } finally {
      this.#writing = undefined;
    }
  }
}
