/**
 * The incident store: a folder of finished `incident-….flog.gz` files plus
 * `index.jsonl` (one line per incident, so listing opens no file), kept
 * consistent across restarts and bounded by retention.
 *
 * @module
 */

import { type IncidentSummary, summarizeIncident } from "../lib/incidents.ts";
import { InvalidIncidentError } from "./http_error.ts";
import { checkPushedIncident, type PushLimits } from "./push_check.ts";
import { expired, type Retention } from "./retention.ts";

/**
 * A stored incident: its summary, a store-wide increasing `id` (used as the
 * SSE event id), when it was stored, and where it came from.
 *
 * @example
 * ```ts
 * import type { StoredIncident } from "@flightlog/flightlog/sidecar";
 * function label(s: StoredIncident) { return `#${s.id} ${s.name} from ${s.origin}`; }
 * ```
 */
export interface StoredIncident extends IncidentSummary {
  /** Increasing across the store's life; the SSE event id. */
  id: number;
  /** When it was stored, ms since the epoch. */
  stored: number;
  /** `local` (written here) or `peer` (pushed by another sidecar). */
  origin: "local" | "peer";
}

/**
 * Filters of {@linkcode IncidentStore.list}.
 *
 * @example
 * ```ts
 * import type { ListFilter } from "@flightlog/flightlog/sidecar";
 * const f: ListFilter = { since: Date.now() - 3_600_000, limit: 20, app: "shop" };
 * ```
 */
export interface ListFilter {
  /** Only incidents triggered at or after this time (ms since the epoch). */
  since?: number;
  /** Only incidents with an id above this one. */
  after?: number;
  /** Only incidents of this app. */
  app?: string;
  /** At most this many, newest first (default: all). */
  limit?: number;
}

/** What an incident file is called in the store. */
export const STORED_NAME =
  /^incident-\d{4}-\d\d-\d\d--\d\d-\d\d-\d\dZ-[a-z2-7]{1,32}\.flog\.gz$/;

const INDEX = "index.jsonl";

/**
 * Where an imported incident comes from.
 *
 * @example
 * ```ts
 * import type { ImportOptions } from "@flightlog/flightlog/sidecar";
 * const fromTheApp: ImportOptions = { origin: "local" };
 * ```
 */
export interface ImportOptions {
  /**
   * `peer` (pushed by another server) or `local` (written by the app itself).
   *
   * @default {"peer"}
   */
  origin?: "local" | "peer";
  /** Limits of the incident's content (see {@linkcode PushLimits}). */
  limits?: PushLimits;
}

