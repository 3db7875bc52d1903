/**
 * The incidents an app writes itself (`writesIncidents`), taken into the
 * sidecar's store one at a time, off the socket's read loop: each one the
 * app announces, and, at every connection, those in its folder that finished
 * while the sidecar was away (restarting, say) or that its recovery
 * finished. The folder is read from where the last look got to, by the time
 * in the file names, so what retention dropped is not taken again.
 *
 * @module
 */

import { INCIDENT_FILE } from "../lib/_incident_name.ts";
import { InvalidIncidentError } from "../server/http_error.ts";
import type { IncidentStore } from "../server/store.ts";

/** Where an app's incidents are taken into. */
export interface AppIncidentsOptions {
  /** The sidecar's store. */
  store: IncidentStore;
  /** Told of an incident that could not be taken (it stays in the app's folder). */
  onError: (what: string, error: unknown) => void;
}

/** The time in a file name `incident-YYYY-MM-DD--HH-MM-SSZ-…`, in seconds. */
function nameTime(name: string): number {
  const m = /^incident-(\d{4})-(\d\d)-(\d\d)--(\d\d)-(\d\d)-(\d\d)Z-/.exec(
    name,
  );
  if (m === null) return NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

/** Takes an app's own incidents into the store, in order. */
export class AppIncidents {
  readonly #o: AppIncidentsOptions;
  #chain: Promise<void> = Promise.resolve();

  /** Takes incidents into `options.store`. */
  constructor(options: AppIncidentsOptions) {
    this.#o = options;
  }

  /** An incident the app announced (`complete`: compressed, in place). */
  announced(path: string, name: string, complete: boolean): void {
    // An unfinished one is finished by the app's recovery, and then found
    // in its folder at the next connection.
    if (!complete) return;
    this.#then(async () => {
      await this.#take(path, name);
    });
  }

  /**
   * The app (re)connected, writing into `dir`: takes what finished there
   * since the last look.
   */
  catchUp(dir: string): void {
    this.#then(async () => {
      const source = `file://${dir}`;
      const from = this.#o.store.cursor(source);
      let names: string[];
      try {
        names = [];
        for await (const e of Deno.readDir(dir)) {
          const m = INCIDENT_FILE.exec(e.name);
          // Same second as the last look included: names are only by second.
          if (m?.[2] === ".flog.gz" && nameTime(e.name) >= from) {
            names.push(e.name);
          }
        }
      } catch (e) {
        this.#o.onError(`reading the app's incident folder ${dir}`, e);
        return;
      }
      names.sort();
      // Up to the first that could not be taken: it is tried again next time.
      let upTo: string | undefined;
      for (const name of names) {
        if (!await this.#take(`${dir}/${name}`, name)) break;
        upTo = name;
      }
      if (upTo !== undefined) this.#o.store.setCursor(source, nameTime(upTo));
    });
  }

  /** Resolves once everything announced or found so far is taken. */
  async flush(): Promise<void> {
    await this.#chain;
  }

  #then(fn: () => Promise<void>): void {
    this.#chain = this.#chain.then(fn);
  }

  /** False when it could not be taken now (but may be later). */
  async #take(path: string, name: string): Promise<boolean> {
    if (this.#o.store.get(name) !== undefined) return true;
    try {
      const bytes = await Deno.readFile(path);
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
