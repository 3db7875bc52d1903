import assert from "node:assert/strict";
import { createLogger } from "../lib/create_logger.ts";
import { readIncident } from "./_util.ts";
import { smallDisk } from "./_tmpfs.ts";
import { ls, tempDir } from "./_util.ts";
import { IncidentStore } from "../store/sqlite/store.ts";
import { baseName, makeIncident, testApi } from "./_server_util.ts";

// Random text: gzip cannot shrink it much, so the .gz needs real room.
const noise = () => crypto.randomUUID().repeat(3);

Deno.test("IncidentReporter keeps the plain file and counts a failure when the gzip does not fit", async () => {
  await using disk = await smallDisk(128 * 1024);
  const dir = `${disk.path}/incidents`;
  await Deno.mkdir(dir);
  const log = createLogger({
    incidentDir: dir,
    trailingMs: 0,
    bufferSizes: { default: 200 },
  });
  for (let i = 0; i < 150; i++) {
    log.info("event {i} {pad}", { i, pad: noise() });
  }
  // Room for the plain file (~37 KB) but not for its gzip (~20 KB) too.
  await disk.fill(44 * 1024);
  log.weird("trigger");
  await log.close();
  const [info] = log.incidents;
  assert.equal(info.complete, false);
  assert.match(info.error ?? "", /No space left on device/);
  assert.equal(log.stats.failedIncidents, 1);
  const names = await ls(dir);
  assert.deepEqual(
    names,
    [info.name.replace(/\.gz$/, "")],
    "only the plain file",
  );
  const { events } = await readIncident(`${dir}/${names[0]}`);
  assert.equal(events.length, 151, "every event is still readable");
});

Deno.test("recoverIncidents() leaves a crashed plain file whole when its gzip does not fit", async () => {
  await using disk = await smallDisk(128 * 1024);
  const dir = `${disk.path}/incidents`;
  await Deno.mkdir(dir);
  const plain = `${dir}/incident-2026-01-01--00-00-00Z-abcdefg.flog`;
  const lines = [
    '{"header":{"type":"incident","pid":2147483646,"trigger":{"num":0,"time":1,"incarnation":["x",null],"level":30,"message":"t"}}}',
  ];
  for (let i = 0; i < 150; i++) {
    lines.push(
      JSON.stringify({
        from: "local",
        rx_time: 1,
        d: {
          num: i,
          time: 1,
          incarnation: ["x", null],
          level: 20,
          message: noise() + i,
        },
      }),
    );
  }
  await Deno.writeTextFile(
    plain,
    "# foolscap flogfile v1\n" + lines.join("\n") + "\n",
  );
  await disk.fill(2 * 1024);
  const log = createLogger({ incidentDir: dir });
  await log.ready;
  await log.close();
  assert.deepEqual(await ls(dir), [plain.slice(dir.length + 1)]);
  const { events } = await readIncident(plain);
  assert.equal(events.length, 151, "the 150 events and the recovery note");
  assert.equal(events[150].d.recovered, true);
  assert(log.stats.contained >= 1, "the failure was reported");
});

Deno.test("recoverIncidents() does not trust a cut .gz beside a plain file: it recovers the plain one", async () => {
  await using disk = await smallDisk(512 * 1024);
  const dir = `${disk.path}/incidents`;
  await Deno.mkdir(dir);
  const base = `${dir}/incident-2026-01-01--00-00-00Z-abcdefg.flog`;
  await Deno.writeTextFile(
    base,
    '# foolscap flogfile v1\n{"header":{"type":"incident","pid":2147483646}}\n{"from":"local","rx_time":1,"d":{"num":0,"time":1,"incarnation":["x",null],"level":30,"message":"kept"}}\n',
  );
  await Deno.writeFile(`${base}.gz`, new Uint8Array([0x1f, 0x8b, 8, 0])); // cut
  const log = createLogger({ incidentDir: dir });
  const recovered = await log.ready;
  await log.close();
  assert.deepEqual(recovered, [`${base}.gz`]);
  const { events } = await readIncident(`${base}.gz`);
  assert.equal(events[0].d.message, "kept");
});

Deno.test("IncidentStore.import() on a full disk refuses the incident, keeps nothing, and takes it once there is room", async () => {
  await using src = await tempDir();
  const log = createLogger({
    incidentDir: src.path,
    trailingMs: 0,
    bufferSizes: { default: 200 },
  });
  for (let i = 0; i < 150; i++) log.info("event {pad}", { pad: noise() });
  log.weird("trigger");
  await log.close();
  const [{ name, path }] = log.incidents;
  const bytes = await Deno.readFile(path);

  await using disk = await smallDisk(1024 * 1024);
  await using store = await IncidentStore.open(`${disk.path}/store`);
  await disk.fill(bytes.length / 2);
  await assert.rejects(store.import(name, bytes), /No space left on device/);
  assert.equal(store.get(name), undefined);
  assert.deepEqual(
    (await ls(`${disk.path}/store`)).filter((n) =>
      n.includes("incident-") || n.startsWith(".importing")
    ),
    [],
    "neither the file nor its .tmp",
  );
  await Deno.remove(`${disk.path}/filler`);
  assert.equal((await store.import(name, bytes)).created, true);
  assert.deepEqual(await Deno.readFile(`${disk.path}/store/${name}`), bytes);
});

Deno.test("IncidentStore.import() refuses with SQLite's own error when the file fits but the index does not, and keeps no file", async () => {
  await using src = await tempDir();
  const path = await makeIncident(src.path);
  const name = baseName(path);
  const bytes = await Deno.readFile(path);
  await using disk = await smallDisk(1024 * 1024);
  await using store = await IncidentStore.open(`${disk.path}/store`);
  // Room for the file's pages, none for the index's.
  await disk.fill(Math.ceil(bytes.length / 4096) * 4096);
  await assert.rejects(store.import(name, bytes), /full/);
  assert.equal(store.get(name), undefined);
  assert.deepEqual(
    (await ls(`${disk.path}/store`)).filter((n) =>
      n.includes("incident-") || n.startsWith(".importing")
    ),
    [],
  );
});

Deno.test("a push to a server whose disk is full is answered 507 with Retry-After, and taken once there is room", async () => {
  await using src = await tempDir();
  const path = await makeIncident(src.path);
  const bytes = await Deno.readFile(path);
  await using disk = await smallDisk(1024 * 1024);
  await using t = await testApi(`${disk.path}/store`);
  await disk.fill(1024);
  const push = () =>
    t.fetch(`/v1/incidents?name=${baseName(path)}`, {
      method: "POST",
      body: bytes,
    });
  const full = await push();
  assert.equal(full.status, 507);
  assert.equal(full.headers.get("retry-after"), "60");
  assert.match((await full.json()).error, /disk is full/);
  await Deno.remove(`${disk.path}/filler`);
  const taken = await push();
  assert.equal(taken.status, 201);
  await taken.body?.cancel();
});
