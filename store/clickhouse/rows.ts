/**
 * An incident as ClickHouse rows: one `incidents` row (with its `.flog.gz`
 * body, base64) and one `events` row per event, with its rendered text and
 * its fields as JSON. `seq` is set when the rows are sent.
 *
 * @module
 */

import { EVENT_KEYS, type FlogEvent } from "../../lib/flog_event.ts";
import { renderMessage } from "../../lib/format.ts";
import { type Classifier, classifyIncident } from "../classify.ts";
import type { StoredIncident } from "../_store_rows.ts";

/** The rows of one incident, before `seq` is set. */
export interface IncidentRows {
  incident: Record<string, unknown>;
  events: Record<string, unknown>[];
}

/** Most characters of one event's text or fields kept in a row. */
const MAX_FIELD = 64 * 1024;

/** Bytes as base64. */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** Base64 as bytes. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The day of a time in ms, as ClickHouse's `Date` text. */
function day(ms: number): string {
  return new Date(Number.isFinite(ms) ? ms : 0).toISOString().slice(0, 10);
}

/**
 * Reads, classifies and converts the incident file at `path` (whose bytes
 * are `bytes`), from `source`.
 */
export async function incidentRows(
  path: string,
  bytes: Uint8Array,
  { source, classifier }: { source: string; classifier?: Classifier },
): Promise<IncidentRows> {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const events: Record<string, unknown>[] = [];
  const c = await classifyIncident(path, classifier, (e) => {
    events.push(eventRow(name, e));
  });
  const s = c.summary;
  const app = s.app ?? "";
  for (const e of events) e.app = app;
  return {
    incident: {
      name,
      source,
      app,
      host: s.host ?? "",
      version: s.version ?? "",
      pid: s.pid ?? 0,
      time: s.time,
      day: day(s.time),
      level: s.level ?? 0,
      facility: s.facility ?? "",
      summary: s.summary,
      trigger_id: s.triggerId ?? "",
      category: c.category,
      group_id: c.group,
      title: c.title,
      rule: c.rule ?? "",
      events: s.events,
      bytes: bytes.length,
      recovered: s.recovered ? 1 : 0,
      damage: s.damage ? JSON.stringify(s.damage) : "",
      body: toBase64(bytes),
    },
    events,
  };
}

function eventRow(incident: string, e: FlogEvent): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (!EVENT_KEYS.includes(k)) fields[k] = v;
  }
  let text: string;
  try {
    text = renderMessage(e);
  } catch {
    text = String(e.format ?? e.message ?? "");
  }
  const time = typeof e.time === "number" ? Math.round(e.time * 1000) : 0;
  return {
    incident,
    num: Number.isSafeInteger(e.num) ? e.num : 0,
    time,
    day: day(time),
    level: Number.isInteger(e.level) ? e.level : 0,
    facility: typeof e.facility === "string" ? e.facility : "",
    text: text.slice(0, MAX_FIELD),
    fields: JSON.stringify(fields).slice(0, MAX_FIELD),
  };
}

/** An `incidents` row (without `body`) as a {@linkcode StoredIncident}. */
export function incidentFromRow(r: Record<string, unknown>): StoredIncident {
  const text = (k: string) => r[k] === "" ? undefined : r[k] as string;
  const damage = text("damage");
  const out: StoredIncident = {
    name: r.name as string,
    path: `clickhouse:${r.name}`,
    time: r.time as number,
    triggerId: text("trigger_id"),
    level: r.level as number,
    facility: text("facility"),
    summary: r.summary as string,
    app: text("app"),
    pid: r.pid === 0 ? undefined : r.pid as number,
    host: text("host"),
    version: text("version"),
    bytes: r.bytes as number,
    events: r.events as number,
    complete: true,
    recovered: r.recovered === 1,
    ...(damage === undefined ? {} : { damage: JSON.parse(damage) }),
    id: r.seq as number,
    stored: Math.floor((r.seq as number) / 1000),
    origin: r.source === "local" ? "local" : "peer",
    source: r.source as string,
    group: r.group_id as string,
    category: r.category as string,
    rule: text("rule"),
  };
  for (const k of Object.keys(out) as (keyof StoredIncident)[]) {
    if (out[k] === undefined) delete out[k];
  }
  return out;
}
