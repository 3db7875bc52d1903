/**
 * Request-scoped recording: events that carry an isolation key (say
 * `requestId`) are also kept in a buffer of their own per value, so an
 * incident inside one request holds all of that request's events, even
 * those the per-level buffers have already pushed out.
 *
 * @module
 */

import { compareEvents } from "./event_buffers.ts";
import type { FlogEvent } from "./flog_event.ts";
import { RingBuffer } from "./ring_buffer.ts";

/**
 * How request-scoped recording is bounded.
 *
 * @example
 * ```ts
 * import type { IsolateOptions } from "@flightlog/flightlog";
 * const isolate: IsolateOptions = { key: "requestId", maxEvents: 200 };
 * ```
 */
export interface IsolateOptions {
  /** The context key whose values are isolated (e.g. `"requestId"`). */
  key: string;
  /**
   * Events kept per value (the oldest go first).
   * @default {100}
   */
  maxEvents?: number;
  /**
   * How long a value's buffer is kept after its last event, in ms.
   * @default {60_000}
   */
  ttlMs?: number;
  /**
   * Values kept at most; the least recently used is evicted first.
   * @default {1000}
   */
  maxContexts?: number;
}

const DEFAULTS = { maxEvents: 100, ttlMs: 60_000, maxContexts: 1000 };

/**
 * Which events belong with an isolated trigger: those of its value, and
 * those with no value at all.
 */
export type Selection = ((e: FlogEvent) => boolean) & { value: unknown };

interface Entry {
  ring: RingBuffer<FlogEvent>;
  last: number;
  /** Estimated bytes of its events. */
  bytes: number;
}

/**
 * The entries, with the sum of their bytes kept by `set`, `delete` and
 * `clear` themselves: every way an entry goes subtracts what it held.
 */
class Entries extends Map<unknown, Entry> {
  bytes = 0;
  override set(value: unknown, entry: Entry): this {
    const old = this.get(value);
    if (old !== undefined) this.bytes -= old.bytes;
    this.bytes += entry.bytes;
    return super.set(value, entry);
  }
  override delete(value: unknown): boolean {
    const old = this.get(value);
    if (old !== undefined) this.bytes -= old.bytes;
    return super.delete(value);
  }
  override clear(): void {
    this.bytes = 0;
    super.clear();
  }
}

/** Buffers per value of one isolation key, bounded in count and age. */
export class ContextBuffers {
  /** The isolated key. */
  readonly key: string;
  /** Buffers evicted (LRU or expired) since the start. */
  evicted = 0;
  /** Buffers released when their request ended (or by hand). */
  released = 0;
  readonly #maxEvents: number;
  readonly #ttlMs: number;
  readonly #maxContexts: number;
  readonly #maxBytes: number;
  // Insertion order is recency order: a touched entry is moved to the end.
  readonly #entries = new Entries();
  // The value pushed last is already at the end: no need to move it.
  #lastValue: unknown = undefined;
  #lastEntry: Entry | undefined;
  #pushes = 0;

