/**
 * Small byte-stream helpers: looking at a stream's first chunk without
 * losing it, and cutting chunks to a bounded size.
 *
 * @module
 */

/**
 * Reads the first chunk of `stream` and returns it with a stream that
 * yields everything (that chunk included).
 */
export async function peek(
  stream: ReadableStream<Uint8Array>,
): Promise<[Uint8Array, ReadableStream<Uint8Array>]> {
  const reader = stream.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array();
  const whole = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) controller.enqueue(head);
      else controller.close();
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return [head, whole];
}

/**
 * Cuts chunks to at most `size` bytes: deflate inflates up to about
 * 1032:1, so a slice never becomes an inflated chunk over ~1000 x `size`.
 */
export function slicer(size: number): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      for (let at = 0; at < chunk.length; at += size) {
        controller.enqueue(chunk.subarray(at, at + size));
      }
    },
  });
}
