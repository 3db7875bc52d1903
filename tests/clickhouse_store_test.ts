// The ClickHouse store against a real clickhouse-server (Debian's 18.16 in
// CI): incidents and events in, exactly once, through a spool that waits
// while ClickHouse is down; groups, search and streams shared by every
// gatherer on it; the same on a two-shard cluster.
import assert from "node:assert/strict";
import { ClickHouseStore } from "../store/clickhouse/store.ts";
import { resume } from "../http/_resumable.ts";
import type { StoredIncident } from "../store/sqlite/store.ts";
import type { SpikeRule } from "../store/groups.ts";
import { ClickHouse } from "../store/clickhouse/client.ts";
import { StoreBusyError } from "../store/errors.ts";
import { deadline, tempDir } from "./_util.ts";
import { startClickHouse } from "./_clickhouse.ts";
import { baseName, type Bug, makeIncident } from "./_server_util.ts";

async function open(
  dir: string,
  url: string,
  extra: { cluster?: string; nodes?: string[]; spike?: SpikeRule } = {},
) {
  const { spike, ...where } = extra;
  return await ClickHouseStore.open({
    clickhouse: { url, ...where },
    spike,
    spool: {
      dir: `${dir}/spool-${crypto.randomUUID()}`,
      flushMs: 20,
      baseDelayMs: 20,
      maxDelayMs: 200,
    },
    pollMs: 50,
  });
}

async function incident(dir: string, bug: Bug) {
  const p = await makeIncident(`${dir}/src-${crypto.randomUUID()}`, bug);
  return { name: baseName(p), bytes: await Deno.readFile(p) };
}

Deno.test("ClickHouseStore stores incidents and serves them, their bytes, groups and search", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  await using store = await open(dir.path, ch.url);
  const a = await incident(dir.path, {
    app: "shop",
    template: "order {n} failed",
    fields: { n: 1 },
  });
  const b = await incident(dir.path, {
    app: "bank",
    template: "order {n} failed",
    fields: { n: 2 },
  });
  assert.equal((await store.import(a.name, a.bytes)).created, true);
  await store.import(b.name, b.bytes);
  await store.flush();
  assert.equal(
    (await store.import(a.name, a.bytes)).created,
    false,
    "once by name",
  );
  const listed = await store.list();
  assert.deepEqual(listed.map((s) => s.app).sort(), ["bank", "shop"]);
  const got = await store.read(a.name);
  assert.deepEqual(
    new Uint8Array(await new Response(got).arrayBuffer()),
    a.bytes,
  );
  const groups = await store.groups.list();
  assert.deepEqual(groups.map((g) => [g.title, g.count, g.apps]), [
    ["order {n} failed", 2, ["bank", "shop"]],
  ]);
  assert.equal((await store.list({ q: "before the" })).length, 2);
  assert.equal((await store.list({ q: "nothing-like-this" })).length, 0);
  const hits = await store.searchEvents({ q: "order 2" });
  assert.deepEqual(hits.map((h) => [h.app, h.text]), [[
    "bank",
    "order 2 failed",
  ]]);
  assert.deepEqual(await store.totals(), {
    count: 2,
    bytes: a.bytes.length + b.bytes.length,
  });
});

Deno.test("ClickHouseStore serves a group's apps and hosts with counts and its status history", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  await using store = await open(dir.path, ch.url);
  for (const app of ["shop", "shop", "bank"]) {
    const i = await incident(dir.path, { app, template: "order failed" });
    await store.import(i.name, i.bytes);
  }
  await store.flush();
  const [g] = await store.groups.list();
  await store.groups.setStatus(g.id, "ignored");
  const detail = await store.groups.detail(g.id);
  assert.deepEqual(detail?.apps, [["shop", 2], ["bank", 1]]);
  assert.equal(detail?.hosts[0][1], 3);
  assert.deepEqual(detail?.history.map((c) => c.status), ["ignored"]);
  assert.equal(await store.groups.detail("0123456789abcdef"), undefined);
  await assert.rejects(
    async () =>
      await store.groups.setStatus(g.id, "resolved", { inRelease: "2.0.0" }),
    /not supported by the ClickHouse store/,
  );
});

