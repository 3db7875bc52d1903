// Tailing an app's socket: a fake app on a real Unix socket, speaking the
// protocol (or not) line by line.
import assert from "node:assert/strict";
import type { FlogEvent } from "../lib/flog_event.ts";
import { FlightRecorder } from "../lib/recorder.ts";
import { IncidentStore } from "../store/sqlite/store.ts";
import { AppTail } from "../sidecar/tail.ts";
import { deadline, tempDir } from "./_util.ts";

const enc = new TextEncoder();

/**
 * A fake app listening on a socket in `dir`, an AppTail (into a fresh
 * recorder) connected to it, and ways to talk and to wait for notes.
 */
async function fakeApp(dir: string) {
  const socketPath = `${dir}/fake.sock`;
  const listener = Deno.listen({ transport: "unix", path: socketPath });
  const recorder = new FlightRecorder();
  const tail = new AppTail(recorder, {
    store: await IncidentStore.open(`${dir}/store`),
  });
  tail.follow(socketPath);
  const conn = await listener.accept();
  let open = true;
  const hangUp = () => {
    if (!open) return;
    open = false;
    conn.close();
    listener.close();
  };
  return {
    tail,
    recorder,
    conn,
    /** Sends each item as one line (objects as JSON). */
    async send(...lines: unknown[]) {
      const text =
        lines.map((l) => typeof l === "string" ? l : JSON.stringify(l))
          .join("\n") + "\n";
      const bytes = enc.encode(text);
      let off = 0;
      while (off < bytes.length) off += await conn.write(bytes.subarray(off));
    },
    /** Resolves with the first recorded event that `matches`. */
    noted(
      matches: (e: FlogEvent) => boolean,
      what: string,
    ): Promise<FlogEvent> {
      const { promise, resolve } = Promise.withResolvers<FlogEvent>();
      const off = recorder.onEvent((e) => {
        if (matches(e)) {
          off();
          resolve(e);
        }
      });
      return deadline(promise, what);
    },
    hangUp,
    async [Symbol.asyncDispose]() {
      hangUp();
      await tail.close();
      await recorder.close();
    },
  };
}

const formatStarts = (prefix: string) => (e: FlogEvent) =>
  String(e.format).startsWith(prefix);
const hello = (fields: Record<string, unknown> = {}) => ({
  t: "hello",
  v: 1,
  app: "fake",
  pid: 1,
  incarnation: ["feed", null],
  versions: {},
  heartbeatMs: 1000,
  writesIncidents: false,
  time: 0,
  ...fields,
});
const event = (fields: Record<string, unknown> = {}) => ({
  num: 0,
  time: Date.now() / 1000,
  incarnation: ["feed", null],
  level: 20,
  message: "ok",
  ...fields,
});

Deno.test("AppTail skips bad lines and malformed messages, and takes them for no crash", async () => {
  await using dir = await tempDir();
  await using app = await fakeApp(dir.path);
  const goodbye = app.noted(formatStarts("app said goodbye"), "the goodbye");
  const e = event();
  await app.send(
    hello(),
    "this is not JSON",
    { t: "events", events: "not a list" },
    { t: "events", events: [e, e, null, { no: "num" }] },
    { t: "something-new", x: 1 },
    { t: "goodbye", reason: "done" },
  );
  await goodbye;
  app.hangUp();
  assert.equal(app.tail.stats.eventsReceived, 1);
  assert.equal(app.tail.stats.duplicates, 1);
  assert.equal(app.tail.stats.appDeaths, 0);
  assert.equal(app.tail.stats.eventsRefused, 2); // null and { no: "num" }
});

Deno.test("AppTail refuses another protocol version, without taking it for a crash", async () => {
  await using dir = await tempDir();
  await using app = await fakeApp(dir.path);
  await app.send(hello({ v: 9, app: "future" }));
  // The sidecar hangs up on it.
  assert.equal(
    await deadline(app.conn.read(new Uint8Array(16)), "the hang-up"),
    null,
  );
  app.hangUp();
  assert.equal(app.tail.stats.protocolMismatches, 1);
  assert.equal(app.tail.stats.appDeaths, 0);
  assert.equal(app.tail.hello, undefined);
});

Deno.test("AppTail bounds the hello: a bad heartbeat is the default, a huge versions map is cut", async () => {
  await using dir = await tempDir();
  await using app = await fakeApp(dir.path);
  const connected = app.noted(
    (e) => String(e.format).includes("connected, incarnation"),
    "the hello",
  );
  const versions = Object.fromEntries(
    Array.from({ length: 5000 }, (_, i) => [`k${i}`, "v"]),
  );
  await app.send(
    hello({ app: "x".repeat(100_000), versions, heartbeatMs: "abc" }),
  );
  await connected;
  assert.equal(app.tail.hello?.heartbeatMs, 1000);
  assert.equal(Object.keys(app.tail.hello?.versions ?? {}).length, 64);
  assert.equal(app.tail.hello?.app, undefined);
  await app.send({ t: "goodbye", reason: "x" });
});

Deno.test("AppTail records the app's death when the connection ends without a goodbye", async () => {
  await using dir = await tempDir();
  await using app = await fakeApp(dir.path);
  const connected = app.noted(
    (e) => String(e.format).includes("connected, incarnation"),
    "the hello",
  );
  const died = app.noted((e) => e.app_died === true, "the death");
  await app.send(hello({ app: "mortal", pid: 7, incarnation: ["cafe", null] }));
  await connected;
  app.hangUp();
  assert.equal(String((await died).why), "the connection closed");
  assert.equal(app.tail.stats.appDeaths, 1);
  assert.equal(app.tail.hello?.app, "mortal");
});

