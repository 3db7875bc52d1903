import assert from "node:assert/strict";
import { listIncidents } from "../lib/incidents.ts";
import { Proc, readIncident, ROOT, tempDir } from "./_util.ts";
import { createLogger } from "../lib/create_logger.ts";
import { withContext } from "../lib/context.ts";
import { requestContext } from "../lib/request_context.ts";

Deno.test("requestContext() with isolateBy: the failing request's incident holds its events and no other request's", async () => {
  await using dir = await tempDir();
  const app = new Proc([
    "run",
    "-A",
    `${ROOT}tests/apps/serve_app.ts`,
    dir.path,
  ]);
  const port = await app.waitFor("READY ").catch(async (e) => {
    await app.stop();
    throw e;
  });
  const url = `http://127.0.0.1:${port}`;
  const auth = { authorization: "Bearer top-secret-token" };
  const responses = await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) =>
        fetch(`${url}/${i === 13 ? "fail" : `ok${i}`}`, { headers: auth })
          .then(async (r) => ({ status: r.status, body: await r.text() })),
    ),
  );
  assert.equal(responses.filter((r) => r.status === 500).length, 1);
  await (await fetch(`${url}/quit`)).text();
  assert.equal((await app.stop("SIGCONT")).code, 0); // it exits by itself

  const [incident] = await listIncidents(dir.path);
  const { header, events } = await readIncident(incident.path);
  const isolated = header.isolated as { key: string; value: string };
  assert.equal(isolated.key, "requestId");
  const ids = new Set(events.map((r) => r.d.requestId));
  ids.delete(undefined);
  assert.deepEqual([...ids], [isolated.value], "only the failing request");
  const paths = events.map((r) => r.d.path).filter((p) => p !== undefined);
  assert(paths.every((p) => p === "/fail"), paths.join(" "));
  // Its own events, all of them: request, three steps, the error, done.
  assert.equal(events.length, 6, events.map((r) => r.d.format).join(" | "));
  // The bearer token never reached the file.
  const text = await new Response(
    (await Deno.open(incident.path)).readable.pipeThrough(
      new DecompressionStream("gzip"),
    ),
  ).text();
  assert(!text.includes("top-secret-token"));
  assert(text.includes("[REDACTED]"));
});

/** Starts the throwing app; returns it and its URL. */
async function throwingApp(dir: string) {
  const app = new Proc([
    "run",
    "-A",
    `${ROOT}tests/apps/throwing_serve_app.ts`,
    dir,
  ]);
  const port = await app.waitFor("READY ").catch(async (e) => {
    await app.stop();
    throw e;
  });
  return { app, url: `http://127.0.0.1:${port}` };
}

Deno.test("requestContext({ logger }): a handler that throws leaves one incident holding only that request's events", async () => {
  await using dir = await tempDir();
  const { app, url } = await throwingApp(dir.path);
  const statuses = await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) =>
        fetch(`${url}/${i === 7 ? "fail" : `ok${i}`}`)
          .then(async (r) => (await r.body?.cancel(), r.status)),
    ),
  );
  // Re-thrown: Deno.serve answered 500 as it does without flightlog.
  assert.deepEqual(statuses.filter((s) => s === 500).length, 1);
  await (await fetch(`${url}/quit`)).text();
  assert.equal((await app.stop("SIGCONT")).code, 0);

  const incidents = await listIncidents(dir.path);
  assert.equal(incidents.length, 1);
  const { header, events } = await readIncident(incidents[0].path);
  const trigger = header.trigger!;
  assert.equal(trigger.level, 35);
  assert.equal(trigger.isError, 1);
  assert.equal(trigger.method, "GET");
  assert.equal(trigger.path, "/fail");
  assert.match(trigger.failure!.str, /payment provider timed out/);
  assert.match(trigger.failure!.str, /Caused by: Error: socket hang up/);
  const isolated = header.isolated as { value: string };
  const ids = new Set(events.map((r) => r.d.requestId));
  ids.delete(undefined);
  assert.deepEqual([...ids], [isolated.value]);
  // The request, its three steps, and the failure.
  assert.equal(events.length, 5, events.map((r) => r.d.format).join(" | "));
});

