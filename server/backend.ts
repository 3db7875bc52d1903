/**
 * What the HTTP API needs of a store, whichever keeps it: the embedded
 * SQLite store ({@linkcode IncidentStore}, answering at once) or ClickHouse
 * for a fleet (answering over the network). Every answer may be a promise.
 *
 * @module
 */

import type { Group, GroupEvent, GroupFilter, GroupStatus } from "./groups.ts";
import type { ImportOptions } from "./store.ts";
import type { ListFilter, StoredIncident } from "./_store_rows.ts";

/** A value, or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/**
 * The groups of a store, as the API serves them.
 *
 * @example
 * ```ts
 * import type { GroupBackend } from "@flightlog/flightlog/sidecar";
 * async function open(groups: GroupBackend) { return (await groups.list({ status: "open" })).length; }
 * ```
 */
export interface GroupBackend {
  /** Groups matching `filter`. */
  list(filter?: GroupFilter): Awaitable<Group[]>;
  /** One group. */
  get(id: string): Awaitable<Group | undefined>;
  /** How many groups there are. */
  count(): Awaitable<number>;
  /** Sets a group's status; the group after, or undefined when there is none. */
  setStatus(id: string, status: GroupStatus): Awaitable<Group | undefined>;
  /** Calls `fn` with each group event as it happens; returns an unsubscribe. */
  subscribe(fn: (e: GroupEvent) => void): () => void;
  /** Group events after `id`, oldest first. */
  eventsAfter(id: number, limit?: number): Awaitable<GroupEvent[]>;
  /** The latest group event's id (0 when none). */
  lastEventId(): Awaitable<number>;
}

/**
 * One event found by a fleet search (`GET /v1/events`).
 *
 * @example
 * ```ts
 * import type { EventHit } from "@flightlog/flightlog/sidecar";
 * const line = (h: EventHit) => `${h.app} ${h.incident}#${h.num} ${h.text}`;
 * ```
 */
export interface EventHit {
  /** The incident it is in. */
  incident: string;
  /** Its app. */
  app: string;
  /** The event's `num`. */
  num: number;
  /** Its time, ms since the epoch. */
  time: number;
  /** Its level. */
  level: number;
  /** Its facility. */
  facility: string;
  /** Its rendered text. */
  text: string;
  /** Its fields, as JSON text. */
  fields: string;
}

/**
 * Filters of a fleet search.
 *
 * @example
 * ```ts
 * import type { EventSearch } from "@flightlog/flightlog/sidecar";
 * const s: EventSearch = { q: "ETIMEDOUT", app: "shop", level: 30, limit: 50 };
 * ```
 */
export interface EventSearch {
  /** Text the event's rendered text contains (case-insensitive). */
  q?: string;
  /** Only events of this app. */
  app?: string;
  /** Only events of this facility or below it. */
  facility?: string;
  /** Only events at or above this level. */
  level?: number;
  /** Only events at or after this time (ms). */
  since?: number;
  /** Only events before this time (ms). */
  until?: number;
  /** At most this many, newest first. */
  limit?: number;
}

/**
 * A store as the API uses it.
 *
 * @example
 * ```ts
 * import type { StoreBackend } from "@flightlog/flightlog/sidecar";
 * async function newest(store: StoreBackend) { return (await store.list({ limit: 1 }))[0]; }
 * ```
 */
export interface StoreBackend {
  /** Stored incidents matching `filter`, newest first. */
  list(filter?: ListFilter): Awaitable<StoredIncident[]>;
  /** The incident called `name`, if stored. */
  get(name: string): Awaitable<StoredIncident | undefined>;
  /** The `.flog.gz` bytes of the incident called `name`, if stored. */
  read(
    name: string,
  ): Awaitable<ReadableStream<Uint8Array<ArrayBuffer>> | undefined>;
  /** Stores an incident from its `.flog.gz` bytes, once by name. */
  import(
    name: string,
    bytes: Uint8Array<ArrayBuffer>,
    options?: ImportOptions,
  ): Promise<{ incident: StoredIncident; created: boolean }>;
  /** Incidents with an id above `id`, oldest first. */
  after(id: number, limit?: number): Awaitable<StoredIncident[]>;
  /** The highest incident id (0 when none). */
  latestId(): Awaitable<number>;
  /** How many incidents are stored, and their bytes. */
  totals(): Awaitable<{ count: number; bytes: number }>;
  /** Calls `fn` with each newly stored incident; returns an unsubscribe. */
  subscribe(fn: (s: StoredIncident) => void): () => void;
  /** The groups. */
  readonly groups: GroupBackend;
  /** Where pulling `source` got to (0 before the first). */
  cursor(source: string): Awaitable<number>;
  /** Remembers where pulling `source` got to. */
  setCursor(source: string, cursor: number): Awaitable<void>;
  /**
   * How far (in ids) an incident or group event may become visible after a
   * later one (a fleet's ids are stamped by each gatherer's clock): streams
   * look back this far, telling items apart by name. 0 or unset: in order.
   */
  readonly lookback?: number;
  /**
   * Arrivals refused because their name was stored with other content
   * (`flightlog_incident_conflicts_total`).
   */
  readonly conflicts?: number;
  /** Searches the events of every incident, when the store can. */
  searchEvents?(search: EventSearch): Promise<EventHit[]>;
  /** Waits for pending writes. */
  flush(): Promise<void>;
  /** Finishes pending writes and closes. */
  close(): Promise<void>;
}
