/**
 * What a ClickHouse store says about itself: counts (or the error reaching
 * ClickHouse), the spool's backlog, and whether ClickHouse answered.
 *
 * @module
 */

import type { Store, StoreMetric, StoreStatus } from "../store.ts";
import type { SpoolStats } from "./spool.ts";

/** The samples of a ClickHouse spool: its backlog, and what it sent. */
export function spoolMetrics(s: SpoolStats): StoreMetric[] {
  return [
    {
      name: "flightlog_clickhouse_spool_incidents",
      type: "gauge",
      help: "Incidents waiting in the spool for ClickHouse.",
      value: s.files,
    },
    {
      name: "flightlog_clickhouse_spool_bytes",
      type: "gauge",
      help: "Bytes waiting in the spool for ClickHouse.",
      value: s.bytes,
    },
    {
      name: "flightlog_clickhouse_sent_total",
      type: "counter",
      help: "Incidents sent to ClickHouse.",
      value: s.sent,
    },
    {
      name: "flightlog_clickhouse_failures_total",
      type: "counter",
      help: "Failed sends to ClickHouse.",
      value: s.failures,
    },
  ];
}

/** The counts of `store`, 0 when ClickHouse cannot be reached. */
async function counts(store: Store) {
  try {
    return {
      incidents: (await store.totals()).count,
      groups: await store.groups.count(),
    };
  } catch {
    return { incidents: 0, groups: 0 };
  }
}

/** The status of a ClickHouse store with `spool`. */
export async function clickhouseStatus(
  store: Store,
  spool: SpoolStats,
  lastError: string | undefined,
): Promise<StoreStatus> {
  const c = await counts(store);
  return {
    backend: "clickhouse",
    health: {
      clickhouse: {
        spool_incidents: spool.files,
        spool_bytes: spool.bytes,
        ...(lastError ? { error: lastError } : {}),
      },
    },
    metrics: [
      {
        name: "flightlog_incidents_stored",
        type: "gauge",
        help: "Incidents in the store.",
        value: c.incidents,
      },
      {
        name: "flightlog_groups",
        type: "gauge",
        help: "Groups of incidents (one per fingerprint).",
        value: c.groups,
      },
      ...spoolMetrics(spool),
      {
        name: "flightlog_clickhouse_up",
        type: "gauge",
        help: "1 when the last contact with ClickHouse worked.",
        value: lastError ? 0 : 1,
      },
    ],
  };
}
