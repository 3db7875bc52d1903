// End to end: the app and the sidecar as real subprocesses, talking over a
// Unix socket in a temp dir; the test talks to the sidecar's HTTP API.
import assert from "node:assert/strict";
import { createLogger, publish } from "../mod.ts";
import {
  deadline,
  nextSse,
  Proc,
  ROOT,
  type SseEvent,
  sseEvents,
  tempDir,
} from "./_util.ts";
import { startSidecar as startInProcess } from "./_server_util.ts";

const SIDECAR = `${ROOT}cli/sidecar.ts`;
const APP = `${ROOT}tests/apps/publishing_app.ts`;

interface Running {
  proc: Proc;
  url: string;
  token: string;
  get(path: string): Promise<Response>;
  incidents(): Promise<Record<string, unknown>[]>;
  subscribe(
    lastEventId?: string,
  ): Promise<AsyncGenerator<SseEvent> & { cancel(): Promise<void> }>;
}

async function startSidecar(
  dir: string,
  socket: string,
  ...extra: string[]
): Promise<Running> {
  const proc = new Proc([
    "run",
    "-A",
    SIDECAR,
    "--dir",
    `${dir}/store`,
    "--socket",
    socket,
    "--listen",
    "127.0.0.1:0",
    ...extra,
  ]);
  const url = await proc.waitFor("flightlog sidecar listening on ");
  const tokenFile = await proc.waitFor("token file: ");
  assert.equal((await Deno.stat(tokenFile)).mode! & 0o777, 0o600);
  const token = (await Deno.readTextFile(tokenFile)).trim();
  const get = (path: string, headers: HeadersInit = {}) =>
    fetch(url + path, {
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
  return {
    proc,
    url,
    token,
    get,
    async incidents() {
      return (await (await get("/v1/incidents")).json()).incidents;
    },
    async subscribe(lastEventId?: string) {
      const res = await get(
        "/v1/incidents/stream",
        lastEventId ? { "last-event-id": lastEventId } : {},
      );
      assert.equal(res.status, 200);
      return sseEvents(res);
    },
  };
}

/** Starts the test app; unless told otherwise, waits for the sidecar to connect. */
async function startApp(
  socket: string,
  heartbeatMs = 1000,
  waitForReader = true,
): Promise<Proc> {
  const app = new Proc(["run", "-A", APP, socket, String(heartbeatMs)], true);
  await app.waitFor("READY ");
  if (waitForReader) await app.command("wait-reader");
  return app;
}

const incidentOf = (e: SseEvent) => JSON.parse(e.data);

Deno.test("flightlog sidecar started before the app records a WEIRD event and a SIGKILL as incidents", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/app.sock`;
  const sidecar = await startSidecar(dir.path, socket, "--trailing-ms", "300");
  const stream = await sidecar.subscribe();
  const app = await startApp(socket); // the sidecar was retrying all along
  await app.command("log info request 1 served");
  await app.command("log WEIRD disk on fire");
  const first = incidentOf(await nextSse(stream, "the WEIRD incident"));
  assert.equal(first.summary, "disk on fire");
  assert.equal(first.app, "testapp");
  assert.equal(first.pid, app.child.pid);
  const json =
    await (await sidecar.get(`/v1/incidents/${first.name}?format=json`)).json();
  const [header, ...events] = json.records;
  assert.equal(header.header.versions.testapp, "9.9");
  assert.equal(header.header.recorded_by, "flightlog sidecar");
  const texts = events.map((r: { d: { format: string } }) => r.d.format);
  assert.ok(texts.includes("testapp started"));
  assert.ok(texts.includes("request 1 served"));

  await app.stop("SIGKILL");
  const crash = incidentOf(await nextSse(stream, "the crash incident"));
  assert.match(
    crash.summary,
    /^app testapp \(pid \d+\) went away without a goodbye: the connection closed$/,
  );
  assert.equal(crash.level, 40);
  assert.equal((await sidecar.incidents()).length, 2);
  // The crash incident holds the app's last buffered events.
  const records =
    (await (await sidecar.get(`/v1/incidents/${crash.name}?format=json`))
      .json()).records;
  assert.ok(
    records.some((r: { d?: { format: string } }) =>
      r.d?.format === "disk on fire"
    ),
  );

  // The app comes back: a new incarnation, noticed and recorded.
  const again = await startApp(socket);
  await again.command("log SCARY after the restart");
  const third = incidentOf(
    await nextSse(stream, "the incident after the restart"),
  );
  assert.equal(third.pid, again.child.pid);
  const notes =
    (await (await sidecar.get(`/v1/incidents/${third.name}?format=json`))
      .json()).records
      .map((r: { d?: { format: string } }) => r.d?.format);
  assert.ok(
    notes.some((f: string) => f?.startsWith("app %(app)s restarted")),
    "the restart is in the history",
  );
  await again.stop("SIGKILL");
  await nextSse(stream, "the second crash incident");

  await stream.cancel();
  assert.equal((await sidecar.proc.stop("SIGTERM")).code, 0);
});

Deno.test("flightlog sidecar records a BAD event and the death right after it as one incident", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/app.sock`;
  const sidecar = await startSidecar(dir.path, socket, "--trailing-ms", "1500");
  const app = await startApp(socket);
  const stream = await sidecar.subscribe();
  await app.command("log BAD fatal: out of memory");
  await app.stop("SIGKILL"); // within the incident's trailing window
  const incident = incidentOf(await nextSse(stream, "the incident"));
  assert.equal(incident.summary, "fatal: out of memory");
  // The death was recorded in that incident, not in a second one.
  const records =
    (await (await sidecar.get(`/v1/incidents/${incident.name}?format=json`))
      .json()).records;
  assert.ok(
    records.some((r: { d?: { app_died?: boolean } }) => r.d?.app_died === true),
  );
  assert.equal((await sidecar.incidents()).length, 1);
  await stream.cancel();
  await sidecar.proc.stop();
});

Deno.test("flightlog sidecar, restarted, catches up from the app's buffers and keeps what it stored", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/app.sock`;
  const app = await startApp(socket, 1000, false);
  let sidecar = await startSidecar(dir.path, socket, "--trailing-ms", "100");
  await app.command("wait-reader");
  let stream = await sidecar.subscribe();
  await app.command("log WEIRD first failure");
  const first = incidentOf(await nextSse(stream, "the first incident"));
  await stream.cancel();
  assert.equal((await sidecar.proc.stop("SIGTERM")).code, 0);

  await app.command("log info logged while the sidecar was down");
  sidecar = await startSidecar(dir.path, socket, "--trailing-ms", "100");
  stream = await sidecar.subscribe();
  const stored = await sidecar.incidents();
  assert.deepEqual(
    stored.map((s) => s.name),
    [first.name],
    "the first incident survived the restart",
  );
  await app.command("log SCARY second failure");
  const second = incidentOf(await nextSse(stream, "the second incident"));
  assert.equal(second.summary, "second failure");
  const records =
    (await (await sidecar.get(`/v1/incidents/${second.name}?format=json`))
      .json()).records;
  const texts = records.map((r: { d?: { format: string } }) => r.d?.format);
  assert.ok(
    texts.includes("logged while the sidecar was down"),
    "caught up from the app's history",
  );
  assert.ok(texts.includes("first failure"));
  // "first failure" came again in the catch-up, but was not recorded twice.
  assert.equal((await sidecar.incidents()).length, 2);
  await stream.cancel();
  await app.command("close"); // a clean goodbye: no crash incident
  await app.stop();
  assert.equal((await sidecar.proc.stop("SIGTERM")).code, 0);
  const after = await startSidecar(dir.path, socket);
  assert.equal((await after.incidents()).length, 2);
  await after.proc.stop();
});

Deno.test("flightlog sidecar takes a hung app (SIGSTOP) as dead after the heartbeat timeout", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/app.sock`;
  const sidecar = await startSidecar(
    dir.path,
    socket,
    "--trailing-ms",
    "100",
    "--heartbeat-timeout-ms",
    "800",
  );
  const app = await startApp(socket, 100);
  const stream = await sidecar.subscribe();
  await app.command("log info working");
  app.child.kill("SIGSTOP");
  const incident = incidentOf(await nextSse(stream, "the hang incident"));
  assert.match(
    incident.summary,
    /went away without a goodbye: no message for 800 ms \(hung\?\)/,
  );
  app.child.kill("SIGCONT");
  await app.stop("SIGKILL");
  await stream.cancel();
  await sidecar.proc.stop();
});

