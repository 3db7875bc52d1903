/**
 * What a store keeps of the viewer's browser sessions across restarts: keys
 * (a hash of each session id, never the id) and their expiry. The HTTP
 * layer's `Sessions` uses it; the store only keeps rows.
 *
 * @module
 */

/**
 * Durable sessions: keys, their expiry (ms) and the scope they logged in
 * with (`read` or `admin`; the HTTP layer gives these names meaning).
 *
 * @example
 * ```ts
 * import type { SessionKeeper } from "@flightlog/flightlog/store";
 * const kept = new Map<string, [number, string]>();
 * const keeper: SessionKeeper = {
 *   load: (now) =>
 *     [...kept].filter(([, [until]]) => until > now)
 *       .map(([key, [until, scope]]) => [key, until, scope]),
 *   put: (key, until, scope) => void kept.set(key, [until, scope]),
 *   drop: (key) => void kept.delete(key),
 * };
 * ```
 */
export interface SessionKeeper {
  /** The sessions open at `now`, oldest first (expired ones may be dropped). */
  load(now: number): Iterable<[key: string, until: number, scope: string]>;
  /** Keeps a session. */
  put(key: string, until: number, scope: string): void;
  /** Forgets a session. */
  drop(key: string): void;
}
