import assert from "node:assert/strict";
import { withContext } from "../lib/context.ts";
import { createLogger, type FlogEvent, Level } from "../mod.ts";
import { eventLine } from "../lib/flogfile.ts";
import { tempDir } from "./_util.ts";
import { fieldPreparer } from "../lib/_fields.ts";
import { redactionRules } from "../lib/redact.ts";
import { forAll } from "./_prng.ts";

function capture(log: ReturnType<typeof createLogger>) {
  const events: FlogEvent[] = [];
  log.onEvent((e) => events.push(e));
  return events;
}

Deno.test("Logger level methods and aliases log at foolscap's levels and return nums", async () => {
  await using log = createLogger();
  const events = capture(log);
  const calls = [
    ["noisy", 10],
    ["debug", 10],
    ["operational", 20],
    ["info", 20],
    ["unusual", 23],
    ["warn", 23],
    ["infrequent", 25],
    ["curious", 28],
    ["weird", 30],
    ["scary", 35],
    ["error", 35],
    ["bad", 40],
    ["fatal", 40],
  ] as const;
  const nums = calls.map(([m]) => log[m](m));
  assert.deepEqual(nums, calls.map((_, i) => i));
  assert.deepEqual(events.map((e) => [e.format, e.level]), calls);
  assert.equal(log.log(31, "custom"), calls.length);
  assert.equal(events.at(-1)!.level, 31);
});

Deno.test("Logger.log() builds flat foolscap events: format, fields, facility, incarnation, parent", async () => {
  await using log = createLogger({ facility: "app" });
  const events = capture(log);
  const before = Date.now() / 1000;
  const parent = log.info("request {id} from {user}", { id: 7, user: "zoë" });
  log.child("db").child("pool").debug("query {sql} took {ms} ms", {
    sql: "select 1",
    ms: 3,
    parent,
    time: "x",
  });
  const [a, b] = events;
  assert.equal(a.format, "request %(id)s from %(user)s");
  assert.equal(a.id, 7);
  assert.equal(a.user, "zoë");
  assert.equal(a.facility, "app");
  assert.ok(a.time >= before && a.time <= Date.now() / 1000);
  assert.match(a.incarnation[0], /^[0-9a-f]{16}$/);
  assert.equal(a.incarnation[1], null);
  assert.equal(b.facility, "app/db/pool");
  assert.equal(b.parent, parent);
  assert.equal(b._time, "x", "a field named like a reserved key is renamed");
  assert.equal(b.format, "query %(sql)s took %(ms)s ms");
  assert.equal(log.child("db"), log.child("db"), "children are cached");
});

Deno.test("Logger drops events below the facility's threshold before buffers and observers", async () => {
  await using log = createLogger({
    threshold: {
      default: "OPERATIONAL",
      facilities: { "net/peer": Level.NOISY },
    },
  });
  const events = capture(log);
  assert.equal(log.debug("dropped"), -1);
  assert.notEqual(log.child("net").child("peer").debug("kept"), -1);
  assert.notEqual(log.child("net").debug("dropped too"), 0);
  assert.deepEqual(events.map((e) => e.format), ["kept"]);
  assert.equal(log.stats.belowThreshold, 2);
  assert.equal(log.snapshot().length, 1);
});

Deno.test("Logger.err() records an Error as a failure with isError and its cause chain", async () => {
  await using log = createLogger();
  const events = capture(log);
  const cause = new RangeError("inner");
  log.err(new Error("outer {braces} 100%", { cause }), { request: 9 });
  log.err("a string", { why: "context was {lost}", level: Level.UNUSUAL });
  const [a, b] = events;
  assert.equal(a.level, Level.SCARY);
  assert.equal(a.isError, 1);
  assert.equal(a.request, 9);
  assert.equal(a.failure!.name, "Error");
  assert.equal(a.failure!.message, "outer {braces} 100%");
  assert.equal((a.failure!.cause as { name: string }).name, "RangeError");
  assert.equal(a.format, "Error: outer {braces} 100%%");
  assert.equal(b.level, Level.UNUSUAL);
  assert.equal(b.why, "context was {lost}");
  assert.equal(b.failure!.message, "a string");
});

