/**
 * Incident file names (`incident-YYYY-MM-DD--HH-MM-SSZ-<random>.flog.gz`, as
 * foolscap names them) and event identities across processes.
 *
 * @module
 */

import { randomBase32 } from "./_random.ts";
import type { FlogEvent } from "./flog_event.ts";

/**
 * The file name (without extension) of an incident triggered at `when`:
 * `incident-YYYY-MM-DD--HH-MM-SSZ-<7 random base32 letters>`, as foolscap.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { incidentBaseName } from "./_incident_name.ts";
 * const name = incidentBaseName(new Date(Date.UTC(2026, 10, 24, 21, 22, 0)));
 * assert(name.startsWith("incident-2026-11-24--21-22-00Z-"));
 * ```
 */
export function incidentBaseName(when: Date): string {
  const iso = when.toISOString(); // 2026-11-24T21:22:00.123Z
  const stamp = `${iso.slice(0, 10)}--${
    iso.slice(11, 19).replaceAll(":", "-")
  }Z`;
  return `incident-${stamp}-${randomBase32(7)}`;
}

/**
 * The time written in an incident's name by {@linkcode incidentBaseName}, in
 * seconds (NaN for another name).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { incidentNameTime } from "./_incident_name.ts";
 * assert.equal(incidentNameTime("incident-1970-01-01--00-01-40Z-aaaaaaa.flog.gz"), 100);
 * ```
 */
export function incidentNameTime(name: string): number {
  const m = /^incident-(\d{4})-(\d\d)-(\d\d)--(\d\d)-(\d\d)-(\d\d)Z-/.exec(
    name,
  );
  if (m === null) return NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

/** Matches incident file names; group 1 is the base name, 2 the extension. */
export const INCIDENT_FILE =
  /^(incident-\d{4}-\d\d-\d\d--\d\d-\d\d-\d\dZ-[a-z2-7]+)(\.flog(?:\.gz)?(?:\.tmp)?)$/;

/**
 * The identity of an event across processes: `<incarnation>#<num>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { eventId } from "./_incident_name.ts";
 * assert.equal(eventId({ num: 7, time: 0, level: 20, incarnation: ["ab12", null] }), "ab12#7");
 * ```
 */
export function eventId(event: FlogEvent): string {
  return `${event.incarnation?.[0]}#${event.num}`;
}
