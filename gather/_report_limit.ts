/**
 * Reports passed on at a bounded rate: past it, they are counted, and the
 * next report let through says how many were held back.
 *
 * @module
 */

import { RateLimiter } from "../lib/_rate_limit.ts";

/** Reports let through per window, at most. */
export const REPORTS_PER_WINDOW = 10;
/** The window of {@linkcode REPORTS_PER_WINDOW}, in ms. */
export const REPORT_WINDOW_MS = 60_000;
/** Longest report passed on, in characters (a longer one is cut). */
export const MAX_REPORT_LENGTH = 4096;

/**
 * `tell`, let through at most {@linkcode REPORTS_PER_WINDOW} times per
 * {@linkcode REPORT_WINDOW_MS}, each report cut at
 * {@linkcode MAX_REPORT_LENGTH}.
 */
export function limitReports(
  tell: (message: string) => void,
  now: () => number = Date.now,
): (message: string) => void {
  const limiter = new RateLimiter({
    max: REPORTS_PER_WINDOW,
    windowMs: REPORT_WINDOW_MS,
  });
  let held = 0;
  return (message) => {
    if (!limiter.allow(now())) {
      held++;
      return;
    }
    const cut = message.length > MAX_REPORT_LENGTH
      ? `${message.slice(0, MAX_REPORT_LENGTH)}… (${
        message.length - MAX_REPORT_LENGTH
      } characters cut)`
      : message;
    const more = held === 0
      ? ""
      : ` (${held} more reports held back before this)`;
    held = 0;
    tell(cut + more);
  };
}
