// The HTTP API through api.handle(new Request(...)), with no server: routes,
// auth, method checks, limits, and how errors become responses.
import assert from "node:assert/strict";
import { json } from "../http/route.ts";
import type { IncidentStore } from "../store/sqlite/store.ts";
import { nextSse, sseEvents, tempDir } from "./_util.ts";
import { baseName, makeIncidents, testApi } from "./_server_util.ts";

const NAME = "incident-2026-01-01--00-00-00Z-aaaaaaa.flog.gz";

Deno.test("Api.handle() answers 401 without a token", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const res = await t.api.handle(new Request("http://api/v1/incidents"));
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="flightlog"');
  assert.match((await res.json()).error, /bearer token/);
});

Deno.test("Api.handle() answers 401 with a wrong token or scheme", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  for (const authorization of ["Bearer wrong", "Basic x"]) {
    const res = await t.fetch("/v1/incidents", { headers: { authorization } });
    assert.equal(res.status, 401, authorization);
    assert.match((await res.json()).error, /bearer token/);
  }
});

Deno.test("Api.handle() asks for the token before saying a path is unknown", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const res = await t.api.handle(new Request("http://api/v1/nothing"));
  assert.equal(res.status, 401);
  await res.body?.cancel();
});

Deno.test("Api.handle() serves /healthz without a token", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const health = await t.api.handle(new Request("http://api/healthz"));
  assert.equal(health.status, 200);
  assert.equal((await health.json()).ok, true);
});

Deno.test("Api.handle() answers 405 with Allow on every route", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const routes: [string, string][] = [
    ["/healthz", "GET, HEAD"],
    ["/metrics", "GET, HEAD"],
    ["/v1/incidents", "GET, POST, HEAD"],
    ["/v1/incidents/stream", "GET, HEAD"],
    ["/v1/events/stream", "GET, HEAD"],
    [`/v1/incidents/${NAME}`, "GET, HEAD"],
  ];
  for (const [path, allow] of routes) {
    for (const method of ["DELETE", "PUT", "PATCH"]) {
      const res = await t.fetch(path, { method });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.get("allow"), allow, path);
      assert.equal((await res.json()).status, 405);
    }
  }
});

Deno.test("Api.handle() answers HEAD like GET, without a body", async () => {
  await using dir = await tempDir();
  await using t = await testApi(`${dir.path}/s`);
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  const name = baseName(path);
  await t.store.import(name, await Deno.readFile(path));
  const res = await t.fetch(`/v1/incidents/${name}`, { method: "HEAD" });
  assert.equal(res.status, 200);
  assert.equal(res.body, null);
  assert.equal(
    res.headers.get("content-length"),
    String((await Deno.stat(path)).size),
  );
  const list = await t.fetch("/v1/incidents", { method: "HEAD" });
  assert.equal(list.status, 200);
  assert.equal(list.body, null);
  const missing = await t.fetch(`/v1/incidents/${NAME}`, { method: "HEAD" });
  assert.equal(missing.status, 404);
});

Deno.test("Api.handle() refuses bad incident names and traversal with 400", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  for (
    const bad of [
      "..%2F..%2Fetc%2Fpasswd",
      "index.jsonl",
      "token",
      "incident-x.flog.gz",
      "%E0%A4%A",
      "",
    ]
  ) {
    const res = await t.fetch(`/v1/incidents/${bad}`);
    assert.equal(res.status, 400, bad);
    assert.match((await res.json()).error, /bad incident name/);
  }
});

Deno.test("Api.handle() refuses a push whose name is a traversal with 400", async () => {
  await using dir = await tempDir();
  await using t = await testApi(`${dir.path}/s`);
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  const res = await t.fetch("/v1/incidents?name=../../x.flog.gz", {
    method: "POST",
    body: await Deno.readFile(path),
  });
  assert.equal(res.status, 400);
  assert.match((await res.json()).error, /bad or missing \?name=/);
});

