/**
 * The store of a stateless gatherer: every answer comes from ClickHouse, so
 * any number of gatherers on one ClickHouse (or cluster) serve the same
 * incidents, groups, search and streams. Incidents come in through the
 * spool (on disk until ClickHouse has them); the streams poll ClickHouse, so
 * a stream from one gatherer hears of incidents that reached another.
 *
 * @module
 */

import { PendingImports } from "../_pending_imports.ts";
import type {
  EventHit,
  EventSearch,
  GroupBackend,
  Store,
  StoreStatus,
} from "../store.ts";
import { isTraceId } from "../../lib/trace_context.ts";
import type { Classifier } from "../classify.ts";
import { errorMessage, InvalidIncidentError } from "../errors.ts";
import { clickhouseStatus } from "./_status.ts";
import { checkPushedIncident } from "../push_check.ts";
import { type ImportOptions, STORED_NAME } from "../store.ts";
import {
  type ListFilter,
  searchWords,
  type StoredIncident,
} from "../_store_rows.ts";
import { arrivedAgain, conflictsMetric } from "../incident_identity.ts";
import { sleep } from "../../lib/_sleep.ts";
import { ClickHouseGroups } from "./groups.ts";
import { sqlInt, sqlString } from "./client.ts";
import { fromBase64, incidentFromRow, incidentRows } from "./rows.ts";
import { dropOldPartitions, type Layout, openSchema } from "./schema.ts";
import { searchEvents } from "./_search.ts";
import { ClusterPoller, LOOKBACK } from "./_poll.ts";
import { SeqClock, Spool, type SpoolStats } from "./spool.ts";
import type { ClickHouseStoreOptions } from "./options.ts";

export type { ClickHouseStoreOptions } from "./options.ts";

/** The columns of an incident row but its body. */
const COLUMNS = `name, seq, source, app, host, version, pid, time, level,
  facility, summary, trigger_id, category, group_id, title, rule, events,
  bytes, recovered, damage`;

/**
 * Incidents and groups in ClickHouse: what a gatherer started with
 * `clickhouse` serves from.
 *
 * @example
 * ```ts
 * import type { ClickHouseStore } from "@flightlog/flightlog/store";
 * async function report(store: ClickHouseStore) {
 *   const { count } = await store.totals();
 *   const backlog = store.spool.files; // waiting while ClickHouse is away
 *   return `${count} incidents, ${backlog} on their way`;
 * }
 * ```
 */
export class ClickHouseStore implements Store, AsyncDisposable {
  readonly #l: Layout;
  readonly #spool: Spool;
  readonly #o: ClickHouseStoreOptions;
  readonly #seq = new SeqClock();
  readonly groups: GroupBackend;
  /** Ids are stamped by each gatherer's clock: streams look back this far. */
  readonly lookback: number = LOOKBACK;
  readonly #poller: ClusterPoller;
  #classifier: Classifier | undefined;
  readonly #importing = new PendingImports();
  #conflicts = 0;

  private constructor(l: Layout, spool: Spool, o: ClickHouseStoreOptions) {
    this.#l = l;
    this.#spool = spool;
    this.#o = o;
    this.#classifier = o.classifier;
    this.#poller = new ClusterPoller(this, o.pollMs);
    this.groups = new ClickHouseGroups(
      l,
      this.#seq,
      (fn) => this.#poller.onGroupEvent(fn),
      o.spike,
    );
  }

  /** Creates or migrates the tables, opens the spool, and serves. */
  static async open(options: ClickHouseStoreOptions): Promise<ClickHouseStore> {
    const layout = await openSchema(options.clickhouse);
    const spool = await Spool.open(layout, options.spool);
    return new ClickHouseStore(layout, spool, options);
  }

  /**
   * Classifies new incidents with `classifier` from now on (stored ones keep
   * their category: ClickHouse rows are not rewritten). When it resolves,
   * the imports that were under way with the previous one have finished.
   */
  async setClassifier(classifier: Classifier | undefined): Promise<void> {
    this.#classifier = classifier;
    await this.#importing.settled();
  }

