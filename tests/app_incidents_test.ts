import assert from "node:assert/strict";
import { AppIncidents } from "../sidecar/_app_incidents.ts";
import { IncidentStore } from "../store/sqlite/store.ts";
import type { Retention } from "../store/sqlite/retention.ts";
import { tempDir } from "./_util.ts";
import { makeIncidents } from "./_server_util.ts";

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
      await incidents.close();
      await store.close();
    },
  };
}

/** Real incidents copied into `app` under names `seconds` apart (from 00:00:00). */
async function named(dir: string, app: string, seconds: number[]) {
  const made = await makeIncidents(
    `${dir}/made-${crypto.randomUUID()}`,
    seconds.length,
  );
  await Deno.mkdir(app, { recursive: true });
  const names = seconds.map((s, i) =>
    `incident-2026-01-01--00-00-${String(s).padStart(2, "0")}Z-${
      "abcdefg"[i]
    }aaaaaa.flog.gz`
  );
  for (let i = 0; i < names.length; i++) {
    await Deno.copyFile(made[i], `${app}/${names[i]}`);
  }
  return names;
}

const stored = (store: IncidentStore) => store.list().map((s) => s.name).sort();

Deno.test("AppIncidents takes at connection the finished incidents of the app's folder, oldest first", async () => {
  await using dir = await tempDir();
  const app = `${dir.path}/app`;
  const names = await named(dir.path, app, [5, 1, 3]);
  await Deno.writeTextFile(`${app}/${names[0]}.tmp`, "half"); // not finished
  await using t = await setup(dir.path);
  const order: string[] = [];
  t.store.subscribe((s) => order.push(s.name));
  t.incidents.connected(app);
  await t.incidents.flush();
  assert.deepEqual(order, [...names].sort());
  assert.deepEqual(t.errors, []);
});

Deno.test("AppIncidents does not take again what the store dropped since, announced or found", async () => {
  await using dir = await tempDir();
  const app = `${dir.path}/app`;
  await Deno.mkdir(app);
  await using t = await setup(dir.path, { maxCount: 1 });
  t.incidents.connected(app);
  const names = await named(dir.path, app, [1, 2]);
  for (const n of names) t.incidents.announced(`${app}/${n}`, n, true);
  await t.incidents.flush();
  assert.deepEqual(stored(t.store), [names[1]], "retention kept one");
  let taken = 0;
  t.store.subscribe(() => taken++);
  t.incidents.connected(app); // the app reconnects
  await t.incidents.flush();
  assert.equal(taken, 0, "retention's choice stands");
});

Deno.test("AppIncidents takes an incident finished after later ones were taken (remembered across a restart)", async () => {
  await using dir = await tempDir();
  const app = `${dir.path}/app`;
  const [early, late] = await named(dir.path, app, [1, 2]);
  // The early one is still being written: plain, no .gz yet.
  const bytes = await Deno.readFile(`${app}/${early}`);
  await Deno.remove(`${app}/${early}`);
  await Deno.writeTextFile(`${app}/${early.replace(/\.gz$/, "")}`, "writing");
  await using t = await setup(dir.path);
  t.incidents.connected(app);
  await t.incidents.flush();
  assert.deepEqual(stored(t.store), [late]);
  // Finished (by the app, or its recovery after a crash).
  await Deno.writeFile(`${app}/${early}`, bytes);
  await Deno.remove(`${app}/${early.replace(/\.gz$/, "")}`);
  // Seen by a sidecar started again: remembered on disk.
  const again = new AppIncidents({
    store: t.store,
    onError: (what, e) => t.errors.push(`${what}: ${e}`),
  });
  again.connected(app);
  await again.close();
  assert.deepEqual(stored(t.store), [early, late]);
});

Deno.test("AppIncidents tries again next time one it could not store, and what came after it", async () => {
  await using dir = await tempDir();
  const app = `${dir.path}/app`;
  const names = await named(dir.path, app, [1, 2]);
  await using t = await setup(dir.path);
  const importing = t.store.import.bind(t.store);
  t.store.import = (name, ...rest) =>
    name === names[0]
      ? Promise.reject(new Error("busy for now"))
      : importing(name, ...rest);
  t.incidents.connected(app);
  await t.incidents.flush();
  assert.deepEqual(stored(t.store), [], "the second waits for the first");
  assert.match(t.errors.join(), /busy for now/);
  t.store.import = importing;
  t.incidents.connected(app);
  await t.incidents.flush();
  assert.deepEqual(stored(t.store), names);
});

