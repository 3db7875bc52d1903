/**
 * Publishing and ingestion, each beside its floor:
 * - the app's cost of publishing: 1,000 log calls with one reader attached,
 *   until they are written to the socket (`publisher.flush()`), beside the
 *   same 1,000 calls unpublished;
 * - how fast one sidecar ingests one app's events (10,000 per round, from
 *   the first log call until the sidecar has recorded the last), beside raw
 *   NDJSON over the same kind of socket (one JSON event per line, each line
 *   parsed by the reader).
 */
import { createLogger, publish } from "../mod.ts";
import { encodeJSON } from "../lib/event.ts";
import { LineSplitter } from "../lib/lines.ts";
import { Sidecar } from "../sidecar/mod.ts";

const dir = await Deno.makeTempDir({ prefix: "flightlog-bench-" });
const FIELDS = { id: 1, user: "alice", path: "/cart" };

// --- publishing overhead -------------------------------------------------
const plain = createLogger({ facility: "app" });
const published = createLogger({ facility: "app" });
const publisher = await publish(published, {
  socketPath: `${dir}/pub.sock`,
  queueLimit: 100_000,
});
const drain = await Deno.connect({
  transport: "unix",
  path: `${dir}/pub.sock`,
});
(async () => {
  for await (const _ of drain.readable) { /* discard */ }
})();
await publisher.connected();

// The same with a reader that picks protocol v2 (rows, no incarnation).
const published2 = createLogger({ facility: "app" });
const publisher2 = await publish(published2, {
  socketPath: `${dir}/pub2.sock`,
  queueLimit: 100_000,
});
const drain2 = await Deno.connect({
  transport: "unix",
  path: `${dir}/pub2.sock`,
});
await drain2.write(new TextEncoder().encode('{"t":"pick","v":2}\n'));
(async () => {
  for await (const _ of drain2.readable) { /* discard */ }
})();
await publisher2.connected();

Deno.bench({
  name: "1,000 log calls, not published",
  group: "publish",
  baseline: true,
  fn() {
    for (let i = 0; i < 1000; i++) {
      plain.info("GET {path} by {user} #{id}", FIELDS);
    }
  },
});
Deno.bench({
  name: "1,000 log calls, published to one reader (the calls alone)",
  group: "publish",
  async fn(b) {
    b.start();
    for (let i = 0; i < 1000; i++) {
      published.info("GET {path} by {user} #{id}", FIELDS);
    }
    b.end();
    await publisher.flush(5000);
  },
});
Deno.bench({
  name: "1,000 log calls, published to one reader (until written)",
  group: "publish",
  async fn() {
    for (let i = 0; i < 1000; i++) {
      published.info("GET {path} by {user} #{id}", FIELDS);
    }
    await publisher.flush(5000);
  },
});

Deno.bench({
  name: "1,000 log calls, published to one v2 reader (until written)",
  group: "publish",
  async fn() {
    for (let i = 0; i < 1000; i++) {
      published2.info("GET {path} by {user} #{id}", FIELDS);
    }
    await publisher2.flush(5000);
  },
});

// --- ingestion ------------------------------------------------------------
const N = 10_000;
const incarnation: [string, null] = ["0123456789abcdef", null];
const events = Array.from({ length: N }, (_, i) => ({
  ...FIELDS,
  num: i,
  time: Date.now() / 1000,
  incarnation,
  level: 20,
  facility: "app/http",
  format: "GET %(path)s by %(user)s #%(id)s",
}));

// Floor: the app writes each event as one NDJSON line; the reader splits and parses.
const rawListener = Deno.listen({ transport: "unix", path: `${dir}/raw.sock` });
const rawReader = await Deno.connect({
  transport: "unix",
  path: `${dir}/raw.sock`,
});
const rawWriter = await rawListener.accept();
let rawReceived = 0;
let rawWaiter: (() => void) | undefined;
(async () => {
  const splitter = new LineSplitter();
  const decoder = new TextDecoder();
  for await (const chunk of rawReader.readable) {
    for (const line of splitter.push(decoder.decode(chunk, { stream: true }))) {
      JSON.parse(line);
      rawReceived++;
    }
    if (rawReceived >= N) rawWaiter?.();
  }
})();
const encoder = new TextEncoder();
async function writeAll(conn: Deno.Conn, text: string) {
  const bytes = encoder.encode(text);
  for (let off = 0; off < bytes.length;) {
    off += await conn.write(bytes.subarray(off));
  }
}
Deno.bench({
  name: "floor: 10,000 events as raw NDJSON over a Unix socket, parsed",
  group: "ingest",
  baseline: true,
  async fn() {
    rawReceived = 0;
    const done = new Promise<void>((r) => rawWaiter = r);
    let text = "";
    for (const e of events) {
      text += encodeJSON(e) + "\n";
      if (text.length > 65536) {
        await writeAll(rawWriter, text);
        text = "";
      }
    }
    await writeAll(rawWriter, text);
    await done;
  },
});

const app = createLogger({ app: "bench", facility: "app" });
const appPublisher = await publish(app, {
  socketPath: `${dir}/app.sock`,
  queueLimit: 1_000_000,
});
const sidecar = await Sidecar.start({
  dir: `${dir}/store`,
  socketPath: `${dir}/app.sock`,
  listen: { port: 0 },
  recorder: { qualifier: () => false },
});
await appPublisher.connected();
const http = app.child("http");
Deno.bench({
  name: "sidecar: 10,000 events logged, published, ingested and recorded",
  group: "ingest",
  async fn() {
    const target = sidecar.stats.eventsReceived + N;
    for (let i = 0; i < N; i++) http.info("GET {path} by {user} #{id}", FIELDS);
    while (sidecar.stats.eventsReceived < target) {
      await new Promise((r) => setTimeout(r, 0));
    }
  },
});

globalThis.addEventListener("unload", () => {
  Deno.removeSync(dir, { recursive: true });
});
