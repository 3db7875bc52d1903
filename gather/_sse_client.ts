/**
 * Reading a server-sent event stream (the client side of `http/sse.ts`),
 * with a bound on each line so that a broken server cannot fill memory.
 *
 * @module
 */

import { LineSplitter } from "../lib/lines.ts";

/** One event of a stream. */
export interface SseMessage {
  /** The `id:` field, if any. */
  id?: string;
  /** The `event:` field (`message` when absent). */
  event: string;
  /** The `data:` lines, joined with newlines. */
  data: string;
}

/** Longest line taken; longer ones are skipped with their event. */
export const MAX_SSE_LINE = 4 << 20;

/** The events of a `text/event-stream` body, as they arrive. */
export async function* readSse(
  body: ReadableStream<Uint8Array<ArrayBuffer>>,
): AsyncGenerator<SseMessage> {
  let oversized = false;
  const lines = new LineSplitter({
    maxLength: MAX_SSE_LINE,
    onOversized: () => oversized = true,
  });
  let e: SseMessage = { event: "message", data: "" };
  let data: string[] = [];
  for await (const text of body.pipeThrough(new TextDecoderStream())) {
    for (const raw of lines.push(text)) {
      const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (line === "") {
        if (data.length > 0 && !oversized) {
          yield { ...e, data: data.join("\n") };
        }
        e = { event: "message", data: "" };
        data = [];
        oversized = false;
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") data.push(value);
      else if (field === "event") e.event = value;
      else if (field === "id") e.id = value;
    }
  }
}
