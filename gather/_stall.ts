/**
 * A watch on a peer that may stall: its signal aborts, with an error saying
 * what was awaited, when a step takes longer than its time limit. Each
 * sign of life re-arms it.
 *
 * @module
 */

/** The error a stalled peer's read or fetch fails with. */
export class StalledError extends Error {
  /** `StalledError`. */
  override name = "StalledError";
}

/** One timer, re-armed per step; aborts its signal when a step overruns. */
export class StallWatch implements Disposable {
  readonly #abort = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Aborted (with a {@linkcode StalledError}) when a step overran. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Waits at most `ms` for `what` from now on (replacing the last limit). */
  arm(ms: number, what: string): void {
    clearTimeout(this.#timer);
    if (this.#abort.signal.aborted) return;
    this.#timer = setTimeout(
      () => this.#abort.abort(new StalledError(`${what} in ${ms} ms`)),
      ms,
    );
  }

  /** Stops waiting until the next `arm` (the reader is busy, not the peer). */
  pause(): void {
    clearTimeout(this.#timer);
  }

  /**
   * `body` passed through, each chunk re-arming a wait of `ms` for the next.
   */
  watch<T>(
    body: ReadableStream<T>,
    ms: number,
    what: string,
  ): { body: ReadableStream<T>; resume: () => void } {
    const resume = () => this.arm(ms, what);
    resume();
    return {
      resume,
      body: body.pipeThrough(
        new TransformStream<T, T>({
          transform: (chunk, c) => {
            resume();
            c.enqueue(chunk);
          },
        }),
        { signal: this.#abort.signal },
      ),
    };
  }

  /** Stops the timer. */
  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
  }
}
