/**
 * The incident rate limit: at most `max` starts within a sliding window.
 *
 * @module
 */

import type { RateLimit } from "./recorder_options.ts";

/** Admits at most `limit.max` starts per `limit.windowMs` (none if `false`). */
export class RateLimiter {
  readonly #limit: RateLimit | false;
  readonly #starts: number[] = [];

  /** A limiter for `limit`. */
  constructor(limit: RateLimit | false) {
    this.#limit = limit;
  }

  /** Whether one more start is allowed now; if so, it is counted. */
  allow(now: number = Date.now()): boolean {
    const limit = this.#limit;
    if (limit === false) return true;
    const starts = this.#starts;
    while (starts.length > 0 && now - starts[0] >= limit.windowMs) {
      starts.shift();
    }
    if (starts.length >= limit.max) return false;
    starts.push(now);
    return true;
  }
}
