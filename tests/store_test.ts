// The incident store: its SQLite index across restarts, reconciliation with
// the folder, migration, retention, imports, search, and groups.
import assert from "node:assert/strict";
import { InvalidIncidentError } from "../store/errors.ts";
import { IncidentStore } from "../store/sqlite/store.ts";
import type { Classifier } from "../store/classify.ts";
import type { GroupEvent } from "../store/groups.ts";
import { fileOps, tempDir } from "./_util.ts";
import { baseName, makeIncident, makeIncidents } from "./_server_util.ts";

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
}

Deno.test("IncidentStore.open() indexes the folder's incidents in index.sqlite, by name", async () => {
  await using dir = await tempDir();
  await makeIncidents(dir.path, 5);
  await using store = await IncidentStore.open(dir.path);
  assert.equal(store.list().length, 5);
  assert.deepEqual(store.totals().count, 5);
  assert.ok((await names(dir.path)).includes("index.sqlite"));
  assert.ok(!(await names(dir.path)).includes("index.jsonl"));
});

Deno.test("IncidentStore.open() drops rows whose file is gone and indexes files it does not list", async () => {
  await using dir = await tempDir();
  const paths = await makeIncidents(dir.path, 4);
  await (await IncidentStore.open(dir.path)).close();
  await Deno.remove(paths[0]);
  const [extra] = await makeIncidents(`${dir.path}/more`, 1, "later");
  await Deno.rename(extra, `${dir.path}/${baseName(extra)}`);
  await using reopened = await IncidentStore.open(dir.path);
  const listed = reopened.list();
  assert.equal(listed.length, 4);
  assert.ok(!listed.some((s) => s.name === baseName(paths[0])));
  assert.ok(listed.some((s) => s.app === "later"));
  const ids = listed.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length, "ids stay unique");
});

Deno.test("IncidentStore.open() removes what imports cut short by a crash left", async () => {
  await using dir = await tempDir();
  await (await IncidentStore.open(dir.path)).close();
  await Deno.writeTextFile(`${dir.path}/.importing-1234`, "half an incident");
  await using _store = await IncidentStore.open(dir.path);
  assert.deepEqual(
    [...Deno.readDirSync(dir.path)].filter((e) =>
      e.name.startsWith(".importing")
    ),
    [],
  );
});

Deno.test("IncidentStore.import() of one incident at once by many stores it once and leaves no staged file", async () => {
  await using dir = await tempDir();
  const path = await makeIncident(`${dir.path}/src`);
  const bytes = await Deno.readFile(path);
  await using store = await IncidentStore.open(`${dir.path}/store`);
  const results = await Promise.all(
    Array.from({ length: 8 }, () => store.import(baseName(path), bytes)),
  );
  assert.equal(results.filter((r) => r.created).length, 1);
  assert.equal(store.totals().count, 1);
  assert.deepEqual(
    [...Deno.readDirSync(store.dir)].map((e) => e.name).filter((n) =>
      n.startsWith(".importing") || n.endsWith(".tmp")
    ),
    [],
  );
});

Deno.test("IncidentStore.import() syncs the incident's file and then its name in the folder before it resolves", async () => {
  await using dir = await tempDir();
  const path = await makeIncident(`${dir.path}/src`);
  const bytes = await Deno.readFile(path);
  await using store = await IncidentStore.open(`${dir.path}/store`);
  const ops = await fileOps(() => store.import(baseName(path), bytes));
  const named = ops.indexOf(`rename ${store.dir}/${baseName(path)}`);
  assert(
    named > 0 && ops[0].startsWith(`sync ${store.dir}/.importing-`),
    ops.join("\n"),
  );
  assert.equal(ops[named + 1], `sync ${store.dir}`, ops.join("\n"));
});

Deno.test("IncidentStore.open() migrates an index.jsonl store, keeping ids and origins", async () => {
  await using dir = await tempDir();
  const paths = await makeIncidents(dir.path, 3);
  const old = paths.map((p, i) =>
    JSON.stringify({
      name: baseName(p),
      id: 10 + i,
      stored: 1000 + i,
      origin: i === 0 ? "peer" : "local",
    })
  );
  // The last line is cut, as a crash while appending leaves it.
  await Deno.writeTextFile(
    `${dir.path}/index.jsonl`,
    old.join("\n").slice(0, -10),
  );
  await using store = await IncidentStore.open(dir.path);
  const byName = new Map(store.list().map((s) => [s.name, s]));
  assert.equal(byName.get(baseName(paths[0]))?.id, 10);
  assert.equal(byName.get(baseName(paths[0]))?.origin, "peer");
  assert.equal(byName.get(baseName(paths[1]))?.stored, 1001);
  assert.ok(
    byName.get(baseName(paths[2]))!.id > 11,
    "the cut line is indexed anew",
  );
  const files = await names(dir.path);
  assert.ok(files.includes("index.jsonl.migrated"));
  assert.ok(!files.includes("index.jsonl"));
});

