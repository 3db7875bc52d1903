/**
 * The spool between flightlog and ClickHouse: each incident's rows are
 * written to a file of their own (synced) before they count as taken, and
 * sent in batches (by size or time), events before incidents. While
 * ClickHouse is down or slow the files wait, bounded by `maxBytes` (past it
 * new incidents are refused with a reason, never dropped), and go when it
 * is back, with jittered backoff between tries. A batch sent twice (an
 * answer lost) is harmless: the tables replace by key.
 *
 * @module
 */

import { writeFileSynced } from "../../lib/_io.ts";
import { sleep } from "../../lib/_sleep.ts";
import { errorMessage, StoreBusyError } from "../errors.ts";
import type { Layout } from "./schema.ts";
import { StoreLock } from "../lock.ts";
import type { IncidentRows } from "./rows.ts";

/**
 * How the spool holds and sends.
 *
 * @example
 * ```ts
 * import type { SpoolOptions } from "@flightlog/flightlog/store";
 * const o: SpoolOptions = { dir: "/var/lib/flightlog/spool", maxBytes: 4 << 30 };
 * ```
 */
export interface SpoolOptions {
  /** Its folder. */
  dir: string;
  /**
   * Most bytes waiting; past it, new incidents are refused.
   * @default {1 GiB}
   */
  maxBytes?: number;
  /**
   * Rows wait at most this long before they are sent, in ms.
   * @default {1000}
   */
  flushMs?: number;
  /**
   * Most bytes one batch sends.
   * @default {16 MiB}
   */
  maxBatchBytes?: number;
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
  /** Told of each failed send. */
  onError?: (message: string) => void;
}

/**
 * What the spool holds and did.
 *
 * @example
 * ```ts
 * import type { SpoolStats } from "@flightlog/flightlog/store";
 * const behind = (s: SpoolStats) => s.files > 0 && s.failures > 0;
 * ```
 */
export interface SpoolStats {
  /** Incidents waiting. */
  files: number;
  /** Their bytes. */
  bytes: number;
  /** Incidents sent. */
  sent: number;
  /** Failed sends since the start. */
  failures: number;
  /** The latest failure, if the last send failed. */
  lastError?: string;
}

/** Makes increasing `seq` values: ms × 1000 plus a tag of this process. */
export class SeqClock {
  #last = 0;
  readonly #tag = Math.floor(Math.random() * 1000);

  /** The next value. */
  next(): number {
    const now = Date.now() * 1000 + this.#tag;
    this.#last = Math.max(this.#last + 1000, now);
    return this.#last;
  }
}

/** The spool of one process. */
export class Spool {
  readonly #layout: Layout;
  readonly #o: Required<Omit<SpoolOptions, "onError">> & SpoolOptions;
  readonly #abort = new AbortController();
  readonly #seq = new SeqClock();
  /** Waiting files (their names sort oldest first) and their sizes. */
  #files = new Map<string, number>();
  #bytes = 0;
  #counter = 0;
  #sent = 0;
  #failures = 0;
  #lastError: string | undefined;
  #wake = () => {};
  #running: Promise<void> = Promise.resolve();
  #sending: Promise<void> = Promise.resolve();
  #lock: StoreLock | undefined;

