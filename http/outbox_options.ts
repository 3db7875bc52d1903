/**
 * What an `Outbox` is given and tells: its peers, its delivery
 * settings (with their defaults) and its counters.
 *
 * @module
 */

import type { IncidentStore } from "../store/sqlite/store.ts";

/**
 * A peer to push incidents to: its base URL and bearer token.
 *
 * @example
 * ```ts
 * import type { Peer } from "@flightlog/flightlog/sidecar";
 * const peer: Peer = { url: "http://127.0.0.1:7477", token: "s3cret" };
 * ```
 */
export interface Peer {
  /** Base URL, like `http://127.0.0.1:7477`. */
  url: string;
  /** Its bearer token. */
  token?: string;
}

/**
 * Settings of an `Outbox`.
 *
 * @example
 * ```ts
 * import type { OutboxOptions } from "@flightlog/flightlog/sidecar";
 * const o: OutboxOptions = { baseDelayMs: 500, maxDelayMs: 30_000 };
 * ```
 */
export interface OutboxOptions {
  /**
   * First retry delay in ms; doubles per failure.
   *
   * @default {500}
   */
  baseDelayMs?: number;
  /**
   * Longest retry delay in ms.
   *
   * @default {30000}
   */
  maxDelayMs?: number;
  /**
   * Time limit of one request in ms.
   *
   * @default {10000}
   */
  requestTimeoutMs?: number;
  /** PEM CA certificates to trust for `https` peers. */
  caCerts?: string[];
  /**
   * Told when an incident cannot be queued on disk (it is then queued again
   * at the next start).
   *
   * @default {console.error}
   */
  onError?: (message: string) => void;
}

/**
 * What `Outbox.open` needs besides its folder: the store the
 * incidents are read from, the peers, and the delivery settings.
 *
 * @example
 * ```ts
 * import type { OutboxOpenOptions } from "./outbox_options.ts";
 * const open = (o: OutboxOpenOptions) => o.peers?.length ?? 0;
 * ```
 */
export interface OutboxOpenOptions extends OutboxOptions {
  /** Where the incidents are read from. */
  store: IncidentStore;
  /**
   * The peers to push every incident to.
   *
   * @default {[]}
   */
  peers?: Peer[];
}

/**
 * Counters of an `Outbox`.
 *
 * @example
 * ```ts
 * import type { OutboxStats } from "@flightlog/flightlog/sidecar";
 * const healthy = (s: OutboxStats) => s.pending === 0;
 * ```
 */
export interface OutboxStats {
  /** Incident deliveries waiting (summed over peers). */
  pending: number;
  /** Deliveries acknowledged. */
  delivered: number;
  /** Attempts that failed (each retry counts). */
  failed: number;
  /** Incidents a peer refused for good (bad request): not retried. */
  rejected: number;
}