Deno.test("AppIncidents reads only regular files: a pipe, a link or a huge file is reported and skipped", async () => {
  await using dir = await tempDir();
  const app = `${dir.path}/app`;
  const [good] = await named(dir.path, app, [4]);
  const pipe = "incident-2026-01-01--00-00-01Z-pipepip.flog.gz";
  const link = "incident-2026-01-01--00-00-02Z-linklin.flog.gz";
  const huge = "incident-2026-01-01--00-00-03Z-hugehug.flog.gz";
  const mk = await new Deno.Command("mkfifo", { args: [`${app}/${pipe}`] })
    .output();
  assert(mk.success);
  await Deno.symlink("/dev/zero", `${app}/${link}`);
  using f = await Deno.create(`${app}/${huge}`);
  await f.truncate(65 * 1024 * 1024); // sparse: takes no room
  await using t = await setup(dir.path);
  t.incidents.connected(app);
  await t.incidents.flush(); // a pipe would block this for good
  assert.deepEqual(stored(t.store), [good]);
  assert.equal(t.errors.length, 3);
  assert.match(
    t.errors.join("\n"),
    /not a regular file.*\n.*not a regular file.*\n.*larger than 67108864 bytes/,
  );
});

Deno.test("AppIncidents reports a look it cannot keep, and goes on with the next incident", async () => {
  await using dir = await tempDir();
  const app = `${dir.path}/app`;
  await Deno.mkdir(app);
  await using t = await setup(dir.path);
  // Where the look is kept cannot be read or written (a folder in its place).
  const state = `${t.store.dir}/app-incidents.json`;
  await Deno.mkdir(state);
  const [a] = await named(dir.path, app, [1]);
  t.incidents.connected(app);
  await t.incidents.flush();
  assert.match(t.errors.join(), /app-incidents\.json/);
  await Deno.remove(state);
  const [b] = await named(dir.path, app, [2]);
  t.incidents.announced(`${app}/${b}`, b, true);
  await t.incidents.flush();
  assert.deepEqual(stored(t.store), [a, b]);
});

Deno.test("AppIncidents takes an announced file alone from an app that does not name its folder, if it is named as one", async () => {
  await using dir = await tempDir();
  const app = `${dir.path}/app`;
  const [done, plain] = await named(dir.path, app, [1, 2]);
  await using t = await setup(dir.path);
  t.incidents.connected(undefined);
  t.incidents.announced(`${app}/${done}`, done, true);
  t.incidents.announced(`${app}/${plain}`, plain, false); // unfinished
  t.incidents.announced("/etc/passwd", done, true); // not the named file
  await t.incidents.flush();
  assert.deepEqual(stored(t.store), [done]);
  assert.equal(t.errors.length, 1);
  assert.match(t.errors[0], /\/etc\/passwd: not an incident file/);
});

Deno.test("AppIncidents takes an app whose folder is not made yet (no incident so far) quietly", async () => {
  await using dir = await tempDir();
  await using t = await setup(dir.path);
  t.incidents.connected(`${dir.path}/not-yet`);
  await t.incidents.flush();
  assert.deepEqual(t.errors, []);
});

Deno.test("AppIncidents with an incident left unfinished does not take again what retention dropped after it", async () => {
  await using dir = await tempDir();
  const app = `${dir.path}/app`;
  const [stuck, ...later] = await named(dir.path, app, [1, 2, 3]);
  // Its gzip failed: the plain file stays until the app recovers it.
  await Deno.rename(`${app}/${stuck}`, `${app}/${stuck.replace(/\.gz$/, "")}`);
  await using t = await setup(dir.path, { maxCount: 1 });
  t.incidents.connected(app);
  await t.incidents.flush();
  assert.deepEqual(stored(t.store), [later[1]], "retention kept one");
  let taken = 0;
  t.store.subscribe(() => taken++);
  t.incidents.connected(app);
  t.incidents.connected(app);
  await t.incidents.flush();
  assert.equal(taken, 0, "retention's choice stands");
});

Deno.test("AppIncidents takes an announced incident named before its mark (the app's clock stepped back)", async () => {
  await using dir = await tempDir();
  const app = `${dir.path}/app`;
  await using t = await setup(dir.path);
  t.incidents.connected(app);
  const [ahead] = await named(dir.path, app, [9]);
  t.incidents.announced(`${app}/${ahead}`, ahead, true);
  await t.incidents.flush();
  const [behind] = await named(dir.path, app, [3]);
  t.incidents.announced(`${app}/${behind}`, behind, true);
  await t.incidents.flush();
  assert.deepEqual(stored(t.store), [behind, ahead]);
});

Deno.test("AppIncidents does not take again what retention dropped in the second its look got to", async () => {
  await using dir = await tempDir();
  const app = `${dir.path}/app`;
  await Deno.mkdir(app);
  await using t = await setup(dir.path, { maxCount: 1 });
  t.incidents.connected(app);
  const names = await named(dir.path, app, [1, 1]); // one second, two names
  for (const n of names) t.incidents.announced(`${app}/${n}`, n, true);
  await t.incidents.flush();
  assert.equal(t.store.totals().count, 1, "retention kept one");
  let taken = 0;
  t.store.subscribe(() => taken++);
  t.incidents.connected(app);
  await t.incidents.flush();
  assert.equal(taken, 0, "retention's choice stands");
});
