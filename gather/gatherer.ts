/**
 * The gatherer's wiring: one store with rules, sources to pull from, the
 * same `/v1` API as a sidecar (which takes pushes), and webhooks; stopped in
 * order. Its own activity (pulls, failures) is logged to a recorder of its
 * own, which `/v1/events/stream` tails.
 *
 * @module
 */

import { createLogger } from "../lib/create_logger.ts";
import type { Logger } from "../lib/logger.ts";
import { withDefaults } from "../lib/_options.ts";
import { sleep } from "../lib/_sleep.ts";
import { Api } from "../server/api.ts";
import type { SpikeRule } from "../server/groups.ts";
import { type GuardedServer, serveGuarded } from "../server/guard.ts";
import type { Retention } from "../server/retention.ts";
import { IncidentStore } from "../server/store.ts";
import { MAX_INCIDENT_BYTES } from "../server/push_check.ts";
import type { ClickHouseOptions } from "../server/clickhouse/client.ts";
import { ClickHouseStore } from "../server/clickhouse/store.ts";
import type { SpoolOptions } from "../server/clickhouse/spool.ts";
import { type GathererParts, health, metrics } from "./_status.ts";
import { OtlpExport, type OtlpExportOptions } from "../otlp/export.ts";
import { loadToken } from "../server/token.ts";
import { Rules, rulesHash } from "./rules.ts";
import {
  Pull,
  type PullOptions,
  type Source,
  type SourceStats,
} from "./source.ts";
import {
  type Webhook,
  type WebhookOptions,
  Webhooks,
  type WebhookStats,
} from "./webhooks.ts";

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
  /** Also export every new incident as OTLP logs (cursor in `dir/otlp`). */
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

const DEFAULTS = {
  listen: { hostname: "127.0.0.1", port: 7478 },
  ruleTimeoutMs: 1000,
  rulesPollMs: 5000,
  maxBodyBytes: MAX_INCIDENT_BYTES,
  report: (line: string) => console.error(`flightlog gather: ${line}`),
};

