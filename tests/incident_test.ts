import assert from "node:assert/strict";
import {
  createLogger,
  type IncidentInfo,
  Level,
  listIncidents,
} from "../mod.ts";
import {
  hasFlogtool,
  ls,
  readIncident,
  ROOT,
  runDeno,
  tempDir,
} from "./_util.ts";

function nextIncident(
  log: ReturnType<typeof createLogger>,
): Promise<IncidentInfo> {
  return new Promise((resolve) => {
    const off = log.onIncident((i) => {
      off();
      resolve(i);
    });
  });
}

Deno.test("an incident holds header, history sorted by num, trigger, and trailing events", async () => {
  await using dir = await tempDir();
  const log = createLogger({
    incidentDir: dir.path,
    app: "shop",
    versions: { shop: "1.2.3" },
    trailingEvents: 3,
    trailingMs: 60_000,
  });
  const db = log.child("db");
  log.info("start");
  db.debug("connect");
  db.warn("slow");
  const trigger = db.weird("lost connection to {host}", { host: "db1" });
  // The plain file is on disk before the log call returns.
  const plain = (await ls(dir.path)).filter((n) => n.endsWith(".flog"));
  assert.equal(plain.length, 1);
  assert.match(
    plain[0],
    /^incident-\d{4}-\d\d-\d\d--\d\d-\d\d-\d\dZ-[a-z2-7]{7}\.flog$/,
  );
  const done = nextIncident(log);
  log.info("after 1");
  log.info("after 2");
  log.info("after 3"); // the third trailing event ends it
  log.info("not in the incident");
  const info = await done;
  assert.equal(info.reason, "count");
  assert.equal(info.trailing, 3);
  assert.ok(info.complete);
  assert.deepEqual(
    await ls(dir.path),
    [info.name],
    "only the .flog.gz is left",
  );
  const { header, events } = await readIncident(info.path);
  assert.equal(header.type, "incident");
  assert.equal(header.pid, Deno.pid);
  assert.equal(header.app, "shop");
  assert.equal(header.versions!.shop, "1.2.3");
  assert.equal(header.versions!.deno, Deno.version.deno);
  assert.equal(header.trigger!.num, trigger);
  assert.equal(header.trigger!.host, "db1");
  assert.deepEqual(events.map((r) => r.d.num), [0, 1, 2, 3, 4, 5, 6]);
  assert.ok(events.every((r) => r.from === "local"));
  await log.close();
});

Deno.test("per-level buffers: a NOISY flood does not push UNUSUAL events out of the incident", async () => {
  await using dir = await tempDir();
  await using log = createLogger({
    incidentDir: dir.path,
    trailingMs: 0,
    bufferSizes: { default: 10 },
  });
  log.warn("the clue");
  for (let i = 0; i < 10_000; i++) log.debug("noise {i}", { i });
  log.weird("failure");
  await log.close();
  const { events } = await readIncident(log.incidents[0].path);
  assert.equal(events[0].d.format, "the clue");
  assert.equal(events.length, 12); // clue + 10 newest noise + trigger
  assert.equal(events[1].d.i, 9990);
});

Deno.test("trailing window ends by time", async () => {
  await using dir = await tempDir();
  await using log = createLogger({
    incidentDir: dir.path,
    trailingMs: 50,
    trailingEvents: 1000,
  });
  const done = nextIncident(log);
  log.scary("trigger");
  log.info("trailing");
  const info = await done;
  assert.equal(info.reason, "time");
  assert.equal(info.trailing, 1);
});

Deno.test("triggers during an incident are recorded in it, not started anew", async () => {
  await using dir = await tempDir();
  await using log = createLogger({ incidentDir: dir.path, trailingMs: 60_000 });
  log.weird("first");
  const second = log.bad("second");
  await log.close();
  assert.equal(log.incidents.length, 1);
  const info = log.incidents[0];
  assert.equal(info.extraTriggers, 1);
  assert.equal(info.reason, "close");
  const { events } = await readIncident(info.path);
  const note = events.at(-1)!.d;
  assert.equal(note.facility, "flightlog");
  assert.equal(note.trigger_num, second);
  assert.match(String(note.format), /another trigger/);
  assert.equal(log.stats.extraTriggers, 1);
});

