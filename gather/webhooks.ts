/**
 * Alerts: each `new_group`, `regression` and `spike` of the store's durable
 * group log becomes one delivery per matching webhook, written to the index
 * (`deliveries`) in the same transaction that moves the log cursor, then
 * POSTed with `X-Flightlog-Signature: sha256=<HMAC>` and a stable
 * `X-Flightlog-Delivery` id, retried with jittered backoff through restarts
 * until the receiver answers 2xx. At least once; a delivery given up after
 * `giveUpAfterMs` is reported, never dropped in silence. Ignored groups
 * never alert.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import {
  getMeta,
  openIndex,
  setMeta,
  stmt,
  transaction,
} from "../server/_index_db.ts";
import type { GroupEvent } from "../server/groups.ts";
import { publicIncident } from "../server/routes/_params.ts";
import type { StoreBackend } from "../server/backend.ts";
import { withDefaults } from "../lib/_options.ts";
import { hmac, matches, slackText } from "./_alert.ts";
import { AlertLimits, digestText } from "./_alert_limits.ts";
import { refuseUserinfo } from "./_peer_url.ts";
import { sleep } from "../lib/_sleep.ts";

/** What alerts. */
export type AlertType = "new_group" | "regression" | "spike";

/** Every alert type. */
export const ALERT_TYPES: readonly AlertType[] = [
  "new_group",
  "regression",
  "spike",
];

/**
 * A receiver of alerts, with what it wants.
 *
 * @example
 * ```ts
 * import type { Webhook } from "@flightlog/flightlog/gather";
 * const oncall: Webhook = {
 *   url: "https://hooks.example.com/flightlog",
 *   secret: "s3cret",
 *   types: ["new_group", "regression"],
 *   categories: ["payments"],
 *   minLevel: 30,
 * };
 * ```
 */
export interface Webhook {
  /** Where to POST. */
  url: string;
  /** The HMAC key of `X-Flightlog-Signature`; unsigned without one. */
  secret?: string;
  /**
   * `json` (the alert) or `slack` (`{ "text": ... }` for chat webhooks).
   * @default {"json"}
   */
  format?: "json" | "slack";
  /** Only these types (default: all). */
  types?: AlertType[];
  /** Only incidents of these categories. */
  categories?: string[];
  /** Only incidents of these apps. */
  apps?: string[];
  /** Only incidents whose trigger is at least this level. */
  minLevel?: number;
  /**
   * Most alerts sent to it per minute (`alertWindowMs`); past it, alerts
   * are held back and counted, and one `digest` alert sums them ("and 312
   * more new groups") once the window allows.
   * @default {30}
   */
  maxAlertsPerMinute?: number;
}

/**
 * How deliveries are made.
 *
 * @example
 * ```ts
 * import type { WebhookOptions } from "@flightlog/flightlog/gather";
 * const o: WebhookOptions = { publicUrl: "https://flightlog.example.com" };
 * ```
 */
export interface WebhookOptions {
  /** The base of the links in alerts: this gatherer's URL as people reach it. */
  publicUrl: string;
  /**
   * First retry delay in ms; doubles per failure.
   * @default {1000}
   */
  baseDelayMs?: number;
  /**
   * Longest retry delay in ms.
   * @default {300000}
   */
  maxDelayMs?: number;
  /**
   * A delivery failing this long is given up (and reported).
   * @default {86400000}
   */
  giveUpAfterMs?: number;
  /**
   * Time limit of one POST, in ms.
   * @default {10000}
   */
  timeoutMs?: number;
  /**
   * The window of each webhook's `maxAlertsPerMinute`, in ms.
   * @default {60000}
   */
  alertWindowMs?: number;
  /**
   * How long given-up deliveries are kept (to look into), in ms.
   * @default {2592000000} (30 days)
   */
  keepGivenUpMs?: number;
  /** Told of each failed attempt and each delivery given up. */
  onError?: (message: string) => void;
}

