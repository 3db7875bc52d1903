/**
 * Crash recovery: finishes the incidents that a process which died left half
 * written in a folder, so that none stays a plain, unlisted `.flog`.
 *
 * @module
 */

import { isActive } from "./_active_files.ts";
import { INCIDENT_FILE } from "./_incident_name.ts";
import { compressIncident, dirNames, writeAll } from "./_io.ts";
import {
  FLIGHTLOG_FACILITY,
  type FlogEvent,
  type Incarnation,
} from "./flog_event.ts";
import { eventLine, type FlogHeader, readFlog } from "./flogfile.ts";
import { Level } from "./levels.ts";

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
  /**
   * Told of what could not be recovered (a file is then left as it is);
   * with it, recovery never rejects.
   */
  onError?: (error: unknown) => void;
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
  let names: Set<string>;
  try {
    names = await dirNames(dir);
  } catch (e) {
    if (ctx.onError === undefined) throw e;
    ctx.onError(e);
    return [];
  }
  const recovered: string[] = [];
  for (const name of names) {
    const m = INCIDENT_FILE.exec(name);
    if (m === null) continue;
    const path = `${dir}/${name}`;
    const [, base, ext] = m;
    const plain = `${dir}/${base}.flog`;
    if (ext === ".flog.gz.tmp") {
      // Stale unless its plain file's writer is compressing it right now.
      const writing = isActive(plain) ||
        (names.has(`${base}.flog`) && writerAlive(
          await readHeader(plain).catch(() => undefined),
          ctx.host,
        ));
      if (!writing) await Deno.remove(path).catch(() => {});
    }
    if (ext !== ".flog" || isActive(path)) continue;
    try {
      const gz = `${dir}/${base}.flog.gz`;
      if (names.has(`${base}.flog.gz`)) {
        // The plain file is only the spare copy if the .gz is whole.
        if (await gzipIsWhole(gz)) {
          await Deno.remove(path).catch(() => {});
          continue;
        }
        await Deno.remove(gz);
      }
      const header = await readHeader(path).catch(() => undefined);
      if (writerAlive(header, ctx.host)) continue;
      if (await finishCrashed(path, header, ctx)) recovered.push(gz);
    } catch (e) {
      // Gone since the folder was listed: its writer finished it meanwhile.
      if (e instanceof Deno.errors.NotFound) continue;
      // This file stays as it is (readable, plain) for a later start.
      if (ctx.onError === undefined) throw e;
      ctx.onError(new Error(`${path}: ${e}`, { cause: e }));
    }
  }
  return recovered;
}

/**
 * Whether the process that writes the incident of `header` is alive on this
 * host: a sidecar (`sidecar_pid`) writes its app's incidents, whose `pid` is
 * the app's.
 */
function writerAlive(header: FlogHeader | undefined, host?: string): boolean {
  if (header === undefined) return false;
  if (header.host !== undefined && header.host !== host) return false;
  const writer = typeof header.sidecar_pid === "number"
    ? header.sidecar_pid
    : header.pid;
  return processAlive(writer);
}

/** Whether `path` is a gzip stream that decompresses to its end. */
async function gzipIsWhole(path: string): Promise<boolean> {
  try {
    const file = await Deno.open(path);
    let size = 0;
    for await (
      const chunk of file.readable.pipeThrough(new DecompressionStream("gzip"))
    ) size += chunk.length;
    return size > 0;
  } catch {
    return false;
  }
}

/** Finishes a crashed plain incident; false when it held nothing. */
async function finishCrashed(
  path: string,
  header: FlogHeader | undefined,
  ctx: RecoveryContext,
): Promise<boolean> {
  const bytes = await Deno.readFile(path);
  if (header === undefined) {
    // Killed before its header was whole: the file holds no event (the
    // header and history are written in one go, header first).
    await Deno.remove(path);
    return false;
  }
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
    const line = new TextEncoder().encode(
      eventLine(note, { from: "local", rxTime: now }),
    );
    await writeAll(file, line);
  } finally {
    file.close();
  }
  await compressIncident(path);
  return true;
}

async function readHeader(path: string): Promise<FlogHeader | undefined> {
  for await (const r of readFlog(path, { onDamage: () => {} })) {
    return "header" in r ? r.header : undefined;
  }
  return undefined;
}
