/**
 * Tailing the app's socket into the sidecar's recorder: connecting (with
 * backoff), dispatching the protocol's messages, ignoring events seen before
 * a reconnect, and recording the app's death when it goes without a goodbye.
 *
 * @module
 */

import type { FlogEvent } from "../lib/flog_event.ts";
import { Level } from "../lib/levels.ts";
import {
  type HelloMessage,
  MAX_MESSAGE_LINE,
  PROTOCOL_VERSION,
  readMessages,
} from "../lib/protocol.ts";
import type { FlightRecorder } from "../lib/recorder.ts";
import type { ActivityLog } from "./activity_log.ts";
import { checkedHello, eventProblem } from "../lib/protocol_checks.ts";
import { batchEvents, pickVersion } from "../lib/protocol_v2.ts";
import type { IncidentStore } from "../store/sqlite/store.ts";
import { waitForPath } from "./socket_watch.ts";
import { sleep } from "../lib/_sleep.ts";
import { writeAll } from "../lib/_io.ts";
import { AppIncidents } from "./_app_incidents.ts";

/**
 * Counters of a {@linkcode Sidecar}.
 *
 * @example
 * ```ts
 * import type { SidecarStats } from "@flightlog/flightlog/sidecar";
 * const up = (s: SidecarStats) => s.appConnected;
 * ```
 */
export interface SidecarStats {
  /** Whether the app is connected now. */
  appConnected: boolean;
  /** Connections made to the app (the first one included). */
  connections: number;
  /** App starts seen (new incarnations). */
  incarnations: number;
  /** Events received from the app (duplicates excluded). */
  eventsReceived: number;
  /** Events seen twice (after a reconnect) and ignored. */
  duplicates: number;
  /** Events the app dropped for this sidecar (it was too slow). */
  appDropped: number;
  /** Times the app went away without a goodbye (or hung). */
  appDeaths: number;
  /**
   * Times the app stopped cleanly: it said goodbye (on a stop signal, or
   * when its logger or publisher was closed). No incident.
   */
  appStops: number;
  /** Protocol lines over the length limit, skipped. */
  linesTooLong: number;
  /** Events refused at the edge (not a valid event), with a reason. */
  eventsRefused: number;
  /** Connections refused for another protocol version. */
  protocolMismatches: number;
}

/** Settings of an {@linkcode AppTail}. */
export interface TailOptions {
  /** Where the app's own incidents are imported to (`writesIncidents` apps). */
  store: IncidentStore;
  /**
   * The app is taken as hung after this long without a message.
   *
   * @default {3 heartbeats, at least 3000 ms}
   */
  heartbeatTimeoutMs?: number;
  /**
   * Reconnection backoff to the app socket, in ms.
   *
   * @default {{ minMs: 100, maxMs: 2000 }}
   */
  reconnect?: { minMs?: number; maxMs?: number };
  /** Told of connections, disconnections, deaths and bad input. */
  activity?: ActivityLog;
}

/** A socket missing this long is told of (once), in ms. */
const MISSING_MS = 3000;

/** Catch-up after a reconnect resends events; this many incarnations are remembered. */
const SEEN_INCARNATIONS = 16;

/** The end of one connection. */
interface ConnectionEnd {
  hello: boolean;
  goodbye: boolean;
  /** The app's protocol version was refused (not a death). */
  refused?: boolean;
  why: string;
}

/**
 * Follows one app's socket, feeding its events to `recorder`; reconnects
 * until closed.
 */
export class AppTail {
  /** Counters. */
  readonly stats: SidecarStats = {
    appConnected: false,
    connections: 0,
    incarnations: 0,
    eventsReceived: 0,
    duplicates: 0,
    appDropped: 0,
    appDeaths: 0,
    appStops: 0,
    linesTooLong: 0,
    eventsRefused: 0,
    protocolMismatches: 0,
  };
  readonly #recorder: FlightRecorder;
  readonly #opts: TailOptions;
  readonly #abort = new AbortController();
  readonly #seen = new Map<string, number>();
  #loop: Promise<void> = Promise.resolve();
  #conn: Deno.Conn | undefined;
  #hello: HelloMessage | undefined;
  readonly #incidents: AppIncidents;

