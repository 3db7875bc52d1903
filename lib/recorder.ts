/**
 * The flight recorder: buffers every event, asks the qualifier about it,
 * and runs a reporter when one qualifies. Loggers build events and hand them
 * here; the sidecar hands it the events it receives from an app.
 *
 * @module
 */

import { coarseNow } from "./_clock.ts";
import { hostname } from "./_incident_header.ts";
import { openIncident } from "./_open_incident.ts";
import { IncidentTracker } from "./_incident_tracker.ts";
import { withDefaults } from "./_options.ts";
import { randomHex } from "./_random.ts";
import { RateLimiter } from "./_rate_limit.ts";
import { toFailure } from "./event.ts";
import { ContextBuffers } from "./context_buffers.ts";
import { notify, Observers } from "./_observers.ts";
import { EventBuffers, type FacilityBuffers } from "./event_buffers.ts";
import { EVENT_BASE, eventBytes } from "./_event_bytes.ts";
import {
  FLIGHTLOG_FACILITY,
  type FlogEvent,
  type Incarnation,
} from "./flog_event.ts";
import { Level } from "./levels.ts";
import { defaultQualifier, toPredicate } from "./qualifier.ts";
import {
  newStats,
  RECORDER_DEFAULTS,
  type RecorderOptions,
  type RecorderStats,
  type SettledRecorderOptions,
} from "./recorder_options.ts";
import { recoverIncidents } from "./recovery.ts";
import { redactionRules } from "./redact.ts";
import { type AddSource, sourceContext } from "./source_context.ts";
import { type FieldPreparer, fieldPreparer } from "./_fields.ts";
import type { IncidentInfo, IncidentReporter } from "./reporter.ts";

/**
 * Buffers, qualifier and reporters for one stream of events.
 * {@linkcode createLogger} makes one for you; use it directly to record
 * events that were built elsewhere (the sidecar does, for an app's events).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { FlightRecorder, Level } from "@flightlog/flightlog";
 * const rec = new FlightRecorder({ app: "relay" });
 * rec.record({
 *   num: 0, time: Date.now() / 1000, incarnation: ["ab12", null],
 *   level: Level.OPERATIONAL, message: "from elsewhere",
 * });
 * assert(rec.snapshot().length === 1);
 * await rec.close();
 * ```
 */
export class FlightRecorder implements AsyncDisposable {
  /** This recorder's own incarnation (for the events it numbers). */
  readonly incarnation: Incarnation = [randomHex(8), null];
  /**
   * The event buffers.
   * @ignore
   */
  readonly buffers: EventBuffers;
  /** The settled options (defaults applied). */
  readonly options: Readonly<SettledRecorderOptions>;
  /** Resolves (to the recovered paths) once crash recovery has run. */
  readonly ready: Promise<string[]>;
  /** Counters. */
  readonly stats: RecorderStats;
  /** The time now, in ms, from the clock chosen by `options.clock`. */
  readonly now: () => number;
  /** The host name, when the `sys` permission allows reading it. */
  readonly host: string | undefined = hostname();
  /**
   * Redacts secrets in fields and events, turns errors into failures.
   * @ignore
   */
  readonly prepare: FieldPreparer;
  /**
   * The per-value buffers of `isolateBy`, if set.
   * @ignore
   */
  readonly isolation: ContextBuffers | undefined;

  #num = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  readonly #qualify: (e: FlogEvent) => boolean;
  readonly #incidents = new IncidentTracker();
  readonly #eventObservers = new Observers<(e: FlogEvent) => void>();
  readonly #incidentObservers = new Observers<(i: IncidentInfo) => void>();
  readonly #closeHooks = new Observers<() => Promise<void> | void>();
  readonly #rateLimit: RateLimiter;
  #suppressedSinceLast = 0;
  readonly #reported = new Set<string>();
  readonly #addSource: AddSource;

