import assert from "node:assert/strict";
import { createLogger } from "../lib/create_logger.ts";
import {
  FIXTURE,
  hasFlogtool,
  readIncident,
  ROOT,
  runDeno,
  tempDir,
} from "./_util.ts";

const CLI = `${ROOT}cli/flightlog.ts`;

async function incident(dir: string): Promise<string> {
  const log = createLogger({ incidentDir: dir, trailingMs: 0 });
  log.debug("noise {i}", { i: 1 });
  log.child("db").info("query {ms} ms", { ms: 12 });
  log.child("db").child("pool").warn("pool at {pct}%", { pct: 93 });
  log.child("http").info("GET /cart");
  log.weird("disk full");
  await log.close();
  return log.incidents[0].path;
}

/** Runs `flightlog filter ARGS`. */
const filter = (args: string[]) =>
  runDeno(["run", "-A", CLI, "filter", ...args]);

const nums = async (path: string) =>
  (await readIncident(path)).events.map((r) => r.d.num);

Deno.test("flightlog filter keeps the header and the events at or above --above", async () => {
  await using dir = await tempDir();
  const src = await incident(dir.path);
  const out = `${dir.path}/out.flog.gz`;
  const r = await filter([
    "--above",
    "UNUSUAL",
    src,
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const { header, events } = await readIncident(out);
  assert.equal(header.type, "incident");
  assert.deepEqual(events.map((e) => e.d.level), [23, 30]);
});

Deno.test("flightlog filter --facility keeps a facility and those below; --strip-facility drops them", async () => {
  await using dir = await tempDir();
  const src = await incident(dir.path);
  await filter([
    "--facility",
    "db",
    src,
    `${dir.path}/db.flog`,
  ]);
  await filter([
    "--strip-facility",
    "db",
    src,
    `${dir.path}/nodb.flog`,
  ]);
  assert.deepEqual(await nums(`${dir.path}/db.flog`), [1, 2]);
  assert.deepEqual(await nums(`${dir.path}/nodb.flog`), [0, 3, 4]);
});

Deno.test("flightlog filter --grep matches rendered text; --nums takes lists and ranges", async () => {
  await using dir = await tempDir();
  const src = await incident(dir.path);
  await filter([
    "--grep",
    "at 93%",
    src,
    `${dir.path}/g.flog`,
  ]);
  await filter([
    "--nums",
    "0,3-4",
    src,
    `${dir.path}/n.flog`,
  ]);
  assert.deepEqual(await nums(`${dir.path}/g.flog`), [2]);
  assert.deepEqual(await nums(`${dir.path}/n.flog`), [0, 3, 4]);
});

Deno.test("flightlog filter --after/--before/--from select foolscap's incident by time and source", async () => {
  await using dir = await tempDir();
  const all = (await readIncident(FIXTURE)).events;
  const mid = all[Math.floor(all.length / 2)].d.time;
  const out = `${dir.path}/late.flog`;
  const r = await filter([
    "--after",
    String(mid),
    "--from",
    all[0].from.slice(0, 4),
    FIXTURE,
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const late = (await readIncident(out)).events;
  assert(late.length > 0 && late.length < all.length);
  assert(late.every((e) => e.d.time > mid));
});

Deno.test({
  name: "flightlog filter writes a file flogtool dumps",
  ignore: !hasFlogtool(),
  async fn() {
    await using dir = await tempDir();
    const src = await incident(dir.path);
    const out = `${dir.path}/f.flog`;
    await filter([
      "--above",
      "20",
      src,
      out,
    ]);
    const dumped = await new Deno.Command("flogtool", { args: ["dump", out] })
      .output();
    assert.equal(dumped.code, 0, new TextDecoder().decode(dumped.stderr));
    assert.match(
      new TextDecoder().decode(dumped.stdout),
      /disk full \[INCIDENT-TRIGGER\]/,
    );
  },
});

Deno.test("flightlog filter refuses bad options naming them", async () => {
  const r = await filter([
    "--nums",
    "x",
    FIXTURE,
    "/tmp/never.flog",
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--nums: not a number or range: x/);
});

Deno.test("flightlog filter --trace keeps one trace's events; dump shows the trace id", async () => {
  await using dir = await tempDir();
  const trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const log = createLogger({ incidentDir: dir.path, trailingMs: 0 });
  log.info("no trace");
  log.info("in the trace", { trace_id: trace, span_id: "00f067aa0ba902b7" });
  log.info("another trace", { trace_id: "a".repeat(32) });
  log.weird("failed", { trace_id: trace });
  await log.close();
  const out = `${dir.path}/t.flog`;
  const r = await filter([
    "--trace",
    trace.toUpperCase(),
    log.incidents[0].path,
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await nums(out), [1, 3]);
  const bad = await filter(["--trace", "abc", log.incidents[0].path, out]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--trace: not a trace id/);
  const dump = await runDeno(["run", "-A", CLI, "dump", log.incidents[0].path]);
  assert.match(dump.stdout, new RegExp(`^Trace: ${trace}$`, "m"));
  assert.match(
    dump.stdout,
    new RegExp(`in the trace \\[trace ${trace}\\]$`, "m"),
  );
});
