/**
 * The imports a store has under way, so that closing it waits for them:
 * each store's `import` tracks its run here, and `close` awaits
 * {@linkcode PendingImports.settled}.
 *
 * @module
 */

/** Runs under way; each leaves the set when it settles. */
export class PendingImports {
  readonly #runs = new Set<Promise<unknown>>();

  /** Tracks `run` until it settles; returns it unchanged. */
  track<T>(run: Promise<T>): Promise<T> {
    this.#runs.add(run);
    run.finally(() => this.#runs.delete(run)).catch(() => {});
    return run;
  }

  /** Resolves when every run tracked so far has settled (never rejects). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.#runs);
  }
}