Deno.test("ClickHouseStore loses nothing while ClickHouse is down, and stores each incident and event once", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  const errors: string[] = [];
  await using store = await ClickHouseStore.open({
    clickhouse: { url: ch.url, timeoutMs: 2000 },
    spool: {
      dir: `${dir.path}/spool`,
      flushMs: 20,
      baseDelayMs: 20,
      maxDelayMs: 100,
      onError: (m) => errors.push(m),
    },
  });
  const before = await incident(dir.path, { template: "before" });
  await store.import(before.name, before.bytes);
  await store.flush();
  await ch.nodes[0].stop();
  const during = [];
  for (let i = 0; i < 3; i++) {
    during.push(
      await incident(dir.path, { template: "during {i}", fields: { i } }),
    );
  }
  for (const d of during) await store.import(d.name, d.bytes);
  assert.equal(store.spool.files, 3, "waiting in the spool");
  await assert.rejects(() => store.flush(), /cannot be reached/);
  await ch.nodes[0].start();
  await store.flush();
  assert.equal(store.spool.files, 0);
  const client = new ClickHouse(ch.url);
  const [counts] = await client.query<
    { incidents: number; names: number; events: number; keys: number }
  >(
    `SELECT (SELECT count() FROM flightlog.incidents FINAL) AS incidents,
            (SELECT uniqExact(name) FROM flightlog.incidents) AS names,
            (SELECT count() FROM flightlog.events FINAL) AS events,
            (SELECT uniqExact(incident, num) FROM flightlog.events) AS keys`,
  );
  assert.equal(counts.names, 4);
  assert.equal(counts.incidents, 4, "each incident once");
  assert.equal(counts.keys, 8, "two events per incident");
  assert.equal(counts.events, 8, "each event once");
  assert.ok(errors.length > 0, "the outage was reported");
});

Deno.test("ClickHouseStore streams of one gatherer hear of incidents stored by another", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  await using a = await open(dir.path, ch.url);
  await using b = await open(dir.path, ch.url);
  const heard = Promise.withResolvers<string>();
  const groupEvent = Promise.withResolvers<string>();
  const off = b.subscribe((s) => heard.resolve(s.name));
  const offGroups = b.groups.subscribe((e) => groupEvent.resolve(e.type));
  // Let b's poller take its starting point before a stores anything.
  await new Promise((r) => setTimeout(r, 150));
  const x = await incident(dir.path, { app: "shop", template: "x" });
  await a.import(x.name, x.bytes);
  await a.flush();
  assert.equal(await deadline(heard.promise, "b hears of it", 10_000), x.name);
  assert.equal(
    await deadline(groupEvent.promise, "b's group event", 10_000),
    "new_group",
  );
  off();
  offGroups();
  const [g] = await a.groups.list();
  await b.groups.setStatus(g.id, "resolved");
  assert.equal(
    (await a.groups.get(g.id))?.status,
    "resolved",
    "both see the status",
  );
  assert.deepEqual(
    (await a.list()).map((s) => s.name),
    (await b.list()).map((s) => s.name),
  );
});

Deno.test("ClickHouseStore raises one spike per window, at the group's count-th incident, the same on every gatherer", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  // One window for the whole test (aligned to the epoch, 30 years long).
  const spike = { count: 3, windowMs: 1e12 };
  await using a = await open(dir.path, ch.url, { spike });
  await using b = await open(dir.path, ch.url, { spike });
  const names: string[] = [];
  for (let i = 0; i < 5; i++) {
    const x = await incident(dir.path, { template: "burst" });
    await (i % 2 === 0 ? a : b).import(x.name, x.bytes);
    await (i % 2 === 0 ? a : b).flush();
    names.push(x.name);
  }
  const other = await incident(dir.path, { template: "alone" });
  await a.import(other.name, other.bytes);
  await a.flush();
  for (const store of [a, b]) {
    const spikes = (await store.groups.eventsAfter(0))
      .filter((e) => e.type === "spike");
    assert.deepEqual(spikes.map((e) => e.incident), [names[2]]);
  }
});

Deno.test("ClickHouseStore shares pull cursors between gatherers", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  await using a = await open(dir.path, ch.url);
  await using b = await open(dir.path, ch.url);
  assert.equal(await b.cursor("http://s"), 0);
  await a.setCursor("http://s", 5);
  await a.setCursor("http://s", 9);
  assert.equal(await b.cursor("http://s"), 9);
});

Deno.test("ClickHouseStore on a two-shard cluster spreads incidents and serves them whole", async () => {
  await using ch = await startClickHouse({ shards: 2 });
  await using dir = await tempDir();
  const [n1, n2] = ch.nodes;
  await using store = await open(dir.path, n1.url, {
    cluster: ch.cluster,
    nodes: [n2.url],
  });
  const names = [];
  for (let i = 0; i < 8; i++) {
    const x = await incident(dir.path, {
      app: i % 2 ? "shop" : "bank",
      template: "bug {i}",
      fields: { i },
    });
    names.push(x.name);
    await store.import(x.name, x.bytes);
  }
  await store.flush();
  const perNode = await Promise.all([n1, n2].map(async (n) => {
    const [r] = await new ClickHouse(n.url).query<{ n: number }>(
      "SELECT count() AS n FROM flightlog.incidents_local",
    );
    return r.n;
  }));
  // Each incident is on the shard its name hashes to.
  const [{ first }] = await new ClickHouse(n1.url).query<{ first: number }>(
    `SELECT countIf(cityHash64(name) % 2 = 0) AS first FROM (SELECT arrayJoin([${
      names.map((n) => `'${n}'`).join(",")
    }]) AS name)`,
  );
  assert.deepEqual(perNode, [first, 8 - first]);
  assert.deepEqual(
    (await store.list()).map((s) => s.name).sort(),
    names.sort(),
  );
  const [g] = await store.groups.list();
  assert.equal(g.count, 8);
  assert.equal((await store.searchEvents({ q: "bug 3" })).length, 1);
  await using other = await open(dir.path, n2.url, {
    cluster: ch.cluster,
    nodes: [n1.url],
  });
  assert.equal(
    (await other.list()).length,
    8,
    "a gatherer on the other node sees the same",
  );
});

