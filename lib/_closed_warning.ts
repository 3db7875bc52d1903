/**
 * The one warning of a log call made after its logger was closed.
 *
 * @module
 */

let warnedClosed = false;
/** A log call after `close()` is ignored; say so once, on stderr. */
export function warnClosed(): void {
  if (warnedClosed) return;
  warnedClosed = true;
  console.error(
    "flightlog: a log call after the logger was closed was ignored " +
      "(keep process-lifetime loggers in `const`, not `using`)",
  );
}
