/**
 * Groups: incidents with one fingerprint are one problem, with a title, a
 * category, counts (in all, and per hour for 7 days), the apps, hosts and
 * versions seen, and a status (`open`, `resolved`, `ignored`). A new
 * incident in a resolved group reopens it: a regression. Every change is
 * also a row of `group_events`, the durable log that the groups stream and
 * the webhooks read.
 *
 * @module
 */

/** What people decided about a group. */
export type GroupStatus = "open" | "resolved" | "ignored";

/** The statuses, for checking input. */
export const GROUP_STATUSES: readonly GroupStatus[] = [
  "open",
  "resolved",
  "ignored",
];

/**
 * One group, as the API serves it.
 *
 * @example
 * ```ts
 * import type { Group } from "@flightlog/flightlog/store";
 * const line = (g: Group) => `${g.count}× ${g.title} [${g.status}]`;
 * ```
 */
export interface Group {
  /** Stable: the fingerprint. */
  id: string;
  /** The trigger's template with `{name}` placeholders, or a rule's title. */
  title: string;
  /** The category of its latest incident. */
  category: string;
  /** Open, resolved or ignored. */
  status: GroupStatus;
  /** When the status last changed (ms), if it did. */
  statusChanged?: number;
  /** Incidents seen in all. */
  count: number;
  /** How often it came back after being resolved. */
  regressions: number;
  /** Trigger time of the first and of the latest incident (ms). */
  firstSeen: number;
  /** Trigger time of the latest incident (ms). */
  lastSeen: number;
  /** Name of the latest incident. */
  lastIncident?: string;
  /** Apps seen (the first 20). */
  apps: string[];
  /** Hosts seen. */
  hosts: string[];
  /** App versions seen. */
  versions: string[];
  /** Incidents per hour over the last 7 days, oldest first (168 numbers). */
  hourly: number[];
  /** The release of its first incident (`versions[app]` of the header). */
  firstRelease?: string;
  /** The releases seen, in the order first seen, each with its count. */
  releases?: [release: string, count: number][];
  /** The release of its latest regression. */
  regressedIn?: string;
  /** While resolved in a release: that release, or `"next"`. */
  resolvedIn?: string;
  /** Incidents from a release older than the fix, seen while resolved. */
  olderReleases?: number;
}

/**
 * Who changed a group's status and how: with `resolved`, the release the
 * fix is in (`"next"`: the next release seen).
 *
 * @example
 * ```ts
 * import type { StatusChange } from "@flightlog/flightlog/store";
 * const fix: StatusChange = { inRelease: "2.0.0", by: "token" };
 * ```
 */
export interface StatusChange {
  /** The release the fix is in, or `"next"`. */
  inRelease?: string;
  /** Who did it: `token`, or `session` and a short hash of it. */
  by?: string;
}

/**
 * One entry of a group's history: it appeared, came back, or someone
 * changed its status.
 *
 * @example
 * ```ts
 * import type { GroupChange } from "@flightlog/flightlog/store";
 * const line = (c: GroupChange) => `${c.type} ${c.status ?? ""} by ${c.by ?? "?"}`;
 * ```
 */
export interface GroupChange {
  /** When (ms). */
  time: number;
  /** What happened. */
  type: "new_group" | "regression" | "status";
  /** The incident that caused it. */
  incident?: string;
  /** The incident's release. */
  release?: string;
  /** The status set. */
  status?: GroupStatus;
  /** The release a resolve named. */
  inRelease?: string;
  /** Who set it. */
  by?: string;
}

/**
 * What a group's page shows beyond the group: the apps and hosts of its
 * stored incidents with counts, and its history, latest first.
 *
 * @example
 * ```ts
 * import type { GroupDetail } from "@flightlog/flightlog/store";
 * const top = (d: GroupDetail) => d.apps[0]?.[0];
 * ```
 */
