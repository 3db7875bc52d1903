/**
 * The live events route: `/v1/events/stream` tails the recorder's events as
 * server-sent events, filtered by level and facility.
 *
 * @module
 */

import { encodeJSON, jsonableEvent } from "../../lib/event.ts";
import { renderMessage } from "../../lib/format.ts";
import type { FlogEvent } from "../../lib/flog_event.ts";
import { matchFacility } from "../../lib/facility.ts";
import { parseLevel } from "../../lib/levels.ts";
import { HttpError } from "../http_error.ts";
import type { ApiContext, Route } from "../route.ts";
import type { SseStreams } from "../sse.ts";

/** `GET /v1/events/stream?level=&facility=`, on `ctx.recorder`. */
export function eventRoutes(ctx: ApiContext, streams: SseStreams): Route[] {
  return [{
    path: "/v1/events/stream",
    methods: {
      GET: (_req, { url }) => {
        let minLevel = -Infinity;
        const levelParam = url.searchParams.get("level");
        if (levelParam !== null) {
          try {
            minLevel = parseLevel(levelParam);
          } catch (e) {
            throw new HttpError(400, (e as Error).message, { cause: e });
          }
        }
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
