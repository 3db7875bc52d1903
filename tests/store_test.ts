// The incident store: its index across restarts, reconciliation with the
// folder, retention, and imports.
import assert from "node:assert/strict";
import { InvalidIncidentError } from "../server/http_error.ts";
import { IncidentStore } from "../server/store.ts";
import { tempDir } from "./_util.ts";
import { baseName, makeIncidents } from "./_server_util.ts";

Deno.test("IncidentStore.open() indexes the folder's incidents in index.jsonl, by name", async () => {
  await using dir = await tempDir();
  await makeIncidents(dir.path, 5);
  const store = await IncidentStore.open(dir.path);
  assert.equal(store.list().length, 5);
  const index = (await Deno.readTextFile(`${dir.path}/index.jsonl`)).trim()
    .split("\n");
  assert.equal(index.length, 5);
  assert.ok(!index[0].includes(dir.path), "the index holds names, not paths");
});

Deno.test("IncidentStore.open() drops missing files and repairs a cut index line", async () => {
  await using dir = await tempDir();
  const paths = await makeIncidents(dir.path, 5);
  await IncidentStore.open(dir.path);
  const index = (await Deno.readTextFile(`${dir.path}/index.jsonl`)).trim()
    .split("\n");
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
});

Deno.test("IncidentStore.open() with maxCount keeps the newest incidents and removes the rest", async () => {
  await using dir = await tempDir();
  await makeIncidents(dir.path, 4);
  const before = (await IncidentStore.open(dir.path)).list();
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
});

Deno.test("IncidentStore.open() with maxBytes drops the oldest until the rest fit", async () => {
  await using dir = await tempDir();
  await makeIncidents(dir.path, 2);
  const kept = (await IncidentStore.open(dir.path)).list();
  const bytes = kept[0].bytes + kept[1].bytes;
  const byBytes = await IncidentStore.open(dir.path, { maxBytes: bytes - 1 });
  assert.deepEqual(
    byBytes.list().map((s) => s.name),
    [kept[0].name],
    "over the bytes: the oldest goes",
  );
});

Deno.test("IncidentStore.open() with maxAgeMs drops older incidents", async () => {
  await using dir = await tempDir();
  await makeIncidents(dir.path, 2);
  const byAge = await IncidentStore.open(dir.path, { maxAgeMs: 0 });
  assert.deepEqual(byAge.list(), [], "over the age: all are older than 0 ms");
});

Deno.test("IncidentStore.import() stores a peer's incident once, by name", async () => {
  await using dir = await tempDir();
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  const store = await IncidentStore.open(`${dir.path}/s`);
  const bytes = await Deno.readFile(path);
  const first = await store.import(baseName(path), bytes);
  assert.equal(first.created, true);
  assert.equal(first.incident.origin, "peer");
  const again = await store.import(baseName(path), bytes);
  assert.equal(again.created, false);
  assert.equal(again.incident.id, first.incident.id);
  assert.equal(store.list().length, 1);
});

Deno.test("IncidentStore.import() takes its origin from the options", async () => {
  await using dir = await tempDir();
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  const store = await IncidentStore.open(`${dir.path}/s`);
  const { incident } = await store.import(
    baseName(path),
    await Deno.readFile(path),
    { origin: "local" },
  );
  assert.equal(incident.origin, "local");
});

Deno.test("IncidentStore.import() refuses bad input with an InvalidIncidentError", async () => {
  await using dir = await tempDir();
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  const store = await IncidentStore.open(`${dir.path}/s`);
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
  const store = await IncidentStore.open(`${dir.path}/s`);
  const seen: string[] = [];
  const off = store.subscribe((s) => seen.push(s.name));
  await store.import(baseName(a), await Deno.readFile(a));
  off();
  await store.import(baseName(b), await Deno.readFile(b));
  assert.deepEqual(seen, [baseName(a)]);
});
