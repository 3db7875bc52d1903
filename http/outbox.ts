/**
 * Delivery of incidents to peers: a durable outbox on disk (one marker file
 * per incident and peer, and the id of the last incident queued), retried
 * with backoff until the peer has the incident, across restarts of either
 * side.
 *
 * @module
 */

import { SHA256_HEADER, sha256Hex } from "../store/incident_identity.ts";
import type { IncidentStore } from "../store/sqlite/store.ts";
import type { StoredIncident } from "../store/_store_rows.ts";
import type {
  OutboxOpenOptions,
  OutboxOptions,
  OutboxStats,
  Peer,
} from "./outbox_options.ts";

export type {
  OutboxOpenOptions,
  OutboxOptions,
  OutboxStats,
  Peer,
} from "./outbox_options.ts";

class PeerQueue {
  readonly pending = new Set<string>();
  /** The name tried last: the next try is the one after it, in order. */
  last = "";
  wake: (() => void) | undefined;
  constructor(readonly peer: Peer, readonly dir: string) {}

  /** The pending name after `last` (wrapping round), in name order. */
  next(): string | undefined {
    let first: string | undefined;
    let after: string | undefined;
    for (const name of this.pending) {
      if (first === undefined || name < first) first = name;
      if (name > this.last && (after === undefined || name < after)) {
        after = name;
      }
    }
    return after ?? first;
  }
}

/** The file holding the id of the last incident queued. */
const QUEUED = "queued";
/** How many of the latest incidents are queued again when that file is damaged. */
const REQUEUE_DAMAGED = 1000;

