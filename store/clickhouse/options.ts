/**
 * The settings of a ClickHouse store: where ClickHouse is, the spool, the
 * rules, polling, retention and spikes.
 *
 * @module
 */

import type { Classifier } from "../classify.ts";
import type { SpikeRule } from "../groups.ts";
import type { ClickHouseOptions } from "./client.ts";
import type { SpoolOptions } from "./spool.ts";

/**
 * Settings of a `ClickHouseStore`.
 *
 * @example
 * ```ts
 * import type { ClickHouseStoreOptions } from "@flightlog/flightlog/store";
 * const o: ClickHouseStoreOptions = {
 *   clickhouse: { url: "http://127.0.0.1:8123" },
 *   spool: { dir: "/var/lib/flightlog/spool" },
 * };
 * ```
 */
export interface ClickHouseStoreOptions {
  /** Where ClickHouse is. */
  clickhouse: ClickHouseOptions;
  /** The spool of incidents on their way. */
  spool: SpoolOptions;
  /** The rules that give incidents categories. */
  classifier?: Classifier;
  /**
   * How often the streams look for what other gatherers stored, in ms.
   * @default {1000}
   */
  pollMs?: number;
  /** Incidents older than this go, a day partition at a time. */
  maxAgeMs?: number;
  /** When a group spikes (in windows aligned to the epoch). */
  spike?: SpikeRule;
}
