/**
 * The shape of the API's routes: what a route file exports (paths, methods,
 * handlers) and what a handler is given, so that resources can be added as
 * files of their own.
 *
 * @module
 */

import type { FlightRecorder } from "../lib/recorder.ts";
import type { Awaitable, Store } from "../store/store.ts";
import type { Scope, ScopedTokens } from "./scopes.ts";

/**
 * What the API serves from.
 *
 * @example
 * ```ts
 * import type { ApiContext } from "./route.ts";
 * async function describe(ctx: ApiContext) { return `${(await ctx.store.totals()).count} incidents`; }
 * ```
 */
export interface ApiContext {
  /** The incidents served. */
  store: Store;
  /** The recorder whose events `/v1/events/stream` tails. */
  recorder: FlightRecorder;
  /** The `admin` bearer token (every endpoint but `/healthz` requires one). */
  token: string;
  /** Tokens of narrower scope: `read` and `push`. */
  tokens?: ScopedTokens;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /** The Prometheus text of `/metrics`. */
  metrics(): Awaitable<string>;
  /** The JSON of `/healthz`. */
  health(): Awaitable<Record<string, unknown>>;
}

/** What a handler gets besides the request. */
export interface RouteRequest {
  /** The request's parsed URL. */
  url: URL;
  /** For a prefix route, the rest of the path after it, still percent-encoded. */
  rest: string;
  /** The body, refused with a 413 `HttpError` beyond the API's limit. */
  body(): Promise<Uint8Array<ArrayBuffer>>;
  /** The scope of the request's token or session (none on a public route without one). */
  scope?: Scope;
}

/** Answers one request of a route; throws an `HttpError` to refuse it. */
export type Handler = (
  req: Request,
  r: RouteRequest,
) => Response | Promise<Response>;

/** The HTTP methods a route can answer. */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * One path of the API and its handlers. `HEAD` is answered by the `GET`
 * handler (its body dropped); other methods get a 405 with `Allow`.
 */
export interface Route {
  /** The path, or a prefix ending in `/` that matches what is below it. */
  path: string;
  /** Whether `path` is a prefix. */
  prefix?: boolean;
  /** Whether the route is open without the bearer token. */
  public?: boolean;
  /** The handler of each method. */
  methods: Partial<Record<Method, Handler>>;
}

/** A JSON response (pretty-printed, newline-terminated). */
export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json");
  // Pretty, but a list of numbers (a group's 168 hourly counts) on one line.
  const text = JSON.stringify(body, null, 2).replace(
    /\[\n\s*(-?\d[\d.e+-]*(?:,\n\s*-?\d[\d.e+-]*)*)\n\s*\]/g,
    (_, list: string) => `[${list.replace(/,\n\s*/g, ", ")}]`,
  );
  return new Response(text + "\n", {
    ...init,
    headers,
  });
}
