import assert from "node:assert/strict";
import { captureConsole } from "../lib/capture_console.ts";
import { renderMessage } from "../lib/format.ts";
import { createLogger } from "../lib/create_logger.ts";

Deno.test("captureConsole() records console calls at matching levels and still prints them", async () => {
  const log = createLogger();
  const printed: unknown[][] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => printed.push(args);
  try {
    using _capture = captureConsole(log);
    console.warn("disk at %d%%", 93);
  } finally {
    console.warn = original;
  }
  const [e] = log.snapshot();
  assert.equal(e.level, 23);
  assert.equal(e.facility, "console");
  assert.equal(renderMessage(e), "disk at 93%");
  assert.deepEqual(printed, [["disk at %d%%", 93]]);
  await log.close();
});

Deno.test("captureConsole() puts the console back when disposed", async () => {
  const log = createLogger();
  const before = console.info;
  {
    using _capture = captureConsole(log);
    assert.notEqual(console.info, before);
  }
  assert.equal(console.info, before);
  await log.close();
});

Deno.test("captureConsole() records nothing below its level", async () => {
  const log = createLogger();
  const original = console.debug;
  console.debug = () => {};
  try {
    using _capture = captureConsole(log, { level: "UNUSUAL" });
    console.debug("noise");
  } finally {
    console.debug = original;
  }
  assert.equal(log.snapshot().length, 0);
  await log.close();
});
