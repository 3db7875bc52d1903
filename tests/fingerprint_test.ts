// Fingerprints: the same bug matches across runs, hosts and shifted lines;
// different bugs do not.
import assert from "node:assert/strict";
import type { FlogEvent } from "../lib/flog_event.ts";
import { fingerprint, frames, maskValues } from "../store/fingerprint.ts";
import { forAll } from "./_prng.ts";

function trigger(
  over: Partial<FlogEvent> & { stack?: string } = {},
): FlogEvent {
  const { stack, ...rest } = over;
  return {
    num: 7,
    time: 1,
    incarnation: ["abc", null],
    level: 30,
    facility: "shop/pay",
    format: "charging order %(order)s failed",
    order: 1,
    ...(stack === undefined ? {} : {
      failure: {
        "@": "Failure",
        name: "TypeError",
        message: "declined",
        str: stack,
        repr: "",
        traceback: stack,
      },
    }),
    ...rest,
  };
}

const stackAt = (dir: string, line: number) =>
  `TypeError: declined\n    at charge (file://${dir}/pay.ts:${line}:9)\n` +
  `    at async handle (file://${dir}/server.ts?v=2:${line + 40}:3)\n` +
  `    at ext:deno_http/00_serve.ts:400:7\n    at node:internal/x:1:1`;

Deno.test("fingerprint() ignores values, line numbers, paths and query strings", () => {
  const a = fingerprint(trigger({ order: 1, stack: stackAt("/srv/v1", 10) }));
  const b = fingerprint(
    trigger({
      order: 2,
      num: 99,
      incarnation: ["other", null],
      stack: stackAt("/home/ci/v2", 31),
    }),
  );
  assert.equal(a.id, b.id);
  assert.match(a.id, /^[0-9a-f]{16}$/);
});

Deno.test("fingerprint() tells apart facility, template, error name and call path", () => {
  const base = fingerprint(trigger({ stack: stackAt("/srv", 10) })).id;
  const others = [
    trigger({ facility: "shop/ship", stack: stackAt("/srv", 10) }),
    trigger({ format: "refund %(order)s failed", stack: stackAt("/srv", 10) }),
    trigger({ stack: stackAt("/srv", 10).replace("TypeError", "RangeError") }),
    trigger({ stack: stackAt("/srv", 10).replace("at charge", "at refund") }),
  ];
  for (const t of others) {
    if (t.failure && !t.failure.traceback.startsWith("TypeError")) {
      t.failure.name = "RangeError";
    }
    assert.notEqual(fingerprint(t).id, base);
  }
});

Deno.test("fingerprint() masks the values of an error's own text (log.error(err))", () => {
  const err = (msg: string) =>
    trigger({ format: `TypeError: ${msg}`, stack: stackAt("/srv", 3) });
  assert.equal(
    fingerprint(err("card 1234 declined for 'bob'")).id,
    fingerprint(err("card 98765 declined for 'alice'")).id,
  );
  assert.equal(
    fingerprint(err("card 1 declined")).title,
    "TypeError: card <n> declined",
  );
});

Deno.test("fingerprint() with an override hashes only the override", () => {
  assert.equal(
    fingerprint(trigger(), "db-timeouts").id,
    fingerprint(trigger({ facility: "other" }), "db-timeouts").id,
  );
  assert.notEqual(
    fingerprint(trigger(), "a").id,
    fingerprint(trigger(), "b").id,
  );
});

Deno.test("fingerprint() titles the template with {name} placeholders", () => {
  assert.equal(fingerprint(trigger()).title, "charging order {order} failed");
  assert.equal(fingerprint(undefined).title, "(no trigger)");
});

Deno.test("frames() keeps function and basename of in-app frames only", () => {
  assert.deepEqual(frames(stackAt("/srv", 5)), [
    "charge@pay.ts",
    "handle@server.ts",
  ]);
  assert.deepEqual(
    frames(
      "Error\n    at new Pool (file:///a/node_modules/pg/pool.js:1:1)\n    at Object.run [as go] (file:///a/app.ts:2:2)",
    ),
    ["Object.run@app.ts"],
  );
  assert.deepEqual(frames("Error\n    at ext:core/01_core.js:1:1"), [
    "@01_core.js",
  ], "all frames when none is the app's");
});

Deno.test("fingerprint() is the same for any line numbers (seeded)", () => {
  forAll(100, (rng) => {
    const a = trigger({ stack: stackAt("/x", rng.int(1, 9999)) });
    const b = trigger({ stack: stackAt("/y/z", rng.int(1, 9999)) });
    assert.equal(fingerprint(a).id, fingerprint(b).id);
  });
});

Deno.test("maskValues() masks numbers, hex ids, UUIDs and quoted strings", () => {
  assert.equal(
    maskValues(
      `user "bob" 42 at 0xdeadbeef id 123e4567-e89b-12d3-a456-426614174000 hash a1b2c3d4`,
    ),
    "user <str> <n> at <n> id <uuid> hash <n>",
  );
});

Deno.test("fingerprint() takes odd values from a pushed incident without throwing", () => {
  const odd = {
    num: 1,
    time: 0,
    incarnation: ["x", null],
    level: 30,
    facility: 7,
    format: { not: "a string" },
    failure: { "@": "Failure", name: 3, traceback: null, str: 5 },
  } as unknown as FlogEvent;
  assert.match(fingerprint(odd).id, /^[0-9a-f]{16}$/);
});
