/**
 * Alerts: each `new_group`, `regression` and `spike` of the store's durable
 * group log becomes one delivery per matching webhook, written to the node's
 * state ({@linkcode NodeState}) in the same transaction that moves the log
 * cursor, then
 * POSTed with `X-Flightlog-Signature: sha256=<HMAC>` and a stable
 * `X-Flightlog-Delivery` id, retried with jittered backoff through restarts
 * until the receiver answers 2xx. At least once; a delivery given up after
 * `giveUpAfterMs` is reported, never dropped in silence. Ignored groups
 * never alert.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { DueDelivery, NodeState } from "../store/sqlite/node_state.ts";
import { errorMessage } from "../store/errors.ts";
import type { GroupEvent } from "../store/groups.ts";
import { publicIncident } from "../http/routes/_params.ts";
import type { Store } from "../store/store.ts";
import { withDefaults } from "../lib/_options.ts";
import {
  ALERT_TYPES,
  type AlertType,
  MAX_ALERTS_PER_MINUTE,
  type Webhook,
  WEBHOOK_DEFAULTS as DEFAULTS,
  type WebhookOptions,
  type WebhookStats,
} from "./webhook_options.ts";
import { hmac, matches, slackText } from "./_alert.ts";
import { AlertLimits, digestText } from "./_alert_limits.ts";
import { refuseUserinfo } from "./_peer_url.ts";
import { sleep } from "../lib/_sleep.ts";

export {
  ALERT_TYPES,
  type AlertType,
  type Webhook,
  type WebhookOptions,
  type WebhookStats,
} from "./webhook_options.ts";

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

/** The webhooks of one gatherer. */
export class Webhooks implements AsyncDisposable {
  readonly #store: Store;
  readonly #hooks: (Webhook & { key: string })[];
  readonly #opts: Required<Omit<WebhookOptions, "onError">> & WebhookOptions;
  readonly #state: NodeState;
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
   * deliveries and cursor in the node's `state`.
   */
  constructor(
    store: Store,
    hooks: Webhook[],
    options: WebhookOptions & { state: NodeState },
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
    this.#state = options.state;
    this.#limits = new AlertLimits(
      this.#hooks.map((h) => ({
        key: h.key,
        max: h.maxAlertsPerMinute ?? MAX_ALERTS_PER_MINUTE,
      })),
      this.#opts.alertWindowMs,
    );
  }

  /**
   * Starts fanning out and delivering, until closed; resolves once what
   * happens from now on will alert.
   */
  async start(): Promise<void> {
    if (this.#state.get(CURSOR) === undefined) {
      // First start: what happened before there were webhooks does not alert.
      const latest = await this.#store.groups.lastEventId();
      this.#state.set(CURSOR, String(latest));
    }
    this.#unsubscribe = this.#store.groups.subscribe(() => this.#wake());
    this.#running = this.#loop();
  }

  /** The counters. */
  get stats(): WebhookStats {
    const count = (state: "pending" | "done" | "given_up") =>
      this.#state.countDeliveries(state);
    return {
      pending: count("pending"),
      delivered: count("done"),
      failedAttempts: this.#failedAttempts,
      givenUp: count("given_up"),
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
        this.#dropUnlisted();
        const digestAt = this.#digest();
        const now = Date.now();
        this.#state.pruneDeliveries(
          now - KEEP_DONE_MS,
          now - this.#opts.keepGivenUpMs,
        );
        for (const wake of this.#wakeReceiver.values()) wake();
        const wait = Math.max(0, Math.min(digestAt - Date.now(), 60_000));
        await Promise.race([woken, sleep(wait, signal)]);
      } catch (e) {
        this.#opts.onError?.(`webhooks: ${errorMessage(e)}`);
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
        this.#opts.onError?.(`webhook ${safeUrl(url)}: ${errorMessage(e)}`);
        await sleep(this.#opts.baseDelayMs, signal);
      }
    }
  }

  /** Gives up (and reports) what is pending for receivers no longer listed. */
  #dropUnlisted(): void {
    const urls = [...new Set(this.#hooks.map((h) => h.url))];
    const why = "no longer configured";
    for (const d of this.#state.giveUpUnlisted(urls, why)) {
      this.#opts.onError?.(
        `webhook ${
          safeUrl(d.webhook)
        }: gave up delivery ${d.id} after ${d.attempts} attempts: ${why}`,
      );
    }
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
      const url = `${this.#opts.publicUrl}/groups`;
      const alert = { id, type: "digest", held: d.held, text, url };
      const body = h.format === "slack"
        ? { text: `${text} (held back by the rate limit)\n${url}` }
        : alert;
      this.#state.addDeliveries(
        [{ id, url: h.url, type: "digest", body: JSON.stringify(body) }],
        CURSOR,
        this.#state.get(CURSOR) ?? "0",
      );
    }
    return next;
  }

  /** Turns new group events into deliveries, moving the cursor with them. */
  async #fanOut(): Promise<void> {
    // A fleet's group events may become visible late (their ids are stamped
    // by each gatherer's clock): read back `lookback` from the cursor; an
    // event seen again makes no new delivery (same id: ignored).
    const lookback = this.#store.lookback ?? 0;
    let top = Number(this.#state.get(CURSOR) ?? 0);
    let from = Math.max(0, top - lookback);
    for (let round = 0; round < 1000; round++) {
      const events = await this.#store.groups.eventsAfter(from, 100);
      if (events.length === 0) return;
      const fresh = events.filter((e) => !this.#seen.has(eventKey(e)));
      const deliveries: Delivery[] = [];
      for (const e of fresh) deliveries.push(...await this.#deliveriesOf(e));
      top = Math.max(top, events.at(-1)!.id);
      const admitted = deliveries.filter((d) =>
        this.#limits.admit(d.key, d.type)
      );
      this.#state.addDeliveries(admitted, CURSOR, String(top));
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
      // The group's page in the viewer: the problem, not one API answer.
      const url = `${this.#opts.publicUrl}/groups/${group.id}`;
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

  /** POSTs what is due to `url`, in order; returns when its next retry is due. */
  async #deliverDue(url: string): Promise<number> {
    const due = this.#state.dueDeliveriesTo(url, Date.now(), BATCH);
    for (const d of due) await this.#deliver(d);
    return this.#state.nextDeliveryTo(url);
  }

  async #deliver(d: DueDelivery): Promise<void> {
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
        error = errorMessage(e);
      }
    }
    const now = Date.now();
    if (error === undefined) {
      this.#state.delivered(d.id);
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
    this.#state.failed(d.id, {
      attempts,
      nextAt: now + wait,
      error,
      givenUp: givingUp,
    });
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
