/**
 * The flightlog incident store, as a library: one {@linkcode Store}
 * interface, opened from a config with {@linkcode openStore}, kept in
 * embedded SQLite ({@linkcode IncidentStore}), in ClickHouse for a fleet
 * ({@linkcode ClickHouseStore}), or in memory ({@linkcode MemoryStore}).
 *
 * @example
 * ```ts
 * import { openStore } from "@flightlog/flightlog/store";
 * const dir = await Deno.makeTempDir();
 * const store = await openStore({ kind: "sqlite", dir });
 * console.log((await store.totals()).count); // 0
 * await store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export {
  type Awaitable,
  type EventHit,
  type EventSearch,
  type GroupBackend,
  type Store,
  type StoreMetric,
  type StoreStatus,
} from "./store.ts";
export { openStore, type StoreConfig } from "./open.ts";
export {
  LOCK_FILE,
  type LockOwner,
  StoreLock,
  StoreLockedError,
} from "./lock.ts";
export {
  type DueDelivery,
  type NewDelivery,
  NodeState,
} from "./sqlite/node_state.ts";
export {
  errorMessage,
  InvalidIncidentError,
  StoreBusyError,
  StoreInputError,
} from "./errors.ts";
export { IncidentConflictError } from "./incident_identity.ts";
export {
  type ImportOptions,
  IncidentStore,
  STORED_NAME,
  type StoreOptions,
} from "./sqlite/store.ts";
export type { ListFilter, StoredIncident } from "./_store_rows.ts";
export { MemoryStore, type MemoryStoreOptions } from "./memory/store.ts";
export type { Classification, Classifier, ClassifyInput } from "./classify.ts";
export type {
  Group,
  GroupChange,
  GroupDetail,
  GroupEvent,
  GroupEventType,
  GroupFilter,
  GroupStatus,
  GroupView,
  SpikeRule,
  StatusChange,
} from "./groups.ts";
export type { SessionKeeper } from "./sessions.ts";
export { type Fingerprint, fingerprint } from "./fingerprint.ts";
export type { Retention } from "./sqlite/retention.ts";
export { reindex, type ReindexResult } from "./sqlite/reindex.ts";
export type { ReclassifyProgress } from "./sqlite/_reclassify.ts";
export {
  ClickHouseError,
  type ClickHouseOptions,
} from "./clickhouse/client.ts";
export {
  ClickHouseStore,
  type ClickHouseStoreOptions,
} from "./clickhouse/store.ts";
export type { SpoolOptions, SpoolStats } from "./clickhouse/spool.ts";
export type { PushLimits } from "./push_check.ts";
