/**
 * The incident store: a folder of finished `incident-….flog.gz` files (the
 * source of truth) and a SQLite index beside them (`index.sqlite`): incidents
 * with their category and group, the groups, a full-text index of event
 * text, and pull cursors. Memory does not grow with the
 * number of incidents; retention by count, age and bytes runs in SQL.
 *
 * @module
 */

import { PendingImports } from "../_pending_imports.ts";
import type { DatabaseSync } from "node:sqlite";
import { openIndex } from "./_index_db.ts";
import {
  type ImportOptions,
  type Store,
  STORED_NAME,
  type StoreStatus,
} from "../store.ts";
import { STORE_DEFAULTS, type StoreOptions } from "./options.ts";
import { sqliteStatus } from "./_status.ts";
import * as q from "./_queries.ts";
import { untilAborted } from "../_until_aborted.ts";
import { type Classifier, classifyIncident } from "../classify.ts";
import type { GroupView } from "../groups.ts";
import type { SessionKeeper } from "../sessions.ts";
import { sqliteSessions } from "./_sessions.ts";
import { Groups } from "./_groups.ts";
import { dropExpired, type Retention } from "./retention.ts";
import {
  type ListFilter,
  reconcile,
  type StoredIncident,
} from "../_store_rows.ts";
import { notify, Observers } from "../../lib/_observers.ts";
import {
  importIncident,
  indexClassified,
  type InsertMeta,
  removeStaged,
} from "./_insert.ts";
import { withDefaults } from "../../lib/_options.ts";
import { folderUntouched, markFolder } from "./_folder_state.ts";
import { Reclassifier, type ReclassifyProgress } from "./_reclassify.ts";
import { StoreLock } from "../lock.ts";

export type { ListFilter, StoredIncident } from "../_store_rows.ts";
export { type ImportOptions, STORED_NAME } from "../store.ts";
export type { StoreOptions } from "./options.ts";

