/**
 * An incident as an OTLP/HTTP logs request in the JSON encoding
 * (`resourceLogs` / `scopeLogs` / `logRecords`), as the OpenTelemetry
 * specification defines it: one log record per event, in requests of
 * bounded size.
 *
 * @module
 */

import type { FlogEvent } from "../lib/flog_event.ts";
import type {
  FlogEventRecord,
  FlogHeader,
  FlogRecord,
} from "../lib/flogfile.ts";
import { renderMessage } from "../lib/format.ts";
import { levelName } from "../lib/levels.ts";
import { VERSION } from "../lib/version.ts";

/** An OTLP `AnyValue` in the JSON encoding (64-bit integers as strings). */
export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } };

/** An OTLP attribute. */
export interface KeyValue {
  /** Its name. */
  key: string;
  /** Its value. */
  value: AnyValue;
}

/** One OTLP log record (JSON encoding). */
export interface OtlpLogRecord {
  /** Nanoseconds since the epoch, as a decimal string. */
  timeUnixNano: string;
  /** When it was received (the record's `rx_time`), likewise. */
  observedTimeUnixNano: string;
  /** 1–24, mapped from the foolscap level by {@linkcode severityNumber}. */
  severityNumber: number;
  /** The foolscap level's name (`WEIRD`, `LEVEL31`...). */
  severityText: string;
  /** The rendered text. */
  body: { stringValue: string };
  /** The event's fields, and the incident's name, group and category. */
  attributes: KeyValue[];
  /** 32 hex digits, when the event carries a `trace_id`. */
  traceId?: string;
  /** 16 hex digits, when the event carries a `span_id`. */
  spanId?: string;
}

/** The body of a `POST /v1/logs` (JSON encoding). */
export interface OtlpLogsRequest {
  /** One entry: the incident's app. */
  resourceLogs: {
    resource: { attributes: KeyValue[] };
    scopeLogs: {
      scope: { name: string; version: string };
      logRecords: OtlpLogRecord[];
    }[];
  }[];
}

/** What is known of the incident besides its records. */
export interface IncidentLabels {
  /** The file name. */
  name: string;
  /** Its group (fingerprint), when classified. */
  group?: string;
  /** Its category, when classified. */
  category?: string;
  /** The app's version, when known (`service.version`). */
  version?: string;
}

/**
 * OTLP's severity number for a foolscap level. Levels between the named
 * ones take the band below them.
 *
 * | foolscap | OTLP |
 * | --- | --- |
 * | below NOISY (10) | TRACE 1 |
 * | NOISY 10 | DEBUG 5 |
 * | OPERATIONAL 20 | INFO 9 |
 * | UNUSUAL 23 | WARN 13 |
 * | INFREQUENT 25 | WARN2 14 |
 * | CURIOUS 28 | WARN3 15 |
 * | WEIRD 30 | ERROR 17 |
 * | SCARY 35 | ERROR2 18 |
 * | BAD 40 and above | FATAL 21 |
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { severityNumber } from "./logs.ts";
 * assert.equal(severityNumber(30), 17);
 * ```
 */
export function severityNumber(level: number): number {
  if (!(level >= 10)) return 1;
  if (level < 20) return 5;
  if (level < 23) return 9;
  if (level < 25) return 13;
  if (level < 28) return 14;
  if (level < 30) return 15;
  if (level < 35) return 17;
  if (level < 40) return 18;
  return 21;
}

/** Seconds (a float) as OTLP's nanoseconds string, to the microsecond. */
export function unixNano(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "0";
  return (BigInt(Math.round(seconds * 1e6)) * 1000n).toString();
}

