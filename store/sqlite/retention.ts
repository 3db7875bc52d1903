/**
 * Retention of stored incidents: which ones go when the store is over its
 * count, age or size bounds (the oldest first), and dropping them from the
 * index and the folder.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { transaction } from "./_index_db.ts";

/**
 * Bounds of the store; the oldest incidents go first. Unset: unbounded.
 *
 * @example
 * ```ts
 * import type { Retention } from "@flightlog/flightlog/store";
 * const r: Retention = { maxCount: 1000, maxAgeMs: 30 * 86_400_000, maxBytes: 1e9 };
 * ```
 */
export interface Retention {
  /** Most incidents kept. */
  maxCount?: number;
  /** Oldest trigger time kept, as an age in ms. */
  maxAgeMs?: number;
  /** Most bytes kept. */
  maxBytes?: number;
}

/** What retention compares incidents by. */
export interface Retained {
  /** Trigger time, ms since the epoch. */
  time: number;
  /** Store-wide order, breaking ties of `time`. */
  id: number;
  /** Size of the file. */
  bytes: number;
}

/**
 * The incidents of `all` that `retention` drops, oldest first: those older
 * than `maxAgeMs`, then the oldest until the rest fit `maxCount` and
 * `maxBytes`.
 */
export function expired<T extends Retained>(
  all: readonly T[],
  { retention, now }: { retention: Retention; now: number },
): T[] {
  const sorted = [...all].sort((a, b) => a.time - b.time || a.id - b.id);
  const totals = {
    count: sorted.length,
    bytes: sorted.reduce((n, s) => n + s.bytes, 0),
  };
  return [...expiring(sorted, { retention, now, totals })];
}

/**
 * What {@linkcode expired} drops, from incidents already sorted oldest
 * first whose totals are known: it stops at the first one kept, so a store
 * within its bounds reads one row.
 */
export function* expiring<T extends Retained>(
  oldestFirst: Iterable<T>,
  { retention, now, totals }: {
    retention: Retention;
    now: number;
    totals: { count: number; bytes: number };
  },
): Generator<T> {
  const { maxCount, maxAgeMs, maxBytes } = retention;
  let { count, bytes } = totals;
  for (const s of oldestFirst) {
    const tooMany = maxCount !== undefined && count > maxCount;
    const tooOld = maxAgeMs !== undefined && now - s.time > maxAgeMs;
    const tooBig = maxBytes !== undefined && bytes > maxBytes;
    if (!tooMany && !tooOld && !tooBig) return;
    yield s;
    count--;
    bytes -= s.bytes;
  }
}

/**
 * Drops from a store's index, then its folder, the incidents `retention`
 * expires, reading the oldest rows only until one is kept; returns how many
 * went.
 */
export async function dropExpired(
  db: DatabaseSync,
  { dir, retention, totals }: {
    dir: string;
    retention: Retention;
    totals: { count: number; bytes: number };
  },
): Promise<number> {
  const { maxCount, maxAgeMs, maxBytes } = retention;
  if (
    maxCount === undefined && maxAgeMs === undefined && maxBytes === undefined
  ) return 0;
  const oldest = db.prepare(
    "select id, name, time, bytes from incidents order by time, id",
  ).iterate() as Iterable<
    { id: number; name: string; time: number; bytes: number }
  >;
  const doomed = [...expiring(oldest, { retention, now: Date.now(), totals })];
  if (doomed.length === 0) return 0;
  transaction(db, () => {
    const drop = db.prepare("delete from incidents where id = ?");
    const text = db.prepare("delete from incident_text where rowid = ?");
    for (const s of doomed) {
      drop.run(s.id);
      text.run(s.id);
    }
  });
  for (const s of doomed) await Deno.remove(`${dir}/${s.name}`).catch(() => {});
  return doomed.length;
}
