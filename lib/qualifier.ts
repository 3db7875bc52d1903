/**
 * Qualifiers decide which events are serious enough to record an incident.
 * A qualifier is a predicate on events, or an object with a `qualify` method;
 * the helpers here build and combine them.
 *
 * @module
 */

import type { FlogEvent } from "./flog_event.ts";
import { matchFacility } from "./facility.ts";
import { Level } from "./levels.ts";

/**
 * Decides whether an event triggers an incident.
 *
 * @example
 * ```ts
 * import type { Qualifier } from "@flightlog/flightlog";
 * const q: Qualifier = (e) => e.level >= 35 || e.facility === "payments";
 * ```
 */
export type Qualifier =
  | ((event: FlogEvent) => boolean)
  | { qualify(event: FlogEvent): boolean };

/**
 * The predicate form of any qualifier.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { toPredicate } from "./qualifier.ts";
 * const p = toPredicate({ qualify: (e) => e.level > 30 });
 * assert(p({ num: 0, time: 0, incarnation: ["x", null], level: 35 }));
 * ```
 */
export function toPredicate(q: Qualifier): (event: FlogEvent) => boolean {
  return typeof q === "function" ? q : (e) => q.qualify(e);
}

/**
 * Fires on events at `level` or above.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { atLeast, Level } from "@flightlog/flightlog";
 * const q = atLeast(Level.SCARY);
 * assert(!q({ num: 0, time: 0, incarnation: ["x", null], level: 30 }));
 * ```
 */
export function atLeast(level: number): (event: FlogEvent) => boolean {
  return (e) => e.level >= level;
}

/**
 * foolscap's default: level WEIRD (30) or above.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { defaultQualifier } from "@flightlog/flightlog";
 * assert(
 *   defaultQualifier({ num: 0, time: 0, incarnation: ["x", null], level: 30 }),
 * );
 * ```
 */
export const defaultQualifier: (event: FlogEvent) => boolean = atLeast(
  Level.WEIRD,
);

/**
 * Never fires: buffers are kept, no incident is written.
 *
 * @example
 * ```ts
 * import { createLogger, never } from "@flightlog/flightlog";
 * const log = createLogger({ qualifier: never });
 * log.bad("nothing is written for this");
 * await log.close();
 * ```
 */
export const never: (event: FlogEvent) => boolean = (): boolean => false;

/**
 * Applies qualifiers per facility: the entry for the event's facility or
 * the nearest one above it (`"net"` covers `"net/http"`; `""` is the
 * fallback). Facilities without an entry use `otherwise` (default: the
 * default qualifier).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { atLeast, byFacility, Level, never } from "@flightlog/flightlog";
 * const q = byFacility({ "app/cache": never, "app/pay": atLeast(Level.UNUSUAL) });
 * const e = { num: 0, time: 0, incarnation: ["x", null] as [string, null] };
 * assert(q({ ...e, level: 23, facility: "app/pay/card" }));
 * assert(!q({ ...e, level: 40, facility: "app/cache" }));
 * ```
 */
export function byFacility(
  table: Record<string, Qualifier>,
  otherwise: Qualifier = defaultQualifier,
): (event: FlogEvent) => boolean {
  const preds: Record<string, (e: FlogEvent) => boolean> = {};
  for (const [f, q] of Object.entries(table)) preds[f] = toPredicate(q);
  const fallback = toPredicate(otherwise);
  const cache = new Map<string | undefined, (e: FlogEvent) => boolean>();
  return (e) => {
    let p = cache.get(e.facility);
    if (p === undefined) {
      p = matchFacility(preds, e.facility) ?? fallback;
      if (cache.size < 10_000) cache.set(e.facility, p);
    }
    return p(e);
  };
}

/**
 * Fires when any of `qualifiers` fires.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { anyOf, atLeast, Level } from "@flightlog/flightlog";
 * const q = anyOf(atLeast(Level.BAD), (e) => e.facility === "audit");
 * assert(q({ num: 0, time: 0, incarnation: ["x", null], level: 20, facility: "audit" }));
 * ```
 */
export function anyOf(
  ...qualifiers: Qualifier[]
): (event: FlogEvent) => boolean {
  const preds = qualifiers.map(toPredicate);
  return (e) => preds.some((p) => p(e));
}

/**
 * Fires when all of `qualifiers` fire.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { allOf, atLeast, Level } from "@flightlog/flightlog";
 * const q = allOf(atLeast(Level.WEIRD), (e) => e.facility !== "noisy/peer");
 * assert(!q({ num: 0, time: 0, incarnation: ["x", null], level: 40, facility: "noisy/peer" }));
 * ```
 */
export function allOf(
  ...qualifiers: Qualifier[]
): (event: FlogEvent) => boolean {
  const preds = qualifiers.map(toPredicate);
  return (e) => preds.every((p) => p(e));
}
