import assert from "node:assert/strict";
import { AppIncidents } from "../sidecar/_app_incidents.ts";
import { IncidentStore } from "../server/store.ts";
import type { Retention } from "../server/retention.ts";
import { tempDir } from "./_util.ts";
import { baseName, makeIncidents } from "./_server_util.ts";

/** A store in `dir/store` and an AppIncidents over it, with its errors. */
async function setup(dir: string, retention?: Retention) {
  const store = await IncidentStore.open(`${dir}/store`, { retention });
  const errors: string[] = [];
  const incidents = new AppIncidents({
    store,
    onError: (what, e) => errors.push(`${what}: ${e}`),
  });
  return {
    store,
    errors,
    incidents,
    async [Symbol.asyncDispose]() {
      await incidents.flush();
      await store.close();
    },
  };
}

Deno.test("AppIncidents.catchUp() takes the finished incidents of the app's folder, oldest first", async () => {
  await using dir = await tempDir();
  const app = `${dir.path}/app`;
  const paths = await makeIncidents(app, 3);
  await Deno.writeTextFile(`${paths[0]}.tmp`, "half"); // not finished: skipped
  await using t = await setup(dir.path);
  const order: string[] = [];
  t.store.subscribe((s) => order.push(s.name));
  t.incidents.catchUp(app);
  await t.incidents.flush();
  assert.deepEqual(order, paths.map(baseName).sort());
  assert.deepEqual(t.errors, []);
});

Deno.test("AppIncidents.catchUp() does not take again what the store has dropped since", async () => {
  await using dir = await tempDir();
  const app = `${dir.path}/app`;
  const [a, b] = await makeIncidents(`${dir.path}/made`, 2);
  await Deno.mkdir(app);
  // Two seconds apart by their names (the folder is read from the last time seen).
  await Deno.copyFile(
    a,
    `${app}/incident-2026-01-01--00-00-00Z-aaaaaaa.flog.gz`,
  );
  await Deno.copyFile(
    b,
    `${app}/incident-2026-01-01--00-00-01Z-bbbbbbb.flog.gz`,
  );
  await using t = await setup(dir.path, { maxCount: 1 });
  t.incidents.catchUp(app);
  await t.incidents.flush();
  assert.equal(t.store.totals().count, 1, "retention kept one");
  let taken = 0;
  t.store.subscribe(() => taken++);
  t.incidents.catchUp(app);
  await t.incidents.flush();
  assert.equal(taken, 0, "retention's choice stands");
});

Deno.test("AppIncidents.catchUp() tries again next time one it could not read, and what came after it", async () => {
  await using dir = await tempDir();
  const app = `${dir.path}/app`;
  const paths = await makeIncidents(app, 2);
  const [first] = paths;
  const bytes = await Deno.readFile(first);
  // Unreadable for now (a folder in its place).
  await Deno.remove(first);
  await Deno.mkdir(first);
  await using t = await setup(dir.path);
  t.incidents.catchUp(app);
  await t.incidents.flush();
  assert.equal(t.errors.length, 1);
  assert.match(t.errors[0], /importing the app's incident incident-/);
  await Deno.remove(first);
  await Deno.writeFile(first, bytes);
  t.incidents.catchUp(app);
  await t.incidents.flush();
  assert.deepEqual(
    t.store.list().map((s) => s.name).sort(),
    paths.map(baseName).sort(),
  );
});

Deno.test("AppIncidents.announced() takes a finished incident, and leaves an unfinished one to the app's recovery", async () => {
  await using dir = await tempDir();
  const [done, plain] = await makeIncidents(`${dir.path}/app`, 2);
  await using t = await setup(dir.path);
  t.incidents.announced(done, baseName(done), true);
  t.incidents.announced(plain, baseName(plain), false);
  await t.incidents.flush();
  assert.deepEqual(t.store.list().map((s) => s.name), [baseName(done)]);
  assert.deepEqual(t.errors, []);
});
