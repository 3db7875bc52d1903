/**
 * The SQLite store's reads (and an incident file's bytes), and its pull
 * cursors: one function per query, each on the index it is given.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { stmt } from "./_sqlite.ts";
import {
  incidentFromRow,
  type ListFilter,
  listQuery,
  type StoredIncident,
} from "../_store_rows.ts";

type Row = Record<string, unknown>;

/** The incident called `name`, if stored. */
export function incident(
  db: DatabaseSync,
  dir: string,
  name: string,
): StoredIncident | undefined {
  const row = stmt(db, "select * from incidents where name = ?").get(name) as
    | Row
    | undefined;
  return row && incidentFromRow(row, dir);
}

/** Stored incidents matching `filter`, newest first. */
export function list(
  db: DatabaseSync,
  dir: string,
  filter: ListFilter,
): StoredIncident[] {
  const query = listQuery(filter);
  if (query === undefined) return [];
  return (stmt(db, query.sql).all(...query.args) as Row[]).map((r) =>
    incidentFromRow(r, dir)
  );
}

/** Incidents with an id above `id`, oldest first. */
export function after(
  db: DatabaseSync,
  dir: string,
  id: number,
  limit: number,
): StoredIncident[] {
  return (stmt(db, "select * from incidents where id > ? order by id limit ?")
    .all(id, limit) as Row[]).map((r) => incidentFromRow(r, dir));
}

/** The highest id given so far (0 when empty). */
export function latestId(db: DatabaseSync): number {
  const row = stmt(
    db,
    "select seq from sqlite_sequence where name = 'incidents'",
  ).get() as { seq: number } | undefined;
  return row?.seq ?? 0;
}

/** Whether an incident with this trigger (`eventId`) is stored. */
export function hasTrigger(db: DatabaseSync, triggerId: string): boolean {
  return stmt(db, "select 1 from incidents where trigger_id = ?")
    .get(triggerId) !== undefined;
}

/** Where pulling `source` got to (0 before the first). */
export function cursor(db: DatabaseSync, source: string): number {
  const row = stmt(db, "select cursor from sources where url = ?")
    .get(source) as { cursor: number } | undefined;
  return row?.cursor ?? 0;
}

/** Remembers where pulling `source` got to. */
export function setCursor(
  db: DatabaseSync,
  source: string,
  cursor: number,
): void {
  stmt(
    db,
    `insert into sources (url, cursor, updated) values (?, ?, ?)
     on conflict (url) do update set cursor = excluded.cursor, updated = excluded.updated`,
  ).run(source, cursor, Date.now());
}

/** How many incidents are stored, and their bytes. */
export function totals(db: DatabaseSync): { count: number; bytes: number } {
  const row = stmt(
    db,
    "select count(*) as count, coalesce(sum(bytes), 0) as bytes from incidents",
  ).get() as { count: number; bytes: number };
  return { count: row.count, bytes: row.bytes };
}

/** The bytes of the file at `path`; undefined when there is none. */
export async function readFile(
  path: string | undefined,
): Promise<ReadableStream<Uint8Array<ArrayBuffer>> | undefined> {
  if (path === undefined) return undefined;
  try {
    return (await Deno.open(path)).readable;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Calls `fn` with each incident of `store` after id `from`, oldest first,
 * then with each new one (one stored meanwhile may come twice: `fn` tells
 * by its id); returns an unsubscribe.
 */
export function follow(
  store: {
    subscribe(fn: (s: StoredIncident) => void): () => void;
    after(id: number): StoredIncident[];
  },
  from: number,
  fn: (s: StoredIncident) => void,
): () => void {
  const off = store.subscribe(fn);
  for (let page = store.after(from); page.length > 0;) {
    for (const s of page) fn(s);
    page = store.after(page.at(-1)!.id);
  }
  return off;
}
