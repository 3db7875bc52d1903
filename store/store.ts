/**
 * The one interface of an incident store, whichever keeps it: the embedded
 * SQLite store (answering at once), ClickHouse for a fleet (answering over
 * the network) or memory (tests). Nodes and the HTTP API hold a
 * {@linkcode Store} and never ask which kind. Every answer may be a promise.
 *
 * @module
 */

import type {
  Group,
  GroupDetail,
  GroupEvent,
  GroupFilter,
  GroupStatus,
  StatusChange,
} from "./groups.ts";
import type { Classifier } from "./classify.ts";
import type { PushLimits } from "./push_check.ts";
import type { SessionKeeper } from "./sessions.ts";
import type { ListFilter, StoredIncident } from "./_store_rows.ts";

/** What an incident file is called in the store. */
export const STORED_NAME =
  /^incident-\d{4}-\d\d-\d\d--\d\d-\d\d-\d\dZ-[a-z2-7]{1,32}\.flog\.gz$/;

/**
 * Where an imported incident comes from.
 *
 * @example
 * ```ts
 * import type { ImportOptions } from "@flightlog/flightlog/store";
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

/** A value, or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/**
 * The groups of a store, as the API serves them.
 *
 * @example
 * ```ts
 * import type { GroupBackend } from "@flightlog/flightlog/store";
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
  setStatus(
    id: string,
    status: GroupStatus,
    change?: StatusChange,
  ): Awaitable<Group | undefined>;
  /** A group's breakdown and history; undefined when there is none. */
  detail(id: string): Awaitable<GroupDetail | undefined>;
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
 * import type { EventHit } from "@flightlog/flightlog/store";
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
 * import type { EventSearch } from "@flightlog/flightlog/store";
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
  /** Only events whose `trace_id` field is this trace id (lowercase hex). */
  trace?: string;
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
 * One sample of a store's metrics (Prometheus' `/metrics`).
 *
 * @example
 * ```ts
 * import type { StoreMetric } from "@flightlog/flightlog/store";
 * const m: StoreMetric = { name: "flightlog_groups", type: "gauge", help: "Groups.", value: 3 };
 * ```
 */
export interface StoreMetric {
  /** The metric name, like `flightlog_incidents_stored`. */
  name: string;
  /** Prometheus' type. */
  type: "counter" | "gauge";
  /** The `# HELP` text. */
  help: string;
  /** The value. */
  value: number;
}

/**
 * What a store says about itself for a node's `/healthz` and `/metrics`.
 *
 * @example
 * ```ts
 * import type { StoreStatus } from "@flightlog/flightlog/store";
 * const ok = (s: StoreStatus) => s.health.error === undefined;
 * ```
 */
export interface StoreStatus {
  /** Which backend keeps the incidents. */
  backend: "sqlite" | "clickhouse" | "memory";
  /** Fields for `/healthz` (an `error` when the backend cannot be reached). */
  health: Record<string, unknown>;
  /** The backend's samples for `/metrics`. */
  metrics: StoreMetric[];
}

/**
 * An incident store: what the API, the nodes and their parts use of it.
 *
 * @example
 * ```ts
 * import type { Store } from "@flightlog/flightlog/store";
 * async function newest(store: Store) { return (await store.list({ limit: 1 }))[0]; }
 * ```
 */
export interface Store {
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
  /** Where browser sessions are kept across restarts, if the store keeps them. */
  readonly sessions?: SessionKeeper;
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
  /** Searches the events of every incident, when the store can. */
  searchEvents?(search: EventSearch): Promise<EventHit[]>;
  /**
   * Classifies with `classifier` from now on (undefined: no rules), and
   * classifies what is stored again in the background where the backend can.
   */
  setClassifier(classifier: Classifier | undefined): Promise<void>;
  /**
   * Keeps the store within its bounds (retention, upkeep) until `signal`
   * aborts; errors go to `onError`, and upkeep goes on.
   */
  maintain(
    signal: AbortSignal,
    onError: (message: string) => void,
  ): Promise<void>;
  /** Health fields and metric samples of this backend; never throws. */
  status(): Promise<StoreStatus>;
  /** Waits for pending writes. */
  flush(): Promise<void>;
  /** Finishes pending writes and closes. */
  close(): Promise<void>;
}
