// Stateless gatherers on one ClickHouse (a node, then a two-shard cluster):
// sidecars push to either, both serve the same incidents and groups, a
// stream on one hears of what reached the other, and a fleet search finds
// events across apps. A sidecar can also write to ClickHouse directly.
import assert from "node:assert/strict";
import { Gatherer } from "../gather/gatherer.ts";
import type { ClickHouseOptions } from "../store/clickhouse/client.ts";
import { ClickHouseStore } from "../store/clickhouse/store.ts";
import { deadline, nextSse, sseEvents, tempDir } from "./_util.ts";
import { startClickHouse } from "./_clickhouse.ts";
import { baseName, makeIncident, startSidecar } from "./_server_util.ts";

async function gatherer(
  dir: string,
  clickhouse: ClickHouseOptions,
  token: string,
) {
  return await Gatherer.start({
    dir,
    listen: { hostname: "127.0.0.1", port: 0 },
    token,
    clickhouse,
    spool: { flushMs: 20, baseDelayMs: 20, maxDelayMs: 200 },
    report: () => {},
  });
}

async function get<T>(g: Gatherer, path: string): Promise<T> {
  const res = await fetch(g.url + path, {
    headers: { authorization: `Bearer ${g.token}` },
  });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return await res.json();
}

async function scenario(dir: string, ch: ClickHouseOptions) {
  const token = "fleet-token-0123456789";
  await using g1 = await gatherer(`${dir}/g1`, ch, token);
  await using g2 = await gatherer(`${dir}/g2`, ch, token);
  await using s1 = await startSidecar(`${dir}/s1`, {
    peers: [{ url: g1.url, token }],
  });
  await using s2 = await startSidecar(`${dir}/s2`, {
    peers: [{ url: g2.url, token }],
  });
  // A subscriber on the second gatherer, from now on.
  const res = await fetch(`${g2.url}/v1/incidents/stream`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const stream = sseEvents(res);
  try {
    const bug = (app: string, n: number) =>
      makeIncident(`${dir}/src-${crypto.randomUUID()}`, {
        app,
        template: "card for order {n} declined",
        fields: { n },
      });
    const first = await bug("shop", 1);
    await s1.store.import(baseName(first), await Deno.readFile(first), {
      origin: "local",
    });
    const heard = await nextSse(stream, "the incident pushed to g1, at g2");
    assert.equal(JSON.parse(heard.data).name, baseName(first));
    const second = await bug("bank", 2);
    await s2.store.import(baseName(second), await Deno.readFile(second), {
      origin: "local",
    });
    await nextSse(stream, "the incident pushed to g2");
    type Listed = { incidents: { name: string }[] };
    const names = async (g: Gatherer) =>
      (await get<Listed>(g, "/v1/incidents")).incidents.map((i) => i.name)
        .sort();
    assert.deepEqual(await names(g1), await names(g2));
    assert.equal((await names(g1)).length, 2);
    type Groups = { groups: { id: string; count: number; apps: string[] }[] };
    const [a] = (await get<Groups>(g1, "/v1/groups")).groups;
    const [b] = (await get<Groups>(g2, "/v1/groups")).groups;
    assert.deepEqual(a, b, "one group, the same on both");
    assert.equal(a.count, 2);
    assert.deepEqual(a.apps, ["bank", "shop"]);
    const search = await get<{ events: { app: string; text: string }[] }>(
      g1,
      "/v1/events?q=declined&level=WEIRD",
    );
    assert.deepEqual(search.events.map((e) => e.app).sort(), ["bank", "shop"]);
    // What the viewer asks for: the incident's records, from either gatherer.
    const one = await get<{ records: { d?: { format?: string } }[] }>(
      g2,
      `/v1/incidents/${baseName(first)}?format=json&text=1`,
    );
    assert.equal(one.records.length, 3, "header and two events");
    const raw = await fetch(`${g1.url}/v1/incidents/${baseName(first)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.deepEqual(
      new Uint8Array(await raw.arrayBuffer()),
      await Deno.readFile(first),
    );
    const health = await get<{ backend: string; incidents: number }>(
      g2,
      "/healthz",
    );
    assert.equal(health.backend, "clickhouse");
    assert.equal(health.incidents, 2);
  } finally {
    await stream.cancel();
  }
}

Deno.test("gatherers on one ClickHouse serve the same incidents, groups, streams and search", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  await scenario(dir.path, { url: ch.url });
});

Deno.test("gatherers on a two-shard ClickHouse cluster serve the same incidents, groups, streams and search", async () => {
  await using ch = await startClickHouse({ shards: 2 });
  await using dir = await tempDir();
  const [a, b] = ch.nodes;
  await scenario(dir.path, { url: a.url, nodes: [b.url], cluster: ch.cluster });
});

Deno.test("a sidecar with clickhouse writes its incidents there, with no gatherer", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  await using sidecar = await startSidecar(`${dir.path}/s`, {
    clickhouse: { url: ch.url },
  });
  const p = await makeIncident(`${dir.path}/src`, {
    app: "direct",
    template: "straight in",
  });
  await sidecar.store.import(baseName(p), await Deno.readFile(p), {
    origin: "local",
  });
  await using reader = await ClickHouseStore.open({
    clickhouse: { url: ch.url },
    spool: { dir: `${dir.path}/reader-spool` },
  });
  await sidecar.clickhouseFlush();
  const listed = await reader.list();
  assert.deepEqual(listed.map((s) => [s.app, s.summary, s.source]), [[
    "direct",
    "straight in",
    "local",
  ]]);
});

Deno.test("gatherers on one ClickHouse alert with the same delivery id, for receivers to dedupe", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  const got: { id: string; type: string }[] = [];
  const arrived = Promise.withResolvers<void>();
  await using rx = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const alert = await req.json();
      got.push({
        id: req.headers.get("x-flightlog-delivery")!,
        type: alert.type,
      });
      if (got.length >= 2) arrived.resolve();
      return new Response("ok");
    },
  );
  const hook = { url: `http://127.0.0.1:${rx.addr.port}/hook` };
  const start = (name: string) =>
    Gatherer.start({
      dir: `${dir.path}/${name}`,
      listen: { hostname: "127.0.0.1", port: 0 },
      token: "fleet-token-0123456789",
      clickhouse: { url: ch.url },
      spool: { flushMs: 20 },
      webhooks: [hook],
      webhookOptions: { baseDelayMs: 20 },
      report: () => {},
    });
  await using g1 = await start("g1");
  await using _g2 = await start("g2");
  // Started, both alert on what happens from now on.
  const p = await makeIncident(`${dir.path}/src`, { template: "fleet bug" });
  await g1.store.import(baseName(p), await Deno.readFile(p));
  await g1.store.flush();
  await deadline(arrived.promise, "an alert from each gatherer", 20_000);
  assert.deepEqual(got.map((g) => g.type), ["new_group", "new_group"]);
  assert.equal(got[0].id, got[1].id, "the same delivery id");
});

Deno.test("a fleet search with trace= finds the events whose trace_id is that id, and refuses a bad id", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  const token = "fleet-token-0123456789";
  await using g = await gatherer(`${dir.path}/g`, { url: ch.url }, token);
  const trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const bugs = [
    { app: "shop", template: "charge failed", fields: { trace_id: trace } },
    // The id in its text, but not as its trace: not found by trace=.
    { app: "bank", template: "saw {other}", fields: { other: trace } },
    {
      app: "mail",
      template: "other trace",
      fields: { trace_id: "0af7651916cd43dd8448eb211c80319c" },
    },
  ];
  for (const bug of bugs) {
    const p = await makeIncident(`${dir.path}/src-${bug.app}`, bug);
    await g.store.import(baseName(p), await Deno.readFile(p));
  }
  await g.store.flush();
  type Found = { events: { app: string; text: string }[] };
  const found = await get<Found>(g, `/v1/events?trace=${trace}`);
  assert.deepEqual(found.events.map((e) => [e.app, e.text]), [[
    "shop",
    "charge failed",
  ]]);
  const upper = await get<Found>(g, `/v1/events?trace=${trace.toUpperCase()}`);
  assert.deepEqual(upper.events.map((e) => e.app), ["shop"]);
  for (const bad of ["4bf92f35", "0".repeat(32), `${trace.slice(1)}g`]) {
    const res = await fetch(`${g.url}/v1/events?trace=${bad}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 400, bad);
    assert.match(await res.text(), /trace: not a trace id/);
  }
});
