/**
 * foolscap's per-(facility, level) history: one ring buffer for each pair,
 * so a flood of NOISY events cannot push out the rare UNUSUAL ones; all of
 * them bounded together in events, estimated bytes and age.
 *
 * @module
 */

import { cutEvent, eventBytes } from "./_event_bytes.ts";
import { matchFacility } from "./facility.ts";
import type { FlogEvent } from "./flog_event.ts";
import { parseLevel } from "./levels.ts";
import {
  BufferTally,
  FacilityBuffers,
  type FacilityOwner,
} from "./facility_buffers.ts";

export { FacilityBuffers };

/**
 * How many events to keep. `default` applies to every (facility, level)
 * pair (100, as in foolscap); `levels` overrides it per level (keys are level
 * names or integers); `facilities` overrides both for a facility and the
 * facilities below it (`"net"` covers `"net/http"`; the longest match wins).
 *
 * @example
 * ```ts
 * import type { BufferSizes } from "@flightlog/flightlog";
 * const sizes: BufferSizes = {
 *   default: 100,
 *   levels: { NOISY: 1000 },
 *   facilities: { "net/http": { levels: { NOISY: 10 } } },
 * };
 * ```
 */
export interface BufferSizes {
  /** Events kept per (facility, level) unless said otherwise (100). */
  default?: number;
  /** Per level (a name or an integer string). */
  levels?: Record<string, number>;
  /** Per facility and those below it: a default and per-level sizes. */
  facilities?: Record<
    string,
    { default?: number; levels?: Record<string, number> }
  >;
  /**
   * Events kept across all facilities, at most: past it, the facility
   * logged to least recently loses its buffers (counted), so that events
   * on ever new facilities (`req/1`, `req/2`...) cannot grow memory.
   * @default {DEFAULT_TOTAL_EVENTS}
   */
  total?: number;
}

/** The default cap on buffered events across all facilities. */
export const DEFAULT_TOTAL_EVENTS = 100_000;

/** The default number of events kept per (facility, level), as in foolscap. */
export const DEFAULT_BUFFER_SIZE = 100;

function levelTable(
  table: Record<string, number> | undefined,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const [k, v] of Object.entries(table ?? {})) {
    out.set(parseLevel(k), checkSize(v, `bufferSizes level ${k}`));
  }
  return out;
}

function checkLimit(n: number | undefined, where: string): number {
  if (n === undefined) return Infinity;
  if (typeof n !== "number" || Number.isNaN(n) || n <= 0) {
    throw new RangeError(`${where}: expected a number > 0, got ${n}`);
  }
  return n;
}

function checkSize(n: unknown, where: string): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new RangeError(`${where}: expected a whole number >= 0, got ${n}`);
  }
  return n;
}

/**
 * Bounds of {@linkcode EventBuffers} beyond event counts, named as the
 * recorder's options are (whose defaults apply there); unbounded here.
 */
export interface BufferLimits {
  /**
   * Estimated bytes buffered, at most (facilities' own cost included): past
   * it, the oldest events of the least recently used facility go, counted.
   */
  maxBufferedBytes?: number;
  /** Estimated bytes of one event: past it, {@linkcode EventBuffers.cut}. */
  maxEventBytes?: number;
  /** Events older than this (ms) behind the newest go. */
  maxAgeMs?: number;
}

/**
 * All buffers of a recorder, by facility and level. Facilities holding
 * events are linked from the least to the most recently pushed to, so the
 * caps (events, bytes, age) drop from the least recent end in O(1).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { EventBuffers } from "./event_buffers.ts";
 * import { Level } from "./levels.ts";
 * const buffers = new EventBuffers({ default: 1 });
 * const inc: [string, null] = ["x", null];
 * for (let num = 0; num < 5; num++) {
 *   buffers.push({ num, time: 0, incarnation: inc, level: Level.NOISY });
 * }
 * buffers.push({ num: 5, time: 0, incarnation: inc, level: Level.UNUSUAL });
 * assert(buffers.snapshot().map((e) => e.num).join() === "4,5");
 * ```
 */
