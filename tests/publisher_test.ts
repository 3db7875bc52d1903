import assert from "node:assert/strict";
import {
  createLogger,
  publish,
  type PublishMessage,
  readMessages,
} from "../mod.ts";
import { deadline, tempDir } from "./_util.ts";

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