/** A JSON value as an OTLP `AnyValue`. */
export function anyValue(v: unknown, depth = 0): AnyValue {
  switch (typeof v) {
    case "string":
      return { stringValue: v };
    case "boolean":
      return { boolValue: v };
    case "number":
      return Number.isSafeInteger(v)
        ? { intValue: String(v) }
        : { doubleValue: v };
  }
  if (v === null || v === undefined || typeof v !== "object" || depth > 8) {
    return { stringValue: v === null ? "null" : JSON.stringify(v) ?? "" };
  }
  if (Array.isArray(v)) {
    return { arrayValue: { values: v.map((x) => anyValue(x, depth + 1)) } };
  }
  return {
    kvlistValue: {
      values: Object.entries(v).map(([key, x]) => ({
        key,
        value: anyValue(x, depth + 1),
      })),
    },
  };
}

const str = (key: string, v: unknown): KeyValue[] =>
  typeof v === "string" && v !== "" ? [{ key, value: { stringValue: v } }] : [];

// The event's own keys, rendered into the body or the record's fields.
const OWN = new Set([
  "num",
  "time",
  "incarnation",
  "level",
  "format",
  "message",
  "args",
  "trace_id",
  "span_id",
  "failure",
  "isError",
]);
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

function isTrigger(d: FlogEvent, trigger: FlogEvent | undefined): boolean {
  return trigger !== undefined && d.num === trigger.num &&
    JSON.stringify(d.incarnation) === JSON.stringify(trigger.incarnation);
}

/** One event as a log record. */
export function logRecord(
  r: FlogEventRecord,
  incident: KeyValue[],
  trigger: boolean,
): OtlpLogRecord {
  const d = r.d;
  const level = typeof d.level === "number" ? d.level : 20;
  let body: string;
  try {
    body = renderMessage(d);
  } catch (e) {
    body = `[cannot render: ${e instanceof Error ? e.message : e}]`;
  }
  const attributes: KeyValue[] = [...incident];
  if (trigger) {
    attributes.push({
      key: "flightlog.incident.trigger",
      value: { boolValue: true },
    });
  }
  attributes.push({ key: "flightlog.num", value: anyValue(d.num) });
  const f = d.failure as Record<string, unknown> | undefined;
  if (typeof f === "object" && f !== null) {
    attributes.push(
      ...str("exception.type", f.name),
      ...str("exception.message", f.message),
      ...str("exception.stacktrace", f.str),
    );
  }
  for (const [key, v] of Object.entries(d)) {
    if (OWN.has(key) || v === undefined) continue;
    attributes.push({
      key: key === "facility" ? "flightlog.facility" : key,
      value: anyValue(v),
    });
  }
  const out: OtlpLogRecord = {
    timeUnixNano: unixNano(d.time),
    observedTimeUnixNano: unixNano(
      typeof r.rx_time === "number" ? r.rx_time : d.time,
    ),
    severityNumber: severityNumber(level),
    severityText: levelName(level),
    body: { stringValue: body },
    attributes,
  };
  if (typeof d.trace_id === "string" && HEX32.test(d.trace_id)) {
    out.traceId = d.trace_id;
    if (typeof d.span_id === "string" && HEX16.test(d.span_id)) {
      out.spanId = d.span_id;
    }
  }
  return out;
}

/**
 * The events to export, as they are read: all of them, or (with `around`)
 * the trigger and up to `around` events each side of it (without a trigger,
 * the last `around + 1`). `trigger()` is asked once events come, after the
 * header.
 */
async function* selectAround(
  events: AsyncIterable<FlogEventRecord>,
  trigger: () => FlogEvent | undefined,
  around: number | undefined,
): AsyncGenerator<FlogEventRecord> {
  if (around === undefined) return yield* events;
  const before: FlogEventRecord[] = [];
  let after = -1; // events still to send after the trigger, once seen
  for await (const r of events) {
    if (after >= 0) {
      if (after === 0) return;
      after--;
      yield r;
    } else if (isTrigger(r.d, trigger())) {
      yield* before.slice(before.length - around);
      yield r;
      after = around;
    } else {
      before.push(r);
      if (before.length > around + 1) before.shift();
    }
  }
  if (after < 0) yield* before;
}

