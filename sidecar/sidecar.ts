/**
 * The sidecar's wiring: starts the store, outbox, recorder, tail and HTTP
 * API of one app, and stops them in order.
 *
 * @module
 */

import type { ScopedTokens } from "../http/scopes.ts";
import { eventId } from "../lib/_incident_name.ts";
import { defaultQualifier, toPredicate } from "../lib/qualifier.ts";
import { FlightRecorder } from "../lib/recorder.ts";
import { ActivityLog, type ActivityLogOptions } from "./activity_log.ts";
import type { RecorderOptions } from "../lib/recorder_options.ts";
import { VERSION } from "../lib/version.ts";
import { NodeServer, nodeToken } from "../http/node_server.ts";
import { sidecarMetrics } from "./_metrics.ts";
import type { ClickHouseOptions } from "../store/clickhouse/client.ts";
import { ClickHouseExport } from "../store/clickhouse/export.ts";
import { NodeState } from "../store/sqlite/node_state.ts";
import { Outbox, type OutboxOptions, type Peer } from "../http/outbox.ts";
import type { Retention } from "../store/sqlite/retention.ts";
import { IncidentStore } from "../store/sqlite/store.ts";
import { MAX_INCIDENT_BYTES } from "../store/push_check.ts";
import { AppTail, type SidecarStats } from "./tail.ts";

/**
 * Settings of a {@linkcode Sidecar}.
 *
 * @example
 * ```ts
 * import type { SidecarOptions } from "@flightlog/flightlog/sidecar";
 * const options: SidecarOptions = {
 *   dir: "/var/lib/shop/incidents",
 *   socketPath: "/run/shop/flightlog.sock",
 *   listen: { hostname: "127.0.0.1", port: 7477 },
 *   peers: [{ url: "http://10.0.0.2:7477", token: "…" }],
 *   recorder: { trailingMs: 5000 },
 *   retention: { maxCount: 1000 },
 * };
 * ```
 */
export interface SidecarOptions {
  /** The incident store (incidents, `index.sqlite`, `outbox/`, `token`). */
  dir: string;
  /** The app's socket to tail; without it, the sidecar only stores and serves. */
  socketPath?: string;
  /**
   * Where the HTTP API listens; port 0 picks a free one.
   *
   * @default {{ hostname: "127.0.0.1", port: 7477 }}
   */
  listen?: { hostname?: string; port?: number };
  /** The bearer token; default: read from `tokenFile`, generated if absent. */
  token?: string;
  /**
   * Where the token is kept (mode 0600).
   *
   * @default {`${dir}/token`}
   */
  tokenFile?: string;
  /**
   * Tokens of narrower scope beside the `admin` one: `read` (GET, the
   * viewer: give it to a gatherer that pulls) and `push`.
   */
  tokens?: ScopedTokens;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string; key: string };
  /** Peers to push every new incident to. */
  peers?: Peer[];
  /** Delivery settings (retry delays, CA certificates). */
  outbox?: OutboxOptions;
  /** The recorder's options (buffers, qualifier, trailing window, rate limit). */
  recorder?: Omit<RecorderOptions, "incidentDir" | "from" | "header">;
  /** Bounds of the store. */
  retention?: Retention;
  /**
   * HTTP connections open at once, at most (past it `/healthz` is still
   * answered, anything else gets a 503).
   * @default {256}
   */
  maxConnections?: number;
  /**
   * An HTTP connection idle this long (no byte either way) is closed.
   * @default {60_000}
   */
  idleTimeoutMs?: number;
  /**
   * One line per app connection, disconnection, death, incident written
   * and bad input (the `flightlog sidecar` command prints them; a library
   * user opts in).
   * @default {none}
   */
  activity?: ActivityLogOptions;
  /**
   * The app is taken as hung after this long without a message, in ms.
   *
   * @default {3 heartbeats, at least 3000 ms}
   */
  heartbeatTimeoutMs?: number;
  /**
   * Reconnection backoff to the app socket, in ms (doubling from min to max).
   *
   * @default {{ minMs: 100, maxMs: 2000 }}
   */
  reconnect?: { minMs?: number; maxMs?: number };
  /**
   * Largest accepted request body, in bytes.
   *
   * @default {64 MiB}
   */
  maxBodyBytes?: number;
  /**
   * Also write every incident, with its events, to ClickHouse (through a
   * spool in `dir/spool`), with no gatherer.
   */
  clickhouse?: ClickHouseOptions;
}