const DEFAULTS = {
  baseDelayMs: 1000,
  maxDelayMs: 300_000,
  giveUpAfterMs: 86_400_000,
  timeoutMs: 10_000,
  alertWindowMs: 60_000,
  keepGivenUpMs: 30 * 86_400_000,
  onError: undefined,
};

/** The default of {@linkcode Webhook.maxAlertsPerMinute}. */
export const MAX_ALERTS_PER_MINUTE = 30;

/**
 * Counters of the deliveries.
 *
 * @example
 * ```ts
 * import type { WebhookStats } from "@flightlog/flightlog/gather";
 * const backlog = (s: WebhookStats) => s.pending;
 * ```
 */
export interface WebhookStats {
  /** Deliveries waiting (new or to retry). */
  pending: number;
  /** Deliveries the receiver took. */
  delivered: number;
  /** Failed attempts since the start. */
  failedAttempts: number;
  /** Deliveries given up after `giveUpAfterMs` (pruned ones included). */
  givenUp: number;
  /** Alerts held back by a webhook's rate limit (summed in digests). */
  heldBack: number;
}

/** A delivery to write. */
type Delivery = {
  id: string;
  /** The key of its hook. */
  key: string;
  url: string;
  body: string;
  type: string;
  time: number;
};

/** Deliveries POSTed per round, at most. */
const BATCH = 20;
/** Where the fan-out got to in the group log. */
const CURSOR = "webhook_cursor";
/** How long finished deliveries are kept (to look into). */
const KEEP_DONE_MS = 7 * 86_400_000;
/** How many given-up deliveries were pruned (their count stays). */
const PRUNED_GIVEN_UP = "webhook_given_up_pruned";

/** The webhooks of one gatherer. */
export class Webhooks implements AsyncDisposable {
  readonly #store: StoreBackend;
  readonly #hooks: (Webhook & { key: string })[];
  readonly #opts: Required<Omit<WebhookOptions, "onError">> & WebhookOptions;
  readonly #db: DatabaseSync;
  readonly #abort = new AbortController();
  #failedAttempts = 0;
  #wake = () => {};
  /** Wakes the delivery loop of each receiver URL. */
  readonly #wakeReceiver = new Map<string, () => void>();
  #running: Promise<void> = Promise.resolve();
  #unsubscribe = () => {};
  /** Within the lookback: the group events already fanned out. */
  readonly #seen = new Map<string, number>();
  readonly #limits: AlertLimits;