Deno.test("ClickHouseStore refuses an incident with a StoreBusyError when the spool is full, and loses none taken", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  await using store = await ClickHouseStore.open({
    clickhouse: { url: ch.url, timeoutMs: 1000 },
    spool: {
      dir: `${dir.path}/spool`,
      maxBytes: 6000,
      baseDelayMs: 20,
      onError: () => {},
    },
  });
  await ch.nodes[0].stop();
  const taken = [];
  let refused: unknown;
  for (let i = 0; i < 10 && refused === undefined; i++) {
    const x = await incident(dir.path, { template: "fill {i}", fields: { i } });
    try {
      await store.import(x.name, x.bytes);
      taken.push(x.name);
    } catch (e) {
      refused = e;
    }
  }
  assert.ok(refused instanceof StoreBusyError, String(refused));
  assert.equal(refused.retryAfterS, 30);
  assert.match(refused.message, /spool is full/);
  await ch.nodes[0].start();
  await store.flush();
  assert.deepEqual(
    (await store.list()).map((s) => s.name).sort(),
    taken.sort(),
  );
});

Deno.test("ClickHouseStore retention drops the day partitions past the age", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  await using store = await ClickHouseStore.open({
    clickhouse: { url: ch.url },
    spool: { dir: `${dir.path}/spool` },
    maxAgeMs: 7 * 86_400_000,
  });
  const x = await incident(dir.path, { template: "recent" });
  await store.import(x.name, x.bytes);
  await store.flush();
  const client = new ClickHouse(ch.url);
  await client.insert(
    "flightlog.incidents",
    JSON.stringify({
      name: "incident-2020-01-01--00-00-00Z-old.flog.gz",
      seq: 1,
      time: Date.UTC(2020, 0, 1),
      day: "2020-01-01",
      group_id: "0123456789abcdef",
    }),
  );
  assert.equal((await store.list()).length, 2);
  assert.ok(await store.applyRetention() >= 1);
  assert.deepEqual((await store.list()).map((s) => s.name), [x.name]);
});

/** An incidents row written straight to ClickHouse, with its own `seq`. */
function rawRow(name: string, seq: number): string {
  return JSON.stringify({
    name: `incident-2026-11-25--00-00-00Z-${name}.flog.gz`,
    seq,
    source: "raw",
    app: "a",
    time: Math.floor(seq / 1000),
    day: "2026-11-25",
    level: 30,
    summary: name,
    group_id: "0123456789abcdef",
    title: "t",
  });
}

Deno.test("ClickHouseStore streams take an incident that became visible after a later one", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  await using store = await open(dir.path, ch.url);
  const client = new ClickHouse(ch.url);
  const base = Date.now() * 1000;
  await client.insert("flightlog.incidents", rawRow("seed", base));
  const sent: string[] = [];
  const both = Promise.withResolvers<void>();
  const stop = resume<StoredIncident>({
    last: undefined,
    latest: () => store.latestId(),
    after: (id) => store.after(id),
    subscribe: (fn) => store.subscribe(fn),
    id: (s) => s.id,
    key: (s) => s.name,
    lookback: store.lookback,
    format: (s) => s.summary,
  }, (text) => {
    sent.push(text);
    if (sent.includes("late") && sent.includes("early")) both.resolve();
    return true;
  }, () => {});
  try {
    // One gatherer's row lands first with a later stamp, another's after.
    await client.insert(
      "flightlog.incidents",
      rawRow("early", base + 2_000_000),
    );
    await client.insert(
      "flightlog.incidents",
      rawRow("late", base + 1_000_000),
    );
    await deadline(both.promise, "both incidents on the stream", 10_000);
  } finally {
    stop();
  }
});

Deno.test("ClickHouseStore streams go on after a burst larger than a page", async () => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  await using store = await open(dir.path, ch.url);
  const client = new ClickHouse(ch.url);
  const seen = new Set<string>();
  const last = Promise.withResolvers<void>();
  const off = store.subscribe((s) => {
    seen.add(s.summary);
    if (s.summary === "after") last.resolve();
  });
  try {
    const base = Date.now() * 1000;
    const burst = Array.from(
      { length: 1200 },
      (_, i) => rawRow(`b${i}`, base + i),
    );
    await client.insert("flightlog.incidents", burst.join("\n"));
    await client.insert("flightlog.incidents", rawRow("after", base + 5000));
    await deadline(last.promise, "the incident after the burst", 15_000);
    assert.equal(seen.size, 1201);
  } finally {
    off();
  }
});
