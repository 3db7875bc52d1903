/**
 * One reader of a publisher: its bounded event queue, control messages,
 * drop counts, and the handshake with the loop that writes to it.
 *
 * @module
 */

import type { FlogEvent } from "./flog_event.ts";
import type { PublishMessage } from "./protocol.ts";

/** The counter a reader queue updates (its publisher's `stats.dropped`). */
export interface DropCounter {
  /** Events dropped because a reader's queue was full. */
  dropped: number;
}

/** A reader's queue: never grows past `limit`; what does not fit is counted. */
export class Subscriber {
  queue: FlogEvent[] = [];
  control: PublishMessage[] = [];
  dropped = 0;
  droppedTotal = 0;
  closing = false;
  /** The protocol version the reader picked (1 until it answers). */
  version = 1;
  #wake: (() => void) | undefined;

  constructor(
    readonly conn: Deno.Conn,
    readonly limit: number,
    readonly stats: DropCounter,
  ) {}

  push(event: FlogEvent): void {
    if (this.closing) return;
    this.caughtUp = false;
    if (this.queue.length >= this.limit) {
      this.dropped++;
      this.droppedTotal++;
      this.stats.dropped++;
    } else {
      this.queue.push(event);
    }
    this.wakeUp();
  }

  send(message: PublishMessage): void {
    if (this.closing) return;
    this.caughtUp = false;
    this.control.push(message);
    this.wakeUp();
  }

  wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #drained: (() => void)[] = [];
  /** True while the serving loop has written everything it was given. */
  caughtUp = false;

  /** Resolves once everything queued so far has been written. */
  drained(): Promise<void> {
    if (this.caughtUp && this.queue.length === 0 && this.control.length === 0) {
      return Promise.resolve();
    }
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#drained.push(resolve);
    return promise;
  }

  /** Called by the serving loop when it has nothing left to write. */
  markCaughtUp(): void {
    this.caughtUp = true;
    for (const resolve of this.#drained.splice(0)) resolve();
  }

  /** Releases every `drained()` waiter (the connection is gone). */
  release(): void {
    for (const resolve of this.#drained.splice(0)) resolve();
  }

  /** Resolves when there is something to write (or at once if there is). */
  idle(): Promise<void> {
    if (this.queue.length > 0 || this.control.length > 0 || this.closing) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#wake = resolve);
  }
}
