/**
 * The incidents an app writes itself (`writesIncidents`), taken into the
 * sidecar's store one at a time, off the socket's read loop. The app's
 * `hello` names its folder; at every connection and every announced
 * incident the folder is read from where the last look got to (by the time
 * in the file names), so those that finished while the sidecar was away, or
 * that the app's recovery finished, are taken too, and what retention
 * dropped is not taken again. Where each look got to, with the incidents
 * still being written (taken once finished), is kept in `app-incidents.json`
 * beside the index. Only regular files named as incidents, within the size limit,
 * are read.
 *
 * @module
 */

import { INCIDENT_FILE, incidentNameTime } from "../lib/_incident_name.ts";
import { writeFileSynced } from "../lib/_io.ts";
import { InvalidIncidentError } from "../store/errors.ts";
import { MAX_INCIDENT_BYTES } from "../store/push_check.ts";
import { STORED_NAME } from "../store/store.ts";
import type { IncidentStore } from "../store/sqlite/store.ts";

/**
 * Where the look at an app's folder got to: the second of the newest name
 * taken, the names of that second taken, and those still being written.
 */
interface Look {
  at: number;
  seen: string[];
  pending: string[];
}

/** Incidents still being written that a folder's look remembers, at most. */
const MAX_PENDING = 1000;

/** Where an app's incidents are taken into. */
export interface AppIncidentsOptions {
  /** The sidecar's store. */
  store: IncidentStore;
  /** Told of an incident that could not be taken (it stays in the app's folder). */
  onError: (what: string, error: unknown) => void;
}

/** Takes an app's own incidents into the store, in order. */
export class AppIncidents {
  readonly #o: AppIncidentsOptions;
  readonly #stateFile: string;
  readonly #abort = new AbortController();
  #chain: Promise<void> = Promise.resolve();
  /** The app's folder, from its latest `hello`. */
  #dir: string | undefined;

  /** Takes incidents into `options.store`. */
  constructor(options: AppIncidentsOptions) {
    this.#o = options;
    this.#stateFile = `${options.store.dir}/app-incidents.json`;
  }

  /**
   * The app (re)connected, writing its incidents into `dir` (undefined: an
   * app that does not say): takes what finished there since the last look.
   */
  connected(dir: string | undefined): void {
    this.#dir = dir;
    if (dir !== undefined) this.#then(() => this.#catchUp(dir));
  }

