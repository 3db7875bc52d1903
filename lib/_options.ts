/**
 * Settling options: each options type states its defaults once, and an
 * option given as `undefined` keeps its default (a spread would not).
 *
 * @module
 */

/**
 * `options` over `defaults`, skipping keys whose value is `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { withDefaults } from "./_options.ts";
 * const o = withDefaults({ a: 1, b: "x" }, { a: undefined, b: "y" });
 * assert.deepEqual(o, { a: 1, b: "y" });
 * ```
 */
export function withDefaults<D extends object, O extends object>(
  defaults: D,
  options: O | undefined,
): D & O {
  const out: Record<string, unknown> = { ...defaults as object };
  if (options !== undefined) {
    for (const [k, v] of Object.entries(options)) {
      if (v !== undefined) out[k] = v;
    }
  }
  return out as D & O;
}
