/**
 * The incident routes: list (`GET /v1/incidents`), push (`POST`), fetch one
 * (`GET /v1/incidents/{name}`), and subscribe (`/v1/incidents/stream`).
 *
 * @module
 */

import { SHA256_HEADER, streamSha256 } from "../../store/incident_identity.ts";
import { readFlog } from "../../lib/flogfile.ts";
import { renderMessage } from "../../lib/format.ts";
import { HttpError, noIncident } from "../http_error.ts";
import { type ApiContext, json, type Route } from "../route.ts";
import type { SseStreams } from "../sse.ts";
import { STORED_NAME } from "../../store/store.ts";
import type { StoredIncident } from "../../store/_store_rows.ts";
import { resume } from "../_resumable.ts";
import {
  intParam,
  lastEventId,
  publicIncident,
  timeParam,
  traceParam,
} from "./_params.ts";

/** Most incidents one list answer holds. */
const MAX_LIMIT = 1000;
/** Incidents a list answer holds when `limit` is not given. */
const DEFAULT_LIMIT = 100;

/** Pushes checked at the same time, at most; more get a 503 to retry. */
export const MAX_CONCURRENT_PUSHES = 4;

/** The routes of `/v1/incidents`, on `ctx.store`. */
export function incidentRoutes(ctx: ApiContext, streams: SseStreams): Route[] {
  let pushing = 0;
  const { store } = ctx;
  return [
    {
      path: "/v1/incidents",
      methods: {
        GET: async (_req, { url }) => {
          const since = timeParam(url, "since");
          const limit = intParam(url, "limit");
          const after = intParam(url, "after");
          const text = (name: string) =>
            url.searchParams.get(name) || undefined;
          const trace = traceParam(url);
          // A trace id is a word of the event text the index holds.
          const q = [text("q"), trace].filter((w) => w)
            .join(" ") || undefined;
          const incidents = (await store.list({
            since,
            after,
            limit: Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT),
            app: text("app"),
            group: text("group"),
            category: text("category"),
            q,
          })).map(publicIncident);
          return json({
            incidents,
            total: (await store.totals()).count,
            ...(q === undefined ? {} : { q }),
          });
        },
        POST: async (_req, { url, body }) => {
          const name = url.searchParams.get("name") ?? "";
          if (!STORED_NAME.test(name)) {
            throw new HttpError(
              400,
              `bad or missing ?name=: ${JSON.stringify(name)}`,
            );
          }
          // Bounded: each push holds its body and one inflating stream.
          if (pushing >= MAX_CONCURRENT_PUSHES) {
            throw new HttpError(503, "too many pushes at once: retry soon", {
              headers: { "retry-after": "1" },
            });
          }
          pushing++;
          let result;
          try {
            result = await store.import(name, await body());
          } finally {
            pushing--;
          }
          const { incident, created } = result;
          return json({
            status: created ? "created" : "exists",
            incident: publicIncident(incident),
          }, { status: created ? 201 : 200 });
        },
      },
    },
    {
      path: "/v1/incidents/stream",
      methods: {
        GET: async (req, { url }) => {
          const last = lastEventId(req, url);
          // A puller whose cursor is past this (a store started afresh)
          // learns it here, and starts over.
          const latest = await store.latestId();
          const res = streams.open((send, close) =>
            resume<StoredIncident>(
              {
                last,
                latest: () => store.latestId(),
                after: (id) => store.after(id),
                subscribe: (fn) => store.subscribe(fn),
                id: (s) => s.id,
                key: (s) => s.name,
                lookback: store.lookback,
                format: (s) =>
                  `id: ${s.id}\nevent: incident\ndata: ${
                    JSON.stringify(publicIncident(s))
                  }\n\n`,
              },
              send,
              close,
            )
          );
          res.headers.set("x-flightlog-latest-id", String(latest));
          return res;
        },
      },
    },
    {
      path: "/v1/incidents/",
      prefix: true,
      methods: {
        GET: async (req, { url, rest }) => {
          let name: string;
          try {
            name = decodeURIComponent(rest);
          } catch {
            throw new HttpError(
              400,
              "bad incident name (not valid percent-encoding)",
            );
          }
          if (!STORED_NAME.test(name)) {
            throw new HttpError(
              400,
              `bad incident name ${
                JSON.stringify(name)
              }: expected incident-YYYY-MM-DD--HH-MM-SSZ-<id>.flog.gz`,
            );
          }
          const s = await store.get(name);
          const bytes = s && await store.read(name);
          if (s === undefined || bytes === undefined) {
            throw new HttpError(404, noIncident(name));
          }
          if (req.method === "HEAD") {
            // What a pusher compares its own copy with (a name is tied to
            // its content): the SHA-256 of the stored bytes.
            return new Response(null, {
              headers: {
                "content-type": "application/gzip",
                "content-disposition": `attachment; filename="${name}"`,
                "content-length": String(s.bytes),
                [SHA256_HEADER]: await streamSha256(bytes),
              },
            });
          }
          if (url.searchParams.get("format") === "json") {
            const records = await Array.fromAsync(readFlog(bytes, { name }));
            // The viewer asks for the text rendered here, as `dump` does.
            if (url.searchParams.get("text") === "1") {
              for (const r of records) {
                if ("d" in r) Object.assign(r, { text: renderMessage(r.d) });
              }
            }
            return json({ name, group: s.group, records });
          }
          const headers = {
            "content-type": "application/gzip",
            "content-disposition": `attachment; filename="${name}"`,
            "content-length": String(s.bytes),
          };
          return new Response(bytes, { headers });
        },
      },
    },
  ];
}
