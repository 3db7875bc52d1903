/**
 * Browser sessions kept in a SQLite store's index, so that they survive a
 * restart of the server: only a hash of each session id is written (the id
 * itself stays in the browser's cookie), with its expiry and scope.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { stmt } from "./_index_db.ts";
import type { SessionKeeper } from "../sessions.ts";

/** The sessions of the index `db`. */
export function sqliteSessions(db: DatabaseSync): SessionKeeper {
  return {
    load(now) {
      stmt(db, "delete from sessions where until <= ?").run(now);
      return (stmt(db, "select key, until, scope from sessions order by until")
        .all() as { key: string; until: number; scope: string }[]).map((r) =>
          [r.key, r.until, r.scope] as [string, number, string]
        );
    },
    put(key, until, scope) {
      stmt(
        db,
        "insert into sessions (key, until, scope) values (?, ?, ?) on conflict (key) do update set until = excluded.until, scope = excluded.scope",
      ).run(key, until, scope);
    },
    drop(key) {
      stmt(db, "delete from sessions where key = ?").run(key);
    },
  };
}
