/**
 * The groups of the SQLite store: counted in as incidents arrive (inside the
 * store's transaction), with their hours, regressions, spikes and the
 * group log.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { notify, Observers } from "../../lib/_observers.ts";
import { stmt } from "./_index_db.ts";
import { StoreInputError } from "../errors.ts";
import {
  groupFromRow,
  HOUR,
  type HourRow,
  HOURS,
  MAX_SEEN,
  type Row,
  seen,
} from "../_group_rows.ts";
import {
  countRelease,
  NEXT_RELEASE,
  type ReleaseCounts,
  verdict,
} from "../releases.ts";
import { groupDetail, resolutionOf } from "./_group_detail.ts";
import {
  type Group,
  GROUP_STATUSES,
  type GroupDetail,
  type GroupEvent,
  type GroupEventType,
  type GroupFilter,
  type GroupStatus,
  type GroupView,
  type Joining,
  type SpikeRule,
  type StatusChange,
} from "../groups.ts";

/** How long the group log keeps events (for stream resumption and alerts). */
export const GROUP_LOG_MS = 7 * 86_400_000;

/**
 * The groups of one store's index. The store counts each new incident in,
 * inside its own transaction, and tells the subscribers once it is
 * committed.
 */
export class Groups implements GroupView {
  readonly #db: DatabaseSync;
  readonly #spike: Required<SpikeRule>;
  readonly #listeners = new Observers<(e: GroupEvent) => void>();
  /** When the group log was last pruned. */
  #pruned = 0;

  /** The groups in `db`, spiking by `spike`. */
  constructor(db: DatabaseSync, spike: Required<SpikeRule>) {
    this.#db = db;
    this.#spike = spike;
  }

