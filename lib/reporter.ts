/**
 * The reporter writes one incident: header and history at once, then the
 * trailing events, then the compressed file.
 *
 * @module
 */

import type { FlogEvent } from "./flog_event.ts";
import {
  eventLine,
  FLOG_MAGIC,
  type FlogHeader,
  headerLine,
} from "./flogfile.ts";
import { markActive, markDone } from "./_active_files.ts";
import { incidentBaseName } from "./_incident_name.ts";
import { writeAll, writeGzip } from "./_io.ts";

/**
 * What is known of an incident, while it is recorded and after.
 *
 * @example
 * ```ts
 * import type { IncidentInfo } from "@flightlog/flightlog";
 * function show(i: IncidentInfo) { return `${i.name}: ${i.events} events`; }
 * ```
 */
export interface IncidentInfo {
  /** The final file name, `incident-…Z-<random>.flog.gz`. */
  name: string;
  /** The `.flog.gz` once complete; the plain `.flog` until then. */
  path: string;
  /** The event that triggered it. */
  trigger: FlogEvent;
  /** Events in the file: history, trigger and trailing events. */
  events: number;
  /** Of which trailing (after the trigger). */
  trailing: number;
  /** Further events that qualified while this incident was recorded. */
  extraTriggers: number;
  /** Why recording stopped: enough trailing events, time, or close. */
  reason?: "count" | "time" | "close";
  /** Compressed and in place. */
  complete: boolean;
  /** What went wrong writing it, if anything (the plain file is kept). */
  error?: string;
}

/** Settings of one {@linkcode IncidentReporter}. */
export interface ReporterOptions {
  /** The folder the incident is written to. */
  dir: string;
  /** The header; its `trigger` is the trigger. */
  header: FlogHeader & { trigger: FlogEvent };
  /** Buffered events before the trigger, oldest first (trigger excluded). */
  history: Iterable<FlogEvent>;
  /**
   * The `from` of each record (foolscap writes `"local"`), or a function
   * choosing it per event.
   */
  from: string | ((event: FlogEvent) => string);
  /** Trailing events to record before finishing. */
  trailingEvents: number;
  /** Longest time to record trailing events, in ms. */
  trailingMs: number;
  /** Called once when the incident is finished (complete or not). */
  onFinish?: (info: IncidentInfo) => void;
}

const BATCH = 64 * 1024;

