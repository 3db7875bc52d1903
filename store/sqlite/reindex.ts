/**
 * Rebuilding a store's index from its `.flog.gz` files (the source of
 * truth), keeping what people and machines decided that the files do not
 * hold: group statuses and pull cursors (alert deliveries are the node's own
 * state, in `node.sqlite`, and stay). The old index stays beside it as
 * `index.sqlite.old`.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { INDEX_FILE, openIndex, transaction } from "./_index_db.ts";
import { StoreLock } from "../lock.ts";
import { NodeState } from "./node_state.ts";
import type { Classifier } from "../classify.ts";
import { IncidentStore } from "./store.ts";

type Row = Record<string, string | number | null>;

/** What a rebuild kept and found. */
export interface ReindexResult {
  /** Incidents indexed from the files. */
  incidents: number;
  /** Groups they make. */
  groups: number;
  /** Group statuses carried over from the old index. */
  statuses: number;
  /** Whether there was an old index (readable or not). */
  hadIndex: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** The rows to keep from an old index; empty when it cannot be read. */
function keep(
  dir: string,
): { groups: Row[]; sources: Row[] } {
  let db: DatabaseSync | undefined;
  try {
    db = openIndex(dir);
    return {
      groups: db.prepare(
        `select id, status, status_changed, resolved_in, resolved_known
         from groups where status != 'open'`,
      ).all() as Row[],
      sources: db.prepare("select url, cursor, updated from sources")
        .all() as Row[],
    };
  } catch {
    return { groups: [], sources: [] };
  } finally {
    db?.close();
  }
}

/**
 * Rebuilds the index of the store in `dir` from its files, classified by
 * `classifier` (all `unknown` without).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLogger } from "@flightlog/flightlog";
 * import { reindex } from "@flightlog/flightlog/store";
 * const dir = await Deno.makeTempDir();
 * const log = createLogger({ incidentDir: dir, trailingMs: 0 });
 * log.weird("odd");
 * await log.close();
 * assert.equal((await reindex(dir)).incidents, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function reindex(
  dir: string,
  classifier?: Classifier,
): Promise<ReindexResult> {
  const path = `${dir}/${INDEX_FILE}`;
  // Nothing is moved while a server has the store open: refused here.
  const before = await StoreLock.take(dir);
  let kept;
  let hadIndex;
  try {
    hadIndex = await exists(path);
    kept = hadIndex ? keep(dir) : { groups: [], sources: [] };
    for (const suffix of ["", "-wal", "-shm"]) {
      if (await exists(path + suffix)) {
        await Deno.rename(path + suffix, `${path}.old${suffix}`);
      }
    }
  } finally {
    before.release(); // handed to the store, which takes it at once
  }
  const store = await IncidentStore.open(dir, { classifier });
  const incidents = store.totals().count;
  const groups = store.groups.count();
  const lastEvent = store.groups.lastEventId();
  await store.close();
  using _after = await StoreLock.take(dir);
  const db = openIndex(dir);
  let statuses = 0;
  try {
    transaction(db, () => {
      for (const g of kept.groups) {
        statuses += Number(
          db.prepare(
            `update groups set status = ?, status_changed = ?, resolved_in = ?,
               resolved_known = ? where id = ?`,
          ).run(
            g.status,
            g.status_changed,
            g.resolved_in,
            g.resolved_known,
            g.id,
          ).changes,
        );
      }
      for (const s of kept.sources) {
        db.prepare(
          "insert into sources (url, cursor, updated) values (?, ?, ?)",
        )
          .run(s.url, s.cursor, s.updated);
      }
    });
  } finally {
    db.close();
  }
  // The rebuilt history is not news: webhooks go on from here.
  using state = await NodeState.open(dir);
  state.set("webhook_cursor", String(lastEvent));
  return { incidents, groups, statuses, hadIndex };
}
