// SIGKILL at random moments of writing incidents and of recovering them:
// afterwards every file is a readable flogfile, and recovery finishes them.
import assert from "node:assert/strict";
import { readFlog } from "../lib/flogfile.ts";
import { createLogger } from "../lib/create_logger.ts";
import { Prng } from "./_prng.ts";
import { ls, Proc, ROOT, tempDir } from "./_util.ts";
import { smallDisk } from "./_tmpfs.ts";

/**
 * Events per incident (by base name: the most of its plain and gzip
 * files), each file read to its end (a cut last line allowed). `lenient`:
 * a file killed before its header was whole (no events) is passed over.
 */
async function eventsByIncident(
  dir: string,
  options: { lenient?: boolean } = {},
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const name of await ls(dir)) {
    if (!name.startsWith("incident-") || name.endsWith(".tmp")) continue;
    const path = `${dir}/${name}`;
    if (options.lenient && (await Deno.stat(path)).size < 100) continue;
    let events = 0;
    for await (const r of readFlog(path, { onDamage: () => {} })) {
      if (!("header" in r)) events++;
    }
    const base = name.replace(/\.flog(\.gz)?$/, "");
    counts.set(base, Math.max(counts.get(base) ?? 0, events));
  }
  return counts;
}

Deno.test("SIGKILL at random moments of writing and of recovery leaves files that recovery finishes, none losing events", async () => {
  const rng = new Prng();
  for (let round = 0; round < 6; round++) {
    await using dir = await tempDir();
    const app = new Proc([
      "run",
      "-A",
      `${ROOT}tests/apps/busy_writer.ts`,
      dir.path,
    ]);
    await app.waitFor("STARTED");
    await new Promise((r) => setTimeout(r, rng.int(5, 300)));
    await app.stop("SIGKILL");
    const before = await eventsByIncident(dir.path, { lenient: true });
    if (round % 2 === 1) {
      // And a recovery killed half way, too.
      const recovering = new Proc([
        "run",
        "-A",
        `${ROOT}tests/apps/recover.ts`,
        dir.path,
      ]);
      await recovering.waitFor("STARTED");
      await new Promise((r) => setTimeout(r, rng.int(0, 30)));
      await recovering.stop("SIGKILL");
    }
    const log = createLogger({ incidentDir: dir.path });
    await log.ready;
    await log.close();
    const names = await ls(dir.path);
    assert(
      names.every((n) => n.endsWith(".flog.gz")),
      `round ${round} (FLIGHTLOG_SEED=${rng.seed}): left ${names.join(", ")}`,
    );
    // Nothing was lost: each incident has at least the events it had.
    const after = await eventsByIncident(dir.path);
    for (const [base, n] of before) {
      assert(
        (after.get(base) ?? 0) >= n,
        `round ${round}: ${base} lost events`,
      );
    }
  }
});

Deno.test("an incident directory that cannot be written costs nothing but the file: counted, reported, events kept", async () => {
  await using disk = await smallDisk(64 * 1024);
  const remount = async (mode: string) => {
    const out = await new Deno.Command("mount", {
      args: ["-o", `remount,${mode}`, disk.path],
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
  };
  await remount("ro");
  const log = createLogger({
    incidentDir: disk.path,
    trailingMs: 0,
    recover: false,
  });
  log.info("before");
  assert.doesNotThrow(() => log.weird("cannot be written"));
  assert.equal(log.stats.failedIncidents, 1);
  assert(log.stats.contained >= 1);
  assert.equal(
    log.snapshot().length >= 2,
    true,
    "the events are still buffered",
  );
  await remount("rw");
  log.weird("written now");
  await log.close();
  assert.equal(log.incidents.length, 1);
  assert.equal(
    log.incidents[0].events >= 3,
    true,
    "the history includes the events of the failed one",
  );
});
