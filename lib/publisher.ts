/**
 * Publishes a logger's events on a Unix socket (protocol in
 * {@link ./protocol.ts}), for sidecars and tail clients. A slow or stuck
 * reader never slows the app: each connection has a bounded queue, and
 * what does not fit is dropped, counted, and reported to that reader.
 *
 * @module
 */

import { encodeJSON } from "./event.ts";
import type { FlogEvent } from "./flog_event.ts";
import { ReusedEncoder, writeAll } from "./_io.ts";
import type { Logger } from "./logger.ts";
import { batchLines } from "./protocol_v2.ts";
import { Subscriber } from "./_reader_queue.ts";
import { listenForPick } from "./_version_pick.ts";
import { eventLines, helloLine } from "./_publish_lines.ts";
import { claimSocketPath } from "./_unix_socket.ts";
import { withDefaults } from "./_options.ts";
import { waitAtMost } from "./_sleep.ts";
import { onStopSignal } from "./_stop_signals.ts";

/**
 * Options of {@linkcode publish}.
 *
 * @example
 * ```ts
 * import type { PublishOptions } from "@flightlog/flightlog";
 * const opts: PublishOptions = { socketPath: "/run/shop/flightlog.sock", queueLimit: 10_000 };
 * ```
 */
export interface PublishOptions {
  /** Where to listen. Created with mode 0600; a stale socket is replaced. */
  socketPath: string;
  /**
   * Events queued per connection before new ones are dropped.
   * @default {10_000}
   */
  queueLimit?: number;
  /**
   * Heartbeat interval, in ms.
   * @default {1000}
   */
  heartbeatMs?: number;
  /**
   * Most events in one `events` message.
   * @default {1000}
   */
  batchSize?: number;
  /**
   * How long `close()` waits for readers to take what is queued, in ms.
   * @default {2000}
   */
  closeTimeoutMs?: number;
  /** Closes the publisher when aborted. */
  signal?: AbortSignal;
  /**
   * On SIGTERM or SIGINT, say `goodbye` (reason `signal SIGTERM`), hand
   * over what is queued and close; then, when the app has no listener of
   * its own for the signal, close the logger and exit with 143 (SIGTERM) or
   * 130 (SIGINT), as the process would have ended without flightlog. A
   * sidecar records such a stop as a stop, not a crash.
   * @default {true}
   */
  stopSignals?: boolean;
}

/** The defaults of {@linkcode PublishOptions}, stated once. */
const PUBLISH_DEFAULTS = {
  queueLimit: 10_000,
  heartbeatMs: 1000,
  batchSize: 1000,
  closeTimeoutMs: 2000,
  stopSignals: true,
};

/**
 * Counters of a {@linkcode Publisher}.
 *
 * @example
 * ```ts
 * import type { PublisherStats } from "@flightlog/flightlog";
 * function lossRate(s: PublisherStats) { return s.dropped / (s.sent + s.dropped); }
 * ```
 */
export interface PublisherStats {
  /** Readers connected now. */
  connections: number;
  /** Readers accepted since the start. */
  accepted: number;
  /** Events written to readers (counted once per reader). */
  sent: number;
  /** Events dropped because a reader's queue was full (per reader). */
  dropped: number;
}

/**
 * An app's event stream on a Unix socket. Made by {@linkcode publish}.
 *
 * @example
 * ```ts
 * import { createLogger, publish } from "@flightlog/flightlog";
 * const dir = await Deno.makeTempDir();
 * const log = createLogger({ app: "shop" });
 * const publisher = await publish(log, { socketPath: `${dir}/app.sock` });
 * log.info("serving");
 * await publisher.close("done");
 * await Deno.remove(dir, { recursive: true });
 * await publisher.close();
 * await log.close();
 * ```
 */
export class Publisher implements AsyncDisposable {
  /** Counters. */
  readonly stats: PublisherStats = {
    connections: 0,
    accepted: 0,
    sent: 0,
    dropped: 0,
  };
  readonly #logger: Logger;
  readonly #listener: Deno.Listener;
  readonly #opts: typeof PUBLISH_DEFAULTS & PublishOptions;
  readonly #subs = new Set<Subscriber>();
  readonly #loops = new Set<Promise<void>>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #offSignals: () => void = () => {};
  readonly #heartbeat: ReturnType<typeof setInterval>;
  readonly #accepting: Promise<void>;
  #closing: Promise<void> | undefined;
  readonly #greeted = Promise.withResolvers<void>();

