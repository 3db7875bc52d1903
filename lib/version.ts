/**
 * The version of flightlog, as in `deno.json`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { VERSION } from "@flightlog/flightlog";
 * assert(/^\d+\.\d+\.\d+/.test(VERSION));
 * ```
 */
export const VERSION = "0.1.0";
