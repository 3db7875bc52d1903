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

/** How many given-up deliveries were pruned (their count stays). */
const PRUNED_GIVEN_UP = "webhook_given_up_pruned";

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

  /** Deliveries to `webhook` due at `now`, oldest first, at most `limit`. */
  dueDeliveriesTo(webhook: string, now: number, limit: number): DueDelivery[] {
    return stmt(
      this.#db,
      `select id, webhook, body, created, attempts from deliveries
       where state = 'pending' and webhook = ? and next_at <= ?
       order by next_at, created, id limit ?`,
    ).all(webhook, now, limit) as unknown as DueDelivery[];
  }

  /** When the next pending delivery to `webhook` is due (Infinity when none is). */
  nextDeliveryTo(webhook: string): number {
    const next = stmt(
      this.#db,
      "select min(next_at) as at from deliveries where state = 'pending' and webhook = ?",
    ).get(webhook) as { at: number | null };
    return next.at ?? Infinity;
  }

  /**
   * Gives up, with `error`, the pending deliveries to receivers not in
   * `webhooks`; returns them.
   */
  giveUpUnlisted(webhooks: string[], error: string): DueDelivery[] {
    const gone = stmt(
      this.#db,
      `select id, webhook, body, created, attempts from deliveries
       where state = 'pending' and webhook not in (${
        webhooks.map(() => "?").join(", ")
      })`,
    ).all(...webhooks) as unknown as DueDelivery[];
    for (const d of gone) {
      stmt(
        this.#db,
        "update deliveries set state = 'given_up', last_error = ? where id = ?",
      ).run(error, d.id);
    }
    return gone;
  }

  /**
   * Forgets deliveries done before `doneBefore` and given up before
   * `givenUpBefore`; the given-up ones stay counted in
   * {@linkcode countDeliveries}.
   */
  pruneDeliveries(doneBefore: number, givenUpBefore: number): void {
    transaction(this.#db, () => {
      stmt(
        this.#db,
        "delete from deliveries where state = 'done' and created < ?",
      )
        .run(doneBefore);
      const pruned = Number(
        stmt(
          this.#db,
          "delete from deliveries where state = 'given_up' and created < ?",
        ).run(givenUpBefore).changes,
      );
      if (pruned > 0) {
        const before = Number(this.get(PRUNED_GIVEN_UP) ?? 0);
        this.set(PRUNED_GIVEN_UP, String(before + pruned));
      }
    });
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

  /**
   * How many deliveries are in `state` (`pending`, `done`, `given_up`); the
   * given-up ones pruned since count too.
   */
  countDeliveries(state: "pending" | "done" | "given_up"): number {
    const n = (stmt(
      this.#db,
      "select count(*) as n from deliveries where state = ?",
    ).get(state) as { n: number }).n;
    return state === "given_up"
      ? n + Number(this.get(PRUNED_GIVEN_UP) ?? 0)
      : n;
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
