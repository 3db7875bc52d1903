// Rebuilding a store's index from its files, keeping what the files do not
// hold: group statuses, cursors, pending deliveries.
import assert from "node:assert/strict";
import { reindex } from "../store/sqlite/reindex.ts";
import { IncidentStore } from "../store/sqlite/store.ts";
import { tempDir } from "./_util.ts";
import { makeIncident } from "./_server_util.ts";

Deno.test("reindex() rebuilds the index from the files", async () => {
  await using dir = await tempDir();
  await makeIncident(dir.path, { template: "a" });
  await makeIncident(dir.path, { template: "a" });
  await makeIncident(dir.path, { template: "b" });
  const r = await reindex(dir.path);
  assert.deepEqual(r, {
    incidents: 3,
    groups: 2,
    statuses: 0,
    hadIndex: false,
  });
  await using store = await IncidentStore.open(dir.path);
  assert.equal(store.list({ q: "before" }).length, 3, "search works");
});

Deno.test("reindex() keeps group statuses and cursors, and the old index beside", async () => {
  await using dir = await tempDir();
  await makeIncident(dir.path, { template: "known bug" });
  const before = await IncidentStore.open(dir.path);
  const [g] = before.groups.list();
  before.groups.setStatus(g.id, "ignored");
  before.setCursor("http://source", 41);
  await before.close();
  const r = await reindex(dir.path);
  assert.equal(r.statuses, 1);
  assert.equal(r.hadIndex, true);
  await using after = await IncidentStore.open(dir.path);
  assert.equal(after.groups.get(g.id)?.status, "ignored");
  assert.equal(after.cursor("http://source"), 41);
  await Deno.stat(`${dir.path}/index.sqlite.old`);
});

Deno.test("reindex() replaces an index that cannot be read", async () => {
  await using dir = await tempDir();
  await makeIncident(dir.path, { template: "x" });
  await Deno.writeTextFile(`${dir.path}/index.sqlite`, "not a database");
  assert.equal((await reindex(dir.path)).incidents, 1);
});

Deno.test("reindex() keeps a resolve in a release", async () => {
  await using dir = await tempDir();
  await makeIncident(dir.path, { template: "fixed bug", release: "1.0.0" });
  const before = await IncidentStore.open(dir.path);
  const [g] = before.groups.list();
  before.groups.setStatus(g.id, "resolved", { inRelease: "2.0.0" });
  await before.close();
  await reindex(dir.path);
  await using after = await IncidentStore.open(dir.path);
  assert.equal(after.groups.get(g.id)?.resolvedIn, "2.0.0");
});
