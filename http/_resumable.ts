/**
 * A server-sent event stream that resumes: with `Last-Event-ID` it first
 * replays what came after it (page by page), then goes on live, in order and
 * without duplicates, from a store that may answer at once or over the
 * network. A client too slow to keep up has its stream ended: it comes back
 * with `Last-Event-ID` and loses nothing.
 *
 * @module
 */

import type { Awaitable } from "../store/store.ts";

/** Where the items come from, and how each is sent. */
export interface Resumable<T> {
  /** The client's `Last-Event-ID`, if it gave one. */
  last: number | undefined;
  /** The latest id now (a stream without `Last-Event-ID` starts after it). */
  latest(): Awaitable<number>;
  /** Items after `id`, oldest first (a page). */
  after(id: number): Awaitable<T[]>;
  /** Live items; returns an unsubscribe. */
  subscribe(fn: (item: T) => void): () => void;
  /** An item's id. */
  id(item: T): number;
  /** What makes an item itself (its incident's name...), for `lookback`. */
  key(item: T): string;
  /**
   * How far (in ids) an item may come after a later one: a fleet's ids are
   * stamped by each gatherer's clock. Within it, items are told apart by
   * `key`, and a resumed stream starts this far back (so a client may see an
   * item again: it dedupes by key). 0 where ids come in order.
   */
  lookback?: number;
  /** An item as SSE text (`id:`, `event:`, `data:`). */
  format(item: T): Awaitable<string>;
}

/**
 * Runs a resumable stream over `send`/`close` (from `SseStreams.open`);
 * returns its clean-up.
 */
export function resume<T>(
  r: Resumable<T>,
  send: (text: string) => boolean,
  close: () => void,
): () => void {
  const lookback = r.lookback ?? 0;
  /** The highest id sent (or resumed from). */
  let top = r.last ?? 0;
  /** Within the lookback: the keys sent, with their ids. */
  const sentKeys = new Map<string, number>();
  let live = false;
  let ended = false;
  const waiting: T[] = [];
  let chain: Promise<void> = Promise.resolve();
  const fresh = (item: T) => {
    const id = r.id(item);
    if (lookback === 0) return id > top;
    return id > top - lookback && !sentKeys.has(r.key(item));
  };
  const emit = async (item: T) => {
    if (ended || !fresh(item)) return;
    const text = await r.format(item);
    if (ended || !fresh(item)) return;
    if (!send(text)) {
      ended = true;
      close();
      return;
    }
    top = Math.max(top, r.id(item));
    if (lookback > 0) {
      sentKeys.set(r.key(item), r.id(item));
      if (sentKeys.size > 1000) {
        for (const [k, id] of sentKeys) {
          if (id <= top - lookback) sentKeys.delete(k);
        }
      }
    }
  };
  const queue = (item: T) => {
    chain = chain.then(() => emit(item)).catch(() => {});
  };
  const off = r.subscribe((item) => live ? queue(item) : waiting.push(item));
  chain = (async () => {
    if (r.last === undefined) {
      top = await r.latest();
    } else {
      let from = Math.max(0, r.last - lookback);
      for (let i = 0; i < 100_000 && !ended; i++) {
        const page = await r.after(from);
        if (page.length === 0) break;
        for (const item of page) await emit(item);
        const next = r.id(page.at(-1)!);
        if (next <= from) break;
        from = next;
      }
    }
    live = true;
    for (const item of waiting.splice(0)) await emit(item);
  })().catch(() => {
    ended = true;
    close();
  });
  return () => {
    ended = true;
    off();
  };
}
