/**
 * Pulling from a source: a sidecar (or another gatherer) whose
 * `/v1/incidents/stream` the gatherer follows with `Last-Event-ID` set to
 * the cursor kept in its store, fetching each new incident and storing it
 * once. After its own restart or the source's, it goes on from the cursor;
 * errors retry with jittered, doubling delays.
 *
 * @module
 */

import { sleep } from "../lib/_sleep.ts";
import { errorMessage, InvalidIncidentError } from "../store/errors.ts";
import { noIncident } from "../http/http_error.ts";
import { readLimited } from "../http/_read_limited.ts";
import { MAX_INCIDENT_BYTES } from "../store/push_check.ts";
import type { Store } from "../store/store.ts";
import { IncidentConflictError } from "../store/incident_identity.ts";
import { readSse } from "./_sse_client.ts";
import { StallWatch } from "./_stall.ts";
import { refuseUserinfo } from "./_peer_url.ts";

/**
 * A server to pull incidents from.
 *
 * @example
 * ```ts
 * import type { Source } from "@flightlog/flightlog/gather";
 * const s: Source = { url: "http://10.0.0.7:7477", token: "…" };
 * ```
 */
export interface Source {
  /** Base URL of its API, like `http://10.0.0.7:7477`. */
  url: string;
  /** Its bearer token. */
  token?: string;
}

/**
 * What a pull is doing.
 *
 * @example
 * ```ts
 * import type { SourceStats } from "@flightlog/flightlog/gather";
 * const down = (s: SourceStats) => !s.connected && s.failures > 3;
 * ```
 */
export interface SourceStats {
  /** The source's URL. */
  url: string;
  /** Whether its stream is open now. */
  connected: boolean;
  /** The last incident id taken from it. */
  cursor: number;
  /** Incidents stored from it (not counting ones already here). */
  pulled: number;
  /** Incidents it listed that were invalid or gone (reported, skipped). */
  refused: number;
  /** Failed connections or fetches since the start. */
  failures: number;
  /** The latest failure, if any. */
  lastError?: string;
}

/** How a pull retries and waits. */
export interface PullOptions {
  /**
   * First retry delay in ms; doubles per failure in a row.
   * @default {500}
   */
  baseDelayMs?: number;
  /**
   * Longest retry delay in ms.
   * @default {30000}
   */
  maxDelayMs?: number;
  /**
   * Time limit of fetching one incident, in ms.
   * @default {30000}
   */
  fetchTimeoutMs?: number;
  /**
   * Time limit of a stream's response headers, in ms: a source that takes
   * the connection and says nothing fails (and is retried).
   * @default {10000}
   */
  headerTimeoutMs?: number;
  /**
   * Longest silence of an open stream, in ms (a source sends a keepalive
   * every 15 s): a half-open connection fails (and is retried).
   * @default {45000}
   */
  idleTimeoutMs?: number;
  /**
   * Largest incident taken from a source, in bytes (as a push's body).
   * @default {64 MiB}
   */
  maxBytes?: number;
  /** Told of each failure (the gatherer logs it). */
  onError?: (source: string, error: unknown) => void;
}

/** Incidents fetched from one source at once. */
const WINDOW = 8;

/** One source, followed until the signal aborts. */
export class Pull {
  readonly #source: Source;
  readonly #store: Store;
  readonly #opts: Required<Omit<PullOptions, "onError">> & PullOptions;
  readonly #stats: SourceStats;

