/**
 * The flight recorder: buffers every event, asks the qualifier about it,
 * and runs a reporter when one qualifies. Loggers build events and hand them
 * here; the sidecar hands it the events it receives from an app.
 *
 * @module
 */

import { type FlogEvent, type Incarnation, toFailure } from "./event.ts";
import {
  type BufferSizes,
  EventBuffers,
  type FacilityBuffers,
} from "./event_buffers.ts";
import type { FlogHeader } from "./flogfile.ts";
import { FLIGHTLOG_FACILITY, recoverIncidents } from "./incident_files.ts";
import { Level } from "./levels.ts";
import { defaultQualifier, type Qualifier, toPredicate } from "./qualifier.ts";
import { type IncidentInfo, IncidentReporter } from "./reporter.ts";
import { VERSION } from "./version.ts";
import { randomHex } from "./_random.ts";

/**
 * How many incidents may start within a time window; the rest are counted
 * and the count is written in the header of the next incident
 * (`suppressed_incidents`).
 *
 * @example
 * ```ts
 * import type { RateLimit } from "@flightlog/flightlog";
 * const tenPerMinute: RateLimit = { max: 10, windowMs: 60_000 };
 * ```
 */
export interface RateLimit {
  /** Incidents allowed per window. */
  max: number;
  /** The window, in ms. */
  windowMs: number;
}

/**
 * Settings of a {@linkcode FlightRecorder} (and so of a logger).
 *
 * @example
 * ```ts
 * import { Level, type RecorderOptions } from "@flightlog/flightlog";
 * const options: RecorderOptions = {
 *   incidentDir: "./incidents",
 *   app: "shop",
 *   versions: { shop: "1.4.2" },
 *   bufferSizes: { levels: { NOISY: 1000 } },
 *   qualifier: (e) => e.level >= Level.SCARY,
 *   trailingEvents: 100,
 *   trailingMs: 5000,
 *   rateLimit: { max: 10, windowMs: 60_000 },
 *   header: () => ({ region: "eu-west-1" }),
 * };
 * ```
 */
export interface RecorderOptions {
  /** Where incidents are written; without it, events are only buffered. */
  incidentDir?: string;
  /** The application's name, written in incident headers. */
  app?: string;
  /** Extra version strings for the header (`deno`, `flightlog`... are added). */
  versions?: Record<string, string>;
  /** Events kept per (facility, level); 100 each by default. */
  bufferSizes?: BufferSizes;
  /** Which events trigger an incident; default: level WEIRD or above. */
  qualifier?: Qualifier;
  /** Trailing events recorded after the trigger (default 100). */
  trailingEvents?: number;
  /** Longest time trailing events are recorded, in ms (default 5000). */
  trailingMs?: number;
  /** Incident rate limit (default 10 a minute); `false` for none. */
  rateLimit?: RateLimit | false;
  /**
   * Extra header fields for an incident, from its trigger. They override
   * flightlog's own (`pid`, `app`, `versions`...), but not `type` or
   * `trigger`. A throwing hook is contained (`header_hook_error`).
   */
  header?: (trigger: FlogEvent) => Record<string, unknown>;
  /**
   * The `from` of written records of events numbered elsewhere (default
   * `"local"`, as foolscap); the recorder's own events are always `"local"`.
   */
  from?: string;
  /** Finish crashed incidents found in `incidentDir` (default true). */
  recover?: boolean;
}

/**
 * Counters of a recorder, for metrics and tests.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLogger } from "@flightlog/flightlog";
 * await using log = createLogger();
 * log.info("hello");
 * assert(log.stats.events === 1);
 * ```
 */
export interface RecorderStats {
  /** Events recorded. */
  events: number;
  /** Events below the generation threshold, never recorded. */
  belowThreshold: number;
  /** Incidents started. */
  incidents: number;
  /** Triggers refused by the rate limit. */
  suppressedIncidents: number;
  /** Incidents that could not be written. */
  failedIncidents: number;
  /** Triggers that arrived while an incident was being recorded. */
  extraTriggers: number;
  /** Exceptions contained (qualifier, observers, header hook, log calls). */
  contained: number;
}

const RECENT_INCIDENTS = 100;

