/**
 * The flightlog sidecar, as a library: run one next to an app with
 * {@linkcode Sidecar.start}, or from the command line with
 * `flightlog sidecar` ({@linkcode runSidecar}).
 *
 * @example
 * ```ts
 * import { Sidecar } from "@flightlog/flightlog/sidecar";
 * const dir = await Deno.makeTempDir();
 * const sidecar = await Sidecar.start({
 *   dir,
 *   socketPath: `${dir}/app.sock`, // the app publishes here; retried until it does
 *   listen: { port: 0 },
 * });
 * console.log(`API on ${sidecar.url}, token in ${sidecar.tokenFile}`);
 * await sidecar.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export { Sidecar, type SidecarOptions } from "./sidecar.ts";
export type { ActivityLogOptions } from "./activity_log.ts";
export type { SidecarStats } from "./tail.ts";
export {
  type ImportOptions,
  IncidentStore,
  type ListFilter,
  STORED_NAME,
  type StoredIncident,
} from "../server/store.ts";
export type {
  Classification,
  Classifier,
  ClassifyInput,
} from "../server/classify.ts";
export {
  type Group,
  type GroupEvent,
  type GroupEventType,
  type GroupFilter,
  type GroupStatus,
  type GroupView,
  type SpikeRule,
} from "../server/groups.ts";
export { type Fingerprint, fingerprint } from "../server/fingerprint.ts";
export type { Retention } from "../server/retention.ts";
export type { StoreOptions } from "../server/store.ts";
export { reindex, type ReindexResult } from "../server/reindex.ts";
export type {
  Awaitable,
  EventHit,
  EventSearch,
  GroupBackend,
  StoreBackend,
} from "../server/backend.ts";
export {
  ClickHouseError,
  type ClickHouseOptions,
} from "../server/clickhouse/client.ts";
export {
  ClickHouseStore,
  type ClickHouseStoreOptions,
} from "../server/clickhouse/store.ts";
export {
  SpoolFullError,
  type SpoolOptions,
  type SpoolStats,
} from "../server/clickhouse/spool.ts";
export type { ReclassifyProgress } from "../server/_reclassify.ts";
export {
  Outbox,
  type OutboxOpenOptions,
  type OutboxOptions,
  type OutboxStats,
  type Peer,
} from "../server/outbox.ts";
export {
  type ExportableIncident,
  type ExportSource,
  OtlpExport,
  type OtlpExportOptions,
  type OtlpExportStats,
} from "../otlp/export.ts";
export type { RequestBounds } from "../otlp/logs.ts";
export { Api } from "../server/api.ts";
export type { ApiContext } from "../server/route.ts";
export { HttpError, InvalidIncidentError } from "../server/http_error.ts";
export {
  authorize,
  sameOrigin,
  SESSION_COOKIE,
  type SessionOptions,
  Sessions,
} from "../server/session.ts";
export type { PushLimits } from "../server/push_check.ts";
export { parseSidecarArgs, runSidecar, SIDECAR_USAGE } from "./main.ts";