Deno.test("Sidecar stores the incidents of an app that writes its own, and writes no second one", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/app.sock`;
  await using log = createLogger({
    app: "selfish",
    incidentDir: `${dir.path}/app-incidents`,
    trailingMs: 0,
  });
  await using publisher = await publish(log, { socketPath });
  await using sidecar = await startInProcess(`${dir.path}/s`, { socketPath });
  await deadline(publisher.connected(), "the sidecar connecting");
  const stored = Promise.withResolvers<string>();
  sidecar.store.subscribe((s) => stored.resolve(s.summary));
  log.weird("written by the app itself");
  assert.equal(
    await deadline(stored.promise, "the imported incident"),
    "written by the app itself",
  );
  assert.equal(
    sidecar.recorder.stats.incidents,
    0,
    "the sidecar did not qualify the app's events",
  );
  assert.equal(sidecar.store.list()[0].origin, "local");
  assert.equal(sidecar.store.list()[0].name, log.incidents[0].name);
});

Deno.test("flightlog sidecar redacts secrets an app sends before they reach its store", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/app.sock`;
  const sidecar = await startSidecar(
    dir.path,
    socket,
    "--trailing-ms",
    "0",
    "--redact-key",
    "ssn",
  );
  const app = new Proc(
    ["run", "-A", APP, socket, "1000", "10000", "no-redact"],
    true,
  );
  try {
    await app.waitFor("READY ");
    await app.command("wait-reader");
    await app.command("log info calling https://svc:pa55word@api.example/x");
    await app.command("log info Authorization: Bearer abc.def.ghi");
    const stream = await sidecar.subscribe();
    await app.command("log WEIRD failed");
    const incident = incidentOf(await nextSse(stream, "the incident"));
    await stream.cancel();
    const text = JSON.stringify(
      await (await sidecar.get(`/v1/incidents/${incident.name}?format=json`))
        .json(),
    );
    assert(!text.includes("pa55word") && !text.includes("abc.def.ghi"), text);
    assert(text.includes("https://svc:[REDACTED]@api.example/x"));
  } finally {
    await app.stop();
    await sidecar.proc.stop();
  }
});

