/**
 * foolscap's flogfile v1: a magic line, then one JSON object per line: a
 * `{"header": ...}` first, then `{"from", "rx_time", "d": event}` records.
 * Reads plain and gzip files (detected by content) and streams.
 *
 * @module
 */

import { encodeJSON, jsonableEvent } from "./event.ts";
import type { FlogEvent } from "./flog_event.ts";
import { LineSplitter } from "./lines.ts";

/**
 * The first line of every flogfile, newline included.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { FLOG_MAGIC } from "./flogfile.ts";
 * assert(FLOG_MAGIC === "# foolscap flogfile v1\n");
 * ```
 */
export const FLOG_MAGIC = "# foolscap flogfile v1\n";

/**
 * A flogfile header. Incidents have `type: "incident"`, the `trigger`
 * event, `pid` and `versions`; flightlog adds `app`, `host`, and anything a
 * header hook returns.
 *
 * @example
 * ```ts
 * import type { FlogHeader } from "@flightlog/flightlog";
 * const h: FlogHeader = { type: "incident", pid: 42, versions: {} };
 * ```
 */
export interface FlogHeader {
  /** `incident`, `log-file-observer`, `tail`, `gatherer`... */
  type: string;
  /** The event that triggered the incident. */
  trigger?: FlogEvent;
  /** Process id of the app. */
  pid?: number;
  /** Names and versions of what the app runs on. */
  versions?: Record<string, string>;
  /** More fields: `app`, `host`, `suppressed_incidents`, a hook's. */
  [key: string]: unknown;
}

/**
 * The header record: the first object of a file.
 *
 * @example
 * ```ts
 * import type { FlogHeaderRecord } from "@flightlog/flightlog";
 * const r: FlogHeaderRecord = { header: { type: "incident" } };
 * ```
 */
export interface FlogHeaderRecord {
  /** The header. */
  header: FlogHeader;
}

/**
 * An event record: where it came from, when it was received, the event.
 *
 * @example
 * ```ts
 * import type { FlogEventRecord } from "@flightlog/flightlog";
 * const r: FlogEventRecord = {
 *   from: "local", rx_time: 1.5,
 *   d: { num: 0, time: 1.5, incarnation: ["x", null], level: 20, message: "hi" },
 * };
 * ```
 */
export interface FlogEventRecord {
  /** Where the event came from (`local` for the app itself). */
  from: string;
  /** When it was received or written, seconds since the epoch. */
  rx_time: number;
  /** The event. */
  d: FlogEvent;
}

/**
 * Any record of a flogfile.
 *
 * @example
 * ```ts
 * import type { FlogRecord } from "@flightlog/flightlog";
 * function isHeader(r: FlogRecord) { return "header" in r; }
 * ```
 */
export type FlogRecord = FlogHeaderRecord | FlogEventRecord;

/**
 * The JSON line (newline included) of a header.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { headerLine } from "./flogfile.ts";
 * assert(headerLine({ type: "incident" }) === '{"header":{"type":"incident"}}\n');
 * ```
 */
export function headerLine(header: FlogHeader): string {
  return encodeJSON({ header }) + "\n";
}

/** Where and when an event record was received, for {@linkcode eventLine}. */
export interface EventLineOptions {
  /** The record's `from` (foolscap writes `"local"` for its own events). */
  from: string;
  /** When it was received, in seconds since the epoch (`rx_time`). */
  rxTime: number;
}

/**
 * The JSON line (newline included) of an event record. Never throws: values
 * JSON cannot encode (or would drop) are written as foolscap's UnJSONable
 * objects.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { eventLine } from "./flogfile.ts";
 * const line = eventLine({
 *   num: 0, time: 1, incarnation: ["x", null], level: 20, message: "hi",
 * }, { from: "local", rxTime: 2 });
 * assert(line.startsWith('{"from":"local","rx_time":2,"d":{'));
 * ```
 */
export function eventLine(event: FlogEvent, options: EventLineOptions): string {
  const { from, rxTime } = options;
  return encodeJSON({ from, rx_time: rxTime, d: jsonableEvent(event) }) + "\n";
}

/**
 * A problem with a flogfile: names the file, and the line when there is one.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { FlogFileError } from "@flightlog/flightlog";
 * const e = new FlogFileError("x.flog", "bad JSON", 3);
 * assert(e.message === "x.flog:3: bad JSON");
 * ```
 */