Deno.test("Api.handle() answers 413 for a body over the limit, declared or streamed", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path, { maxBodyBytes: 4096 });
  const declared = await t.fetch(`/v1/incidents?name=${NAME}`, {
    method: "POST",
    headers: { "content-length": "10000" },
    body: new Uint8Array(10_000),
  });
  assert.equal(declared.status, 413);
  assert.match((await declared.json()).error, /larger than 4096 bytes/);
  const streamed = await t.fetch(`/v1/incidents?name=${NAME}`, {
    method: "POST",
    body: ReadableStream.from([new Uint8Array(3000), new Uint8Array(3000)]),
  });
  assert.equal(streamed.status, 413);
  await streamed.body?.cancel();
});

Deno.test("Api.handle() answers 400 for a push that is not a gzipped flogfile", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const notGzip = await t.fetch(`/v1/incidents?name=${NAME}`, {
    method: "POST",
    body: "hello",
  });
  assert.equal(notGzip.status, 400);
  assert.match((await notGzip.json()).error, /not gzip/);
});

Deno.test("Api.handle() answers 404 for an unknown endpoint or incident", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const endpoint = await t.fetch("/v1/nothing");
  assert.equal(endpoint.status, 404);
  assert.match((await endpoint.json()).error, /no such endpoint: GET/);
  const missing = await t.fetch(`/v1/incidents/${NAME}`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("Api.handle() answers a bug in a handler with a logged 500 and a generic message", async () => {
  await using dir = await tempDir();
  await using real = await testApi(dir.path);
  // A store with a bug: a TypeError that is not about the request.
  const store = Object.create(real.store) as IncidentStore;
  store.import = () =>
    Promise.reject(
      new TypeError("Cannot read properties of undefined (reading 'secret')"),
    );
  await using t = await testApi(dir.path, { store });
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => logged.push(args);
  let res: Response;
  try {
    res = await t.fetch(`/v1/incidents?name=${baseName(path)}`, {
      method: "POST",
      body: await Deno.readFile(path),
    });
  } finally {
    console.error = original;
  }
  assert.equal(res.status, 500);
  const body = await res.json();
  assert.deepEqual(body, { error: "internal error", status: 500 });
  assert.equal(logged.length, 1);
  assert.ok(
    logged[0].some((a) => a instanceof TypeError),
    "the error itself is logged",
  );
});

Deno.test("Api.handle() answers a bad query parameter with 400", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  for (
    const q of [
      "/v1/incidents?since=yesterday-ish",
      "/v1/incidents?limit=ten",
      "/v1/events/stream?level=LOUD",
    ]
  ) {
    const res = await t.fetch(q);
    assert.equal(res.status, 400, q);
    await res.body?.cancel();
  }
});

Deno.test("Api.handle() stores a push once: 201 created, then 200 exists", async () => {
  await using dir = await tempDir();
  await using t = await testApi(`${dir.path}/s`);
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  const post = async () =>
    await t.fetch(`/v1/incidents?name=${baseName(path)}`, {
      method: "POST",
      body: await Deno.readFile(path),
    });
  const first = await post();
  assert.equal(first.status, 201);
  assert.equal((await first.json()).status, "created");
  const again = await post();
  assert.equal(again.status, 200);
  assert.equal((await again.json()).status, "exists");
});

Deno.test("Api.handle() lists incidents, filtered, without local paths", async () => {
  await using dir = await tempDir();
  await using t = await testApi(`${dir.path}/s`);
  const paths = [
    ...await makeIncidents(`${dir.path}/a`, 2, "alpha"),
    ...await makeIncidents(`${dir.path}/b`, 1, "beta"),
  ];
  for (const path of paths) {
    await t.store.import(baseName(path), await Deno.readFile(path));
  }
  const list = async (q: string) =>
    (await (await t.fetch(`/v1/incidents${q}`)).json()).incidents;
  const all = await list("");
  assert.equal(all.length, 3);
  assert.ok(
    all.every((s: { path?: string }) => s.path === undefined),
    "no local paths leak",
  );
  assert.equal((await list("?app=alpha")).length, 2);
  assert.equal((await list("?limit=1")).length, 1);
  assert.equal((await list(`?since=${Date.now() + 60_000}`)).length, 0);
});

Deno.test("Api.handle() returns an incident's bytes, or its records as JSON", async () => {
  await using dir = await tempDir();
  await using t = await testApi(`${dir.path}/s`);
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  const name = baseName(path);
  await t.store.import(name, await Deno.readFile(path));
  const bytes = new Uint8Array(
    await (await t.fetch(`/v1/incidents/${name}`)).arrayBuffer(),
  );
  assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b]);
  const parsed = await (await t.fetch(`/v1/incidents/${name}?format=json`))
    .json();
  assert.equal(parsed.records[0].header.type, "incident");
});

