/**
 * What the SQLite store says about itself: its metric samples and health
 * fields (counts, bytes, and classifying again after new rules).
 *
 * @module
 */

import type { StoreMetric, StoreStatus } from "../store.ts";
import type { ReclassifyProgress } from "./_reclassify.ts";
import { conflictsMetric } from "../incident_identity.ts";

/** What the samples are read from. */
export interface SqliteCounts {
  totals: { count: number; bytes: number };
  groups: number;
  reclassifying: ReclassifyProgress;
  /** Arrivals refused: their name was stored with other content. */
  conflicts: number;
}

/** The store's samples: incidents kept, their bytes, groups, reclassifying. */
export function sqliteMetrics(c: SqliteCounts): StoreMetric[] {
  return [
    {
      name: "flightlog_incidents_stored",
      type: "gauge",
      help: "Incidents in the store.",
      value: c.totals.count,
    },
    {
      name: "flightlog_incidents_stored_bytes",
      type: "gauge",
      help: "Bytes of incidents in the store.",
      value: c.totals.bytes,
    },
    {
      name: "flightlog_groups",
      type: "gauge",
      help: "Groups of incidents (one per fingerprint).",
      value: c.groups,
    },
    conflictsMetric(c.conflicts),
    {
      name: "flightlog_reclassify_pending",
      type: "gauge",
      help: "Incidents still to classify again after the rules changed.",
      value: c.reclassifying.pending,
    },
  ];
}

/** The status of a SQLite store. */
export function sqliteStatus(
  totals: SqliteCounts["totals"],
  groups: number,
  reclassifying: ReclassifyProgress,
  conflicts: number,
): StoreStatus {
  const c = { totals, groups, reclassifying, conflicts };
  return {
    backend: "sqlite",
    health: { reclassifying: c.reclassifying.pending },
    metrics: sqliteMetrics(c),
  };
}
