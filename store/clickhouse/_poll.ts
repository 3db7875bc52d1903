/**
 * The streams of a ClickHouse store: while anyone listens, it polls
 * ClickHouse for incidents and group events that any gatherer stored, and
 * hands each to the listeners once.
 *
 * @module
 */

import { notify, Observers } from "../../lib/_observers.ts";
import { sleep } from "../../lib/_sleep.ts";
import { errorMessage } from "../errors.ts";
import type { GroupEvent } from "../groups.ts";
import type { GroupBackend } from "../store.ts";
import type { StoredIncident } from "../_store_rows.ts";

/** Rows read per page by the streams' polls. */
const PAGE = 1000;
/** How far back each poll looks again, for rows that became visible late. */
export const LOOKBACK = 30_000 * 1000;

/** What the poller reads of its store. */
export interface PolledStore {
  /** Incidents first stored after `id`, oldest first. */
  after(id: number, limit?: number): Promise<StoredIncident[]>;
  /** The highest incident id (0 when none). */
  latestId(): Promise<number>;
  /** The store's groups (their events). */
  readonly groups: Pick<GroupBackend, "eventsAfter" | "lastEventId">;
}

/** Polls one store's ClickHouse while it has listeners. */
export class ClusterPoller {
  readonly #store: PolledStore;
  readonly #pollMs: number;
  readonly #abort = new AbortController();
  readonly #listeners = new Observers<(s: StoredIncident) => void>();
  readonly #groupListeners = new Observers<(e: GroupEvent) => void>();
  #polling: Promise<void> | undefined;
  #lastError: string | undefined;

  /** A poller of `store`, every `pollMs` (see `ClickHouseStoreOptions`). */
  constructor(store: PolledStore, pollMs: number | undefined) {
    this.#store = store;
    this.#pollMs = pollMs ?? 1000;
  }

  /** The latest failure to reach ClickHouse, cleared by a good poll. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Calls `fn` with each incident polled; returns an unsubscribe. */
  onIncident(fn: (s: StoredIncident) => void): () => void {
    const off = this.#listeners.add(fn);
    this.#poll();
    return off;
  }

  /** Calls `fn` with each group event polled; returns an unsubscribe. */
  onGroupEvent(fn: (e: GroupEvent) => void): () => void {
    const off = this.#groupListeners.add(fn);
    this.#poll();
    return off;
  }

  /** Stops polling. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#polling;
  }

  /** Starts polling while anyone listens. */
  #poll(): void {
    this.#polling ??= this.#pollLoop().finally(() => this.#polling = undefined);
  }

  async #pollLoop(): Promise<void> {
    const signal = this.#abort.signal;
    const pollMs = this.#pollMs;
    let incidentsFrom = await this.#store.latestId().catch(() => 0);
    const groups = this.#store.groups;
    let groupsFrom = await Promise.resolve(groups.lastEventId()).catch(() => 0);
    const seen = new Map<string, number>();
    const fresh = (key: string, id: number, floor: number) => {
      for (const [k, v] of seen) if (v < floor - LOOKBACK) seen.delete(k);
      if (seen.has(key)) return false;
      seen.set(key, id);
      return true;
    };
    while (
      !signal.aborted &&
      (this.#listeners.list.length > 0 || this.#groupListeners.list.length > 0)
    ) {
      try {
        // Page through the whole window: a burst larger than a page must
        // not hide what comes after it.
        if (this.#listeners.list.length > 0) {
          let from = incidentsFrom - LOOKBACK;
          for (let page = 0; page < 1000; page++) {
            const rows = await this.#store.after(from, PAGE);
            for (const s of rows) {
              if (!fresh(`i:${s.name}`, s.id, incidentsFrom)) continue;
              incidentsFrom = Math.max(incidentsFrom, s.id);
              notify(this.#listeners, s);
            }
            if (rows.length < PAGE) break;
            from = rows.at(-1)!.id;
          }
        }
        if (this.#groupListeners.list.length > 0) {
          let from = groupsFrom - LOOKBACK;
          for (let page = 0; page < 1000; page++) {
            const events = await groups.eventsAfter(from, PAGE);
            for (const e of events) {
              const key = `g:${e.id}:${e.type}:${e.group}`;
              if (!fresh(key, e.id, groupsFrom)) continue;
              groupsFrom = Math.max(groupsFrom, e.id);
              notify(this.#groupListeners, e);
            }
            if (events.length < PAGE) break;
            from = events.at(-1)!.id;
          }
        }
        this.#lastError = undefined;
      } catch (e) {
        this.#lastError = errorMessage(e);
      }
      await sleep(pollMs, signal);
    }
  }
}
