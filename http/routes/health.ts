/**
 * The monitoring routes: `/healthz` (open, for liveness probes: `{"ok":
 * true}`; its detail with a `read` token) and `/metrics` (Prometheus text).
 *
 * @module
 */

import { json } from "../route.ts";
import { grants } from "../scopes.ts";
import type { ApiContext, Route } from "../route.ts";

/** `GET /healthz` and `GET /metrics`, served from `ctx`. */
export function healthRoutes(ctx: ApiContext): Route[] {
  return [
    {
      path: "/healthz",
      public: true,
      // Open: liveness only. The detail (sources, counts) needs `read`.
      methods: {
        GET: async (_req, { scope }) =>
          json(
            grants(scope, "read") ? await ctx.health() : { ok: true },
          ),
      },
    },
    {
      path: "/metrics",
      methods: {
        GET: async () =>
          new Response(await ctx.metrics(), {
            headers: { "content-type": "text/plain; version=0.0.4" },
          }),
      },
    },
  ];
}
