/**
 * The gatherer's `/healthz` and `/metrics`, from a snapshot of its parts:
 * the store (SQLite or ClickHouse with its spool), the sources, the
 * webhooks and the HTTP guard. A ClickHouse that cannot be reached makes
 * health say so, not fail.
 *
 * @module
 */

import { VERSION } from "../lib/version.ts";
import type { StoreBackend } from "../server/backend.ts";
import type { SpoolStats } from "../server/clickhouse/spool.ts";
import {
  httpMetrics,
  type Metric,
  type MetricFamily,
  renderFamilies,
  renderMetrics,
  spoolMetrics,
  storeMetrics,
} from "../server/metrics.ts";
import type { GuardStats } from "../server/guard.ts";
import type { IncidentStore } from "../server/store.ts";
import type { SourceStats } from "./source.ts";
import type { WebhookStats } from "./webhooks.ts";
import type { OtlpExportStats } from "../otlp/export.ts";
import { otlpMetrics } from "../otlp/metrics.ts";

/** What health and metrics are made of. */
export interface GathererParts {
  store: StoreBackend;
  /** The SQLite store, when that is the backend. */
  local?: IncidentStore;
  /** The ClickHouse spool and last error, when that is the backend. */
  clickhouse?: { spool: SpoolStats; lastError?: string };
  rules: number;
  sources: SourceStats[];
  webhooks?: WebhookStats;
  otlp?: OtlpExportStats;
  http: GuardStats | undefined;
}

async function counts(store: StoreBackend) {
  try {
    return {
      incidents: (await store.totals()).count,
      groups: await store.groups.count(),
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** The JSON of `/healthz`. */
export async function health(
  p: GathererParts,
): Promise<Record<string, unknown>> {
  const c = await counts(p.store);
  return {
    ok: true,
    version: VERSION,
    role: "gatherer",
    backend: p.clickhouse ? "clickhouse" : "sqlite",
    ...c,
    rules: p.rules,
    reclassifying: p.local?.reclassifying.pending ?? 0,
    sources: p.sources.map((s) => ({
      url: s.url,
      connected: s.connected,
      cursor: s.cursor,
    })),
    webhooks_pending: p.webhooks?.pending ?? 0,
    ...(p.otlp === undefined ? {} : { otlp_pending: p.otlp.pending }),
    ...(p.clickhouse === undefined ? {} : {
      clickhouse: {
        spool_incidents: p.clickhouse.spool.files,
        spool_bytes: p.clickhouse.spool.bytes,
        ...(p.clickhouse.lastError ? { error: p.clickhouse.lastError } : {}),
      },
    }),
  };
}

function gauge(name: string, help: string, value: number): Metric {
  return { name, type: "gauge", help, value };
}

function counter(name: string, help: string, value: number): Metric {
  return { name, type: "counter", help, value };
}

/** The Prometheus text of `/metrics`. */
export async function metrics(p: GathererParts): Promise<string> {
  const w = p.webhooks;
  const c = await counts(p.store);
  const global: Metric[] = [
    ...(p.local !== undefined ? storeMetrics(p.local, undefined) : [
      gauge(
        "flightlog_incidents_stored",
        "Incidents in the store.",
        c.incidents ?? 0,
      ),
      gauge(
        "flightlog_groups",
        "Groups of incidents (one per fingerprint).",
        c.groups ?? 0,
      ),
    ]),
    gauge(
      "flightlog_webhook_deliveries_pending",
      "Alert deliveries waiting (new or to retry).",
      w?.pending ?? 0,
    ),
    counter(
      "flightlog_webhook_deliveries_total",
      "Alert deliveries the receivers took.",
      w?.delivered ?? 0,
    ),
    counter(
      "flightlog_webhook_attempts_failed_total",
      "Failed alert delivery attempts.",
      w?.failedAttempts ?? 0,
    ),
    counter(
      "flightlog_webhook_deliveries_given_up_total",
      "Alert deliveries given up after failing too long (reported).",
      w?.givenUp ?? 0,
    ),
    ...httpMetrics(p.http),
    ...otlpMetrics(p.otlp),
  ];
  if (p.clickhouse !== undefined) {
    global.push(
      ...spoolMetrics(p.clickhouse.spool),
      gauge(
        "flightlog_clickhouse_up",
        "1 when the last contact with ClickHouse worked.",
        p.clickhouse.lastError ? 0 : 1,
      ),
    );
  }
  const perSource = (
    name: string,
    type: "counter" | "gauge",
    help: string,
    value: (s: SourceStats) => number,
  ): MetricFamily => ({
    name,
    type,
    help,
    samples: p.sources.map((s) => ({
      labels: { source: s.url },
      value: value(s),
    })),
  });
  return renderMetrics(global) + renderFamilies([
    perSource(
      "flightlog_source_connected",
      "gauge",
      "1 while the source's stream is open.",
      (s) => s.connected ? 1 : 0,
    ),
    perSource(
      "flightlog_source_pulled_total",
      "counter",
      "Incidents stored from the source.",
      (s) => s.pulled,
    ),
    perSource(
      "flightlog_source_failures_total",
      "counter",
      "Failed connections or fetches.",
      (s) => s.failures,
    ),
  ]);
}
