/**
 * The buffers of one facility: a ring per level (foolscap's per-(facility,
 * level) history), made small and on first use, with what they hold counted
 * in events and estimated bytes. Facilities are linked in recency order by
 * their owner, {@linkcode EventBuffers}.
 *
 * @module
 */

import type { FlogEvent } from "./flog_event.ts";
import { RingBuffer } from "./ring_buffer.ts";

/** Distinct levels kept per facility; the first-made ring goes first. */
const MAX_LEVELS = 64;

/**
 * The estimated cost of a facility holding events, beyond the events: this
 * object, its entry in its owner's map, and its arrays (measured with
 * `--expose-gc`: a facility holding one event costs about 470 bytes).
 */
export const FACILITY_BYTES = 256;
/** The estimated cost of one ring and its first slots, beyond the events. */
export const RING_BYTES = 192;

// The arrays of a facility without rings: shared, never written.
// deno-lint-ignore no-explicit-any
const NONE: any[] = [];

/**
 * The totals of an owner's facilities, kept up to date by their pushes
 * (a plain object: a call per push to the owner would cost more).
 */
export class BufferTally {
  /** Events held. */
  events = 0;
  /** Estimated bytes held. */
  bytes = 0;
  /** The facility pushed to last. */
  newest: FacilityBuffers | undefined = undefined;
  /** Bounds past which the owner is asked to settle. */
  constructor(
    readonly maxEvents: number,
    readonly maxBytes: number,
    readonly aging: boolean,
  ) {}
}

/** What a {@linkcode FacilityBuffers} tells and asks its owner. */
export interface FacilityOwner {
  /** The totals, which pushes update. */
  readonly tally: BufferTally;
  /** How many events of `level` are kept for `facility`. */
  sizeFor(facility: string | undefined, level: number): number;
  /**
   * After a push to `fb` that was not to the newest facility, or left the
   * tally over a bound (or with an age bound set).
   */
  settle(fb: FacilityBuffers): void;
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
 * assert(buffers.snapshot().length === 1 && db.size === 1);
 * ```
 */
export class FacilityBuffers {
  /** The facility. */
  readonly facility: string | undefined;
  /**
   * The time (s) of the newest event pushed, when the owner keeps an age
   * bound (or the push was to another facility than the last one).
   */
  lastTime = -Infinity;
  /**
   * Neighbours in the owner's recency list (older, newer), and whether it
   * is in that list.
   * @ignore
   */
  older: FacilityBuffers | undefined = undefined;
  /** @ignore */
  newer: FacilityBuffers | undefined = undefined;
  /** @ignore */
  linked = false;
  readonly #owner: FacilityOwner;
  readonly #tally: BufferTally;
  #levels: number[] = NONE;
  #rings: RingBuffer<FlogEvent>[] = NONE;
  #lastLevel: number | undefined;
  #lastRing: RingBuffer<FlogEvent> | undefined;

  /** Buffers of `facility`, sized and counted by `owner`. */
  constructor(owner: FacilityOwner, facility?: string) {
    this.#owner = owner;
    this.#tally = owner.tally;
    this.facility = facility;
  }

  /** Stores `event`, whose estimated size is `bytes`, in the ring of its level. */
  push(event: FlogEvent, bytes = 0): void {
    let ring = this.#lastRing;
    if (event.level !== this.#lastLevel || ring === undefined) {
      ring = this.#ring(event.level);
      this.#lastLevel = event.level;
      this.#lastRing = ring;
    }
    // Runs on every log call: the tally is updated here, not by a call.
    const t = this.#tally;
    const gone = ring.push(event, bytes);
    if (gone < 0) {
      t.events++;
      t.bytes += bytes;
    } else t.bytes += bytes - gone;
    if (
      this !== t.newest || t.bytes > t.maxBytes || t.events > t.maxEvents ||
      t.aging
    ) {
      this.lastTime = event.time; // read by the age bound only
      this.#owner.settle(this);
    }
  }

  /** The ring of `level`, made (and its cost counted) when new. */
  #ring(level: number): RingBuffer<FlogEvent> {
    const i = this.#levels.indexOf(level);
    if (i >= 0) return this.#rings[i];
    let cost = RING_BYTES;
    if (this.#rings.length === 0) cost += FACILITY_BYTES;
    // Levels are any integers: bound the rings of odd ones too.
    if (this.#rings.length >= MAX_LEVELS) this.#dropRing(0);
    const ring = new RingBuffer<FlogEvent>(
      this.#owner.sizeFor(this.facility, level),
    );
    // Array literals are exactly as long as they are; a push to an empty
    // array would make room for 17.
    if (this.#rings.length === 0) {
      this.#levels = [level];
      this.#rings = [ring];
    } else {
      this.#levels.push(level);
      this.#rings.push(ring);
    }
    this.#tally.bytes += cost;
    return ring;
  }

  /** Events held. */
  get size(): number {
    let n = 0;
    for (let i = 0; i < this.#rings.length; i++) n += this.#rings[i].size;
    return n;
  }

  /** Estimated bytes held: the events, the rings and this facility's own cost. */
  get bytes(): number {
    const rings = this.#rings;
    if (rings.length === 0) return 0;
    let b = FACILITY_BYTES + RING_BYTES * rings.length;
    for (let i = 0; i < rings.length; i++) b += rings[i].weight();
    return b;
  }

  /** Every ring of this facility. */
  rings(): Iterable<RingBuffer<FlogEvent>> {
    return this.#rings;
  }

  /**
   * Drops the oldest event of this facility (across its levels); returns
   * the bytes it freed, the whole cost of the facility when it was the last.
   */
  dropOldest(): number {
    let best = -1;
    let oldest: FlogEvent | undefined;
    for (let i = 0; i < this.#rings.length; i++) {
      const e = this.#rings[i].oldest();
      if (e !== undefined && (oldest === undefined || before(e, oldest))) {
        oldest = e;
        best = i;
      }
    }
    if (best < 0) return this.#release();
    const b = this.#rings[best].shift();
    return this.size === 0 ? b + this.#release() : b;
  }

  /**
   * Drops the events older than `time` (s); returns how many, and the bytes
   * freed (the facility's whole cost when none is left).
   */
  dropOlderThan(time: number): [number, number] {
    let n = 0;
    let b = 0;
    for (const ring of this.#rings) {
      for (let e = ring.oldest(); e !== undefined && e.time < time;) {
        b += ring.shift();
        n++;
        e = ring.oldest();
      }
    }
    if (this.size === 0 && this.#rings.length > 0) b += this.#release();
    return [n, b];
  }

  /** Drops every event; returns how many there were. */
  clear(): number {
    const n = this.size;
    this.#release();
    return n;
  }

  /** Drops the rings; returns the bytes they held. */
  #release(): number {
    const b = this.bytes;
    this.#levels = NONE;
    this.#rings = NONE;
    this.#lastLevel = undefined;
    this.#lastRing = undefined;
    return b;
  }

  #dropRing(i: number): void {
    const ring = this.#rings[i];
    let b = RING_BYTES;
    const n = ring.size;
    while (ring.size > 0) b += ring.shift();
    this.#levels.splice(i, 1);
    this.#rings.splice(i, 1);
    this.#tally.events -= n;
    this.#tally.bytes -= b;
  }
}

function before(a: FlogEvent, b: FlogEvent): boolean {
  if (a.incarnation?.[0] === b.incarnation?.[0]) return a.num < b.num;
  return a.time < b.time || (a.time === b.time && a.num < b.num);
}