  /** Drops the day partitions past `maxAgeMs`, hourly, until `signal` aborts. */
  async maintain(
    signal: AbortSignal,
    onError: (message: string) => void,
  ): Promise<void> {
    if (this.#o.maxAgeMs === undefined) return;
    while (!signal.aborted) {
      await this.applyRetention().catch((e) =>
        onError(`retention in ClickHouse: ${errorMessage(e)}`)
      );
      await sleep(3_600_000, signal);
    }
  }

  /** The counts, the spool, and whether ClickHouse answered last time. */
  async status(): Promise<StoreStatus> {
    const status = await clickhouseStatus(
      this,
      this.#spool.stats,
      this.lastError,
    );
    status.metrics.push(conflictsMetric(this.#conflicts));
    return status;
  }

  /** Arrivals refused because their name was stored with other content. */
  get conflicts(): number {
    return this.#conflicts;
  }

  /** The spool's counters (the backlog while ClickHouse is away). */
  get spool(): SpoolStats {
    return this.#spool.stats;
  }

  /** The latest failure to reach ClickHouse from a stream, if any. */
  get lastError(): string | undefined {
    return this.#poller.lastError ?? this.#spool.stats.lastError;
  }

  async #one(where: string): Promise<StoredIncident | undefined> {
    const [row] = await this.#l.ch.query(
      `SELECT ${COLUMNS} FROM ${this.#l.incidents} WHERE ${where}
       ORDER BY seq LIMIT 1`,
    );
    return row && incidentFromRow(row);
  }

  /** Stored incidents matching `filter`, newest first. */
  async list(filter: ListFilter = {}): Promise<StoredIncident[]> {
    const where: string[] = [];
    if (filter.since !== undefined) {
      where.push(`time >= ${sqlInt(filter.since)}`);
    }
    if (filter.app !== undefined) where.push(`app = ${sqlString(filter.app)}`);
    if (filter.group !== undefined) {
      where.push(`group_id = ${sqlString(filter.group)}`);
    }
    if (filter.category !== undefined) {
      where.push(`category = ${sqlString(filter.category)}`);
    }
    const words = searchWords(filter.q ?? "");
    if (filter.q !== undefined && words.length === 0) return [];
    for (const w of words) {
      // A trace id is looked for in the events' fields (their trace_id), as
      // the SQLite store's full-text index holds it beside the text.
      const col = isTraceId(w) ? "fields" : "text";
      where.push(
        `name GLOBAL IN (SELECT incident FROM ${this.#l.events} WHERE positionCaseInsensitiveUTF8(${col}, ${
          sqlString(w)
        }) > 0)`,
      );
    }
    // Each incident once (its first row: its id), then the newest, in
    // ClickHouse: only what is asked for comes back.
    const rows = await this.#l.ch.query(
      `SELECT * FROM (
         SELECT ${COLUMNS} FROM ${this.#l.incidents}
         ${where.length ? "WHERE " + where.join(" AND ") : ""}
         ORDER BY seq LIMIT 1 BY name
       ) ${
        filter.after === undefined ? "" : `WHERE seq > ${sqlInt(filter.after)}`
      }
       ORDER BY time DESC, seq DESC
       ${filter.limit === undefined ? "" : `LIMIT ${sqlInt(filter.limit)}`}`,
    );
    return rows.map(incidentFromRow);
  }

  /** The incident called `name`, if stored. */
  get(name: string): Promise<StoredIncident | undefined> {
    return this.#one(`name = ${sqlString(name)}`);
  }

