/**
 * The sidecar: tails an app's Unix socket into its own flight recorder,
 * writes incidents (also when the app dies), stores and serves them over
 * HTTP, and pushes them to peers.
 *
 * @module
 */

import { randomHex } from "../lib/_random.ts";
import type { FlogEvent } from "../lib/event.ts";
import { eventId } from "../lib/incident_files.ts";
import { Level } from "../lib/levels.ts";
import {
  type HelloMessage,
  PROTOCOL_VERSION,
  readMessages,
} from "../lib/protocol.ts";
import { defaultQualifier, toPredicate } from "../lib/qualifier.ts";
import { FlightRecorder, type RecorderOptions } from "../lib/recorder.ts";
import { VERSION } from "../lib/version.ts";
import { Outbox, type OutboxOptions, type Peer } from "./outbox.ts";
import { Api } from "./server.ts";
import { IncidentStore, type Retention } from "./store.ts";

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
  /** The incident store (incidents, `index.jsonl`, `outbox/`, `token`). */
  dir: string;
  /** The app's socket to tail; without it, the sidecar only stores and serves. */
  socketPath?: string;
  /** Where the HTTP API listens (default 127.0.0.1:7477; port 0 picks one). */
  listen?: { hostname?: string; port?: number };
  /** The bearer token; default: read from `tokenFile`, generated if absent. */
  token?: string;
  /** Where the token is kept (default `<dir>/token`, mode 0600). */
  tokenFile?: string;
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
  /** The app is taken as hung after this long without a message (default: 3 heartbeats, at least 3 s). */
  heartbeatTimeoutMs?: number;
  /** Reconnection backoff to the app socket (100 ms doubling to 2 s). */
  reconnect?: { minMs?: number; maxMs?: number };
  /** Largest accepted request body (64 MiB). */
  maxBodyBytes?: number;
}

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
}

