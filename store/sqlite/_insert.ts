/**
 * How the SQLite store takes an incident in: the bytes staged and synced
 * beside the store before they take its name, and the classified incident
 * indexed with its text and its group in one transaction.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { dirNames, syncFolderOf, writeSynced } from "../../lib/_io.ts";
import type { ClassifiedIncident } from "../classify.ts";
import type { GroupEvent } from "../groups.ts";
import { insertIncident } from "../_store_rows.ts";
import { InvalidIncidentError } from "../errors.ts";
import { checkPushedIncident, type PushLimits } from "../push_check.ts";
import { type ImportOptions, STORED_NAME } from "../store.ts";
import { arrivedAgain } from "../incident_identity.ts";
import type { StoredIncident } from "../_store_rows.ts";
import type { Groups } from "./_groups.ts";
import { stmt, transaction } from "./_sqlite.ts";

/** Where an incident being indexed came from (and, when rebuilt, its id). */
export interface InsertMeta {
  origin: "local" | "peer";
  source: string;
  id?: number;
  stored?: number;
}

/** The prefix of an imported incident's file until it is renamed into place. */
const STAGED = ".importing-";

/** Refuses a name that is not an incident's with an InvalidIncidentError. */
export function checkName(name: string): void {
  if (!STORED_NAME.test(name)) {
    throw new InvalidIncidentError(`bad incident name ${JSON.stringify(name)}`);
  }
}

/**
 * Checks `bytes` (a gzipped flogfile with a header, within `limits`), then
 * writes them to a staged file in `dir`, synced; returns its path.
 */
export async function stage(
  dir: string,
  name: string,
  bytes: Uint8Array<ArrayBuffer>,
  limits: PushLimits | undefined,
  check: { nameTime?: boolean } = {},
): Promise<string> {
  await checkPushedIncident(name, bytes, limits, check);
  const staged = `${dir}/${STAGED}${crypto.randomUUID()}`;
  await writeSynced(staged, bytes);
  return staged;
}

/** Removes what imports cut short by a crash left staged in `dir`. */
export async function removeStaged(dir: string): Promise<void> {
  for (const name of await dirNames(dir)) {
    if (name.startsWith(STAGED)) {
      await Deno.remove(`${dir}/${name}`).catch(() => {});
    }
  }
}

/**
 * Indexes `c` (its row, its text, its group, at `now`) in one transaction;
 * returns the group events it caused, to tell once committed.
 */
export function indexClassified(
  db: DatabaseSync,
  groups: Groups,
  c: ClassifiedIncident,
  meta: {
    origin: "local" | "peer";
    source: string;
    id?: number;
    stored: number;
    rulesHash: string;
  },
  now: number,
): GroupEvent[] {
  const s = c.summary;
  return transaction(db, () => {
    const id = insertIncident(db, { c, ...meta });
    stmt(db, "insert into incident_text (rowid, text) values (?, ?)")
      .run(id, c.text);
    return groups.join({
      group: c.group,
      title: c.title,
      category: c.category,
      incident: s.name,
      time: s.time,
      app: s.app,
      host: s.host,
      version: s.version,
    }, { now });
  });
}

/** What {@linkcode importIncident} needs of its store. */
export interface ImportTarget {
  dir: string;
  get(name: string): StoredIncident | undefined;
  serial<T>(fn: () => Promise<T>): Promise<T>;
  insert(path: string, meta: InsertMeta): Promise<StoredIncident>;
  /** The stored bytes of `name` (to compare with those arriving again). */
  read(name: string): Promise<ReadableStream<Uint8Array> | undefined>;
  /** Counts a name arriving again with other bytes. */
  conflict(): void;
}

/**
 * Takes an incident's bytes into the store: checked, written and synced
 * before taking the store's turn (a big push holds up no other, and imports
 * wait for the disk side by side), then renamed into place and indexed.
 * Synced before it counts as taken: a pusher drops its copy on 201.
 */
export async function importIncident(
  store: ImportTarget,
  name: string,
  bytes: Uint8Array<ArrayBuffer>,
  options: ImportOptions,
): Promise<{ incident: StoredIncident; created: boolean }> {
  const origin = options.origin ?? "peer";
  const source = options.source ?? (origin === "local" ? "local" : "push");
  checkName(name);
  const known = store.get(name);
  if (known !== undefined) return await again(store, known, bytes);
  const staged = await stage(store.dir, name, bytes, options.limits, {
    nameTime: origin === "peer",
  });
  let renamed = false;
  try {
    return await store.serial(async () => {
      const known = store.get(name);
      if (known !== undefined) return await again(store, known, bytes);
      const path = `${store.dir}/${name}`;
      await Deno.rename(staged, path);
      renamed = true;
      try {
        await syncFolderOf(path);
        return {
          incident: await store.insert(path, { origin, source }),
          created: true,
        };
      } catch (e) {
        // Refused whole (not indexed): the sender keeps its copy, sends it
        // again later.
        if (store.get(name) === undefined) {
          await Deno.remove(path).catch(() => {});
        }
        throw e;
      }
    });
  } finally {
    if (!renamed) await Deno.remove(staged).catch(() => {});
  }
}

/** A name stored already, arriving again: the same bytes, or a conflict. */
async function again(
  store: ImportTarget,
  known: StoredIncident,
  bytes: Uint8Array,
): Promise<{ incident: StoredIncident; created: false }> {
  const stored = await store.read(known.name);
  return await arrivedAgain(
    known,
    known.name,
    stored,
    bytes,
    () => store.conflict(),
  );
}
