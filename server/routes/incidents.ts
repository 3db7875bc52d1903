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

/** Most incidents one list answer holds. */
const MAX_LIMIT = 1000;
/** Incidents a list answer holds when `limit` is not given. */
const DEFAULT_LIMIT = 100;

/** The JSON form of a stored incident (no local path). */
function publicIncident(s: StoredIncident) {
  const { path: _path, ...rest } = s;
  return { ...rest, url: `/v1/incidents/${s.name}` };
}

function intParam(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return undefined;
  if (!/^\d+$/.test(v)) {
    throw new HttpError(400, `${name} must be a whole number`);
  }
  return Number(v);
}

function timeParam(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(n)) {
    throw new HttpError(
      400,
      `${name} must be an ISO date or ms since the epoch`,
    );
  }
  return n;
}

/** The routes of `/v1/incidents`, on `ctx.store`. */
/** Pushes checked at the same time, at most; more get a 503 to retry. */
export const MAX_CONCURRENT_PUSHES = 4;

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
          const incidents = store.list({
            since,
            after,
            limit: Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT),
            app: url.searchParams.get("app") ?? undefined,
          }).map(publicIncident);
          return json({ incidents, total: store.size.count });
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
          const last = req.headers.get("last-event-id") ??
            url.searchParams.get("lastEventId");
          const lastId = last !== null && /^\d+$/.test(last)
            ? Number(last)
            : undefined;
          return streams.open((send) => {
            let sent = lastId ?? store.lastId;
            const emit = (s: StoredIncident) => {
              if (s.id <= sent) return;
              sent = s.id;
              send(
                `id: ${s.id}\nevent: incident\ndata: ${
                  JSON.stringify(publicIncident(s))
                }\n\n`,
              );
            };
            const off = store.subscribe(emit);
            if (lastId !== undefined) {
              for (const s of store.after(lastId)) emit(s);
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