/** Bounds of one request of {@linkcode incidentRequests}. */
export interface RequestBounds {
  /** Send only the trigger and this many events each side of it. */
  around?: number;
  /**
   * Most JSON characters of log records in one request; an incident above
   * it goes in several requests.
   * @default {4 MiB}
   */
  maxRequestBytes?: number;
  /**
   * Most log records in one request.
   * @default {10000}
   */
  maxRequestRecords?: number;
}

/** The defaults of {@linkcode RequestBounds}. */
export const REQUEST_BOUNDS = {
  maxRequestBytes: 4 * 1024 * 1024,
  maxRequestRecords: 10_000,
};

/**
 * The OTLP logs requests for one incident's records (its header first), as
 * they are read: one, or several when its records exceed the bounds. The
 * resource names the app (`service.name`), its release (`service.version`)
 * and `host.name`; each record carries `flightlog.incident.name`, `.group`
 * and `.category`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { incidentRequests } from "./logs.ts";
 * const d = { num: 0, time: 1795555320.5, incarnation: ["x", null] as [string, null], level: 30, format: "boom" };
 * const [body] = await Array.fromAsync(incidentRequests([
 *   { header: { type: "incident", app: "shop", trigger: d } },
 *   { from: "local", rx_time: 1795555320.5, d },
 * ], { name: "incident-x.flog.gz" }));
 * const rec = body.resourceLogs[0].scopeLogs[0].logRecords[0];
 * assert.equal(rec.timeUnixNano, "1795555320500000000");
 * assert.equal(rec.severityNumber, 17);
 * ```
 */
export async function* incidentRequests(
  records: AsyncIterable<FlogRecord> | Iterable<FlogRecord>,
  labels: IncidentLabels,
  bounds: RequestBounds = {},
): AsyncGenerator<OtlpLogsRequest> {
  const maxBytes = bounds.maxRequestBytes ?? REQUEST_BOUNDS.maxRequestBytes;
  const maxRecords = bounds.maxRequestRecords ??
    REQUEST_BOUNDS.maxRequestRecords;
  let header: FlogHeader = { type: "incident" };
  const events = (async function* () {
    for await (const r of records) {
      if ("header" in r) header = r.header;
      else yield r;
    }
  })();
  const incident: KeyValue[] = [
    ...str("flightlog.incident.name", labels.name),
    ...str("flightlog.incident.group", labels.group),
    ...str("flightlog.incident.category", labels.category),
  ];
  let batch: OtlpLogRecord[] = [];
  let bytes = 0;
  let sent = 0;
  const trigger = () => header.trigger;
  for await (const r of selectAround(events, trigger, bounds.around)) {
    const rec = logRecord(r, incident, isTrigger(r.d, header.trigger));
    const size = JSON.stringify(rec).length;
    if (
      batch.length > 0 &&
      (bytes + size > maxBytes || batch.length >= maxRecords)
    ) {
      yield request(header, labels, batch);
      sent++;
      batch = [];
      bytes = 0;
    }
    batch.push(rec);
    bytes += size;
  }
  if (batch.length > 0 || sent === 0) yield request(header, labels, batch);
}

/** A request holding `logRecords`, under the incident's resource. */
function request(
  header: FlogHeader,
  labels: IncidentLabels,
  logRecords: OtlpLogRecord[],
): OtlpLogsRequest {
  const version = labels.version ??
    (typeof header.versions?.app === "string"
      ? header.versions.app
      : undefined);
  return {
    resourceLogs: [{
      resource: {
        attributes: [
          ...str(
            "service.name",
            typeof header.app === "string" ? header.app : "unknown_service",
          ),
          ...str("service.version", version),
          ...str("host.name", header.host),
        ],
      },
      scopeLogs: [{
        scope: { name: "flightlog", version: VERSION },
        logRecords,
      }],
    }],
  };
}