/**
 * The incident store of one server (sidecar or gatherer).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLogger } from "@flightlog/flightlog";
 * import { IncidentStore } from "@flightlog/flightlog/store";
 * const dir = await Deno.makeTempDir();
 * const log = createLogger({ incidentDir: dir, trailingMs: 0 });
 * log.weird("odd");
 * await log.close();
 * await using store = await IncidentStore.open(dir);
 * assert.equal(store.list()[0].summary, "odd");
 * assert.equal(store.groups.list()[0].title, "odd");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class IncidentStore implements AsyncDisposable, Store {
  readonly #dir: string;
  readonly #db: DatabaseSync;
  readonly #retention: Retention;
  #classifier: Classifier | undefined;
  readonly #groups: Groups;
  #reclassifier: Reclassifier;
  #size = { count: 0, bytes: 0 };
  readonly #listeners = new Observers<(s: StoredIncident) => void>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #onError: (message: string) => void;
  readonly #importing = new PendingImports();
  readonly #lock: StoreLock;
  /** The viewer's sessions, kept in the index across restarts. */
  readonly sessions: SessionKeeper;
  #conflicts = 0;

  private constructor(
    dir: string,
    db: DatabaseSync,
    options: StoreOptions,
    lock: StoreLock,
  ) {
    const o = withDefaults(STORE_DEFAULTS, options);
    this.#dir = dir;
    this.#db = db;
    this.#lock = lock;
    this.#retention = o.retention;
    this.#classifier = o.classifier;
    this.#onError = o.onError;
    this.sessions = sqliteSessions(db);
    this.#groups = new Groups(
      db,
      withDefaults(STORE_DEFAULTS.spike, options.spike ?? {}),
    );
    this.#reclassifier = this.#reclassifierFor(o.classifier);
  }

  #reclassifierFor(classifier: Classifier | undefined): Reclassifier {
    return new Reclassifier({
      db: this.#db,
      dir: this.#dir,
      groups: this.#groups,
      classifier,
      serial: (fn) => this.#serial(fn),
    });
  }

  /**
   * Opens (creating it if needed) the store in `dir`: migrates an old
   * `index.jsonl`, drops rows whose file is gone, indexes files it does not
   * list, applies retention, and starts classifying again in the
   * background the incidents that older rules classified. Throws a
   * {@linkcode StoreLockedError} when another store has `dir` open.
   */
  static async open(
    dir: string,
    options: StoreOptions = {},
  ): Promise<IncidentStore> {
    await Deno.mkdir(dir, { recursive: true });
    const lock = await StoreLock.take(dir);
    let db: DatabaseSync | undefined;
    try {
      // Untouched since this store last closed: no need to read the folder.
      const untouched = await folderUntouched(dir);
      db = openIndex(dir);
      const store = new IncidentStore(dir, db, options, lock);
      if (!untouched) {
        await removeStaged(dir);
        await reconcile({
          db,
          dir,
          storedName: STORED_NAME,
          insert: (path, meta) => store.#insert(path, meta),
        });
      }
      store.#recount();
      await store.#applyRetention();
      store.#reclassifier.start();
      return store;
    } catch (e) {
      db?.close();
      lock.release();
      throw e;
    }
  }

  /** The store's folder. */
  get dir(): string {
    return this.#dir;
  }

  /** The groups of the stored incidents. */
  get groups(): GroupView {
    return this.#groups;
  }

  /** Runs store mutations one at a time. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  #recount(): void {
    this.#size = q.totals(this.#db);
  }

  async #applyRetention(): Promise<void> {
    const dropped = await dropExpired(this.#db, {
      dir: this.#dir,
      retention: this.#retention,
      totals: this.#size,
    });
    if (dropped > 0) this.#recount();
  }

  /** Classifies and indexes a file already in the folder. */
  async #insert(
    path: string,
    meta: InsertMeta,
  ): Promise<StoredIncident> {
    // The rules of this moment, for the classification and its hash both.
    const classifier = this.#classifier;
    const c = await classifyIncident(path, classifier);
    const s = c.summary;
    const now = Date.now();
    const events = indexClassified(this.#db, this.#groups, c, {
      ...meta,
      stored: meta.stored ?? now,
      rulesHash: classifier?.hash ?? "",
    }, now);
    this.#size = {
      count: this.#size.count + 1,
      bytes: this.#size.bytes + s.bytes,
    };
    const stored = this.get(s.name)!;
    // Stored: what follows may fail (a full disk) without undoing that.
    try {
      this.#groups.pruneNow(now);
      await this.#applyRetention();
    } catch (e) {
      this.#onError(
        `flightlog store ${this.#dir}: after storing ${s.name}: ${e}`,
      );
    }
    notify(this.#listeners, stored);
    this.#groups.tell(events);
    return stored;
  }

  /**
   * Indexes a finished incident file that is already in the store's folder
   * (written here by the recorder). Idempotent by name.
   */
  add(path: string): Promise<StoredIncident> {
    return this.#serial(async () => {
      const name = path.slice(path.lastIndexOf("/") + 1);
      return this.get(name) ??
        await this.#insert(path, { origin: "local", source: "local" });
    });
  }

  /**
   * Stores an incident pushed or pulled from a peer, or written by the app
   * itself (`{ origin: "local" }`), from its `.flog.gz` bytes, after
   * checking the name and that the bytes are a gzipped flogfile with a
   * header. Idempotent by name and content: `created` is false when it was
   * there with the same bytes; with other bytes it throws an
   * `IncidentConflictError` (counted in `conflicts`). Throws an
   * {@linkcode InvalidIncidentError} (a `TypeError`) with the reason when
   * the input is bad.
   */
  async import(
    name: string,
    bytes: Uint8Array<ArrayBuffer>,
    options: ImportOptions = {},
  ): Promise<{ incident: StoredIncident; created: boolean }> {
    if (this.#closed) throw new Error(`the store ${this.#dir} is closed`);
    // close() waits for it (its staged file included).
    const run = importIncident(
      {
        dir: this.#dir,
        get: (n) => this.get(n),
        serial: (fn) => this.#serial(fn),
        insert: (path, meta) => this.#insert(path, meta),
        read: (n) => this.read(n),
        conflict: () => this.#conflicts++,
      },
      name,
      bytes,
      options,
    );
    return await this.#importing.track(run);
  }

  /** The incident called `name`, if stored. */
  get(name: string): StoredIncident | undefined {
    return q.incident(this.#db, this.#dir, name);
  }

  /** Stored incidents matching `filter`, newest first. */
  list(filter: ListFilter = {}): StoredIncident[] {
    return q.list(this.#db, this.#dir, filter);
  }

  /** Incidents with an id above `id`, oldest first (for SSE resumption). */
  after(id: number, limit = 1000): StoredIncident[] {
    return q.after(this.#db, this.#dir, id, limit);
  }

  /** The highest id given so far (0 when empty). */
  latestId(): number {
    return q.latestId(this.#db);
  }

  /** The `.flog.gz` bytes of the incident called `name`, if stored. */
  read(
    name: string,
  ): Promise<ReadableStream<Uint8Array<ArrayBuffer>> | undefined> {
    return q.readFile(this.get(name)?.path);
  }

  /** Whether an incident with this trigger (`eventId`) is stored. */
  hasTrigger(triggerId: string): boolean {
    return q.hasTrigger(this.#db, triggerId);
  }

  /** How many incidents are stored, and their bytes. */
  totals(): { count: number; bytes: number } {
    return { ...this.#size };
  }

  /** Calls `fn` with each newly stored incident; returns an unsubscribe. */
  subscribe(fn: (s: StoredIncident) => void): () => void {
    return this.#listeners.add(fn);
  }

  /**
   * Calls `fn` with each incident stored after id `from`, oldest first, then
   * with each new one (one stored meanwhile may come twice: `fn` tells by
   * its id); returns an unsubscribe.
   */
  follow(from: number, fn: (s: StoredIncident) => void): () => void {
    return q.follow(this, from, fn);
  }

  /** Where pulling `source` got to (0 before the first). */
  cursor(source: string): number {
    return q.cursor(this.#db, source);
  }

  /** Remembers where pulling `source` got to. */
  setCursor(source: string, cursor: number): void {
    q.setCursor(this.#db, source, cursor);
  }

  /**
   * Classifies new incidents with `classifier` from now on, and the stored
   * ones again in the background (the rules changed while running). When
   * it resolves, nothing uses the previous classifier any more.
   */
  async setClassifier(classifier: Classifier | undefined): Promise<void> {
    this.#reclassifier.stop();
    await this.#reclassifier.done;
    this.#classifier = classifier;
    // Incidents being classified with the old rules are done after this.
    await this.#serial(() => Promise.resolve());
    this.#reclassifier = this.#reclassifierFor(classifier);
    this.#reclassifier.start();
  }

  /** How far classifying again with changed rules got. */
  get reclassifying(): ReclassifyProgress {
    return this.#reclassifier.progress;
  }

  /** Arrivals refused because their name was stored with other content. */
  get conflicts(): number {
    return this.#conflicts;
  }

  /** Nothing to keep up (retention runs as incidents arrive) until aborted. */
  maintain(signal: AbortSignal): Promise<void> {
    return untilAborted(signal);
  }

  /** Counts, bytes and classifying again; at once. */
  status(): Promise<StoreStatus> {
    const c = [
      this.totals(),
      this.#groups.count(),
      this.reclassifying,
      this.#conflicts,
    ] as const;
    return Promise.resolve(sqliteStatus(...c));
  }

  /** Waits for pending writes (and classifying again). */
  async flush(): Promise<void> {
    await this.#reclassifier.done;
    await this.#queue;
  }

  /** Finishes pending writes and closes the index. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#reclassifier.stop();
    await this.#importing.settled();
    await this.flush();
    this.#db.close();
    await markFolder(this.#dir);
    this.#lock.release();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
