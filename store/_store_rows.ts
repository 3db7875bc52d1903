/**
 * The store's rows: how an incident row reads back, the full-text query
 * syntax, and bringing the index in line with the folder on start (migrating
 * an old `index.jsonl`, dropping rows whose file is gone, indexing files it
 * does not list).
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { IncidentSummary } from "../lib/incidents.ts";
import { readFlog } from "../lib/flogfile.ts";
import { stmt } from "./sqlite/_index_db.ts";
import type { ClassifiedIncident } from "./classify.ts";

/**
 * A stored incident: its summary, a store-wide increasing `id` (used as the
 * SSE event id), when it was stored, where it came from, and how it was
 * classified.
 *
 * @example
 * ```ts
 * import type { StoredIncident } from "@flightlog/flightlog/store";
 * function label(s: StoredIncident) { return `#${s.id} ${s.name} [${s.category}]`; }
 * ```
 */
export interface StoredIncident extends IncidentSummary {
  /** Increasing across the store's life; the SSE event id. */
  id: number;
  /** When it was stored, ms since the epoch. */
  stored: number;
  /** `local` (written here) or `peer` (pushed or pulled from elsewhere). */
  origin: "local" | "peer";
  /** `local`, `push`, or the URL of the server it was pulled from. */
  source: string;
  /** Its group's id (the fingerprint). */
  group: string;
  /** Its category (`unknown` when no rule matched). */
  category: string;
  /** The rule that gave the category, if one did. */
  rule?: string;
}

/**
 * Filters of {@linkcode IncidentStore.list}.
 *
 * @example
 * ```ts
 * import type { ListFilter } from "@flightlog/flightlog/store";
 * const f: ListFilter = { since: Date.now() - 3_600_000, limit: 20, q: "timeout" };
 * ```
 */
export interface ListFilter {
  /** Only incidents triggered at or after this time (ms since the epoch). */
  since?: number;
  /** Only incidents with an id above this one. */
  after?: number;
  /** Only incidents of this app. */
  app?: string;
  /** Only incidents of this group. */
  group?: string;
  /** Only incidents of this category. */
  category?: string;
  /** Only incidents whose event text has every word of this (prefixes match). */
  q?: string;
  /** At most this many, newest first (default: all). */
  limit?: number;
}

/** An incident row as a {@linkcode StoredIncident}. */
export function incidentFromRow(
  r: Record<string, unknown>,
  dir: string,
): StoredIncident {
  const opt = <T>(k: string): T | undefined =>
    r[k] === null ? undefined : r[k] as T;
  const damage = opt<string>("damage");
  const out: StoredIncident = {
    name: r.name as string,
    path: `${dir}/${r.name}`,
    time: r.time as number,
    triggerId: opt("trigger_id"),
    level: opt("level"),
    facility: opt("facility"),
    summary: r.summary as string,
    app: opt("app"),
    pid: opt("pid"),
    host: opt("host"),
    version: opt("version"),
    bytes: r.bytes as number,
    events: r.events as number,
    complete: r.complete === 1,
    recovered: r.recovered === 1,
    ...(damage === undefined ? {} : { damage: JSON.parse(damage) }),
    id: r.id as number,
    stored: r.stored as number,
    origin: r.origin as "local" | "peer",
    source: r.source as string,
    group: r.group_id as string,
    category: r.category as string,
    rule: opt("rule"),
  };
  for (const k of Object.keys(out) as (keyof StoredIncident)[]) {
    if (out[k] === undefined) delete out[k];
  }
  return out;
}

/**
 * The words of a search (at most 16): white space and control characters
 * (a NUL among them) separate them.
 */
export function searchWords(q: string): string[] {
  return q.split(/[\s\p{Cc}]+/u).filter((w) => w !== "").slice(0, 16);
}

/**
 * Words as an FTS5 query: each one quoted (so no input is syntax) and a
 * prefix, all required. Empty when there is no word.
 */
export function ftsQuery(q: string): string {
  return searchWords(q).map((w) => `"${w.replaceAll('"', '""')}"*`).join(" ");
}

/**
 * The SQL of a list (and its arguments); undefined when it finds nothing
 * (a search without a word).
 */
export function listQuery(
  filter: ListFilter,
): { sql: string; args: (string | number)[] } | undefined {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const add = (sql: string, v: string | number | undefined) => {
    if (v === undefined) return;
    where.push(sql);
    args.push(v);
  };
  add("i.time >= ?", filter.since);
  add("i.id > ?", filter.after);
  add("i.app = ?", filter.app);
  add("i.group_id = ?", filter.group);
  add("i.category = ?", filter.category);
  const q = filter.q === undefined ? undefined : ftsQuery(filter.q);
  if (q === "") return undefined;
  add(
    "i.id in (select rowid from incident_text where incident_text match ?)",
    q,
  );
  // Without a search the (time, id) index gives the order; with one, the
  // matches are sorted, and by time alone that is 2.5 times faster.
  const order = q === undefined ? "i.time desc, i.id desc" : "i.time desc";
  return {
    sql: `select i.* from incidents i ${
      where.length ? "where " + where.join(" and ") : ""
    } order by ${order} limit ?`,
    args: [...args, filter.limit ?? -1],
  };
}

