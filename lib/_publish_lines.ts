/**
 * The lines a publisher writes in protocol v1: the `hello` a reader gets
 * first, and events in `events` batches.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { encodeJSON, jsonableEvent } from "./event.ts";
import type { FlogEvent } from "./flog_event.ts";
import { PROTOCOL_VERSION, type PublishMessage } from "./protocol.ts";
import { PROTOCOL_VERSIONS } from "./protocol_v2.ts";
import type { FlightRecorder } from "./recorder.ts";
import { VERSION } from "./version.ts";

/** The `hello` line for a reader of `rec`'s events, heartbeats every `heartbeatMs`. */
export function helloLine(rec: FlightRecorder, heartbeatMs: number): string {
  return encodeJSON(
    {
      t: "hello",
      v: PROTOCOL_VERSION,
      speaks: [...PROTOCOL_VERSIONS],
      app: rec.options.app,
      pid: Deno.pid,
      incarnation: rec.incarnation,
      versions: {
        flightlog: VERSION,
        deno: Deno.version.deno,
        ...rec.options.versions,
      },
      host: rec.host,
      bufferSizes: rec.options.bufferSizes,
      heartbeatMs,
      writesIncidents: rec.options.incidentDir !== undefined,
      incidentDir: absolute(rec.options.incidentDir),
      time: Date.now() / 1000,
    } satisfies PublishMessage,
  ) + "\n";
}

/**
 * Events as v1 `events` lines, `size` a batch; the history (`history`
 * true) is marked, and sent even when empty.
 */
export function eventLines(
  events: FlogEvent[],
  size: number,
  history: boolean,
): string {
  let text = "";
  if (history && events.length === 0) {
    // An empty catch-up still says so: readers know where live events start.
    return encodeJSON({ t: "events", events: [], history: true }) + "\n";
  }
  for (let i = 0; i < events.length; i += size) {
    const batch = new Array(Math.min(size, events.length - i));
    for (let j = 0; j < batch.length; j++) {
      batch[j] = jsonableEvent(events[i + j]);
    }
    text += encodeJSON(
      history
        ? { t: "events", events: batch, history: true }
        : { t: "events", events: batch },
    ) + "\n";
  }
  return text;
}

/** `dir` as an absolute path; undefined without one (or without `cwd`). */
function absolute(dir: string | undefined): string | undefined {
  if (dir === undefined || isAbsolute(dir)) return dir;
  try {
    return resolve(dir);
  } catch {
    return undefined; // no permission to read the working directory
  }
}
