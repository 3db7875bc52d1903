/**
 * Query parameters and JSON forms shared by the routes.
 *
 * @module
 */

import { isTraceId } from "../../lib/trace_context.ts";
import { HttpError } from "../http_error.ts";
import type { StoredIncident } from "../../store/sqlite/store.ts";

/** The JSON form of a stored incident (no local path). */
export function publicIncident(s: StoredIncident) {
  const { path: _path, ...rest } = s;
  return { ...rest, url: `/v1/incidents/${s.name}` };
}

export function intParam(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return undefined;
  if (!/^\d+$/.test(v)) {
    throw new HttpError(400, `${name} must be a whole number`);
  }
  return Number(v);
}

export function timeParam(url: URL, name: string): number | undefined {
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

/**
 * The trace id in `?trace=` (32 hex digits, not all zero), lowercased; a
 * bad one is a 400 naming the parameter.
 */
export function traceParam(url: URL): string | undefined {
  const v = url.searchParams.get("trace");
  if (v === null || v === "") return undefined;
  if (!isTraceId(v)) {
    throw new HttpError(
      400,
      `trace: not a trace id (32 hex digits): ${JSON.stringify(v)}`,
    );
  }
  return v.toLowerCase();
}

/** The `Last-Event-ID` header (or `?lastEventId=`), when a whole number. */
export function lastEventId(req: Request, url: URL): number | undefined {
  const last = req.headers.get("last-event-id") ??
    url.searchParams.get("lastEventId");
  return last !== null && /^\d+$/.test(last) ? Number(last) : undefined;
}
