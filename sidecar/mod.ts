/**
 * The flightlog sidecar, as a library: run one next to an app with
 * {@linkcode Sidecar.start}, or from the command line with
 * `flightlog sidecar` ({@linkcode runSidecar}).
 *
 * @example
 * ```ts
 * import { Sidecar } from "@flightlog/flightlog/sidecar";
 * const dir = await Deno.makeTempDir();
 * await using sidecar = await Sidecar.start({
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

export { Sidecar, type SidecarOptions, type SidecarStats } from "./sidecar.ts";
export {
  IncidentStore,
  type ListFilter,
  type Retention,
  STORED_NAME,
  type StoredIncident,
} from "./store.ts";
export {
  Outbox,
  type OutboxOptions,
  type OutboxStats,
  type Peer,
} from "./outbox.ts";
export { Api, type ApiContext } from "./server.ts";
export { parseSidecarArgs, runSidecar, SIDECAR_USAGE } from "./main.ts";