Deno.test("AppTail skips a line over the protocol's limit, says so, and reads on", async () => {
  await using dir = await tempDir();
  await using app = await fakeApp(dir.path);
  const goodbye = app.noted(formatStarts("app said goodbye"), "the goodbye");
  await app.send(hello({ incarnation: ["long", null] }));
  const chunk = enc.encode("x".repeat(1024 * 1024));
  for (let i = 0; i < 17; i++) {
    let off = 0;
    while (off < chunk.length) off += await app.conn.write(chunk.subarray(off));
  }
  await app.send(
    "",
    {
      t: "events",
      events: [event({ incarnation: ["long", null], message: "after" })],
    },
    { t: "goodbye", reason: "x" },
  );
  await goodbye;
  app.hangUp();
  assert.equal(app.tail.stats.linesTooLong, 1);
  assert.equal(app.tail.stats.eventsReceived, 1);
  assert.equal(app.tail.stats.appDeaths, 0);
  assert(
    app.recorder.snapshot().some((e) =>
      String(e.format).includes("over the limit")
    ),
  );
});

/** Everything the tail wrote to the fake app, once the tail has closed. */
async function answers(app: Awaited<ReturnType<typeof fakeApp>>) {
  await app.tail.close();
  const buffer = new Uint8Array(1024);
  let text = "";
  for (let i = 0; i < 100; i++) {
    const n = await deadline(app.conn.read(buffer), "the tail's hang-up");
    if (n === null) break;
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return text;
}

const appEvents = (app: Awaited<ReturnType<typeof fakeApp>>) =>
  app.recorder.snapshot().filter((e) => e.incarnation[0] === "feed");

Deno.test("AppTail reads a v1 app (no speaks) as v1 and answers nothing", async () => {
  await using dir = await tempDir();
  await using app = await fakeApp(dir.path);
  const goodbye = app.noted(formatStarts("app said goodbye"), "the goodbye");
  await app.send(
    hello(),
    { t: "events", events: [event({ num: 0 }), event({ num: 1, user: "a" })] },
    { t: "goodbye", reason: "done" },
  );
  await goodbye;
  assert.equal(await answers(app), "");
  assert.deepEqual(appEvents(app).map((e) => [e.num, e.user]), [
    [0, undefined],
    [1, "a"],
  ]);
});

Deno.test("AppTail picks v2 from a hello that speaks it, and records batches as the v1 events they stand for", async () => {
  await using dir = await tempDir();
  await using app = await fakeApp(dir.path);
  const goodbye = app.noted(formatStarts("app said goodbye"), "the goodbye");
  const v1 = [event({ num: 0, user: "a" }), event({ num: 1, id: 2 })];
  await app.send(
    hello({ speaks: [1, 2, 9] }),
    { t: "events", events: [v1[0]], history: true },
    {
      t: "batch",
      keys: [Object.keys(v1[1]).map((k) => k === "incarnation" ? null : k)],
      rows: [0, ...Object.values(v1[1]).filter((v) => !Array.isArray(v))],
    },
    { t: "batch", keys: [["num"]], rows: [3] },
    { t: "goodbye", reason: "done" },
  );
  await goodbye;
  assert.equal(await answers(app), '{"t":"pick","v":2}\n');
  assert.deepEqual(
    appEvents(app).map((e) => JSON.stringify(e)),
    v1.map((e) => JSON.stringify(e)),
  );
  assert.equal(app.tail.stats.eventsRefused, 1); // the event that does not fit
});

Deno.test("AppTail reads on to the goodbye when the app hung up before its v2 answer went out", async () => {
  await using dir = await tempDir();
  // The interleaving of a loaded machine, forced: the app sends all (hello,
  // events, goodbye) and closes before the tail writes its pick.
  const hungUp = Promise.withResolvers<void>();
  const realConnect = Deno.connect;
  const held = async (options: Deno.UnixConnectOptions) => {
    const conn = await realConnect(options);
    return {
      readable: conn.readable,
      close: () => conn.close(),
      write: async (p: Uint8Array) => {
        await hungUp.promise;
        return await conn.write(p);
      },
    } as unknown as Deno.UnixConn;
  };
  Object.defineProperty(Deno, "connect", { value: held, configurable: true });
  let app: Awaited<ReturnType<typeof fakeApp>>;
  try {
    app = await fakeApp(dir.path);
  } finally {
    Object.defineProperty(Deno, "connect", {
      value: realConnect,
      configurable: true,
    });
  }
  await using _app = app;
  const end = app.noted(
    (e) => e.app_died === true || formatStarts("app said goodbye")(e),
    "the goodbye or the death",
  );
  await app.send(
    hello({ speaks: [1, 2] }),
    { t: "events", events: [event({ num: 0 }), event({ num: 1, level: 23 })] },
    { t: "goodbye", reason: "bye" },
  );
  app.hangUp();
  hungUp.resolve();
  assert.equal(String((await end).format), "app said goodbye: %(reason)s");
  assert.deepEqual(appEvents(app).map((e) => e.num), [0, 1]);
  assert.equal(app.tail.stats.appDeaths, 0);
});
