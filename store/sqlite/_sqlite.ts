/**
 * The SQLite plumbing the store's files share: opening one at its schema's
 * version through numbered migrations, transactions, and prepared
 * statements kept per database.
 *
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";

/** One migration: SQL, or a function for what SQL alone cannot do. */
export type Migration = string | ((db: DatabaseSync) => void);

/**
 * Opens (creating it if needed) the SQLite file at `path`, migrated to the
 * last of `migrations` (`PRAGMA user_version`). A file from a newer
 * flightlog is refused by name, with `hint`.
 */
export function openDb(
  path: string,
  migrations: readonly Migration[],
  hint: string,
): DatabaseSync {
  const db = new DatabaseSync(path);
  try {
    db.exec("pragma journal_mode = wal");
    db.exec("pragma synchronous = normal");
    db.exec("pragma busy_timeout = 5000");
    const { user_version: version } = db.prepare("pragma user_version")
      .get() as { user_version: number };
    if (version > migrations.length) {
      throw new Error(
        `${path}: schema version ${version} is newer than this flightlog's ${migrations.length}; use a newer flightlog${hint}`,
      );
    }
    for (let v = version; v < migrations.length; v++) {
      const m = migrations[v];
      if (typeof m === "function") {
        m(db);
        db.exec(`pragma user_version = ${v + 1}`);
        continue;
      }
      transaction(db, () => {
        db.exec(m);
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

const statements = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/** The prepared statement of `sql` on `db`, prepared once. */
export function stmt(db: DatabaseSync, sql: string): StatementSync {
  let cache = statements.get(db);
  if (cache === undefined) statements.set(db, cache = new Map());
  let s = cache.get(sql);
  if (s === undefined) cache.set(sql, s = db.prepare(sql));
  return s;
}
