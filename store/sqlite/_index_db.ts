/**
 * The store's SQLite index (`index.sqlite` beside the incident files), opened
 * through Deno's built-in `node:sqlite`, and its schema as versioned
 * migrations (`PRAGMA user_version`); version 2 moved the node's own tables
 * out to `node.sqlite`. The `.flog.gz` files stay the source of
 * truth: `flightlog reindex` rebuilds this file from them.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { openDb, transaction } from "./_sqlite.ts";
import { NODE_FILE, openNodeDb } from "./_node_db.ts";

export { stmt, transaction } from "./_sqlite.ts";

/** The index's file name in a store's folder. */
export const INDEX_FILE = "index.sqlite";

/** Each migration takes the schema from version `i` to `i + 1`. */
const MIGRATIONS: readonly string[] = [
  `
  create table incidents (
    id integer primary key autoincrement,
    name text not null unique,
    time integer not null,
    stored integer not null,
    origin text not null,
    source text not null,
    trigger_id text,
    level integer,
    facility text,
    summary text not null,
    app text,
    host text,
    version text,
    pid integer,
    bytes integer not null,
    events integer not null,
    complete integer not null,
    recovered integer not null,
    damage text,
    group_id text not null,
    category text not null,
    rule text,
    rules_hash text not null
  );
  create index incidents_by_time on incidents (time, id);
  create index incidents_by_trigger on incidents (trigger_id);
  create index incidents_by_group on incidents (group_id, time);
  create index incidents_by_app on incidents (app, time);
  create index incidents_by_category on incidents (category, time);
  create index incidents_by_rules on incidents (rules_hash);
  create virtual table incident_text using fts5 (
    text, content = '', contentless_delete = 1
  );
  create table groups (
    id text primary key,
    title text not null,
    category text not null,
    status text not null default 'open',
    status_changed integer,
    count integer not null,
    regressions integer not null default 0,
    first_seen integer not null,
    last_seen integer not null,
    last_incident text,
    apps text not null default '[]',
    hosts text not null default '[]',
    versions text not null default '[]',
    spike_at integer
  );
  create index groups_by_last on groups (last_seen);
  create table group_hours (
    group_id text not null,
    hour integer not null,
    count integer not null,
    primary key (group_id, hour)
  ) without rowid;
  create table group_events (
    id integer primary key autoincrement,
    time integer not null,
    type text not null,
    group_id text not null,
    incident text,
    data text not null
  );
  create table sources (
    url text primary key,
    cursor integer not null,
    updated integer not null
  );
  create table deliveries (
    id text primary key,
    webhook text not null,
    type text not null,
    body text not null,
    created integer not null,
    attempts integer not null default 0,
    next_at integer not null,
    state text not null default 'pending',
    last_error text
  );
  create index deliveries_due on deliveries (state, next_at);
  create table meta (key text primary key, value text not null);
  `,
];

/**
 * Index version 1 to 2: the node's own tables (alert deliveries and
 * checkpoints) move to its state file, `node.sqlite`. What they hold is
 * copied there first, so a crash between the steps loses nothing.
 */
function moveNodeTables(dir: string): (db: DatabaseSync) => void {
  return (db) => {
    const { n } = db.prepare(
      "select (select count(*) from deliveries) + (select count(*) from meta) as n",
    ).get() as { n: number };
    if (n > 0) {
      openNodeDb(dir).close();
      db.prepare("attach database ? as node").run(`${dir}/${NODE_FILE}`);
      try {
        transaction(db, () => {
          db.exec(
            "insert or ignore into node.deliveries select * from main.deliveries",
          );
          db.exec("insert or ignore into node.meta select * from main.meta");
        });
      } finally {
        db.exec("detach database node");
      }
    }
    transaction(db, () => {
      db.exec("drop table main.deliveries");
      db.exec("drop table main.meta");
    });
  };
}

/**
 * Index version 2 to 3: a group's releases (the first seen, each with its
 * count `[[release, n], ...]` in the order first seen, the last
 * regression's, a resolve's release and for "next" the releases known
 * then, and incidents of older releases), and the viewer's sessions.
 */
const RELEASES_AND_SESSIONS = `
  alter table groups add column first_release text;
  alter table groups add column releases text not null default '[]';
  alter table groups add column regressed_in text;
  alter table groups add column resolved_in text;
  alter table groups add column resolved_known text;
  alter table groups add column older integer not null default 0;
  create index group_events_by_group on group_events (group_id, id);
  create table sessions (key text primary key, until integer not null, scope text not null);
`;

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length + 2;

/**
 * Opens (creating it if needed) the index of the store in `dir`, migrated to
 * the current schema. A file from a newer flightlog is refused by name.
 */
export function openIndex(dir: string): DatabaseSync {
  return openDb(
    `${dir}/${INDEX_FILE}`,
    [...MIGRATIONS, moveNodeTables(dir), RELEASES_AND_SESSIONS],
    ", or rebuild it with `flightlog reindex`",
  );
}

/**
 * Brings an older index in `dir`, if there is one, to the current schema
 * (moving the node's tables out of it).
 */
export function migrateIndexOf(dir: string): void {
  try {
    Deno.statSync(`${dir}/${INDEX_FILE}`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  openIndex(dir).close();
}
