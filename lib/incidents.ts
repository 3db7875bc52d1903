/**
 * Listing a folder of incidents and summarising one file (trigger, app,
 * events, completeness, damage) without loading it whole.
 *
 * @module
 */

import { eventId, INCIDENT_FILE } from "./_incident_name.ts";
import { dirNames } from "./_io.ts";
import { FLIGHTLOG_FACILITY, type FlogEvent } from "./flog_event.ts";
import { type FlogHeader, readFlog } from "./flogfile.ts";
import { renderMessage } from "./format.ts";

/**
 * One incident file, as {@linkcode listIncidents} describes it.
 *
 * @example
 * ```ts
 * import type { IncidentSummary } from "@flightlog/flightlog";
 * function line(s: IncidentSummary) { return `${s.name} ${s.summary}`; }
 * ```
 */
export interface IncidentSummary {
  /** File name, e.g. `incident-2026-11-24--21-22-00Z-dg6a4oq.flog.gz`. */
  name: string;
  /** Where it is. */
  path: string;
  /** When the incident was triggered (the trigger's time), in ms. */
  time: number;
  /** The trigger's identity, `<incarnation>#<num>`. */
  triggerId?: string;
  /** The trigger's level and facility, and its rendered text. */
  level?: number;
  /** The trigger's facility. */
  facility?: string;
  /** The trigger's rendered text. */
  summary: string;
  /** The app named in the header. */
  app?: string;
  /** The pid in the header. */
  pid?: number;
  /** The host named in the header. */
  host?: string;
  /** The app's version: `versions.app`, or the version named for the app. */
  version?: string;
  /** Bytes on disk. */
  bytes: number;
  /** Number of events in the file. */
  events: number;
  /** Finished: compressed and renamed into place. */
  complete: boolean;
  /** Finished by recovery after its process died. */
  recovered: boolean;
  /** Read problems, if the file is damaged. */
  damage?: string[];
}

/**
 * The incidents in `dir`, oldest first: finished `.flog.gz` files, and plain
 * `.flog` files still being written or left by a crash (`complete: false`).
 * Each file is read once to summarise it. A missing folder is empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLogger, listIncidents } from "@flightlog/flightlog";
 * const dir = await Deno.makeTempDir();
 * const log = createLogger({ incidentDir: dir, trailingMs: 0 });
 * log.scary("payment {id} failed", { id: 7 });
 * await log.close();
 * const [first] = await listIncidents(dir);
 * assert(first.summary === "payment 7 failed" && first.complete);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listIncidents(dir: string): Promise<IncidentSummary[]> {
  const names = await dirNames(dir);
  const out: IncidentSummary[] = [];
  for (const name of [...names].sort()) {
    const m = INCIDENT_FILE.exec(name);
    if (m === null || m[2].endsWith(".tmp")) continue;
    if (m[2] === ".flog" && names.has(name + ".gz")) continue;
    const summary = await summarize(`${dir}/${name}`, name).catch(() =>
      undefined
    );
    if (summary !== undefined) out.push(summary);
  }
  return out.sort((a, b) => a.time - b.time || a.name.localeCompare(b.name));
}

/**
 * Reads one incident file into an {@linkcode IncidentSummary}.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLogger, summarizeIncident } from "@flightlog/flightlog";
 * const dir = await Deno.makeTempDir();
 * const log = createLogger({ incidentDir: dir, trailingMs: 0 });
 * log.bad("boom");
 * await log.close();
 * const s = await summarizeIncident(log.incidents[0].path);
 * assert(s.summary === "boom" && s.events === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function summarizeIncident(
  path: string,
  options: SummarizeOptions = {},
): Promise<IncidentSummary> {
  return summarize(path, path.slice(path.lastIndexOf("/") + 1), options);
}

/**
 * What else {@linkcode summarizeIncident} hands over while it reads.
 *
 * @example
 * ```ts
 * import type { SummarizeOptions } from "@flightlog/flightlog";
 * const events: unknown[] = [];
 * const options: SummarizeOptions = { onEvent: (e) => events.push(e) };
 * ```
 */
export interface SummarizeOptions {
  /** Called with the header. */
  onHeader?: (header: FlogHeader) => void;
  /** Called with each event, in order. */
  onEvent?: (event: FlogEvent) => void;
}

async function summarize(
  path: string,
  name: string,
  { onHeader, onEvent }: SummarizeOptions = {},
): Promise<IncidentSummary> {
  const stat = await Deno.stat(path);
  const damage: string[] = [];
  let header: FlogHeader | undefined;
  let events = 0;
  let recovered = false;
  for await (
    const r of readFlog(path, { onDamage: (e) => damage.push(e.message) })
  ) {
    if ("header" in r) {
      if (header === undefined) onHeader?.(r.header);
      header ??= r.header;
    } else {
      events++;
      onEvent?.(r.d);
      if (r.d.facility === FLIGHTLOG_FACILITY && r.d.recovered === true) {
        recovered = true;
      }
    }
  }
  const trigger = header?.trigger;
  return {
    name,
    path,
    time: typeof trigger?.time === "number"
      ? trigger.time * 1000
      : stat.mtime?.getTime() ?? 0,
    triggerId: trigger ? eventId(trigger) : undefined,
    level: trigger?.level,
    facility: trigger?.facility,
    summary: trigger ? renderMessage(trigger) : "",
    app: typeof header?.app === "string" ? header.app : undefined,
    pid: typeof header?.pid === "number" ? header.pid : undefined,
    host: typeof header?.host === "string" ? header.host : undefined,
    version: appVersion(header),
    bytes: stat.size,
    events,
    complete: name.endsWith(".gz"),
    recovered,
    ...(damage.length > 0 ? { damage } : {}),
  };
}

function appVersion(header: FlogHeader | undefined): string | undefined {
  const versions = header?.versions;
  if (typeof versions !== "object" || versions === null) return undefined;
  const v = versions as Record<string, unknown>;
  const app = typeof header?.app === "string" ? header.app : undefined;
  const found = v.app ?? (app === undefined ? undefined : v[app]);
  return typeof found === "string" ? found : undefined;
}