Deno.test("IncidentStore.open() with maxCount keeps the newest incidents and removes the rest", async () => {
  await using dir = await tempDir();
  await makeIncidents(dir.path, 4);
  const all = await IncidentStore.open(dir.path);
  const before = all.list();
  await all.close();
  await using bounded = await IncidentStore.open(dir.path, {
    retention: { maxCount: 2 },
  });
  assert.deepEqual(
    bounded.list().map((s) => s.name),
    before.slice(0, 2).map((s) => s.name),
    "the newest two are kept",
  );
  assert.equal(
    (await names(dir.path)).filter((n) => n.endsWith(".gz")).length,
    2,
  );
  assert.deepEqual(bounded.totals().count, 2);
});

Deno.test("IncidentStore.open() with maxBytes drops the oldest until the rest fit", async () => {
  await using dir = await tempDir();
  await makeIncidents(dir.path, 2);
  const all = await IncidentStore.open(dir.path);
  const kept = all.list();
  await all.close();
  const bytes = kept[0].bytes + kept[1].bytes;
  await using byBytes = await IncidentStore.open(dir.path, {
    retention: { maxBytes: bytes - 1 },
  });
  assert.deepEqual(byBytes.list().map((s) => s.name), [kept[0].name]);
});

Deno.test("IncidentStore.open() with maxAgeMs drops older incidents", async () => {
  await using dir = await tempDir();
  await makeIncidents(dir.path, 2);
  await using byAge = await IncidentStore.open(dir.path, {
    retention: { maxAgeMs: 0 },
  });
  assert.deepEqual(byAge.list(), [], "over the age: all are older than 0 ms");
});

Deno.test("IncidentStore.import() applies retention as incidents arrive", async () => {
  await using dir = await tempDir();
  const paths = await makeIncidents(`${dir.path}/src`, 3);
  await using store = await IncidentStore.open(`${dir.path}/s`, {
    retention: { maxCount: 2 },
  });
  for (const p of paths) {
    await store.import(baseName(p), await Deno.readFile(p));
  }
  assert.deepEqual(
    store.list().map((s) => s.name).sort(),
    paths.slice(1).map(baseName).sort(),
  );
});

Deno.test("IncidentStore.import() stores a peer's incident once, by name", async () => {
  await using dir = await tempDir();
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  await using store = await IncidentStore.open(`${dir.path}/s`);
  const bytes = await Deno.readFile(path);
  const first = await store.import(baseName(path), bytes);
  assert.equal(first.created, true);
  assert.equal(first.incident.origin, "peer");
  assert.equal(first.incident.source, "push");
  const again = await store.import(baseName(path), bytes);
  assert.equal(again.created, false);
  assert.equal(again.incident.id, first.incident.id);
  assert.equal(store.list().length, 1);
});

Deno.test("IncidentStore.import() takes its origin and source from the options", async () => {
  await using dir = await tempDir();
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  await using store = await IncidentStore.open(`${dir.path}/s`);
  const { incident } = await store.import(
    baseName(path),
    await Deno.readFile(path),
    { origin: "peer", source: "http://10.0.0.7:7477" },
  );
  assert.equal(incident.source, "http://10.0.0.7:7477");
});

Deno.test("IncidentStore.import() refuses bad input with an InvalidIncidentError", async () => {
  await using dir = await tempDir();
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  await using store = await IncidentStore.open(`${dir.path}/s`);
  const name = baseName(path);
  const gzip = (text: string) =>
    new Response(
      new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
    ).bytes();
  const cases: [string, Uint8Array<ArrayBuffer>, RegExp][] = [
    ["../x.flog.gz", await Deno.readFile(path), /bad incident name/],
    [name, new TextEncoder().encode("hello"), /not gzip/],
    [name, await gzip("not a flogfile\n"), /not a valid incident/],
    [name, await gzip("# foolscap flogfile v1\n"), /without a header/],
  ];
  for (const [n, bytes, message] of cases) {
    await assert.rejects(
      () => store.import(n, bytes),
      (e) => e instanceof InvalidIncidentError && message.test(e.message),
    );
  }
  assert.equal(store.list().length, 0);
});

