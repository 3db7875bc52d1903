/**
 * Serving HTTP that outlives its accept loop: `Deno.serve` stops for good
 * when accepting fails (too many open files, say) and rejects `finished`;
 * this restarts it on the same address, with backoff, until aborted.
 *
 * @module
 */

import { sleep } from "../lib/_sleep.ts";

/** Options of {@linkcode serveResilient}. */
export interface ResilientServeOptions {
  /** Where to listen; port 0 picks a free one (kept across restarts). */
  hostname: string;
  /** The port. */
  port: number;
  /** Stops serving. */
  signal: AbortSignal;
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string; key: string };
  /** Told of each failure of the accept loop before the restart. */
  onError?: (error: unknown) => void;
}

/** A server that restarts itself; see {@linkcode serveResilient}. */
export interface ResilientServer {
  /** The address served. */
  readonly addr: Deno.NetAddr;
  /** Resolves once aborted and closed. */
  readonly finished: Promise<void>;
  /** Restarts after accept failures so far. */
  readonly restarts: number;
}

/**
 * Serves `handler` like `Deno.serve`, restarting after an accept failure
 * (waiting 100 ms, doubling to 2 s while it keeps failing).
 */
export function serveResilient(
  options: ResilientServeOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
): ResilientServer {
  const { signal } = options;
  const start = (port: number) =>
    Deno.serve({
      hostname: options.hostname,
      port,
      signal,
      onListen: () => {},
      ...(options.tls ?? {}),
    }, handler);
  let server = start(options.port);
  const state = { addr: server.addr, restarts: 0, finished: Promise.resolve() };
  state.finished = (async () => {
    let delay = 100;
    for (;;) {
      try {
        await server.finished;
        return; // aborted: a clean end
      } catch (e) {
        if (signal.aborted) return;
        options.onError?.(e);
      }
      for (;;) {
        await sleep(delay, signal);
        if (signal.aborted) return;
        delay = Math.min(2000, delay * 2);
        try {
          server = start(state.addr.port);
          state.restarts++;
          break;
        } catch (e) {
          options.onError?.(e); // still out of descriptors: wait longer
        }
      }
      delay = 100;
    }
  })();
  return state;
}
