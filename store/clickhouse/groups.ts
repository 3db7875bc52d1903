/**
 * Groups from ClickHouse: computed from the `incidents` table when asked
 * (counts, first and last seen, apps, hosts and versions, hourly counts),
 * with their status from `group_status` (the latest row wins). A resolved
 * group with an incident stored after the resolution is open again, a
 * regression. Group events come from the same tables, with the incidents'
 * and status rows' `seq` as ids, so every gatherer on the cluster serves the
 * same stream.
 *
 * @module
 */

import type { GroupBackend } from "../store.ts";
import type {
  Group,
  GroupChange,
  GroupDetail,
  GroupEvent,
  GroupEventType,
  GroupFilter,
  GroupStatus,
  StatusChange,
} from "../groups.ts";
import { GROUP_STATUSES } from "../groups.ts";
import { StoreInputError } from "../errors.ts";
import { HOUR, HOURS, MAX_SEEN, type Row } from "../_group_rows.ts";
import { sqlInt, sqlString } from "./client.ts";
import { withDefaults } from "../../lib/_options.ts";
import { SPIKE_DEFAULTS, type SpikeRule } from "../groups.ts";
import type { Layout } from "./schema.ts";
import type { SeqClock } from "./spool.ts";

/** The groups of a ClickHouse store. */
export class ClickHouseGroups implements GroupBackend {
  readonly #l: Layout;
  readonly #seq: SeqClock;
  readonly #subscribe: (fn: (e: GroupEvent) => void) => () => void;
  readonly #spike: Required<SpikeRule>;

  /** Groups in `layout`; `subscribe` is the store's poller. */
  constructor(
    layout: Layout,
    seq: SeqClock,
    subscribe: (fn: (e: GroupEvent) => void) => () => void,
    spike: SpikeRule = {},
  ) {
    this.#l = layout;
    this.#seq = seq;
    this.#subscribe = subscribe;
    this.#spike = withDefaults(SPIKE_DEFAULTS, spike);
  }