Deno.test("IncidentStore.subscribe() calls back with each new incident until unsubscribed", async () => {
  await using dir = await tempDir();
  const [a, b] = await makeIncidents(`${dir.path}/src`, 2);
  await using store = await IncidentStore.open(`${dir.path}/s`);
  const seen: string[] = [];
  const off = store.subscribe((s) => seen.push(s.name));
  await store.import(baseName(a), await Deno.readFile(a));
  off();
  await store.import(baseName(b), await Deno.readFile(b));
  assert.deepEqual(seen, [baseName(a)]);
});

Deno.test("IncidentStore.list() with q searches every event's text, not only the trigger", async () => {
  await using dir = await tempDir();
  await makeIncident(dir.path, { template: "payment failed" });
  await makeIncident(dir.path, { template: "disk full" });
  await using store = await IncidentStore.open(dir.path);
  assert.equal(store.list({ q: "payment" }).length, 1);
  assert.equal(store.list({ q: "before the" }).length, 2, "a preceding event");
  assert.equal(store.list({ q: "pay" }).length, 1, "words match as prefixes");
  assert.equal(store.list({ q: 'payment" OR "disk' }).length, 0, "no syntax");
  assert.equal(store.list({ q: "   " }).length, 0);
});

Deno.test("IncidentStore groups one template with different values as one group", async () => {
  await using dir = await tempDir();
  for (const order of [1, 2, 3]) {
    await makeIncident(dir.path, {
      template: "charging order {order} failed",
      fields: { order },
    });
  }
  await makeIncident(dir.path, { template: "shipping failed" });
  await using store = await IncidentStore.open(dir.path);
  const groups = store.groups.list({ sort: "count" });
  assert.deepEqual(groups.map((g) => [g.title, g.count]), [
    ["charging order {order} failed", 3],
    ["shipping failed", 1],
  ]);
  assert.equal(store.list({ group: groups[0].id }).length, 3);
  assert.ok(store.list().every((s) => s.category === "unknown"));
  assert.equal(groups[0].hourly.length, 168);
  assert.equal(groups[0].hourly.at(-1), 3, "this hour's count");
});

Deno.test("IncidentStore reopens a resolved group that recurs, as a regression", async () => {
  await using dir = await tempDir();
  const [first, again] = [
    await makeIncident(`${dir.path}/a`, { template: "boom" }),
    await makeIncident(`${dir.path}/b`, { template: "boom" }),
  ];
  await using store = await IncidentStore.open(`${dir.path}/s`);
  const events: GroupEvent[] = [];
  store.groups.subscribe((e) => events.push(e));
  await store.import(baseName(first), await Deno.readFile(first));
  const id = store.groups.list()[0].id;
  assert.equal(store.groups.setStatus(id, "resolved")?.status, "resolved");
  await store.import(baseName(again), await Deno.readFile(again));
  assert.deepEqual(events.map((e) => e.type), [
    "new_group",
    "status",
    "regression",
  ]);
  const g = store.groups.get(id)!;
  assert.equal(g.status, "open");
  assert.equal(g.regressions, 1);
  assert.deepEqual(store.groups.eventsAfter(0).map((e) => e.type), [
    "new_group",
    "status",
    "regression",
  ], "the events are in the durable log too");
});

Deno.test("IncidentStore raises one spike per window when a group passes the count", async () => {
  await using dir = await tempDir();
  const paths = [];
  for (let i = 0; i < 5; i++) {
    paths.push(await makeIncident(`${dir.path}/src${i}`, { template: "hot" }));
  }
  await using store = await IncidentStore.open(`${dir.path}/s`, {
    spike: { count: 3, windowMs: 3_600_000 },
  });
  for (const p of paths) {
    await store.import(baseName(p), await Deno.readFile(p));
  }
  const types = store.groups.eventsAfter(0).map((e) => e.type);
  assert.equal(types.filter((t) => t === "spike").length, 1);
  assert.equal(types.indexOf("spike"), 3, "on the third incident");
});

