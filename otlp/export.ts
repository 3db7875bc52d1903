/**
 * Durable OTLP export of a node's incidents: each stored incident goes, as
 * OTLP logs in JSON (see `logs.ts`), to `URL/v1/logs`, in store order,
 * retried with backoff until the receiver takes it. Where it got to is a
 * checkpoint of the node's durable state, moved past an incident only once
 * the receiver answered 2xx: nothing is lost across restarts, and nothing
 * taken is sent again.
 *
 * @module
 */

import { FlogFileError, readFlog } from "../lib/flogfile.ts";
import { withDefaults } from "../lib/_options.ts";
import { sleep } from "../lib/_sleep.ts";
import {
  incidentRequests,
  type OtlpLogsRequest,
  type RequestBounds,
} from "./logs.ts";

/** What the export needs of a stored incident. */
export interface ExportableIncident {
  /** The store's increasing id. */
  id: number;
  /** The file name. */
  name: string;
  /** Its group (fingerprint). */
  group?: string;
  /** Its category. */
  category?: string;
  /** The app's version, when known. */
  version?: string;
}

/**
 * What the export needs of a store: the SQLite and the ClickHouse stores
 * both have these.
 */
export interface ExportSource {
  /** The highest id given so far. */
  latestId(): number | Promise<number>;
  /** Incidents with an id above `id`, oldest first, a page at a time. */
  after(
    id: number,
  ): readonly ExportableIncident[] | Promise<readonly ExportableIncident[]>;
  /** Calls `fn` with each newly stored incident; returns an unsubscribe. */
  subscribe(fn: (s: ExportableIncident) => void): () => void;
  /** The `.flog.gz` bytes of an incident, if still stored. */
  read(
    name: string,
  ):
    | ReadableStream<Uint8Array>
    | undefined
    | Promise<ReadableStream<Uint8Array> | undefined>;
}

/** Settings of an {@linkcode OtlpExport}. */
export interface OtlpExportOptions extends RequestBounds {
  /**
   * The receiver's base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` is: records go
   * to `URL/v1/logs`.
   */
  url: string;
  /** Request headers (an API key, a tenant...). */
  headers?: Record<string, string>;
  /**
   * First retry delay in ms; doubles per failure.
   * @default {500}
   */
  baseDelayMs?: number;
  /**
   * Longest retry delay in ms.
   * @default {30000}
   */
  maxDelayMs?: number;
  /**
   * Time limit of one request in ms.
   * @default {10000}
   */
  requestTimeoutMs?: number;
  /** PEM CA certificates to trust for an `https` receiver. */
  caCerts?: string[];
  /**
   * Told of each incident given up (a 4xx other than 429, or unreadable)
   * and of a checkpoint that cannot be saved.
   * @default {console.error}
   */
  onError?: (message: string) => void;
}

const DEFAULTS = {
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  requestTimeoutMs: 10_000,
  onError: (m: string) => console.error(m),
};

/** Counters of an {@linkcode OtlpExport}. */
export interface OtlpExportStats {
  /** Incidents waiting to be sent. */
  pending: number;
  /** Incidents the receiver took. */
  delivered: number;
  /** Attempts that failed and will be retried (each retry counts). */
  failed: number;
  /** Incidents given up: refused with a 4xx other than 429, or unreadable. */
  rejected: number;
  /** Log records the receiver took. */
  records: number;
}

/**
 * Where the export keeps its checkpoint: the node's durable state
 * (`NodeState` has these), synchronous and durable once `set` returns.
 */
export interface Checkpoints {
  /** A checkpoint's value, if set. */
  get(key: string): string | undefined;
  /** Sets a checkpoint. */
  set(key: string, value: string): void;
}

/** The checkpoint holding the id of the last incident done. */
export const OTLP_CHECKPOINT = "otlp_export_cursor";

type Outcome = "delivered" | "rejected" | "retry";

/**
 * Sends every incident its source stores from now on to an OTLP receiver,
 * one request per incident, in order; a receiver that is down holds up the
 * rest until it is back. Its checkpoint is `otlp_export_cursor` in
 * `checkpoints`: a new export starts with the incidents stored after it
 * opens, a reopened one where it left.
 *
 * @example
 * ```ts ignore
 * import { OtlpExport } from "./export.ts";
 * await using exp = await OtlpExport.open(store, nodeState, {
 *   url: "http://127.0.0.1:4318",
 *   headers: { "x-api-key": "…" },
 * });
 * ```
 */
export class OtlpExport implements AsyncDisposable {
  /** Counters. */
  readonly stats: OtlpExportStats = {
    pending: 0,
    delivered: 0,
    failed: 0,
    rejected: 0,
    records: 0,
  };
  readonly #source: ExportSource;
  readonly #opts: OtlpExportOptions & typeof DEFAULTS;
  readonly #endpoint: string;
  readonly #checkpoints: Checkpoints;
  readonly #client: Deno.HttpClient | undefined;
  readonly #abort = new AbortController();
  readonly #queue: ExportableIncident[] = [];
  #done = 0;
  /** Requests of the first queued incident the receiver took. */
  #sent = 0;
  #wake: (() => void) | undefined;
  #off = () => {};
  #loop: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;

  private constructor(
    source: ExportSource,
    checkpoints: Checkpoints,
    options: OtlpExportOptions,
  ) {
    this.#source = source;
    this.#opts = withDefaults(DEFAULTS, options);
    this.#endpoint = `${options.url.replace(/\/+$/, "")}/v1/logs`;
    this.#checkpoints = checkpoints;
    this.#client = options.caCerts?.length
      ? Deno.createHttpClient({ caCerts: options.caCerts })
      : undefined;
  }

