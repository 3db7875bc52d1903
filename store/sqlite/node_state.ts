/**
 * A node's own durable state, with one owner: its alert deliveries and its
 * checkpoints (the webhook cursor, the ClickHouse export's), in
 * `node.sqlite` beside the store. Whatever the store's backend, nothing
 * else opens this file, and nothing opens the store's index for it.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { stmt, transaction } from "./_sqlite.ts";
import { migrateIndexOf } from "./_index_db.ts";
import { openNodeDb } from "./_node_db.ts";

export { NODE_FILE } from "./_node_db.ts";

/** An alert delivery to make. */
export interface NewDelivery {
  /** Unique: a second one with this id is ignored. */
  id: string;
  /** The receiver's URL. */
  url: string;
  /** The alert type. */
  type: string;
  /** The JSON body. */
  body: string;
}

/** An alert delivery that is due. */
export interface DueDelivery {
  /** Its id (the `X-Flightlog-Delivery` header). */
  id: string;
  /** The receiver's URL. */
  webhook: string;
  /** The JSON body. */
  body: string;
  /** When it was made, ms. */
  created: number;
  /** Attempts so far. */
  attempts: number;
}

/**
 * The durable state of one node (sidecar or gatherer) in its folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { NodeState } from "@flightlog/flightlog/store";
 * const dir = await Deno.makeTempDir();
 * using state = await NodeState.open(dir);
 * state.set("checkpoint", "42");
 * assert.equal(state.get("checkpoint"), "42");
 * ```
 */
export class NodeState implements Disposable {
  readonly #db: DatabaseSync;
  #closed = false;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * Opens (creating it if needed) the state in `dir`. An older store's
   * deliveries and checkpoints, kept in its index then, move here first.
   */
  static async open(dir: string): Promise<NodeState> {
    await Deno.mkdir(dir, { recursive: true });
    migrateIndexOf(dir);
    return new NodeState(openNodeDb(dir));
  }

  /** A checkpoint's value, if set. */
  get(key: string): string | undefined {
    const row = stmt(this.#db, "select value from meta where key = ?")
      .get(key) as { value: string } | undefined;
    return row?.value;
  }

  /** Sets a checkpoint. */
  set(key: string, value: string): void {
    stmt(
      this.#db,
      "insert into meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value",
    ).run(key, value);
  }

  /** Adds `deliveries` and sets checkpoint `key` to `value`, all or none. */
  addDeliveries(deliveries: NewDelivery[], key: string, value: string): void {
    transaction(this.#db, () => {
      const insert = stmt(
        this.#db,
        `insert or ignore into deliveries (id, webhook, type, body, created, next_at)
         values (?, ?, ?, ?, ?, ?)`,
      );
      const now = Date.now();
      for (const d of deliveries) {
        insert.run(d.id, d.url, d.type, d.body, now, now);
      }
      this.set(key, value);
    });
  }

  /**
   * Deliveries due at `now`, oldest first, at most `limit`; forgets those
   * done before `doneBefore`.
   */
  dueDeliveries(now: number, limit: number, doneBefore: number): DueDelivery[] {
    stmt(
      this.#db,
      "delete from deliveries where state = 'done' and created < ?",
    )
      .run(doneBefore);
    return stmt(
      this.#db,
      `select id, webhook, body, created, attempts from deliveries
       where state = 'pending' and next_at <= ? order by next_at, created, id limit ?`,
    ).all(now, limit) as unknown as DueDelivery[];
  }

  /** When the next pending delivery is due (Infinity when none is). */
  nextDeliveryAt(): number {
    const next = stmt(
      this.#db,
      "select min(next_at) as at from deliveries where state = 'pending'",
    ).get() as { at: number | null };
    return next.at ?? Infinity;
  }

  /** Marks a delivery done. */
  delivered(id: string): void {
    stmt(
      this.#db,
      "update deliveries set state = 'done', attempts = attempts + 1 where id = ?",
    ).run(id);
  }

  /** Records a failed attempt: retried at `nextAt`, or given up. */
  failed(
    id: string,
    f: { attempts: number; nextAt: number; error: string; givenUp: boolean },
  ): void {
    stmt(
      this.#db,
      "update deliveries set attempts = ?, next_at = ?, last_error = ?, state = ? where id = ?",
    ).run(
      f.attempts,
      f.nextAt,
      f.error,
      f.givenUp ? "given_up" : "pending",
      id,
    );
  }

  /** How many deliveries are in `state` (`pending`, `done`, `given_up`). */
  countDeliveries(state: "pending" | "done" | "given_up"): number {
    return (stmt(
      this.#db,
      "select count(*) as n from deliveries where state = ?",
    ).get(state) as { n: number }).n;
  }

  /** Closes the file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  /** Same as {@linkcode close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
