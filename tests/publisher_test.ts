import assert from "node:assert/strict";
import {
  createLogger,
  publish,
  type PublishMessage,
  readMessages,
} from "../mod.ts";
import { deadline, tempDir } from "./_util.ts";
import { encodeJSON } from "../lib/event.ts";
import type { FlogEvent } from "../lib/flog_event.ts";
import { LineSplitter } from "../lib/lines.ts";
import { batchEvents } from "../lib/protocol_v2.ts";

/** Connects to a publisher and returns a pull-based message reader. */

async function connect(path: string) {
  const conn = await Deno.connect({ transport: "unix", path });
  const messages = readMessages(conn.readable);
  return {
    async next(): Promise<PublishMessage> {
      const r = await deadline(messages.next(), "the next message");
      if (r.done) throw new Error("connection ended");
      return r.value;
    },
    async until<T extends PublishMessage["t"]>(
      t: T,
    ): Promise<Extract<PublishMessage, { t: T }>> {
      for (let i = 0; i < 10_000; i++) {
        const m = await this.next();
        if (m.t === t) return m as Extract<PublishMessage, { t: T }>;
      }
      throw new Error(`no ${t}`);
    },
    async rest(): Promise<PublishMessage[]> {
      return await deadline(Array.fromAsync(messages), "the end of the stream");
    },
    async close() {
      await messages.return(undefined);
    },
  };
}

Deno.test("publish() sends hello, history, live batches, heartbeats, incident notices and goodbye", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/app.sock`;
  const log = createLogger({
    app: "shop",
    versions: { shop: "2.0" },
    incidentDir: `${dir.path}/inc`,
    trailingMs: 0,
  });
  log.info("before {n}", { n: 1 });
  const publisher = await publish(log, { socketPath, heartbeatMs: 20 });
  assert.equal((await Deno.stat(socketPath)).mode! & 0o777, 0o600);
  const client = await connect(socketPath);
  const hello = await client.next();
  assert.equal(hello.t, "hello");
  if (hello.t !== "hello") return;
  assert.equal(hello.v, 1);
  assert.equal(hello.app, "shop");
  assert.equal(hello.pid, Deno.pid);
  assert.equal(hello.versions.shop, "2.0");
  assert.deepEqual(hello.incarnation, log.incarnation);
  assert.equal(hello.writesIncidents, true);
  assert(hello.incidentDir?.startsWith("/"), "an absolute incidentDir");
  const history = await client.next();
  assert.ok(history.t === "events" && history.history === true);
  assert.deepEqual(history.events.map((e) => e.format), ["before %(n)s"]);

  log.info("live {n}", { n: 2 });
  log.weird("odd");
  const live = await client.until("events");
  assert.deepEqual(live.events.map((e) => e.num), [1, 2]);
  assert.ok(!("history" in live));
  const seen = new Map<string, PublishMessage>();
  while (!seen.has("heartbeat") || !seen.has("incident")) {
    const m = await client.next();
    seen.set(m.t, m);
  }
  const notice = seen.get("incident") as Extract<
    PublishMessage,
    { t: "incident" }
  >;
  assert.equal(notice.trigger.format, "odd");
  assert.ok(notice.complete);

  await publisher.close("shutting down");
  const rest = await client.rest();
  assert.deepEqual(rest.at(-1), { t: "goodbye", reason: "shutting down" });
  await assert.rejects(() => Deno.stat(socketPath), Deno.errors.NotFound);
  await log.close();
});

Deno.test("publish() replaces a stale socket, refuses a live one or a plain file", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/app.sock`;
  // A stale socket: bound, then its listener gone without removing the file.
  const stale = Deno.listen({ transport: "unix", path: socketPath });
  stale.close();
  await using log = createLogger();
  const publisher = await publish(log, { socketPath });
  await assert.rejects(
    () => publish(log, { socketPath }),
    /another process is already publishing there/,
  );
  await publisher.close();
  await Deno.writeTextFile(`${dir.path}/file`, "precious");
  await assert.rejects(
    () => publish(log, { socketPath: `${dir.path}/file` }),
    /exists and is not a socket/,
  );
  assert.equal(await Deno.readTextFile(`${dir.path}/file`), "precious");
});