Deno.test("Api.handle() adds each event's rendered text with ?text=1", async () => {
  await using dir = await tempDir();
  await using t = await testApi(`${dir.path}/s`);
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  const name = baseName(path);
  await t.store.import(name, await Deno.readFile(path));
  const res = await t.fetch(`/v1/incidents/${name}?format=json&text=1`);
  const { records } = await res.json();
  const events = records.filter((r: { d?: unknown }) => r.d !== undefined);
  assert.deepEqual(events.map((r: { text: string }) => r.text), [
    "step 0",
    "failure number 0",
  ]);
  assert.equal(events[1].d.format, "failure number %(i)s");
  assert.equal(records[0].text, undefined);
});

Deno.test("Api.handle() streams new incidents; Last-Event-ID resumes without gaps", async () => {
  await using dir = await tempDir();
  await using t = await testApi(`${dir.path}/s`);
  const paths = await makeIncidents(`${dir.path}/src`, 3);
  const post = async (path: string) => {
    const res = await t.fetch(`/v1/incidents?name=${baseName(path)}`, {
      method: "POST",
      body: await Deno.readFile(path),
    });
    assert.equal(res.status, 201);
    await res.body?.cancel();
  };
  const stream = sseEvents(await t.fetch("/v1/incidents/stream"));
  await post(paths[0]);
  const first = await nextSse(stream, "the first incident");
  assert.equal(first.event, "incident");
  assert.equal(JSON.parse(first.data).summary, "failure number 0");
  await stream.cancel(); // the subscriber goes away...
  await post(paths[1]); // ...and misses two incidents
  await post(paths[2]);
  const resumed = sseEvents(
    await t.fetch("/v1/incidents/stream", {
      headers: { "last-event-id": first.id! },
    }),
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

Deno.test("Api.handle() streams live events filtered by level and facility", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const stream = sseEvents(
    await t.fetch("/v1/events/stream?level=UNUSUAL&facility=db"),
  );
  const db = t.log.child("db");
  db.debug("too low");
  t.log.child("web").warn("other facility");
  t.log.child("dbx").warn("not below db");
  db.child("pool").warn("pool {what}", { what: "exhausted" });
  const e = await nextSse(stream, "the matching event");
  assert.equal(e.event, "event");
  assert.equal(JSON.parse(e.data).format, "pool %(what)s");
  assert.equal(JSON.parse(e.data).text, "pool exhausted");
  await stream.cancel();
});

Deno.test("Api.closeStreams() ends every open stream", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const res = await t.fetch("/v1/incidents/stream");
  const reader = res.body!.getReader();
  await reader.read(); // the "connected" comment
  t.api.closeStreams();
  assert.equal((await reader.read()).done, true);
});

Deno.test("GET /v1/incidents/stream resumes after Last-Event-ID in order, then goes on live", async () => {
  await using dir = await tempDir();
  await using api = await testApi(`${dir.path}/s`);
  const paths = await makeIncidents(`${dir.path}/src`, 3);
  for (const p of paths.slice(0, 2)) {
    await api.store.import(baseName(p), await Deno.readFile(p));
  }
  const res = await api.fetch("/v1/incidents/stream", {
    headers: { "last-event-id": "0" },
  });
  const events = sseEvents(res);
  const ids = [];
  for (let i = 0; i < 2; i++) ids.push((await nextSse(events, "replayed")).id);
  await api.store.import(baseName(paths[2]), await Deno.readFile(paths[2]));
  ids.push((await nextSse(events, "live")).id);
  assert.deepEqual(ids, ["1", "2", "3"]);
  await events.cancel();
});

Deno.test("json() pretty-prints, with a list of numbers on one line", async () => {
  const text = await json({ hourly: [0, 2, -1.5], names: ["a"] }).text();
  assert.equal(
    text,
    '{\n  "hourly": [0, 2, -1.5],\n  "names": [\n    "a"\n  ]\n}\n',
  );
});
