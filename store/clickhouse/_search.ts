/**
 * A fleet search over ClickHouse: events by text, app, facility, trace id,
 * level and time, newest first, one row per event.
 *
 * @module
 */

import type { EventHit, EventSearch } from "../store.ts";
import { sqlInt, sqlString } from "./client.ts";
import type { Layout } from "./schema.ts";

/** The events in `l` matching `s`, newest first. */
export async function searchEvents(
  l: Layout,
  s: EventSearch,
): Promise<EventHit[]> {
  const where: string[] = [];
  const q = (s.q ?? "").trim().slice(0, 1000);
  if (q !== "") {
    where.push(`positionCaseInsensitiveUTF8(text, ${sqlString(q)}) > 0`);
  }
  if (s.app !== undefined) where.push(`app = ${sqlString(s.app)}`);
  if (s.facility !== undefined) {
    where.push(
      `(facility = ${sqlString(s.facility)} OR startsWith(facility, ${
        sqlString(s.facility + "/")
      }))`,
    );
  }
  if (s.trace !== undefined) {
    // `fields` is the event's other fields as JSON text (18.16 has no JSON
    // type): the string value of its `trace_id` key.
    where.push(
      `lower(visitParamExtractString(fields, 'trace_id')) = ${
        sqlString(s.trace.toLowerCase())
      }`,
    );
  }
  if (s.level !== undefined) where.push(`level >= ${sqlInt(s.level)}`);
  if (s.since !== undefined) where.push(`time >= ${sqlInt(s.since)}`);
  if (s.until !== undefined) where.push(`time < ${sqlInt(s.until)}`);
  return await l.ch.query<EventHit>(
    `SELECT incident, app, num, time, level, facility, text, fields
     FROM ${l.events}
     ${where.length ? "WHERE " + where.join(" AND ") : ""}
     ORDER BY time DESC, seq DESC LIMIT 1 BY incident, num
     LIMIT ${sqlInt(Math.min(s.limit ?? 100, 1000))}`,
  );
}