Deno.test("rate limit: extra incidents are counted and reported in the next one", async () => {
  await using dir = await tempDir();
  const log = createLogger({
    incidentDir: dir.path,
    trailingMs: 0,
    rateLimit: { max: 2, windowMs: 60_000 },
  });
  for (let i = 0; i < 5; i++) log.bad("failure {i}", { i });
  await log.close();
  assert.equal(log.stats.incidents, 2);
  assert.equal(log.stats.suppressedIncidents, 3);
  // The count goes into the header of the next incident once the window passed.
  const log2 = createLogger({
    incidentDir: dir.path,
    trailingMs: 0,
    rateLimit: { max: 1, windowMs: 40 },
  });
  log2.bad("a");
  log2.bad("b");
  assert.equal(log2.stats.suppressedIncidents, 1);
  await new Promise((r) => setTimeout(r, 50)); // nothing to await: the window is time itself
  log2.bad("c");
  await log2.close();
  assert.equal(log2.stats.incidents, 2);
  const { header } = await readIncident(log2.incidents[1].path);
  assert.equal(header.suppressed_incidents, 1);
  assert.equal(
    (await readIncident(log2.incidents[0].path)).header.suppressed_incidents,
    undefined,
  );
  const listed = await listIncidents(dir.path);
  assert.equal(listed.length, 2 + log2.stats.incidents);
});

Deno.test("header hook adds fields; a throwing hook is contained", async () => {
  await using dir = await tempDir();
  let calls = 0;
  const origError = console.error;
  console.error = () => {};
  try {
    await using log = createLogger({
      incidentDir: dir.path,
      trailingMs: 0,
      header: (trigger) => {
        if (calls++ > 0) throw new Error("hook broke");
        return {
          region: "eu",
          trigger_level: trigger.level,
          type: "not-allowed",
        };
      },
    });
    log.weird("one");
    await log.close();
    const { header } = await readIncident(log.incidents[0].path);
    assert.equal(header.region, "eu");
    assert.equal(header.trigger_level, 30);
    assert.equal(header.type, "incident");
  } finally {
    console.error = origError;
  }
  await using log2 = createLogger({
    incidentDir: dir.path,
    trailingMs: 0,
    header: () => {
      throw new Error("hook broke");
    },
  });
  console.error = () => {};
  try {
    log2.weird("two");
    await log2.close();
  } finally {
    console.error = origError;
  }
  const { header } = await readIncident(log2.incidents[0].path);
  assert.match(String(header.header_hook_error), /hook broke/);
});

Deno.test("listIncidents summarises each file", async () => {
  await using dir = await tempDir();
  await using log = createLogger({
    incidentDir: dir.path,
    trailingMs: 0,
    app: "lister",
  });
  log.info("x");
  log.child("disk").weird("disk {d} is {p}% full", { d: "sda1", p: 97 });
  await log.close();
  const [s] = await listIncidents(dir.path);
  assert.equal(s.summary, "disk sda1 is 97% full");
  assert.equal(s.facility, "disk");
  assert.equal(s.level, Level.WEIRD);
  assert.equal(s.app, "lister");
  assert.equal(s.events, 2);
  assert.ok(s.complete);
  assert.ok(!s.recovered);
  assert.ok(s.bytes > 0);
  assert.deepEqual(await listIncidents(`${dir.path}/missing`), []);
});

Deno.test("incidents without incidentDir: buffered, nothing written", async () => {
  await using log = createLogger({ trailingMs: 0 });
  log.bad("nowhere to write");
  await log.close();
  assert.equal(log.incidents.length, 0);
  assert.equal(log.stats.incidents, 0);
});

Deno.test({
  name: "interop: foolscap's flogtool dumps our incident once gunzipped",
  ignore: !hasFlogtool(),
  async fn() {
    await using dir = await tempDir();
    await using log = createLogger({
      incidentDir: dir.path,
      trailingMs: 0,
      app: "interop",
    });
    log.info("ünïcödé {who} 100%", { who: "Zoë 🦕" });
    log.err(new Error("kaput"), { level: Level.WEIRD });
    await log.close();
    const gz = log.incidents[0].path;
    const plain = gz.replace(/\.gz$/, "");
    const text = await new Response(
      (await Deno.open(gz)).readable.pipeThrough(
        new DecompressionStream("gzip"),
      ),
    ).text();
    await Deno.writeTextFile(plain, text);
    const out = await new Deno.Command("/usr/bin/flogtool", {
      args: ["dump", "-t", "epoch", plain],
      env: { TZ: "UTC" },
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(stdout, /PID: \d+/);
    assert.match(stdout, /local#0 \d+\.\d{3}: ünïcödé Zoë 🦕 100%/);
    assert.match(
      stdout,
      /local#1 \d+\.\d{3}: Error: kaput \[INCIDENT-TRIGGER\]/,
    );
    assert.match(stdout, / FAILURE:\n Error: kaput\n\s+at /);
    // And our dump agrees with flogtool's, line for line.
    const ours = await runDeno([
      "run",
      "--allow-read",
      `${ROOT}cli/flightlog.ts`,
      "dump",
      "--flogtool",
      "-t",
      "epoch",
      gz,
    ], {
      env: { TZ: "UTC" },
    });
    assert.equal(ours.stdout, stdout);
  },
});
