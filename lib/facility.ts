/**
 * Facility matching: facilities are slash-joined names (`net/http`), and a
 * setting for `net` covers every facility below it.
 *
 * @module
 */

/**
 * The entry of `table` that applies to `facility`: the longest key that is
 * the facility itself or a slash-separated prefix of it (`""` matches all).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { matchFacility } from "./facility.ts";
 * assert(matchFacility({ net: 1, "": 2 }, "net/http") === 1);
 * assert(matchFacility({ net: 1, "": 2 }, "network") === 2);
 * ```
 */
export function matchFacility<T>(
  table: Record<string, T> | undefined,
  facility: string | undefined,
): T | undefined {
  if (table === undefined) return undefined;
  let f = facility ?? "";
  for (;;) {
    if (Object.hasOwn(table, f)) return table[f];
    if (f === "") return undefined;
    const cut = f.lastIndexOf("/");
    f = cut < 0 ? "" : f.slice(0, cut);
  }
}