export interface GroupDetail {
  /** Apps of the stored incidents, most first, with counts. */
  apps: [app: string, count: number][];
  /** Hosts of the stored incidents, most first, with counts. */
  hosts: [host: string, count: number][];
  /** Status changes, regressions and the first incident, latest first. */
  history: GroupChange[];
}

/** What happened to a group; `count` is any other new incident. */
export type GroupEventType =
  | "new_group"
  | "regression"
  | "spike"
  | "count"
  | "status";

/**
 * One change of a group, from the durable log (`id` increases).
 *
 * @example
 * ```ts
 * import type { GroupEvent } from "@flightlog/flightlog/store";
 * const alerting = (e: GroupEvent) => e.type !== "count" && e.type !== "status";
 * ```
 */
export interface GroupEvent {
  /** Increasing; the SSE id. */
  id: number;
  /** When it happened (ms). */
  time: number;
  /** What happened. */
  type: GroupEventType;
  /** The group's id. */
  group: string;
  /** The incident that caused it, if one did. */
  incident?: string;
}

/**
 * One incident joining its group, as a store counts it in (every store's
 * groups take the same).
 */
export interface Joining {
  group: string;
  title: string;
  category: string;
  incident: string;
  time: number;
  app?: string;
  host?: string;
  version?: string;
}

/**
 * When a group spikes: `count` incidents within `windowMs`, alerted once per
 * window.
 *
 * @example
 * ```ts
 * import type { SpikeRule } from "@flightlog/flightlog/store";
 * const spike: SpikeRule = { count: 20, windowMs: 10 * 60_000 };
 * ```
 */
export interface SpikeRule {
  /**
   * Incidents of one group...
   *
   * @default {10}
   */
  count?: number;
  /**
   * ...within this many ms.
   *
   * @default {300000}
   */
  windowMs?: number;
}

/** The defaults of {@linkcode SpikeRule}, stated once. */
export const SPIKE_DEFAULTS: Required<SpikeRule> = {
  count: 10,
  windowMs: 300_000,
};

/**
 * What a store's groups offer (`store.groups`): reading them, triage, and
 * their changes as they happen.
 *
 * @example
 * ```ts
 * import type { IncidentStore } from "@flightlog/flightlog/store";
 * function triage(store: IncidentStore) {
 *   for (const g of store.groups.list({ status: "open", sort: "count" })) {
 *     if (g.category === "noise") store.groups.setStatus(g.id, "ignored");
 *   }
 * }
 * ```
 */
export interface GroupView {
  /** Groups matching `filter`. */
  list(filter?: GroupFilter): Group[];
  /** One group. */
  get(id: string): Group | undefined;
  /** How many groups there are. */
  count(): number;
  /**
   * Sets a group's status (a `status` event when it changes); the group
   * after, or undefined when there is none.
   */
  setStatus(
    id: string,
    status: GroupStatus,
    change?: StatusChange,
  ): Group | undefined;
  /** A group's breakdown and history; undefined when there is none. */
  detail(id: string): GroupDetail | undefined;
  /** Calls `fn` with each group event as it happens; returns an unsubscribe. */
  subscribe(fn: (e: GroupEvent) => void): () => void;
  /** Log events after `id`, oldest first, at most `limit` (1000). */
  eventsAfter(id: number, limit?: number): GroupEvent[];
  /** The latest log event's id (0 when none). */
  lastEventId(): number;
}

/**
 * Filters of the group list.
 *
 * @example
 * ```ts
 * import type { GroupFilter } from "@flightlog/flightlog/store";
 * const f: GroupFilter = { status: "open", sort: "count", limit: 20 };
 * ```
 */
export interface GroupFilter {
  /** Only groups with this status. */
  status?: GroupStatus;
  /** Only groups of this category. */
  category?: string;
  /** Only groups seen in this app. */
  app?: string;
  /** Only groups seen at or after this time (ms). */
  since?: number;
  /** Latest first (`last`, the default) or most incidents first (`count`). */
  sort?: "last" | "count";
  /** At most this many. @default {100} */
  limit?: number;
}
