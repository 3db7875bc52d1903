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
      v: 2,
      app: "odd",
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
  const notes = t.recorder.snapshot().map((e) => String(e.format));
  assert.ok(
    notes.some((f) => f.startsWith("app speaks protocol v%(v)s")),
    "the version mismatch is noted",
  );
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
    v: 2,
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
