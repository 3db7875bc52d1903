/**
 * How a SQLite store is kept: its options and their defaults.
 *
 * @module
 */

import type { Classifier } from "../classify.ts";
import { SPIKE_DEFAULTS, type SpikeRule } from "../groups.ts";
import type { Retention } from "./retention.ts";

/**
 * How a store is kept.
 *
 * @example
 * ```ts
 * import type { StoreOptions } from "@flightlog/flightlog/store";
 * const o: StoreOptions = { retention: { maxCount: 10_000 }, spike: { count: 5 } };
 * ```
 */
export interface StoreOptions {
  /** Bounds of the store (unbounded when unset). */
  retention?: Retention;
  /** The rules that give incidents categories (all `unknown` without). */
  classifier?: Classifier;
  /** When a group spikes. */
  spike?: SpikeRule;
  /**
   * Told of housekeeping that failed after an incident was stored (the
   * retention and the group log's pruning run again at the next one).
   *
   * @default {console.error}
   */
  onError?: (message: string) => void;
}

/** The defaults of {@linkcode StoreOptions}. */
export const STORE_DEFAULTS = {
  retention: {},
  classifier: undefined,
  spike: SPIKE_DEFAULTS,
  onError: (message: string) => console.error(message),
};
