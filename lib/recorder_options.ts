/**
 * The settings of a flight recorder, their defaults (stated once), and its
 * counters.
 *
 * @module
 */

import type { IsolateOptions } from "./context_buffers.ts";
import type { BufferSizes, EventBuffers } from "./event_buffers.ts";
import type { FlogEvent } from "./flog_event.ts";
import { defaultQualifier, type Qualifier } from "./qualifier.ts";
import type { RedactOptions } from "./redact.ts";

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
  /**
   * The app's release, written as `versions[app]` (`versions.app` without
   * an `app`): the release a group was first seen in, regressed in, or is
   * resolved in.
   */
  release?: string;
  /**
   * Events kept per (facility, level).
   * @default {100 each}
   */
  bufferSizes?: BufferSizes;
  /**
   * Estimated bytes of buffered events, at most, across all facilities
   * (a facility's own cost counted too): past it, the oldest events of the
   * least recently used facility go, counted in `stats.droppedForBytes`
   * (`Infinity`: no byte bound).
   * @default {8 MiB}
   */
  maxBufferedBytes?: number;
  /**
   * Estimated bytes of one event, at most: past it, the event's longest
   * strings are cut, each ending with `…[N chars cut]` (and its largest
   * arrays and objects shortened), counted in `stats.eventsCut`.
   * @default {64 KiB}
   */
  maxEventBytes?: number;
  /**
   * Events older than this, in ms behind the newest event, are dropped
   * (counted in `stats.droppedForAge`); no age bound when unset.
   */
  maxAgeMs?: number;
  /**
   * Which events trigger an incident.
   * @default {atLeast(Level.WEIRD)}
   */
  qualifier?: Qualifier;
  /**
   * Trailing events recorded after the trigger.
   * @default {100}
   */
  trailingEvents?: number;
  /**
   * Longest time trailing events are recorded, in ms.
   * @default {5000}
   */
  trailingMs?: number;
  /**
   * Incident rate limit; `false` for none.
   * @default {{ max: 10, windowMs: 60_000 }}
   */
  rateLimit?: RateLimit | false;
  /**
   * Extra header fields for an incident, from its trigger. They override
   * flightlog's own (`pid`, `app`, `versions`...), but not `type` or
   * `trigger`. A throwing hook is contained (`header_hook_error`).
   */
  header?: (trigger: FlogEvent) => Record<string, unknown>;
  /**
   * The `from` of written records of events numbered elsewhere (as
   * foolscap); the recorder's own events are always `"local"`.
   * @default {"local"}
   */
  from?: string;
  /**
   * Finish crashed incidents found in `incidentDir`.
   * @default {true}
   */
  recover?: boolean;
  /**
   * Secrets replaced before events are buffered (see `RedactOptions` for
   * the default keys and patterns); `false` turns redaction off.
   * @default {{}}
   */
  redact?: RedactOptions | false;
  /**
   * Lines of source written before and after the line of each in-app
   * stack frame of a failure (0 to 50), read when an incident is written
   * and only from files this process may read; redacted like the rest.
   * `false` writes none.
   * @default {5}
   */
  sourceContext?: number | false;
  /**
   * The clock of event times: `system` reads `Date.now()` per event;
   * `coarse` reads a time kept by one background thread every millisecond
   * (a memory load, about 1 ns instead of about 50; up to
   * `COARSE_CLOCK_BOUND_MS` behind, one thread and some 25 MB of memory).
   * Event order is by `num` either way.
   * @default {"system"}
   */
  clock?: "system" | "coarse";
  /**
   * Request-scoped recording: events carrying this context key (say
   * `"requestId"`) are also kept per value, and an incident triggered by
   * an event with a value holds all of that value's events and none of
   * other values'. A key name, or the key with its bounds.
   */
  isolateBy?: string | IsolateOptions;
}

/** {@linkcode RecorderOptions} with every default applied. */
export type SettledRecorderOptions =
  & RecorderOptions
  & Required<
    Pick<
      RecorderOptions,
      | "qualifier"
      | "trailingEvents"
      | "trailingMs"
      | "rateLimit"
      | "from"
      | "recover"
      | "redact"
      | "sourceContext"
      | "maxBufferedBytes"
      | "maxEventBytes"
    >
  >;

/** The defaults of {@linkcode RecorderOptions}, stated once. */
export const RECORDER_DEFAULTS: SettledRecorderOptions = {
  qualifier: defaultQualifier,
  trailingEvents: 100,
  trailingMs: 5000,
  rateLimit: { max: 10, windowMs: 60_000 },
  from: "local",
  recover: true,
  redact: {},
  sourceContext: 5,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxEventBytes: 64 * 1024,
};

/**
 * Counters of a recorder, for metrics and tests.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLogger } from "@flightlog/flightlog";
 * const log = createLogger();
 * log.info("hello");
 * assert(log.stats.events === 1);
 * await log.close();
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
  /** Isolated context buffers evicted (least recently used, or expired). */
  isolatedEvicted: number;
  /**
   * Facilities whose buffers were dropped to keep all buffers under
   * `bufferSizes.total`, `maxBufferedBytes` or `maxAgeMs` (read when the
   * stats are).
   */
  facilitiesEvicted: number;
  /** Estimated bytes buffered now (read when the stats are). */
  bufferedBytes: number;
  /** Events dropped to keep the buffers under `maxBufferedBytes`. */
  droppedForBytes: number;
  /** Events dropped for being older than `maxAgeMs`. */
  droppedForAge: number;
  /** Events whose strings were cut to fit `maxEventBytes` (read live). */
  eventsCut: number;
}

/** Counters at zero; the eviction counts are read live from their owners. */
export function newStats(
  buffers: EventBuffers,
  isolatedEvicted: () => number,
): RecorderStats {
  const stats = {
    events: 0,
    belowThreshold: 0,
    incidents: 0,
    suppressedIncidents: 0,
    failedIncidents: 0,
    extraTriggers: 0,
    contained: 0,
  };
  return Object.defineProperties(stats, {
    facilitiesEvicted: {
      get: () => buffers.evictedFacilities,
      enumerable: true,
    },
    isolatedEvicted: { get: isolatedEvicted, enumerable: true },
    bufferedBytes: { get: () => buffers.bytes, enumerable: true },
    droppedForBytes: { get: () => buffers.droppedForBytes, enumerable: true },
    droppedForAge: { get: () => buffers.droppedForAge, enumerable: true },
    eventsCut: { get: () => buffers.eventsCut, enumerable: true },
  }) as RecorderStats;
}