/**
 * A running sidecar. Start one with {@linkcode Sidecar.start}; close it (or
 * `await using` it in a scope) to finish active incidents and stop everything.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Sidecar } from "@flightlog/flightlog/sidecar";
 * const dir = await Deno.makeTempDir();
 * const sidecar = await Sidecar.start({ dir, listen: { port: 0 } });
 * const res = await fetch(`${sidecar.url}/v1/incidents`, {
 *   headers: { authorization: `Bearer ${sidecar.token}` },
 * });
 * assert.deepEqual((await res.json()).incidents, []);
 * await sidecar.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Sidecar implements AsyncDisposable {
  /** The incident store. */
  readonly store: IncidentStore;
  /** The flight recorder fed with the app's events. */
  readonly recorder: FlightRecorder;
  /** Deliveries to peers. */
  readonly outbox: Outbox;
  /** The API's bearer token. */
  readonly token: string;
  /** Where the token is kept (undefined when it was given). */
  readonly tokenFile: string | undefined;
  readonly #opts: SidecarOptions;
  readonly #http: NodeServer;
  readonly #tail: AppTail;
  #export: ClickHouseExport | undefined;
  #state: NodeState | undefined;
  readonly #abort = new AbortController();
  #closing: Promise<void> | undefined;

  private constructor(
    opts: SidecarOptions,
    parts: {
      store: IncidentStore;
      outbox: Outbox;
      token: string;
      tokenFile: string | undefined;
    },
  ) {
    const { store, outbox, token } = parts;
    this.#opts = opts;
    this.store = store;
    this.outbox = outbox;
    this.token = token;
    this.tokenFile = parts.tokenFile;
    const userQualifier = toPredicate(
      opts.recorder?.qualifier ?? defaultQualifier,
    );
    this.recorder = new FlightRecorder({
      ...opts.recorder,
      incidentDir: opts.dir,
      from: "app",
      // An app that writes its own incidents is not qualified again here;
      // a trigger already stored (seen again in a catch-up) is not either.
      qualifier: (e) =>
        !this.#tail.hello?.writesIncidents && userQualifier(e) &&
        !store.hasTrigger(eventId(e)),
      header: () => this.#appHeader(),
    });
    const activity = opts.activity && new ActivityLog(opts.activity);
    this.#tail = new AppTail(this.recorder, {
      store,
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
      reconnect: opts.reconnect,
      activity,
    });
    this.recorder.onIncident((info) => {
      activity?.report("incident written", {
        name: info.name,
        events: info.events,
        ...(info.complete ? {} : { error: info.error }),
      });
      if (!info.complete) return;
      // Queued in the store's own serial queue: close() waits via flush().
      store.add(info.path).catch((e) =>
        this.recorder.reportOnce("storing an incident", e)
      );
    });
    this.#http = new NodeServer({
      store,
      recorder: this.recorder,
      token,
      tokens: opts.tokens,
      maxBodyBytes: opts.maxBodyBytes ?? MAX_INCIDENT_BYTES,
      metrics: () => this.metrics(),
      health: () => this.#health(),
    }, { tls: opts.tls });
  }

  /** Opens the store and outbox, starts the HTTP API and the tail. */
  static async start(opts: SidecarOptions): Promise<Sidecar> {
    const store = await IncidentStore.open(opts.dir, {
      retention: opts.retention,
    });
    const { token, tokenFile } = await nodeToken(opts);
    const outbox = await Outbox.open(`${opts.dir}/outbox`, {
      ...opts.outbox,
      store,
      peers: opts.peers,
    });
    const sidecar = new Sidecar(opts, { store, outbox, token, tokenFile });
    try {
      await sidecar.#begin();
    } catch (e) {
      await sidecar.close();
      throw e;
    }
    return sidecar;
  }

  async #begin(): Promise<void> {
    // Crashed incidents were finished by the recorder; index them too.
    for (const path of await this.recorder.ready) await this.store.add(path);
    if (this.#opts.clickhouse !== undefined) {
      this.#state = await NodeState.open(this.#opts.dir);
      this.#export = await ClickHouseExport.open(this.store, {
        clickhouse: this.#opts.clickhouse,
        state: this.#state,
        onError: (m) => this.recorder.reportOnce("writing to ClickHouse", m),
      });
    }
    this.#http.start({
      ...this.#opts,
      defaultPort: 7477,
      signal: this.#abort.signal,
      // Answered without a token: liveness only.
      capHealth: () => ({ ok: true, role: "sidecar" }),
      onError: (e) => this.recorder.reportOnce("accepting HTTP connections", e),
    });
    if (this.#opts.socketPath !== undefined) {
      this.#tail.follow(this.#opts.socketPath);
    }
  }

  #health() {
    return {
      ok: true,
      version: VERSION,
      app_connected: this.stats.appConnected,
      incidents: this.store.totals().count,
      ...(this.#export === undefined ? {} : {
        clickhouse_spool: this.#export.spool.files,
        ...(this.#export.spool.lastError
          ? { clickhouse_error: this.#export.spool.lastError }
          : {}),
      }),
    };
  }

  /** Sends what waits for ClickHouse now (with `clickhouse`; tests, shutdown). */
  async clickhouseFlush(): Promise<void> {
    await this.#export?.flush();
  }

  /** Counters. */
  get stats(): SidecarStats {
    return this.#tail.stats;
  }

  /** The API's base URL, e.g. `http://127.0.0.1:7477`. */
  get url(): string {
    return this.#http.url;
  }

  /** What incident headers say about the app (from its `hello`). */
  #appHeader(): Record<string, unknown> {
    const h = this.#tail.hello;
    if (h === undefined) return { recorded_by: "flightlog sidecar" };
    return {
      app: h.app,
      pid: h.pid,
      host: h.host,
      versions: { ...h.versions, "flightlog-sidecar": VERSION },
      app_incarnation: h.incarnation,
      recorded_by: "flightlog sidecar",
      sidecar_pid: Deno.pid,
    };
  }

  /** The Prometheus text of `/metrics`. */
  metrics(): string {
    return sidecarMetrics({
      tail: this.stats,
      recorder: this.recorder.stats,
      http: this.#http.stats,
      store: this.store,
      outbox: this.outbox,
      spool: this.#export?.spool,
      app: this.#tail.hello?.app ?? "",
    });
  }

  /**
   * Stops tailing, finishes active incidents (and stores them), stops
   * deliveries (pending ones stay on disk) and the HTTP API.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#abort.abort();
      await this.#tail.close();
      await this.recorder.close();
      await this.store.flush();
      await this.outbox.close();
      await this.#export?.close();
      this.#state?.close();
      await this.#http.close();
      await this.store.close();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
