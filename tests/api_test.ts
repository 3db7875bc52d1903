// The sidecar's HTTP API, store and outbox, in process (real sockets and
// files; loopback only).
import assert from "node:assert/strict";
import { createLogger, publish } from "../mod.ts";
import {
  IncidentStore,
  parseSidecarArgs,
  Sidecar,
  type SidecarOptions,
} from "../sidecar/mod.ts";
import { deadline, nextSse, sseEvents, tempDir } from "./_util.ts";

/** Writes `n` real incidents with a logger; returns their paths. */
async function makeIncidents(
  dir: string,
  n: number,
  app = "maker",
): Promise<string[]> {
  const log = createLogger({
    incidentDir: dir,
    trailingMs: 0,
    app,
    rateLimit: false,
  });
  for (let i = 0; i < n; i++) {
    log.info("step {i}", { i });
    log.weird("failure number {i}", { i });
  }
  await log.close();
  return [...log.incidents].sort((a, b) => a.trigger.num - b.trigger.num).map((
    i,
  ) => i.path);
}

function client(sidecar: Sidecar, token = sidecar.token) {
  const auth = { authorization: `Bearer ${token}` };
  return {
    get: (path: string, headers: HeadersInit = {}) =>
      fetch(sidecar.url + path, { headers: { ...auth, ...headers } }),
    post: (path: string, body: BodyInit) =>
      fetch(sidecar.url + path, { method: "POST", headers: auth, body }),
  };
}

async function start(dir: string, extra: Partial<SidecarOptions> = {}) {
  return await Sidecar.start({
    dir,
    listen: { hostname: "127.0.0.1", port: 0 },
    ...extra,
  });
}

Deno.test("auth, validation and limits: 401, traversal, oversized and bad bodies, /healthz, /metrics", async () => {
  await using dir = await tempDir();
  await using sidecar = await start(`${dir.path}/s`, { maxBodyBytes: 4096 });
  const health = await fetch(`${sidecar.url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal((await health.json()).ok, true);
  for (
    const headers of [
      {},
      { authorization: "Bearer wrong" },
      { authorization: "Basic x" },
    ] as Record<string, string>[]
  ) {
    const res = await fetch(`${sidecar.url}/v1/incidents`, { headers });
    assert.equal(res.status, 401);
    assert.match((await res.json()).error, /bearer token/);
  }
  const c = client(sidecar);
  for (
    const bad of [
      "..%2F..%2Fetc%2Fpasswd",
      "index.jsonl",
      "token",
      "incident-x.flog.gz",
      "%E0%A4%A",
    ]
  ) {
    const res = await c.get(`/v1/incidents/${bad}`);
    assert.equal(res.status, 400, bad);
    assert.match((await res.json()).error, /bad incident name/);
  }
  const missing = await c.get(
    "/v1/incidents/incident-2026-01-01--00-00-00Z-aaaaaaa.flog.gz",
  );
  assert.equal(missing.status, 404);
  await missing.body?.cancel();

  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  const name = path.slice(path.lastIndexOf("/") + 1);
  const traversal = await c.post(
    `/v1/incidents?name=../../x.flog.gz`,
    await Deno.readFile(path),
  );
  assert.equal(traversal.status, 400);
  await traversal.body?.cancel();
  const big = await c.post(
    `/v1/incidents?name=${name}`,
    new Uint8Array(10_000),
  );
  assert.equal(big.status, 413);
  await big.body?.cancel();
  const notGzip = await c.post(`/v1/incidents?name=${name}`, "hello");
  assert.equal(notGzip.status, 400);
  assert.match((await notGzip.json()).error, /not gzip/);
  const res = await c.get("/v1/nothing");
  assert.equal(res.status, 404);
  await res.body?.cancel();
  const wrongMethod = await fetch(`${sidecar.url}/v1/incidents/stream`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${sidecar.token}` },
  });
  assert.equal(wrongMethod.status, 405);
  await wrongMethod.body?.cancel();

  const metrics = await (await c.get("/metrics")).text();
  const samples = new Map<string, number>();
  for (const line of metrics.split("\n")) {
    if (
      line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")
    ) continue;
    const m = /^([a-z_]+)\{app="[^"]*"\} (-?\d+(?:\.\d+)?)$/.exec(line);
    assert.ok(m, `not Prometheus text: ${line}`);
    samples.set(m[1], Number(m[2]));
  }
  for (
    const name of [
      "flightlog_events_received_total",
      "flightlog_events_dropped_total",
      "flightlog_incidents_written_total",
      "flightlog_pushes_pending",
      "flightlog_pushes_failed_total",
      "flightlog_app_connected",
    ]
  ) {
    assert.ok(samples.has(name), name);
  }
});