  constructor(source: Source, store: Store, options: PullOptions = {}) {
    refuseUserinfo(source.url, "source");
    this.#source = { ...source, url: source.url.replace(/\/+$/, "") };
    this.#store = store;
    this.#opts = {
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      fetchTimeoutMs: 30_000,
      headerTimeoutMs: 10_000,
      idleTimeoutMs: 45_000,
      maxBytes: MAX_INCIDENT_BYTES,
      ...options,
    };
    this.#stats = {
      url: this.#source.url,
      connected: false,
      cursor: 0,
      pulled: 0,
      refused: 0,
      failures: 0,
    };
  }

  /** A copy of the counters. */
  get stats(): SourceStats {
    return { ...this.#stats };
  }

  /** Follows the source until `signal` aborts; never throws. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    let started = false;
    while (!signal.aborted) {
      try {
        if (!started) {
          this.#stats.cursor = await this.#store.cursor(this.#source.url);
          started = true;
        }
        if (await this.#follow(signal)) failures = 0;
      } catch (e) {
        if (signal.aborted) break;
        failures++;
        this.#stats.failures++;
        this.#stats.lastError = errorMessage(e);
        this.#opts.onError?.(this.#source.url, e);
      } finally {
        this.#stats.connected = false;
      }
      const wait = Math.min(
        this.#opts.baseDelayMs * 2 ** Math.min(failures, 16),
        this.#opts.maxDelayMs,
      );
      await sleep(wait * (0.75 + Math.random() / 2), signal);
    }
  }

  #headers(): Record<string, string> {
    return this.#source.token === undefined
      ? {}
      : { authorization: `Bearer ${this.#source.token}` };
  }

  /** One stream, until it ends; whether anything came through it. */
  async #follow(signal: AbortSignal): Promise<boolean> {
    const url = this.#source.url;
    // Ended early when an incident cannot be taken, even on a quiet stream.
    const failed = new AbortController();
    let failure: unknown;
    // A source that stalls (no headers, a half-open connection) fails.
    using stall = new StallWatch();
    stall.arm(this.#opts.headerTimeoutMs, `${url}: no response headers`);
    let res: Response;
    try {
      res = await fetch(`${url}/v1/incidents/stream`, {
        headers: {
          ...this.#headers(),
          accept: "text/event-stream",
          "last-event-id": String(this.#stats.cursor),
        },
        signal: AbortSignal.any([signal, failed.signal, stall.signal]),
      });
    } catch (e) {
      throw stall.signal.reason ?? e;
    }
    stall.pause(); // the headers came
    if (!res.ok || res.body === null) {
      await res.body?.cancel();
      throw new Error(`${url}/v1/incidents/stream: HTTP ${res.status}`);
    }
    this.#stats.connected = true;
    const latest = Number(res.headers.get("x-flightlog-latest-id") ?? NaN);
    if (latest < this.#stats.cursor) {
      // The source's store started afresh (its ids did): take it all again;
      // what is stored already is not fetched twice.
      this.#opts.onError?.(
        url,
        new Error(
          `its latest incident id ${latest} is below our cursor ${this.#stats.cursor}: its store was reset; pulling from the start`,
        ),
      );
      await res.body.cancel();
      this.#stats.cursor = 0;
      await this.#store.setCursor(url, 0);
      return true;
    }
    let progressed = false;
    // Up to WINDOW incidents fetched at once; the cursor moves in order,
    // past each one stored, and a failure ends the stream (resumed from the
    // cursor).
    let chain: Promise<void> = Promise.resolve();
    let inflight = 0;
    try {
      const { body, resume } = stall.watch(
        res.body,
        this.#opts.idleTimeoutMs,
        `${url}: the stream was silent`,
      );
      for await (const m of readSse(body)) {
        if (m.event !== "incident" || m.id === undefined) continue;
        const id = Number(m.id);
        // An id at or below the cursor may still be news from a fleet (its
        // ids are stamped by clocks): the store tells what it has.
        if (!Number.isSafeInteger(id)) continue;
        const listed = listedIncident(m.data);
        inflight++;
        // A malformed event is reported and skipped (the cursor moves past
        // it), as an invalid incident is.
        const taken = listed === undefined
          ? this.#refuse(`event ${id}: its data is not {"name": "…"}: skipped`)
          : this.#take(listed, signal);
        taken.catch(() => {}); // awaited through the chain
        chain = chain.then(async () => {
          await taken;
          progressed = true;
          if (id <= this.#stats.cursor) return;
          this.#stats.cursor = id;
          await this.#store.setCursor(url, id);
        }).finally(() => inflight--);
        chain.catch((e) => {
          failure ??= e;
          failed.abort();
        });
        if (inflight >= WINDOW) {
          stall.pause(); // busy fetching: the stream may wait
          await chain;
          resume();
        }
      }
      stall.pause();
      await chain;
    } catch (e) {
      throw failure ?? stall.signal.reason ?? e;
    }
    return progressed;
  }

  /** Counts and reports something the source listed that is not taken. */
  #refuse(message: string): Promise<void> {
    this.#stats.refused++;
    this.#opts.onError?.(this.#source.url, new Error(message));
    return Promise.resolve();
  }

  /**
   * Fetches and stores one incident; an invalid one, or one the source no
   * longer has, is reported and skipped.
   */
  async #take(
    { name, bytes: size }: Listed,
    signal: AbortSignal,
  ): Promise<void> {
    // Stored already: the same, unless the source's size says otherwise
    // (then fetched, and refused as a conflict by the store).
    const known = await this.#store.get(name);
    if (known !== undefined && (size === undefined || size === known.bytes)) {
      return;
    }
    const url = `${this.#source.url}/v1/incidents/${encodeURIComponent(name)}`;
    const res = await fetch(url, {
      headers: this.#headers(),
      signal: AbortSignal.any([
        signal,
        AbortSignal.timeout(this.#opts.fetchTimeoutMs),
      ]),
    });
    if (!res.ok) {
      // Listed but gone at the source (retention, removed by hand), as the
      // source itself says (not a proxy's 404 while it restarts): there is
      // nothing to wait for, so it is skipped like an invalid one.
      if (await sourceSaysGone(res, name)) {
        this.#stats.refused++;
        this.#opts.onError?.(
          this.#source.url,
          new Error(`${url}: HTTP ${res.status}: gone at the source, skipped`),
        );
        return;
      }
      throw new Error(`${url}: HTTP ${res.status}`);
    }
    try {
      const bytes = await readLimited(
        res,
        this.#opts.maxBytes,
        () =>
          new InvalidIncidentError(
            `${url}: larger than ${this.#opts.maxBytes} bytes: not taken`,
          ),
      );
      const { created } = await this.#store.import(name, bytes, {
        origin: "peer",
        source: this.#source.url,
      });
      if (created) this.#stats.pulled++;
    } catch (e) {
      if (
        !(e instanceof InvalidIncidentError) &&
        !(e instanceof IncidentConflictError)
      ) throw e;
      this.#stats.refused++;
      this.#opts.onError?.(this.#source.url, e);
    }
  }
}

/** What an `incident` event tells of it. */
type Listed = { name: string; bytes?: number };

/** The name (and size) in an `incident` event's data, if it has a name. */
function listedIncident(data: string): Listed | undefined {
  try {
    const v = JSON.parse(data);
    if (typeof v?.name !== "string") return undefined;
    return Number.isSafeInteger(v.bytes)
      ? { name: v.name, bytes: v.bytes }
      : { name: v.name };
  } catch {
    return undefined;
  }
}

/**
 * Whether `res` (not ok) is a flightlog source's own answer that it does not
 * have `name`: a 404 or 410 whose JSON error names it. Reads the body.
 */
async function sourceSaysGone(res: Response, name: string): Promise<boolean> {
  if (res.status !== 404 && res.status !== 410) {
    await res.body?.cancel();
    return false;
  }
  try {
    const bytes = await readLimited(res, 64 * 1024, () => new Error("large"));
    const body = JSON.parse(new TextDecoder().decode(bytes));
    return body?.error === noIncident(name);
  } catch {
    return false; // not a flightlog error: someone else's answer
  }
}
