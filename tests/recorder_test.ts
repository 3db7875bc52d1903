import assert from "node:assert/strict";
import { createLogger, listIncidents } from "../mod.ts";
import { readIncident, tempDir } from "./_util.ts";

Deno.test("FlightRecorder keeps rare UNUSUAL events in the incident through a NOISY flood", async () => {
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

Deno.test("FlightRecorder records triggers during an incident in it, not anew", async () => {
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

Deno.test("FlightRecorder counts rate-limited incidents and reports them in the next one", async () => {
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

Deno.test("FlightRecorder adds header hook fields and contains a throwing hook", async () => {
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

Deno.test("FlightRecorder without incidentDir buffers and writes nothing", async () => {
  await using log = createLogger({ trailingMs: 0 });
  log.bad("nowhere to write");
  await log.close();
  assert.equal(log.incidents.length, 0);
  assert.equal(log.stats.incidents, 0);
});

Deno.test("FlightRecorder with isolateBy puts only the trigger's context (and context-free events) in the incident", async () => {
  await using dir = await tempDir();
  const log = createLogger({
    incidentDir: dir.path,
    isolateBy: "requestId",
    bufferSizes: { default: 2 },
    trailingEvents: 3,
    trailingMs: 5000,
  });
  log.warn("starting"); // its own (UNUSUAL) ring: not pushed out
  for (let i = 0; i < 10; i++) {
    log.info("a step {i}", { requestId: "A", i });
    log.info("b step {i}", { requestId: "B", i });
  }
  log.weird("A failed", { requestId: "A" });
  log.info("b after", { requestId: "B" });
  log.info("a after", { requestId: "A" });
  log.info("no context after");
  await log.close();
  const { header, events } = await readIncident(log.incidents[0].path);
  assert.deepEqual(header.isolated, { key: "requestId", value: "A" });
  const texts = events.map((r) => r.d.format);
  // All ten A steps, though the level buffers (2 each) lost most of them.
  assert.equal(texts.filter((t) => t === "a step %(i)s").length, 10);
  assert(!texts.some((t) => t?.startsWith("b ")), texts.join(", "));
  assert(texts.includes("starting"));
  assert(texts.includes("a after") && texts.includes("no context after"));
  const nums = events.map((r) => r.d.num);
  assert.deepEqual(nums, [...nums].sort((x, y) => x - y));
});

Deno.test("FlightRecorder with isolateBy records a context-free trigger with every buffered event", async () => {
  await using dir = await tempDir();
  const log = createLogger({
    incidentDir: dir.path,
    isolateBy: "requestId",
    trailingMs: 0,
  });
  log.info("a", { requestId: "A" });
  log.info("b", { requestId: "B" });
  log.weird("global failure");
  await log.close();
  const { header, events } = await readIncident(log.incidents[0].path);
  assert.equal(header.isolated, undefined);
  assert.equal(events.length, 3);
});

Deno.test("FlightRecorder cuts an event over maxEventBytes, in its buffers and in the incident", async () => {
  await using dir = await tempDir();
  await using log = createLogger({
    incidentDir: dir.path,
    trailingMs: 0,
    maxEventBytes: 4096,
  });
  log.info("upload {body}", { body: "x".repeat(20_000_000) });
  const [buffered] = log.recorder.snapshot();
  assert.match(String(buffered.body), /^x{3000,4096}…\[\d+ chars cut\]$/);
  assert.equal(log.stats.eventsCut, 1);
  log.weird("then {dump}", { dump: "y".repeat(100_000) });
  await log.close();
  const { header, events } = await readIncident(log.incidents[0].path);
  assert.match(String(events[0].d.body), /…\[\d+ chars cut\]$/);
  const trigger = header.trigger as Record<string, unknown>;
  assert.match(String(trigger.dump), /^y+…\[\d+ chars cut\]$/);
  assert.equal(log.stats.eventsCut, 2);
});

Deno.test("FlightRecorder keeps its logged events under maxBufferedBytes, counting what it drops", async () => {
  await using log = createLogger({ maxBufferedBytes: 100_000 });
  for (let i = 0; i < 1000; i++) {
    log.child(`req/${i}`).info("{body}", { body: "z".repeat(1000) });
  }
  assert.ok(log.stats.bufferedBytes <= 100_000, `${log.stats.bufferedBytes}`);
  // The estimate counts the strings: about 1 KB per event, so < 100 kept.
  assert.ok(log.recorder.snapshot().length < 100);
  assert.ok(log.stats.droppedForBytes > 900, `${log.stats.droppedForBytes}`);
  assert.ok(log.stats.facilitiesEvicted > 900);
});

Deno.test("FlightRecorder refuses a maxEventBytes that is not a number > 0", () => {
  assert.throws(
    () => createLogger({ maxEventBytes: 0 }),
    /maxEventBytes: expected a number > 0, got 0/,
  );
});

Deno.test("FlightRecorder bounds its isolated buffers by maxBufferedBytes too", async () => {
  await using log = createLogger({
    isolateBy: "rid",
    maxBufferedBytes: 50_000,
  });
  for (let i = 0; i < 500; i++) {
    log.info("{body}", { rid: `r${i}`, body: "q".repeat(1000) });
  }
  const isolation = log.recorder.isolation!;
  assert.ok(isolation.bytes <= 50_000, `${isolation.bytes}`);
  assert.ok(isolation.size < 100, `${isolation.size} values`);
  assert.ok(log.stats.isolatedEvicted > 400);
});
