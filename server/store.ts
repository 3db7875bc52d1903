/**
 * The incident store: a folder of finished `incident-….flog.gz` files (the
 * source of truth) and a SQLite index beside them (`index.sqlite`): incidents
 * with their category and group, the groups, a full-text index of event
 * text, pull cursors and alert deliveries. Memory does not grow with the
 * number of incidents; retention by count, age and bytes runs in SQL.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { openIndex, stmt, transaction } from "./_index_db.ts";
import type { StoreBackend } from "./backend.ts";
import { type Classifier, classifyIncident } from "./classify.ts";
import { type GroupView, SPIKE_DEFAULTS, type SpikeRule } from "./groups.ts";
import { Groups } from "./_groups_sqlite.ts";
import { InvalidIncidentError } from "./http_error.ts";
import {
  checkSameContent,
  IncidentConflictError,
} from "./incident_identity.ts";
import { checkPushedIncident, type PushLimits } from "./push_check.ts";
import { dropExpired, type Retention } from "./retention.ts";
import {
  incidentFromRow,
  insertIncident,
  type ListFilter,
  listQuery,
  reconcile,
  type StoredIncident,
} from "./_store_rows.ts";
import { notify, Observers } from "../lib/_observers.ts";
import { dirNames, syncFolderOf, writeSynced } from "../lib/_io.ts";
import { withDefaults } from "../lib/_options.ts";
import { folderUntouched, markFolder } from "./_folder_state.ts";
import { Reclassifier, type ReclassifyProgress } from "./_reclassify.ts";

export type { ListFilter, StoredIncident } from "./_store_rows.ts";

/** What an incident file is called in the store. */
export const STORED_NAME =
  /^incident-\d{4}-\d\d-\d\d--\d\d-\d\d-\d\dZ-[a-z2-7]{1,32}\.flog\.gz$/;

/** The prefix of an imported incident's file until it is renamed into place. */
const STAGED = ".importing-";

/**
 * Where an imported incident comes from.
 *
 * @example
 * ```ts
 * import type { ImportOptions } from "@flightlog/flightlog/sidecar";
 * const pulled: ImportOptions = { source: "http://10.0.0.7:8080" };
 * ```
 */
export interface ImportOptions {
  /**
   * `peer` (pushed or pulled from another server) or `local` (written by
   * the app itself).
   *
   * @default {"peer"}
   */
  origin?: "local" | "peer";
  /**
   * Where it came from: `local`, `push`, or the URL it was pulled from.
   *
   * @default {"push"}
   */
  source?: string;
  /** Limits of the incident's content (see {@linkcode PushLimits}). */
  limits?: PushLimits;
}

/**
 * How a store is kept.
 *
 * @example
 * ```ts
 * import type { StoreOptions } from "@flightlog/flightlog/sidecar";
 * const o: StoreOptions = { retention: { maxCount: 10_000 }, spike: { count: 5 } };
 * ```
 */
export interface StoreOptions {
  /** Bounds of the store (unbounded when unset). */
  retention?: Retention;
  /** The rules that give incidents categories (all `unknown` without). */
  classifier?: Classifier;
  /** When a group spikes. */
  spike?: SpikeRule;
  /**
   * Told of housekeeping that failed after an incident was stored (the
   * retention and the group log's pruning run again at the next one).
   *
   * @default {console.error}
   */
  onError?: (message: string) => void;
}

const STORE_DEFAULTS = {
  retention: {},
  classifier: undefined,
  spike: SPIKE_DEFAULTS,
  onError: (message: string) => console.error(message),
};

/** How long the group log keeps events (for stream resumption and alerts). */
const GROUP_LOG_MS = 7 * 86_400_000;