async function loadToken(file: string): Promise<string> {
  try {
    const token = (await Deno.readTextFile(file)).trim();
    if (token !== "") return token;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const token = randomHex(32);
  await Deno.writeTextFile(file, token + "\n", { mode: 0o600 });
  await Deno.chmod(file, 0o600);
  return token;
}

/**
 * Waits until `path` is created (watching its folder), `ms` pass, or
 * `signal` aborts, whichever comes first: an app that starts is connected
 * to at once, not at the next backoff step.
 */
async function waitForPath(path: string, ms: number, signal: AbortSignal) {
  if (signal.aborted) return;
  let watcher: Deno.FsWatcher | undefined;
  try {
    watcher = Deno.watchFs(path.slice(0, path.lastIndexOf("/")) || "/", {
      recursive: false,
    });
  } catch { /* no folder (yet): just wait */ }
  const stop = () => {
    try {
      watcher?.close();
    } catch { /* closed */ }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  const created = (async () => {
    if (watcher === undefined) return await timeout;
    for await (const e of watcher) {
      if (e.kind === "create" && e.paths.includes(path)) return;
    }
  })();
  await Promise.race([timeout, created]);
  clearTimeout(timer);
  stop();
  await created.catch(() => {});
}

const escapeLabel = (s: string) =>
  s.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : "\\" + c);

/**
 * A running sidecar. Start one with {@linkcode Sidecar.start}; close it (or
 * `await using`) to finish active incidents and stop everything.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Sidecar } from "@flightlog/flightlog/sidecar";
 * const dir = await Deno.makeTempDir();
 * await using sidecar = await Sidecar.start({ dir, listen: { port: 0 } });
 * const res = await fetch(`${sidecar.url}/v1/incidents`, {
 *   headers: { authorization: `Bearer ${sidecar.token}` },
 * });
 * assert.deepEqual((await res.json()).incidents, []);
 * await sidecar.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Sidecar implements AsyncDisposable {
  /** Counters. */
  readonly stats: SidecarStats = {
    appConnected: false,
    connections: 0,
    incarnations: 0,
    eventsReceived: 0,
    duplicates: 0,
    appDropped: 0,
    appDeaths: 0,
  };
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
  readonly #api: Api;
  readonly #abort = new AbortController();
  #server!: Deno.HttpServer<Deno.NetAddr>;
  #tail: Promise<void> = Promise.resolve();
  #conn: Deno.Conn | undefined;
  #hello: HelloMessage | undefined;
  readonly #seen = new Map<string, number>();
  #closing: Promise<void> | undefined;

  private constructor(
    opts: SidecarOptions,
    store: IncidentStore,
    outbox: Outbox,
    token: string,
    tokenFile: string | undefined,
  ) {
    this.#opts = opts;
    this.store = store;
    this.outbox = outbox;
    this.token = token;
    this.tokenFile = tokenFile;
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
        !this.#hello?.writesIncidents && userQualifier(e) &&
        !store.hasTrigger(eventId(e)),
      header: () => this.#appHeader(),
    });
    this.recorder.onIncident((info) => {
      if (!info.complete) return;
      // Queued in the store's own serial queue: close() waits via flush().
      store.add(info.path).catch((e) =>
        this.recorder.reportOnce("storing an incident", e)
      );
    });
    store.subscribe((s) => outbox.enqueue(s.name));
    this.#api = new Api({
      store,
      recorder: this.recorder,
      token,
      maxBodyBytes: opts.maxBodyBytes ?? 64 * 1024 * 1024,
      metrics: () => this.metrics(),
      health: () => ({
        ok: true,
        version: VERSION,
        app_connected: this.stats.appConnected,
        incidents: store.size.count,
      }),
    });
  }

  /** Opens the store and outbox, starts the HTTP API and the tail. */
  static async start(opts: SidecarOptions): Promise<Sidecar> {
    const store = await IncidentStore.open(opts.dir, opts.retention);
    const tokenFile = opts.token === undefined
      ? opts.tokenFile ?? `${opts.dir}/token`
      : undefined;
    const token = opts.token ?? await loadToken(tokenFile!);
    const outbox = await Outbox.open(
      `${opts.dir}/outbox`,
      opts.peers ?? [],
      store,
      opts.outbox,
    );
    const sidecar = new Sidecar(opts, store, outbox, token, tokenFile);
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
    const listen = this.#opts.listen ?? {};
    this.#server = Deno.serve({
      hostname: listen.hostname ?? "127.0.0.1",
      port: listen.port ?? 7477,
      signal: this.#abort.signal,
      onListen: () => {},
      ...(this.#opts.tls ?? {}),
    }, this.#api.handle);
    if (this.#opts.socketPath !== undefined) {
      this.#tail = this.#tailLoop(this.#opts.socketPath);
    }
  }

  /** The API's base URL, e.g. `http://127.0.0.1:7477`. */
  get url(): string {
    const { hostname, port } = this.#server.addr;
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    return `${this.#opts.tls ? "https" : "http"}://${host}:${port}`;
  }

  /** What incident headers say about the app (from its `hello`). */
  #appHeader(): Record<string, unknown> {
    const h = this.#hello;
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

  async #tailLoop(path: string): Promise<void> {
    const { minMs = 100, maxMs = 2000 } = this.#opts.reconnect ?? {};
    const signal = this.#abort.signal;
    let delay = minMs;
    while (!signal.aborted) {
      let conn: Deno.Conn;
      try {
        conn = await Deno.connect({ transport: "unix", path });
      } catch {
        await waitForPath(path, delay, signal);
        delay = Math.min(maxMs, delay * 2);
        continue;
      }
      delay = minMs;
      this.#conn = conn;
      this.stats.connections++;
      const end = await this.#consume(conn);
      this.#conn = undefined;
      this.stats.appConnected = false;
      try {
        conn.close();
      } catch { /* closed */ }
      if (!signal.aborted && end.hello && !end.goodbye) this.#appDied(end.why);
    }
  }

  async #consume(
    conn: Deno.Conn,
  ): Promise<{ hello: boolean; goodbye: boolean; why: string }> {
    let hello = false;
    let goodbye = false;
    let why = "the connection closed";
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      clearTimeout(timer);
      const ms = this.#opts.heartbeatTimeoutMs ??
        Math.max(3000, 3 * (this.#hello?.heartbeatMs ?? 1000));
      timer = setTimeout(() => {
        why = `no message for ${ms} ms (hung?)`;
        try {
          conn.close();
        } catch { /* closed */ }
      }, ms);
    };
    watch();
    try {
      for await (const m of readMessages(conn.readable)) {
        watch();
        switch (m.t) {
          case "hello":
            hello = true;
            this.#onHello(m);
            break;
          case "events":
            if (Array.isArray(m.events)) this.#onEvents(m.events);
            break;
          case "dropped":
            this.stats.appDropped += Number(m.count) || 0;
            this.recorder.note(
              Level.UNUSUAL,
              "the app dropped %(count)d events for this sidecar (it read too slowly; %(total)d in all)",
              { count: m.count, total: m.total },
            );
            break;
          case "incident":
            if (this.#hello?.writesIncidents) {
              await this.#importAppIncident(m.path, m.name);
            }
            break;
          case "goodbye":
            goodbye = true;
            this.recorder.note(
              Level.OPERATIONAL,
              "app said goodbye: %(reason)s",
              {
                reason: m.reason,
              },
            );
            break;
        }
      }
    } catch {
      // Reset by the app, or closed by the watchdog or by close().
    } finally {
      clearTimeout(timer);
    }
    return { hello, goodbye, why };
  }

  #onHello(m: HelloMessage): void {
    if (!Array.isArray(m.incarnation)) m.incarnation = ["unknown", null];
    const previous = this.#hello;
    this.#hello = m;
    this.stats.appConnected = true;
    if (m.v !== PROTOCOL_VERSION) {
      this.recorder.note(
        Level.WEIRD,
        "app speaks protocol v%(v)s, this sidecar v%(ours)s: reading on",
        { v: m.v, ours: PROTOCOL_VERSION },
      );
    }
    if (previous?.incarnation[0] === m.incarnation[0]) return;
    this.stats.incarnations++;
    this.recorder.note(
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

  #onEvents(events: FlogEvent[]): void {
    for (const e of events) {
      if (typeof e !== "object" || e === null || typeof e.num !== "number") {
        continue;
      }
      const inc = String(e.incarnation?.[0]);
      const last = this.#seen.get(inc);
      if (last !== undefined && e.num <= last) {
        this.stats.duplicates++;
        continue;
      }
      if (last === undefined && this.#seen.size >= 16) {
        this.#seen.delete(this.#seen.keys().next().value!);
      }
      this.#seen.set(inc, e.num);
      this.stats.eventsReceived++;
      this.recorder.record(e);
    }
  }

  async #importAppIncident(path: string, name: string): Promise<void> {
    try {
      const bytes = await Deno.readFile(path);
      await this.store.import(name, bytes, "local");
    } catch (e) {
      this.recorder.reportOnce("importing the app's incident", e);
    }
  }

  #appDied(why: string): void {
    this.stats.appDeaths++;
    const h = this.#hello;
    this.recorder.trigger({
      num: this.recorder.nextNum(),
      time: Date.now() / 1000,
      incarnation: this.recorder.incarnation,
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

  /** The Prometheus text of `/metrics`. */
  metrics(): string {
    const s = this.stats;
    const r = this.recorder.stats;
    const app = escapeLabel(this.#hello?.app ?? "");
    const rows: [string, "counter" | "gauge", string, number][] = [
      [
        "flightlog_events_received_total",
        "counter",
        "Events received from the app.",
        s.eventsReceived,
      ],
      [
        "flightlog_events_dropped_total",
        "counter",
        "Events the app dropped for this sidecar (slow reader).",
        s.appDropped,
      ],
      [
        "flightlog_events_duplicate_total",
        "counter",
        "Events received twice and ignored.",
        s.duplicates,
      ],
      [
        "flightlog_incidents_written_total",
        "counter",
        "Incidents this sidecar started writing.",
        r.incidents,
      ],
      [
        "flightlog_incidents_suppressed_total",
        "counter",
        "Incidents refused by the rate limit.",
        r.suppressedIncidents,
      ],
      [
        "flightlog_incidents_stored",
        "gauge",
        "Incidents in the store.",
        this.store.size.count,
      ],
      [
        "flightlog_incidents_stored_bytes",
        "gauge",
        "Bytes of incidents in the store.",
        this.store.size.bytes,
      ],
      [
        "flightlog_pushes_pending",
        "gauge",
        "Incident deliveries to peers waiting.",
        this.outbox.stats.pending,
      ],
      [
        "flightlog_pushes_delivered_total",
        "counter",
        "Incident deliveries to peers acknowledged.",
        this.outbox.stats.delivered,
      ],
      [
        "flightlog_pushes_failed_total",
        "counter",
        "Failed delivery attempts to peers.",
        this.outbox.stats.failed,
      ],
      [
        "flightlog_app_connected",
        "gauge",
        "1 while the app is connected.",
        s.appConnected ? 1 : 0,
      ],
      [
        "flightlog_app_connections_total",
        "counter",
        "Connections made to the app.",
        s.connections,
      ],
      [
        "flightlog_app_deaths_total",
        "counter",
        "Times the app went away without a goodbye.",
        s.appDeaths,
      ],
    ];
    return rows.map(([name, type, help, value]) =>
      `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name}{app="${app}"} ${value}\n`
    ).join("");
  }

  /**
   * Stops tailing, finishes active incidents (and stores them), stops
   * deliveries (pending ones stay on disk) and the HTTP API.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#abort.abort();
      try {
        this.#conn?.close();
      } catch { /* closed */ }
      await this.#tail;
      await this.recorder.close();
      await this.store.flush();
      await this.outbox.close();
      this.#api.closeStreams();
      if (this.#server !== undefined) await this.#server.finished;
    })();
    return this.#closing;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