Deno.test("POST is idempotent by name; GET returns the bytes or parsed records; list filters", async () => {
  await using dir = await tempDir();
  await using sidecar = await start(`${dir.path}/s`);
  const c = client(sidecar);
  const paths = [
    ...await makeIncidents(`${dir.path}/a`, 2, "alpha"),
    ...await makeIncidents(`${dir.path}/b`, 1, "beta"),
  ];
  for (const path of paths) {
    const name = path.slice(path.lastIndexOf("/") + 1);
    const first = await c.post(
      `/v1/incidents?name=${name}`,
      await Deno.readFile(path),
    );
    assert.equal(first.status, 201);
    assert.equal((await first.json()).status, "created");
    const again = await c.post(
      `/v1/incidents?name=${name}`,
      await Deno.readFile(path),
    );
    assert.equal(again.status, 200);
    assert.equal((await again.json()).status, "exists");
  }
  const all = (await (await c.get("/v1/incidents")).json()).incidents;
  assert.equal(all.length, 3);
  assert.ok(
    all.every((s: { path?: string }) => s.path === undefined),
    "no local paths leak",
  );
  assert.equal(
    (await (await c.get("/v1/incidents?app=alpha")).json()).incidents.length,
    2,
  );
  assert.equal(
    (await (await c.get("/v1/incidents?limit=1")).json()).incidents.length,
    1,
  );
  assert.equal(
    (await (await c.get(`/v1/incidents?since=${Date.now() + 60_000}`)).json())
      .incidents.length,
    0,
  );
  const badSince = await c.get("/v1/incidents?since=yesterday-ish");
  assert.equal(badSince.status, 400);
  await badSince.body?.cancel();
  const name = all[0].name;
  const bytes = new Uint8Array(
    await (await c.get(`/v1/incidents/${name}`)).arrayBuffer(),
  );
  assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b]);
  const parsed = await (await c.get(`/v1/incidents/${name}?format=json`))
    .json();
  assert.equal(parsed.records[0].header.type, "incident");
});

Deno.test("incident stream: pushes new incidents; Last-Event-ID resumes without gaps", async () => {
  await using dir = await tempDir();
  await using sidecar = await start(`${dir.path}/s`);
  const c = client(sidecar);
  const paths = await makeIncidents(`${dir.path}/src`, 3);
  const post = async (path: string) => {
    const res = await c.post(
      `/v1/incidents?name=${path.slice(path.lastIndexOf("/") + 1)}`,
      await Deno.readFile(path),
    );
    assert.equal(res.status, 201);
    await res.body?.cancel();
  };
  const stream = sseEvents(await c.get("/v1/incidents/stream"));
  await post(paths[0]);
  const first = await nextSse(stream, "the first incident");
  assert.equal(first.event, "incident");
  assert.equal(JSON.parse(first.data).summary, "failure number 0");
  await stream.cancel(); // the subscriber goes away...
  await post(paths[1]); // ...and misses two incidents
  await post(paths[2]);
  const resumed = sseEvents(
    await c.get("/v1/incidents/stream", { "last-event-id": first.id! }),
  );
  const a = await nextSse(resumed, "the first missed incident");
  const b = await nextSse(resumed, "the second missed incident");
  assert.deepEqual([a.id, b.id], [
    String(Number(first.id) + 1),
    String(Number(first.id) + 2),
  ]);
  assert.deepEqual([JSON.parse(a.data).summary, JSON.parse(b.data).summary], [
    "failure number 1",
    "failure number 2",
  ]);
  await resumed.cancel();
});

