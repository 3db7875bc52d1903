/**
 * Browser sessions kept in a SQLite store's index, so that they survive a
 * restart of the server: only a hash of each session id is written (the id
 * itself stays in the browser's cookie), with its expiry.
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
      return (stmt(db, "select key, until from sessions order by until")
        .all() as { key: string; until: number }[]).map((r) =>
          [r.key, r.until] as [string, number]
        );
    },
    put(key, until) {
      stmt(
        db,
        "insert into sessions (key, until) values (?, ?) on conflict (key) do update set until = excluded.until",
      ).run(key, until);
    },
    drop(key) {
      stmt(db, "delete from sessions where key = ?").run(key);
    },
  };
}