async function peerId(url: string): Promise<string> {
  const hash = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(url),
  );
  return Array.from(
    new Uint8Array(hash).slice(0, 8),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/**
 * Pushes every incident of its store to each peer with
 * `POST /v1/incidents?name=…`, first asking `HEAD /v1/incidents/{name}` so
 * that nothing is sent twice to a peer that already has it. Pending
 * deliveries are files under `dir`, so they survive restarts; incidents
 * stored after the last one queued (say, indexed from the folder when the
 * store opened after a crash) are queued at start. Incidents are tried in
 * name order, going round: one a peer keeps failing does not hold up the
 * rest.
 *
 * @example
 * ```ts
 * import { IncidentStore } from "@flightlog/flightlog/store";
 * import { Outbox } from "./outbox.ts";
 * const dir = await Deno.makeTempDir();
 * const store = await IncidentStore.open(dir);
 * const outbox = await Outbox.open(`${dir}/outbox`, { store });
 * outbox.enqueue("incident-2026-11-25--01-00-00Z-abcdefg.flog.gz");
 * await outbox.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Outbox implements AsyncDisposable {
  /** Counters. */
  readonly stats: OutboxStats = {
    pending: 0,
    delivered: 0,
    failed: 0,
    rejected: 0,
  };
  readonly #queues: PeerQueue[];
  readonly #store: IncidentStore;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #requestTimeoutMs: number;
  readonly #client: Deno.HttpClient | undefined;
  readonly #onError: (message: string) => void;
  readonly #abort = new AbortController();
  #loops: Promise<void>[] = [];
  #closing: Promise<void> | undefined;
  #queuedPath = "";
  #queued = 0;
  #markHeld = false;
  #off = () => {};

  private constructor(
    queues: PeerQueue[],
    store: IncidentStore,
    options: OutboxOptions,
  ) {
    this.#queues = queues;
    this.#store = store;
    this.#baseDelayMs = options.baseDelayMs ?? 500;
    this.#maxDelayMs = options.maxDelayMs ?? 30_000;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#client = options.caCerts?.length
      ? Deno.createHttpClient({ caCerts: options.caCerts })
      : undefined;
    this.#onError = options.onError ?? ((m) => console.error(m));
  }

  /** Opens the outbox in `dir` for `options.peers`, and starts delivering. */
  static async open(
    dir: string,
    options: OutboxOpenOptions,
  ): Promise<Outbox> {
    const queues: PeerQueue[] = [];
    for (const peer of options.peers ?? []) {
      const q = new PeerQueue(peer, `${dir}/${await peerId(peer.url)}`);
      await Deno.mkdir(q.dir, { recursive: true });
      await Deno.writeTextFile(
        `${q.dir}/peer.json`,
        JSON.stringify({ url: peer.url }),
      );
      for await (const e of Deno.readDir(q.dir)) {
        if (e.name.endsWith(".flog.gz")) q.pending.add(e.name);
      }
      queues.push(q);
    }
    const outbox = new Outbox(queues, options.store, options);
    if (queues.length > 0) await outbox.#follow(`${dir}/${QUEUED}`);
    outbox.#count();
    outbox.#loops = queues.map((q) => outbox.#run(q));
    return outbox;
  }

  /**
   * Queues each incident stored after the last one queued, then each new
   * one. A new outbox starts with the incidents stored from now on.
   */
  async #follow(queuedPath: string): Promise<void> {
    const store = this.#store;
    this.#queuedPath = queuedPath;
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(queuedPath);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    let from = Number(text?.trim() || NaN);
    if (text === undefined) from = store.latestId(); // a new outbox
    else if (!Number.isSafeInteger(from) || from < 0) {
      // Damaged: queue the latest ones again (peers that have them are not
      // sent them twice: each delivery asks first).
      from = Math.max(0, store.latestId() - REQUEUE_DAMAGED);
      this.#onError(
        `outbox: ${queuedPath} holds no incident id (${
          JSON.stringify(text.slice(0, 40))
        }): queueing the last ${REQUEUE_DAMAGED} incidents again`,
      );
    }
    // Past the store's ids: the index was rebuilt, and numbered afresh.
    this.#queued = Math.min(from, store.latestId());
    this.#off = store.follow(this.#queued, (s) => this.#take(s));
    if (!this.#markHeld) this.#mark(this.#queued);
  }

  /**
   * Queues a stored incident, and moves the mark past it once on disk (never
   * again after a failure: the next start queues from there).
   */
  #take(s: StoredIncident): void {
    if (s.id <= this.#queued) return;
    if (!this.enqueue(s.name)) this.#markHeld = true;
    if (!this.#markHeld) this.#mark(s.id);
  }

  #mark(id: number): void {
    try {
      // Synced, then renamed: whole after a crash or a power loss.
      const tmp = `${this.#queuedPath}.tmp`;
      using file = Deno.openSync(tmp, {
        write: true,
        create: true,
        truncate: true,
      });
      file.writeSync(new TextEncoder().encode(String(id)));
      file.syncSync();
      Deno.renameSync(tmp, this.#queuedPath);
      this.#queued = id;
    } catch (e) {
      this.#onError(`outbox: cannot write ${this.#queuedPath}: ${e}`);
    }
  }

  #count(): void {
    this.stats.pending = this.#queues.reduce((n, q) => n + q.pending.size, 0);
  }

  /**
   * Queues `name` (a stored incident) for every peer. Returns whether it is
   * queued on disk for each; if not, it is still delivered while this
   * outbox runs, and the failure is told to `onError`.
   */
  enqueue(name: string): boolean {
    let saved = true;
    for (const q of this.#queues) {
      if (q.pending.has(name)) continue;
      q.pending.add(name);
      try {
        Deno.writeTextFileSync(`${q.dir}/${name}`, "");
      } catch (e) {
        saved = false;
        this.#onError(`outbox: cannot queue ${name} on disk: ${e}`);
      }
      const wake = q.wake;
      q.wake = undefined;
      wake?.();
    }
    this.#count();
    return saved;
  }

  #wait(q: PeerQueue, ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.#abort.signal;
      if (signal.aborted) return resolve();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        if (q.wake === done) q.wake = undefined;
        resolve();
      };
      signal.addEventListener("abort", done);
      if (ms === undefined) q.wake = done;
      else timer = setTimeout(done, ms);
    });
  }

  async #run(q: PeerQueue): Promise<void> {
    let failures = 0;
    while (!this.#abort.signal.aborted) {
      const next = q.next();
      if (next === undefined) {
        await this.#wait(q);
        continue;
      }
      q.last = next;
      const outcome = await this.#deliver(q.peer, next);
      if (outcome === "retry") {
        this.stats.failed++;
        failures++;
        const delay = Math.min(
          this.#maxDelayMs,
          this.#baseDelayMs * 2 ** (failures - 1),
        );
        await this.#wait(q, delay * (0.75 + Math.random() / 2));
        continue;
      }
      failures = 0;
      if (outcome === "delivered") this.stats.delivered++;
      else this.stats.rejected++;
      q.pending.delete(next);
      await Deno.remove(`${q.dir}/${next}`).catch(() => {});
      this.#count();
    }
  }

  async #request(
    url: string,
    init: RequestInit,
  ): Promise<
    | { status: number; length: string | null; sha256: string | null }
    | undefined
  > {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.#requestTimeoutMs);
    const onClose = () => ac.abort();
    this.#abort.signal.addEventListener("abort", onClose);
    try {
      const res = await fetch(url, {
        ...init,
        signal: ac.signal,
        ...(this.#client ? { client: this.#client } : {}),
      });
      await res.body?.cancel();
      return {
        status: res.status,
        length: res.headers.get("content-length"),
        sha256: res.headers.get(SHA256_HEADER),
      };
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
      this.#abort.signal.removeEventListener("abort", onClose);
    }
  }

  async #deliver(
    peer: Peer,
    name: string,
  ): Promise<"delivered" | "rejected" | "retry"> {
    const stored = this.#store.get(name);
    if (stored === undefined) return "rejected"; // gone (retention)
    const base = peer.url.replace(/\/+$/, "");
    const headers: Record<string, string> = peer.token
      ? { authorization: `Bearer ${peer.token}` }
      : {};
    const has = await this.#request(`${base}/v1/incidents/${name}`, {
      method: "HEAD",
      headers,
    });
    // A push-only token may not ask (403): it pushes, which is idempotent.
    const push = has?.status === 404 || has?.status === 403 ||
      has?.status === 200;
    if (!push) return "retry";
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = await Deno.readFile(stored.path);
    } catch {
      return "rejected";
    }
    // The peer has this name: delivered if it holds these bytes (by its
    // SHA-256, else its size); otherwise pushed, and the peer refuses it as
    // a conflict and says so.
    if (has?.status === 200) {
      const same = has.sha256 !== null
        ? has.sha256 === sha256Hex(body)
        : has.length === String(body.length);
      if (same) return "delivered";
    }
    const status = (await this.#request(
      `${base}/v1/incidents?name=${encodeURIComponent(name)}`,
      {
        method: "POST",
        headers: { ...headers, "content-type": "application/gzip" },
        body,
      },
    ))?.status;
    if (status === 200 || status === 201) return "delivered";
    // 409: the peer has this name with other content (it counts and
    // reports it); sending it again would not change that.
    if (
      status === 400 || status === 409 || status === 413 || status === 422
    ) return "rejected";
    return "retry";
  }

  /** Stops delivering (pending deliveries stay on disk for next time). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#off();
      this.#abort.abort();
      await Promise.all(this.#loops);
      this.#client?.close();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
