/**
 * The logger apps call: builds flat foolscap events and hands them to its
 * flight recorder. Log calls never throw and never wait on I/O.
 *
 * @module
 */

import type { Fields, FlogEvent, Incarnation } from "./flog_event.ts";
import type { FacilityBuffers } from "./event_buffers.ts";
import { LOGGED_EVENT_BYTES } from "./_event_bytes.ts";
import { Level } from "./levels.ts";
import { type Threshold, thresholdFor } from "./threshold.ts";
import type { FlightRecorder } from "./recorder.ts";
import type { RecorderStats } from "./recorder_options.ts";
import type { IncidentInfo } from "./reporter.ts";
import { warnClosed } from "./_closed_warning.ts";
import { errorCall } from "./_failures.ts";
import { discardCurrent, flushCurrent } from "./_context_lifecycle.ts";
import { EventBuilder } from "./_event_builder.ts";

/** What a {@linkcode Logger} is for, besides its recorder. */
export interface LoggerSettings {
  /** The slash-joined facility (none for a root logger). */
  facility?: string;
  /**
   * The generation threshold.
   * @default {Level.NOISY}
   */
  threshold?: Threshold;
  /** Fields every event of this logger carries. */
  bindings?: Fields;
}

/**
 * A logger for one facility. Children share their root's recorder: buffers,
 * qualifier, incidents, observers, and `close()`.
 *
 * Every log call returns the new event's `num` (or -1 when the event was
 * dropped by the threshold or after `close()`); pass it as `parent` to
 * link later events to it.
 *
 * | method | level |
 * | --- | --- |
 * | `noisy`, `debug` | NOISY 10 |
 * | `operational`, `info` | OPERATIONAL 20 |
 * | `unusual`, `warn` | UNUSUAL 23 |
 * | `infrequent` | INFREQUENT 25 |
 * | `curious` | CURIOUS 28 |
 * | `weird` | WEIRD 30 |
 * | `scary`, `error` | SCARY 35 |
 * | `bad`, `fatal` | BAD 40 |
 *
 * @example
 * ```ts
 * import { createLogger } from "@flightlog/flightlog";
 * const log = createLogger({ app: "shop" });
 * const http = log.child("http");
 * const req = http.info("GET {path}", { path: "/cart" });
 * http.child("db").debug("query took {ms} ms", { ms: 3, parent: req });
 * await log.close();
 * ```
 */
export class Logger implements AsyncDisposable {
  /** The recorder behind this logger and its family. */
  readonly recorder: FlightRecorder;
  /** The slash-joined facility, or undefined for a root logger without one. */
  readonly facility: string | undefined;
  readonly #threshold: number;
  readonly #buffers: FacilityBuffers;
  readonly #thresholdSpec: Threshold | undefined;
  readonly #bound: Fields | undefined;
  readonly #children = new Map<string, Logger>();
  readonly #builder: EventBuilder;

  /** Use {@linkcode createLogger}; this is for sharing a recorder. */
  constructor(recorder: FlightRecorder, options: LoggerSettings = {}) {
    this.recorder = recorder;
    this.facility = options.facility;
    this.#thresholdSpec = options.threshold;
    this.#threshold = thresholdFor(options.threshold, options.facility);
    this.#buffers = recorder.buffers.facility(options.facility);
    this.#bound = options.bindings;
    this.#builder = new EventBuilder(recorder, this.facility, this.#bound);
  }

  /** The incarnation of this logger's events. */
  get incarnation(): Incarnation {
    return this.recorder.incarnation;
  }

