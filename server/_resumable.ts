/**
 * A server-sent event stream that resumes: with `Last-Event-ID` it first
 * replays what came after it (page by page), then goes on live, in order and
 * without duplicates, from a store that may answer at once or over the
 * network. A client too slow to keep up has its stream ended: it comes back
 * with `Last-Event-ID` and loses nothing.
 *
 * @module
 */

import type { Awaitable } from "./backend.ts";

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
  let sent = r.last ?? 0;
  let live = false;
  let ended = false;
  const waiting: T[] = [];
  let chain: Promise<void> = Promise.resolve();
  const emit = async (item: T) => {
    if (ended || r.id(item) <= sent) return;
    const text = await r.format(item);
    if (ended || r.id(item) <= sent) return;
    if (send(text)) {
      sent = r.id(item);
    } else {
      ended = true;
      close();
    }
  };
  const queue = (item: T) => {
    chain = chain.then(() => emit(item)).catch(() => {});
  };
  const off = r.subscribe((item) => live ? queue(item) : waiting.push(item));
  chain = (async () => {
    if (r.last === undefined) {
      sent = await r.latest();
    } else {
      for (let i = 0; i < 100_000 && !ended; i++) {
        const page = await r.after(sent);
        if (page.length === 0) break;
        for (const item of page) await emit(item);
        if (r.id(page.at(-1)!) > sent) break; // not taken: ended
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
