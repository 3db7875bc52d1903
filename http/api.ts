/**
 * The HTTP API's dispatch core: a route table, the auth check (bearer token
 * or viewer session), HEAD, 405 with `Allow`, the body limit, and the one
 * place where errors become responses (an `HttpError` its status, anything
 * else a logged 500).
 *
 * @module
 */

import { HttpError } from "./http_error.ts";
import { StoreBusyError, StoreInputError } from "../store/errors.ts";
import { IncidentConflictError } from "../store/incident_identity.ts";
import {
  type ApiContext,
  type Handler,
  json,
  type Method,
  type Route,
} from "./route.ts";
import { eventRoutes } from "./routes/events.ts";
import { groupRoutes } from "./routes/groups.ts";
import { healthRoutes } from "./routes/health.ts";
import { incidentRoutes } from "./routes/incidents.ts";
import { SseStreams } from "./sse.ts";
import { uiRoutes } from "./routes/ui.ts";
import { authorize, Sessions } from "./session.ts";
import { grants, neededScope, type Scope } from "./scopes.ts";
import { readLimited } from "./_read_limited.ts";
import { isDiskFull } from "../lib/_io.ts";

/** The JSON answer of an error: `{"error": message, "status": status}`. */
function errorResponse(e: HttpError): Response {
  return json({ error: e.message, status: e.status }, {
    status: e.status,
    headers: e.headers,
  });
}

/**
 * The API as a `Deno.serve` handler, with the live streams it has open
 * (closed by `closeStreams()` before the server shuts down).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { FlightRecorder } from "@flightlog/flightlog";
 * import { IncidentStore } from "@flightlog/flightlog/store";
 * import { Api } from "./api.ts";
 * const dir = await Deno.makeTempDir();
 * const recorder = new FlightRecorder();
 * const api = new Api({
 *   store: await IncidentStore.open(dir), recorder, token: "t", maxBodyBytes: 1 << 20,
 *   metrics: () => "", health: () => ({ ok: true }),
 * });
 * const res = await api.handle(new Request("http://x/v1/incidents"));
 * assert.equal(res.status, 401);
 * await res.body?.cancel();
 * await Deno.remove(dir, { recursive: true });
 * await recorder.close();
 * ```
 */
export class Api {
  readonly #ctx: ApiContext;
  readonly #streams = new SseStreams();
  readonly #sessions: Sessions;
  readonly #routes: Route[];

  /** Serves from `ctx`. */
  constructor(ctx: ApiContext) {
    this.#ctx = ctx;
    this.#sessions = new Sessions({ keep: ctx.store.sessions });
    this.#routes = [
      ...healthRoutes(ctx),
      ...incidentRoutes(ctx, this.#streams),
      ...groupRoutes(ctx, this.#streams),
      ...eventRoutes(ctx, this.#streams),
      ...uiRoutes(ctx, this.#sessions),
    ];
  }

  /** Closes every open event stream. */
  closeStreams(): void {
    this.#streams.closeAll();
  }

  #diskFullSaid = -Infinity;

  /** Answers one request. */
  handle = async (req: Request): Promise<Response> => {
    try {
      return await this.#dispatch(req);
    } catch (e) {
      await req.body?.cancel().catch(() => {});
      if (e instanceof HttpError) return errorResponse(e);
      if (e instanceof StoreInputError) {
        return errorResponse(new HttpError(400, e.message));
      }
      if (e instanceof IncidentConflictError) {
        console.error(`flightlog api: ${req.method} ${req.url}: ${e.message}`);
        return errorResponse(new HttpError(409, e.message));
      }
      if (e instanceof StoreBusyError) {
        return errorResponse(
          new HttpError(503, e.message, {
            headers: { "retry-after": String(e.retryAfterS) },
          }),
        );
      }
      // Not a bug: the sender keeps what it sent, and retries.
      if (isDiskFull(e)) {
        if (Date.now() - this.#diskFullSaid > 60_000) {
          this.#diskFullSaid = Date.now();
          console.error(`flightlog api: the disk is full (${e})`);
        }
        return errorResponse(
          new HttpError(507, "the server's disk is full: retry later", {
            headers: { "retry-after": "60" },
          }),
        );
      }
      // Anything else is a bug here, not the client's fault: log it, and
      // keep its message (internal paths, names) out of the response.
      console.error(`flightlog api: ${req.method} ${req.url} failed:`, e);
      return errorResponse(new HttpError(500, "internal error"));
    }
  };

  /** The route of `path`: an exact path first, else the longest prefix. */
  #match(path: string): { route: Route; rest: string } | undefined {
    let best: Route | undefined;
    for (const route of this.#routes) {
      if (route.path === path && !route.prefix) return { route, rest: "" };
      if (
        route.prefix && path.startsWith(route.path) &&
        (best === undefined || route.path.length > best.path.length)
      ) best = route;
    }
    return best && { route: best, rest: path.slice(best.path.length) };
  }

  /**
   * The scope of `req`'s token or session; throws a 401 or 403 when it
   * `must` have one and has not, else gives undefined.
   */
  #scope(req: Request, must: boolean): Scope | undefined {
    try {
      return authorize(req, this.#ctx.token, this.#sessions, this.#ctx.tokens);
    } catch (e) {
      if (must) throw e;
      return undefined;
    }
  }

  async #dispatch(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const found = this.#match(url.pathname);
    const scope = this.#scope(req, !found?.route.public);
    if (!found?.route.public) {
      const need = neededScope(req.method, url.pathname);
      if (!grants(scope, need)) {
        throw new HttpError(403, `this needs a token of scope ${need}`);
      }
    }
    if (found === undefined) {
      throw new HttpError(
        404,
        `no such endpoint: ${req.method} ${url.pathname}`,
      );
    }
    const { route, rest } = found;
    const head = req.method === "HEAD";
    const handler: Handler | undefined = head
      ? route.methods.GET
      : route.methods[req.method as Method];
    if (handler === undefined) {
      const methods = Object.keys(route.methods);
      if (route.methods.GET) methods.push("HEAD");
      throw new HttpError(405, `use ${methods.join(" or ")}`, {
        headers: { allow: methods.join(", ") },
      });
    }
    const res = await handler(req, {
      url,
      rest,
      scope,
      body: () =>
        readLimited(
          req,
          this.#ctx.maxBodyBytes,
          () =>
            new HttpError(
              413,
              `body larger than ${this.#ctx.maxBodyBytes} bytes`,
            ),
        ),
    });
    if (!head) return res;
    await res.body?.cancel();
    return new Response(null, { status: res.status, headers: res.headers });
  }
}