Deno.test("events stream: the app's live events, filtered by level and facility", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/app.sock`;
  await using log = createLogger({ app: "live" });
  await using publisher = await publish(log, { socketPath });
  await using sidecar = await start(`${dir.path}/s`, { socketPath });
  await deadline(publisher.connected(), "the sidecar connecting");
  const stream = sseEvents(
    await client(sidecar).get("/v1/events/stream?level=UNUSUAL&facility=db"),
  );
  const db = log.child("db");
  db.debug("too low");
  log.child("web").warn("other facility");
  log.child("dbx").warn("not below db");
  db.child("pool").warn("pool exhausted");
  const e = await nextSse(stream, "the matching event");
  assert.equal(e.event, "event");
  assert.equal(JSON.parse(e.data).format, "pool exhausted");
  await stream.cancel();
  const bad = await client(sidecar).get("/v1/events/stream?level=LOUD");
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
});

Deno.test("push to a peer that is down at first arrives after it starts, across a restart, once", async () => {
  await using dir = await tempDir();
  // Reserve a port for the peer, then free it: the peer is down.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const peerUrl = `http://127.0.0.1:${port}`;
  const peerToken = "peer-token-0123456789";
  const options = {
    peers: [{ url: peerUrl, token: peerToken }],
    outbox: { baseDelayMs: 20, maxDelayMs: 200 },
  };
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  const name = path.slice(path.lastIndexOf("/") + 1);
  let sender = await start(`${dir.path}/sender`, options);
  const res = await client(sender).post(
    `/v1/incidents?name=${name}`,
    await Deno.readFile(path),
  );
  assert.equal(res.status, 201);
  await res.body?.cancel();
  assert.equal(sender.outbox.stats.pending, 1);
  await sender.close(); // the sender restarts while the peer is still down
  sender = await start(`${dir.path}/sender`, options);
  assert.equal(
    sender.outbox.stats.pending,
    1,
    "the outbox survived the restart",
  );

  await using peer = await start(`${dir.path}/peer`, {
    listen: { hostname: "127.0.0.1", port },
    token: peerToken,
  });
  const arrived = Promise.withResolvers<string>();
  peer.store.subscribe((s) => arrived.resolve(s.name));
  assert.equal(await deadline(arrived.promise, "the delivery"), name);
  await deadline(
    (async () => {
      while (sender.outbox.stats.pending > 0) {
        await new Promise((r) => setTimeout(r, 10));
      }
    })(),
    "the acknowledgement",
  );
  assert.equal(sender.outbox.stats.delivered, 1);
  assert.ok(sender.outbox.stats.failed > 0, "it did retry");
  assert.equal(peer.store.list().length, 1);
  assert.equal(peer.store.list()[0].origin, "peer");
  await sender.close();
});

Deno.test("store: index survives restarts, is reconciled with the folder, retention bounds it", async () => {
  await using dir = await tempDir();
  const paths = await makeIncidents(dir.path, 5);
  const store = await IncidentStore.open(dir.path);
  assert.equal(store.list().length, 5);
  const index = (await Deno.readTextFile(`${dir.path}/index.jsonl`)).trim()
    .split("\n");
  assert.equal(index.length, 5);
  assert.ok(!index[0].includes(dir.path), "the index holds names, not paths");
  // Remove one file and cut the index's last line in half: both are repaired.
  await Deno.remove(paths[0]);
  await Deno.writeTextFile(
    `${dir.path}/index.jsonl`,
    index.join("\n").slice(0, -20),
  );
  const reopened = await IncidentStore.open(dir.path);
  assert.deepEqual(reopened.list().map((s) => s.summary).sort(), [
    "failure number 1",
    "failure number 2",
    "failure number 3",
    "failure number 4",
  ]);
  const ids = reopened.list().map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length, "ids stay unique");
  const before = reopened.list();
  const bounded = await IncidentStore.open(dir.path, { maxCount: 2 });
  const kept = bounded.list();
  assert.equal(kept.length, 2);
  assert.deepEqual(
    kept.map((s) => s.name),
    before.slice(0, 2).map((s) => s.name),
    "the newest two are kept",
  );
  assert.equal(
    (await Array.fromAsync(Deno.readDir(dir.path))).filter((e) =>
      e.name.endsWith(".gz")
    ).length,
    2,
  );
  const bytes = kept[0].bytes + kept[1].bytes;
  const byBytes = await IncidentStore.open(dir.path, { maxBytes: bytes - 1 });
  assert.deepEqual(
    byBytes.list().map((s) => s.name),
    [kept[0].name],
    "over the bytes: the oldest goes",
  );
  const byAge = await IncidentStore.open(dir.path, { maxAgeMs: 0 });
  assert.deepEqual(byAge.list(), [], "over the age: all are older than 0 ms");
});