/**
 * The incident store of one server (sidecar or gatherer).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLogger } from "@flightlog/flightlog";
 * import { IncidentStore } from "@flightlog/flightlog/sidecar";
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
export class IncidentStore implements AsyncDisposable, StoreBackend {
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
  /** When the group log was last pruned (at most once a minute). */
  #pruned = 0;
  readonly #onError: (message: string) => void;
  readonly #importing = new Set<Promise<unknown>>();
  #conflicts = 0;

  private constructor(dir: string, db: DatabaseSync, options: StoreOptions) {
    const o = withDefaults(STORE_DEFAULTS, options);
    this.#dir = dir;
    this.#db = db;
    this.#retention = o.retention;
    this.#classifier = o.classifier;
    this.#onError = o.onError;
    this.#groups = new Groups(
      db,
      withDefaults(STORE_DEFAULTS.spike, options.spike ?? {}),
    );
    this.#reclassifier = new Reclassifier({
      db,
      dir,
      groups: this.#groups,
      classifier: o.classifier,
      serial: (fn) => this.#serial(fn),
    });
  }

  /**
   * Opens (creating it if needed) the store in `dir`: migrates an old
   * `index.jsonl`, drops rows whose file is gone, indexes files it does not
   * list, applies retention, and starts classifying again in the
   * background the incidents that older rules classified.
   */
  static async open(
    dir: string,
    options: StoreOptions = {},
  ): Promise<IncidentStore> {
    await Deno.mkdir(dir, { recursive: true });
    // Untouched since this store last closed: no need to read the folder.
    const untouched = await folderUntouched(dir);
    const db = openIndex(dir);
    const store = new IncidentStore(dir, db, options);
    try {
      if (!untouched) {
        // What imports cut short by a crash left.
        for (const name of await dirNames(dir)) {
          if (name.startsWith(STAGED)) {
            await Deno.remove(`${dir}/${name}`).catch(() => {});
          }
        }
        await reconcile({
          db,
          dir,
          storedName: STORED_NAME,
          insert: (path, meta) => store.#insert(path, meta),
        });
      }
      store.#recount();
      await store.#applyRetention();
    } catch (e) {
      db.close();
      throw e;
    }
    store.#reclassifier.start();
    return store;
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
    const row = stmt(
      this.#db,
      "select count(*) as count, coalesce(sum(bytes), 0) as bytes from incidents",
    ).get() as { count: number; bytes: number };
    this.#size = { count: row.count, bytes: row.bytes };
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
    meta: {
      origin: "local" | "peer";
      source: string;
      id?: number;
      stored?: number;
    },
  ): Promise<StoredIncident> {
    // The rules of this moment, for the classification and its hash both.
    const classifier = this.#classifier;
    const c = await classifyIncident(path, classifier);
    const s = c.summary;
    const now = Date.now();
    const events = transaction(this.#db, () => {
      const id = insertIncident(this.#db, {
        c,
        ...meta,
        stored: meta.stored ?? now,
        rulesHash: classifier?.hash ?? "",
      });
      stmt(this.#db, "insert into incident_text (rowid, text) values (?, ?)")
        .run(id, c.text);
      return this.#groups.join({
        group: c.group,
        title: c.title,
        category: c.category,
        incident: s.name,
        time: s.time,
        app: s.app,
        host: s.host,
        version: s.version,
      }, { now });
    });
    this.#size = {
      count: this.#size.count + 1,
      bytes: this.#size.bytes + s.bytes,
    };
    const stored = this.get(s.name)!;
    // Stored: what follows may fail (a full disk) without undoing that.
    try {
      if (now - this.#pruned > 60_000) {
        this.#pruned = now;
        this.#groups.prune(now, GROUP_LOG_MS);
      }
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
   * {@linkcode IncidentConflictError} (counted in `conflicts`). Throws an
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
    const run = this.#import(name, bytes, options);
    this.#importing.add(run);
    try {
      return await run;
    } finally {
      this.#importing.delete(run);
    }
  }

  async #import(
    name: string,
    bytes: Uint8Array<ArrayBuffer>,
    options: ImportOptions,
  ): Promise<{ incident: StoredIncident; created: boolean }> {
    const origin = options.origin ?? "peer";
    const source = options.source ?? (origin === "local" ? "local" : "push");
    if (!STORED_NAME.test(name)) {
      throw new InvalidIncidentError(
        `bad incident name ${JSON.stringify(name)}`,
      );
    }
    const known = this.get(name);
    if (known !== undefined) return await this.#again(known, bytes);
    // Checked, written and synced before taking the store's turn: a big
    // push holds up no other, and imports wait for the disk side by side.
    // Synced before it counts as taken: a pusher drops its copy on 201.
    await checkPushedIncident(name, bytes, options.limits, {
      nameTime: origin === "peer",
    });
    const staged = `${this.#dir}/${STAGED}${crypto.randomUUID()}`;
    await writeSynced(staged, bytes);
    let renamed = false;
    try {
      return await this.#serial(async () => {
        const known = this.get(name);
        if (known !== undefined) return await this.#again(known, bytes);
        const path = `${this.#dir}/${name}`;
        await Deno.rename(staged, path);
        renamed = true;
        try {
          await syncFolderOf(path);
          return {
            incident: await this.#insert(path, { origin, source }),
            created: true,
          };
        } catch (e) {
          // Refused whole (not indexed): the sender keeps its copy, sends
          // it again later.
          if (this.get(name) === undefined) {
            await Deno.remove(path).catch(() => {});
          }
          throw e;
        }
      });
    } finally {
      if (!renamed) await Deno.remove(staged).catch(() => {});
    }
  }

  /**
   * A name stored already, arriving again: the same incident when its bytes
   * are the same, else a conflict (counted, thrown).
   */
  async #again(
    known: StoredIncident,
    bytes: Uint8Array,
  ): Promise<{ incident: StoredIncident; created: false }> {
    try {
      await checkSameContent(known.name, await this.read(known.name), bytes);
    } catch (e) {
      if (e instanceof IncidentConflictError) this.#conflicts++;
      throw e;
    }
    return { incident: known, created: false };
  }

  /** Arrivals refused because their name was stored with other content. */
  get conflicts(): number {
    return this.#conflicts;
  }

  /** The incident called `name`, if stored. */
  get(name: string): StoredIncident | undefined {
    const row = stmt(this.#db, "select * from incidents where name = ?")
      .get(name) as Record<string, unknown> | undefined;
    return row && incidentFromRow(row, this.#dir);
  }

  /** Stored incidents matching `filter`, newest first. */
  list(filter: ListFilter = {}): StoredIncident[] {
    const query = listQuery(filter);
    if (query === undefined) return [];
    const rows = stmt(this.#db, query.sql).all(...query.args) as Record<
      string,
      unknown
    >[];
    return rows.map((r) => incidentFromRow(r, this.#dir));
  }

  /** Incidents with an id above `id`, oldest first (for SSE resumption). */
  after(id: number, limit = 1000): StoredIncident[] {
    return (stmt(
      this.#db,
      "select * from incidents where id > ? order by id limit ?",
    ).all(id, limit) as Record<string, unknown>[]).map((r) =>
      incidentFromRow(r, this.#dir)
    );
  }

  /** The highest id given so far (0 when empty). */
  latestId(): number {
    const row = stmt(
      this.#db,
      "select seq from sqlite_sequence where name = 'incidents'",
    ).get() as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  /** The `.flog.gz` bytes of the incident called `name`, if stored. */
  async read(
    name: string,
  ): Promise<ReadableStream<Uint8Array<ArrayBuffer>> | undefined> {
    const s = this.get(name);
    if (s === undefined) return undefined;
    try {
      return (await Deno.open(s.path)).readable;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  }

  /** Whether an incident with this trigger (`eventId`) is stored. */
  hasTrigger(triggerId: string): boolean {
    return stmt(this.#db, "select 1 from incidents where trigger_id = ?")
      .get(triggerId) !== undefined;
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
    const off = this.subscribe(fn);
    for (let page = this.after(from); page.length > 0;) {
      for (const s of page) fn(s);
      page = this.after(page.at(-1)!.id);
    }
    return off;
  }

  /** Where pulling `source` got to (0 before the first). */
  cursor(source: string): number {
    const row = stmt(this.#db, "select cursor from sources where url = ?")
      .get(source) as { cursor: number } | undefined;
    return row?.cursor ?? 0;
  }

  /** Remembers where pulling `source` got to. */
  setCursor(source: string, cursor: number): void {
    stmt(
      this.#db,
      `insert into sources (url, cursor, updated) values (?, ?, ?)
       on conflict (url) do update set cursor = excluded.cursor, updated = excluded.updated`,
    ).run(source, cursor, Date.now());
  }

  /**
   * Classifies new incidents with `classifier` from now on, and the stored
   * ones again in the background (the rules changed while running). When
   * it resolves, nothing uses the previous classifier any more.
   */
  async reclassifyWith(classifier: Classifier | undefined): Promise<void> {
    this.#reclassifier.stop();
    await this.#reclassifier.done;
    this.#classifier = classifier;
    // Incidents being classified with the old rules are done after this.
    await this.#serial(() => Promise.resolve());
    this.#reclassifier = new Reclassifier({
      db: this.#db,
      dir: this.#dir,
      groups: this.#groups,
      classifier,
      serial: (fn) => this.#serial(fn),
    });
    this.#reclassifier.start();
  }

  /** How far classifying again with changed rules got. */
  get reclassifying(): ReclassifyProgress {
    return this.#reclassifier.progress;
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
    await Promise.allSettled(this.#importing);
    await this.flush();
    this.#db.close();
    await markFolder(this.#dir);
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
