/**
 * The errors a request handler throws to answer with a 4xx status: the API's
 * dispatch core turns them into JSON responses, storage errors into their
 * statuses, and anything else into a 500.
 *
 * @module
 */

/**
 * An error that is the answer to a request: its `status` and message become
 * the JSON response `{"error": message, "status": status}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { HttpError } from "./http_error.ts";
 * const e = new HttpError(404, "no incident x");
 * assert.equal(e.status, 404);
 * ```
 */
export class HttpError extends Error {
  /** The response status, 400-599. */
  readonly status: number;
  /** Extra response headers (`allow`, `www-authenticate`). */
  readonly headers: HeadersInit;

  /** An error answered with `status` and `message`. */
  constructor(
    status: number,
    message: string,
    options: { headers?: HeadersInit; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.headers = options.headers ?? {};
  }
}

/**
 * The error text of a 404 for an incident the server does not have (pulls
 * tell it apart from someone else's 404 by it).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { noIncident } from "./http_error.ts";
 * assert.equal(noIncident("x.flog.gz"), "no incident x.flog.gz");
 * ```
 */
export function noIncident(name: string): string {
  return `no incident ${name}`;
}
