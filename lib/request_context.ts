/**
 * Middleware for `Deno.serve`: each request runs in a context carrying its
 * `requestId`, so every event logged while handling it carries the id; a
 * handler's failure is recorded inside that context; and the request's
 * isolated buffer is released when it ends.
 *
 * @module
 */

import { withContext } from "./context.ts";
import { releaseBuffer } from "./_context_lifecycle.ts";
import { recordingFailures, recordThrown } from "./_failures.ts";
import type { Logger } from "./logger.ts";

/** Options of {@linkcode requestContext}. */
export interface RequestContextOptions {
  /**
   * The context key of the id.
   * @default {"requestId"}
   */
  key?: string;
  /**
   * A request header whose value, when present, is used as the id (a
   * proxy's `x-request-id`); else a random UUID.
   * @default {"x-request-id"}
   */
  header?: string;
  /** More context fields from the request (method, path...). */
  fields?: (req: Request) => Record<string, unknown>;
  /**
   * Records what the handler throws (or its promise rejects with) through
   * this logger, inside the request's context: a failure with its stack
   * and causes, and the request's `method` and `path`. Under `isolateBy`,
   * its incident holds this request's events only.
   */
  logger?: Logger;
  /**
   * The level of that record.
   * @default {Level.SCARY}
   */
  level?: number;
  /**
   * After recording a handler's error, answer `500 Internal Server Error`
   * instead of re-throwing it to `Deno.serve` (whose `onError` then runs).
   * @default {false}
   */
  respond500?: boolean;
}

/** A `Deno.serve` handler. */
export type ServeHandler = (
  req: Request,
  info: Deno.ServeHandlerInfo<Deno.NetAddr>,
) => Response | Promise<Response>;

/**
 * Wraps a `Deno.serve` handler: each request is handled inside
 * `withContext({ requestId })`. With `isolateBy: "requestId"`, an incident
 * in one request holds that request's events and no other's, and the
 * request's buffer is released when it ends (unless its incident is being
 * recorded). With `logger`, a handler that throws leaves an incident.
 *
 * @example
 * ```ts ignore
 * import { createLogger, requestContext } from "@flightlog/flightlog";
 * const log = createLogger({ incidentDir: "./incidents", isolateBy: "requestId" });
 * Deno.serve(requestContext((req) => {
 *   log.info("{method} {path}", { method: req.method, path: new URL(req.url).pathname });
 *   return new Response("ok");
 * }, { logger: log }));
 * ```
 */
export function requestContext(
  handler: ServeHandler,
  options: RequestContextOptions = {},
): ServeHandler {
  const key = options.key ?? "requestId";
  const header = options.header ?? "x-request-id";
  const { logger, level } = options;
  const respond500 = options.respond500 ?? false;
  return async (req, info) => {
    const given = req.headers.get(header);
    const id = given !== null && given.length <= 200
      ? given
      : crypto.randomUUID();
    const record = (e: unknown) => {
      if (logger === undefined) return;
      recordThrown(logger, e, level, {
        method: req.method,
        path: pathOf(req.url),
      });
    };
    const context = { [key]: id, ...options.fields?.(req) };
    try {
      return await withContext(
        context,
        () => recordingFailures(() => handler(req, info), record),
      );
    } catch (e) {
      if (!respond500) throw e;
      return new Response("Internal Server Error", { status: 500 });
    } finally {
      releaseBuffer(logger?.recorder, context);
    }
  };
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