/**
 * Records one incident. The constructor writes the magic line, header,
 * history and trigger to a plain `.flog` synchronously, so the file is on
 * disk before the log call that triggered it returns. Trailing events are
 * appended asynchronously; at the limit (count or time) or on `finish()`,
 * the file is gzipped into place.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { IncidentReporter } from "./reporter.ts";
 * const dir = await Deno.makeTempDir();
 * const trigger = {
 *   num: 1, time: Date.now() / 1000, incarnation: ["x", null] as [string, null],
 *   level: 30, message: "odd",
 * };
 * const reporter = new IncidentReporter({
 *   dir, from: "local", trailingEvents: 100, trailingMs: 5000, history: [],
 *   header: { type: "incident", trigger },
 * });
 * reporter.add({ ...trigger, num: 2, level: 20, message: "after" });
 * const info = await reporter.finish();
 * assert(info.complete && info.events === 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class IncidentReporter {
  /** What is known of the incident; updated as it is recorded. */
  readonly info: IncidentInfo;
  readonly #opts: ReporterOptions;
  readonly #plain: string;
  readonly #file: Deno.FsFile;
  readonly #encoder = new TextEncoder();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pending: string[] = [];
  // Everything written to the plain file goes to the gzip too, as it is
  // written: the history is compressed while trailing events come, and
  // nothing is read back.
  #gzipInput:
    | ReadableStreamDefaultController<Uint8Array<ArrayBuffer>>
    | undefined;
  readonly #gzipped: Promise<unknown>;
  #flushing: Promise<void> | undefined;
  #finished: Promise<IncidentInfo> | undefined;

  /** Starts the incident; throws if the plain file cannot be written. */
  constructor(opts: ReporterOptions) {
    this.#opts = opts;
    const base = incidentBaseName(new Date(opts.header.trigger.time * 1000));
    this.#plain = `${opts.dir}/${base}.flog`;
    this.info = {
      name: `${base}.flog.gz`,
      path: this.#plain,
      trigger: opts.header.trigger,
      events: 0,
      trailing: 0,
      extraTriggers: 0,
      complete: false,
    };
    Deno.mkdirSync(opts.dir, { recursive: true });
    this.#file = Deno.openSync(this.#plain, { write: true, createNew: true });
    markActive(this.#plain);
    const input = new ReadableStream<Uint8Array<ArrayBuffer>>({
      start: (controller) => {
        this.#gzipInput = controller;
      },
    });
    // Started after the log call returns (the open is asynchronous); its
    // error, if any, is taken at the finish.
    this.#gzipped = writeGzip(input, this.#plain + ".gz").then(
      () => undefined,
      (e) => e ?? new Error("gzip failed"),
    );
    try {
      const rx = Date.now() / 1000;
      let batch = FLOG_MAGIC + headerLine(opts.header);
      for (const e of opts.history) {
        batch += eventLine(e, { from: this.#from(e), rxTime: rx });
        this.info.events++;
        if (batch.length >= BATCH) {
          this.#writeSync(batch);
          batch = "";
        }
      }
      batch += eventLine(opts.header.trigger, {
        from: this.#from(opts.header.trigger),
        rxTime: rx,
      });
      this.info.events++;
      this.#writeSync(batch);
    } catch (e) {
      this.#file.close();
      this.#gzipInput?.error(e);
      markDone(this.#plain);
      throw e;
    }
    if (opts.trailingEvents <= 0 || opts.trailingMs <= 0) {
      this.#finished = this.#finish(
        opts.trailingEvents <= 0 ? "count" : "time",
      );
    } else {
      this.#timer = setTimeout(() => this.finish("time"), opts.trailingMs);
    }
  }

  #from(event: FlogEvent): string {
    const from = this.#opts.from;
    return typeof from === "string" ? from : from(event);
  }

  /** Hands `bytes` (written to the plain file) to the gzip. */
  #compress(bytes: Uint8Array<ArrayBuffer>): void {
    try {
      this.#gzipInput?.enqueue(bytes);
    } catch {
      // The gzip failed and let go of its input: said at the finish.
      this.#gzipInput = undefined;
    }
  }

  #writeSync(text: string): void {
    const bytes = this.#encoder.encode(text);
    let off = 0;
    while (off < bytes.length) {
      off += this.#file.writeSync(bytes.subarray(off));
    }
    this.#compress(bytes);
  }

  /** Whether trailing events are still being taken. */
  get recording(): boolean {
    return this.#finished === undefined;
  }

  /** Appends a trailing event; finishes the incident at the count limit. */
  add(event: FlogEvent): void {
    if (this.#finished !== undefined) return;
    this.#pending.push(eventLine(event, {
      from: this.#from(event),
      rxTime: Date.now() / 1000,
    }));
    this.info.events++;
    this.info.trailing++;
    this.#flushing ??= this.#flush();
    if (this.info.trailing >= this.#opts.trailingEvents) this.finish("count");
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const bytes = this.#encoder.encode(this.#pending.join(""));
        this.#pending = [];
        await writeAll(this.#file, bytes);
        this.#compress(bytes);
      }
    } catch (e) {
      this.info.error ??= `writing ${this.#plain}: ${e}`;
      this.#pending = [];
    } finally {
      this.#flushing = undefined;
    }
  }

  /**
   * Stops taking trailing events and produces the `.flog.gz`. Safe to call
   * more than once; resolves to the final {@linkcode IncidentInfo}.
   */
  finish(reason: "count" | "time" | "close" = "close"): Promise<IncidentInfo> {
    this.#finished ??= this.#finish(reason);
    return this.#finished;
  }

  async #finish(reason: "count" | "time" | "close"): Promise<IncidentInfo> {
    clearTimeout(this.#timer);
    this.info.reason = reason;
    // Let the caller's synchronous code (the log call) return first.
    await Promise.resolve();
    while (this.#flushing !== undefined) await this.#flushing;
    this.#file.close();
    try {
      if (this.info.error === undefined) {
        const gzPath = this.#plain + ".gz";
        this.#gzipInput?.close();
        const failed = await this.#gzipped;
        if (failed !== undefined) throw failed;
        await Deno.remove(this.#plain);
        this.info.path = gzPath;
        this.info.complete = true;
      }
    } catch (e) {
      this.info.error = `compressing ${this.#plain}: ${e}`;
    } finally {
      if (this.info.error !== undefined) {
        // The plain file is kept; the gzip's .tmp is removed.
        try {
          this.#gzipInput?.error(new Error(this.info.error));
        } catch { /* already closed */ }
        await this.#gzipped;
      }
      markDone(this.#plain);
    }
    try {
      this.#opts.onFinish?.(this.info);
    } catch { /* an observer's problem is not the incident's */ }
    return this.info;
  }
}
