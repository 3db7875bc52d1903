/**
 * A sidecar writing straight to ClickHouse, with no gatherer: every incident
 * of its store (and, at start, every one since the last it exported) goes
 * into the spool and on to ClickHouse. The sidecar's own store and API go on
 * as before; while ClickHouse is away the spool waits, and the app never
 * notices.
 *
 * @module
 */

import { sleep } from "../../lib/_sleep.ts";
import { errorMessage } from "../errors.ts";
import type { NodeState } from "../sqlite/node_state.ts";
import type { IncidentStore } from "../sqlite/store.ts";
import type { StoredIncident } from "../_store_rows.ts";
import type { ClickHouseOptions } from "./client.ts";
import { incidentRows } from "./rows.ts";
import { openSchema } from "./schema.ts";
import { Spool, type SpoolOptions, type SpoolStats } from "./spool.ts";

/** Where the export got to in the store's ids. */
const CURSOR = "clickhouse_export_cursor";

/** The export of one sidecar's store. */
export class ClickHouseExport implements AsyncDisposable {
  readonly #store: IncidentStore;
  readonly #spool: Spool;
  readonly #state: NodeState;
  readonly #onError: (message: string) => void;
  #chain: Promise<void> = Promise.resolve();
  readonly #abort = new AbortController();
  #off = () => {};

  private constructor(
    store: IncidentStore,
    spool: Spool,
    state: NodeState,
    onError: (message: string) => void,
  ) {
    this.#store = store;
    this.#spool = spool;
    this.#state = state;
    this.#onError = onError;
  }

  /**
   * Creates the tables if needed, opens the spool (`${store.dir}/spool`),
   * exports what came since the last run (its checkpoint is in `state`),
   * then each new incident.
   */
  static async open(
    store: IncidentStore,
    options: {
      clickhouse: ClickHouseOptions;
      state: NodeState;
      spool?: Omit<SpoolOptions, "dir">;
      onError?: (message: string) => void;
    },
  ): Promise<ClickHouseExport> {
    const onError = options.onError ?? ((m) => console.error(m));
    const layout = await openSchema(options.clickhouse);
    const spool = await Spool.open(layout, {
      dir: `${store.dir}/spool`,
      onError,
      ...options.spool,
    });
    const exp = new ClickHouseExport(store, spool, options.state, onError);
    const from = Number(exp.#state.get(CURSOR) ?? 0);
    exp.#off = store.follow(from, (s) => exp.#queue(s));
    return exp;
  }

  /** The spool's counters. */
  get spool(): SpoolStats {
    return this.#spool.stats;
  }

  #queue(s: StoredIncident): void {
    this.#chain = this.#chain.then(async () => {
      const done = Number(this.#state.get(CURSOR) ?? 0);
      if (s.id <= done) return;
      // In order: a full spool (ClickHouse away) holds up the rest, and is
      // tried again, doubling from 1 s to 30 s, until it takes it.
      for (let attempt = 0; !this.#abort.signal.aborted; attempt++) {
        try {
          const bytes = await Deno.readFile(s.path);
          await this.#spool.add(
            await incidentRows(s.path, bytes, { source: s.source }),
          );
          break;
        } catch (e) {
          if (e instanceof Deno.errors.NotFound) break; // gone by retention
          this.#onError(
            `exporting ${s.name} to ClickHouse: ${errorMessage(e)}`,
          );
          await sleep(
            Math.min(1000 * 2 ** attempt, 30_000),
            this.#abort.signal,
          );
        }
      }
      if (!this.#abort.signal.aborted) this.#state.set(CURSOR, String(s.id));
    });
  }

  /** Waits until every incident so far is in the spool, then sends it. */
  async flush(): Promise<void> {
    await this.#chain;
    await this.#spool.flush();
  }

  /** Stops; what waits stays in the spool for the next start. */
  async close(): Promise<void> {
    this.#off();
    this.#abort.abort();
    await this.#chain;
    await this.#spool.close();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
