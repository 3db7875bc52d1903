/**
 * The OTLP export's counters as Prometheus metrics, for the sidecar's and
 * the gatherer's `/metrics`.
 *
 * @module
 */

import type { OtlpExportStats } from "./export.ts";

/** One metric, as the `/metrics` renderers take it. */
export interface OtlpMetric {
  /** The metric name. */
  name: string;
  /** Prometheus' type. */
  type: "counter" | "gauge";
  /** The `# HELP` text. */
  help: string;
  /** The value. */
  value: number;
}

/** The metrics of an OTLP export (none without one). */
export function otlpMetrics(s: OtlpExportStats | undefined): OtlpMetric[] {
  if (s === undefined) return [];
  return [
    {
      name: "flightlog_otlp_pending",
      type: "gauge",
      help: "Incidents waiting to be exported over OTLP.",
      value: s.pending,
    },
    {
      name: "flightlog_otlp_exported_total",
      type: "counter",
      help: "Incidents the OTLP receiver took.",
      value: s.delivered,
    },
    {
      name: "flightlog_otlp_records_total",
      type: "counter",
      help: "Log records the OTLP receiver took.",
      value: s.records,
    },
    {
      name: "flightlog_otlp_failures_total",
      type: "counter",
      help: "OTLP export attempts that failed and will be retried.",
      value: s.failed,
    },
    {
      name: "flightlog_otlp_rejected_total",
      type: "counter",
      help:
        "Incidents the OTLP receiver refused (4xx other than 429): not retried.",
      value: s.rejected,
    },
  ];
}
