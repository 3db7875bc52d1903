/**
 * The monitoring routes: `/healthz` (open, for liveness probes) and
 * `/metrics` (Prometheus text).
 *
 * @module
 */

import { json } from "../route.ts";
import type { ApiContext, Route } from "../route.ts";

/** `GET /healthz` and `GET /metrics`, served from `ctx`. */
export function healthRoutes(ctx: ApiContext): Route[] {
  return [
    {
      path: "/healthz",
      public: true,
      methods: { GET: async () => json(await ctx.health()) },
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