  /**
   * Opens the export of `source`'s incidents (its checkpoint in
   * `checkpoints`) and starts sending.
   */
  static async open(
    source: ExportSource,
    checkpoints: Checkpoints,
    options: OtlpExportOptions,
  ): Promise<OtlpExport> {
    try {
      new URL(options.url);
    } catch {
      throw new TypeError(`otlp url: not a URL: ${options.url}`);
    }
    const exp = new OtlpExport(source, checkpoints, options);
    const text = checkpoints.get(OTLP_CHECKPOINT);
    const saved = Number(text?.trim() || NaN);
    const latest = await source.latestId();
    if (text === undefined) {
      exp.#mark(latest); // a new export starts from now
    } else if (!Number.isSafeInteger(saved) || saved < 0) {
      throw new SyntaxError(
        `checkpoint ${OTLP_CHECKPOINT}: expected an incident id, got ${
          JSON.stringify(text.slice(0, 40))
        }`,
      );
    } else exp.#done = Math.min(saved, latest); // a rebuilt index renumbers
    await exp.#catchUp();
    exp.#loop = exp.#run();
    return exp;
  }

  /**
   * Queues what was stored after the cursor, then each new incident. New
   * ones that come while the old are paged in wait their turn (queued
   * first, they would make the older ones look already seen).
   */
  async #catchUp(): Promise<void> {
    let live: ExportableIncident[] | undefined = [];
    this.#off = this.#source.subscribe((s) => {
      if (live !== undefined) live.push(s);
      else this.#take(s);
    });
    try {
      let from = this.#done;
      for (;;) {
        const page = await this.#source.after(from);
        if (page.length === 0) break;
        for (const s of page) this.#take(s);
        from = page.at(-1)!.id;
      }
    } catch (e) {
      this.#off();
      throw e;
    }
    const waiting = live;
    live = undefined;
    for (const s of waiting) this.#take(s);
  }

  #take(s: ExportableIncident): void {
    const last = this.#queue.at(-1)?.id ?? this.#done;
    if (s.id <= last) return; // seen (follow may give one twice)
    this.#queue.push(s);
    this.stats.pending = this.#queue.length;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #mark(id: number): void {
    try {
      this.#checkpoints.set(OTLP_CHECKPOINT, String(id));
    } catch (e) {
      // Sent again after a restart (at least once), not lost.
      this.#opts.onError(
        `otlp: cannot save checkpoint ${OTLP_CHECKPOINT}: ${e}`,
      );
    }
    this.#done = id;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      const next = this.#queue[0];
      if (next === undefined) {
        await new Promise<void>((resolve) => {
          const done = () => {
            signal.removeEventListener("abort", done);
            resolve();
          };
          this.#wake = done;
          signal.addEventListener("abort", done, { once: true });
        });
        continue;
      }
      const outcome = await this.#deliver(next);
      if (signal.aborted) break; // not marked: sent again next time
      if (outcome === "retry") {
        this.stats.failed++;
        failures++;
        const delay = Math.min(
          this.#opts.maxDelayMs,
          this.#opts.baseDelayMs * 2 ** (failures - 1),
        );
        await sleep(delay * (0.75 + Math.random() / 2), signal);
        continue;
      }
      failures = 0;
      this.stats[outcome]++;
      this.#sent = 0;
      this.#queue.shift();
      this.stats.pending = this.#queue.length;
      this.#mark(next.id);
    }
  }

  /**
   * Sends the incident's requests in turn (one, unless it is large). Those
   * the receiver took are skipped when it is tried again in this run; after
   * a restart mid-incident they are sent again (at least once).
   */
  async #deliver(s: ExportableIncident): Promise<Outcome> {
    let i = 0;
    try {
      const stream = await this.#source.read(s.name);
      if (stream === undefined) return "rejected"; // gone (retention)
      // Damage is skipped: what could be read is sent.
      const records = readFlog(stream, { name: s.name, onDamage() {} });
      for await (const body of incidentRequests(records, s, this.#opts)) {
        if (i++ < this.#sent) continue;
        const outcome = await this.#post(s, body);
        if (outcome !== "delivered") return outcome;
        this.#sent++;
      }
      return "delivered";
    } catch (e) {
      if (e instanceof FlogFileError) {
        this.#opts.onError(`otlp: ${s.name} is unreadable (${e}): not sent`);
        return "rejected";
      }
      this.#opts.onError(`otlp: cannot read ${s.name}: ${e}`);
      return "retry";
    }
  }

  async #post(s: ExportableIncident, body: OtlpLogsRequest): Promise<Outcome> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.#opts.requestTimeoutMs);
    const onClose = () => ac.abort();
    this.#abort.signal.addEventListener("abort", onClose);
    try {
      const res = await fetch(this.#endpoint, {
        method: "POST",
        headers: { ...this.#opts.headers, "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: ac.signal,
        ...(this.#client ? { client: this.#client } : {}),
      });
      const text = await res.text();
      if (res.ok) {
        this.stats.records +=
          body.resourceLogs[0].scopeLogs[0].logRecords.length;
        return "delivered";
      }
      if (res.status >= 400 && res.status < 500 && res.status !== 429) {
        this.#opts.onError(
          `otlp: ${this.#endpoint} refused ${s.name} (${res.status}): ${
            text.slice(0, 200)
          }; not sent again`,
        );
        return "rejected";
      }
      return "retry";
    } catch {
      return "retry";
    } finally {
      clearTimeout(timer);
      this.#abort.signal.removeEventListener("abort", onClose);
    }
  }

  /** Stops sending; what is pending is sent after the next open. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#off();
      this.#abort.abort();
      await this.#loop;
      this.#client?.close();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
