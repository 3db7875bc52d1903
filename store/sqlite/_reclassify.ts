/**
 * Classifying stored incidents again, in the background, when the rules
 * changed (their hash differs from the one an incident was classified
 * with). Each incident moves to its new group and category in one
 * transaction, taking its turn with the store's other writes; it raises no
 * alert, and the store serves all along.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { transaction } from "./_index_db.ts";
import { type Classifier, classifyIncident } from "../classify.ts";
import type { Groups } from "./_groups.ts";

/**
 * How far classifying again got.
 *
 * @example
 * ```ts
 * import type { ReclassifyProgress } from "@flightlog/flightlog/store";
 * const p: ReclassifyProgress = { pending: 10, done: 90, moved: 3, failed: 0 };
 * ```
 */
export interface ReclassifyProgress {
  /** Incidents still classified by older rules. */
  pending: number;
  /** Incidents classified again so far. */
  done: number;
  /** Of those, how many changed group. */
  moved: number;
  /** Incidents whose file could not be read (left as they were). */
  failed: number;
}

/** Incidents read per round. */
const BATCH = 50;

/** What {@linkcode Reclassifier} works with. */
export interface Reclassifying {
  db: DatabaseSync;
  dir: string;
  groups: Groups;
  classifier: Classifier | undefined;
  serial: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** The background job of one store. */
export class Reclassifier {
  readonly #r: Reclassifying;
  readonly #hash: string;
  #stopped = false;
  /** Resolves when the job is over (at once when there is nothing to do). */
  done: Promise<void> = Promise.resolve();
  readonly progress: ReclassifyProgress = {
    pending: 0,
    done: 0,
    moved: 0,
    failed: 0,
  };

  constructor(r: Reclassifying) {
    this.#r = r;
    this.#hash = r.classifier?.hash ?? "";
  }

  /** Starts, if any incident was classified by other rules. */
  start(): void {
    this.progress.pending = this.#pending();
    if (this.progress.pending > 0) this.done = this.#run();
  }

  /** Stops after the incident at hand. */
  stop(): void {
    this.#stopped = true;
  }

  #pending(): number {
    return (this.#r.db.prepare(
      "select count(*) as n from incidents where rules_hash != ?",
    ).get(this.#hash) as { n: number }).n;
  }

  async #run(): Promise<void> {
    // Incidents below this id that are left are ones that failed.
    let passed = 0;
    while (!this.#stopped) {
      const rows = this.#r.db.prepare(
        `select id, name, time, group_id, category from incidents
         where rules_hash != ? and id > ? order by id limit ?`,
      ).all(this.#hash, passed, BATCH) as {
        id: number;
        name: string;
        time: number;
        group_id: string;
        category: string;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        if (this.#stopped) return;
        await this.#r.serial(async () => {
          try {
            await this.#one(row);
          } catch {
            passed = Math.max(passed, row.id);
            this.progress.failed++;
          }
        });
        this.progress.pending = Math.max(0, this.progress.pending - 1);
      }
    }
  }

  async #one(
    row: { id: number; name: string; time: number; group_id: string },
  ): Promise<void> {
    const c = await classifyIncident(
      `${this.#r.dir}/${row.name}`,
      this.#r.classifier,
    );
    const { db, groups } = this.#r;
    transaction(db, () => {
      db.prepare(
        "update incidents set group_id = ?, category = ?, rule = ?, rules_hash = ? where id = ?",
      ).run(c.group, c.category, c.rule ?? null, this.#hash, row.id);
      if (c.group === row.group_id) {
        db.prepare("update groups set category = ? where id = ?").run(
          c.category,
          c.group,
        );
        return;
      }
      groups.leave(row.group_id, row.time);
      groups.join({
        group: c.group,
        title: c.title,
        category: c.category,
        incident: row.name,
        time: row.time,
        app: c.summary.app,
        host: c.summary.host,
        version: c.summary.version,
      }, { now: Date.now(), quiet: true });
      this.progress.moved++;
    });
    this.progress.done++;
  }
}