Deno.test("publish() drops and counts for a reader that does not read, never waiting", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/app.sock`;
  await using log = createLogger();
  const publisher = await publish(log, { socketPath, queueLimit: 500 });
  const client = await connect(socketPath);
  await client.until("events"); // history: the reader is registered
  const blob = "x".repeat(1000);
  const N = 20_000;
  for (let i = 0; i < N; i++) log.debug("filler {i} {blob}", { i, blob }); // synchronous: cannot wait
  assert.equal(log.stats.events, N);
  // The publisher could not run during that loop: all but 500 were dropped.
  assert.equal(publisher.stats.dropped, N - 500);
  const closing = publisher.close();
  const rest = await client.rest();
  await closing;
  let received = 0;
  let dropped = 0;
  for (const m of rest) {
    if (m.t === "events") received += m.events.length;
    if (m.t === "dropped") dropped += m.count;
  }
  assert.equal(dropped, publisher.stats.dropped);
  assert.equal(
    received + dropped,
    N,
    "every event was either delivered or counted as dropped",
  );
  assert.ok(received >= 500);
});

/** Reads `conn` line by line (a raw reader, as an old one would). */
function lines(conn: Deno.Conn) {
  const splitter = new LineSplitter();
  const decoder = new TextDecoder();
  const queue: string[] = [];
  const buffer = new Uint8Array(64 * 1024);
  return async (): Promise<string> => {
    for (let i = 0; queue.length === 0 && i < 100_000; i++) {
      const n = await deadline(conn.read(buffer), "a line");
      if (n === null) throw new Error("connection ended");
      queue.push(
        ...splitter.push(
          decoder.decode(buffer.subarray(0, n), { stream: true }),
        ),
      );
    }
    return queue.shift()!;
  };
}

Deno.test("publish() offers v1 and v2, and a reader that does not answer gets v1 lines, byte for byte", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/app.sock`;
  await using log = createLogger({ app: "shop" });
  const publisher = await publish(log, { socketPath });
  const conn = await Deno.connect({ transport: "unix", path: socketPath });
  const next = lines(conn);
  const hello = JSON.parse(await next());
  assert.equal(hello.v, 1);
  assert.deepEqual(hello.speaks, [1, 2]);
  assert.deepEqual(JSON.parse(await next()), {
    t: "events",
    events: [],
    history: true,
  });
  const seen: FlogEvent[] = [];
  const off = log.onEvent((e) => seen.push(e));
  log.info("order {id} by {user}", { id: 7, user: "alice" });
  log.child("db").warn("slow");
  off();
  let text = "";
  let got = 0;
  while (got < 2) {
    const line = await next();
    text += line + "\n";
    got += JSON.parse(line).events.length;
  }
  // What the v1 publisher wrote: the same events, each with its incarnation.
  assert.equal(text, encodeJSON({ t: "events", events: seen }) + "\n");
  conn.close();
  await publisher.close();
});

Deno.test("publish() switches a reader that picks v2 to batches at its next write, losing nothing", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/app.sock`;
  await using log = createLogger({ app: "shop" });
  const publisher = await publish(log, { socketPath });
  const conn = await Deno.connect({ transport: "unix", path: socketPath });
  const next = lines(conn);
  const hello = JSON.parse(await next());
  await next(); // the (v1) history
  await conn.write(new TextEncoder().encode('{"t":"pick","v":2}\n'));
  const received: FlogEvent[] = [];
  let batches = 0;
  for (let i = 0; batches === 0 && i < 1000; i++) {
    log.info("request {i}", { i });
    const m = JSON.parse(await next());
    if (m.t === "events") received.push(...m.events);
    if (m.t === "batch") {
      batches++;
      assert(!JSON.stringify(m).includes(hello.incarnation[0]));
      for (const e of batchEvents(m, hello.incarnation)) {
        received.push(e as FlogEvent);
      }
    }
  }
  assert.equal(batches, 1);
  assert.deepEqual(received.map((e) => e.i), received.map((_, i) => i));
  assert(received.every((e) => e.incarnation[0] === hello.incarnation[0]));
  conn.close();
  await publisher.close();
});