  /** Creates a recorder; starts crash recovery in `incidentDir`. */
  constructor(options: RecorderOptions = {}) {
    this.options = withDefaults(RECORDER_DEFAULTS, options);
    this.now = this.options.clock === "coarse" ? coarseNow : Date.now;
    this.buffers = new EventBuffers(this.options.bufferSizes, this.options);
    this.stats = newStats(this.buffers, () => this.isolation?.evicted ?? 0);
    this.#qualify = toPredicate(this.options.qualifier);
    this.#rateLimit = new RateLimiter(this.options.rateLimit);
    const redact = this.options.redact;
    const rules = redact === false ? undefined : redactionRules(redact);
    this.prepare = fieldPreparer(rules);
    this.#addSource = sourceContext(this.options.sourceContext, rules);
    const isolateBy = this.options.isolateBy;
    this.isolation = isolateBy === undefined ? undefined : new ContextBuffers(
      typeof isolateBy === "string" ? { key: isolateBy } : isolateBy,
      this.options.maxBufferedBytes,
    );
    const dir = this.options.incidentDir;
    this.ready = dir === undefined || !this.options.recover
      ? Promise.resolve([])
      : recoverIncidents(dir, {
        incarnation: this.incarnation,
        nextNum: () => this.nextNum(),
        host: this.host,
        onError: (e) => this.reportOnce("recovery", e),
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
    return this.#incidents.recent;
  }

  /** The incident being recorded now, if any. */
  get activeIncident(): IncidentInfo | undefined {
    return this.#incidents.active?.info;
  }

  /** Every buffered event, oldest first. */
  snapshot(): FlogEvent[] {
    return this.buffers.snapshot();
  }

  /**
   * Records a complete event built elsewhere (its secrets redacted first):
   * buffers it, feeds the active incident and observers, and starts an
   * incident if it qualifies. Never throws.
   */
  record(event: FlogEvent): void {
    try {
      const e = this.prepare.event(event);
      const fb = this.buffers.facility(e.facility);
      this.recordIn(fb, e, true, EVENT_BASE + this.prepare.bytes);
    } catch (e) {
      this.reportOnce("record", e);
    }
  }

  /**
   * {@linkcode record} into the facility's `buffers` (looked up once by
   * the logger), asking the qualifier unless `qualify` is false; `bytes`
   * is its estimate if known. Returns the event as recorded (cut down?).
   * @ignore
   */
  recordIn(
    buffers: FacilityBuffers,
    event: FlogEvent,
    qualify = true,
    bytes = -1,
  ): FlogEvent {
    if (this.#closed) return event;
    this.stats.events++;
    try {
      if (bytes < 0) bytes = eventBytes(event);
      const all = this.buffers;
      if (bytes > all.maxEventBytes) [event, bytes] = all.cut(event);
      buffers.push(event, bytes);
      this.isolation?.offer(event, bytes);
      this.#incidents.feed(event);
      const observers = this.#eventObservers.list;
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
    return event;
  }

  /**
   * Records `event` and starts an incident for it whatever the qualifier
   * says (or records it in the incident in progress, as another trigger).
   * The sidecar uses it for the incident it writes when an app dies.
   */
  trigger(event: FlogEvent): void {
    if (this.#closed) return;
    const recorded = this.#recordUnqualified(event);
    try {
      this.#trigger(recorded);
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

  /** Records an event of flightlog's own (facility `flightlog`); it never triggers. */
  note(
    level: number,
    format: string,
    fields: Record<string, unknown> = {},
  ): FlogEvent {
    const event: FlogEvent = {
      num: this.nextNum(),
      time: this.now() / 1000,
      incarnation: this.incarnation,
      level,
      facility: FLIGHTLOG_FACILITY,
      format,
      ...fields,
    };
    this.#recordUnqualified(event);
    return event;
  }

  #recordUnqualified(event: FlogEvent): FlogEvent {
    return this.recordIn(this.buffers.facility(event.facility), event, false);
  }

  /** Reports a contained exception once per `what` (event and stderr), then counts. */
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
    const active = this.#incidents.active;
    if (active?.recording) {
      this.stats.extraTriggers++;
      active.info.extraTriggers++;
      this.note(
        Level.UNUSUAL,
        "another trigger while this incident was recorded: event #%(trigger_num)d (level %(trigger_level)d)",
        { trigger_num: trigger.num, trigger_level: trigger.level },
      );
      return;
    }
    const dir = this.options.incidentDir;
    if (dir === undefined) return;
    if (!this.#rateLimit.allow()) {
      this.stats.suppressedIncidents++;
      this.#suppressedSinceLast++;
      return;
    }
    const takes = this.isolation?.takes(trigger);
    let reporter: IncidentReporter;
    try {
      reporter = openIncident(this, {
        trigger,
        takes,
        dir,
        addSource: this.#addSource,
        suppressed: this.#suppressedSinceLast,
        onFinish: (r, info) => this.#finished(r, info),
      });
    } catch (e) {
      this.stats.failedIncidents++;
      this.reportOnce("writing an incident", e);
      return;
    }
    this.stats.incidents++;
    this.#suppressedSinceLast = 0;
    this.#incidents.started(reporter, takes);
  }

  #finished(reporter: IncidentReporter, info: IncidentInfo): void {
    this.#incidents.finished(reporter, info);
    if (!info.complete) {
      this.stats.failedIncidents++;
      this.reportOnce(
        "writing an incident",
        new Error(`${info.error ?? "not finished"} (the plain file is kept)`),
      );
    }
    notify(
      this.#incidentObservers,
      info,
      (e) => this.reportOnce("incident observer", e),
    );
  }

  /**
   * Calls `fn` with every recorded event, synchronously; keep it cheap.
   * Returns a function that unsubscribes.
   */
  onEvent(fn: (event: FlogEvent) => void): () => void {
    return this.#eventObservers.add(fn);
  }

  /**
   * Calls `fn` when an incident is finished (its `.flog.gz` is in place, or
   * writing failed: see `complete`). Returns a function that unsubscribes.
   */
  onIncident(fn: (info: IncidentInfo) => void): () => void {
    return this.#incidentObservers.add(fn);
  }

  /**
   * Calls `fn` when `close()` starts, after the last event and before
   * incidents are finished (a publisher hands its last events over and says
   * goodbye). `close()` waits for it. Returns a function that unsubscribes.
   */
  onClose(fn: () => Promise<void> | void): () => void {
    return this.#closeHooks.add(fn);
  }

  /**
   * Finishes every incident in progress (cutting its trailing window short),
   * waits for crash recovery, and drops the buffers. Later events are
   * ignored. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      for (const fn of this.#closeHooks.list) {
        try {
          await fn();
        } catch (e) {
          this.reportOnce("close hook", e);
        }
      }
      await this.ready;
      await this.#incidents.finishAll();
      this.buffers.clear();
      this.isolation?.clear();
      this.#eventObservers.clear();
      this.#incidentObservers.clear();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
