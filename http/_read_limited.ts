/**
 * Reading a request's or a response's body whole, up to a limit, without
 * holding more than the limit of a body that is larger.
 *
 * @module
 */

/**
 * The bytes of `message`'s body; `tooBig()` is thrown (and the body
 * cancelled) as soon as it is known to pass `limit` bytes.
 */
export async function readLimited(
  message: Request | Response,
  limit: number,
  tooBig: () => Error,
): Promise<Uint8Array<ArrayBuffer>> {
  if (Number(message.headers.get("content-length") ?? "0") > limit) {
    await message.body?.cancel().catch(() => {});
    throw tooBig();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (message.body !== null) {
    const reader = message.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > limit) {
          await reader.cancel().catch(() => {});
          throw tooBig();
        }
        chunks.push(value);
      }
    } finally {
      reader.releaseLock();
    }
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