export class FlogFileError extends Error {
  /** The error's name. */
  override name = "FlogFileError";
  /** Creates the error; `line` is 1-based, counting the magic line. */
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${reason}`);
  }
}

/**
 * Options of {@linkcode readFlog}.
 *
 * @example
 * ```ts
 * import type { ReadFlogOptions } from "@flightlog/flightlog";
 * const damage: Error[] = [];
 * const opts: ReadFlogOptions = { onDamage: (e) => damage.push(e) };
 * ```
 */
export interface ReadFlogOptions {
  /**
   * The name used in errors.
   * @default {the path, or "<stream>"}
   */
  name?: string;
  /**
   * Called for each damaged part (a bad line, a cut end, a truncated gzip);
   * reading then goes on with what follows. Without it, the first damage is
   * thrown after every good record before it has been yielded.
   */
  onDamage?: (error: FlogFileError) => void;
  /** Stops reading (and releases the file) when aborted. */
  signal?: AbortSignal;
  /**
   * Longer lines are reported as damage (naming their line) and skipped,
   * never held whole in memory; the rest is read.
   * @default {MAX_RECORD_LINE}
   */
  maxLineLength?: number;
}

/** The longest flogfile line read, in characters: 64 MiB. */
export const MAX_RECORD_LINE = 64 * 1024 * 1024;

/** What a stream starts with, from its first bytes. */
function sniff(bytes: Uint8Array): "gzip" | "bzip2" | "plain" {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return "gzip";
  if (bytes[0] === 0x42 && bytes[1] === 0x5a && bytes[2] === 0x68) {
    return "bzip2";
  }
  return "plain";
}

/**
 * Reads the first chunk of `stream` and returns it with a stream that
 * yields everything (that chunk included).
 */
async function peek(
  stream: ReadableStream<Uint8Array>,
): Promise<[Uint8Array, ReadableStream<Uint8Array>]> {
  const reader = stream.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array();
  const whole = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) controller.enqueue(head);
      else controller.close();
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return [head, whole];
}

/**
 * Reads a flogfile: yields its header record first (when it has one), then
 * each event record. `source` is a path, a `file:` URL or a byte stream
 * (`Deno.stdin.readable`). Gzip is detected by content; bzip2 (foolscap's
 * own compression) gets an error asking to run `bunzip2` first.
 *
 * Nothing is lost to damage: a truncated gzip or a cut last line still
 * yields every complete record before it. See
 * {@linkcode ReadFlogOptions.onDamage} for how damage is reported.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLogger, readFlog } from "@flightlog/flightlog";
 * const dir = await Deno.makeTempDir();
 * const log = createLogger({ incidentDir: dir, trailingMs: 0 });
 * log.info("starting");
 * log.weird("disk {disk} is {pct}% full", { disk: "sda1", pct: 97 });
 * await log.close();
 * const [incident] = log.incidents;
 * for await (const record of readFlog(incident.path)) {
 *   if ("header" in record) assert(record.header.type === "incident");
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function* readFlog(
  source: string | URL | ReadableStream<Uint8Array>,
  options: ReadFlogOptions = {},
): AsyncGenerator<FlogRecord> {
  const name = options.name ??
    (typeof source === "string"
      ? source
      : source instanceof URL
      ? source.pathname
      : "<stream>");
  const fail = (reason: string, line?: number) =>
    new FlogFileError(name, reason, line);
  let bytes: ReadableStream<Uint8Array>;
  if (source instanceof ReadableStream) {
    bytes = source;
  } else {
    try {
      bytes = (await Deno.open(source)).readable;
    } catch (e) {
      throw fail(`cannot open: ${e instanceof Error ? e.message : e}`);
    }
  }
  const [head, whole] = await peek(bytes);
  const kind = sniff(head);
  if (kind === "bzip2") {
    await whole.cancel();
    throw fail(
      "is bzip2-compressed (foolscap's .flog.bz2): run `bunzip2` on it first",
    );
  }
  // Read, decode and split in one loop, without further stream stages:
  // a stage that errors (a truncated gzip) would drop the chunks queued in
  // the stages after it, and with them good records.
  const bytesOut = kind === "gzip"
    ? whole.pipeThrough(
      new DecompressionStream("gzip") as TransformStream<
        Uint8Array,
        Uint8Array
      >,
    )
    : whole;
  const reader = bytesOut.getReader();
  const decoder = new TextDecoder();
  const damage = (e: FlogFileError) => {
    if (options.onDamage === undefined) throw e;
    options.onDamage(e);
  };
  const maxLength = options.maxLineLength ?? MAX_RECORD_LINE;
  const splitter = new LineSplitter({
    maxLength,
    onOversized: (line, length) =>
      tooLong.push(fail(
        `line of ${length} characters, over the limit of ${maxLength}: skipped`,
        line,
      )),
  });
  // Reported when the (empty) line stands for it comes out of the splitter.
  const tooLong: FlogFileError[] = [];
  let lineNo = 0;
  const parse = (line: string): FlogRecord | undefined => {
    lineNo++;
    if (lineNo === 1) {
      if (line.trimEnd() !== FLOG_MAGIC.trimEnd()) {
        throw fail(
          `not a flogfile: expected the line ${
            JSON.stringify(FLOG_MAGIC.trimEnd())
          }, found ${JSON.stringify(line.slice(0, 60))}`,
          1,
        );
      }
      return undefined;
    }
    if (line === "" && tooLong.length > 0) {
      damage(tooLong.shift()!);
      return undefined;
    }
    if (line.trim() === "") return undefined;
    const record = parseRecord(line);
    if (typeof record !== "string") return record;
    damage(fail(record, lineNo));
    return undefined;
  };
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (e) {
        const why = kind === "gzip"
          ? "gzip data is truncated or corrupt"
          : "read failed";
        damage(fail(
          `${why} after line ${lineNo} (${
            e instanceof Error ? e.message : e
          }); the records before it were read`,
        ));
        return;
      }
      const text = result.done
        ? decoder.decode()
        : decoder.decode(result.value, { stream: true });
      for (const line of splitter.push(text)) {
        options.signal?.throwIfAborted();
        const record = parse(line);
        if (record !== undefined) yield record;
      }
      if (result.done) break;
    }
    const last = splitter.end();
    if (last !== undefined) {
      const record = parse(last);
      if (record !== undefined) yield record;
    }
    for (const e of tooLong.splice(0)) damage(e); // a cut, overlong last line
    if (lineNo === 0) throw fail("not a flogfile: it is empty");
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** The record of one line, or why it is not one. */
function parseRecord(line: string): FlogRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return `bad JSON (${(e as Error).message}); the line may be cut short`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "expected a JSON object";
  }
  if ("header" in value) {
    const h = (value as FlogHeaderRecord).header;
    if (typeof h !== "object" || h === null) return "header is not an object";
    return value as FlogHeaderRecord;
  }
  const d = (value as FlogEventRecord).d;
  if (typeof d !== "object" || d === null || Array.isArray(d)) {
    return `expected "header" or an event in "d"`;
  }
  return value as FlogEventRecord;
}
