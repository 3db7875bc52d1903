/**
 * The settings of a gatherer, and their defaults.
 *
 * @module
 */

import type { ScopedTokens } from "../http/scopes.ts";
import type { SpikeRule } from "../store/groups.ts";
import type { Retention } from "../store/sqlite/retention.ts";
import { MAX_INCIDENT_BYTES } from "../store/push_check.ts";
import type { ClickHouseOptions } from "../store/clickhouse/client.ts";
import type { SpoolOptions } from "../store/clickhouse/spool.ts";
import type { OtlpExportOptions } from "../otlp/export.ts";
import type { PullOptions, Source } from "./source.ts";
import type { Webhook, WebhookOptions } from "./webhooks.ts";

/**
 * Settings of a {@linkcode Gatherer}.
 *
 * @example
 * ```ts
 * import type { GathererOptions } from "@flightlog/flightlog/gather";
 * const options: GathererOptions = {
 *   dir: "/var/lib/flightlog-gatherer",
 *   listen: { hostname: "0.0.0.0", port: 7478 },
 *   sources: [{ url: "http://10.0.0.7:7477", token: "…" }],
 *   rules: "/etc/flightlog/rules",
 *   webhooks: [{ url: "https://hooks.example.com/x", secret: "…" }],
 * };
 * ```
 */
export interface GathererOptions {
  /** The store (incidents, `index.sqlite`, `token`). */
  dir: string;
  /**
   * Where the HTTP API listens; port 0 picks a free one.
   * @default {{ hostname: "127.0.0.1", port: 7478 }}
   */
  listen?: { hostname?: string; port?: number };
  /** The bearer token; default: read from `tokenFile`, generated if absent. */
  token?: string;
  /**
   * Where the token is kept (mode 0600).
   * @default {`${dir}/token`}
   */
  tokenFile?: string;
  /**
   * Tokens of narrower scope beside the `admin` one: `read` (GET, the
   * viewer) and `push` (`POST /v1/incidents` only, for sidecars).
   */
  tokens?: ScopedTokens;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string; key: string };
  /** Servers to pull incidents from. */
  sources?: Source[];
  /** How pulls retry. */
  pull?: Omit<PullOptions, "onError">;
  /** A folder of `*.ts` and `*.json` classification rules. */
  rules?: string;
  /**
   * Most time one `.ts` rule may take on one incident, in ms.
   * @default {1000}
   */
  ruleTimeoutMs?: number;
  /**
   * How often the rules folder is looked at for changes, in ms; changed
   * rules are loaded and the stored incidents classified again.
   * @default {5000}
   */
  rulesPollMs?: number;
  /** Where alerts go. */
  webhooks?: Webhook[];
  /** How alerts are delivered. */
  webhookOptions?: Omit<WebhookOptions, "publicUrl" | "onError">;
  /**
   * The base of links in alerts.
   * @default {this gatherer's URL}
   */
  publicUrl?: string;
  /** When a group spikes. */
  spike?: SpikeRule;
  /** Bounds of the store (with ClickHouse: `maxAgeMs` only, by day partitions). */
  retention?: Retention;
  /**
   * Keep everything in ClickHouse instead of `dir` (which then holds the
   * spool and alert deliveries only): gatherers on one ClickHouse serve the
   * same data.
   */
  clickhouse?: ClickHouseOptions;
  /** The spool's bounds and timing (with `clickhouse`). */
  spool?: Omit<SpoolOptions, "dir">;
  /** Also export every new incident as OTLP logs (checkpoint in `dir/node.sqlite`). */
  otlp?: OtlpExportOptions;
  /** A link template with `{trace_id}`: the viewer links trace ids there. */
  traceUrl?: string;
  /**
   * HTTP connections open at once, at most.
   * @default {256}
   */
  maxConnections?: number;
  /**
   * An HTTP connection idle this long is closed, in ms.
   * @default {60_000}
   */
  idleTimeoutMs?: number;
  /**
   * Largest accepted request body (a pushed incident), in bytes.
   * @default {64 MiB}
   */
  maxBodyBytes?: number;
  /**
   * Where problems (a source down, a rule failing, a webhook refusing) are
   * told, one line each.
   * @default {console.error}
   */
  report?: (line: string) => void;
}

/** The defaults of {@linkcode GathererOptions}. */
export const GATHERER_DEFAULTS = {
  listen: { hostname: "127.0.0.1", port: 7478 },
  ruleTimeoutMs: 1000,
  rulesPollMs: 5000,
  maxBodyBytes: MAX_INCIDENT_BYTES,
  report: (line: string) => console.error(`flightlog gather: ${line}`),
};
