import assert from "node:assert/strict";
import { withDefaults } from "../lib/_options.ts";
import { createLogger } from "../lib/create_logger.ts";
import { FlightRecorder } from "../lib/recorder.ts";
import { RECORDER_DEFAULTS } from "../lib/recorder_options.ts";
import { tempDir } from "./_util.ts";

Deno.test("withDefaults() lets an explicit undefined keep the default", () => {
  assert.deepEqual(withDefaults({ a: 1, b: 2 }, { a: undefined, b: 3 }), {
    a: 1,
    b: 3,
  });
  assert.deepEqual(withDefaults({ a: 1 }, undefined), { a: 1 });
});

Deno.test("FlightRecorder keeps every default when options are given as undefined", async () => {
  await using rec = new FlightRecorder({
    trailingEvents: undefined,
    trailingMs: undefined,
    rateLimit: undefined,
    from: undefined,
    qualifier: undefined,
    recover: undefined,
  });
  for (const [key, value] of Object.entries(RECORDER_DEFAULTS)) {
    assert.deepEqual(rec.options[key as keyof typeof rec.options], value, key);
  }
});

Deno.test("createLogger({ trailingMs: undefined }) still records trailing events", async () => {
  await using dir = await tempDir();
  const log = createLogger({ incidentDir: dir.path, trailingMs: undefined });
  log.weird("trigger");
  log.info("after");
  // With the bug, an undefined trailingMs ended the window at the next timer.
  await new Promise((r) => setTimeout(r, 20));
  log.info("later");
  assert.equal(log.recorder.activeIncident?.trailing, 2);
  await log.close();
  assert.equal(log.incidents[0].events, 3);
  assert.equal(log.incidents[0].reason, "close");
});
