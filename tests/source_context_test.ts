// Source context: in-app frames of a failure get the lines around them when
// an incident is written, bounded, redacted, and only where the process may
// read the file.
import assert from "node:assert/strict";
import {
  isInApp,
  MAX_SOURCE_LINE,
  parseStack,
  sourceContext,
  SourceReader,
  type StackFrame,
} from "../lib/source_context.ts";
import { createLogger } from "../mod.ts";
import { toFailure } from "../lib/event.ts";
import { readIncident, ROOT, runDeno, tempDir } from "./_util.ts";

const APP = `${ROOT}tests/apps/charging_app.ts`;

/** The frames of the failure among an incident's events. */
function framesOf(events: { d: Record<string, unknown> }[]): StackFrame[] {
  const e = events.find((r) => r.d.failure !== undefined)!;
  return (e.d.failure as { frames: StackFrame[] }).frames;
}

Deno.test("parseStack reads V8 frames and tells the app's own files", () => {
  const frames = parseStack(
    [
      "Error: x",
      "    at chargeCard (file:///srv/shop/payments.ts:4:9)",
      "    at async file:///srv/shop/main.ts:10:3",
      "    at Object.run (ext:deno_http/00_serve.ts:1:2)",
      "    at f (file:///srv/shop/node_modules/x/i.js:1:1)",
      "Caused by: Error: y",
      "    at g (file:///srv/shop/other.ts:1:1)",
    ].join("\n"),
  );
  assert.deepEqual(
    frames.map((f) => [f.fn, f.line, f.column, f.inApp]),
    [
      ["chargeCard", 4, 9, true],
      ["", 10, 3, true],
      ["Object.run", 1, 2, false],
      ["f", 1, 1, false],
    ],
  );
  assert.equal(
    isInApp(new URL("../lib/logger.ts", import.meta.url).href),
    false,
  );
});

Deno.test("SourceReader gives the lines around a frame's line, the first numbered", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/a.ts`;
  await Deno.writeTextFile(
    file,
    Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join("\n"),
  );
  const frame: StackFrame = { fn: "f", file, line: 3, column: 1, inApp: true };
  const got = new SourceReader({ lines: 5 }).frame(frame).source!;
  assert.equal(got.start, 1, "cut at the top of the file");
  assert.deepEqual(
    got.lines,
    Array.from({ length: 8 }, (_, i) => `line ${i + 1}`),
  );
  const two = new SourceReader({ lines: 2 }).frame({ ...frame, line: 20 });
  assert.deepEqual(two.source, {
    start: 18,
    lines: ["line 18", "line 19", "line 20"],
  });
});

Deno.test("SourceReader cuts long lines and redacts each line", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/a.ts`;
  await Deno.writeTextFile(file, `${"x".repeat(500)}\nconst t = "secret";\n`);
  const r = new SourceReader({
    lines: 1,
    redact: (s) => s.replace("secret", "[REDACTED]"),
  });
  const got = r.frame({ fn: "f", file, line: 1, column: 1, inApp: true })
    .source!;
  assert.equal(got.lines[0].length, MAX_SOURCE_LINE + 1);
  assert.equal(got.lines[1], 'const t = "[REDACTED]";');
});

Deno.test("SourceReader adds nothing for a file it cannot read", () => {
  const frame: StackFrame = {
    fn: "f",
    file: "/no/such/file.ts",
    line: 1,
    column: 1,
    inApp: true,
  };
  assert.equal(new SourceReader({ lines: 5 }).frame(frame).source, undefined);
});

Deno.test("SourceReader refuses a number of lines out of range", () => {
  assert.throws(() => new SourceReader({ lines: 51 }), RangeError);
  assert.throws(
    () => createLogger({ sourceContext: -1 }),
    /sourceContext must be/,
  );
});

Deno.test("sourceContext leaves the buffered event as it was", () => {
  const failure = toFailure(new Error("boom"));
  const event = {
    num: 1,
    time: 0,
    incarnation: ["a", null] as [string, null],
    level: 30,
    failure,
  };
  const add = sourceContext(5);
  const out = add(event, []);
  assert.notEqual(out.trigger, event);
  assert.ok(
    Array.isArray(
      (out.trigger.failure as unknown as { frames: unknown[] }).frames,
    ),
  );
  assert.equal("frames" in failure, false);
  const off = sourceContext(false)(event, []);
  assert.equal(off.trigger, event);
});

Deno.test("an app's incident carries the source of its in-app frame, redacted; dump shows it", async () => {
  await using dir = await tempDir();
  const run = await runDeno([
    "run",
    `--allow-read=${ROOT},${dir.path}`,
    `--allow-write=${dir.path}`,
    "--allow-sys",
    "--allow-env",
    APP,
    dir.path,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const path = run.stdout.trim();
  const { events } = await readIncident(path);
  const frames = framesOf(events);
  const own = frames.find((f) => f.fn === "chargeCard")!;
  assert.ok(own.inApp);
  const at = own.source!.lines[own.line - own.source!.start];
  assert.match(at, /throw new Error\(`card declined for order/);
  const all = own.source!.lines.join("\n");
  assert.doesNotMatch(all, /sk_live_0123456789abcdef/);
  const dump = await runDeno([
    "run",
    "--allow-read",
    `${ROOT}cli/flightlog.ts`,
    "dump",
    path,
  ]);
  assert.equal(dump.code, 0, dump.stderr);
  assert.match(dump.stdout, /source of chargeCard \(.*charging_app\.ts:\d+\):/);
  assert.match(dump.stdout, /> +\d+ \| +throw new Error\(`card declined/);
});

Deno.test("an app that may not read its own source writes no source lines", async () => {
  await using dir = await tempDir();
  // Read access to the incident folder and flightlog's lib only, not to the app.
  const run = await runDeno([
    "run",
    `--allow-read=${dir.path},${ROOT}lib`,
    `--allow-write=${dir.path}`,
    "--allow-sys",
    "--allow-env",
    APP,
    dir.path,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const { events } = await readIncident(run.stdout.trim());
  const frames = framesOf(events);
  assert.ok(frames.some((f) => f.inApp));
  assert.ok(frames.every((f) => f.source === undefined));
});