  /**
   * Delivers alerts from `store` to `hooks` (call `start()`), keeping its
   * deliveries in the index in `dir` (the store's own folder by default).
   */
  constructor(
    store: StoreBackend & { dir?: string },
    hooks: Webhook[],
    options: WebhookOptions & { dir?: string },
  ) {
    this.#store = store;
    for (const h of hooks) refuseUserinfo(h.url, "webhook");
    this.#hooks = hooks.map((h, i) => {
      // Two hooks to one URL are two receivers: the key has the hook's place
      // among those of its URL (other hooks come and go without changing it).
      const n = hooks.slice(0, i).filter((o) => o.url === h.url).length;
      const key = createHash("sha256").update(`${n}\n${h.url}`).digest("hex");
      return { ...h, key: key.slice(0, 8) };
    });
    this.#opts = withDefaults(DEFAULTS, options);
    this.#limits = new AlertLimits(
      this.#hooks.map((h) => ({
        key: h.key,
        max: h.maxAlertsPerMinute ?? MAX_ALERTS_PER_MINUTE,
      })),
      this.#opts.alertWindowMs,
    );
    const dir = options.dir ?? store.dir;
    if (dir === undefined) {
      throw new TypeError("Webhooks: no folder for deliveries");
    }
    this.#db = openIndex(dir);
  }

  /**
   * Starts fanning out and delivering, until closed; resolves once what
   * happens from now on will alert.
   */
  async start(): Promise<void> {
    if (getMeta(this.#db, CURSOR) === undefined) {
      // First start: what happened before there were webhooks does not alert.
      const latest = await this.#store.groups.lastEventId();
      setMeta(this.#db, CURSOR, String(latest));
    }
    this.#unsubscribe = this.#store.groups.subscribe(() => this.#wake());
    this.#running = this.#loop();
  }

  /** The counters. */
  get stats(): WebhookStats {
    const count = (state: string) =>
      (this.#db.prepare("select count(*) as n from deliveries where state = ?")
        .get(state) as { n: number }).n;
    return {
      pending: count("pending"),
      delivered: count("done"),
      failedAttempts: this.#failedAttempts,
      givenUp: count("given_up") +
        Number(getMeta(this.#db, PRUNED_GIVEN_UP) ?? 0),
      heldBack: this.#limits.heldBack,
    };
  }

  async #loop(): Promise<void> {
    const signal = this.#abort.signal;
    // One delivery loop per receiver: one that hangs delays no other.
    const receivers = [...new Set(this.#hooks.map((h) => h.url))].map((url) =>
      this.#deliveryLoop(url, signal)
    );
    while (!signal.aborted) {
      const woken = new Promise<void>((resolve) => this.#wake = resolve);
      try {
        await this.#fanOut();
        this.#dropUnconfigured();
        const digestAt = this.#digest();
        this.#prune();
        for (const wake of this.#wakeReceiver.values()) wake();
        const wait = Math.max(0, Math.min(digestAt - Date.now(), 60_000));
        await Promise.race([woken, sleep(wait, signal)]);
      } catch (e) {
        this.#opts.onError?.(`webhooks: ${e instanceof Error ? e.message : e}`);
        await sleep(this.#opts.baseDelayMs, signal);
      }
    }
    await Promise.all(receivers);
  }

  /** Delivers what is due to the receiver at `url`, in order, until closed. */
  async #deliveryLoop(url: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const woken = new Promise<void>((resolve) =>
        this.#wakeReceiver.set(url, resolve)
      );
      try {
        const nextAt = await this.#deliverDue(url);
        const wait = Math.max(0, Math.min(nextAt - Date.now(), 60_000));
        await Promise.race([woken, sleep(wait, signal)]);
      } catch (e) {
        this.#opts.onError?.(
          `webhook ${safeUrl(url)}: ${e instanceof Error ? e.message : e}`,
        );
        await sleep(this.#opts.baseDelayMs, signal);
      }
    }
  }

  /** Gives up (and reports) what is pending for receivers no longer listed. */
  #dropUnconfigured(): void {
    const urls = [...new Set(this.#hooks.map((h) => h.url))];
    const gone = stmt(
      this.#db,
      `select id, webhook, attempts from deliveries where state = 'pending'
       and webhook not in (${urls.map(() => "?").join(", ")})`,
    ).all(...urls) as { id: string; webhook: string; attempts: number }[];
    for (const d of gone) {
      stmt(
        this.#db,
        "update deliveries set state = 'given_up', last_error = ? where id = ?",
      ).run("no longer configured", d.id);
      this.#opts.onError?.(
        `webhook ${
          safeUrl(d.webhook)
        }: gave up delivery ${d.id} after ${d.attempts} attempts: no longer configured`,
      );
    }
  }

  /** Turns new group events into deliveries, moving the cursor with them. */
  async #fanOut(): Promise<void> {
    // A fleet's group events may become visible late (their ids are stamped
    // by each gatherer's clock): read back `lookback` from the cursor; an
    // event seen again makes no new delivery (same id: ignored).
    const lookback = this.#store.lookback ?? 0;
    let top = Number(getMeta(this.#db, CURSOR) ?? 0);
    let from = Math.max(0, top - lookback);
    for (let round = 0; round < 1000; round++) {
      const events = await this.#store.groups.eventsAfter(from, 100);
      if (events.length === 0) return;
      const fresh = events.filter((e) => !this.#seen.has(eventKey(e)));
      const deliveries: Delivery[] = [];
      for (const e of fresh) deliveries.push(...await this.#deliveriesOf(e));
      top = Math.max(top, events.at(-1)!.id);
      transaction(this.#db, () => {
        for (const d of deliveries) {
          if (this.#limits.admit(d.key, d.type)) this.#insert(d);
        }
        setMeta(this.#db, CURSOR, String(top));
      });
      if (lookback > 0) {
        for (const e of fresh) this.#seen.set(eventKey(e), e.id);
        for (const [k, id] of this.#seen) {
          if (id <= top - lookback) this.#seen.delete(k);
        }
      }
      if (events.length < 100) return;
      from = events.at(-1)!.id;
    }
  }

  #insert(d: Delivery): void {
    stmt(
      this.#db,
      `insert or ignore into deliveries (id, webhook, type, body, created, next_at)
       values (?, ?, ?, ?, ?, ?)`,
    ).run(d.id, d.url, d.type, d.body, Date.now(), Date.now());
  }

  /**
   * For each hook whose window has room again after holding alerts back:
   * one digest delivery summing them. Returns when to look again.
   */
  #digest(): number {
    let next = Infinity;
    for (const h of this.#hooks) {
      const d = this.#limits.digest(h.key);
      if (d === undefined) continue;
      if ("retryAt" in d) {
        next = Math.min(next, d.retryAt);
        continue;
      }
      const id = `digest-${Date.now()}-${d.total}.${h.key}`;
      const text = digestText(d.held);
      const alert = {
        id,
        type: "digest",
        held: d.held,
        text,
        url: `${this.#opts.publicUrl}/groups`,
      };
      transaction(this.#db, () =>
        this.#insert({
          id,
          key: h.key,
          url: h.url,
          type: "digest",
          time: Date.now(),
          body: JSON.stringify(
            h.format === "slack"
              ? { text: `${text} (held back by the rate limit)\n${alert.url}` }
              : alert,
          ),
        }));
    }
    return next;
  }

  /** Drops finished and given-up deliveries past their keeping time. */
  #prune(): void {
    const now = Date.now();
    stmt(
      this.#db,
      "delete from deliveries where state = 'done' and created < ?",
    )
      .run(now - KEEP_DONE_MS);
    const pruned = stmt(
      this.#db,
      "delete from deliveries where state = 'given_up' and created < ?",
    ).run(now - this.#opts.keepGivenUpMs).changes;
    if (Number(pruned) > 0) {
      const before = Number(getMeta(this.#db, PRUNED_GIVEN_UP) ?? 0);
      setMeta(this.#db, PRUNED_GIVEN_UP, String(before + Number(pruned)));
    }
  }

  async #deliveriesOf(e: GroupEvent): Promise<Delivery[]> {
    if (!(ALERT_TYPES as string[]).includes(e.type)) return [];
    const group = await this.#store.groups.get(e.group);
    if (group === undefined || group.status === "ignored") return [];
    const incident = e.incident === undefined
      ? undefined
      : await this.#store.get(e.incident);
    const out: Delivery[] = [];
    for (const h of this.#hooks) {
      if (!matches(h, e.type as AlertType, group, incident)) continue;
      // A fleet's spike shares its id with the arrival that made it.
      const id = `${e.id}${e.type === "spike" ? "s" : ""}.${h.key}`;
      const url = incident &&
        `${this.#opts.publicUrl}/v1/incidents/${incident.name}`;
      const alert = {
        id,
        type: e.type,
        group,
        incident: incident && publicIncident(incident),
        url,
      };
      const body = h.format === "slack"
        ? { text: slackText(e.type as AlertType, group, url) }
        : alert;
      out.push({
        id,
        key: h.key,
        url: h.url,
        body: JSON.stringify(body),
        type: e.type,
        time: e.time,
      });
    }
    return out;
  }

  /** POSTs what is due to `url`; returns when its next retry is due. */
  async #deliverDue(url: string): Promise<number> {
    const now = Date.now();
    const due = this.#db.prepare(
      `select id, webhook, body, created, attempts from deliveries
       where state = 'pending' and webhook = ? and next_at <= ?
       order by next_at, created, id limit ?`,
    ).all(url, now, BATCH) as {
      id: string;
      webhook: string;
      body: string;
      created: number;
      attempts: number;
    }[];
    // In order to the receiver.
    for (const d of due) await this.#deliver(d);
    const next = this.#db.prepare(
      "select min(next_at) as at from deliveries where state = 'pending' and webhook = ?",
    ).get(url) as { at: number | null };
    return next.at ?? Infinity;
  }

  async #deliver(
    d: {
      id: string;
      webhook: string;
      body: string;
      created: number;
      attempts: number;
    },
  ): Promise<void> {
    // The hook whose key ends the delivery's id (or the one of its URL).
    const key = d.id.slice(d.id.lastIndexOf(".") + 1);
    const ofUrl = this.#hooks.filter((h) => h.url === d.webhook);
    const hook = ofUrl.find((h) => h.key === key) ??
      (ofUrl.length === 1 ? ofUrl[0] : undefined);
    let error: string | undefined;
    if (hook === undefined) {
      error = "no longer configured";
    } else {
      try {
        const res = await fetch(d.webhook, {
          method: "POST",
          redirect: "manual",
          headers: {
            "content-type": "application/json",
            "user-agent": "flightlog-gatherer",
            "x-flightlog-delivery": d.id,
            ...(hook.secret === undefined ? {} : {
              "x-flightlog-signature": `sha256=${await hmac(
                hook.secret,
                d.body,
              )}`,
            }),
          },
          body: d.body,
          signal: AbortSignal.any([
            this.#abort.signal,
            AbortSignal.timeout(this.#opts.timeoutMs),
          ]),
        });
        await res.body?.cancel();
        if (!res.ok) error = `HTTP ${res.status}`;
      } catch (e) {
        if (this.#abort.signal.aborted) return;
        error = e instanceof Error ? e.message : String(e);
      }
    }
    const now = Date.now();
    if (error === undefined) {
      this.#db.prepare(
        "update deliveries set state = 'done', attempts = attempts + 1 where id = ?",
      )
        .run(d.id);
      return;
    }
    this.#failedAttempts++;
    const attempts = d.attempts + 1;
    const givingUp = now - d.created >= this.#opts.giveUpAfterMs ||
      hook === undefined;
    const wait = Math.min(
      this.#opts.baseDelayMs * 2 ** Math.min(attempts - 1, 20),
      this.#opts.maxDelayMs,
    ) * (0.75 + Math.random() / 2);
    this.#db.prepare(
      "update deliveries set attempts = ?, next_at = ?, last_error = ?, state = ? where id = ?",
    ).run(attempts, now + wait, error, givingUp ? "given_up" : "pending", d.id);
    this.#opts.onError?.(
      givingUp
        ? `webhook ${
          safeUrl(d.webhook)
        }: gave up delivery ${d.id} after ${attempts} attempts: ${error}`
        : `webhook ${
          safeUrl(d.webhook)
        }: delivery ${d.id} failed (${error}); retrying`,
    );
  }

  /** Stops delivering (pending deliveries stay on disk). */
  async close(): Promise<void> {
    if (this.#abort.signal.aborted) return;
    this.#abort.abort();
    this.#unsubscribe();
    this.#wake();
    for (const wake of this.#wakeReceiver.values()) wake();
    await this.#running;
    this.#db.close();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

export { hmac };

/** What tells a group event apart within the lookback. */
function eventKey(e: GroupEvent): string {
  return `${e.id} ${e.type} ${e.group} ${e.incident ?? ""}`;
}

/**
 * A webhook URL fit for logs: its origin only (a chat webhook's path is its
 * secret).
 */
function safeUrl(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return "(a webhook)";
  }
}
