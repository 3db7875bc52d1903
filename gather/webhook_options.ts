/**
 * What the gatherer's webhooks are configured with: the alert types, a
 * receiver, the delivery settings (with their defaults) and their counters.
 *
 * @module
 */

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

/** The default of {@linkcode Webhook.maxAlertsPerMinute}. */
export const MAX_ALERTS_PER_MINUTE = 30;

/** The defaults of {@linkcode WebhookOptions}. */
export const WEBHOOK_DEFAULTS = {
  baseDelayMs: 1000,
  maxDelayMs: 300_000,
  giveUpAfterMs: 86_400_000,
  alertWindowMs: 60_000,
  keepGivenUpMs: 30 * 86_400_000,
  timeoutMs: 10_000,
  onError: undefined,
};

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