function hostname(): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "sys", kind: "hostname" });
    return state.state === "granted" ? Deno.hostname() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Buffers, qualifier and reporters for one stream of events.
 * {@linkcode createLogger} makes one for you; use it directly to record
 * events that were built elsewhere (the sidecar does, for an app's events).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { FlightRecorder, Level } from "@flightlog/flightlog";
 * await using rec = new FlightRecorder({ app: "relay" });
 * rec.record({
 *   num: 0, time: Date.now() / 1000, incarnation: ["ab12", null],
 *   level: Level.OPERATIONAL, message: "from elsewhere",
 * });
 * assert(rec.snapshot().length === 1);
 * ```
 */
export class FlightRecorder implements AsyncDisposable {
  /** This recorder's own incarnation (for the events it numbers). */
  readonly incarnation: Incarnation = [randomHex(8), null];
  /** The event buffers. */
  readonly buffers: EventBuffers;
  /** The settled options. */
  readonly options: Readonly<
    Required<
      Pick<RecorderOptions, "trailingEvents" | "trailingMs" | "from">
    > & RecorderOptions
  >;
  /** Resolves (to the recovered paths) once crash recovery has run. */
  readonly ready: Promise<string[]>;
  /** Counters. */
  readonly stats: RecorderStats = {
    events: 0,
    belowThreshold: 0,
    incidents: 0,
    suppressedIncidents: 0,
    failedIncidents: 0,
    extraTriggers: 0,
    contained: 0,
  };
  /** The host name, when the `sys` permission allows reading it. */
  readonly host: string | undefined = hostname();

  #num = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #qualify: (e: FlogEvent) => boolean;
  readonly #reporters = new Set<IncidentReporter>();
  #active: IncidentReporter | undefined;
  #eventObservers: ((e: FlogEvent) => void)[] = [];
  #incidentObservers: ((i: IncidentInfo) => void)[] = [];
  #closeHooks: (() => Promise<void> | void)[] = [];
  readonly #recent: IncidentInfo[] = [];
  readonly #starts: number[] = [];
  #suppressedSinceLast = 0;
  readonly #reported = new Set<string>();

  /** Creates a recorder; starts crash recovery in `incidentDir`. */
  constructor(options: RecorderOptions = {}) {
    this.options = {
      trailingEvents: 100,
      trailingMs: 5000,
      from: "local",
      ...options,
    };
    this.buffers = new EventBuffers(options.bufferSizes);
    this.#qualify = toPredicate(options.qualifier ?? defaultQualifier);
    const dir = options.incidentDir;
    this.ready = dir === undefined || options.recover === false
      ? Promise.resolve([])
      : recoverIncidents(dir, {
        incarnation: this.incarnation,
        nextNum: () => this.nextNum(),
        host: this.host,
      }).catch((e) => {
        this.reportOnce("recovery", e);
        return [];
      });
  }

  /** The next event number of this recorder's own counter. */
  nextNum(): number {
    return this.#num++;
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Recent incidents (up to 100), oldest first, once finished. */
  get incidents(): readonly IncidentInfo[] {
    return this.#recent;
  }

  /** The incident being recorded now, if any. */
  get activeIncident(): IncidentInfo | undefined {
    return this.#active?.info;
  }

  /** Every buffered event, oldest first. */
  snapshot(): FlogEvent[] {
    return this.buffers.snapshot();
  }

  /**
   * Records a complete event: buffers it, feeds the active incident and
   * observers, and starts an incident if it qualifies (unless `qualify` is
   * false). Pass the facility's buffers to skip their lookup. Never throws.
   */
  record(event: FlogEvent, buffers?: FacilityBuffers, qualify = true): void {
    if (this.#closed) return;
    this.stats.events++;
    try {
      (buffers ?? this.buffers.facility(event.facility)).push(event);
      this.#active?.add(event);
      const observers = this.#eventObservers;
      for (let i = 0; i < observers.length; i++) {
        try {
          observers[i](event);
        } catch (e) {
          this.reportOnce("event observer", e);
        }
      }
      if (qualify && this.#qualifies(event)) this.#trigger(event);
    } catch (e) {
      this.reportOnce("record", e);
    }
  }

  /**
   * Records `event` and starts an incident for it whatever the qualifier
   * says (or records it in the incident in progress, as another trigger).
   * The sidecar uses it for the incident it writes when an app dies.
   */
  trigger(event: FlogEvent): void {
    if (this.#closed) return;
    this.record(event, undefined, false);
    try {
      this.#trigger(event);
    } catch (e) {
      this.reportOnce("record", e);
    }
  }

  #qualifies(event: FlogEvent): boolean {
    try {
      return this.#qualify(event) === true;
    } catch (e) {
      this.reportOnce("qualifier", e);
      return defaultQualifier(event);
    }
  }

  /**
   * Records an event of flightlog's own (facility `flightlog`), numbered by
   * this recorder, which never triggers an incident.
   */
  note(
    level: number,
    format: string,
    fields: Record<string, unknown> = {},
  ): FlogEvent {
    const event: FlogEvent = {
      num: this.nextNum(),
      time: Date.now() / 1000,
      incarnation: this.incarnation,
      level,
      facility: FLIGHTLOG_FACILITY,
      format,
      ...fields,
    };
    this.record(event, undefined, false);
    return event;
  }

  /**
   * Reports a contained exception once per `what`: as a flightlog event
   * and on stderr. Later ones of the same kind are only counted.
   */
  reportOnce(what: string, error: unknown): void {
    this.stats.contained++;
    if (this.#reported.has(what)) return;
    this.#reported.add(what);
    try {
      console.error(`flightlog: ${what} failed (reported once): ${error}`);
      this.note(Level.UNUSUAL, "flightlog: %(what)s failed (reported once)", {
        what,
        failure: toFailure(error),
        isError: 1,
      });
    } catch { /* nothing more we can do */ }
  }

  #trigger(trigger: FlogEvent): void {
    if (this.#active?.recording) {
      this.stats.extraTriggers++;
      this.#active.info.extraTriggers++;
      this.note(
        Level.UNUSUAL,
        "another trigger while this incident was recorded: event #%(trigger_num)d (level %(trigger_level)d)",
        { trigger_num: trigger.num, trigger_level: trigger.level },
      );
      return;
    }
    const dir = this.options.incidentDir;
    if (dir === undefined) return;
    if (!this.#allowedByRateLimit()) {
      this.stats.suppressedIncidents++;
      this.#suppressedSinceLast++;
      return;
    }
    let reporter: IncidentReporter;
    try {
      reporter = new IncidentReporter({
        dir,
        header: this.#header(trigger),
        history: this.snapshot().filter((e) => e !== trigger),
        from: (e) =>
          e.incarnation === this.incarnation ? "local" : this.options.from,
        trailingEvents: this.options.trailingEvents,
        trailingMs: this.options.trailingMs,
        onFinish: (info) => this.#finished(reporter, info),
      });
    } catch (e) {
      this.stats.failedIncidents++;
      this.reportOnce("writing an incident", e);
      return;
    }
    this.stats.incidents++;
    this.#suppressedSinceLast = 0;
    this.#reporters.add(reporter);
    if (reporter.recording) this.#active = reporter;
  }

  #allowedByRateLimit(): boolean {
    const limit = this.options.rateLimit ?? { max: 10, windowMs: 60_000 };
    if (limit === false) return true;
    const now = Date.now();
    while (this.#starts.length > 0 && now - this.#starts[0] >= limit.windowMs) {
      this.#starts.shift();
    }
    if (this.#starts.length >= limit.max) return false;
    this.#starts.push(now);
    return true;
  }

  #header(trigger: FlogEvent): FlogHeader & { trigger: FlogEvent } {
    let extra: Record<string, unknown> = {};
    if (this.options.header !== undefined) {
      try {
        extra = { ...this.options.header(trigger) };
      } catch (e) {
        this.reportOnce("header hook", e);
        extra = { header_hook_error: String(e) };
      }
    }
    const header = {
      type: "incident",
      pid: Deno.pid,
      versions: {
        flightlog: VERSION,
        deno: Deno.version.deno,
        v8: Deno.version.v8,
        typescript: Deno.version.typescript,
        ...this.options.versions,
      },
      ...(this.options.app === undefined ? {} : { app: this.options.app }),
      ...(this.host === undefined ? {} : { host: this.host }),
      ...(this.#suppressedSinceLast > 0
        ? { suppressed_incidents: this.#suppressedSinceLast }
        : {}),
      ...extra,
      trigger,
    };
    header.type = "incident";
    return header;
  }

  #finished(reporter: IncidentReporter, info: IncidentInfo): void {
    this.#reporters.delete(reporter);
    if (this.#active === reporter) this.#active = undefined;
    if (!info.complete) this.stats.failedIncidents++;
    this.#recent.push(info);
    if (this.#recent.length > RECENT_INCIDENTS) this.#recent.shift();
    for (const fn of this.#incidentObservers) {
      try {
        fn(info);
      } catch (e) {
        this.reportOnce("incident observer", e);
      }
    }
  }

  /**
   * Calls `fn` with every recorded event, synchronously; keep it cheap.
   * Returns a function that unsubscribes.
   */
  onEvent(fn: (event: FlogEvent) => void): () => void {
    this.#eventObservers = [...this.#eventObservers, fn];
    return () => {
      this.#eventObservers = this.#eventObservers.filter((f) => f !== fn);
    };
  }

  /**
   * Calls `fn` when an incident is finished (its `.flog.gz` is in place, or
   * writing failed: see `complete`). Returns a function that unsubscribes.
   */
  onIncident(fn: (info: IncidentInfo) => void): () => void {
    this.#incidentObservers = [...this.#incidentObservers, fn];
    return () => {
      this.#incidentObservers = this.#incidentObservers.filter((f) => f !== fn);
    };
  }

  /**
   * Calls `fn` when `close()` starts, after the last event and before
   * incidents are finished (a publisher hands its last events over and says
   * goodbye). `close()` waits for it. Returns a function that unsubscribes.
   */
  onClose(fn: () => Promise<void> | void): () => void {
    this.#closeHooks = [...this.#closeHooks, fn];
    return () => {
      this.#closeHooks = this.#closeHooks.filter((f) => f !== fn);
    };
  }

  /**
   * Finishes every incident in progress (cutting its trailing window short),
   * waits for crash recovery, and drops the buffers. Later events are
   * ignored. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      for (const fn of this.#closeHooks) {
        try {
          await fn();
        } catch (e) {
          this.reportOnce("close hook", e);
        }
      }
      await this.ready;
      await Promise.all([...this.#reporters].map((r) => r.finish("close")));
      this.buffers.clear();
      this.#eventObservers = [];
      this.#incidentObservers = [];
    })();
    return this.#closing;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