  /**
   * Buffers for `options.key`; bad bounds are a RangeError naming them.
   * `maxBytes` bounds the estimated bytes of all of them (the least
   * recently used value goes first); a recorder gives its
   * `maxBufferedBytes`.
   */
  constructor(options: IsolateOptions, maxBytes = Infinity) {
    this.#maxBytes = maxBytes;
    if (typeof options.key !== "string" || options.key === "") {
      throw new TypeError(
        `isolateBy.key: expected a non-empty string, got ${options.key}`,
      );
    }
    this.key = options.key;
    this.#maxEvents = positive(
      options.maxEvents ?? DEFAULTS.maxEvents,
      "maxEvents",
    );
    this.#ttlMs = positive(options.ttlMs ?? DEFAULTS.ttlMs, "ttlMs");
    this.#maxContexts = positive(
      options.maxContexts ?? DEFAULTS.maxContexts,
      "maxContexts",
    );
  }

  /** Values with a buffer now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Estimated bytes of the buffered events, all values together. */
  get bytes(): number {
    return this.#entries.bytes;
  }

  /** Keeps `event` (of `bytes`) in the buffer of its value, if it has one. */
  offer(event: FlogEvent, bytes = 0): void {
    const value = event[this.key];
    if (value !== undefined) this.push(value, event, event.time * 1000, bytes);
  }

  /**
   * Keeps `event` in the buffer of `value`, evicting what is over bounds.
   * `now` (ms) defaults to the event's own time; `bytes` is its estimate.
   */
  push(
    value: unknown,
    event: FlogEvent,
    now: number = event.time * 1000,
    bytes = 0,
  ): void {
    const entries = this.#entries;
    // Events of one context come in runs: its entry is at hand (and already
    // the most recent), with no lookup.
    let entry = value === this.#lastValue ? this.#lastEntry : undefined;
    if (entry === undefined) {
      entry = entries.get(value);
      if (entry === undefined) {
        if (entries.size >= this.#maxContexts) this.#evictOldest();
        entry = { ring: new RingBuffer(this.#maxEvents), last: now, bytes: 0 };
        entries.set(value, entry);
        this.#expire(now);
      } else if (value !== this.#lastValue) {
        entries.delete(value);
        entries.set(value, entry);
      }
      this.#lastValue = value;
      this.#lastEntry = entry;
    }
    entry.last = now;
    const gone = entry.ring.push(event, bytes);
    const delta = gone < 0 ? bytes : bytes - gone;
    entry.bytes += delta;
    entries.bytes += delta;
    // Over the byte bound, the least recently used values go (not this one).
    while (entries.bytes > this.#maxBytes && entries.size > 1) {
      this.#evictOldest();
    }
    // Expiry runs when a value is new, and now and then besides.
    if ((++this.#pushes & 1023) === 0) this.#expire(now);
  }

  /** The buffered events of `value`, oldest first. */
  events(value: unknown): FlogEvent[] {
    return this.#entries.get(value)?.ring.toArray() ?? [];
  }

  /** The selection for `trigger`, or undefined when it has no value. */
  takes(trigger: FlogEvent): Selection | undefined {
    const key = this.key;
    const value = trigger[key];
    if (value === undefined) return undefined;
    const takes = (e: FlogEvent) => e[key] === undefined || e[key] === value;
    return Object.assign(takes, { value });
  }

  /**
   * The history of an isolated trigger: the buffered events it `takes`
   * (`all`, oldest first), and its value's own buffer, where the level
   * buffers may have dropped some; in order, without the trigger.
   */
  history(all: FlogEvent[], trigger: FlogEvent, takes: Selection): FlogEvent[] {
    const chosen = new Set(all.filter(takes));
    for (const e of this.events(takes.value)) chosen.add(e);
    chosen.delete(trigger);
    return [...chosen].sort(compareEvents);
  }

  /** Drops the buffer of `value` (its request is over). */
  release(value: unknown): void {
    this.#lastEntry = undefined;
    if (this.#entries.delete(value)) this.released++;
    if (this.#lastValue === value) this.#lastValue = undefined;
  }

  /** Drops every buffer. */
  clear(): void {
    this.#lastEntry = undefined;
    this.#entries.clear();
  }

  #evictOldest(): void {
    const oldest = this.#entries.keys().next();
    if (!oldest.done) {
      this.#lastEntry = undefined;
      this.#entries.delete(oldest.value);
      this.evicted++;
    }
  }

  // The least recently used come first: drop them while they are stale.
  // At most a few per push, so that one push stays cheap.
  #expire(now: number): void {
    let n = 0;
    for (const [value, entry] of this.#entries) {
      if (n++ >= 4 || now - entry.last < this.#ttlMs) return;
      this.#lastEntry = undefined;
      this.#entries.delete(value);
      this.evicted++;
    }
  }
}

function positive(n: number, name: string): number {
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(
      `isolateBy.${name}: expected a positive integer, got ${n}`,
    );
  }
  return n;
}