  /** The app announced an incident (`complete`: compressed, in place). */
  announced(path: string, name: string, complete: boolean): void {
    // An unfinished one is finished by the app's recovery, and then found
    // in its folder.
    if (!complete) return;
    const dir = this.#dir;
    if (dir !== undefined) {
      this.#then(async () => {
        // By its name in the folder, whatever the look's mark says (an app
        // whose clock stepped back names incidents before it), then the rest.
        if (STORED_NAME.test(name)) await this.#take(dir, name);
        await this.#catchUp(dir);
      });
    } else {
      // An app that does not name its folder: the announced file alone.
      const slash = path.lastIndexOf("/");
      if (path.slice(slash + 1) !== name || !STORED_NAME.test(name)) {
        this.#o.onError(`the app's incident ${path}`, "not an incident file");
        return;
      }
      this.#then(async () => {
        await this.#take(path.slice(0, slash), name);
      });
    }
  }

  /** Resolves once everything announced or found so far is taken. */
  async flush(): Promise<void> {
    await this.#chain;
  }

  /**
   * Waits up to `timeoutMs` for what is announced or found so far, then
   * takes nothing more (what is left stays in the app's folder, for the
   * next connection).
   */
  async close(timeoutMs = 5000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#chain,
      new Promise((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
    this.#abort.abort();
  }

  #then(fn: () => Promise<void>): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#abort.signal.aborted) return;
      try {
        await fn();
      } catch (e) {
        this.#o.onError("taking the app's incidents", e);
      }
    });
  }

  async #catchUp(dir: string): Promise<void> {
    const names = new Set<string>();
    try {
      for await (const e of Deno.readDir(dir)) names.add(e.name);
    } catch (e) {
      // Made at the app's first incident: none yet.
      if (e instanceof Deno.errors.NotFound) return;
      throw e;
    }
    const look = await this.#look(dir);
    const seen = new Set(look.seen);
    const pending = new Set(look.pending);
    const due = new Set<string>();
    // Those still being written at an earlier look, taken once finished.
    for (const name of pending) {
      if (names.has(name)) due.add(name);
      else if (!names.has(name.replace(/\.gz$/, ""))) pending.delete(name);
    }
    for (const name of names) {
      const m = INCIDENT_FILE.exec(name);
      const time = incidentNameTime(name);
      if (m === null || time < look.at) continue;
      // Names are only by the second: the last look's second is read again,
      // for the names it had not seen.
      if (m[2] === ".flog.gz") {
        if (time > look.at || !seen.has(name)) due.add(name);
      } else if (m[2] === ".flog" && !names.has(`${name}.gz`)) {
        pending.add(`${name}.gz`);
      }
    }
    let at = look.at;
    for (const name of [...due].sort()) {
      if (this.#abort.signal.aborted || !await this.#take(dir, name)) break;
      pending.delete(name);
      const time = incidentNameTime(name);
      if (time > at) {
        at = time;
        seen.clear();
      }
      if (time === at) seen.add(name);
    }
    await this.#setLook(dir, {
      at,
      seen: [...seen].sort(),
      pending: [...pending].sort().slice(-MAX_PENDING),
    });
  }

  /** Where the last look at `dir` got to. */
  async #look(dir: string): Promise<Look> {
    const look = (await this.#looks())[dir];
    const names = (v: unknown) =>
      Array.isArray(v)
        ? v.filter((n) => typeof n === "string" && STORED_NAME.test(n))
        : [];
    return {
      at: typeof look?.at === "number" ? look.at : 0,
      seen: names(look?.seen),
      pending: names(look?.pending),
    };
  }

  async #looks(): Promise<Record<string, Partial<Look>>> {
    try {
      const all = JSON.parse(await Deno.readTextFile(this.#stateFile));
      return typeof all === "object" && all !== null ? all : {};
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return {};
      throw new Error(`${this.#stateFile}: ${e}`);
    }
  }

  async #setLook(dir: string, look: Look): Promise<void> {
    const all = await this.#looks();
    if (JSON.stringify(all[dir]) === JSON.stringify(look)) return;
    all[dir] = look;
    await writeFileSynced(
      this.#stateFile,
      new TextEncoder().encode(JSON.stringify(all)),
    );
  }

  /** False when it could not be taken now (but may be later). */
  async #take(dir: string, name: string): Promise<boolean> {
    if (this.#o.store.get(name) !== undefined) return true;
    const path = `${dir}/${name}`;
    try {
      const bytes = await readIncidentFile(path);
      await this.#o.store.import(name, bytes, { origin: "local" });
      return true;
    } catch (e) {
      this.#o.onError(`importing the app's incident ${name}`, e);
      // Not an incident (it never will be), or gone: nothing to wait for.
      return e instanceof InvalidIncidentError ||
        e instanceof Deno.errors.NotFound;
    }
  }
}

/**
 * The bytes of the incident file at `path`: a regular file (not a link, a
 * pipe or a device) of at most {@linkcode MAX_INCIDENT_BYTES}, else an
 * {@linkcode InvalidIncidentError}.
 */
async function readIncidentFile(
  path: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const refuse = (why: string) =>
    new InvalidIncidentError(`${path}: ${why}: not taken`);
  const info = await Deno.lstat(path);
  if (!info.isFile) throw refuse("not a regular file");
  if (info.size > MAX_INCIDENT_BYTES) {
    throw refuse(`larger than ${MAX_INCIDENT_BYTES} bytes`);
  }
  using file = await Deno.open(path);
  // The file opened is the one checked (not swapped since).
  const opened = await file.stat();
  if (!opened.isFile || opened.size > MAX_INCIDENT_BYTES) {
    throw refuse("changed while opened");
  }
  const bytes = new Uint8Array(opened.size);
  let off = 0;
  while (off < bytes.length) {
    const n = await file.read(bytes.subarray(off));
    if (n === null) break;
    off += n;
  }
  return bytes.subarray(0, off) as Uint8Array<ArrayBuffer>;
}
