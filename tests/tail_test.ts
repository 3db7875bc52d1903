// Tailing an app's socket: a fake app on a real Unix socket, and a real
// publishing app in process.
import assert from "node:assert/strict";
import { FlightRecorder } from "../lib/recorder.ts";
import { IncidentStore } from "../server/store.ts";
import { AppTail } from "../sidecar/tail.ts";
import { deadline, tempDir } from "./_util.ts";

/** An AppTail following `socketPath` into a fresh recorder. */
async function tail(dir: string, socketPath: string) {
  const recorder = new FlightRecorder();
  const tail = new AppTail(recorder, {
    store: await IncidentStore.open(`${dir}/store`),
  });
  tail.follow(socketPath);
  return {
    tail,
    recorder,
    async [Symbol.asyncDispose]() {
      await tail.close();
      await recorder.close();
    },
  };
}

Deno.test("AppTail skips bad lines and malformed messages, and takes them for no crash", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/fake.sock`;
  const listener = Deno.listen({ transport: "unix", path: socketPath });
  await using t = await tail(dir.path, socketPath);
  const conn = await listener.accept();
  const saidGoodbye = Promise.withResolvers<void>();
  t.recorder.onEvent((e) => {
    if (String(e.format).startsWith("app said goodbye")) saidGoodbye.resolve();
  });
  const event = {
    num: 0,
    time: Date.now() / 1000,
    incarnation: ["feed", null],
    level: 20,
    message: "ok",
  };
  const lines = [
    {
      t: "hello",
      v: 1,
      app: "odd",
      incarnation: ["feed", null],
      pid: 1,
      versions: {},
      heartbeatMs: 1000,
      writesIncidents: false,
      time: 0,
    },
    "this is not JSON",
    { t: "events", events: "not a list" },
    { t: "events", events: [event, event, null, { no: "num" }] },
    { t: "something-new", x: 1 },
    { t: "goodbye", reason: "done" },
  ].map((l) => typeof l === "string" ? l : JSON.stringify(l)).join("\n") + "\n";
  await conn.write(new TextEncoder().encode(lines));
  await deadline(saidGoodbye.promise, "the goodbye");
  conn.close();
  listener.close();
  assert.equal(t.tail.stats.eventsReceived, 1);
  assert.equal(t.tail.stats.duplicates, 1);
  assert.equal(t.tail.stats.appDeaths, 0);
  assert.equal(t.tail.stats.eventsRefused, 2); // null and { no: "num" }
});

Deno.test("AppTail refuses another protocol version, without taking it for a crash", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/fake.sock`;
  const listener = Deno.listen({ transport: "unix", path: socketPath });
  await using t = await tail(dir.path, socketPath);
  const conn = await listener.accept();
  const hello = {
    t: "hello",
    v: 2,
    app: "future",
    pid: 1,
    incarnation: ["f", null],
  };
  await conn.write(new TextEncoder().encode(JSON.stringify(hello) + "\n"));
  // The sidecar hangs up on it.
  const buf = new Uint8Array(16);
  assert.equal(await deadline(conn.read(buf), "the hang-up"), null);
  conn.close();
  listener.close();
  assert.equal(t.tail.stats.protocolMismatches, 1);
  assert.equal(t.tail.stats.appDeaths, 0);
  assert.equal(t.tail.hello, undefined);
});

Deno.test("AppTail bounds the hello: a bad heartbeat is the default, a huge versions map is cut", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/fake.sock`;
  const listener = Deno.listen({ transport: "unix", path: socketPath });
  await using t = await tail(dir.path, socketPath);
  const conn = await listener.accept();
  const connected = Promise.withResolvers<void>();
  t.recorder.onEvent((e) => {
    if (String(e.format).includes("connected, incarnation")) {
      connected.resolve();
    }
  });
  const versions = Object.fromEntries(
    Array.from({ length: 5000 }, (_, i) => [`k${i}`, "v"]),
  );
  const hello = {
    t: "hello",
    v: 1,
    app: "x".repeat(100_000),
    pid: 3,
    incarnation: ["beef", null],
    versions,
    heartbeatMs: "abc",
  };
  await conn.write(new TextEncoder().encode(JSON.stringify(hello) + "\n"));
  await deadline(connected.promise, "the hello");
  assert.equal(t.tail.hello?.heartbeatMs, 1000);
  assert.equal(Object.keys(t.tail.hello?.versions ?? {}).length, 64);
  assert.equal(t.tail.hello?.app, undefined);
  await conn.write(new TextEncoder().encode('{"t":"goodbye","reason":"x"}\n'));
  conn.close();
  listener.close();
});

Deno.test("AppTail records the app's death when the connection ends without a goodbye", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/fake.sock`;
  const listener = Deno.listen({ transport: "unix", path: socketPath });
  await using t = await tail(dir.path, socketPath);
  const conn = await listener.accept();
  const connected = Promise.withResolvers<void>();
  const died = Promise.withResolvers<string>();
  t.recorder.onEvent((e) => {
    if (String(e.format).includes("connected, incarnation")) {
      connected.resolve();
    }
    if (e.app_died === true) died.resolve(String(e.why));
  });
  const hello = {
    t: "hello",
    v: 1,
    app: "mortal",
    pid: 7,
    incarnation: ["cafe", null],
    versions: {},
    heartbeatMs: 1000,
    writesIncidents: false,
    time: 0,
  };
  await conn.write(new TextEncoder().encode(JSON.stringify(hello) + "\n"));
  await deadline(connected.promise, "the hello");
  conn.close();
  listener.close();
  assert.equal(
    await deadline(died.promise, "the death"),
    "the connection closed",
  );
  assert.equal(t.tail.stats.appDeaths, 1);
  assert.equal(t.tail.hello?.app, "mortal");
});

Deno.test("AppTail skips a line over the protocol's limit, says so, and reads on", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/fake.sock`;
  const listener = Deno.listen({ transport: "unix", path: socketPath });
  await using t = await tail(dir.path, socketPath);
  const conn = await listener.accept();
  const saidGoodbye = Promise.withResolvers<void>();
  t.recorder.onEvent((e) => {
    if (String(e.format).startsWith("app said goodbye")) saidGoodbye.resolve();
  });
  const enc = new TextEncoder();
  const hello = { t: "hello", v: 1, pid: 1, incarnation: ["long", null] };
  await conn.write(enc.encode(JSON.stringify(hello) + "\n"));
  const chunk = enc.encode("x".repeat(1024 * 1024));
  for (let i = 0; i < 17; i++) {
    let off = 0;
    while (off < chunk.length) off += await conn.write(chunk.subarray(off));
  }
  const event = {
    num: 0,
    time: 1,
    incarnation: ["long", null],
    level: 20,
    message: "after",
  };
  await conn.write(
    enc.encode(
      `\n${
        JSON.stringify({ t: "events", events: [event] })
      }\n{"t":"goodbye","reason":"x"}\n`,
    ),
  );
  await deadline(saidGoodbye.promise, "the goodbye");
  conn.close();
  listener.close();
  assert.equal(t.tail.stats.linesTooLong, 1);
  assert.equal(t.tail.stats.eventsReceived, 1);
  assert.equal(t.tail.stats.appDeaths, 0);
  assert(
    t.recorder.snapshot().some((e) =>
      String(e.format).includes("over the limit")
    ),
  );
});
