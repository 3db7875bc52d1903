/**
 * The HTTP side of a node (sidecar or gatherer), set up once for both: its
 * bearer token, the API over its store, the guarded server, `/healthz`, and
 * the ordered close (streams, then the server).
 *
 * @module
 */

import { Api } from "./api.ts";
import type { ApiContext } from "./route.ts";
import { type GuardedServer, type GuardStats, serveGuarded } from "./guard.ts";
import { loadToken } from "./token.ts";

/** Where and how a node listens. */
export interface NodeListen {
  /** Host and port; port 0 picks a free one. */
  listen?: { hostname?: string; port?: number };
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string; key: string };
  /** Connections open at once, at most (see `serveGuarded`). */
  maxConnections?: number;
  /** Idle connections are closed after this long (see `serveGuarded`). */
  idleTimeoutMs?: number;
}

/** What {@linkcode NodeServer.start} needs besides the API's context. */
export interface NodeServerOptions extends NodeListen {
  /** The node's default port. */
  defaultPort: number;
  /** Stops serving when aborted. */
  signal: AbortSignal;
  /** The body of `/healthz` when answered at the connection cap. */
  capHealth: () => unknown;
  /** Told of each failure to accept a connection. */
  onError: (error: unknown) => void;
}

/**
 * A node's token: the one given, or the one kept in `tokenFile` (created
 * on first use), by default `${dir}/token`.
 */
export async function nodeToken(
  o: { token?: string; tokenFile?: string; dir: string },
): Promise<{ token: string; tokenFile: string | undefined }> {
  if (o.token !== undefined) return { token: o.token, tokenFile: undefined };
  const tokenFile = o.tokenFile ?? `${o.dir}/token`;
  return { token: await loadToken(tokenFile), tokenFile };
}

/** The API of a node and the server it answers on. */
export class NodeServer {
  /** The API (its handler and streams). */
  readonly api: Api;
  readonly #tls: boolean;
  #server: GuardedServer | undefined;

  /** The API over `ctx`; serving starts with {@linkcode start}. */
  constructor(ctx: ApiContext, o: { tls?: unknown } = {}) {
    this.api = new Api(ctx);
    this.#tls = o.tls !== undefined;
  }

  /** Starts serving the API. */
  start(o: NodeServerOptions): void {
    this.#server = serveGuarded({
      hostname: o.listen?.hostname ?? "127.0.0.1",
      port: o.listen?.port ?? o.defaultPort,
      signal: o.signal,
      tls: o.tls,
      maxConnections: o.maxConnections,
      idleMs: o.idleTimeoutMs,
      health: o.capHealth,
      onError: o.onError,
    }, this.api.handle);
  }

  /** The base URL, e.g. `http://127.0.0.1:7477`. */
  get url(): string {
    const { hostname, port } = this.#server!.addr;
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    return `${this.#tls ? "https" : "http"}://${host}:${port}`;
  }

  /** The server's connection counters (undefined before it starts). */
  get stats(): GuardStats | undefined {
    return this.#server?.stats;
  }

  /**
   * Closes the event streams and waits for the server to finish (its
   * signal aborted first).
   */
  async close(): Promise<void> {
    this.api.closeStreams();
    if (this.#server !== undefined) await this.#server.finished;
  }
}
