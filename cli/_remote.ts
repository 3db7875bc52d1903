/**
 * Talking to a sidecar's or gatherer's `/v1` API from the command line: the
 * base URL, the bearer token from `--token-file` (or `FLIGHTLOG_TOKEN`), and
 * errors that name the URL and the server's own message.
 *
 * @module
 */

import { readSse, type SseMessage } from "../gather/_sse_client.ts";

/** A server's API, with its token. */
export class Remote {
  readonly #base: string;
  readonly #token: string | undefined;

  private constructor(base: string, token: string | undefined) {
    this.#base = base.replace(/\/+$/, "");
    this.#token = token;
  }

  /** The server at `url`, with the token read from `tokenFile` or the environment. */
  static async open(
    url: string,
    tokenFile: string | undefined,
  ): Promise<Remote> {
    const parsed = new URL(url);
    if (!/^https?:$/.test(parsed.protocol)) {
      throw new Error(`${url}: not an http(s) URL`);
    }
    let token = tokenFile === undefined
      ? envToken()
      : (await Deno.readTextFile(tokenFile)).trim();
    if (token === "") token = undefined;
    return new Remote(url, token);
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.#token === undefined
      ? extra
      : { ...extra, authorization: `Bearer ${this.#token}` };
  }

  /** GETs `path`; throws naming the URL and the server's message unless 2xx. */
  get(
    path: string,
    signal?: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return this.#request(path, { headers: this.#headers(headers), signal });
  }

  /** Sends `body` as JSON with `method`; the JSON answer. */
  async send<T>(path: string, method: string, body: unknown): Promise<T> {
    const res = await this.#request(path, {
      method,
      headers: this.#headers({ "content-type": "application/json" }),
      body: JSON.stringify(body),
    });
    return await res.json() as T;
  }

  async #request(path: string, init: RequestInit): Promise<Response> {
    const url = this.#base + path;
    const res = await fetch(url, init);
    if (!res.ok) {
      const text = await res.text();
      let message = text.trim();
      try {
        message = JSON.parse(text).error ?? message;
      } catch { /* not JSON */ }
      throw new Error(`${url}: HTTP ${res.status}: ${message}`);
    }
    return res;
  }

  /** GETs `path` as JSON. */
  async json<T>(path: string): Promise<T> {
    return await (await this.get(path)).json() as T;
  }

  /**
   * Follows a server-sent event stream until `signal` aborts or it ends,
   * from after the event `after` when given.
   */
  async *events(
    path: string,
    signal: AbortSignal,
    after?: string,
  ): AsyncGenerator<SseMessage> {
    const res = await this.get(
      path,
      signal,
      after === undefined ? {} : { "last-event-id": after },
    );
    yield* readSse(res.body!);
  }
}

function envToken(): string | undefined {
  try {
    return Deno.env.get("FLIGHTLOG_TOKEN");
  } catch {
    return undefined; // no env permission: only --token-file
  }
}

/** A time in ms as `YYYY-MM-DD HH:MM:SS` (UTC). */
export function shortTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}