/** The old index's name; renamed with `.migrated` once moved to SQLite. */
const OLD_INDEX = "index.jsonl";

/** What {@linkcode reconcile} needs of the store. */
export interface Reconciling {
  db: DatabaseSync;
  dir: string;
  storedName: RegExp;
  insert(
    path: string,
    meta: {
      origin: "local" | "peer";
      source: string;
      id?: number;
      stored?: number;
    },
  ): Promise<unknown>;
}

/**
 * Brings the index in line with the folder: an old `index.jsonl`'s entries
 * come in with their ids, rows whose file is gone go, and files the index
 * does not list are indexed in trigger-time order (so SSE resumption stays
 * in order).
 */
export async function reconcile(r: Reconciling): Promise<void> {
  const files = new Set<string>();
  for await (const e of Deno.readDir(r.dir)) {
    if (e.isFile && r.storedName.test(e.name)) files.add(e.name);
  }
  await migrateJsonl(r, files);
  // What remains in `files` after this is not in the index.
  const gone: number[] = [];
  for (
    const row of stmt(r.db, "select id, name from incidents")
      .iterate() as Iterable<{ id: number; name: string }>
  ) {
    if (!files.delete(row.name)) gone.push(row.id);
  }
  for (const id of gone) {
    stmt(r.db, "delete from incidents where id = ?").run(id);
    stmt(r.db, "delete from incident_text where rowid = ?").run(id);
  }
  const unknown: { name: string; time: number }[] = [];
  for (const name of files) {
    const time = await triggerTime(`${r.dir}/${name}`);
    if (time !== undefined) unknown.push({ name, time });
  }
  unknown.sort((a, b) => a.time - b.time || a.name.localeCompare(b.name));
  for (const { name } of unknown) {
    await r.insert(`${r.dir}/${name}`, { origin: "local", source: "local" });
  }
}

/**
 * When an incident file's trigger happened (else when the file was last
 * written), read from its header alone: the insert reads the file whole
 * afterwards. Undefined when it is no flogfile.
 */
async function triggerTime(path: string): Promise<number | undefined> {
  try {
    for await (const r of readFlog(path, { onDamage: () => {} })) {
      const t = "header" in r ? r.header.trigger?.time : undefined;
      if (typeof t === "number") return t * 1000;
      break;
    }
    return (await Deno.stat(path)).mtime?.getTime() ?? 0;
  } catch {
    return undefined;
  }
}

async function migrateJsonl(r: Reconciling, files: Set<string>) {
  const path = `${r.dir}/${OLD_INDEX}`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  const entries: {
    name: string;
    id: number;
    stored: number;
    origin: string;
  }[] = [];
  for (const line of text.split("\n")) {
    try {
      const e = JSON.parse(line);
      if (typeof e?.name === "string" && files.has(e.name)) entries.push(e);
    } catch { /* a cut line: that file is indexed as unknown below */ }
  }
  entries.sort((a, b) => a.id - b.id);
  for (const e of entries) {
    const known = stmt(r.db, "select 1 from incidents where name = ?").get(
      e.name,
    );
    if (known !== undefined) continue;
    const origin = e.origin === "peer" ? "peer" : "local";
    await r.insert(`${r.dir}/${e.name}`, {
      origin,
      source: origin === "peer" ? "push" : "local",
      id: Number.isSafeInteger(e.id) ? e.id : undefined,
      stored: typeof e.stored === "number" ? e.stored : undefined,
    }).catch(() => {/* unreadable: left to the folder scan */});
  }
  await Deno.rename(path, `${path}.migrated`);
}

/** Inserts an incident's row; returns its id. */
export function insertIncident(
  db: DatabaseSync,
  { c, id, stored, origin, source, rulesHash }: {
    c: ClassifiedIncident;
    id?: number;
    stored: number;
    origin: "local" | "peer";
    source: string;
    rulesHash: string;
  },
): number {
  const s = c.summary;
  const row = stmt(
    db,
    `insert into incidents (id, name, time, stored, origin, source, trigger_id,
      level, facility, summary, app, host, version, pid, bytes, events,
      complete, recovered, damage, group_id, category, rule, rules_hash)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     returning id`,
  ).get(
    id ?? null,
    s.name,
    s.time,
    stored,
    origin,
    source,
    s.triggerId ?? null,
    s.level ?? null,
    s.facility ?? null,
    s.summary,
    s.app ?? null,
    s.host ?? null,
    s.version ?? null,
    s.pid ?? null,
    s.bytes,
    s.events,
    s.complete ? 1 : 0,
    s.recovered ? 1 : 0,
    s.damage ? JSON.stringify(s.damage) : null,
    c.group,
    c.category,
    c.rule ?? null,
    rulesHash,
  ) as { id: number };
  return row.id;
}
