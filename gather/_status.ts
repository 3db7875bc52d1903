/**
 * The gatherer's `/healthz` and `/metrics`, from a snapshot of its parts:
 * the store (its own status, whichever backend), the sources, the webhooks
 * and the HTTP guard. A store that cannot be reached makes health say so,
 * not fail.
 *
 * @module
 */

import { VERSION } from "../lib/version.ts";
import type { GroupBackend, Store } from "../store/store.ts";
import {
  httpMetrics,
  type Metric,
  type MetricFamily,
  renderFamilies,
  renderMetrics,
} from "../http/metrics.ts";
import type { GuardStats } from "../http/guard.ts";
import { errorMessage } from "../store/errors.ts";
import type { SourceStats } from "./source.ts";
import type { WebhookStats } from "./webhooks.ts";

/** What health and metrics are made of. */
export interface GathererParts {
  store: Store;
  rules: number;
  sources: SourceStats[];
  webhooks?: WebhookStats;
  http: GuardStats | undefined;
  /** Alerting group events since the start. */
  groupEvents: GroupEventCounts;
}

/** Alerting group events since the start, by type. */
export type GroupEventCounts = Record<
  "new_group" | "regression" | "spike",
  number
>;

/** Counts the alerting events of `groups` from now on. */
export function countGroupEvents(groups: GroupBackend): GroupEventCounts {
  const counts: GroupEventCounts = { new_group: 0, regression: 0, spike: 0 };
  groups.subscribe((e) => {
    if (Object.hasOwn(counts, e.type)) {
      counts[e.type as keyof GroupEventCounts]++;
    }
  });
  return counts;
}

async function counts(store: Store) {
  try {
    return {
      incidents: (await store.totals()).count,
      groups: await store.groups.count(),
    };
  } catch (e) {
    return { error: errorMessage(e) };
  }
}

/** The JSON of `/healthz` for a `read` token (without one: liveness only). */
export async function health(
  p: GathererParts,
): Promise<Record<string, unknown>> {
  const c = await counts(p.store);
  const status = await p.store.status();
  return {
    ok: true,
    version: VERSION,
    role: "gatherer",
    backend: status.backend,
    ...c,
    rules: p.rules,
    reclassifying: 0,
    sources: p.sources.map((s) => ({
      url: s.url,
      connected: s.connected,
      cursor: s.cursor,
      failures: s.failures,
      refused: s.refused,
      ...(s.lastError === undefined ? {} : { last_error: s.lastError }),
    })),
    webhooks_pending: p.webhooks?.pending ?? 0,
    ...status.health,
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
  const global: Metric[] = [
    ...(await p.store.status()).metrics,
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
    counter(
      "flightlog_webhook_alerts_held_back_total",
      "Alerts held back by a webhook's rate limit (summed in digests).",
      w?.heldBack ?? 0,
    ),
    ...httpMetrics(p.http),
  ];
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
    {
      name: "flightlog_group_events_total",
      type: "counter",
      help: "New groups, regressions and spikes since the start, by type.",
      samples: Object.entries(p.groupEvents).map(([type, value]) => ({
        labels: { type },
        value,
      })),
    },
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
      "Failed connections or fetches (a stalled stream among them).",
      (s) => s.failures,
    ),
    perSource(
      "flightlog_source_refused_total",
      "counter",
      "Incidents or events the source listed that were not taken (invalid, gone, a conflict, malformed).",
      (s) => s.refused,
    ),
  ]);
}
