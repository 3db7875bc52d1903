import assert from "node:assert/strict";
import { createLogger, listIncidents } from "../mod.ts";
import { eventLine, FLOG_MAGIC, headerLine } from "../lib/flogfile.ts";
import { recoverIncidents } from "../lib/recovery.ts";
import { ls, Proc, readIncident, ROOT, tempDir } from "./_util.ts";

Deno.test("recoverIncidents() finishes the .flog a SIGKILL left in the trailing window", async () => {
  await using dir = await tempDir();
  const app = new Proc([
    "run",
    "-A",
    `${ROOT}tests/apps/crash_during_incident.ts`,
    dir.path,
  ]);
  const plainPath = await app.waitFor("TRIGGERED ");
  await app.stop("SIGKILL");

  // What the crash left: the plain file, readable, with header, history,
  // trigger and trailing events (and the gzip it was compressing meanwhile).
  const plainName = plainPath.slice(dir.path.length + 1);
  assert.deepEqual(
    (await ls(dir.path)).filter((n) => n !== plainName + ".gz.tmp"),
    [plainName],
  );
  const left = await readIncident(plainPath);
  assert.equal(left.header.app, "crasher");
  assert.equal(left.events.length, 26);
  assert.equal(left.events[20].d.format, "something odd with item %(i)s");
  const [listed] = await listIncidents(dir.path);
  assert.equal(listed.complete, false);

  // A half-written last line, as a crash in the middle of a write leaves.
  const f = await Deno.open(plainPath, { append: true });
  await f.write(
    new TextEncoder().encode('{"from": "local", "rx_time": 1, "d": {"num"'),
  );
  f.close();

  await using log = createLogger({ incidentDir: dir.path });
  const recovered = await log.ready;
  assert.deepEqual(recovered, [plainPath + ".gz"]);
  assert.deepEqual(await ls(dir.path), [
    plainPath.slice(dir.path.length + 1) + ".gz",
  ]);
  const { header, events } = await readIncident(plainPath + ".gz");
  assert.equal(header.app, "crasher");
  assert.equal(events.length, 27, "all 26 events kept, plus the recovery note");
  const note = events.at(-1)!.d;
  assert.equal(note.recovered, true);
  assert.ok(Number(note.cut_bytes) > 0);
  const [summary] = await listIncidents(dir.path);
  assert.ok(summary.complete && summary.recovered);
});

Deno.test("recoverIncidents() removes leftovers and leaves live incidents alone", async () => {
  await using dir = await tempDir();
  const base = `${dir.path}/incident-2026-01-01--00-00-00Z-aaaaaaa`;
  await Deno.writeTextFile(`${base}.flog.gz.tmp`, "half a gzip");
  // A plain file whose .gz made it (crash between rename and unlink).
  const other = `${dir.path}/incident-2026-01-01--00-00-01Z-bbbbbbb`;
  const text = '# foolscap flogfile v1\n{"header":{"type":"incident"}}\n';
  await Deno.writeTextFile(`${other}.flog`, text);
  await Deno.writeFile(
    `${other}.flog.gz`,
    new Uint8Array(
      await new Response(
        new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
      ).arrayBuffer(),
    ),
  );
  // An incident being recorded by this very process right now.
  await using live = createLogger({
    incidentDir: dir.path,
    trailingMs: 60_000,
  });
  live.weird("in progress");
  await using log = createLogger({ incidentDir: dir.path });
  assert.deepEqual(await log.ready, []);
  const names = await ls(dir.path);
  // The live one's .flog and the .gz.tmp it is compressing into stay.
  assert.equal(names.length, 3);
  assert.equal(names.filter((n) => n.endsWith(".flog.gz.tmp")).length, 1);
  assert(!names.includes("incident-2026-01-01--00-00-00Z-aaaaaaa.flog.gz.tmp"));
  assert.ok(names.includes(`incident-2026-01-01--00-00-01Z-bbbbbbb.flog.gz`));
  assert.ok(
    names.some((n) =>
      n.endsWith(".flog") && n !== "incident-2026-01-01--00-00-01Z-bbbbbbb.flog"
    ),
  );
  await live.close();
  assert.equal(
    (await ls(dir.path)).filter((n) => n.endsWith(".flog.gz")).length,
    2,
  );
});

/** Another process on this host, alive until disposed. */
function liveProcess() {
  const child = new Deno.Command("sleep", { args: ["60"] }).spawn();
  return {
    pid: child.pid,
    async [Symbol.asyncDispose]() {
      child.kill();
      await child.status;
    },
  };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

const NAME = "incident-2026-11-25--01-00-00Z-abcdefg";
const TIME = 1795567200;
const TRIGGER = {
  num: 7,
  time: TIME,
  incarnation: ["appinc1", null] as [string, null],
  level: 30,
  message: "it broke",
};

/** A plain incident as a crash leaves it, with `header` fields of its writer. */
async function plainIncident(dir: string, header: Record<string, unknown>) {
  await Deno.writeTextFile(
    `${dir}/${NAME}.flog`,
    FLOG_MAGIC +
      headerLine({ type: "incident", trigger: TRIGGER, ...header }) +
      eventLine(TRIGGER, { from: "local", rxTime: TIME }),
  );
}

const context = () => ({
  incarnation: ["r", null] as [string, null],
  nextNum: () => 0,
  host: Deno.hostname(),
});

Deno.test("recoverIncidents() leaves the .gz.tmp of an incident another live process is compressing", async () => {
  await using dir = await tempDir();
  await using writer = liveProcess();
  await plainIncident(dir.path, { pid: writer.pid, host: Deno.hostname() });
  await Deno.writeFile(`${dir.path}/${NAME}.flog.gz.tmp`, new Uint8Array([31]));
  assert.deepEqual(await recoverIncidents(dir.path, context()), []);
  assert.deepEqual(await ls(dir.path), [`${NAME}.flog`, `${NAME}.flog.gz.tmp`]);
});

Deno.test("recoverIncidents() finishes a sidecar's incident when the sidecar died, though its app lives", async () => {
  await using dir = await tempDir();
  await using app = liveProcess();
  await plainIncident(dir.path, {
    pid: app.pid,
    sidecar_pid: await deadPid(),
    host: Deno.hostname(),
  });
  const recovered = await recoverIncidents(dir.path, context());
  assert.deepEqual(recovered, [`${dir.path}/${NAME}.flog.gz`]);
  assert.deepEqual(await ls(dir.path), [`${NAME}.flog.gz`]);
});

Deno.test("recoverIncidents() leaves a sidecar's incident while the sidecar lives, though its app died", async () => {
  await using dir = await tempDir();
  await using sidecar = liveProcess();
  await plainIncident(dir.path, {
    pid: await deadPid(),
    sidecar_pid: sidecar.pid,
    host: Deno.hostname(),
  });
  assert.deepEqual(await recoverIncidents(dir.path, context()), []);
  assert.deepEqual(await ls(dir.path), [`${NAME}.flog`]);
});
