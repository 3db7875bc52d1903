/**
 * The sidecar's `/metrics`: its tail of the app, its recorder, the HTTP
 * guard, the store, the outbox and the ClickHouse spool, as Prometheus text.
 *
 * @module
 */

import type { RecorderStats } from "../lib/recorder_options.ts";
import type { GuardStats } from "../http/guard.ts";
import type { SpoolStats } from "../store/clickhouse/spool.ts";
import { spoolMetrics } from "../store/clickhouse/_status.ts";
import { sqliteMetrics } from "../store/sqlite/_status.ts";
import { httpMetrics, outboxMetrics, renderMetrics } from "../http/metrics.ts";
import type { Outbox } from "../http/outbox.ts";
import type { IncidentStore } from "../store/sqlite/store.ts";
import type { SidecarStats } from "./tail.ts";

/** What the metrics are read from. */
export interface SidecarParts {
  tail: SidecarStats;
  recorder: RecorderStats;
  http: GuardStats | undefined;
  store: IncidentStore;
  outbox: Outbox;
  spool: SpoolStats | undefined;
  app: string;
}

/** The Prometheus text of a sidecar's `/metrics`. */
export function sidecarMetrics(p: SidecarParts): string {
  const s = p.tail;
  const r = p.recorder;
  const g = p.http;
  return renderMetrics([
    {
      name: "flightlog_events_received_total",
      type: "counter",
      help: "Events received from the app.",
      value: s.eventsReceived,
    },
    {
      name: "flightlog_events_dropped_total",
      type: "counter",
      help: "Events the app dropped for this sidecar (slow reader).",
      value: s.appDropped,
    },
    {
      name: "flightlog_buffered_bytes",
      type: "gauge",
      help: "Estimated bytes of the app's events buffered in memory.",
      value: r.bufferedBytes,
    },
    {
      name: "flightlog_events_dropped_for_bytes_total",
      type: "counter",
      help: "Buffered events dropped to stay under maxBufferedBytes.",
      value: r.droppedForBytes,
    },
    {
      name: "flightlog_events_dropped_for_age_total",
      type: "counter",
      help: "Buffered events dropped for being older than maxAgeMs.",
      value: r.droppedForAge,
    },
    {
      name: "flightlog_events_cut_total",
      type: "counter",
      help: "Events whose long strings were cut to fit maxEventBytes.",
      value: r.eventsCut,
    },
    {
      name: "flightlog_events_duplicate_total",
      type: "counter",
      help: "Events received twice and ignored.",
      value: s.duplicates,
    },
    {
      name: "flightlog_incidents_written_total",
      type: "counter",
      help: "Incidents this sidecar started writing.",
      value: r.incidents,
    },
    ...httpMetrics(g),
    {
      name: "flightlog_incidents_failed_total",
      type: "counter",
      help:
        "Incidents that could not be finished (disk full...); their plain file is kept.",
      value: r.failedIncidents,
    },
    {
      name: "flightlog_incidents_suppressed_total",
      type: "counter",
      help: "Incidents refused by the rate limit.",
      value: r.suppressedIncidents,
    },
    ...sqliteMetrics({
      totals: p.store.totals(),
      groups: p.store.groups.count(),
      reclassifying: p.store.reclassifying,
      conflicts: p.store.conflicts,
    }),
    ...outboxMetrics(p.outbox),
    ...(p.spool === undefined ? [] : spoolMetrics(p.spool)),
    {
      name: "flightlog_app_connected",
      type: "gauge",
      help: "1 while the app is connected.",
      value: s.appConnected ? 1 : 0,
    },
    {
      name: "flightlog_app_connections_total",
      type: "counter",
      help: "Connections made to the app.",
      value: s.connections,
    },
    {
      name: "flightlog_app_deaths_total",
      type: "counter",
      help: "Times the app went away without a goodbye.",
      value: s.appDeaths,
    },
    {
      name: "flightlog_app_stops_total",
      type: "counter",
      help: "Times the app stopped cleanly (it said goodbye; a stop signal).",
      value: s.appStops,
    },
    {
      name: "flightlog_app_protocol_refused_total",
      type: "counter",
      help: "App connections refused for speaking another protocol version.",
      value: s.protocolMismatches,
    },
  ], { app: p.app });
}
