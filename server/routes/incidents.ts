/**
 * The incident routes: list (`GET /v1/incidents`), push (`POST`), fetch one
 * (`GET /v1/incidents/{name}`), and subscribe (`/v1/incidents/stream`).
 *
 * @module
 */

import { readFlog } from "../../lib/flogfile.ts";
import { renderMessage } from "../../lib/format.ts";
import { HttpError } from "../http_error.ts";
import { type ApiContext, json, type Route } from "../route.ts";
import type { SseStreams } from "../sse.ts";
import { STORED_NAME, type StoredIncident } from "../store.ts";
import { intParam, lastEventId, publicIncident, timeParam } from "./_params.ts";

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
        GET: (_req, { url }) => {
          const since = timeParam(url, "since");
          const limit = intParam(url, "limit");
          const after = intParam(url, "after");
          const text = (name: string) =>
            url.searchParams.get(name) || undefined;
          const q = text("q");
          const incidents = store.list({
            since,
            after,
            limit: Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT),
            app: text("app"),
            group: text("group"),
            category: text("category"),
            q,
          }).map(publicIncident);
          return json({
            incidents,
            total: store.size.count,
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
        GET: (req, { url }) => {
          const lastId = lastEventId(req, url);
          return streams.open((send, close) => {
            let sent = lastId ?? store.lastId;
            let behind = false;
            const emit = (s: StoredIncident) => {
              if (s.id <= sent || behind) return;
              const ok = send(
                `id: ${s.id}\nevent: incident\ndata: ${
                  JSON.stringify(publicIncident(s))
                }\n\n`,
              );
              // A client too slow to take it misses it: end the stream, so
              // that it comes back with Last-Event-ID and loses nothing.
              if (ok) {
                sent = s.id;
              } else {
                behind = true;
                close();
              }
            };
            const off = store.subscribe(emit);
            if (lastId !== undefined) {
              for (
                let page = store.after(lastId);
                page.length > 0 && !behind;
              ) {
                for (const s of page) emit(s);
                page = store.after(sent);
              }
            }
            return off;
          });
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
          const s = store.get(name);
          if (s === undefined) throw new HttpError(404, `no incident ${name}`);
          if (url.searchParams.get("format") === "json") {
            const records = await Array.fromAsync(readFlog(s.path));
            // The viewer asks for the text rendered here, as `dump` does.
            if (url.searchParams.get("text") === "1") {
              for (const r of records) {
                if ("d" in r) Object.assign(r, { text: renderMessage(r.d) });
              }
            }
            return json({ name, records });
          }
          const headers = {
            "content-type": "application/gzip",
            "content-disposition": `attachment; filename="${name}"`,
            "content-length": String(s.bytes),
          };
          if (req.method === "HEAD") return new Response(null, { headers });
          const file = await Deno.open(s.path);
          return new Response(file.readable, { headers });
        },
      },
    },
  ];
}
