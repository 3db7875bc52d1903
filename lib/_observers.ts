/**
 * A list of observer functions that can be added to and removed from while
 * it is being called (each call sees the list as it was).
 *
 * @module
 */

/** Observers of type `F`. */
export class Observers<F> {
  /** The observers now (replaced, never changed in place). */
  list: readonly F[] = [];

  /** Adds `fn`; returns a function that removes it. */
  add(fn: F): () => void {
    this.list = [...this.list, fn];
    return () => {
      this.list = this.list.filter((f) => f !== fn);
    };
  }

  /** Removes every observer. */
  clear(): void {
    this.list = [];
  }
}

/**
 * Calls each observer with `value`. One that throws is told to `onError`
 * (or ignored without it: its own problem), and the others are still called.
 */
export function notify<T>(
  observers: Observers<(value: T) => void>,
  value: T,
  onError?: (error: unknown) => void,
): void {
  for (const fn of observers.list) {
    try {
      fn(value);
    } catch (e) {
      onError?.(e);
    }
  }
}