Deno.test("sidecar flags and config file: values, and errors that name the field", async () => {
  await using dir = await tempDir();
  const cfg = `${dir.path}/sidecar.json`;
  await Deno.writeTextFile(`${dir.path}/peer-token`, "abc\n");
  await Deno.writeTextFile(
    cfg,
    JSON.stringify({
      dir: `${dir.path}/store`,
      socket: `${dir.path}/app.sock`,
      listen: "127.0.0.1:0",
      peers: ["http://127.0.0.1:9"],
      peerTokenFile: `${dir.path}/peer-token`,
      qualifier: { atLeast: "SCARY", facilities: { "app/cache": "never" } },
      trailingMs: 250,
      retention: { maxCount: 10, maxAgeDays: 2 },
    }),
  );
  await Deno.writeTextFile(
    `${dir.path}/ca.pem`,
    "-----BEGIN CERTIFICATE-----\n",
  );
  const o = await parseSidecarArgs([
    "--config",
    cfg,
    "--trailing-events",
    "7",
    "--peer-ca",
    `${dir.path}/ca.pem`,
  ]);
  assert.deepEqual(o.outbox, { caCerts: ["-----BEGIN CERTIFICATE-----\n"] });
  assert.equal(o.dir, `${dir.path}/store`);
  assert.deepEqual(o.listen, { hostname: "127.0.0.1", port: 0 });
  assert.deepEqual(o.peers, [{ url: "http://127.0.0.1:9", token: "abc" }]);
  assert.equal(o.recorder?.trailingMs, 250);
  assert.equal(o.recorder?.trailingEvents, 7);
  assert.deepEqual(o.retention, {
    maxCount: 10,
    maxAgeMs: 2 * 86_400_000,
    maxBytes: undefined,
  });
  const q = o.recorder!.qualifier as (e: unknown) => boolean;
  const ev = (level: number, facility: string) => ({
    num: 0,
    time: 0,
    incarnation: ["x", null],
    level,
    facility,
  });
  assert.equal(q(ev(35, "app/db")), true);
  assert.equal(q(ev(30, "app/db")), false);
  assert.equal(q(ev(40, "app/cache/x")), false);

  await Deno.writeTextFile(
    cfg,
    JSON.stringify({ dir: "x", listen: "nowhere" }),
  );
  await assert.rejects(
    () => parseSidecarArgs(["--config", cfg]),
    /sidecar\.json: field "listen": expected HOST:PORT, got "nowhere"/,
  );
  await Deno.writeTextFile(cfg, JSON.stringify({ dir: "x", trailingMs: -5 }));
  await assert.rejects(
    () => parseSidecarArgs(["--config", cfg]),
    /field "trailingMs": expected a number >= 0/,
  );
  await Deno.writeTextFile(cfg, "{ not json");
  await assert.rejects(
    () => parseSidecarArgs(["--config", cfg]),
    /sidecar\.json: not valid JSON/,
  );
  await assert.rejects(() => parseSidecarArgs([]), /--dir is required/);
  await assert.rejects(
    () => parseSidecarArgs(["--dir", "x", "--qualify", "LOUD"]),
    /--qualify: unknown level "LOUD"/,
  );
  await assert.rejects(
    () => parseSidecarArgs(["--dir", "x", "--peer", "not a url"]),
    /--peer: not a URL/,
  );
});