  private constructor(layout: Layout, options: SpoolOptions) {
    this.#layout = layout;
    this.#o = {
      maxBytes: 1 << 30,
      flushMs: 1000,
      maxBatchBytes: 16 << 20,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      ...options,
    };
  }

  /**
   * Opens the spool in `options.dir` (files left there are sent first) and
   * starts sending; a {@linkcode StoreLockedError} when another spool has
   * that folder.
   */
  static async open(layout: Layout, options: SpoolOptions): Promise<Spool> {
    await Deno.mkdir(options.dir, { recursive: true });
    const spool = new Spool(layout, options);
    spool.#lock = await StoreLock.take(options.dir);
    try {
      for await (const e of Deno.readDir(options.dir)) {
        if (e.isFile && e.name.endsWith(".rows")) {
          const { size } = await Deno.stat(`${options.dir}/${e.name}`);
          spool.#files.set(e.name, size);
          spool.#bytes += size;
        } else if (e.name.endsWith(".tmp")) {
          await Deno.remove(`${options.dir}/${e.name}`).catch(() => {});
        }
      }
    } catch (e) {
      spool.#lock.release();
      throw e;
    }
    spool.#running = spool.#loop();
    return spool;
  }

  /** What it holds and did. */
  get stats(): SpoolStats {
    return {
      files: this.#files.size,
      bytes: this.#bytes,
      sent: this.#sent,
      failures: this.#failures,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  /**
   * Takes one incident's rows: on disk (synced) when this resolves. Throws a
   * {@linkcode SpoolFullError} past `maxBytes`.
   */
  async add(rows: IncidentRows): Promise<void> {
    const bytes = new TextEncoder().encode(JSON.stringify(rows));
    if (this.#bytes + bytes.length > this.#o.maxBytes) {
      throw new StoreBusyError(
        `the ClickHouse spool is full (${this.stats.files} incidents, ${this.stats.bytes} bytes waiting; ClickHouse: ${
          this.#lastError ?? "slow"
        }): retry later`,
      );
    }
    const name = `${Date.now().toString().padStart(15, "0")}-${
      String(this.#counter++).padStart(9, "0")
    }.rows`;
    await writeFileSynced(`${this.#o.dir}/${name}`, bytes);
    this.#files.set(name, bytes.length);
    this.#bytes += bytes.length;
    this.#wake();
  }

  async #loop(): Promise<void> {
    const signal = this.#abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      if (this.#files.size === 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
        // Let an incident's fellows of the same moment join its batch.
        await sleep(Math.min(this.#o.flushMs, 50), signal);
        continue;
      }
      try {
        await this.#send();
        failures = 0;
      } catch (e) {
        failures++;
        this.#failures++;
        this.#lastError = errorMessage(e);
        this.#o.onError?.(this.#lastError);
        const wait = Math.min(
          this.#o.baseDelayMs * 2 ** Math.min(failures - 1, 16),
          this.#o.maxDelayMs,
        );
        await sleep(wait * (0.75 + Math.random() / 2), signal);
      }
    }
  }

  /** One batch, after any batch being sent (the loop's or a flush's). */
  #send(): Promise<void> {
    const run = this.#sending.catch(() => {}).then(() =>
      this.#files.size > 0 ? this.#sendBatch() : undefined
    );
    this.#sending = run;
    return run;
  }

  /** Sends the oldest files, up to `maxBatchBytes`, as one insert per table. */
  async #sendBatch(): Promise<void> {
    const names = [...this.#files.keys()].sort();
    const batch: string[] = [];
    let size = 0;
    for (const n of names) {
      if (
        batch.length > 0 && size + this.#files.get(n)! > this.#o.maxBatchBytes
      ) {
        break;
      }
      batch.push(n);
      size += this.#files.get(n)!;
    }
    const incidents: string[] = [];
    const events: string[] = [];
    for (const n of batch) {
      const rows = JSON.parse(
        await Deno.readTextFile(`${this.#o.dir}/${n}`),
      ) as IncidentRows;
      const seq = this.#seq.next();
      incidents.push(JSON.stringify({ ...rows.incident, seq }));
      for (const e of rows.events) events.push(JSON.stringify({ ...e, seq }));
    }
    const { ch, insertSettings } = this.#layout;
    // Events first: an incident is visible with all its events.
    await ch.insert(this.#layout.events, events.join("\n"), insertSettings);
    await ch.insert(
      this.#layout.incidents,
      incidents.join("\n"),
      insertSettings,
    );
    for (const n of batch) {
      await Deno.remove(`${this.#o.dir}/${n}`).catch(() => {});
      this.#bytes -= this.#files.get(n) ?? 0;
      this.#files.delete(n);
    }
    this.#sent += batch.length;
    this.#lastError = undefined;
  }

  /** Sends what waits now; rejects with ClickHouse's error if it cannot. */
  async flush(): Promise<void> {
    for (let i = 0; i < 10_000 && this.#files.size > 0; i++) {
      await this.#send();
    }
  }

  /** Stops sending; what waits stays on disk for the next start. */
  async close(): Promise<void> {
    this.#abort.abort();
    this.#wake();
    await this.#running;
    this.#lock?.release();
  }
}
