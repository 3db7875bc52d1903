/**
 * What `flightlog --version` prints: the flightlog, Deno, protocol and
 * store schema versions, one per line, the first being `flightlog X.Y.Z`.
 *
 * @module
 */

import { PROTOCOL_VERSION } from "../lib/protocol.ts";
import { VERSION } from "../lib/version.ts";
import { SCHEMA_VERSION } from "../store/sqlite/_index_db.ts";

/** The lines of `flightlog --version`. */
export function versionText(): string {
  return [
    `flightlog ${VERSION}`,
    `deno ${Deno.version.deno} (v8 ${Deno.version.v8}, typescript ${Deno.version.typescript})`,
    `protocol ${PROTOCOL_VERSION} (app to sidecar socket; an app speaking another is refused)`,
    `store schema ${SCHEMA_VERSION} (SQLite index; older ones are migrated on open, newer refused)`,
  ].join("\n");
}
