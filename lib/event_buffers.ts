/**
 * foolscap's per-(facility, level) history: one ring buffer for each pair,
 * so a flood of NOISY events cannot push out the rare UNUSUAL ones.
 *
 * @module
 */

import { matchFacility } from "./facility.ts";
import type { FlogEvent } from "./flog_event.ts";
import { parseLevel } from "./levels.ts";
import { RingBuffer } from "./ring_buffer.ts";

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

function checkSize(n: unknown, where: string): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new RangeError(`${where}: expected a whole number >= 0, got ${n}`);
  }
  return n;
}

/**
 * The buffers of one facility, one ring per level, created on first use.
 * Keep a reference to skip the facility lookup on every event.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { EventBuffers } from "./event_buffers.ts";
 * const buffers = new EventBuffers({ default: 2 });
 * const db = buffers.facility("app/db");
 * db.push({ num: 0, time: 0, incarnation: ["x", null], level: 20 });
 * assert(buffers.snapshot().length === 1);
 * ```
 */
/** Distinct levels kept per facility; the first-made ring goes first. */
const MAX_LEVELS = 64;

export class FacilityBuffers {
  /** The facility. */
  readonly facility: string | undefined;
  /**
   * When its owner last moved it to the recent end (in pushes).
   * @ignore
   */
  movedAt = -Infinity;
  readonly #rings = new Map<number, RingBuffer<FlogEvent>>();
  readonly #sizeFor: (level: number) => number;
  readonly #owner: EventBuffers | undefined;
  #lastLevel: number | undefined;
  #lastRing: RingBuffer<FlogEvent> | undefined;

  /** Buffers sized by `sizeFor(level)`; normally made by {@linkcode EventBuffers}. */
  constructor(
    sizeFor: (level: number) => number,
    options: { facility?: string; owner?: EventBuffers } = {},
  ) {
    this.#sizeFor = sizeFor;
    this.facility = options.facility;
    this.#owner = options.owner;
  }

  /** Stores `event` in the ring of its level. */
  push(event: FlogEvent): void {
    const level = event.level;
    let ring = this.#lastRing;
    if (level !== this.#lastLevel || ring === undefined) {
      ring = this.#rings.get(level);
      if (ring === undefined) {
        if (this.#rings.size >= MAX_LEVELS) {
          // Levels are any integers: bound the rings of odd ones too.
          const [oldLevel, oldRing] = this.#rings.entries().next().value!;
          this.#rings.delete(oldLevel);
          this.#owner?.dropped(oldRing.size);
        }
        ring = new RingBuffer(this.#sizeFor(level));
        this.#rings.set(level, ring);
      }
      this.#lastLevel = level;
      this.#lastRing = ring;
    }
    const before = ring.size;
    ring.push(event);
    const owner = this.#owner;
    if (owner === undefined) return;
    // Full rings (the steady state) cost two comparisons here.
    if (ring.size > before) owner.grew(this);
    else if (owner.clock - this.movedAt > 1024) owner.touch(this);
  }

  /** Every ring of this facility. */
  rings(): Iterable<RingBuffer<FlogEvent>> {
    return this.#rings.values();
  }

  /** Drops every event; returns how many there were. */
  clear(): number {
    let n = 0;
    for (const ring of this.#rings.values()) n += ring.size;
    this.#rings.clear();
    this.#lastLevel = undefined;
    this.#lastRing = undefined;
    return n;
  }
}

/**
 * All buffers of a recorder, by facility and level.
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
export class EventBuffers {
  readonly #byFacility = new Map<string | undefined, FacilityBuffers>();
  /** Facilities whose buffers were dropped to stay under the total cap. */
  evictedFacilities = 0;
  #total = 0;
  readonly #maxTotal: number;
  /**
   * Counts growths of the total: the clock of facility recency.
   * @ignore
   */
  clock = 0;
  readonly #default: number;
  readonly #levels: Map<number, number>;
  readonly #facilities: Record<
    string,
    { default?: number; levels: Map<number, number> }
  > = {};

  /** Buffers sized by `sizes`; throws a `RangeError` naming a bad size. */
  constructor(sizes: BufferSizes = {}) {
    this.#default = checkSize(
      sizes.default ?? DEFAULT_BUFFER_SIZE,
      "bufferSizes.default",
    );
    this.#levels = levelTable(sizes.levels);
    this.#maxTotal = checkSize(
      sizes.total ?? DEFAULT_TOTAL_EVENTS,
      "bufferSizes.total",
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
      fb = new FacilityBuffers((level) => this.sizeFor(facility, level), {
        facility,
        owner: this,
      });
      this.#byFacility.set(facility, fb);
    }
    return fb;
  }

  /** Events buffered now, across all facilities. */
  get total(): number {
    return this.#total;
  }

  /**
   * Moves `fb` to the recent end of the facilities (a Map keeps insertion
   * order); an evicted facility that logs again comes back. Called at most
   * once per 1024 growths of the total: recency is approximate, and
   * alternating facilities cost nothing.
   * @ignore
   */
  touch(fb: FacilityBuffers): void {
    this.#byFacility.delete(fb.facility);
    this.#byFacility.set(fb.facility, fb);
    fb.movedAt = this.clock;
  }

  /**
   * Called when a push made `fb` hold one more event: counts it, and keeps
   * the total under its cap by evicting the least recent facilities.
   * @ignore
   */
  grew(fb: FacilityBuffers): void {
    this.clock++;
    if (this.clock - fb.movedAt > 1024) this.touch(fb);
    this.#total++;
    while (this.#total > this.#maxTotal && this.#byFacility.size > 1) {
      const oldest = this.#byFacility.values().next().value!;
      this.#byFacility.delete(oldest.facility);
      oldest.movedAt = -Infinity; // listed again at its next push
      this.#total -= oldest.clear();
      this.evictedFacilities++;
    }
  }

  /** Stores `event` in the ring of its facility and level. */
  push(event: FlogEvent): void {
    this.facility(event.facility).push(event);
  }

  /**
   * Every buffered event, oldest first: by `num` within one incarnation,
   * by time across incarnations (a restarted app counts from 0 again).
   */
  snapshot(): FlogEvent[] {
    const all: FlogEvent[] = [];
    for (const fb of this.#byFacility.values()) {
      for (const ring of fb.rings()) for (const e of ring) all.push(e);
    }
    return all.sort(compareEvents);
  }

  /**
   * Called when a facility dropped `n` events of its own accord.
   * @ignore
   */
  dropped(n: number): void {
    this.#total -= n;
  }

  /** Drops every buffered event. */
  clear(): void {
    for (const fb of this.#byFacility.values()) fb.clear();
    this.#byFacility.clear();
    this.#total = 0;
  }
}

/** Event order: by `num` in one incarnation, by time across incarnations. */
export function compareEvents(a: FlogEvent, b: FlogEvent): number {
  if (a.incarnation?.[0] === b.incarnation?.[0]) return a.num - b.num;
  return a.time - b.time || a.num - b.num;
}
