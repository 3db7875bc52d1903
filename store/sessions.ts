/**
 * What a store keeps of the viewer's browser sessions across restarts: keys
 * (a hash of each session id, never the id) and their expiry. The HTTP
 * layer's `Sessions` uses it; the store only keeps rows.
 *
 * @module
 */

/**
 * Durable sessions: keys and their expiry (ms).
 *
 * @example
 * ```ts
 * import type { SessionKeeper } from "@flightlog/flightlog/store";
 * const kept = new Map<string, number>();
 * const keeper: SessionKeeper = {
 *   load: (now) => [...kept].filter(([, until]) => until > now),
 *   put: (key, until) => void kept.set(key, until),
 *   drop: (key) => void kept.delete(key),
 * };
 * ```
 */
export interface SessionKeeper {
  /** The sessions open at `now`, oldest first (expired ones may be dropped). */
  load(now: number): Iterable<[key: string, until: number]>;
  /** Keeps a session. */
  put(key: string, until: number): void;
  /** Forgets a session. */
  drop(key: string): void;
}
