/**
 * The flightlog sidecar, as a library: run one next to an app with
 * {@linkcode Sidecar.start}, or from the command line with
 * `flightlog sidecar`. Its store is `@flightlog/flightlog/store`.
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
  Outbox,
  type OutboxOptions,
  type OutboxStats,
  type Peer,
} from "../http/outbox.ts";
export type { Scope, ScopedTokens } from "../http/scopes.ts";
