/**
 * The one thing a publisher's reader says: which protocol version it
 * picks of those the `hello` offered.
 *
 * @module
 */

import { PROTOCOL_VERSIONS } from "./protocol_v2.ts";
import type { Subscriber } from "./_reader_queue.ts";

/** The longest line a reader's answer can be, in characters. */
const MAX_ANSWER = 1024;

/** The version a reader's answer line picks, if it is a valid pick. */
function pickedVersion(line: string): number | undefined {
  let m: unknown;
  try {
    m = JSON.parse(line);
  } catch {
    return undefined;
  }
  const { t, v } = (m ?? {}) as { t?: unknown; v?: unknown };
  return t === "pick" && typeof v === "number" && PROTOCOL_VERSIONS.includes(v)
    ? v
    : undefined;
}

/**
 * Reads what the reader says: its `pick` of a version (the only message
 * a reader sends), taken from the next write on. A reader that never
 * answers stays on v1; what is not a pick is ignored.
 */
export async function listenForPick(sub: Subscriber): Promise<void> {
  const buffer = new Uint8Array(256);
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const n = await sub.conn.read(buffer);
      if (n === null) return;
      text += decoder.decode(buffer.subarray(0, n), { stream: true });
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n")) {
        const version = pickedVersion(text.slice(0, nl));
        if (version !== undefined) sub.version = version;
        text = text.slice(nl + 1);
      }
      // Longer than any answer: not one.
      if (text.length > MAX_ANSWER) text = "";
    }
  } catch {
    // The connection closed.
  }
}
