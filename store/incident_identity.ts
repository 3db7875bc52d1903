/**
 * An incident's identity is its name and its content together: a name that
 * arrives again with the same bytes is the same incident (taken once, as
 * before), and with other bytes it is a conflict, refused and counted,
 * never silently dropped or stored over what is there. Content is compared
 * by SHA-256. The time in a name must agree with its trigger's.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { incidentNameTime } from "../lib/_incident_name.ts";
import type { StoreMetric } from "./store.ts";

/**
 * A name stored already with other content (answered 409): someone else's
 * bytes under that name, or a damaged copy.
 */
export class IncidentConflictError extends Error {
  /** `IncidentConflictError`. */
  override name = "IncidentConflictError";
}

/** The sample of `flightlog_incident_conflicts_total`. */
export function conflictsMetric(conflicts: number): StoreMetric {
  return {
    name: "flightlog_incident_conflicts_total",
    type: "counter",
    help: "Incidents refused because their name was stored with other content.",
    value: conflicts,
  };
}

/**
 * Most seconds between the time in an incident's name and its trigger's
 * time (the name is written from the trigger's, to the second).
 */
export const NAME_TIME_TOLERANCE_S = 2;

/** The header of `HEAD /v1/incidents/{name}` with its bytes' hex SHA-256. */
export const SHA256_HEADER = "x-flightlog-sha256";

/** The hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The hex SHA-256 of what `stream` holds (read to its end). */
export async function streamSha256(
  stream: ReadableStream<Uint8Array>,
): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * Throws an {@linkcode IncidentConflictError} unless `stored` (the bytes
 * kept under `name`, read to the end here) are `bytes`. Nothing stored to
 * compare with (gone meanwhile) is no conflict.
 */
export async function checkSameContent(
  name: string,
  stored: ReadableStream<Uint8Array> | undefined,
  bytes: Uint8Array,
): Promise<void> {
  if (stored === undefined) return;
  const kept = await streamSha256(stored);
  const given = sha256Hex(bytes);
  if (kept === given) return;
  throw new IncidentConflictError(
    `${name} is stored already with other content (sha256 ${
      kept.slice(0, 16)
    }…, this one ${given.slice(0, 16)}…): refused`,
  );
}

/**
 * A stored incident `known` arriving again as `bytes`: the same incident
 * (`created: false`) when `stored` (its kept bytes) are the same, else an
 * {@linkcode IncidentConflictError}, after `counted()`.
 */
export async function arrivedAgain<T>(
  known: T,
  name: string,
  stored: ReadableStream<Uint8Array> | undefined,
  bytes: Uint8Array,
  counted: () => void,
): Promise<{ incident: T; created: false }> {
  try {
    await checkSameContent(name, stored, bytes);
  } catch (e) {
    if (e instanceof IncidentConflictError) counted();
    throw e;
  }
  return { incident: known, created: false };
}

/**
 * Why the time in `name` disagrees with the trigger's `time` (seconds), or
 * undefined when it agrees within {@linkcode NAME_TIME_TOLERANCE_S}.
 */
export function nameTimeProblem(
  name: string,
  time: number,
): string | undefined {
  const named = incidentNameTime(name);
  if (Number.isNaN(named) || Math.abs(time - named) <= NAME_TIME_TOLERANCE_S) {
    return undefined;
  }
  return `the time in its name (${
    new Date(named * 1000).toISOString()
  }) is not its trigger's (${
    Number.isFinite(time) ? new Date(time * 1000).toISOString() : time
  })`;
}