  /** Use {@linkcode publish}. */
  constructor(
    logger: Logger,
    listener: Deno.Listener,
    options: PublishOptions,
  ) {
    this.#logger = logger;
    this.#listener = listener;
    this.#opts = withDefaults(PUBLISH_DEFAULTS, options);
    const subs = this.#subs;
    this.#unsubscribe.push(
      logger.onEvent((event) => {
        for (const sub of subs) sub.push(event);
      }),
      logger.recorder.onClose(() => this.close("logger closed")),
      logger.onIncident((i) => {
        for (const sub of subs) {
          sub.send({
            t: "incident",
            name: i.name,
            path: i.path,
            trigger: i.trigger,
            events: i.events,
            complete: i.complete,
          });
        }
      }),
    );
    this.#heartbeat = setInterval(() => {
      const time = Date.now() / 1000;
      for (const sub of subs) sub.send({ t: "heartbeat", time });
    }, this.#opts.heartbeatMs);
    this.#accepting = this.#accept();
    if (this.#opts.stopSignals) {
      this.#offSignals = onStopSignal({
        goodbye: (signal) => this.close(`signal ${signal}`),
        closeLogger: () => logger.close(),
      });
    }
    options.signal?.addEventListener("abort", () => this.close("aborted"), {
      once: true,
    });
  }

  /**
   * Resolves once at least one reader is connected and has been sent its
   * `hello` and the history (at once if one is). An app can wait for its
   * sidecar at start, with a time limit of its own.
   */
  connected(): Promise<void> {
    return this.#greeted.promise;
  }

  /** The socket's path. */
  get socketPath(): string {
    return this.#opts.socketPath;
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        const sub = new Subscriber(conn, this.#opts.queueLimit, this.stats);
        // Snapshot and subscription in one synchronous step: no gap, no overlap.
        const history = this.#logger.snapshot();
        this.#subs.add(sub);
        this.stats.accepted++;
        this.stats.connections++;
        const listening = listenForPick(sub);
        const loop = this.#serve(sub, history).finally(async () => {
          sub.release();
          this.#subs.delete(sub);
          this.#loops.delete(loop);
          this.stats.connections--;
          try {
            sub.conn.close();
          } catch { /* already closed */ }
          await listening;
        });
        this.#loops.add(loop);
      }
    } catch {
      // The listener was closed.
    }
  }

  async #serve(sub: Subscriber, history: FlogEvent[]): Promise<void> {
    const rec = this.#logger.recorder;
    // One buffer per reader, reused by every batch.
    const bytes = new ReusedEncoder();
    const write = (text: string) => writeAll(sub.conn, bytes.encode(text));
    try {
      await write(helloLine(rec, this.#opts.heartbeatMs));
      await write(eventLines(history, this.#opts.batchSize, true));
      this.stats.sent += history.length;
      this.#greeted.resolve();
      for (;;) {
        if (sub.queue.length === 0 && sub.control.length === 0) {
          sub.markCaughtUp();
        }
        await sub.idle();
        const events = sub.queue;
        const control = sub.control;
        const dropped = sub.dropped;
        sub.queue = [];
        sub.control = [];
        sub.dropped = 0;
        let text = sub.version === 2
          ? batchLines(events, rec.incarnation, this.#opts.batchSize, false)
          : eventLines(events, this.#opts.batchSize, false);
        if (dropped > 0) {
          text += encodeJSON({
            t: "dropped",
            count: dropped,
            total: sub.droppedTotal,
          }) + "\n";
        }
        for (const m of control) text += encodeJSON(m) + "\n";
        if (text !== "") await write(text);
        this.stats.sent += events.length;
        if (sub.closing && sub.queue.length === 0 && sub.control.length === 0) {
          return;
        }
      }
    } catch {
      // The reader went away (or the publisher closed the connection).
    }
  }

  /**
   * Resolves once every event logged so far has been written to every
   * connected reader, or after `timeoutMs` (a stuck reader cannot hold the
   * app). Call it before a deliberate exit to hand the last events over.
   */
  async flush(timeoutMs = 1000): Promise<void> {
    await waitAtMost(
      Promise.all([...this.#subs].map((s) => s.drained())),
      timeoutMs,
    );
  }

  /**
   * Stops listening, sends `goodbye` (with `reason`) after what is queued,
   * closes every connection (waiting at most `closeTimeoutMs` for slow
   * readers) and removes the socket file. Safe to call more than once.
   */
  close(reason = "closed"): Promise<void> {
    this.#closing ??= (async () => {
      this.#offSignals();
      clearInterval(this.#heartbeat);
      for (const off of this.#unsubscribe) off();
      try {
        this.#listener.close();
      } catch { /* already closed */ }
      for (const sub of this.#subs) {
        sub.send({ t: "goodbye", reason });
        sub.closing = true;
        sub.wakeUp();
      }
      await waitAtMost(Promise.all(this.#loops), this.#opts.closeTimeoutMs);
      for (const sub of this.#subs) {
        try {
          sub.conn.close();
        } catch { /* already closed */ }
      }
      await Promise.all(this.#loops);
      await this.#accepting;
      await Deno.remove(this.#opts.socketPath).catch(() => {});
    })();
    return this.#closing;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Publishes `logger`'s events on a Unix socket: each reader gets a `hello`,
 * the buffered history, then live events in batches, incident notices,
 * heartbeats, and a `goodbye` on `close()`. See {@link ./protocol.ts}.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLogger, publish } from "@flightlog/flightlog";
 * const dir = await Deno.makeTempDir();
 * const log = createLogger({ app: "shop" });
 * log.info("before anyone listens");
 * const publisher = await publish(log, { socketPath: `${dir}/app.sock` });
 * const conn = await Deno.connect({ transport: "unix", path: publisher.socketPath });
 * const reader = conn.readable.pipeThrough(new TextDecoderStream()).getReader();
 * let text = "";
 * while (text.split("\n").length < 3) text += (await reader.read()).value;
 * const [hello, history] = text.split("\n").slice(0, 2).map((l) => JSON.parse(l));
 * assert.equal(hello.t, "hello");
 * assert.equal(history.events[0].format, "before anyone listens");
 * await reader.cancel();
 * await publisher.close();
 * await Deno.remove(dir, { recursive: true });
 * await log.close();
 * ```
 */
export async function publish(
  logger: Logger,
  options: PublishOptions,
): Promise<Publisher> {
  await claimSocketPath(options.socketPath);
  const listener = Deno.listen({ transport: "unix", path: options.socketPath });
  try {
    await Deno.chmod(options.socketPath, 0o600);
  } catch (e) {
    listener.close();
    throw e;
  }
  return new Publisher(logger, listener, options);
}