  /**
   * Counts an incident, already in `incidents`, into its group, creating or
   * reopening it; returns the events it caused. `quiet` (an incident
   * classified again) counts it and logs nothing.
   */
  join(
    j: Joining,
    { now, quiet = false }: { now: number; quiet?: boolean },
  ): GroupEvent[] {
    const db = this.#db;
    const row = stmt(db, "select * from groups where id = ?").get(j.group) as
      | Row
      | undefined;
    const events: GroupEventType[] = [];
    const release = j.version;
    if (row === undefined) {
      stmt(
        db,
        `insert into groups (id, title, category, count, first_seen, last_seen,
           last_incident, apps, hosts, versions, first_release, releases)
         values (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        j.group,
        j.title,
        j.category,
        j.time,
        j.time,
        j.incident,
        seen("[]", j.app),
        seen("[]", j.host),
        seen("[]", j.version),
        release ?? null,
        JSON.stringify(countRelease([], release, MAX_SEEN)),
      );
      events.push("new_group");
    } else {
      const releases = JSON.parse(row.releases as string) as ReleaseCounts;
      const v = verdict(
        row.status as string,
        resolutionOf(row),
        release,
        releases.map(([r]) => r),
      );
      const regression = v === "regression";
      stmt(
        db,
        `update groups set count = count + 1, category = ?,
           first_seen = min(first_seen, ?), last_seen = max(last_seen, ?),
           last_incident = iif(? >= last_seen, ?, last_incident),
           apps = ?, hosts = ?, versions = ?, releases = ?,
           first_release = coalesce(first_release, ?),
           status = iif(?, 'open', status),
           status_changed = iif(?, ?, status_changed),
           regressions = regressions + ?,
           regressed_in = iif(?, ?, regressed_in),
           resolved_in = iif(?, null, resolved_in),
           resolved_known = iif(?, null, resolved_known),
           older = older + ?
         where id = ?`,
      ).run(
        j.category,
        j.time,
        j.time,
        j.time,
        j.incident,
        seen(row.apps as string, j.app),
        seen(row.hosts as string, j.host),
        seen(row.versions as string, j.version),
        JSON.stringify(countRelease(releases, release, MAX_SEEN)),
        release ?? null,
        regression ? 1 : 0,
        regression ? 1 : 0,
        now,
        regression ? 1 : 0,
        regression ? 1 : 0,
        release ?? null,
        regression ? 1 : 0,
        regression ? 1 : 0,
        v === "older" ? 1 : 0,
        j.group,
      );
      events.push(regression ? "regression" : "count");
    }
    this.#countHour(j.group, j.time, 1);
    if (quiet) return [];
    if (this.#spiking(j, row?.spike_at as number | null | undefined)) {
      events.push("spike");
    }
    const data = release === undefined ? undefined : { release };
    return events.map((type) => this.log(type, j.group, j.incident, now, data));
  }

  /** Takes an incident out of its group (it was classified again); an emptied group goes. */
  leave(group: string, time: number): void {
    const db = this.#db;
    stmt(db, "update groups set count = count - 1 where id = ?").run(group);
    this.#countHour(group, time, -1);
    stmt(db, "delete from groups where id = ? and count <= 0").run(group);
  }

  /** Writes one event to the log; returns it (to {@linkcode tell} once committed). */
  log(
    type: GroupEventType,
    group: string,
    incident: string | undefined,
    now: number,
    data: Record<string, string> = {},
  ): GroupEvent {
    const { id } = stmt(
      this.#db,
      "insert into group_events (time, type, group_id, incident, data) values (?, ?, ?, ?, ?) returning id",
    ).get(now, type, group, incident ?? null, JSON.stringify(data)) as {
      id: number;
    };
    return {
      id,
      time: now,
      type,
      group,
      ...(incident === undefined ? {} : { incident }),
    };
  }

  #countHour(group: string, time: number, by: number): void {
    stmt(
      this.#db,
      `insert into group_hours (group_id, hour, count) values (?, ?, ?)
       on conflict (group_id, hour) do update set count = count + excluded.count`,
    ).run(group, Math.floor(time / HOUR), by);
  }

  #spiking(j: Joining, spikeAt: number | null | undefined): boolean {
    const { count, windowMs } = this.#spike;
    if (spikeAt != null && j.time - spikeAt < windowMs) return false;
    const { n } = stmt(
      this.#db,
      "select count(*) as n from incidents where group_id = ? and time > ? and time <= ?",
    ).get(j.group, j.time - windowMs, j.time) as { n: number };
    // The joining incident is stored already, in the same transaction.
    if (n < count) return false;
    stmt(this.#db, "update groups set spike_at = ? where id = ?").run(
      j.time,
      j.group,
    );
    return true;
  }

  /** Calls `fn` with each group event as it happens; returns an unsubscribe. */
  subscribe(fn: (e: GroupEvent) => void): () => void {
    return this.#listeners.add(fn);
  }

  /** Tells the subscribers of `events` (once they are committed). */
  tell(events: GroupEvent[]): void {
    for (const e of events) notify(this.#listeners, e);
  }

  /**
   * Sets a group's status (a `status` event when it changes, or when a
   * resolve names another release); the group after, or undefined when
   * there is none. `inRelease` (with `resolved`) is the release the fix is
   * in, or `"next"`; `by` says who did it.
   */
  setStatus(
    id: string,
    status: GroupStatus,
    change: StatusChange = {},
  ): Group | undefined {
    const now = Date.now();
    if (!GROUP_STATUSES.includes(status)) {
      throw new StoreInputError(
        `status must be one of ${GROUP_STATUSES.join(", ")}`,
      );
    }
    const inRelease = status === "resolved" ? change.inRelease : undefined;
    const row = stmt(this.#db, "select * from groups where id = ?").get(id) as
      | Row
      | undefined;
    if (row === undefined) return undefined;
    const known = inRelease === NEXT_RELEASE
      ? JSON.stringify(
        (JSON.parse(row.releases as string) as ReleaseCounts).map(([r]) => r),
      )
      : null;
    const changed = stmt(
      this.#db,
      `update groups set status = ?, status_changed = ?, resolved_in = ?,
         resolved_known = ?
       where id = ? and (status != ? or coalesce(resolved_in, '') != ?)`,
    ).run(
      status,
      now,
      inRelease ?? null,
      known,
      id,
      status,
      inRelease ?? "",
    );
    if (Number(changed.changes) > 0) {
      this.tell([
        this.log("status", id, undefined, now, {
          status,
          ...(inRelease === undefined ? {} : { inRelease }),
          ...(change.by === undefined ? {} : { by: change.by }),
        }),
      ]);
    }
    return this.get(id);
  }

  /** A group's breakdown and history, for its page. */
  detail(id: string): GroupDetail | undefined {
    return groupDetail(this.#db, id);
  }

  /** One group. */
  get(id: string): Group | undefined {
    const row = stmt(this.#db, "select * from groups where id = ?").get(id) as
      | Row
      | undefined;
    return row === undefined ? undefined : this.#withHours([row])[0];
  }

  /** Groups matching `filter`. */
  list(filter: GroupFilter = {}): Group[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.status !== undefined) {
      where.push("status = ?");
      args.push(filter.status);
    }
    if (filter.category !== undefined) {
      where.push("category = ?");
      args.push(filter.category);
    }
    if (filter.app !== undefined) {
      where.push("exists (select 1 from json_each(apps) where value = ?)");
      args.push(filter.app);
    }
    if (filter.since !== undefined) {
      where.push("last_seen >= ?");
      args.push(filter.since);
    }
    const order = filter.sort === "count"
      ? "count desc, last_seen desc"
      : "last_seen desc, id";
    const rows = stmt(
      this.#db,
      `select * from groups ${
        where.length ? "where " + where.join(" and ") : ""
      } order by ${order} limit ?`,
    ).all(...args, filter.limit ?? 100) as Row[];
    return this.#withHours(rows);
  }

  /** How many groups there are. */
  count(): number {
    return (stmt(this.#db, "select count(*) as n from groups").get() as {
      n: number;
    }).n;
  }

  /** Log events after `id`, oldest first, at most `limit`. */
  eventsAfter(id: number, limit = 1000): GroupEvent[] {
    return (stmt(
      this.#db,
      "select id, time, type, group_id, incident from group_events where id > ? order by id limit ?",
    ).all(id, limit) as Row[]).map((r) => ({
      id: r.id as number,
      time: r.time as number,
      type: r.type as GroupEventType,
      group: r.group_id as string,
      ...(r.incident === null ? {} : { incident: r.incident as string }),
    }));
  }

  /** The latest log event's id (0 when none). */
  lastEventId(): number {
    const row = stmt(this.#db, "select max(id) as id from group_events")
      .get() as { id: number | null };
    return row.id ?? 0;
  }

  /**
   * Prunes (at most once a minute) the hourly counts older than 7 days and
   * the log's events older than {@linkcode GROUP_LOG_MS}.
   */
  pruneNow(now: number): void {
    if (now - this.#pruned <= 60_000) return;
    this.#pruned = now;
    this.prune(now, GROUP_LOG_MS);
  }

  /** Drops hourly counts older than 7 days and log events older than `keepMs`. */
  prune(now: number, keepMs: number): void {
    stmt(this.#db, "delete from group_hours where hour < ?").run(
      Math.floor(now / HOUR) - HOURS,
    );
    stmt(this.#db, "delete from group_events where time < ?").run(
      now - keepMs,
    );
  }

  #withHours(rows: Row[]): Group[] {
    // One query for the hours of every group listed.
    const byGroup = Map.groupBy(
      stmt(
        this.#db,
        `select group_id, hour, count from group_hours where hour >= ?
         and group_id in (select value from json_each(?))`,
      ).all(
        Math.floor(Date.now() / HOUR) - HOURS + 1,
        JSON.stringify(rows.map((r) => r.id)),
      ) as (HourRow & { group_id: string })[],
      (h) => h.group_id,
    );
    return rows.map((r) =>
      groupFromRow(r, () => byGroup.get(r.id as string) ?? [])
    );
  }
}
