/**
 * The file of a node's own state, `node.sqlite`, and its schema as numbered
 * migrations.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { openDb } from "./_sqlite.ts";

/** The state's file name in a node's folder. */
export const NODE_FILE = "node.sqlite";

/** Each migration takes the schema from version `i` to `i + 1`. */
const MIGRATIONS: readonly string[] = [
  `
  create table if not exists deliveries (
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
  create index if not exists deliveries_due on deliveries (state, next_at);
  create table if not exists meta (key text primary key, value text not null);
  `,
];

/** Opens (creating and migrating) the node state file in `dir`. */
export function openNodeDb(dir: string): DatabaseSync {
  return openDb(`${dir}/${NODE_FILE}`, MIGRATIONS, "");
}
