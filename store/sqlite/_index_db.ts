/**
 * The store's SQLite index (`index.sqlite` beside the incident files), opened
 * through Deno's built-in `node:sqlite`, and its schema as versioned
 * migrations (`PRAGMA user_version`). The `.flog.gz` files stay the source of
 * truth: `flightlog reindex` rebuilds this file from them.
 *
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";

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

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating it if needed) the index of the store in `dir`, migrated to
 * the current schema. A file from a newer flightlog is refused by name.
 */
export function openIndex(dir: string): DatabaseSync {
  const path = `${dir}/${INDEX_FILE}`;
  const db = new DatabaseSync(path);
  try {
    db.exec("pragma journal_mode = wal");
    db.exec("pragma synchronous = normal");
    db.exec("pragma busy_timeout = 5000");
    const { user_version: version } = db.prepare("pragma user_version")
      .get() as { user_version: number };
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `${path}: schema version ${version} is newer than this flightlog's ${SCHEMA_VERSION}; use a newer flightlog, or rebuild it with \`flightlog reindex\``,
      );
    }
    for (let v = version; v < SCHEMA_VERSION; v++) {
      transaction(db, () => {
        db.exec(MIGRATIONS[v]);
        db.exec(`pragma user_version = ${v + 1}`);
      });
    }
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Runs `fn` in one transaction: all of it is written, or none. The error
 * thrown is `fn`'s (or the commit's), also when SQLite has already rolled
 * back by itself (as it does on a full disk).
 */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("begin immediate");
  try {
    const out = fn();
    db.exec("commit");
    return out;
  } catch (e) {
    if (db.isTransaction) db.exec("rollback");
    throw e;
  }
}

/** A value of the `meta` table. */
export function getMeta(db: DatabaseSync, key: string): string | undefined {
  const row = db.prepare("select value from meta where key = ?").get(key) as
    | { value: string }
    | undefined;
  return row?.value;
}

/** Sets a value of the `meta` table. */
export function setMeta(db: DatabaseSync, key: string, value: string): void {
  db.prepare(
    "insert into meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value",
  ).run(key, value);
}

const statements = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/** The prepared statement of `sql` on `db`, prepared once. */
export function stmt(db: DatabaseSync, sql: string): StatementSync {
  let cache = statements.get(db);
  if (cache === undefined) statements.set(db, cache = new Map());
  let s = cache.get(sql);
  if (s === undefined) cache.set(sql, s = db.prepare(sql));
  return s;
}
