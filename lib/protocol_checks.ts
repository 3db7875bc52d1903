/**
 * Checks of what arrives from another process (an app's socket, a push):
 * every field of a `hello` bounded, every event well-formed, so that one
 * odd line can neither drop other events nor swell a header.
 *
 * @module
 */

import type { FlogEvent } from "./flog_event.ts";
import type { HelloMessage } from "./protocol.ts";

const MAX_NAME = 256;
const MAX_VERSIONS = 64;
/** Heartbeat intervals outside this range are taken as the default. */
const HEARTBEAT_MS = { min: 10, max: 600_000, fallback: 1000 };

const shortString = (v: unknown) =>
  typeof v === "string" && v.length <= MAX_NAME;

/**
 * Why `e` is not an event that can be recorded, or undefined when it is:
 * `num` a non-negative integer, `time` a finite number, `level` an integer,
 * `incarnation` an array starting with a short string, `facility` (if any)
 * a short string, `format`/`message` (if any) strings.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { eventProblem } from "./protocol_checks.ts";
 * assert.equal(eventProblem({ num: 1, time: 2, level: 20, incarnation: ["a", null] }), undefined);
 * assert.match(eventProblem({ num: 1, time: 2, incarnation: ["a", null] })!, /level/);
 * ```
 */
export function eventProblem(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null || Array.isArray(e)) {
    return "not an object";
  }
  const d = e as Partial<FlogEvent>;
  if (!Number.isSafeInteger(d.num) || d.num! < 0) return '"num" is not a count';
  if (typeof d.time !== "number" || !Number.isFinite(d.time)) {
    return '"time" is not a number';
  }
  if (!Number.isSafeInteger(d.level)) return '"level" is not an integer';
  if (!Array.isArray(d.incarnation) || !shortString(d.incarnation[0])) {
    return '"incarnation" is not [id, ...]';
  }
  if (d.facility !== undefined && !shortString(d.facility)) {
    return `"facility" is not a string of at most ${MAX_NAME} characters`;
  }
  if (d.format !== undefined && typeof d.format !== "string") {
    return '"format" is not a string';
  }
  if (d.message !== undefined && typeof d.message !== "string") {
    return '"message" is not a string';
  }
  return undefined;
}

/** A hello's `incidentDir`: an absolute path of at most 4096 characters. */
function folder(v: unknown, problems: string[]): string | undefined {
  if (v === undefined) return undefined;
  if (
    typeof v === "string" && v.startsWith("/") && v.length <= 4096 &&
    !v.includes("\0")
  ) return v;
  problems.push("incidentDir: not an absolute path: ignored");
  return undefined;
}

/**
 * A `hello` with every field checked and bounded: what does not fit is
 * dropped or replaced by its default, and said in `problems`.
 */
export function checkedHello(
  m: Record<string, unknown>,
): { hello: HelloMessage; problems: string[] } {
  const problems: string[] = [];
  const versions: Record<string, string> = {};
  if (typeof m.versions === "object" && m.versions !== null) {
    const entries = Object.entries(m.versions);
    if (entries.length > MAX_VERSIONS) {
      problems.push(
        `versions: ${entries.length} entries, kept ${MAX_VERSIONS}`,
      );
    }
    for (const [k, v] of entries.slice(0, MAX_VERSIONS)) {
      if (shortString(k) && shortString(v)) versions[k] = v as string;
      else problems.push(`versions: dropped ${JSON.stringify(k).slice(0, 40)}`);
    }
  } else if (m.versions !== undefined) problems.push("versions: not an object");
  let heartbeatMs = m.heartbeatMs;
  if (
    !Number.isSafeInteger(heartbeatMs) ||
    (heartbeatMs as number) < HEARTBEAT_MS.min ||
    (heartbeatMs as number) > HEARTBEAT_MS.max
  ) {
    if (heartbeatMs !== undefined) {
      problems.push(
        `heartbeatMs: ${JSON.stringify(heartbeatMs)?.slice(0, 40)} is not ` +
          `${HEARTBEAT_MS.min}..${HEARTBEAT_MS.max}: taken as ${HEARTBEAT_MS.fallback}`,
      );
    }
    heartbeatMs = HEARTBEAT_MS.fallback;
  }
  const inc = m.incarnation;
  const incarnation: [string, string | null] =
    Array.isArray(inc) && shortString(inc[0])
      ? [inc[0], shortString(inc[1]) ? inc[1] : null]
      : ["unknown", null];
  if (incarnation[0] === "unknown") problems.push("incarnation: missing");
  const text = (name: string) => {
    const v = m[name];
    if (v === undefined || shortString(v)) return v as string | undefined;
    problems.push(`${name}: not a string of at most ${MAX_NAME} characters`);
    return undefined;
  };
  let speaks: number[] | undefined;
  if (Array.isArray(m.speaks)) {
    speaks = m.speaks.slice(0, MAX_VERSIONS).filter(Number.isSafeInteger);
  } else if (m.speaks !== undefined) problems.push("speaks: not a list");
  const hello: HelloMessage = {
    t: "hello",
    v: Number.isSafeInteger(m.v) ? m.v as number : -1,
    ...(speaks === undefined ? {} : { speaks }),
    app: text("app"),
    pid: Number.isSafeInteger(m.pid) ? m.pid as number : -1,
    incarnation,
    versions,
    host: text("host"),
    heartbeatMs: heartbeatMs as number,
    writesIncidents: m.writesIncidents === true,
    incidentDir: folder(m.incidentDir, problems),
    time: typeof m.time === "number" && Number.isFinite(m.time) ? m.time : 0,
  } as HelloMessage;
  return { hello, problems };
}