/**
 * The incident store of one server.
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
 * const store = await IncidentStore.open(dir);
 * assert.equal(store.list()[0].summary, "odd");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class IncidentStore {
  readonly #dir: string;
  readonly #retention: Retention;
  readonly #byName = new Map<string, StoredIncident>();
  /** How many stored incidents have each trigger id. */
  readonly #triggers = new Map<string, number>();
  #nextId = 1;
  #listeners: ((s: StoredIncident) => void)[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, retention: Retention) {
    this.#dir = dir;
    this.#retention = retention;
  }

  /**
   * Opens (creating it if needed) the store in `dir`: reads the index,
   * drops entries whose file is gone, indexes files it does not list.
   */
  static async open(
    dir: string,
    retention: Retention = {},
  ): Promise<IncidentStore> {
    await Deno.mkdir(dir, { recursive: true });
    const store = new IncidentStore(dir, retention);
    await store.#load();
    return store;
  }

  /** The store's folder. */
  get dir(): string {
    return this.#dir;
  }

  async #load(): Promise<void> {
    const files = new Set<string>();
    for await (const e of Deno.readDir(this.#dir)) {
      if (e.isFile && STORED_NAME.test(e.name)) files.add(e.name);
    }
    let text = "";
    try {
      text = await Deno.readTextFile(`${this.#dir}/${INDEX}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    let dirty = false;
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      let entry: StoredIncident;
      try {
        entry = JSON.parse(line);
      } catch {
        dirty = true; // a cut last line: rewritten below
        continue;
      }
      if (!files.has(entry.name)) {
        dirty = true;
        continue;
      }
      entry.path = `${this.#dir}/${entry.name}`;
      this.#put(entry);
      this.#nextId = Math.max(this.#nextId, entry.id + 1);
    }
    const unknown: IncidentSummary[] = [];
    for (const name of files) {
      if (this.#byName.has(name)) continue;
      const summary = await summarizeIncident(`${this.#dir}/${name}`).catch(
        () => undefined,
      );
      if (summary !== undefined) unknown.push(summary);
    }
    // Ids follow trigger time, so SSE resumption stays in order.
    unknown.sort((a, b) => a.time - b.time || a.name.localeCompare(b.name));
    for (const summary of unknown) {
      this.#put({
        ...summary,
        id: this.#nextId++,
        stored: Date.now(),
        origin: "local",
      });
      dirty = true;
    }
    if (dirty) await this.#rewriteIndex();
    await this.#applyRetention();
  }

  #put(entry: StoredIncident): void {
    this.#byName.set(entry.name, entry);
    if (entry.triggerId !== undefined) {
      this.#triggers.set(
        entry.triggerId,
        (this.#triggers.get(entry.triggerId) ?? 0) + 1,
      );
    }
  }

  #drop(entry: StoredIncident): void {
    this.#byName.delete(entry.name);
    const n = entry.triggerId === undefined
      ? undefined
      : this.#triggers.get(entry.triggerId);
    if (n === undefined) return;
    if (n <= 1) this.#triggers.delete(entry.triggerId!);
    else this.#triggers.set(entry.triggerId!, n - 1);
  }

  /** Runs store mutations one at a time. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #rewriteIndex(): Promise<void> {
    const lines = [...this.#byName.values()].sort((a, b) => a.id - b.id)
      .map(indexLine).join("");
    const tmp = `${this.#dir}/${INDEX}.tmp`;
    await Deno.writeTextFile(tmp, lines);
    await Deno.rename(tmp, `${this.#dir}/${INDEX}`);
  }

  async #applyRetention(): Promise<void> {
    const doomed = expired([...this.#byName.values()], {
      retention: this.#retention,
      now: Date.now(),
    });
    if (doomed.length === 0) return;
    for (const s of doomed) {
      this.#drop(s);
      await Deno.remove(s.path).catch(() => {});
    }
    await this.#rewriteIndex();
  }

  async #insert(
    summary: IncidentSummary,
    origin: "local" | "peer",
  ): Promise<StoredIncident> {
    const entry: StoredIncident = {
      ...summary,
      id: this.#nextId++,
      stored: Date.now(),
      origin,
    };
    this.#put(entry);
    await Deno.writeTextFile(`${this.#dir}/${INDEX}`, indexLine(entry), {
      append: true,
    });
    await this.#applyRetention();
    for (const fn of this.#listeners) {
      try {
        fn(entry);
      } catch { /* a listener's problem */ }
    }
    return entry;
  }

  /**
   * Indexes a finished incident file that is already in the store's folder
   * (written here by the recorder). Idempotent by name.
   */
  add(path: string): Promise<StoredIncident> {
    return this.#serial(async () => {
      const name = path.slice(path.lastIndexOf("/") + 1);
      const known = this.#byName.get(name);
      if (known !== undefined) return known;
      return await this.#insert(await summarizeIncident(path), "local");
    });
  }

  /**
   * Stores an incident pushed by a peer, or written by the app itself
   * (`{ origin: "local" }`), from its `.flog.gz` bytes, after
   * checking the name and that the bytes are a gzipped flogfile with a
   * header. Idempotent by name: `created` is false when it was there.
   * Throws an {@linkcode InvalidIncidentError} (a `TypeError`) with the
   * reason when the input is bad.
   */
  async import(
    name: string,
    bytes: Uint8Array<ArrayBuffer>,
    options: ImportOptions = {},
  ): Promise<{ incident: StoredIncident; created: boolean }> {
    const origin = options.origin ?? "peer";
    if (!STORED_NAME.test(name)) {
      throw new InvalidIncidentError(
        `bad incident name ${JSON.stringify(name)}`,
      );
    }
    const known = this.#byName.get(name);
    if (known !== undefined) return { incident: known, created: false };
    // Checked before taking the store's turn: a big push holds up no other.
    await checkPushedIncident(name, bytes, options.limits);
    return await this.#serial(async () => {
      const known = this.#byName.get(name);
      if (known !== undefined) return { incident: known, created: false };
      const path = `${this.#dir}/${name}`;
      await writeGzipBytes(bytes, path);
      return {
        incident: await this.#insert(await summarizeIncident(path), origin),
        created: true,
      };
    });
  }

  /** The incident called `name`, if stored. */
  get(name: string): StoredIncident | undefined {
    return this.#byName.get(name);
  }

  /** Stored incidents matching `filter`, newest first. */
  list(filter: ListFilter = {}): StoredIncident[] {
    const out = [...this.#byName.values()].filter((s) =>
      (filter.since === undefined || s.time >= filter.since) &&
      (filter.after === undefined || s.id > filter.after) &&
      (filter.app === undefined || s.app === filter.app)
    ).sort((a, b) => b.time - a.time || b.id - a.id);
    return filter.limit === undefined ? out : out.slice(0, filter.limit);
  }

  /** Incidents with an id above `id`, oldest first (for SSE resumption). */
  after(id: number): StoredIncident[] {
    return [...this.#byName.values()].filter((s) => s.id > id).sort((a, b) =>
      a.id - b.id
    );
  }

  /** The highest id given so far (0 when empty). */
  get lastId(): number {
    return this.#nextId - 1;
  }

  /** Whether an incident with this trigger (`eventId`) is stored. */
  hasTrigger(triggerId: string): boolean {
    return this.#triggers.has(triggerId);
  }

  /** How many incidents are stored, and their bytes. */
  get size(): { count: number; bytes: number } {
    let bytes = 0;
    for (const s of this.#byName.values()) bytes += s.bytes;
    return { count: this.#byName.size, bytes };
  }

  /** Calls `fn` with each newly stored incident; returns an unsubscribe. */
  subscribe(fn: (s: StoredIncident) => void): () => void {
    this.#listeners = [...this.#listeners, fn];
    return () => {
      this.#listeners = this.#listeners.filter((f) => f !== fn);
    };
  }

  /** Waits for pending writes. */
  async flush(): Promise<void> {
    await this.#queue;
  }
}

function indexLine(s: StoredIncident): string {
  const { path: _path, ...rest } = s;
  return JSON.stringify(rest) + "\n";
}

/** Writes bytes that are already gzip to `path` atomically. */
async function writeGzipBytes(
  bytes: Uint8Array<ArrayBuffer>,
  path: string,
): Promise<void> {
  const tmp = `${path}.tmp`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
}