  /** A tail feeding `recorder`; nothing happens until {@linkcode follow}. */
  constructor(recorder: FlightRecorder, options: TailOptions) {
    this.#recorder = recorder;
    this.#opts = options;
    this.#incidents = new AppIncidents({
      store: options.store,
      onError: (what, e) => {
        this.#opts.activity?.bad("app incident", `${what}: ${e}`);
        recorder.reportOnce("taking the app's incidents", `${what}: ${e}`);
      },
    });
  }

  /** The app's latest `hello`, once it connected. */
  get hello(): HelloMessage | undefined {
    return this.#hello;
  }

  /** Starts following the socket at `path`. */
  follow(path: string): void {
    this.#loop = this.#run(path);
  }

  /**
   * Stops following, and waits for the loop to end and (for a while) the
   * app's incidents announced so far to be stored.
   */
  async close(): Promise<void> {
    this.#abort.abort();
    try {
      this.#conn?.close();
    } catch { /* closed */ }
    await this.#loop;
    await this.#incidents.close();
  }

  async #run(path: string): Promise<void> {
    const minMs = this.#opts.reconnect?.minMs ?? 100;
    const maxMs = this.#opts.reconnect?.maxMs ?? 2000;
    const signal = this.#abort.signal;
    let delay = minMs;
    // Since when the socket is missing; told once, after a few seconds.
    let missing: number | undefined = Date.now();
    while (!signal.aborted) {
      let conn: Deno.Conn;
      try {
        conn = await Deno.connect({ transport: "unix", path });
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) missing = undefined;
        else if (missing !== undefined && Date.now() - missing >= MISSING_MS) {
          this.#opts.activity?.waiting(path);
          missing = undefined;
        }
        await waitForPath(path, { ms: delay, signal });
        delay = Math.min(maxMs, delay * 2);
        continue;
      }
      this.#conn = conn;
      this.stats.connections++;
      const end = await this.#consume(conn);
      this.#conn = undefined;
      this.stats.appConnected = false;
      try {
        conn.close();
      } catch { /* closed */ }
      const app = this.#appFields();
      if (end.hello) {
        this.#opts.activity?.report("app disconnected", {
          ...app,
          why: end.goodbye ? "goodbye" : end.why,
        });
      }
      if (!signal.aborted && end.hello && !end.goodbye) {
        this.#opts.activity?.report("app died", { ...app, why: end.why });
        this.#appDied(end.why);
      }
      if (end.refused) {
        // The same app will say the same thing: try again only slowly.
        await sleep(maxMs, signal);
      } else delay = minMs;
    }
  }

  async #consume(conn: Deno.Conn): Promise<ConnectionEnd> {
    const end: ConnectionEnd = {
      hello: false,
      goodbye: false,
      why: "the connection closed",
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      clearTimeout(timer);
      const ms = this.#opts.heartbeatTimeoutMs ??
        Math.max(3000, 3 * (this.#hello?.heartbeatMs ?? 1000));
      timer = setTimeout(() => {
        end.why = `no message for ${ms} ms (hung?)`;
        try {
          conn.close();
        } catch { /* closed */ }
      }, ms);
    };
    watch();
    let version = 1;
    try {
      const onBadLine = (line: string) =>
        this.#opts.activity?.bad("not a protocol message", line);
      const onOversized = (line: number, length: number) => {
        this.stats.linesTooLong++;
        this.#opts.activity?.bad(
          "line too long",
          `line ${line}: ${length} characters`,
        );
        this.#recorder.note(
          Level.UNUSUAL,
          "the app sent a line of %(length)d characters (line %(line)d of this connection), over the limit of %(limit)d: skipped",
          { length, line, limit: MAX_MESSAGE_LINE },
        );
      };
      for await (
        const m of readMessages(conn.readable, { onBadLine, onOversized })
      ) {
        watch();
        switch (m.t) {
          case "hello": {
            const { hello, problems } = checkedHello(
              m as unknown as Record<string, unknown>,
            );
            for (const p of problems) this.#opts.activity?.bad("hello", p);
            if (hello.v !== PROTOCOL_VERSION) {
              // Another protocol: refuse it, clearly, rather than misread.
              this.stats.protocolMismatches++;
              this.#opts.activity?.bad(
                "protocol version",
                `the app speaks v${hello.v}, this sidecar v${PROTOCOL_VERSION}: refused`,
              );
              end.refused = true;
              return end;
            }
            end.hello = true;
            version = pickVersion(hello.speaks);
            if (version > 1) {
              // Answered before anything else is read: the app switches at
              // its next write, and v1 events until then are read as such.
              // An app that hung up first (often with all said, goodbye
              // included) never switched: what it sent is read on, as v1.
              const pick = `{"t":"pick","v":${version}}\n`;
              await writeAll(conn, new TextEncoder().encode(pick))
                .catch(() => version = 1);
            }
            this.#onHello(hello);
            if (hello.writesIncidents) {
              this.#incidents.connected(hello.incidentDir);
            }
            break;
          }
          case "events":
            if (Array.isArray(m.events)) this.#onEvents(m.events);
            break;
          case "batch":
            if (version === 2 && this.#hello !== undefined) {
              this.#onEvents(batchEvents(m, this.#hello.incarnation));
            }
            break;
          case "dropped":
            this.stats.appDropped += Number(m.count) || 0;
            this.#recorder.note(
              Level.UNUSUAL,
              "the app dropped %(count)d events for this sidecar (it read too slowly; %(total)d in all)",
              { count: m.count, total: m.total },
            );
            break;
          case "incident":
            if (this.#hello?.writesIncidents) {
              this.#incidents.announced(m.path, m.name, m.complete !== false);
            }
            break;
          case "goodbye":
            end.goodbye = true;
            this.stats.appStops++;
            this.#opts.activity?.report("app stopped", {
              ...this.#appFields(),
              reason: String(m.reason ?? ""),
            });
            this.#recorder.note(
              Level.OPERATIONAL,
              "app said goodbye: %(reason)s",
              { reason: m.reason },
            );
            break;
        }
      }
    } catch {
      // Reset by the app, or closed by the watchdog or by close().
    } finally {
      clearTimeout(timer);
    }
    return end;
  }

  #onHello(m: HelloMessage): void {
    const previous = this.#hello;
    this.#hello = m;
    this.stats.appConnected = true;
    this.#opts.activity?.report("app connected", this.#appFields());
    if (previous?.incarnation[0] === m.incarnation[0]) return;
    this.stats.incarnations++;
    this.#recorder.note(
      Level.OPERATIONAL,
      previous === undefined
        ? "app %(app)s (pid %(app_pid)s) connected, incarnation %(app_incarnation)s"
        : "app %(app)s restarted (pid %(app_pid)s, incarnation %(app_incarnation)s; was %(previous)s)",
      {
        app: m.app ?? "?",
        app_pid: m.pid,
        app_incarnation: m.incarnation[0],
        ...(previous ? { previous: previous.incarnation[0] } : {}),
      },
    );
  }

  #onEvents(events: (FlogEvent | string)[]): void {
    for (const e of events) {
      const problem = typeof e === "string" ? e : eventProblem(e);
      if (problem !== undefined) {
        this.stats.eventsRefused++;
        this.#opts.activity?.bad(
          "malformed event",
          `${problem}: ${JSON.stringify(e)?.slice(0, 100)}`,
        );
        continue;
      }
      if (typeof e === "string") continue;
      const inc = String(e.incarnation?.[0]);
      const last = this.#seen.get(inc);
      if (last !== undefined && e.num <= last) {
        this.stats.duplicates++;
        continue;
      }
      if (last === undefined && this.#seen.size >= SEEN_INCARNATIONS) {
        this.#seen.delete(this.#seen.keys().next().value!);
      }
      this.#seen.set(inc, e.num);
      this.stats.eventsReceived++;
      this.#recorder.record(e);
    }
  }

  #appFields(): Record<string, unknown> {
    const h = this.#hello;
    return { app: h?.app ?? "?", pid: h?.pid ?? null };
  }

  #appDied(why: string): void {
    this.stats.appDeaths++;
    const h = this.#hello;
    const recorder = this.#recorder;
    recorder.trigger({
      num: recorder.nextNum(),
      time: Date.now() / 1000,
      incarnation: recorder.incarnation,
      level: Level.BAD,
      facility: "flightlog",
      format:
        "app %(app)s (pid %(app_pid)s) went away without a goodbye: %(why)s",
      app: h?.app ?? "?",
      app_pid: h?.pid ?? null,
      why,
      app_died: true,
    });
  }
}
