/**
 * The errors a store throws for its callers to act on: bad input, and a store
 * too busy to take more now. They carry no HTTP status; the HTTP layer maps
 * them to one in its single translator (`http/api.ts`).
 *
 * @module
 */

/**
 * Input a store refuses (a bad incident, an unknown group status).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { StoreInputError } from "@flightlog/flightlog/store";
 * assert.ok(new StoreInputError("bad status") instanceof TypeError);
 * ```
 */
export class StoreInputError extends TypeError {
  /** Input refused for `message`. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreInputError";
  }
}

/**
 * An incident refused as bad input (a pushed or imported `.flog.gz` with a
 * bad name, not gzip, or not a flogfile with a header).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { InvalidIncidentError } from "@flightlog/flightlog/store";
 * assert.ok(new InvalidIncidentError("not gzip") instanceof TypeError);
 * ```
 */
export class InvalidIncidentError extends StoreInputError {
  /** An incident refused for `message`. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidIncidentError";
  }
}

/**
 * New incidents refused for now (ClickHouse is away and the spool is full):
 * the caller should retry after `retryAfterS` seconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { StoreBusyError } from "@flightlog/flightlog/store";
 * assert.equal(new StoreBusyError("spool full").retryAfterS, 30);
 * ```
 */
export class StoreBusyError extends Error {
  /** Seconds to wait before trying again. */
  readonly retryAfterS: number;

  /** A refusal saying why, and when to try again. */
  constructor(message: string, retryAfterS = 30) {
    super(message);
    this.name = "StoreBusyError";
    this.retryAfterS = retryAfterS;
  }
}

/** The message of a thrown value, whatever was thrown. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