Deno.test("Logger.log() never throws: bad values, throwing observers and qualifiers are contained once", async () => {
  const errors: string[] = [];
  const origError = console.error;
  console.error = (...a: unknown[]) => errors.push(a.join(" "));
  try {
    const dir = await Deno.makeTempDir();
    await using log = createLogger({
      incidentDir: dir,
      trailingMs: 0,
      qualifier: (e) => {
        if (e.format === "boom") throw new Error("qualifier broke");
        return false;
      },
    });
    const events = capture(log);
    log.onEvent(() => {
      throw new Error("observer broke");
    });
    const cyc: Record<string, unknown> = {};
    cyc.cyc = cyc;
    assert.equal(
      typeof log.info("values {a}", {
        a: 10n,
        b: () => 1,
        c: Symbol("s"),
        d: cyc,
      }),
      "number",
    );
    // deno-lint-ignore no-explicit-any
    assert.equal(typeof log.info(undefined as any), "number");
    log.log(Level.BAD, "boom"); // qualifier throws: falls back to the default one
    log.log(Level.BAD, "boom");
    await log.close();
    assert.equal(
      log.incidents.length,
      2,
      "the default qualifier took over (no trailing window: one incident each)",
    );
    assert.equal(errors.filter((e) => e.includes("qualifier")).length, 1);
    assert.equal(errors.filter((e) => e.includes("event observer")).length, 1);
    const notes = events.filter((e) => e.facility === "flightlog");
    assert.ok(notes.some((e) => String(e.what) === "qualifier"));
    assert.ok(log.stats.contained >= 4);
    // Stored as given (no cost on the log call); made safe when written.
    const v = JSON.parse(eventLine(events[0], { from: "local", rxTime: 0 })).d;
    for (const k of ["a", "b", "c"]) assert.equal(v[k]["@"], "UnJSONable", k);
    assert.equal(v.d.cyc["@"], "UnJSONable");
    await Deno.remove(dir, { recursive: true });
  } finally {
    console.error = origError;
  }
});

Deno.test("Logger.close() is idempotent, ignores later calls; observers unsubscribe", async () => {
  const log = createLogger();
  const seen: number[] = [];
  const off = log.onEvent((e) => seen.push(e.num));
  log.info("one");
  off();
  log.info("two");
  assert.deepEqual(seen, [0]);
  await log.close();
  await log.close();
  assert.equal(log.info("after close"), -1);
  assert.equal(log.snapshot().length, 0);
});

Deno.test("Logger.with() binds fields to every event; call fields win; child() keeps them", async () => {
  await using log = createLogger();
  const job = log.with({ job: "report", user: "a" });
  job.info("one", { user: "b" });
  job.child("db").info("two");
  const [one, two] = log.snapshot();
  assert.equal(one.job, "report");
  assert.equal(one.user, "b");
  assert.equal(two.facility, "db");
  assert.equal(two.job, "report");
});

Deno.test("Logger.log() carries the withContext() fields, below bound and call fields", async () => {
  await using log = createLogger();
  await withContext({ requestId: "r1", user: "ctx" }, async () => {
    await Promise.resolve();
    log.with({ user: "bound" }).info("x");
  });
  const [e] = log.snapshot();
  assert.equal(e.requestId, "r1");
  assert.equal(e.user, "bound");
});

Deno.test("Logger.error(err) records the failure with its stack and cause chain", async () => {
  await using log = createLogger();
  log.error(new Error("boom", { cause: new TypeError("root") }));
  const [e] = log.snapshot();
  assert.equal(e.isError, 1);
  assert.equal(e.failure?.message, "boom");
  assert.match(e.failure?.traceback ?? "", /at /);
  assert.equal((e.failure?.cause as { name: string }).name, "TypeError");
  assert.equal(e.level, 35);
});

Deno.test("Logger.log() stores an Error inside fields as a failure", async () => {
  await using log = createLogger();
  log.warn("retrying after {err}", { err: new RangeError("too far") });
  const err = log.snapshot()[0].err as Record<string, unknown>;
  assert.equal(err["@"], "Failure");
  assert.equal(err.name, "RangeError");
});

Deno.test("Logger.log() redacts secret keys and bearer strings before buffering", async () => {
  await using log = createLogger();
  log.info("login", {
    user: "a",
    password: "hunter2",
    h: { authorization: "Bearer xyz" },
  });
  log.info("header {h}", { h: "Bearer abc.def" });
  const [a, b] = log.snapshot();
  assert.equal(a.password, "[REDACTED]");
  assert.deepEqual(a.h, { authorization: "[REDACTED]" });
  assert.equal(b.h, "Bearer [REDACTED]");
});

Deno.test("createLogger({ redact: false }) keeps fields as given", async () => {
  await using log = createLogger({ redact: false });
  log.info("login", { password: "hunter2" });
  assert.equal(log.snapshot()[0].password, "hunter2");
});