  /** The groups, one row each, with their effective status. */
  #groupsSql(): string {
    const { incidents, groupStatus } = this.#l;
    return `SELECT id, title, category, count, first_seen, last_seen,
        last_incident, last_seq, apps, hosts, versions, changed,
        multiIf(status = 'resolved' AND last_seq > changed * 1000, 'open',
          status = '', 'open', status) AS effective,
        status = 'resolved' AND last_seq > changed * 1000 AS regression
      FROM (
        SELECT group_id AS id, argMax(title, time) AS title,
          argMax(category, time) AS category, count() AS count,
          min(time) AS first_seen, max(time) AS last_seen,
          argMax(name, time) AS last_incident, max(first_seq) AS last_seq,
          groupUniqArray(app) AS apps, groupUniqArray(host) AS hosts,
          groupUniqArray(version) AS versions
        FROM (
          SELECT name, argMin(group_id, seq) AS group_id,
            argMin(title, seq) AS title, argMin(category, seq) AS category,
            any(time) AS time, any(app) AS app, any(host) AS host,
            any(version) AS version, min(seq) AS first_seq
          FROM ${incidents} GROUP BY name
        ) GROUP BY group_id
      ) ANY LEFT JOIN (
        SELECT group_id AS id, argMax(status, seq) AS status,
          argMax(changed, seq) AS changed
        FROM ${groupStatus} GROUP BY group_id
      ) USING id`;
  }

  async #hourly(ids: string[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    if (ids.length === 0) return out;
    const last = Math.floor(Date.now() / HOUR);
    const first = last - HOURS + 1;
    const rows = await this.#l.ch.query<{ g: string; h: number; c: number }>(
      `SELECT g, h, count() AS c FROM (
         SELECT name, argMin(group_id, seq) AS g, any(time) AS time
         FROM ${this.#l.incidents} GROUP BY name
       ) WHERE g IN (${ids.map(sqlString).join(",")})
         AND time >= ${sqlInt(first * HOUR)}
       GROUP BY g, intDiv(time, ${HOUR}) AS h`,
    );
    for (const r of rows) {
      const list = out.get(r.g) ?? new Array<number>(HOURS).fill(0);
      const i = r.h - first;
      if (i >= 0 && i < HOURS) list[i] += r.c;
      out.set(r.g, list);
    }
    return out;
  }

  async #groups(where: string[], order: string, limit: number) {
    const rows = await this.#l.ch.query<Row>(
      `SELECT * FROM (${this.#groupsSql()}) ${
        where.length ? "WHERE " + where.join(" AND ") : ""
      } ORDER BY ${order} LIMIT ${sqlInt(limit)}`,
    );
    const hourly = await this.#hourly(rows.map((r) => r.id as string));
    return rows.map((r) => groupOf(r, hourly.get(r.id as string)));
  }

  /** Groups matching `filter`. */
  list(filter: GroupFilter = {}): Promise<Group[]> {
    const where: string[] = [];
    if (filter.status !== undefined) {
      where.push(`effective = ${sqlString(filter.status)}`);
    }
    if (filter.category !== undefined) {
      where.push(`category = ${sqlString(filter.category)}`);
    }
    if (filter.app !== undefined) {
      where.push(`has(apps, ${sqlString(filter.app)})`);
    }
    if (filter.since !== undefined) {
      where.push(`last_seen >= ${sqlInt(filter.since)}`);
    }
    const order = filter.sort === "count"
      ? "count DESC, last_seen DESC"
      : "last_seen DESC, id";
    return this.#groups(where, order, filter.limit ?? 100);
  }

  /** One group. */
  async get(id: string): Promise<Group | undefined> {
    return (await this.#groups([`id = ${sqlString(id)}`], "id", 1))[0];
  }

  /** How many groups there are. */
  async count(): Promise<number> {
    const [r] = await this.#l.ch.query<{ n: number }>(
      `SELECT uniqExact(group_id) AS n FROM ${this.#l.incidents}`,
    );
    return r?.n ?? 0;
  }

  /** Records a status; the group after, or undefined when there is none. */
  async setStatus(
    id: string,
    status: GroupStatus,
    change: StatusChange = {},
  ): Promise<Group | undefined> {
    if (change.inRelease !== undefined) {
      throw new StoreInputError(
        "resolving in a release is not supported by the ClickHouse store yet; resolve without inRelease",
      );
    }
    if (!GROUP_STATUSES.includes(status)) {
      throw new StoreInputError(
        `status must be one of ${GROUP_STATUSES.join(", ")}`,
      );
    }
    if (await this.get(id) === undefined) return undefined;
    const seq = this.#seq.next();
    await this.#l.ch.insert(
      this.#l.groupStatus,
      JSON.stringify({
        group_id: id,
        status,
        changed: Math.floor(seq / 1000),
        seq,
      }),
      this.#l.insertSettings,
    );
    return await this.get(id);
  }

  /** A group's apps and hosts with counts, and its status history. */
  async detail(id: string): Promise<GroupDetail | undefined> {
    const { incidents, groupStatus, ch } = this.#l;
    const counted = async (column: "app" | "host") =>
      (await ch.query<{ k: string; n: number }>(
        `SELECT k, count() AS n FROM (
           SELECT name, any(${column}) AS k, argMin(group_id, seq) AS g
           FROM ${incidents} GROUP BY name
         ) WHERE g = ${sqlString(id)} AND k != ''
         GROUP BY k ORDER BY n DESC, k LIMIT 50`,
      )).map((r) => [r.k, Number(r.n)] as [string, number]);
    const apps = await counted("app");
    if (apps.length === 0 && await this.get(id) === undefined) return undefined;
    const history = (await ch.query<{ status: string; changed: number }>(
      `SELECT status, changed FROM ${groupStatus}
       WHERE group_id = ${sqlString(id)} ORDER BY seq DESC LIMIT 50`,
    )).map((r): GroupChange => ({
      time: Number(r.changed),
      type: "status",
      status: r.status as GroupStatus,
    }));
    return { apps, hosts: await counted("host"), history };
  }

  /** Calls `fn` with each group event as the store's poller sees it. */
  subscribe(fn: (e: GroupEvent) => void): () => void {
    return this.#subscribe(fn);
  }

  /** Group events after `id`, oldest first. */
  async eventsAfter(id: number, limit = 1000): Promise<GroupEvent[]> {
    const { incidents, groupStatus, ch } = this.#l;
    const after = sqlInt(Math.max(0, Math.floor(id)));
    const arrivals = (await ch.query<
      { name: string; group_id: string; first_seq: number; time: number }
    >(
      `SELECT name, argMin(group_id, seq) AS group_id, min(seq) AS first_seq,
              any(time) AS time
       FROM ${incidents}
       WHERE name GLOBAL IN (SELECT name FROM ${incidents} WHERE seq > ${after})
       GROUP BY name HAVING first_seq > ${after}
       ORDER BY first_seq LIMIT ${sqlInt(limit)}`,
    )).map((a) => ({ ...a, seq: a.first_seq }));
    // The first arrival of each group concerned (nothing to read when none).
    const groups = [...new Set(arrivals.map((a) => a.group_id))];
    const firsts = new Map(
      groups.length === 0 ? [] : (await ch.query<{ g: string; first: number }>(
        `SELECT group_id AS g, min(seq) AS first FROM ${incidents}
         WHERE group_id IN (${groups.map(sqlString).join(",")})
         GROUP BY group_id`,
      )).map((r) => [r.g, r.first]),
    );
    const statuses = await ch.query<
      { group_id: string; status: string; seq: number }
    >(
      `SELECT group_id, status, seq FROM ${groupStatus}
       WHERE seq > ${after} OR group_id IN (${
        [...groups, ""].map(sqlString).join(",")
      }) ORDER BY seq`,
    );
    const events: GroupEvent[] = [];
    for (const s of statuses) {
      if (s.seq > id) {
        events.push(event(s.seq, "status", s.group_id, undefined));
      }
    }
    for (const a of arrivals) {
      const before = statuses.filter((s) =>
        s.group_id === a.group_id && s.seq < a.seq
      ).at(-1);
      const type: GroupEventType = a.seq === firsts.get(a.group_id)
        ? "new_group"
        : before?.status === "resolved"
        ? "regression"
        : "count";
      events.push(event(a.seq, type, a.group_id, a.name));
    }
    for (const a of await this.#spikes(arrivals)) {
      events.push(event(a.seq, "spike", a.group_id, a.name));
    }
    return events.sort((a, b) => a.id - b.id).slice(0, limit);
  }

  /**
   * The arrivals that make a group spike: windows of `windowMs` aligned to
   * the epoch, and in each the `count`-th incident of a group to arrive
   * raises it, once. Derived from the table alone, so that every gatherer
   * tells the same spikes (a burst cut in two by a window's edge counts in
   * each half).
   */
  async #spikes<
    A extends { name: string; group_id: string; seq: number; time: number },
  >(arrivals: A[]): Promise<A[]> {
    if (arrivals.length === 0) return [];
    const { count, windowMs } = this.#spike;
    const w = sqlInt(windowMs);
    const groups = [...new Set(arrivals.map((a) => a.group_id))];
    const times = arrivals.map((a) => a.time);
    const from = Math.floor(Math.min(...times) / windowMs) * windowMs;
    const to = (Math.floor(Math.max(...times) / windowMs) + 1) * windowMs;
    const rows = await this.#l.ch.query<{ g: string; k: number; nth: number }>(
      `SELECT g, k, arrayElement(arraySort(groupArray(s)), ${
        sqlInt(count)
      }) AS nth
       FROM (
         SELECT argMin(group_id, seq) AS g, min(seq) AS s,
                intDiv(any(time), ${w}) AS k
         FROM ${this.#l.incidents}
         WHERE group_id IN (${groups.map(sqlString).join(",")})
           AND time >= ${sqlInt(from)} AND time < ${sqlInt(to)}
         GROUP BY name
       )
       GROUP BY g, k HAVING count() >= ${sqlInt(count)}`,
    );
    const nth = new Set(rows.map((r) => `${r.g} ${r.k} ${r.nth}`));
    return arrivals.filter((a) =>
      nth.has(`${a.group_id} ${Math.floor(a.time / windowMs)} ${a.seq}`)
    );
  }

  /** The latest group event's id (0 when none). */
  async lastEventId(): Promise<number> {
    const [r] = await this.#l.ch.query<{ a: number; b: number }>(
      `SELECT (SELECT max(seq) FROM ${this.#l.incidents}) AS a,
              (SELECT max(seq) FROM ${this.#l.groupStatus}) AS b`,
    );
    return Math.max(r?.a ?? 0, r?.b ?? 0);
  }
}

function event(
  seq: number,
  type: GroupEventType,
  group: string,
  incident: string | undefined,
): GroupEvent {
  return {
    id: seq,
    time: Math.floor(seq / 1000),
    type,
    group,
    ...(incident === undefined ? {} : { incident }),
  };
}

function groupOf(r: Row, hourly: number[] | undefined): Group {
  const seen = (k: string) =>
    (r[k] as string[]).filter((v) => v !== "").sort().slice(0, MAX_SEEN);
  return {
    id: r.id as string,
    title: r.title as string,
    category: r.category as string,
    status: r.effective as GroupStatus,
    ...(r.changed ? { statusChanged: r.changed as number } : {}),
    count: r.count as number,
    regressions: r.regression ? 1 : 0,
    firstSeen: r.first_seen as number,
    lastSeen: r.last_seen as number,
    lastIncident: r.last_incident as string,
    apps: seen("apps"),
    hosts: seen("hosts"),
    versions: seen("versions"),
    hourly: hourly ?? new Array<number>(HOURS).fill(0),
  };
}