  /**
   * Records an event at `level`. `template` uses `{name}` placeholders
   * filled from `fields` (stored as foolscap's `%(name)s`), and the fields
   * are stored flat in the event, after the context's and the bound ones
   * (the call's win). Secrets are redacted and `Error`s stored as failures
   * first. An `Error` given as the template is recorded as by
   * {@linkcode err}. Returns the event's `num`.
   */
  log(level: number, template: string | Error, fields?: Fields): number {
    const rec = this.recorder;
    if (level < this.#threshold || rec.closed) {
      if (rec.closed) warnClosed();
      else rec.stats.belowThreshold++;
      return -1;
    }
    try {
      if (typeof template !== "string") {
        if (template instanceof Error) {
          return this.err(template, { ...fields, level });
        }
        template = String(template);
      }
      const event = this.#builder.build(level, template, fields);
      // The walk that prepared the fields estimated their size.
      const bytes = fields === undefined ? 0 : rec.prepare.bytes;
      rec.recordIn(this.#buffers, event, true, LOGGED_EVENT_BYTES + bytes);
      return event.num;
    } catch (e) {
      rec.reportOnce("log call", e);
      return -1;
    }
  }

  /**
   * Records an incident now, whatever the qualifier says: the event (at
   * WEIRD) is its trigger, or, while an incident is recorded, another
   * trigger in it. For "this request took 9 s" cases. Returns its `num`.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { createLogger } from "@flightlog/flightlog";
   * const dir = await Deno.makeTempDir();
   * const log = createLogger({ incidentDir: dir, trailingMs: 0 });
   * log.trigger("request {id} took {ms} ms", { id: 7, ms: 9120 });
   * await log.close();
   * assert.equal(log.incidents.length, 1);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  trigger(template: string, fields?: Fields): number {
    const rec = this.recorder;
    if (rec.closed) {
      warnClosed();
      return -1;
    }
    try {
      const event = this.#builder.build(Level.WEIRD, String(template), fields);
      rec.trigger(event);
      return event.num;
    } catch (e) {
      rec.reportOnce("log call", e);
      return -1;
    }
  }

  /** Logs at NOISY (10). */
  noisy(template: string | Error, fields?: Fields): number {
    return this.log(Level.NOISY, template, fields);
  }
  /** Logs at OPERATIONAL (20). */
  operational(template: string | Error, fields?: Fields): number {
    return this.log(Level.OPERATIONAL, template, fields);
  }
  /** Logs at UNUSUAL (23). */
  unusual(template: string | Error, fields?: Fields): number {
    return this.log(Level.UNUSUAL, template, fields);
  }
  /** Logs at INFREQUENT (25). */
  infrequent(template: string | Error, fields?: Fields): number {
    return this.log(Level.INFREQUENT, template, fields);
  }
  /** Logs at CURIOUS (28). */
  curious(template: string | Error, fields?: Fields): number {
    return this.log(Level.CURIOUS, template, fields);
  }
  /** Logs at WEIRD (30): triggers an incident under the default qualifier. */
  weird(template: string | Error, fields?: Fields): number {
    return this.log(Level.WEIRD, template, fields);
  }
  /** Logs at SCARY (35). */
  scary(template: string | Error, fields?: Fields): number {
    return this.log(Level.SCARY, template, fields);
  }
  /** Logs at BAD (40). */
  bad(template: string | Error, fields?: Fields): number {
    return this.log(Level.BAD, template, fields);
  }
  /** Alias of `noisy` (NOISY, 10). */
  debug(template: string | Error, fields?: Fields): number {
    return this.log(Level.NOISY, template, fields);
  }
  /** Alias of `operational` (OPERATIONAL, 20). */
  info(template: string | Error, fields?: Fields): number {
    return this.log(Level.OPERATIONAL, template, fields);
  }
  /** Alias of `unusual` (UNUSUAL, 23): kept, but does not trigger by default. */
  warn(template: string | Error, fields?: Fields): number {
    return this.log(Level.UNUSUAL, template, fields);
  }
  /** Alias of `scary` (SCARY, 35). */
  error(template: string | Error, fields?: Fields): number {
    return this.log(Level.SCARY, template, fields);
  }
  /** Alias of `bad` (BAD, 40). */
  fatal(template: string | Error, fields?: Fields): number {
    return this.log(Level.BAD, template, fields);
  }

  /**
   * Records an error as foolscap does: a `failure` value (name, message,
   * stack, `cause` chain) with `isError: 1`. The text is `fields.why` if
   * given, else `Name: message`. The level is `fields.level` (default
   * SCARY).
   *
   * @example
   * ```ts
   * import { createLogger } from "@flightlog/flightlog";
   * const log = createLogger();
   * try {
   *   JSON.parse("{");
   * } catch (e) {
   *   log.err(e, { why: "config unreadable", file: "app.json", level: 23 });
   * }
   * await log.close();
   * ```
   */
  err(error: unknown, fields: Fields = {}): number {
    try {
      const call = errorCall(error, fields);
      return this.log(call.level ?? Level.SCARY, call.template, call.fields);
    } catch (e) {
      this.recorder.reportOnce("log call", e);
      return -1;
    }
  }

  /**
   * The logger of a sub-facility: `log.child("db").child("pool")` logs to
   * `db/pool` (joined to this logger's own facility).
   */
  child(facility: string): Logger {
    let child = this.#children.get(facility);
    if (child === undefined) {
      const name = this.facility === undefined
        ? facility
        : `${this.facility}/${facility}`;
      child = new Logger(this.recorder, {
        facility: name,
        threshold: this.#thresholdSpec,
        bindings: this.#bound,
      });
      this.#children.set(facility, child);
    }
    return child;
  }

  /**
   * A logger whose events all carry `fields` (pino's `child(bindings)`,
   * LogTape's `with`): same facility, recorder and threshold. Fields given
   * in a call win over bound ones; `child()` keeps the bindings.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { createLogger } from "@flightlog/flightlog";
   * const log = createLogger();
   * const job = log.with({ job: "nightly-report" });
   * job.info("started");
   * job.child("db").info("query {n}", { n: 1 });
   * assert.deepEqual(log.snapshot().map((e) => e.job), ["nightly-report", "nightly-report"]);
   * await log.close();
   * ```
   */
  with(fields: Fields): Logger {
    return new Logger(this.recorder, {
      facility: this.facility,
      threshold: this.#thresholdSpec,
      bindings: { ...this.#bound, ...fields },
    });
  }

  /** Drops the current context's `isolateBy` buffer now (its request is over). */
  discard(): void {
    discardCurrent(this.recorder);
  }

  /** Waits for the current context's incident, if any; then `discard()`s. */
  flush(): Promise<void> {
    return flushCurrent(this.recorder);
  }

  /** See {@linkcode FlightRecorder.onEvent}. */
  onEvent(fn: (event: FlogEvent) => void): () => void {
    return this.recorder.onEvent(fn);
  }

  /** See {@linkcode FlightRecorder.onIncident}. */
  onIncident(fn: (info: IncidentInfo) => void): () => void {
    return this.recorder.onIncident(fn);
  }

  /** Recent finished incidents, oldest first. */
  get incidents(): readonly IncidentInfo[] {
    return this.recorder.incidents;
  }

  /** Counters of the shared recorder. */
  get stats(): RecorderStats {
    return this.recorder.stats;
  }

  /** Resolves to the incidents recovered from a crash at start. */
  get ready(): Promise<string[]> {
    return this.recorder.ready;
  }

  /** Every buffered event of the shared recorder, oldest first. */
  snapshot(): FlogEvent[] {
    return this.recorder.snapshot();
  }

  /** Finishes active incidents and releases everything (whole family). */
  close(): Promise<void> {
    return this.recorder.close();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
