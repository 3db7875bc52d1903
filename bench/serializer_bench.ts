/**
 * Why flightlog encodes events with `JSON.stringify` (issue 13 asked for a
 * serializer compiled per event shape): 1,000 flat events of one shape, as
 * the publisher sends them, encoded four ways into UTF-8:
 * - floor: one `JSON.stringify` of the batch, `encodeInto` a reused buffer;
 * - the same with `encode` (a new array per batch, as before);
 * - one `JSON.stringify` per event, each `encodeInto` the buffer;
 * - a serializer compiled for the shape (key prefixes made once; ASCII
 *   strings copied as they are, others escaped by `JSON.stringify`), each
 *   event's text `encodeInto` the buffer.
 * - protocol v2's batch (rows under shared key lists, no incarnation), its
 *   rows built in JS and encoded by one `JSON.stringify`.
 * On Deno 2.9 (V8 15) the native batch is the fastest by far: V8 serializes
 * plain objects in C++, and anything written in JS pays per value.
 */
import { batchLines } from "../lib/protocol_v2.ts";

const incarnation: [string, null] = ["0123456789abcdef", null];
const events = Array.from({ length: 1000 }, (_, i) => ({
  id: i,
  user: `user${i % 50}`,
  path: "/cart",
  num: i,
  time: 1795587692.42 + i / 1000,
  incarnation,
  level: 20,
  facility: "app",
  format: "GET %(path)s by %(user)s #%(id)s",
}));
const encoder = new TextEncoder();
const buffer = new Uint8Array(1 << 20);

/** A serializer for objects with exactly `keys`, in that order. */
function compile(keys: string[]): (e: Record<string, unknown>) => string {
  const prefixes = keys.map((k, i) =>
    (i === 0 ? "{" : ",") + JSON.stringify(k) + ":"
  );
  const plain = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
  return (e) => {
    let s = "";
    for (let i = 0; i < keys.length; i++) {
      const v = e[keys[i]];
      s += prefixes[i];
      if (typeof v === "string") {
        s += plain.test(v) ? `"${v}"` : JSON.stringify(v);
      } else if (typeof v === "number" && Number.isFinite(v)) {
        s += Object.is(v, -0) ? "0" : String(v);
      } else s += JSON.stringify(v) ?? "null";
    }
    return s + "}";
  };
}
const compiled = compile(Object.keys(events[0]));

Deno.bench({
  name: "floor: JSON.stringify of the batch, encodeInto a reused buffer",
  group: "encode",
  baseline: true,
  fn() {
    encoder.encodeInto(JSON.stringify({ t: "events", events }) + "\n", buffer);
  },
});
Deno.bench({
  name: "JSON.stringify of the batch, encode (a new array)",
  group: "encode",
  fn() {
    encoder.encode(JSON.stringify({ t: "events", events }) + "\n");
  },
});
Deno.bench({
  name: "JSON.stringify per event, encodeInto",
  group: "encode",
  fn() {
    let off = encoder.encodeInto('{"t":"events","events":[', buffer).written;
    for (let i = 0; i < events.length; i++) {
      if (i > 0) buffer[off++] = 44;
      off += encoder.encodeInto(JSON.stringify(events[i]), buffer.subarray(off))
        .written;
    }
    encoder.encodeInto("]}\n", buffer.subarray(off));
  },
});
Deno.bench({
  name: "serializer compiled for the shape, per event, encodeInto",
  group: "encode",
  fn() {
    let off = encoder.encodeInto('{"t":"events","events":[', buffer).written;
    for (let i = 0; i < events.length; i++) {
      if (i > 0) buffer[off++] = 44;
      off +=
        encoder.encodeInto(compiled(events[i]), buffer.subarray(off)).written;
    }
    encoder.encodeInto("]}\n", buffer.subarray(off));
  },
});
Deno.bench({
  name: "protocol v2 batch (rows, shared keys), encodeInto",
  group: "encode",
  fn() {
    encoder.encodeInto(batchLines(events, incarnation, 1000, false), buffer);
  },
});