Deno.test("Logger.trigger() records an incident whatever the qualifier says", async () => {
  await using dir = await tempDir();
  const log = createLogger({
    incidentDir: dir.path,
    trailingMs: 0,
    qualifier: () => false,
  });
  log.info("before");
  log.trigger("request {id} took {ms} ms", { id: 7, ms: 9120 });
  await log.close();
  assert.equal(log.incidents.length, 1);
  assert.equal(
    log.incidents[0].trigger.format,
    "request %(id)s took %(ms)s ms",
  );
  assert.equal(log.incidents[0].events, 2);
});

Deno.test("stacktrace: true records the call site's stack as foolscap does, not the literal true", async () => {
  const log = createLogger();
  log.info("where am I", { stacktrace: true, n: 1 });
  const [e] = log.snapshot();
  assert.equal(e.stacktrace, undefined);
  assert.equal(e.n, 1);
  const stack = e.stack as string[];
  assert(Array.isArray(stack) && stack.length > 0);
  // Innermost last: the test's own line, not flightlog's.
  assert.match(stack.at(-1)!, /logger_test\.ts:\d+:\d+/);
  assert(stack.every((l) => !/\/lib\/logger\.ts/.test(l)));
  await log.close();
});

Deno.test("createLogger() says at once when its incident folder cannot be written", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/a-file`;
  await Deno.writeTextFile(file, "");
  const said: string[] = [];
  const original = console.error;
  console.error = (line: string) => said.push(line);
  let log;
  try {
    log = createLogger({ incidentDir: `${file}/incidents` });
  } finally {
    console.error = original;
  }
  assert.equal(said.length, 1);
  assert.match(said[0], /incidents cannot be written to .*a-file\/incidents/);
  assert(
    log.snapshot().some((e) => /cannot be written/.test(String(e.format))),
  );
  await log.close();
});

Deno.test("an incident written is announced in one stderr line, unless announce: false", async () => {
  for (const announce of [true, false]) {
    await using dir = await tempDir();
    const said: string[] = [];
    const original = console.error;
    console.error = (line: string) => said.push(line);
    try {
      const log = createLogger({
        incidentDir: dir.path,
        trailingMs: 0,
        announce,
      });
      log.info("before");
      log.weird("disk {name} is slow", { name: "sda" });
      await log.close();
      if (announce) {
        assert.equal(said.length, 1);
        assert.equal(
          said[0],
          `flightlog: incident written: ${
            log.incidents[0].path
          } (2 events): disk sda is slow`,
        );
      } else assert.deepEqual(said, []);
    } finally {
      console.error = original;
    }
  }
});

Deno.test("a logger's events are its fields prepared afresh, whatever its caches hold (seeded calls from several sites, contexts and bound loggers)", async () => {
  const sites = [
    ["request {id} from {user}", ["id", "user"]],
    ["login {user}", ["user", "password"]],
    ["took {ms}", ["ms", "time"]],
    ["plain", []],
  ] as const;
  const values = [7, "alice", "Bearer abc.def", "pg://u:pw@h/x", null, true];
  const logs: ReturnType<typeof createLogger>[] = [];
  forAll(40, (rng) => {
    const log = createLogger({ facility: "app" });
    logs.push(log);
    const prep = fieldPreparer(redactionRules());
    const seen: FlogEvent[] = [];
    log.onEvent((e) => seen.push(e));
    const expected: string[] = [];
    const bound = { service: "shop", token: "t0" };
    const loggers = [log, log.child("db"), log.with(bound)];
    const contexts = [undefined, { requestId: "r1" }, {
      requestId: "r2",
      secret: "s",
    }];
    for (let i = rng.int(1, 60); i > 0; i--) {
      const [template, keys] = rng.pick(sites);
      const fields: Record<string, unknown> = {};
      for (const k of rng.chance(0.85) ? keys : rng.pick(sites)[1]) {
        fields[k] = rng.pick(values);
      }
      const which = rng.int(0, 2);
      const context = rng.pick(contexts);
      const call = () => loggers[which].info(template, fields);
      if (context === undefined) call();
      else withContext(context, call);
      // What the event must be: built from fields prepared with no cache.
      const own = prep.fields(fields);
      const merged = which === 2 || context !== undefined
        ? {
          ...(context ? prep.fields(context) : {}),
          ...(which === 2 ? prep.fields(bound) : {}),
        }
        : undefined;
      const e = seen.at(-1)!;
      const head = {
        num: e.num,
        time: e.time,
        incarnation: e.incarnation,
        level: 20,
        facility: which === 1 ? "app/db" : "app",
        format: e.format,
      };
      expected.push(JSON.stringify(
        merged === undefined
          ? { ...own, ...head }
          : Object.assign({ ...merged, ...head }, own),
      ));
    }
    assert.deepEqual(seen.map((e) => JSON.stringify(e)), expected);
  });
  await Promise.all(logs.map((l) => l.close()));
});
