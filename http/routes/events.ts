/**
 * The event routes: `/v1/events/stream` tails the recorder's events as
 * server-sent events, filtered by level and facility; `/v1/events` searches
 * the events of every stored incident of the fleet (a ClickHouse store).
 *
 * @module
 */

import { encodeJSON, jsonableEvent } from "../../lib/event.ts";
import { renderMessage } from "../../lib/format.ts";
import type { FlogEvent } from "../../lib/flog_event.ts";
import { matchFacility } from "../../lib/facility.ts";
import { parseLevel } from "../../lib/levels.ts";
import { HttpError } from "../http_error.ts";
import { type ApiContext, json, type Route } from "../route.ts";
import { intParam, timeParam, traceParam } from "./_params.ts";
import type { SseStreams } from "../sse.ts";

function levelOf(v: string | null): number | undefined {
  if (v === null || v === "") return undefined;
  try {
    return parseLevel(v);
  } catch (e) {
    throw new HttpError(400, (e as Error).message, { cause: e });
  }
}

/**
 * `GET /v1/events?q=&app=&facility=&trace=&level=&since=&until=&limit=` on
 * `ctx.store`, and `GET /v1/events/stream?level=&facility=` on
 * `ctx.recorder`.
 */
export function eventRoutes(ctx: ApiContext, streams: SseStreams): Route[] {
  return [{
    path: "/v1/events",
    methods: {
      GET: async (_req, { url }) => {
        const search = ctx.store.searchEvents?.bind(ctx.store);
        if (search === undefined) {
          throw new HttpError(
            501,
            "searching every incident's events needs a ClickHouse store (flightlog gather --clickhouse URL); here, use /v1/incidents?q=",
          );
        }
        const p = url.searchParams;
        const events = await search({
          q: p.get("q") || undefined,
          app: p.get("app") || undefined,
          facility: p.get("facility") || undefined,
          trace: traceParam(url),
          level: levelOf(p.get("level")),
          since: timeParam(url, "since"),
          until: timeParam(url, "until"),
          limit: Math.min(intParam(url, "limit") ?? 100, 1000),
        });
        return json({ events });
      },
    },
  }, {
    path: "/v1/events/stream",
    methods: {
      GET: (_req, { url }) => {
        const minLevel = levelOf(url.searchParams.get("level")) ?? -Infinity;
        const facility = url.searchParams.get("facility");
        const table = facility === null ? undefined : { [facility]: true };
        return streams.open((send) => {
          let dropped = 0;
          return ctx.recorder.onEvent((e: FlogEvent) => {
            if (e.level < minLevel) return;
            if (table !== undefined && !matchFacility(table, e.facility)) {
              return;
            }
            if (
              dropped > 0 &&
              send(`event: dropped\ndata: {"count":${dropped}}\n\n`)
            ) {
              dropped = 0;
            }
            const data = encodeJSON({
              ...jsonableEvent(e),
              text: renderMessage(e),
            });
            if (!send(`event: event\ndata: ${data}\n\n`)) dropped++;
          });
        });
      },
    },
  }];
}
