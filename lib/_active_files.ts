/**
 * The plain incident files this process is writing now, so that crash
 * recovery (which may run at the same time, for another logger on the same
 * folder) leaves them alone.
 *
 * @module
 */

const active = new Set<string>();

/** Marks `path` as being written by this process. */
export function markActive(path: string): void {
  active.add(path);
}

/** Marks `path` as no longer being written. */
export function markDone(path: string): void {
  active.delete(path);
}

/** Whether this process is writing `path` now. */
export function isActive(path: string): boolean {
  return active.has(path);
}
