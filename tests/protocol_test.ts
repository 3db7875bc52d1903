import assert from "node:assert/strict";
import { readMessages } from "../lib/protocol.ts";

const stream = (text: string) =>
  ReadableStream.from([new TextEncoder().encode(text)]);

Deno.test("readMessages() parses one message per line, whatever the chunking", async () => {
  const text = '{"t":"heartbeat","time":1}\n{"t":"goodbye","reason":"bye"}\n';
  const bytes = new TextEncoder().encode(text);
  const chunked = ReadableStream.from(
    Array.from(bytes, (b) => new Uint8Array([b])),
  );
  const messages = await Array.fromAsync(readMessages(chunked));
  assert.deepEqual(messages.map((m) => m.t), ["heartbeat", "goodbye"]);
});

Deno.test("readMessages() reports lines that are not messages and goes on", async () => {
  const bad: string[] = [];
  const messages = await Array.fromAsync(
    readMessages(stream('nope\n[1]\n{"t":"heartbeat","time":1}\n'), {
      onBadLine: (line) => bad.push(line),
    }),
  );
  assert.equal(messages.length, 1);
  assert.deepEqual(bad, ["nope", "[1]"]);
});
