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
  type Webhook,
  WEBHOOK_DEFAULTS as DEFAULTS,
  type WebhookOptions,
  type WebhookStats,
} from "./webhook_options.ts";
import { hmac, matches, slackText } from "./_alert.ts";
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
  #running: Promise<void> = Promise.resolve();
  #unsubscribe = () => {};
  /** Within the lookback: the group events already fanned out. */
  readonly #seen = new Map<string, number>();

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
    this.#hooks = hooks.map((h, i) => {
      // Two hooks to one URL are two receivers: the key has the hook's place
      // among those of its URL (other hooks come and go without changing it).
      const n = hooks.slice(0, i).filter((o) => o.url === h.url).length;
      const key = createHash("sha256").update(`${n}\n${h.url}`).digest("hex");
      return { ...h, key: key.slice(0, 8) };
    });
    this.#opts = withDefaults(DEFAULTS, options);
    this.#state = options.state;
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
    };
  }

  async #loop(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      const woken = new Promise<void>((resolve) => this.#wake = resolve);
      try {
        await this.#fanOut();
        const nextAt = await this.#deliverDue();
        const wait = Math.max(0, Math.min(nextAt - Date.now(), 60_000));
        await Promise.race([woken, sleep(wait, signal)]);
      } catch (e) {
        this.#opts.onError?.(`webhooks: ${errorMessage(e)}`);
        await sleep(this.#opts.baseDelayMs, signal);
      }
    }
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
      this.#state.addDeliveries(deliveries, CURSOR, String(top));
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
        url: h.url,
        body: JSON.stringify(body),
        type: e.type,
        time: e.time,
      });
    }
    return out;
  }

  /** POSTs what is due; returns when the next retry is due. */
  async #deliverDue(): Promise<number> {
    const now = Date.now();
    const due = this.#state.dueDeliveries(now, BATCH, now - KEEP_DONE_MS);
    // In order to each receiver; receivers in parallel.
    const byHook = Map.groupBy(due, (d) => d.webhook);
    await Promise.all(
      [...byHook.values()].map(async (list) => {
        for (const d of list) await this.#deliver(d);
      }),
    );
    return this.#state.nextDeliveryAt();
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
