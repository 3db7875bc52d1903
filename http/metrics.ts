/**
 * Prometheus text exposition: renders the samples a server supplies (with
 * escaped label values), plus the HTTP guard's and the outbox's own samples.
 *
 * @module
 */

import type { GuardStats } from "./guard.ts";
import type { Outbox } from "./outbox.ts";
import type { StoreMetric } from "../store/store.ts";

/** One sample of `/metrics` (the shape a store's samples have too). */
export type Metric = StoreMetric;

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : "\\" + c);
}

/** The Prometheus text of `metrics`, each sample with the same `labels`. */
export function renderMetrics(
  metrics: Metric[],
  labels: Record<string, string> = {},
): string {
  return renderFamilies(
    metrics.map(({ value, ...m }) => ({ ...m, samples: [{ labels, value }] })),
  );
}

/** A metric with one sample per label set (a family). */
export interface MetricFamily {
  /** The metric name. */
  name: string;
  /** Prometheus' type. */
  type: "counter" | "gauge";
  /** The `# HELP` text. */
  help: string;
  /** Its samples. */
  samples: { labels: Record<string, string>; value: number }[];
}

/** The Prometheus text of `families`: `# HELP` and `# TYPE` once each. */
export function renderFamilies(families: MetricFamily[]): string {
  return families.filter((f) => f.samples.length > 0).map((f) =>
    `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n` +
    f.samples.map(({ labels, value }) => {
      const pairs = Object.entries(labels).map(([k, v]) =>
        `${k}="${escapeLabel(v)}"`
      );
      return `${f.name}${
        pairs.length ? `{${pairs.join(",")}}` : ""
      } ${value}\n`;
    }).join("")
  ).join("");
}

/** The samples of an outbox: deliveries to peers. */
export function outboxMetrics(outbox: Outbox): Metric[] {
  return [
    {
      name: "flightlog_pushes_pending",
      type: "gauge",
      help: "Incident deliveries to peers waiting.",
      value: outbox.stats.pending,
    },
    {
      name: "flightlog_pushes_delivered_total",
      type: "counter",
      help: "Incident deliveries to peers acknowledged.",
      value: outbox.stats.delivered,
    },
    {
      name: "flightlog_pushes_failed_total",
      type: "counter",
      help: "Failed delivery attempts to peers.",
      value: outbox.stats.failed,
    },
  ];
}

/** The samples of a server's HTTP connections (its guard's counters). */
export function httpMetrics(g: GuardStats | undefined): Metric[] {
  return [
    {
      name: "flightlog_http_accept_failures_total",
      type: "counter",
      help:
        "Times accepting an HTTP connection failed (out of descriptors...); accepting goes on.",
      value: g?.acceptFailures ?? 0,
    },
    {
      name: "flightlog_http_connections",
      type: "gauge",
      help: "HTTP connections open now.",
      value: g?.active ?? 0,
    },
    {
      name: "flightlog_http_connections_refused_total",
      type: "counter",
      help:
        "HTTP connections turned away at the cap (/healthz still answered).",
      value: g?.refused ?? 0,
    },
    {
      name: "flightlog_http_connections_idle_closed_total",
      type: "counter",
      help: "HTTP connections closed for being idle.",
      value: g?.idleClosed ?? 0,
    },
  ];
}