Deno.test("an app that writes its own incidents: the sidecar stores them and does not write a second", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/app.sock`;
  await using log = createLogger({
    app: "selfish",
    incidentDir: `${dir.path}/app-incidents`,
    trailingMs: 0,
  });
  await using publisher = await publish(log, { socketPath });
  await using sidecar = await start(`${dir.path}/s`, { socketPath });
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

Deno.test({
  name:
    "TLS: the API over HTTPS with a certificate and key; pushes to an HTTPS peer",
  ignore: !(() => {
    try {
      return Deno.statSync("/usr/bin/openssl").isFile;
    } catch {
      return false;
    }
  })(),
  async fn() {
    await using dir = await tempDir();
    // A throwaway CA, and a certificate for 127.0.0.1 signed by it.
    const openssl = async (...args: string[]) => {
      const out = await new Deno.Command("/usr/bin/openssl", {
        args,
        cwd: dir.path,
        stdout: "null",
        stderr: "piped",
      })
        .output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    };
    await openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=flightlog test CA",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
    );
    await openssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=localhost",
      "-keyout",
      "key.pem",
      "-out",
      "req.csr",
    );
    await Deno.writeTextFile(
      `${dir.path}/ext.cnf`,
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
    );
    await openssl(
      "x509",
      "-req",
      "-in",
      "req.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      "ext.cnf",
      "-out",
      "cert.pem",
    );
    const ca = await Deno.readTextFile(`${dir.path}/ca.pem`);
    const tls = {
      cert: await Deno.readTextFile(`${dir.path}/cert.pem`),
      key: await Deno.readTextFile(`${dir.path}/key.pem`),
    };
    await using peer = await start(`${dir.path}/peer`, {
      tls,
      token: "peer-secret-token",
    });
    assert.match(peer.url, /^https:/);
    await using sender = await start(`${dir.path}/sender`, {
      peers: [{ url: peer.url, token: "peer-secret-token" }],
      outbox: { caCerts: [ca], baseDelayMs: 20 },
    });
    const arrived = Promise.withResolvers<string>();
    peer.store.subscribe((s) => arrived.resolve(s.name));
    const [path] = await makeIncidents(`${dir.path}/src`, 1);
    const name = path.slice(path.lastIndexOf("/") + 1);
    const res = await client(sender).post(
      `/v1/incidents?name=${name}`,
      await Deno.readFile(path),
    );
    assert.equal(res.status, 201);
    await res.body?.cancel();
    assert.equal(
      await deadline(arrived.promise, "the delivery over TLS"),
      name,
    );
    using http = Deno.createHttpClient({ caCerts: [ca] });
    const list = await fetch(`${peer.url}/v1/incidents`, {
      client: http,
      headers: { authorization: "Bearer peer-secret-token" },
    });
    assert.equal((await list.json()).incidents.length, 1);
  },
});

Deno.test("a misbehaving app: bad lines and malformed messages are skipped, not taken as a crash", async () => {
  await using dir = await tempDir();
  const socketPath = `${dir.path}/fake.sock`;
  const listener = Deno.listen({ transport: "unix", path: socketPath });
  await using sidecar = await start(`${dir.path}/s`, { socketPath });
  const conn = await listener.accept();
  const saidGoodbye = Promise.withResolvers<void>();
  sidecar.recorder.onEvent((e) => {
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
  assert.equal(sidecar.stats.eventsReceived, 1);
  assert.equal(sidecar.stats.duplicates, 1);
  assert.equal(sidecar.stats.appDeaths, 0);
  const notes = sidecar.recorder.snapshot().map((e) => String(e.format));
  assert.ok(
    notes.some((f) => f.startsWith("app speaks protocol v%(v)s")),
    "the version mismatch is noted",
  );
});
