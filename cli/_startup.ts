/**
 * What the server commands (`sidecar`, `gather`, `web`) say when they
 * start: one line for a mistake that stops them (an address in use, a store
 * another process owns), and the viewer's login link on a terminal.
 *
 * @module
 */

import { StoreLockedError } from "../store/lock.ts";

/** The exit codes of every `flightlog` command. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** A failure (could not start, could not read, could not reach). */
  failure: 1,
  /** Bad usage (an unknown flag, a bad value, a missing argument). */
  usage: 2,
} as const;

/**
 * The one line saying why `flightlog COMMAND` could not start: for an
 * address in use, which one and the flag that changes it; for a store
 * another process owns, its pid and how to stop it.
 */
export function startupProblem(
  command: string,
  e: unknown,
  listen: { hostname?: string; port?: number } | undefined,
  defaultPort: number,
): string {
  if (e instanceof Deno.errors.AddrInUse) {
    const host = listen?.hostname ?? "127.0.0.1";
    const port = listen?.port ?? defaultPort;
    const shown = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    return `flightlog ${command}: ${shown} is in use by another process; choose another address with --listen HOST:PORT (port 0 picks a free one)`;
  }
  if (e instanceof StoreLockedError) {
    return `flightlog ${command}: ${e.message} (--dir)`;
  }
  const message = e instanceof Error ? e.message : String(e);
  return `flightlog ${command}: ${message.split("\n")[0]}`;
}

/**
 * The viewer line: with the token in the link when stdout is a terminal (a
 * person reads it), without it when it is not (a log file keeps it).
 */
export function viewerLine(
  url: string,
  token: string,
  terminal: boolean = Deno.stdout.isTerminal(),
): string {
  return terminal
    ? `viewer: ${url}/?token=${token}`
    : `viewer: ${url}/ (log in with the token)`;
}
