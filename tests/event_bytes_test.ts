import assert from "node:assert/strict";
import type { FlogEvent } from "../mod.ts";
import { cutEvent, eventBytes, valueBytes } from "../lib/_event_bytes.ts";
import { Prng } from "./_prng.ts";

const base: FlogEvent = {
  num: 7,
  time: 1.5,
  incarnation: ["abcd", null],
  level: 20,
  facility: "app/http",
  format: "request %(id)s",
};

Deno.test("eventBytes() counts a long string by its length, not the shared format", () => {
  const small = eventBytes(base);
  assert.ok(small < 200, String(small));
  assert.equal(
    eventBytes({ ...base, body: "x".repeat(10_000) }) - small,
    8 + valueBytes("x".repeat(10_000)),
  );
  assert.equal(eventBytes({ ...base, format: "y".repeat(10_000) }), small);
});

Deno.test("cutEvent() cuts a long string, saying how many characters went", () => {
  const { event, cut } = cutEvent(
    { ...base, id: 3, body: "x".repeat(1_000_000) },
    4096,
  );
  assert.ok(eventBytes(event) <= 4096, String(eventBytes(event)));
  const body = event.body as string;
  const m = /^x+…\[(\d+) chars cut\]$/.exec(body);
  assert.ok(m, body.slice(-40));
  assert.equal(body.indexOf("…") + Number(m[1]), 1_000_000);
  assert.equal(cut, Number(m[1]));
  // The event's own keys and the small fields stay whole.
  assert.equal(event.num, 7);
  assert.equal(event.id, 3);
  assert.equal(event.format, base.format);
  assert.deepEqual(event.incarnation, base.incarnation);
});

Deno.test("cutEvent() keeps small fields whole and shares the rest among the long ones", () => {
  const { event } = cutEvent({
    ...base,
    user: "alice",
    a: "a".repeat(50_000),
    b: "b".repeat(50_000),
  }, 8192);
  assert.equal(event.user, "alice");
  const a = (event.a as string).length;
  const b = (event.b as string).length;
  assert.ok(a > 3000 && b > 3000, `${a} ${b}`);
  assert.ok(eventBytes(event) <= 8192);
});

Deno.test("cutEvent() shortens a huge array, with a marker of the items cut", () => {
  const { event } = cutEvent(
    { ...base, ids: Array.from({ length: 100_000 }, (_, i) => i) },
    4096,
  );
  const ids = event.ids as unknown[];
  assert.ok(eventBytes(event) <= 4096, String(eventBytes(event)));
  assert.match(String(ids.at(-1)), /^…\[\d+ items cut\]$/);
});

Deno.test("cutEvent() brings any event under its cap, over seeded random events", () => {
  const prng = new Prng();
  const value = (depth: number): unknown => {
    switch (prng.int(0, depth > 2 ? 1 : 3)) {
      case 0:
        return prng.int(0, 1e9);
      case 1:
        return "s".repeat(prng.chance(0.2) ? prng.int(0, 100_000) : 10);
      case 2:
        return Array.from({ length: prng.int(0, 20) }, () => value(depth + 1));
      default:
        return Object.fromEntries(
          Array.from(
            { length: prng.int(0, 10) },
            (_, i) => [`k${i}`, value(depth + 1)],
          ),
        );
    }
  };
  for (let i = 0; i < 200; i++) {
    const e: FlogEvent = { ...base };
    for (let k = prng.int(0, 10); k > 0; k--) e[`f${k}`] = value(0);
    const max = prng.int(1024, 64 * 1024);
    const { event } = cutEvent(e, max);
    assert.ok(
      eventBytes(event) <= max,
      `seed ${prng.seed}: ${eventBytes(event)} > ${max}`,
    );
    JSON.stringify(event);
  }
});
