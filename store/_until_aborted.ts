/**
 * A promise that resolves when a signal aborts: the upkeep of a store that
 * has none to do.
 *
 * @module
 */

/** Resolves when `signal` aborts (at once if it has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
