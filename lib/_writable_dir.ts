/**
 * The start-up check of an incident folder: it is created when missing,
 * and a probe file is written and removed in it, so that a folder the app
 * cannot write is said at once rather than at the first incident.
 *
 * @module
 */

import { randomHex } from "./_random.ts";

/**
 * Why incidents cannot be written in `dir`, or undefined when they can.
 * Synchronous: it runs once, when the logger is made.
 */
export function incidentDirProblem(dir: string): string | undefined {
  const probe = `${dir}/.flightlog-write-check-${randomHex(8)}`;
  try {
    Deno.mkdirSync(dir, { recursive: true });
    Deno.writeFileSync(probe, new Uint8Array(0), { createNew: true });
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  try {
    Deno.removeSync(probe);
  } catch { /* written is what we wanted to know */ }
  return undefined;
}
