// Reading server-sent events: fields, multi-line data, comments, CRLF, and
// an oversized line skipped with its event.
import assert from "node:assert/strict";
import { MAX_SSE_LINE, readSse } from "../gather/_sse_client.ts";

function body(...chunks: string[]): ReadableStream<Uint8Array<ArrayBuffer>> {
  const enc = new TextEncoder();
  return ReadableStream.from(chunks.map((c) => enc.encode(c)));
}

Deno.test("readSse() gives id, event and data, joining data lines", async () => {
  const got = await Array.fromAsync(readSse(body(
    "retry: 1000\n: connected\n\n",
    'id: 7\nevent: incident\ndata: {"a":\ndata: 1}\n\n',
    "data: plain\n\n",
  )));
  assert.deepEqual(got, [
    { id: "7", event: "incident", data: '{"a":\n1}' },
    { event: "message", data: "plain" },
  ]);
});

Deno.test("readSse() takes CRLF lines and events split across chunks", async () => {
  const got = await Array.fromAsync(
    readSse(body("id: 1\r\nev", "ent: x\r\ndata: y\r", "\n\r\n")),
  );
  assert.deepEqual(got, [{ id: "1", event: "x", data: "y" }]);
});

Deno.test("readSse() skips an event with a line over the limit, and goes on", async () => {
  const got = await Array.fromAsync(readSse(body(
    `id: 1\ndata: ${"x".repeat(MAX_SSE_LINE + 1)}\n\n`,
    "id: 2\ndata: ok\n\n",
  )));
  assert.deepEqual(got, [{ id: "2", event: "message", data: "ok" }]);
});
