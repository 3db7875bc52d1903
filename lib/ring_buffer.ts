/**
 * A fixed-capacity circular buffer: `push` is O(1); when full, the oldest
 * item is overwritten. Each item may carry a weight (its size in bytes, say),
 * handed back when the item goes.
 *
 * @module
 */

// The arrays of an empty ring: shared, never written (the first push grows).
// deno-lint-ignore no-explicit-any
const NONE: any[] = [];

/**
 * A circular buffer of at most `capacity` items, oldest first.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { RingBuffer } from "./ring_buffer.ts";
 * const ring = new RingBuffer<number>(2);
 * ring.push(1);
 * ring.push(2);
 * ring.push(3);
 * assert(ring.toArray().join() === "2,3");
 * ```
 */
export class RingBuffer<T> {
  // Grows as items come, doubling (a ring of a rare facility costs what it
  // holds: V8 would add 16 slots to the first), up to `capacity`; then it
  // wraps. Growing happens only before the first wrap, so `#next` reaches
  // the end of the arrays only while they are shorter than `capacity`.
  #items: (T | undefined)[] = NONE;
  #weights: number[] = NONE;
  #next = 0;
  #size = 0;

  /** Creates an empty buffer holding at most `capacity` items (may be 0). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(
        `buffer capacity must be a whole number >= 0, got ${capacity}`,
      );
    }
  }

  /** How many items the buffer holds now. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds `item` of `weight`, overwriting the oldest one when the buffer is
   * full; returns the weight of the item overwritten, or -1 when none was
   * (the buffer grew). With a capacity of 0 the item itself goes at once:
   * its weight comes back.
   */
  push(item: T, weight = 0): number {
    const cap = this.capacity;
    if (cap === 0) return weight;
    const i = this.#next;
    if (i === this.#items.length) this.#grow();
    this.#next = i + 1 === cap ? 0 : i + 1;
    let gone = -1;
    if (this.#size === cap) gone = this.#weights[i];
    else this.#size++;
    this.#items[i] = item;
    this.#weights[i] = weight;
    return gone;
  }

  /** The sum of the items' weights (counted now: O(size)). */
  weight(): number {
    const cap = this.capacity;
    let w = 0;
    let i = this.#start();
    for (let n = 0; n < this.#size; n++) {
      w += this.#weights[i];
      i = i + 1 === cap ? 0 : i + 1;
    }
    return w;
  }

  /** The oldest item, if any. */
  oldest(): T | undefined {
    if (this.#size === 0) return undefined;
    return this.#items[this.#start()];
  }

  /** Removes the oldest item; returns its weight (0 if empty). */
  shift(): number {
    if (this.#size === 0) return 0;
    const i = this.#start();
    const weight = this.#weights[i];
    this.#items[i] = undefined; // let it be collected
    this.#size--;
    return weight;
  }

  /** Removes every item. */
  clear(): void {
    this.#items = NONE;
    this.#weights = NONE;
    this.#next = 0;
    this.#size = 0;
  }

  #grow(): void {
    const n = Math.min(this.capacity, Math.max(1, this.#items.length * 2));
    const items = new Array<T | undefined>(n);
    const weights = new Array<number>(n);
    for (let i = 0; i < this.#items.length; i++) {
      items[i] = this.#items[i];
      weights[i] = this.#weights[i];
    }
    this.#items = items;
    this.#weights = weights;
  }

  #start(): number {
    const cap = this.capacity;
    return (this.#next - this.#size + cap) % cap;
  }

  /** The items, oldest first. */
  *[Symbol.iterator](): IterableIterator<T> {
    const cap = this.capacity;
    let i = this.#start();
    for (let n = 0; n < this.#size; n++) {
      yield this.#items[i] as T;
      i = i + 1 === cap ? 0 : i + 1;
    }
  }

  /** A new array of the items, oldest first. */
  toArray(): T[] {
    return [...this];
  }
}