Deno.test("IncidentStore classifies again in the background when the rules change", async () => {
  await using dir = await tempDir();
  await makeIncident(dir.path, { app: "shop", template: "x" });
  await makeIncident(dir.path, { app: "bank", template: "y" });
  const byApp = (hash: string, of: string): Classifier => ({
    hash,
    classify: (i) =>
      Promise.resolve(
        i.header.app === of ? { category: `${of}-bug`, rule: hash } : undefined,
      ),
  });
  const first = await IncidentStore.open(dir.path, {
    classifier: byApp("v1", "shop"),
  });
  assert.deepEqual(first.list().map((s) => s.category).sort(), [
    "shop-bug",
    "unknown",
  ]);
  await first.close();
  await using second = await IncidentStore.open(dir.path, {
    classifier: byApp("v2", "bank"),
  });
  await second.flush();
  assert.deepEqual(second.list().map((s) => [s.app, s.category]).sort(), [
    ["bank", "bank-bug"],
    ["shop", "unknown"],
  ]);
  assert.equal(second.reclassifying.done, 2);
  assert.equal(second.reclassifying.pending, 0);
});

Deno.test("IncidentStore keeps a source's cursor across restarts", async () => {
  await using dir = await tempDir();
  const store = await IncidentStore.open(dir.path);
  assert.equal(store.cursor("http://a"), 0);
  store.setCursor("http://a", 42);
  await store.close();
  await using again = await IncidentStore.open(dir.path);
  assert.equal(again.cursor("http://a"), 42);
});

Deno.test("IncidentStore.close() notes the folder's mtime, and a change after it is still found", async () => {
  await using dir = await tempDir();
  await makeIncidents(dir.path, 1);
  await (await IncidentStore.open(dir.path)).close();
  const noted = JSON.parse(await Deno.readTextFile(`${dir.path}/index.closed`));
  assert.equal(noted.mtime, (await Deno.stat(dir.path)).mtime?.getTime());
  // A file added after the close changes the mtime: the next open reads it.
  const [late] = await makeIncidents(`${dir.path}/more`, 1, "late");
  await Deno.rename(late, `${dir.path}/${baseName(late)}`);
  await using again = await IncidentStore.open(dir.path);
  assert.deepEqual(again.list().map((s) => s.app).sort(), ["late", "maker"]);
});

Deno.test("IncidentStore.close() waits for the imports under way, and leaves no staged file", async () => {
  await using dir = await tempDir();
  const paths = await makeIncidents(`${dir.path}/src`, 3);
  const bytes = await Promise.all(paths.map((p) => Deno.readFile(p)));
  const store = await IncidentStore.open(`${dir.path}/store`);
  const imports = Promise.all(
    paths.map((p, i) => store.import(baseName(p), bytes[i])),
  );
  await store.close();
  await assert.rejects(store.import(baseName(paths[0]), bytes[0]), /closed/);
  await imports;
  assert.deepEqual(
    (await Array.fromAsync(Deno.readDir(`${dir.path}/store`)))
      .filter((e) => e.name.startsWith(".importing")),
    [],
  );
  await using reopened = await IncidentStore.open(`${dir.path}/store`);
  assert.equal(reopened.totals().count, 3);
});

Deno.test("IncidentStore.import() whose folder cannot be synced (an I/O error) refuses the incident whole", async () => {
  await using dir = await tempDir();
  const path = await makeIncident(`${dir.path}/src`);
  const bytes = await Deno.readFile(path);
  await using store = await IncidentStore.open(`${dir.path}/store`);
  const sync = Deno.FsFile.prototype.sync;
  Deno.FsFile.prototype.sync = async function (this: Deno.FsFile) {
    if ((await this.stat()).isDirectory) {
      throw new Error("Input/output error (os error 5)");
    }
    return await sync.call(this);
  };
  try {
    await assert.rejects(store.import(baseName(path), bytes), /os error 5/);
  } finally {
    Deno.FsFile.prototype.sync = sync;
  }
  assert.equal(store.get(baseName(path)), undefined);
  assert.deepEqual(
    [...Deno.readDirSync(store.dir)].filter((e) =>
      e.name.includes("incident-")
    ),
    [],
  );
});

Deno.test("IncidentStore.follow() gives what was stored after an id, oldest first, then each new one", async () => {
  await using dir = await tempDir();
  const paths = await makeIncidents(`${dir.path}/src`, 3);
  await using store = await IncidentStore.open(`${dir.path}/store`);
  for (const p of paths.slice(0, 2)) {
    await store.import(baseName(p), await Deno.readFile(p));
  }
  const seen: number[] = [];
  const off = store.follow(1, (s) => seen.push(s.id));
  assert.deepEqual(seen, [2]);
  await store.import(baseName(paths[2]), await Deno.readFile(paths[2]));
  off();
  assert.deepEqual(seen, [2, 3]);
});
