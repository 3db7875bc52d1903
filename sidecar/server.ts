/**
 * The sidecar's HTTP API, versioned under `/v1`: list, fetch, push and
 * subscribe to incidents, tail live events, plus `/healthz` and `/metrics`.
 * Every endpoint but `/healthz` needs `Authorization: Bearer <token>`.
 *
 * @module
 */

import { timingSafeEqual } from "node:crypto";
import { encodeJSON, type FlogEvent, jsonableEvent } from "../lib/event.ts";
import { matchFacility } from "../lib/facility.ts";
import { readFlog } from "../lib/flogfile.ts";
import { parseLevel } from "../lib/levels.ts";
import type { FlightRecorder } from "../lib/recorder.ts";
import {
  type IncidentStore,
  STORED_NAME,
  type StoredIncident,
} from "./store.ts";

/**
 * What the API serves from.
 *
 * @example
 * ```ts
 * import type { ApiContext } from "@flightlog/flightlog/sidecar";
 * function describe(ctx: ApiContext) { return `${ctx.store.size.count} incidents`; }
 * ```
 */
export interface ApiContext {
  /** The incidents served. */
  store: IncidentStore;
  /** The recorder whose events `/v1/events/stream` tails. */
  recorder: FlightRecorder;
  /** The bearer token every endpoint but `/healthz` requires. */
  token: string;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
  /** The Prometheus text of `/metrics`. */
  metrics(): string;
  /** The JSON of `/healthz`. */
  health(): Record<string, unknown>;
}

const enc = new TextEncoder();

