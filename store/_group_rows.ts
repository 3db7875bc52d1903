/**
 * How group rows read back: the JSON lists of apps, hosts and versions seen,
 * and the hourly counts of the last 7 days.
 *
 * @module
 */

import type { Group, GroupStatus } from "./groups.ts";

/** A row as `node:sqlite` gives it. */
export type Row = Record<string, unknown>;
/** One hour's count of a group. */
export type HourRow = { hour: number; count: number };

/** An hour in ms. */
export const HOUR = 3_600_000;
/** The hours of the counts a group carries: 7 days. */
export const HOURS = 168;
/** Most apps, hosts and versions a group lists. */
export const MAX_SEEN = 20;

/** A group row as a {@linkcode Group}; `hours(id, from)` reads its counts. */
export function groupFromRow(
  r: Row,
  hours: (id: string, fromHour: number) => HourRow[],
): Group {
  const last = Math.floor(Date.now() / HOUR);
  const first = last - HOURS + 1;
  const hourly = new Array<number>(HOURS).fill(0);
  for (const h of hours(r.id as string, first)) {
    const i = h.hour - first;
    if (i >= 0 && i < HOURS) hourly[i] += h.count;
  }
  return {
    id: r.id as string,
    title: r.title as string,
    category: r.category as string,
    status: r.status as GroupStatus,
    ...(r.status_changed === null
      ? {}
      : { statusChanged: r.status_changed as number }),
    count: r.count as number,
    regressions: r.regressions as number,
    firstSeen: r.first_seen as number,
    lastSeen: r.last_seen as number,
    ...(r.last_incident === null
      ? {}
      : { lastIncident: r.last_incident as string }),
    apps: JSON.parse(r.apps as string),
    hosts: JSON.parse(r.hosts as string),
    versions: JSON.parse(r.versions as string),
    hourly,
    ...(typeof r.first_release === "string"
      ? { firstRelease: r.first_release }
      : {}),
    ...(typeof r.releases === "string"
      ? { releases: JSON.parse(r.releases) }
      : {}),
    ...(typeof r.regressed_in === "string"
      ? { regressedIn: r.regressed_in }
      : {}),
    ...(typeof r.resolved_in === "string" ? { resolvedIn: r.resolved_in } : {}),
    ...(typeof r.older === "number" ? { olderReleases: r.older } : {}),
  };
}

/** A JSON list with `value` added, unless present or full. */
export function seen(list: string, value: string | undefined): string {
  const values = JSON.parse(list) as string[];
  if (value === undefined || values.includes(value)) return list;
  if (values.length >= MAX_SEEN) return list;
  return JSON.stringify([...values, value]);
}
