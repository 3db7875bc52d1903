import assert from "node:assert/strict";
import { createLogger, type IncidentInfo } from "../mod.ts";
import { ls, readIncident, tempDir } from "./_util.ts";

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

Deno.test("IncidentReporter writes header, history sorted by num, trigger and trailing events", async () => {
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

Deno.test("IncidentReporter ends the trailing window by time", async () => {
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
