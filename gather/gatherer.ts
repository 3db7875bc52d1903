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
import { NodeServer, nodeToken } from "../http/node_server.ts";
import { openStore } from "../store/open.ts";
import { NodeState } from "../store/sqlite/node_state.ts";
import type { Store } from "../store/store.ts";
import { errorMessage } from "../store/errors.ts";
import {
  countGroupEvents,
  type GathererParts,
  type GroupEventCounts,
  health,
  metrics,
} from "./_status.ts";
import { OtlpExport } from "../otlp/export.ts";
import { Rules, rulesHash } from "./rules.ts";
import { Pull, type SourceStats } from "./source.ts";
import { Webhooks, type WebhookStats } from "./webhooks.ts";

import {
  GATHERER_DEFAULTS as DEFAULTS,
  type GathererOptions,
} from "./gatherer_options.ts";

export type { GathererOptions };

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
  readonly store: Store;
  /** The API's bearer token. */
  readonly token: string;
  readonly #opts: GathererOptions;
  #rules: Rules;
  readonly #log: Logger;
  readonly #http: NodeServer;
  readonly #abort = new AbortController();
  readonly #pulls: Pull[];
  readonly #running: Promise<void>[] = [];
  #webhooks: Webhooks | undefined;
  #otlp: OtlpExport | undefined;
  #state: NodeState | undefined;
  #closing: Promise<void> | undefined;
  readonly #groupEvents: GroupEventCounts;

  private constructor(
    opts: GathererOptions,
    parts: {
      store: Store;
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
    this.#groupEvents = countGroupEvents(this.store.groups);
    const report = opts.report ?? DEFAULTS.report;
    this.#pulls = (opts.sources ?? []).map((s) =>
      new Pull(s, this.store, {
        ...opts.pull,
        onError: (url, e) => {
          const message = errorMessage(e);
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
    this.#http = new NodeServer({
      store: this.store,
      recorder: this.#log.recorder,
      token: this.token,
      tokens: opts.tokens,
      maxBodyBytes: opts.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
      metrics: () => this.metrics(),
      health: () => health(this.#parts()),
      traceUrl: opts.traceUrl,
    }, { tls: opts.tls });
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
    let store: Store | undefined;
    try {
      store = opts.clickhouse === undefined
        ? await openStore({
          kind: "sqlite",
          dir: opts.dir,
          retention: opts.retention,
          classifier: rules,
          spike: opts.spike,
        })
        : await openStore({
          kind: "clickhouse",
          clickhouse: opts.clickhouse,
          spool: { dir: `${opts.dir}/spool`, ...opts.spool },
          classifier: rules,
          maxAgeMs: opts.retention?.maxAgeMs,
          spike: opts.spike,
        });
      const { token } = await nodeToken(opts);
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
    this.#http.start({
      ...o,
      listen: {
        hostname: o.listen.hostname ?? DEFAULTS.listen.hostname,
        port: o.listen.port,
      },
      defaultPort: DEFAULTS.listen.port,
      signal: this.#abort.signal,
      capHealth: () => ({ ok: true, role: "gatherer" }),
      onError: (e) => o.report(`accepting HTTP connections: ${e}`),
    });
    for (const p of this.#pulls) this.#running.push(p.run(this.#abort.signal));
    if (o.rules !== undefined) this.#running.push(this.#watchRules(o));
    this.#running.push(this.store.maintain(this.#abort.signal, o.report));
    if ((o.webhooks ?? []).length > 0) {
      this.#state = await NodeState.open(o.dir);
      this.#webhooks = new Webhooks(this.store, o.webhooks!, {
        ...o.webhookOptions,
        state: this.#state,
        publicUrl: (o.publicUrl ?? this.url).replace(/\/+$/, ""),
        onError: (m) => {
          o.report(m);
          this.#log.child("webhook").weird("{message}", { message: m });
        },
      });
      await this.#webhooks.start();
    }
    if (o.otlp !== undefined) {
      this.#state ??= await NodeState.open(o.dir);
      this.#otlp = await OtlpExport.open(this.store, this.#state, {
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
          `rules: cannot read ${o.rules}: ${errorMessage(e)}`,
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
            errorMessage(e)
          }`,
        );
        continue;
      }
      const old = this.#rules;
      this.#rules = rules;
      await this.store.setClassifier(rules);
      await old[Symbol.asyncDispose]();
      o.report(
        `rules in ${o.rules} changed: ${rules.size} loaded; stored incidents are classified again`,
      );
    }
  }

  /** The API's base URL, e.g. `http://127.0.0.1:7478`. */
  get url(): string {
    return this.#http.url;
  }

  #parts(): GathererParts {
    return {
      store: this.store,
      rules: this.#rules.size,
      sources: this.#pulls.map((p) => p.stats),
      webhooks: this.#webhooks?.stats,
      otlp: this.#otlp?.stats,
      http: this.#http.stats,
      groupEvents: this.#groupEvents,
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
      this.#state?.close();
      await this.#http.close();
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