Deno.test("flightlog sidecar prints a JSON line per connection, incident, disconnection and death with --log-format json", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/app.sock`;
  const sidecar = await startSidecar(
    dir.path,
    socket,
    "--trailing-ms",
    "0",
    "--log-format",
    "json",
  );
  const app = await startApp(socket);
  const next = async () =>
    JSON.parse('{"time"' + await sidecar.proc.waitFor('{"time"'));
  try {
    const connected = await next();
    assert.equal(connected.event, "app connected");
    assert.equal(connected.app, "testapp");
    await app.command("log WEIRD trouble");
    const written = await next();
    assert.equal(written.event, "incident written");
    await app.stop("SIGKILL");
    const events: string[] = [];
    while (!events.includes("app died")) {
      events.push((await next()).event);
    }
    assert(events.includes("app disconnected"));
  } finally {
    await app.stop();
    await sidecar.proc.stop();
  }
});

Deno.test("Sidecar takes the incidents its app wrote while the sidecar was away", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/app.sock`;
  await using log = createLogger({
    app: "selfish",
    incidentDir: `${dir.path}/app-incidents`,
    trailingMs: 0,
  });
  await using _publisher = await publish(log, { socketPath });
  const written = Promise.withResolvers<void>();
  const off = log.onIncident(() => written.resolve());
  log.weird("while the sidecar was away");
  await deadline(written.promise, "the app's incident");
  off();
  const stored = Promise.withResolvers<void>();
  await using sidecar = await startInProcess(`${dir.path}/s`, { socketPath });
  const check = () =>
    sidecar.store.list().some((s) =>
      s.summary === "while the sidecar was away"
    ) && stored.resolve();
  sidecar.store.subscribe(check);
  check();
  await deadline(stored.promise, "the incident taken at connection");
});