/**
 * A running gatherer. Start one with {@linkcode Gatherer.start}; close it to
 * stop pulling, delivering and serving (nothing pending is lost).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Gatherer } from "@flightlog/flightlog/gather";
 * const dir = await Deno.makeTempDir();
 * const gatherer = await Gatherer.start({ dir, listen: { port: 0 } });
 * const res = await fetch(`${gatherer.url}/v1/groups`, {
 *   headers: { authorization: `Bearer ${gatherer.token}` },
 * });
 * assert.deepEqual((await res.json()).groups, []);
 * await gatherer.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Gatherer implements AsyncDisposable {
  /** The store of everything gathered: SQLite, or ClickHouse. */
  readonly store: IncidentStore | ClickHouseStore;
  /** The API's bearer token. */
  readonly token: string;
  readonly #opts: GathererOptions;
  #rules: Rules;
  readonly #log: Logger;
  readonly #api: Api;
  readonly #abort = new AbortController();
  readonly #pulls: Pull[];
  readonly #running: Promise<void>[] = [];
  #webhooks: Webhooks | undefined;
  #otlp: OtlpExport | undefined;
  #server: GuardedServer | undefined;
  #closing: Promise<void> | undefined;

  private constructor(
    opts: GathererOptions,
    parts: {
      store: IncidentStore | ClickHouseStore;
      rules: Rules;
      token: string;
      log: Logger;
    },
  ) {
    this.#opts = opts;
    this.store = parts.store;
    this.token = parts.token;
    this.#rules = parts.rules;
    this.#log = parts.log;
    const report = opts.report ?? DEFAULTS.report;
    this.#pulls = (opts.sources ?? []).map((s) =>
      new Pull(s, this.store, {
        ...opts.pull,
        onError: (url, e) => {
          const message = e instanceof Error ? e.message : String(e);
          report(`source ${url}: ${message}`);
          this.#log.child("source").weird(
            "pulling from {url} failed: {message}",
            {
              url,
              message,
            },
          );
        },
      })
    );
    this.#api = new Api({
      store: this.store,
      recorder: this.#log.recorder,
      token: this.token,
      maxBodyBytes: opts.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
      metrics: () => this.metrics(),
      health: () => health(this.#parts()),
      traceUrl: opts.traceUrl,
    });
    this.store.subscribe((s) =>
      this.#log.child("store").info(
        "stored {name} from {source} in group {group}",
        {
          name: s.name,
          source: s.source,
          group: s.group,
        },
      )
    );
  }

  /** Loads the rules, opens the store, and starts serving, pulling and alerting. */
  static async start(opts: GathererOptions): Promise<Gatherer> {
    const o = withDefaults(DEFAULTS, opts);
    const log = createLogger({ app: "flightlog-gatherer", console: false });
    const rules = await Rules.load(opts.rules, {
      timeoutMs: o.ruleTimeoutMs,
      onProblem: (m) => {
        o.report(`rules: ${m}`);
        log.child("rules").weird("{message}", { message: m });
      },
    });
    let store: IncidentStore | ClickHouseStore | undefined;
    try {
      store = opts.clickhouse === undefined
        ? await IncidentStore.open(opts.dir, {
          retention: opts.retention,
          classifier: rules,
          spike: opts.spike,
        })
        : await ClickHouseStore.open({
          clickhouse: opts.clickhouse,
          spool: { dir: `${opts.dir}/spool`, ...opts.spool },
          classifier: rules,
          maxAgeMs: opts.retention?.maxAgeMs,
          spike: opts.spike,
        });
      const tokenFile = opts.tokenFile ?? `${opts.dir}/token`;
      const token = opts.token ?? await loadToken(tokenFile);
      const gatherer = new Gatherer(opts, { store, rules, token, log });
      try {
        await gatherer.#begin();
      } catch (e) {
        await gatherer.close();
        throw e;
      }
      return gatherer;
    } catch (e) {
      await store?.close();
      await rules[Symbol.asyncDispose]();
      await log.close();
      throw e;
    }
  }

  async #begin(): Promise<void> {
    const o = withDefaults(DEFAULTS, this.#opts);
    this.#server = serveGuarded({
      hostname: o.listen.hostname ?? DEFAULTS.listen.hostname,
      port: o.listen.port ?? DEFAULTS.listen.port,
      signal: this.#abort.signal,
      tls: o.tls,
      maxConnections: o.maxConnections,
      idleMs: o.idleTimeoutMs,
      health: () => ({ ok: true, role: "gatherer" }),
      onError: (e) => o.report(`accepting HTTP connections: ${e}`),
    }, this.#api.handle);
    for (const p of this.#pulls) this.#running.push(p.run(this.#abort.signal));
    if (o.rules !== undefined) this.#running.push(this.#watchRules(o));
    const store = this.store;
    if (
      store instanceof ClickHouseStore && o.retention?.maxAgeMs !== undefined
    ) {
      // ClickHouse keeps days as partitions: drop the old ones, hourly.
      this.#running.push((async () => {
        for (let i = 0; !this.#abort.signal.aborted; i++) {
          await store.applyRetention().catch((e) =>
            o.report(
              `retention in ClickHouse: ${e instanceof Error ? e.message : e}`,
            )
          );
          await sleep(3_600_000, this.#abort.signal);
        }
      })());
    }
    if ((o.webhooks ?? []).length > 0) {
      this.#webhooks = new Webhooks(this.store, o.webhooks!, {
        ...o.webhookOptions,
        dir: o.dir,
        publicUrl: (o.publicUrl ?? this.url).replace(/\/+$/, ""),
        onError: (m) => {
          o.report(m);
          this.#log.child("webhook").weird("{message}", { message: m });
        },
      });
      await this.#webhooks.start();
    }
    if (o.otlp !== undefined) {
      this.#otlp = await OtlpExport.open(`${o.dir}/otlp`, this.store, {
        onError: (m) => {
          o.report(m);
          this.#log.child("otlp").weird("{message}", { message: m });
        },
        ...o.otlp,
      });
    }
  }

  /** Loads the rules again when their files change, and swaps them in. */
  async #watchRules(
    o: GathererOptions & typeof DEFAULTS,
  ): Promise<void> {
    const signal = this.#abort.signal;
    let refused = "";
    while (!signal.aborted) {
      await sleep(o.rulesPollMs, signal);
      if (signal.aborted) return;
      let hash: string;
      try {
        hash = await rulesHash(o.rules);
      } catch (e) {
        o.report(
          `rules: cannot read ${o.rules}: ${
            e instanceof Error ? e.message : e
          }`,
        );
        continue;
      }
      if (hash === this.#rules.hash || hash === refused) continue;
      let rules: Rules;
      try {
        rules = await Rules.load(o.rules, {
          timeoutMs: o.ruleTimeoutMs,
          onProblem: (m) => o.report(`rules: ${m}`),
        });
      } catch (e) {
        refused = hash;
        o.report(
          `rules in ${o.rules} changed but cannot be loaded (the previous ones stay): ${
            e instanceof Error ? e.message : e
          }`,
        );
        continue;
      }
      const old = this.#rules;
      this.#rules = rules;
      if (this.store instanceof IncidentStore) {
        await this.store.reclassifyWith(rules);
      } else {
        // Imports are not queued there: let those under way finish first.
        this.store.setClassifier(rules);
        await sleep(o.ruleTimeoutMs * 10, signal);
      }
      await old[Symbol.asyncDispose]();
      o.report(
        `rules in ${o.rules} changed: ${rules.size} loaded; stored incidents are classified again`,
      );
    }
  }

  /** The API's base URL, e.g. `http://127.0.0.1:7478`. */
  get url(): string {
    const { hostname, port } = this.#server!.addr;
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    return `${this.#opts.tls ? "https" : "http"}://${host}:${port}`;
  }

  #parts(): GathererParts {
    return {
      store: this.store,
      local: this.store instanceof IncidentStore ? this.store : undefined,
      clickhouse: this.store instanceof ClickHouseStore
        ? { spool: this.store.spool, lastError: this.store.lastError }
        : undefined,
      rules: this.#rules.size,
      sources: this.#pulls.map((p) => p.stats),
      webhooks: this.#webhooks?.stats,
      otlp: this.#otlp?.stats,
      http: this.#server?.stats,
    };
  }

  /** The Prometheus text of `/metrics`. */
  metrics(): Promise<string> {
    return metrics(this.#parts());
  }

  /** Counters of each source. */
  get sources(): SourceStats[] {
    return this.#pulls.map((p) => p.stats);
  }

  /** Counters of the webhooks (undefined without any). */
  get webhooks(): WebhookStats | undefined {
    return this.#webhooks?.stats;
  }

  /** Stops pulling, delivering and serving; pending deliveries stay on disk. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#abort.abort();
      await Promise.all(this.#running);
      await this.#webhooks?.close();
      await this.#otlp?.close();
      this.#api.closeStreams();
      if (this.#server !== undefined) await this.#server.finished;
      await this.store.close();
      await this.#rules[Symbol.asyncDispose]();
      await this.#log.close();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
