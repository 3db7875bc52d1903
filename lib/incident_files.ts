/**
 * Incident files on disk: their names, the step that turns a finished plain
 * `.flog` into its `.flog.gz`, crash recovery, and listing a folder.
 *
 * @module
 */

import { randomBase32 } from "./_random.ts";
import type { FlogEvent, Incarnation } from "./event.ts";
import { eventLine, type FlogHeader, readFlog } from "./flogfile.ts";
import { Level } from "./levels.ts";
import { renderMessage } from "./format.ts";

/**
 * The file name (without extension) of an incident triggered at `when`:
 * `incident-YYYY-MM-DD--HH-MM-SSZ-<7 random base32 letters>`, as foolscap.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { incidentBaseName } from "@flightlog/flightlog";
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

/** Matches incident file names; group 1 is the base name, 2 the extension. */
export const INCIDENT_FILE =
  /^(incident-\d{4}-\d\d-\d\d--\d\d-\d\d-\d\dZ-[a-z2-7]+)(\.flog(?:\.gz)?(?:\.tmp)?)$/;

/**
 * Writes `chunks` gzipped (through `CompressionStream`) to `gzPath`: first
 * to `gzPath.tmp`, then renamed into place, so `gzPath` is whole or absent.
 */
export async function writeGzip(
  chunks:
    | ReadableStream<Uint8Array<ArrayBuffer>>
    | Iterable<Uint8Array<ArrayBuffer>>,
  gzPath: string,
): Promise<void> {
  const tmpPath = gzPath + ".tmp";
  const dst = await Deno.open(tmpPath, {
    write: true,
    create: true,
    truncate: true,
  });
  try {
    const gzip = new CompressionStream("gzip");
    const piping = gzip.readable.pipeTo(dst.writable);
    if (chunks instanceof ReadableStream) {
      await chunks.pipeTo(gzip.writable);
    } else {
      const writer = gzip.writable.getWriter();
      for (const chunk of chunks) await writer.write(chunk);
      await writer.close();
    }
    await piping;
  } catch (e) {
    await Deno.remove(tmpPath).catch(() => {});
    throw e;
  }
  await Deno.rename(tmpPath, gzPath);
}

/**
 * Compresses the finished plain incident `plainPath` (`X.flog`) into
 * `X.flog.gz` (see {@linkcode writeGzip}), then removes the plain file.
 * Returns the `.gz` path.
 */
export async function compressIncident(plainPath: string): Promise<string> {
  const gzPath = plainPath + ".gz";
  await writeGzip((await Deno.open(plainPath)).readable, gzPath);
  await Deno.remove(plainPath);
  return gzPath;
}

/** The names in `dir` (none when it does not exist). */
async function incidentFileNames(dir: string): Promise<Set<string>> {
  const names = new Set<string>();
  try {
    for await (const e of Deno.readDir(dir)) names.add(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return names;
}

/** Plain incidents this process is writing now: recovery leaves them alone. */
export const activePlainFiles: Set<string> = new Set();

/** The facility of the events flightlog itself writes. */
export const FLIGHTLOG_FACILITY = "flightlog";

function processAlive(pid: unknown): boolean {
  if (typeof pid !== "number" || pid === Deno.pid) return false;
  if (Deno.build.os !== "linux") return true; // cannot tell: be careful
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * What {@linkcode recoverIncidents} needs to write its note into a
 * recovered file.
 */
export interface RecoveryContext {
  incarnation: Incarnation;
  nextNum: () => number;
  host?: string;
}

/**
 * Finishes what a crash left in `dir`: a plain `X.flog` without its
 * `X.flog.gz` gets a closing event saying it was recovered (after cutting a
 * half-written last line), and is compressed; stale `.tmp` files and plain
 * files whose `.gz` exists are removed. Files that another live process on
 * this host is still writing are left alone. Returns the recovered paths.
 */
export async function recoverIncidents(
  dir: string,
  ctx: RecoveryContext,
): Promise<string[]> {
  const names = await incidentFileNames(dir);
  const recovered: string[] = [];
  for (const name of names) {
    const m = INCIDENT_FILE.exec(name);
    if (m === null) continue;
    const path = `${dir}/${name}`;
    const [, base, ext] = m;
    if (
      ext === ".flog.gz.tmp" && !activePlainFiles.has(`${dir}/${base}.flog`)
    ) {
      await Deno.remove(path).catch(() => {});
    }
    if (ext !== ".flog" || activePlainFiles.has(path)) continue;
    if (names.has(`${base}.flog.gz`)) {
      await Deno.remove(path).catch(() => {});
      continue;
    }
    const header = await readHeader(path).catch(() => undefined);
    if (
      header !== undefined && (header.host === undefined ||
        header.host === ctx.host) &&
      processAlive(header.pid)
    ) continue;
    await finishCrashed(path, header, ctx);
    recovered.push(path + ".gz");
  }
  return recovered;
}

async function finishCrashed(
  path: string,
  header: FlogHeader | undefined,
  ctx: RecoveryContext,
): Promise<void> {
  const bytes = await Deno.readFile(path);
  const end = bytes.lastIndexOf(0x0a) + 1;
  const cut = bytes.length - end;
  const now = Date.now() / 1000;
  const note: FlogEvent = {
    num: ctx.nextNum(),
    time: now,
    incarnation: ctx.incarnation,
    level: Level.UNUSUAL,
    facility: FLIGHTLOG_FACILITY,
    format:
      "incident recovered: the process recording it (pid %(pid)s) stopped before it was finished; %(cut_bytes)d bytes of a half-written line were cut",
    pid: header?.pid ?? null,
    cut_bytes: cut,
    recovered: true,
  };
  const file = await Deno.open(path, { write: true });
  try {
    await file.truncate(end);
    await file.seek(end, Deno.SeekMode.Start);
    const line = new TextEncoder().encode(eventLine("local", now, note));
    await writeAll(file, line);
  } finally {
    file.close();
  }
  await compressIncident(path);
}

/**
 * The identity of an event across processes: `<incarnation>#<num>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { eventId } from "@flightlog/flightlog";
 * assert.equal(eventId({ num: 7, time: 0, level: 20, incarnation: ["ab12", null] }), "ab12#7");
 * ```
 */
export function eventId(event: FlogEvent): string {
  return `${event.incarnation?.[0]}#${event.num}`;
}

/** Writes all of `bytes` (a single `write` may write fewer). */
export async function writeAll(
  file: { write(p: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}

async function readHeader(path: string): Promise<FlogHeader | undefined> {
  for await (const r of readFlog(path, { onDamage: () => {} })) {
    return "header" in r ? r.header : undefined;
  }
  return undefined;
}

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
  const names = await incidentFileNames(dir);
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
export function summarizeIncident(path: string): Promise<IncidentSummary> {
  return summarize(path, path.slice(path.lastIndexOf("/") + 1));
}

async function summarize(path: string, name: string): Promise<IncidentSummary> {
  const stat = await Deno.stat(path);
  const damage: string[] = [];
  let header: FlogHeader | undefined;
  let events = 0;
  let recovered = false;
  for await (
    const r of readFlog(path, { onDamage: (e) => damage.push(e.message) })
  ) {
    if ("header" in r) header ??= r.header;
    else {
      events++;
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
    bytes: stat.size,
    events,
    complete: name.endsWith(".gz"),
    recovered,
    ...(damage.length > 0 ? { damage } : {}),
  };
}