export class EventBuffers implements FacilityOwner {
  readonly #byFacility = new Map<string | undefined, FacilityBuffers>();
  /** Facilities whose buffers were dropped to stay under the caps. */
  evictedFacilities = 0;
  /** Events dropped to stay under `maxBytes`. */
  droppedForBytes = 0;
  /** Events dropped for being older than `maxAgeMs`. */
  droppedForAge = 0;
  /** Events cut down to `maxEventBytes`. */
  eventsCut = 0;
  /** The bound on one event's estimated bytes. */
  readonly maxEventBytes: number;
  /**
   * The totals, which the facilities' pushes update.
   * @ignore
   */
  readonly tally: BufferTally;
  // The recency list: #oldest ... #newest.
  #oldest: FacilityBuffers | undefined;
  #pushes = 0;
  #newestTime = -Infinity;
  readonly #maxAgeMs: number;
  readonly #default: number;
  readonly #levels: Map<number, number>;
  readonly #facilities: Record<
    string,
    { default?: number; levels: Map<number, number> }
  > = {};

  /** Buffers sized by `sizes`; throws a `RangeError` naming a bad size. */
  constructor(sizes: BufferSizes = {}, limits: BufferLimits = {}) {
    this.#default = checkSize(
      sizes.default ?? DEFAULT_BUFFER_SIZE,
      "bufferSizes.default",
    );
    this.#levels = levelTable(sizes.levels);
    this.#maxAgeMs = checkLimit(limits.maxAgeMs, "maxAgeMs");
    this.maxEventBytes = checkLimit(limits.maxEventBytes, "maxEventBytes");
    this.tally = new BufferTally(
      checkSize(sizes.total ?? DEFAULT_TOTAL_EVENTS, "bufferSizes.total"),
      checkLimit(limits.maxBufferedBytes, "maxBufferedBytes"),
      this.#maxAgeMs !== Infinity,
    );
    for (const [f, s] of Object.entries(sizes.facilities ?? {})) {
      this.#facilities[f] = {
        default: s.default === undefined
          ? undefined
          : checkSize(s.default, `bufferSizes.facilities[${f}].default`),
        levels: levelTable(s.levels),
      };
    }
  }

  /** How many events of `level` are kept for `facility`. */
  sizeFor(facility: string | undefined, level: number): number {
    const f = matchFacility(this.#facilities, facility);
    return f?.levels.get(level) ?? f?.default ?? this.#levels.get(level) ??
      this.#default;
  }

  /** The buffers of one facility (created on first use). */
  facility(facility: string | undefined): FacilityBuffers {
    let fb = this.#byFacility.get(facility);
    if (fb === undefined) {
      fb = new FacilityBuffers(this, facility);
      this.#byFacility.set(facility, fb);
    }
    return fb;
  }

  /** Events buffered now, across all facilities. */
  get total(): number {
    return this.tally.events;
  }

  /** Estimated bytes buffered now, across all facilities. */
  get bytes(): number {
    return this.tally.bytes;
  }

  /**
   * Called after a push into `fb` (see `FacilityOwner`): makes it the most
   * recent facility, and keeps the caps by dropping from the least recent.
   * @ignore
   */
  settle(fb: FacilityBuffers): void {
    if (fb !== this.tally.newest) this.#toNewest(fb);
    while (this.tally.events > this.tally.maxEvents && this.#oldest !== fb) {
      this.#evict(this.#oldest!);
    }
    while (
      this.tally.bytes > this.tally.maxBytes && this.#oldest !== undefined
    ) {
      const oldest = this.#oldest;
      const n = oldest.size;
      this.tally.bytes -= oldest.dropOldest();
      this.droppedForBytes += n - oldest.size;
      this.tally.events -= n - oldest.size;
      if (oldest.size === 0) this.#unlink(oldest, true);
    }
    if (this.#maxAgeMs !== Infinity) {
      if (fb.lastTime > this.#newestTime) {
        this.#newestTime = fb.lastTime;
      }
      // Old facilities go now and then; old events of live ones at snapshots.
      if ((++this.#pushes & 255) === 0) this.#expire(false);
    }
  }

  /**
   * A copy of `event` cut down to `maxEventBytes` (see `cutEvent`), and
   * its estimated bytes; counted.
   */
  cut(event: FlogEvent): [FlogEvent, number] {
    this.eventsCut++;
    const cut = cutEvent(event, this.maxEventBytes).event;
    return [cut, eventBytes(cut)];
  }

  /** Stores `event` in the ring of its facility and level. */
  push(event: FlogEvent, bytes = 0): void {
    this.facility(event.facility).push(event, bytes);
  }

  /**
   * Every buffered event, oldest first: by `num` within one incarnation,
   * by time across incarnations (a restarted app counts from 0 again).
   * Events older than `maxAgeMs` behind the newest are dropped first.
   */
  snapshot(): FlogEvent[] {
    if (this.#maxAgeMs !== Infinity) this.#expire(true);
    const all: FlogEvent[] = [];
    for (let fb = this.#oldest; fb !== undefined; fb = fb.newer) {
      for (const ring of fb.rings()) for (const e of ring) all.push(e);
    }
    return all.sort(compareEvents);
  }

  /** Drops every buffered event. */
  clear(): void {
    for (let fb = this.#oldest; fb !== undefined;) {
      const next = fb.newer;
      fb.clear();
      fb.older = fb.newer = undefined;
      fb.linked = false;
      fb = next;
    }
    this.#oldest = this.tally.newest = undefined;
    this.#byFacility.clear();
    this.tally.events = 0;
    this.tally.bytes = 0;
  }

  /**
   * Drops facilities whose newest event is older than `maxAgeMs` behind
   * the newest of all (they are at the least recent end); with `all`, the
   * old events of every facility too.
   */
  #expire(all: boolean): void {
    const cutoff = this.#newestTime - this.#maxAgeMs / 1000;
    let fb = this.#oldest;
    while (fb !== undefined && fb.lastTime < cutoff) {
      const next = fb.newer;
      this.droppedForAge += fb.size;
      this.#evict(fb);
      fb = next;
    }
    for (; all && fb !== undefined;) {
      const next = fb.newer;
      const [n, b] = fb.dropOlderThan(cutoff);
      this.droppedForAge += n;
      this.tally.events -= n;
      this.tally.bytes -= b;
      if (fb.size === 0) this.#unlink(fb, false);
      fb = next;
    }
  }

  /** Drops all of `fb`'s events (counted as an evicted facility). */
  #evict(fb: FacilityBuffers): void {
    this.tally.bytes -= fb.bytes;
    this.tally.events -= fb.clear();
    this.#unlink(fb, true);
  }

  #unlink(fb: FacilityBuffers, counted: boolean): void {
    if (fb.older) fb.older.newer = fb.newer;
    else this.#oldest = fb.newer;
    if (fb.newer) fb.newer.older = fb.older;
    else this.tally.newest = fb.older;
    fb.older = fb.newer = undefined;
    fb.linked = false;
    // Forgotten until it logs again: ever new facilities cannot grow the map.
    if (this.#byFacility.get(fb.facility) === fb) {
      this.#byFacility.delete(fb.facility);
    }
    if (counted) this.evictedFacilities++;
  }

  #toNewest(fb: FacilityBuffers): void {
    if (fb.linked) {
      if (fb.older) fb.older.newer = fb.newer;
      else this.#oldest = fb.newer;
      fb.newer!.older = fb.older; // not the newest: it has a newer one
    } else {
      fb.linked = true;
      // An evicted facility's logger kept it: it is listed again.
      if (!this.#byFacility.has(fb.facility)) {
        this.#byFacility.set(fb.facility, fb);
      }
    }
    fb.older = this.tally.newest;
    fb.newer = undefined;
    if (this.tally.newest) this.tally.newest.newer = fb;
    else this.#oldest = fb;
    this.tally.newest = fb;
  }
}

/** Event order: by `num` in one incarnation, by time across incarnations. */
export function compareEvents(a: FlogEvent, b: FlogEvent): number {
  if (a.incarnation?.[0] === b.incarnation?.[0]) return a.num - b.num;
  return a.time - b.time || a.num - b.num;
}