  /** The `.flog.gz` bytes of the incident called `name`. */
  async read(
    name: string,
  ): Promise<ReadableStream<Uint8Array<ArrayBuffer>> | undefined> {
    const [row] = await this.#l.ch.query<{ body: string }>(
      `SELECT body FROM ${this.#l.incidents} WHERE name = ${
        sqlString(name)
      } LIMIT 1`,
    );
    if (row === undefined) return undefined;
    const bytes = fromBase64(row.body);
    return new Blob([bytes]).stream() as ReadableStream<
      Uint8Array<ArrayBuffer>
    >;
  }

  /**
   * Takes an incident: checked, classified, and in the spool (on disk) when
   * this resolves; in ClickHouse soon after. Once by name; a name stored
   * with other content throws an `IncidentConflictError` (counted).
   */
  import(
    name: string,
    bytes: Uint8Array<ArrayBuffer>,
    options: ImportOptions = {},
  ): Promise<{ incident: StoredIncident; created: boolean }> {
    return this.#importing.track(this.#import(name, bytes, options));
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
    // ClickHouse away: the spool takes it, and the tables replace by name.
    const known = await this.get(name).catch(() => undefined);
    if (known !== undefined) {
      const stored = await this.read(name);
      return await arrivedAgain(
        known,
        name,
        stored,
        bytes,
        () => this.#conflicts++,
      );
    }
    await checkPushedIncident(name, bytes, options.limits, {
      nameTime: options.origin !== "local",
    });
    const tmp = await Deno.makeTempDir({ prefix: "flightlog-ch-" });
    try {
      const path = `${tmp}/${name}`;
      await Deno.writeFile(path, bytes);
      const source = options.source ??
        (options.origin === "local" ? "local" : "push");
      const rows = await incidentRows(path, bytes, {
        source,
        classifier: this.#classifier,
      });
      await this.#spool.add(rows);
      return {
        incident: incidentFromRow({ ...rows.incident, seq: 0 }),
        created: true,
      };
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  }

  /** Incidents first stored after `id`, oldest first. */
  async after(id: number, limit = 1000): Promise<StoredIncident[]> {
    const { incidents, ch } = this.#l;
    const after = sqlInt(Math.max(0, Math.floor(id)));
    const rows = await ch.query(
      `SELECT * FROM (
         SELECT ${COLUMNS} FROM ${incidents}
         WHERE name GLOBAL IN (SELECT name FROM ${incidents} WHERE seq > ${after})
         ORDER BY seq LIMIT 1 BY name
       ) WHERE seq > ${after} ORDER BY seq LIMIT ${sqlInt(limit)}`,
    );
    return rows.map(incidentFromRow);
  }

  /** The highest incident id (0 when none). */
  async latestId(): Promise<number> {
    const [r] = await this.#l.ch.query<{ m: number }>(
      `SELECT max(seq) AS m FROM ${this.#l.incidents}`,
    );
    return r?.m ?? 0;
  }

  /** How many incidents are stored, and their bytes. */
  async totals(): Promise<{ count: number; bytes: number }> {
    const [r] = await this.#l.ch.query<{ count: number; bytes: number }>(
      `SELECT count() AS count, sum(b) AS bytes FROM (
         SELECT name, any(bytes) AS b FROM ${this.#l.incidents} GROUP BY name)`,
    );
    return { count: r?.count ?? 0, bytes: r?.bytes ?? 0 };
  }

  /** Calls `fn` with each incident stored anywhere on the cluster, as polled. */
  subscribe(fn: (s: StoredIncident) => void): () => void {
    return this.#poller.onIncident(fn);
  }

  /** Where pulling `source` got to, as any gatherer left it. */
  async cursor(source: string): Promise<number> {
    const [r] = await this.#l.ch.query<{ c: number }>(
      `SELECT argMax(cursor, updated) AS c FROM ${this.#l.cursors}
       WHERE url = ${sqlString(source)}`,
    );
    return r?.c ?? 0;
  }

  /** Remembers where pulling `source` got to. */
  async setCursor(source: string, cursor: number): Promise<void> {
    await this.#l.ch.insert(
      this.#l.cursors,
      JSON.stringify({ url: source, cursor, updated: this.#seq.next() }),
      this.#l.insertSettings,
    );
  }

  /** Searches the events of every incident of the fleet, newest first. */
  searchEvents(s: EventSearch): Promise<EventHit[]> {
    return searchEvents(this.#l, s);
  }

  /** Drops the day partitions past `maxAgeMs` (the gatherer runs it hourly). */
  async applyRetention(): Promise<number> {
    if (this.#o.maxAgeMs === undefined) return 0;
    return await dropOldPartitions(this.#l, this.#o.maxAgeMs);
  }

  /** Sends what the spool holds now (tests, shutdown). */
  flush(): Promise<void> {
    return this.#spool.flush();
  }

  /** Stops polling and sending; the spool keeps what is left. */
  async close(): Promise<void> {
    await this.#poller.close();
    await this.#spool.close();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
