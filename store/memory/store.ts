/**
 * The memory store: the reference implementation of {@linkcode Store},
 * kept in plain maps and gone when closed. For tests of what sits above a
 * store (the API, sources, webhooks) and as the plainest statement of what
 * every backend does.
 *
 * @module
 */

import { PendingImports } from "../_pending_imports.ts";
import { arrivedAgain, conflictsMetric } from "../incident_identity.ts";
import { notify, Observers } from "../../lib/_observers.ts";
import { withDefaults } from "../../lib/_options.ts";
import { type Classifier, classifyIncident } from "../classify.ts";
import { InvalidIncidentError } from "../errors.ts";
import { type GroupView, SPIKE_DEFAULTS, type SpikeRule } from "../groups.ts";
import { checkPushedIncident } from "../push_check.ts";
import {
  type ImportOptions,
  type Store,
  STORED_NAME,
  type StoreStatus,
} from "../store.ts";
import type { ListFilter, StoredIncident } from "../_store_rows.ts";
import { MemoryGroups } from "./_groups.ts";
import { untilAborted } from "../_until_aborted.ts";

/**
 * How a memory store is kept.
 *
 * @example
 * ```ts
 * import type { MemoryStoreOptions } from "@flightlog/flightlog/store";
 * const o: MemoryStoreOptions = { spike: { count: 3 } };
 * ```
 */
export interface MemoryStoreOptions {
  /** The rules that give incidents categories (all `unknown` without). */
  classifier?: Classifier;
  /** When a group spikes. */
  spike?: SpikeRule;
}

/** Whether `text` has every word of `q` (as a prefix of one of its words). */
function matches(text: string, q: string): boolean {
  const words = text.toLowerCase().split(/[^\p{L}\p{N}_]+/u);
  const wanted = q.toLowerCase().split(/\s+/).filter((w) => w !== "");
  return wanted.length > 0 &&
    wanted.every((w) => words.some((x) => x.startsWith(w)));
}

/**
 * A store in memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MemoryStore } from "@flightlog/flightlog/store";
 * await using store = new MemoryStore();
 * assert.equal((await store.totals()).count, 0);
 * ```
 */
export class MemoryStore implements Store, AsyncDisposable {
  readonly #incidents = new Map<
    string,
    { s: StoredIncident; bytes: Uint8Array<ArrayBuffer>; text: string }
  >();
  readonly #byId: StoredIncident[] = [];
  readonly #cursors = new Map<string, number>();
  readonly #listeners = new Observers<(s: StoredIncident) => void>();
  readonly #importing = new PendingImports();
  #conflicts = 0;
  readonly #groups: MemoryGroups;
  #classifier: Classifier | undefined;