function json(status: number, body: unknown, headers: HeadersInit = {}) {
  return new Response(JSON.stringify(body, null, 2) + "\n", {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function error(status: number, message: string, headers: HeadersInit = {}) {
  return json(status, { error: message, status }, headers);
}

/** The JSON form of a stored incident (no local path). */
function publicIncident(s: StoredIncident) {
  const { path: _path, ...rest } = s;
  return { ...rest, url: `/v1/incidents/${s.name}` };
}

function authorized(req: Request, token: string): boolean {
  const header = req.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(.+)$/i.exec(header);
  if (m === null) return false;
  const given = enc.encode(m[1].trim());
  const expected = enc.encode(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function intParam(url: URL, name: string): number | undefined | Error {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return undefined;
  if (!/^\d+$/.test(v)) return new Error(`${name} must be a whole number`);
  return Number(v);
}

function timeParam(url: URL, name: string): number | undefined | Error {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  return Number.isNaN(n)
    ? new Error(`${name} must be an ISO date or ms since the epoch`)
    : n;
}

/** Reads a request body up to `limit` bytes; undefined when over it. */
async function readBody(
  req: Request,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await req.body?.cancel();
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body !== null) {
    for await (const chunk of req.body) {
      size += chunk.length;
      if (size > limit) return undefined;
      chunks.push(chunk);
    }
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/**
 * A server-sent events response. `start` gets a `send(text)` that returns
 * false once the client is too slow (its queue is full), and returns the
 * clean-up to run when the stream ends.
 */
function sse(
  start: (send: (text: string) => boolean) => () => void,
  streams: Set<() => void>,
): Response {
  let closeStream = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      const send = (text: string) => {
        if (!open || (controller.desiredSize ?? 0) <= 0) return false;
        controller.enqueue(enc.encode(text));
        return true;
      };
      send("retry: 1000\n: connected\n\n");
      const cleanup = start(send);
      const keepalive = setInterval(() => send(": keepalive\n\n"), 15_000);
      closeStream = () => {
        if (!open) return;
        open = false;
        clearInterval(keepalive);
        streams.delete(closeStream);
        cleanup();
        try {
          controller.close();
        } catch { /* already closed */ }
      };
      streams.add(closeStream);
    },
    cancel() {
      closeStream();
    },
  }, new CountQueuingStrategy({ highWaterMark: 1000 }));
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
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
 * import { Api, IncidentStore } from "@flightlog/flightlog/sidecar";
 * const dir = await Deno.makeTempDir();
 * await using recorder = new FlightRecorder();
 * const api = new Api({
 *   store: await IncidentStore.open(dir), recorder, token: "t", maxBodyBytes: 1 << 20,
 *   metrics: () => "", health: () => ({ ok: true }),
 * });
 * const res = await api.handle(new Request("http://x/v1/incidents"));
 * assert.equal(res.status, 401);
 * await res.body?.cancel();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Api {
  readonly #ctx: ApiContext;
  readonly #streams = new Set<() => void>();

  /** Serves from `ctx`. */
  constructor(ctx: ApiContext) {
    this.#ctx = ctx;
  }

  /** Closes every open event stream. */
  closeStreams(): void {
    for (const close of [...this.#streams]) close();
  }

  /** Answers one request. */
  handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname;
    if (path === "/healthz") {
      return req.method === "GET" || req.method === "HEAD"
        ? json(200, this.#ctx.health())
        : error(405, "use GET", { allow: "GET" });
    }
    if (!authorized(req, this.#ctx.token)) {
      await req.body?.cancel();
      return error(401, "missing or wrong bearer token", {
        "www-authenticate": 'Bearer realm="flightlog"',
      });
    }
    try {
      return await this.#route(req, url, path);
    } catch (e) {
      return error(500, `internal error: ${(e as Error).message}`);
    }
  };

  #route(req: Request, url: URL, path: string): Promise<Response> | Response {
    const method = req.method;
    if (path === "/metrics") {
      if (method !== "GET") return error(405, "use GET", { allow: "GET" });
      return new Response(this.#ctx.metrics(), {
        headers: { "content-type": "text/plain; version=0.0.4" },
      });
    }
    if (path === "/v1/incidents") {
      if (method === "GET") return this.#list(url);
      if (method === "POST") return this.#push(req, url);
      return error(405, "use GET or POST", { allow: "GET, POST" });
    }
    if (path === "/v1/incidents/stream") {
      if (method !== "GET") return error(405, "use GET", { allow: "GET" });
      return this.#incidentStream(req, url);
    }
    if (path === "/v1/events/stream") {
      if (method !== "GET") return error(405, "use GET", { allow: "GET" });
      return this.#eventStream(url);
    }
    if (path.startsWith("/v1/incidents/")) {
      if (method !== "GET" && method !== "HEAD") {
        return error(405, "use GET or HEAD", { allow: "GET, HEAD" });
      }
      let name: string;
      try {
        name = decodeURIComponent(path.slice("/v1/incidents/".length));
      } catch {
        return error(400, "bad incident name (not valid percent-encoding)");
      }
      return this.#fetch(req, url, name);
    }
    return error(404, `no such endpoint: ${method} ${path}`);
  }

  #list(url: URL): Response {
    const since = timeParam(url, "since");
    const limit = intParam(url, "limit");
    const after = intParam(url, "after");
    for (const p of [since, limit, after]) {
      if (p instanceof Error) return error(400, p.message);
    }
    const incidents = this.#ctx.store.list({
      since: since as number | undefined,
      after: after as number | undefined,
      limit: Math.min((limit as number | undefined) ?? 100, 1000),
      app: url.searchParams.get("app") ?? undefined,
    }).map(publicIncident);
    return json(200, { incidents, total: this.#ctx.store.size.count });
  }

  async #fetch(req: Request, url: URL, name: string): Promise<Response> {
    if (!STORED_NAME.test(name)) {
      return error(
        400,
        `bad incident name ${
          JSON.stringify(name)
        }: expected incident-YYYY-MM-DD--HH-MM-SSZ-<id>.flog.gz`,
      );
    }
    const s = this.#ctx.store.get(name);
    if (s === undefined) return error(404, `no incident ${name}`);
    if (url.searchParams.get("format") === "json") {
      const records = await Array.fromAsync(readFlog(s.path));
      return json(200, { name, records });
    }
    const headers = {
      "content-type": "application/gzip",
      "content-disposition": `attachment; filename="${name}"`,
      "content-length": String(s.bytes),
    };
    if (req.method === "HEAD") return new Response(null, { headers });
    const file = await Deno.open(s.path);
    return new Response(file.readable, { headers });
  }

  async #push(req: Request, url: URL): Promise<Response> {
    const name = url.searchParams.get("name") ?? "";
    if (!STORED_NAME.test(name)) {
      await req.body?.cancel();
      return error(400, `bad or missing ?name=: ${JSON.stringify(name)}`);
    }
    const body = await readBody(req, this.#ctx.maxBodyBytes);
    if (body === undefined) {
      return error(
        413,
        `body larger than ${this.#ctx.maxBodyBytes} bytes`,
      );
    }
    try {
      const { incident, created } = await this.#ctx.store.import(name, body);
      return json(created ? 201 : 200, {
        status: created ? "created" : "exists",
        incident: publicIncident(incident),
      });
    } catch (e) {
      if (e instanceof TypeError) return error(400, e.message);
      throw e;
    }
  }

  #incidentStream(req: Request, url: URL): Response {
    const last = req.headers.get("last-event-id") ??
      url.searchParams.get("lastEventId");
    const lastId = last !== null && /^\d+$/.test(last)
      ? Number(last)
      : undefined;
    const store = this.#ctx.store;
    return sse((send) => {
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
    }, this.#streams);
  }

  #eventStream(url: URL): Response {
    let minLevel = -Infinity;
    const levelParam = url.searchParams.get("level");
    if (levelParam !== null) {
      try {
        minLevel = parseLevel(levelParam);
      } catch (e) {
        return error(400, (e as Error).message);
      }
    }
    const facility = url.searchParams.get("facility");
    const table = facility === null ? undefined : { [facility]: true };
    return sse((send) => {
      let dropped = 0;
      return this.#ctx.recorder.onEvent((e: FlogEvent) => {
        if (e.level < minLevel) return;
        if (table !== undefined && !matchFacility(table, e.facility)) return;
        if (
          dropped > 0 && send(`event: dropped\ndata: {"count":${dropped}}\n\n`)
        ) {
          dropped = 0;
        }
        const data = encodeJSON(jsonableEvent(e));
        if (!send(`event: event\ndata: ${data}\n\n`)) dropped++;
      });
    }, this.#streams);
  }
}
