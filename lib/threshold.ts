/**
 * The generation threshold: events below it are dropped before buffers and
 * observers, for all facilities or per facility.
 *
 * @module
 */

import { matchFacility } from "./facility.ts";
import { Level, parseLevel } from "./levels.ts";

/**
 * A generation threshold: events below it are dropped before they reach
 * buffers or observers. One level for all, or a default with per-facility
 * levels (a facility covers the ones below it: `"net"` covers `"net/http"`).
 * Levels are integers or names.
 *
 * @example
 * ```ts
 * import type { Threshold } from "@flightlog/flightlog";
 * const t: Threshold = { default: "NOISY", facilities: { "net/peer": "OPERATIONAL" } };
 * ```
 */
export type Threshold =
  | number
  | string
  | { default?: number | string; facilities?: Record<string, number | string> };

/** The threshold that `t` sets for `facility`. */
export function thresholdFor(
  t: Threshold | undefined,
  facility?: string,
): number {
  if (t === undefined) return Level.NOISY;
  if (typeof t !== "object") return parseLevel(t);
  const v = matchFacility(t.facilities, facility) ?? t.default;
  return v === undefined ? Level.NOISY : parseLevel(v);
}
