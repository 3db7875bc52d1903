/**
 * Middleware for `Deno.serve`: each request runs in a context carrying its
 * `requestId`, so every event logged while handling it carries the id.
 *
 * @module
 */

import { withContext } from "./context.ts";
import { requestTraceFields } from "./trace_context.ts";

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
}

/** A `Deno.serve` handler. */
export type ServeHandler = (
  req: Request,
  info: Deno.ServeHandlerInfo<Deno.NetAddr>,
) => Response | Promise<Response>;

/**
 * Wraps a `Deno.serve` handler: each request is handled inside
 * `withContext({ requestId })`. With `isolateBy: "requestId"`, an incident
 * in one request holds that request's events and no other's. A valid W3C
 * `traceparent` header adds its `trace_id` and `span_id` to the context
 * (unless Deno's OpenTelemetry has a span active: events then carry that
 * span's ids), so `isolateBy: "trace_id"` works the same way.
 *
 * @example
 * ```ts ignore
 * import { createLogger, requestContext } from "@flightlog/flightlog";
 * const log = createLogger({ incidentDir: "./incidents", isolateBy: "requestId" });
 * Deno.serve(requestContext((req) => {
 *   log.info("{method} {path}", { method: req.method, path: new URL(req.url).pathname });
 *   return new Response("ok");
 * }));
 * ```
 */
export function requestContext(
  handler: ServeHandler,
  options: RequestContextOptions = {},
): ServeHandler {
  const key = options.key ?? "requestId";
  const header = options.header ?? "x-request-id";
  return (req, info) => {
    const given = req.headers.get(header);
    const id = given !== null && given.length <= 200
      ? given
      : crypto.randomUUID();
    return withContext(
      { [key]: id, ...requestTraceFields(req), ...options.fields?.(req) },
      () => handler(req, info),
    );
  };
}
