/**
 * A fixed-capacity circular buffer: `push` is O(1) and allocates nothing;
 * when full, the oldest item is overwritten.
 *
 * @module
 */

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
  readonly #items: (T | undefined)[];
  #next = 0;
  #size = 0;

  /** Creates an empty buffer holding at most `capacity` items (may be 0). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(
        `buffer capacity must be a whole number >= 0, got ${capacity}`,
      );
    }
    this.#items = new Array(capacity).fill(undefined);
  }

  /** How many items the buffer holds now. */
  get size(): number {
    return this.#size;
  }

  /** Adds `item`, overwriting the oldest one when the buffer is full. */
  push(item: T): void {
    const cap = this.capacity;
    if (cap === 0) return;
    this.#items[this.#next] = item;
    this.#next = this.#next + 1 === cap ? 0 : this.#next + 1;
    if (this.#size < cap) this.#size++;
  }

  /** Removes every item. */
  clear(): void {
    this.#items.fill(undefined);
    this.#next = 0;
    this.#size = 0;
  }

  /** The items, oldest first. */
  *[Symbol.iterator](): IterableIterator<T> {
    const cap = this.capacity;
    let i = (this.#next - this.#size + cap) % cap;
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
