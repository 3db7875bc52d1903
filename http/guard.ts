/**
 * The guard in front of the HTTP server: it accepts the TCP connections
 * itself, caps how many are open, closes idle ones, answers `/healthz` even
 * at the cap, and never dies of an accept failure. Each admitted connection
 * is piped, bytes as they are (TLS included), to the server behind it on
 * loopback. `Deno.serve` offers neither a cap nor an idle timeout.
 *
 * @module
 */

import { writeAll } from "../lib/_io.ts";
import { sleep } from "../lib/_sleep.ts";
import { serveResilient } from "./serve.ts";

/** Options of {@linkcode serveGuarded}. */
export interface GuardOptions {
  /** Where to listen; port 0 picks a free one. */
  hostname: string;
  /** The port. */
  port: number;
  /** Stops serving. */
  signal: AbortSignal;
  /** PEM certificate and key: the server behind serves HTTPS. */
  tls?: { cert: string; key: string };
  /**
   * Connections open at once, at most; past it, `/healthz` is still
   * answered (plain HTTP) and anything else gets a 503.
   * @default {256}
   */
  maxConnections?: number;
  /**
   * A connection with no byte either way for this long is closed (SSE
   * streams send keepalives well within it).
   * @default {60_000}
   */
  idleMs?: number;
  /** The body of `/healthz` when answered at the cap. */
  health?: () => unknown;
  /** Told of each accept failure (out of descriptors...). */
  onError?: (error: unknown) => void;
}

/** Counters of a guard. */
export interface GuardStats {
  /** Connections open now. */
  active: number;
  /** Connections turned away at the cap. */
  refused: number;
  /** Connections closed for being idle. */
  idleClosed: number;
  /** Accept failures (each followed by a short wait, then accepting again). */
  acceptFailures: number;
}

/** A guarded server; see {@linkcode serveGuarded}. */
export interface GuardedServer {
  /** The public address. */
  readonly addr: Deno.NetAddr;
  /** Resolves once aborted and closed. */
  readonly finished: Promise<void>;
  /** Counters. */
  readonly stats: GuardStats;
}

const enc = new TextEncoder();

/** Serves `handler` behind a guard (see the module doc). */
export function serveGuarded(
  options: GuardOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
): GuardedServer {
  const { signal } = options;
  const max = options.maxConnections ?? 256;
  const idleMs = options.idleMs ?? 60_000;
  const inner = serveResilient({
    hostname: "127.0.0.1",
    port: 0,
    signal,
    tls: options.tls,
    onError: options.onError,
  }, handler);
  const listener = Deno.listen({
    hostname: options.hostname,
    port: options.port,
  });
  const stats: GuardStats = {
    active: 0,
    refused: 0,
    idleClosed: 0,
    acceptFailures: 0,
  };
  const open = new Set<Deno.Conn>();
  const closeAll = () => {
    try {
      listener.close();
    } catch { /* closed */ }
    for (const c of open) close(c);
  };
  signal.addEventListener("abort", closeAll, { once: true });

  const refuse = async (conn: Deno.Conn) => {
    stats.refused++;
    try {
      const buf = new Uint8Array(512);
      const n = options.tls ? null : await withTimeout(conn.read(buf), 1000);
      const head = n ? new TextDecoder().decode(buf.subarray(0, n)) : "";
      const body = head.startsWith("GET /healthz ") && options.health
        ? JSON.stringify(options.health())
        : undefined;
      await writeAll(
        conn,
        enc.encode(
          body === undefined
            ? "HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\n" +
              "connection: close\r\ncontent-length: 0\r\n\r\n"
            : "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n" +
              `connection: close\r\ncontent-length: ${
                enc.encode(body).length
              }\r\n\r\n${body}`,
        ),
      );
    } catch { /* the client went away */ }
    close(conn);
  };

  const pipe = async (conn: Deno.Conn) => {
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect({
        hostname: "127.0.0.1",
        port: inner.addr.port,
      });
    } catch {
      close(conn);
      return;
    }
    open.add(upstream);
    let last = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - last > idleMs) {
        stats.idleClosed++;
        close(conn);
        close(upstream);
      }
    }, Math.max(10, Math.min(1000, idleMs / 4)));
    const copy = async (from: Deno.Conn, to: Deno.Conn) => {
      const buf = new Uint8Array(64 * 1024);
      try {
        for (;;) {
          const n = await from.read(buf);
          if (n === null) break;
          last = Date.now();
          await writeAll(to, buf.subarray(0, n));
        }
      } catch { /* either side closed */ }
      close(from);
      close(to);
    };
    await Promise.all([copy(conn, upstream), copy(upstream, conn)]);
    clearInterval(timer);
    open.delete(upstream);
  };

  const close = (c: Deno.Conn) => {
    try {
      c.close();
    } catch { /* closed already */ }
  };

  const accepting = (async () => {
    let delay = 100;
    while (!signal.aborted) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
        delay = 100;
      } catch (e) {
        if (signal.aborted || e instanceof Deno.errors.BadResource) return;
        // Out of descriptors, say: never the end of the process.
        stats.acceptFailures++;
        options.onError?.(e);
        await sleep(delay, signal);
        delay = Math.min(2000, delay * 2);
        continue;
      }
      if (stats.active >= max) {
        refuse(conn);
        continue;
      }
      stats.active++;
      open.add(conn);
      pipe(conn).finally(() => {
        stats.active--;
        open.delete(conn);
      });
    }
  })();

  return {
    addr: listener.addr as Deno.NetAddr,
    stats,
    finished: Promise.all([accepting, inner.finished]).then(() => {}),
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<null>((r) => timer = setTimeout(() => r(null), ms)),
  ]).finally(() => clearTimeout(timer));
}
