/**
 * Server-sent event responses: a bounded queue per client (a slow client
 * is told, not buffered for without limit), keepalives, and clean-up when
 * the client goes or the server closes every stream.
 *
 * @module
 */

const enc = new TextEncoder();

/** Events queued for one client before `send` starts returning false. */
const QUEUE = 1000;
/** Comment lines keep proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * The open streams of a server, so that it can close them all before it
 * shuts down (an open response would keep it waiting).
 */
export class SseStreams {
  readonly #open = new Set<() => void>();

  /**
   * A server-sent events response. `start` gets a `send(text)` that returns
   * false once the client is too slow (its queue is full), and returns the
   * clean-up to run when the stream ends; its `close()` ends the stream.
   */
  open(
    start: (
      send: (text: string) => boolean,
      close: () => void,
    ) => () => void,
  ): Response {
    const streams = this.#open;
    let closeStream = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let open = true;
        const send = (text: string) => {
          if (!open || (controller.desiredSize ?? 0) <= 0) return false;
          controller.enqueue(enc.encode(text));
          return true;
        };
        send("retry: 1000\n: connected\n\n");
        // Deferred: `start` may end the stream before it has returned.
        const cleanup = start(send, () => queueMicrotask(() => closeStream()));
        const keepalive = setInterval(
          () => send(": keepalive\n\n"),
          KEEPALIVE_MS,
        );
        closeStream = () => {
          if (!open) return;
          open = false;
          clearInterval(keepalive);
          streams.delete(closeStream);
          cleanup();
          try {
            controller.close();
          } catch { /* already closed */ }
        };
        streams.add(closeStream);
      },
      cancel() {
        closeStream();
      },
    }, new CountQueuingStrategy({ highWaterMark: QUEUE }));
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  }

  /** Ends every open stream. */
  closeAll(): void {
    for (const close of [...this.#open]) close();
  }
}
