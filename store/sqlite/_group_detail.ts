/**
 * A SQLite group's page data beyond the group row: the apps and hosts of its
 * stored incidents with counts, and its history from the group log; and the
 * resolve-in-release a row holds.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { stmt } from "./_index_db.ts";
import type { Row } from "../_group_rows.ts";
import type { GroupChange, GroupDetail, GroupStatus } from "../groups.ts";
import type { Resolution } from "../releases.ts";

/** Most apps, hosts and history entries a group's page lists. */
const MAX_ROWS = 50;

/** The resolve-in-release of a group row, if it has one. */
export function resolutionOf(row: Row): Resolution | undefined {
  if (row.resolved_in === null || row.resolved_in === undefined) {
    return undefined;
  }
  return {
    inRelease: row.resolved_in as string,
    ...(typeof row.resolved_known === "string"
      ? { known: JSON.parse(row.resolved_known) as string[] }
      : {}),
  };
}

function counted(db: DatabaseSync, column: "app" | "host", id: string) {
  return (stmt(
    db,
    `select ${column} as k, count(*) as n from incidents
     where group_id = ? and ${column} is not null
     group by ${column} order by n desc, k limit ${MAX_ROWS}`,
  ).all(id) as { k: string; n: number }[]).map((r) =>
    [r.k, r.n] as [string, number]
  );
}

/** The page data of group `id`, or undefined when there is no such group. */
export function groupDetail(
  db: DatabaseSync,
  id: string,
): GroupDetail | undefined {
  if (stmt(db, "select 1 from groups where id = ?").get(id) === undefined) {
    return undefined;
  }
  const history = (stmt(
    db,
    `select time, type, incident, data from group_events
     where group_id = ? and type in ('new_group', 'regression', 'status')
     order by id desc limit ${MAX_ROWS}`,
  ).all(id) as Row[]).map((r): GroupChange => {
    const data = JSON.parse(r.data as string) as Record<string, string>;
    return {
      time: r.time as number,
      type: r.type as GroupChange["type"],
      ...(r.incident === null ? {} : { incident: r.incident as string }),
      ...(data.release === undefined ? {} : { release: data.release }),
      ...(data.status === undefined
        ? {}
        : { status: data.status as GroupStatus }),
      ...(data.inRelease === undefined ? {} : { inRelease: data.inRelease }),
      ...(data.by === undefined ? {} : { by: data.by }),
    };
  });
  return {
    apps: counted(db, "app", id),
    hosts: counted(db, "host", id),
    history,
  };
}
