/**
 * The groups of the memory store: counted in as incidents arrive, with their
 * hours, regressions, spikes and the group log, in plain maps.
 *
 * @module
 */

import { notify, Observers } from "../../lib/_observers.ts";
import { StoreInputError } from "../errors.ts";
import { HOUR, HOURS, MAX_SEEN } from "../_group_rows.ts";
import {
  countRelease,
  NEXT_RELEASE,
  type Resolution,
  verdict,
} from "../releases.ts";
import {
  type Group,
  GROUP_STATUSES,
  type GroupChange,
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

interface Kept {
  group: Omit<Group, "hourly">;
  /** Incidents per hour (hour number → count). */
  hours: Map<number, number>;
  /** Trigger times of its incidents (for spikes). */
  times: number[];
  spikeAt?: number;
  /** Incidents per app and per host. */
  apps: Map<string, number>;
  hosts: Map<string, number>;
  /** A resolve in a release, while it holds. */
  resolution?: Resolution;
  /** Its history, oldest first. */
  history: GroupChange[];
}

/** `counts` with one more of `key`. */
function bump(counts: Map<string, number>, key: string | undefined): void {
  if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** A count map as `[key, n]` pairs, most first. */
function ranked(counts: Map<string, number>): [string, number][] {
  return [...counts].sort((a, b) =>
    b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  );
}

function seen(list: string[], value: string | undefined): string[] {
  if (value === undefined || list.includes(value)) return list;
  return list.length >= MAX_SEEN ? list : [...list, value];
}

/** The groups of one memory store. */
export class MemoryGroups implements GroupView {
  readonly #groups = new Map<string, Kept>();
  readonly #log: GroupEvent[] = [];
  readonly #spike: Required<SpikeRule>;
  readonly #listeners = new Observers<(e: GroupEvent) => void>();

  /** Groups spiking by `spike`. */
  constructor(spike: Required<SpikeRule>) {
    this.#spike = spike;
  }

  /** Counts an incident into its group, creating or reopening it; tells. */
  join(j: Joining, now: number): void {
    const k = this.#groups.get(j.group);
    const types: GroupEventType[] = [];
    const release = j.version;
    if (k === undefined) {
      this.#groups.set(j.group, {
        group: {
          id: j.group,
          title: j.title,
          category: j.category,
          status: "open",
          count: 1,
          regressions: 0,
          firstSeen: j.time,
          lastSeen: j.time,
          lastIncident: j.incident,
          apps: seen([], j.app),
          hosts: seen([], j.host),
          versions: seen([], j.version),
          ...(release === undefined ? {} : { firstRelease: release }),
          releases: countRelease([], release, MAX_SEEN),
          olderReleases: 0,
        },
        hours: new Map(),
        times: [],
        apps: new Map(),
        hosts: new Map(),
        history: [],
      });
      types.push("new_group");
    } else {
      const g = k.group;
      const releases = g.releases ?? [];
      const v = verdict(
        g.status,
        k.resolution,
        release,
        releases.map(([r]) => r),
      );
      const regression = v === "regression";
      g.count++;
      g.category = j.category;
      g.firstSeen = Math.min(g.firstSeen, j.time);
      if (j.time >= g.lastSeen) g.lastIncident = j.incident;
      g.lastSeen = Math.max(g.lastSeen, j.time);
      g.apps = seen(g.apps, j.app);
      g.hosts = seen(g.hosts, j.host);
      g.versions = seen(g.versions, j.version);
      g.releases = countRelease(releases, release, MAX_SEEN);
      g.firstRelease ??= release;
      if (v === "older") g.olderReleases = (g.olderReleases ?? 0) + 1;
      if (regression) {
        g.status = "open";
        g.statusChanged = now;
        g.regressions++;
        if (release !== undefined) g.regressedIn = release;
        delete g.resolvedIn;
        k.resolution = undefined;
      }
      types.push(regression ? "regression" : "count");
    }
    const kept = this.#groups.get(j.group)!;
    bump(kept.apps, j.app);
    bump(kept.hosts, j.host);
    for (const type of types) {
      if (type === "new_group" || type === "regression") {
        kept.history.push({
          time: now,
          type,
          incident: j.incident,
          ...(release === undefined ? {} : { release }),
        });
      }
    }
    const hour = Math.floor(j.time / HOUR);
    kept.hours.set(hour, (kept.hours.get(hour) ?? 0) + 1);
    kept.times.push(j.time);
    if (this.#spiking(kept, j.time)) types.push("spike");
    for (const t of types) this.#tell(t, j.group, j.incident, now);
  }

  #spiking(k: Kept, time: number): boolean {
    const { count, windowMs } = this.#spike;
    if (k.spikeAt !== undefined && time - k.spikeAt < windowMs) return false;
    const n = k.times.filter((t) => t > time - windowMs && t <= time).length;
    if (n < count) return false;
    k.spikeAt = time;
    return true;
  }

  #tell(
    type: GroupEventType,
    group: string,
    incident: string | undefined,
    now: number,
  ): void {
    const e: GroupEvent = {
      id: this.#log.length + 1,
      time: now,
      type,
      group,
      ...(incident === undefined ? {} : { incident }),
    };
    this.#log.push(e);
    notify(this.#listeners, e);
  }

  #view(k: Kept): Group {
    const last = Math.floor(Date.now() / HOUR);
    const first = last - HOURS + 1;
    const hourly = new Array<number>(HOURS).fill(0);
    for (const [h, n] of k.hours) {
      if (h >= first && h <= last) hourly[h - first] += n;
    }
    return structuredClone({ ...k.group, hourly });
  }

  /** Groups matching `filter`. */
  list(filter: GroupFilter = {}): Group[] {
    const all = [...this.#groups.values()].map((k) => k.group).filter((g) =>
      (filter.status === undefined || g.status === filter.status) &&
      (filter.category === undefined || g.category === filter.category) &&
      (filter.app === undefined || g.apps.includes(filter.app)) &&
      (filter.since === undefined || g.lastSeen >= filter.since)
    );
    all.sort(
      filter.sort === "count"
        ? (a, b) => b.count - a.count || b.lastSeen - a.lastSeen
        : (a, b) =>
          b.lastSeen - a.lastSeen || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    return all.slice(0, filter.limit ?? 100).map((g) =>
      this.#view(this.#groups.get(g.id)!)
    );
  }

  /** One group. */
  get(id: string): Group | undefined {
    const k = this.#groups.get(id);
    return k === undefined ? undefined : this.#view(k);
  }

  /** How many groups there are. */
  count(): number {
    return this.#groups.size;
  }

  /**
   * Sets a group's status (a `status` event when it changes, or when a
   * resolve names another release); `inRelease` with `resolved`.
   */
  setStatus(
    id: string,
    status: GroupStatus,
    change: StatusChange = {},
  ): Group | undefined {
    if (!GROUP_STATUSES.includes(status)) {
      throw new StoreInputError(
        `status must be one of ${GROUP_STATUSES.join(", ")}`,
      );
    }
    const k = this.#groups.get(id);
    if (k === undefined) return undefined;
    const inRelease = status === "resolved" ? change.inRelease : undefined;
    if (k.group.status !== status || k.group.resolvedIn !== inRelease) {
      const now = Date.now();
      k.group.status = status;
      k.group.statusChanged = now;
      k.resolution = inRelease === undefined ? undefined : {
        inRelease,
        ...(inRelease === NEXT_RELEASE
          ? { known: (k.group.releases ?? []).map(([r]) => r) }
          : {}),
      };
      if (inRelease === undefined) delete k.group.resolvedIn;
      else k.group.resolvedIn = inRelease;
      k.history.push({
        time: now,
        type: "status",
        status,
        ...(inRelease === undefined ? {} : { inRelease }),
        ...(change.by === undefined ? {} : { by: change.by }),
      });
      this.#tell("status", id, undefined, now);
    }
    return this.#view(k);
  }

  /** A group's apps and hosts with counts, and its history, latest first. */
  detail(id: string): GroupDetail | undefined {
    const k = this.#groups.get(id);
    if (k === undefined) return undefined;
    return structuredClone({
      apps: ranked(k.apps),
      hosts: ranked(k.hosts),
      history: k.history.slice(-50).reverse(),
    });
  }

  /** Calls `fn` with each group event as it happens; returns an unsubscribe. */
  subscribe(fn: (e: GroupEvent) => void): () => void {
    return this.#listeners.add(fn);
  }

  /** Log events after `id`, oldest first, at most `limit`. */
  eventsAfter(id: number, limit = 1000): GroupEvent[] {
    return this.#log.slice(Math.max(0, id), Math.max(0, id) + limit)
      .map((e) => ({ ...e }));
  }

  /** The latest log event's id (0 when none). */
  lastEventId(): number {
    return this.#log.length;
  }
}