Deno.test("an unhandled rejection started inside a request is recorded in that request's context", async () => {
  await using dir = await tempDir();
  const { app, url } = await throwingApp(dir.path);
  await (await fetch(`${url}/ok`)).text();
  await (await fetch(`${url}/orphan`)).text();
  // installGlobalHandlers() finishes the incident and exits 1.
  assert.equal((await app.stop("SIGCONT")).code, 1);
  const [incident] = await listIncidents(dir.path);
  const { header, events } = await readIncident(incident.path);
  assert.equal(header.trigger!.level, 40);
  assert.match(String(header.trigger!.why), /RangeError: background write/);
  const value = (header.isolated as { value: string }).value;
  assert.equal(header.trigger!.requestId, value);
  const paths = events.map((r) => r.d.path).filter((p) => p !== undefined);
  assert(
    paths.length >= 4 && paths.every((p) => p === "/orphan"),
    String(paths),
  );
});

const INFO = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
  completed: Promise.resolve(),
} as unknown as Deno.ServeHandlerInfo<Deno.NetAddr>;

Deno.test("requestContext() releases a request's isolated buffer when it ends without an incident", async () => {
  const log = createLogger({ isolateBy: "requestId" });
  const seen: number[] = [];
  const handler = requestContext(async () => {
    log.info("working");
    await Promise.resolve();
    seen.push(log.recorder.isolation!.size);
    return new Response("ok");
  });
  for (let i = 0; i < 5; i++) await handler(new Request("http://x/a"), INFO);
  assert.deepEqual(seen, [1, 1, 1, 1, 1]);
  assert.equal(log.recorder.isolation!.size, 0);
  assert.equal(log.recorder.isolation!.released, 5);
  await log.close();
});

Deno.test("requestContext() keeps the buffer of a request whose incident is being recorded", async () => {
  await using dir = await tempDir();
  const log = createLogger({
    isolateBy: "requestId",
    incidentDir: dir.path,
    trailingMs: 60_000,
    announce: false,
  });
  const handler = requestContext(() => {
    log.info("working");
    log.weird("slow");
    return new Response("ok");
  }, { logger: log });
  await handler(new Request("http://x/a"), INFO);
  assert.equal(log.recorder.isolation!.size, 1);
  await log.close();
});

Deno.test("requestContext({ respond500: true }) records the error and answers 500 itself", async () => {
  const log = createLogger();
  const handler = requestContext(() => {
    throw new Error("nope");
  }, { logger: log, respond500: true });
  const res = await handler(
    new Request("http://x/p?q=1", { method: "POST" }),
    INFO,
  );
  assert.equal(res.status, 500);
  await res.body?.cancel();
  const [e] = log.snapshot().filter((e) => e.isError === 1);
  assert.deepEqual([e.method, e.path, e.level], ["POST", "/p", 35]);
  await log.close();
});

Deno.test("log.discard() drops the current context's buffer; log.flush() waits for its incident first", async () => {
  await using dir = await tempDir();
  const log = createLogger({
    isolateBy: "requestId",
    incidentDir: dir.path,
    trailingMs: 60_000,
    announce: false,
  });
  const isolation = log.recorder.isolation!;
  await withContext({ requestId: "a" }, () => {
    log.info("one");
    assert.equal(isolation.size, 1);
    log.discard();
    assert.equal(isolation.size, 0);
  });
  await withContext({ requestId: "b" }, async () => {
    log.info("two");
    log.weird("three");
    assert.equal(log.incidents.length, 0);
    const flushed = log.flush();
    await Promise.race([flushed, Promise.resolve()]);
    assert.equal(isolation.size, 1);
    await log.close(); // finishes the incident: flush() resolves
    await flushed;
    assert.equal(isolation.size, 0);
  });
});

Deno.test("requestContext() releases the buffer of the key the logger isolates by, from fields(req) too", async () => {
  const log = createLogger({ isolateBy: "session" });
  const handler = requestContext(() => {
    log.info("working");
    return new Response("ok");
  }, { fields: (req) => ({ session: req.headers.get("x-session") }) });
  await handler(
    new Request("http://x/a", { headers: { "x-session": "s1" } }),
    INFO,
  );
  assert.equal(log.recorder.isolation!.size, 0);
  assert.equal(log.recorder.isolation!.released, 1);
  await log.close();
});
