import assert from "node:assert/strict";
import { createLogger, Level, listIncidents } from "../mod.ts";
import { tempDir } from "./_util.ts";

Deno.test("listIncidents() summarises each file, oldest first", async () => {
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