  /** An empty store. */
  constructor(options: MemoryStoreOptions = {}) {
    this.#classifier = options.classifier;
    this.#groups = new MemoryGroups(
      withDefaults(SPIKE_DEFAULTS, options.spike ?? {}),
    );
  }

  /** The groups of the stored incidents. */
  get groups(): GroupView {
    return this.#groups;
  }

  /** Stored incidents matching `filter`, newest first. */
  list(filter: ListFilter = {}): StoredIncident[] {
    const found = [...this.#incidents.values()].filter(({ s, text }) =>
      (filter.since === undefined || s.time >= filter.since) &&
      (filter.after === undefined || s.id > filter.after) &&
      (filter.app === undefined || s.app === filter.app) &&
      (filter.group === undefined || s.group === filter.group) &&
      (filter.category === undefined || s.category === filter.category) &&
      (filter.q === undefined || matches(text, filter.q))
    ).map(({ s }) => s);
    found.sort((a, b) => b.time - a.time || b.id - a.id);
    return found.slice(0, filter.limit ?? found.length).map((s) => ({ ...s }));
  }

  /** The incident called `name`, if stored. */
  get(name: string): StoredIncident | undefined {
    const kept = this.#incidents.get(name);
    return kept && { ...kept.s };
  }

  /** The `.flog.gz` bytes of the incident called `name`, if stored. */
  read(name: string): ReadableStream<Uint8Array<ArrayBuffer>> | undefined {
    const kept = this.#incidents.get(name);
    return kept && new Blob([kept.bytes]).stream() as ReadableStream<
      Uint8Array<ArrayBuffer>
    >;
  }

  /** Stores an incident from its `.flog.gz` bytes, once by name. */
  import(
    name: string,
    bytes: Uint8Array<ArrayBuffer>,
    options: ImportOptions = {},
  ): Promise<{ incident: StoredIncident; created: boolean }> {
    return this.#importing.track(this.#import(name, bytes, options));
  }

  /**
   * A name stored already, arriving again: the same incident when its bytes
   * are the same, else a conflict (counted, thrown).
   */
  async #again(
    known: StoredIncident,
    bytes: Uint8Array,
  ): Promise<{ incident: StoredIncident; created: false }> {
    const stored = await this.read(known.name);
    return await arrivedAgain(
      known,
      known.name,
      stored,
      bytes,
      () => this.#conflicts++,
    );
  }

  /** Arrivals refused because their name was stored with other content. */
  get conflicts(): number {
    return this.#conflicts;
  }

  async #import(
    name: string,
    bytes: Uint8Array<ArrayBuffer>,
    options: ImportOptions,
  ): Promise<{ incident: StoredIncident; created: boolean }> {
    if (!STORED_NAME.test(name)) {
      throw new InvalidIncidentError(
        `bad incident name ${JSON.stringify(name)}`,
      );
    }
    const known = this.get(name);
    if (known !== undefined) return await this.#again(known, bytes);
    await checkPushedIncident(name, bytes, options.limits, {
      nameTime: (options.origin ?? "peer") === "peer",
    });
    const copy = bytes.slice();
    // Classifying reads a file: a private copy, gone at once.
    const tmp = await Deno.makeTempDir({ prefix: "flightlog-mem-" });
    const classifier = this.#classifier;
    let c;
    try {
      await Deno.writeFile(`${tmp}/${name}`, copy);
      c = await classifyIncident(`${tmp}/${name}`, classifier);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
    // Another import of the same name may have finished meanwhile.
    const raced = this.get(name);
    if (raced !== undefined) return await this.#again(raced, bytes);
    const origin = options.origin ?? "peer";
    const s: StoredIncident = {
      ...c.summary,
      path: `memory:${name}`,
      id: this.#byId.length + 1,
      stored: Date.now(),
      origin,
      source: options.source ?? (origin === "local" ? "local" : "push"),
      group: c.group,
      category: c.category,
      ...(c.rule === undefined ? {} : { rule: c.rule }),
    };
    this.#incidents.set(name, { s, bytes: copy, text: c.text });
    this.#byId.push(s);
    this.#groups.join({
      group: c.group,
      title: c.title,
      category: c.category,
      incident: name,
      time: s.time,
      app: s.app,
      host: s.host,
      version: s.version,
    }, s.stored);
    notify(this.#listeners, { ...s });
    return { incident: { ...s }, created: true };
  }

  /** Incidents with an id above `id`, oldest first. */
  after(id: number, limit = 1000): StoredIncident[] {
    return this.#byId.slice(Math.max(0, id), Math.max(0, id) + limit)
      .map((s) => ({ ...s }));
  }

  /** The highest incident id (0 when none). */
  latestId(): number {
    return this.#byId.length;
  }

  /** How many incidents are stored, and their bytes. */
  totals(): { count: number; bytes: number } {
    let bytes = 0;
    for (const { s } of this.#incidents.values()) bytes += s.bytes;
    return { count: this.#incidents.size, bytes };
  }

  /** Calls `fn` with each newly stored incident; returns an unsubscribe. */
  subscribe(fn: (s: StoredIncident) => void): () => void {
    return this.#listeners.add(fn);
  }

  /** Where pulling `source` got to (0 before the first). */
  cursor(source: string): number {
    return this.#cursors.get(source) ?? 0;
  }

  /** Remembers where pulling `source` got to. */
  setCursor(source: string, cursor: number): void {
    this.#cursors.set(source, cursor);
  }

  /** Classifies new incidents with `classifier` (stored ones keep theirs). */
  async setClassifier(classifier: Classifier | undefined): Promise<void> {
    this.#classifier = classifier;
    await this.#importing.settled();
  }

  /** Nothing to keep up: resolves when `signal` aborts. */
  maintain(signal: AbortSignal): Promise<void> {
    return untilAborted(signal);
  }

  /** Counts and bytes. */
  status(): Promise<StoreStatus> {
    const t = this.totals();
    return Promise.resolve({
      backend: "memory",
      health: {},
      metrics: [
        conflictsMetric(this.#conflicts),
        {
          name: "flightlog_incidents_stored",
          type: "gauge",
          help: "Incidents in the store.",
          value: t.count,
        },
        {
          name: "flightlog_incidents_stored_bytes",
          type: "gauge",
          help: "Bytes of incidents in the store.",
          value: t.bytes,
        },
        {
          name: "flightlog_groups",
          type: "gauge",
          help: "Groups of incidents (one per fingerprint).",
          value: this.#groups.count(),
        },
      ],
    });
  }

  /** Waits for imports under way. */
  async flush(): Promise<void> {
    await this.#importing.settled();
  }

  /** Waits for imports under way; the incidents go with the store. */
  close(): Promise<void> {
    return this.flush();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
