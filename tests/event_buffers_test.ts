import assert from "node:assert/strict";
import { type FlogEvent, Level } from "../mod.ts";
import { EventBuffers } from "../lib/event_buffers.ts";
import { Prng } from "./_prng.ts";

const inc: [string, null] = ["aaaa", null];
const ev = (num: number, level: number, facility?: string): FlogEvent => ({
  num,
  time: num,
  incarnation: inc,
  level,
  facility,
});

Deno.test("EventBuffers sizes buffers per level and facility, the longest prefix winning", () => {
  const b = new EventBuffers({
    default: 3,
    levels: { NOISY: 1, "31": 7 },
    facilities: { net: { default: 5 }, "net/http": { levels: { NOISY: 2 } } },
  });
  assert.equal(b.sizeFor(undefined, Level.OPERATIONAL), 3);
  assert.equal(b.sizeFor("app", Level.NOISY), 1);
  assert.equal(b.sizeFor("app", 31), 7);
  assert.equal(b.sizeFor("net/peer", Level.NOISY), 5);
  assert.equal(b.sizeFor("net/http/2", Level.NOISY), 2);
  assert.equal(b.sizeFor("net/http", Level.WEIRD), 3);
  assert.throws(() => new EventBuffers({ default: -2 }), /bufferSizes.default/);
  assert.throws(
    () => new EventBuffers({ levels: { LOUD: 1 } }),
    /unknown level "LOUD"/,
  );
});

Deno.test("EventBuffers keeps UNUSUAL events through a NOISY flood", () => {
  const b = new EventBuffers({ default: 5 });
  b.push(ev(0, Level.UNUSUAL, "db"));
  for (let i = 1; i < 1000; i++) b.push(ev(i, Level.NOISY, "db"));
  b.push(ev(1000, Level.UNUSUAL, "other"));
  const nums = b.snapshot().map((e) => e.num);
  assert.deepEqual(nums, [0, 995, 996, 997, 998, 999, 1000]);
});

Deno.test("EventBuffers.snapshot() orders by num, and by time across incarnations", () => {
  const b = new EventBuffers();
  b.push({ ...ev(5, 20), time: 1 });
  b.push({ ...ev(0, 20), incarnation: ["bbbb", null], time: 2 });
  b.push({ ...ev(6, 23), time: 1.5 });
  assert.deepEqual(b.snapshot().map((e) => [e.incarnation[0], e.num]), [
    ["aaaa", 5],
    ["aaaa", 6],
    ["bbbb", 0],
  ]);
});

Deno.test("EventBuffers keeps the total under its cap by dropping the least recently used facility", () => {
  const buffers = new EventBuffers({ default: 10, total: 100 });
  buffers.facility("keep").push(ev(0, 23, "keep"));
  for (let i = 1; i <= 300_000; i++) {
    buffers.facility(`req/${i}`).push(ev(i, 20, `req/${i}`));
    if (i % 50 === 0) buffers.facility("keep").push(ev(i, 23, "keep"));
  }
  assert(buffers.total <= 100, String(buffers.total));
  assert.equal(buffers.snapshot().length, buffers.total);
  assert(buffers.evictedFacilities > 299_000);
  // The facility logged to recently survived.
  assert(buffers.snapshot().some((e) => e.facility === "keep"));
});

Deno.test("EventBuffers gives an evicted facility's logger its buffers back when it logs again", () => {
  const buffers = new EventBuffers({ default: 10, total: 10 });
  const a = buffers.facility("a");
  a.push(ev(0, 20, "a"));
  for (let i = 1; i <= 20; i++) buffers.facility("b").push(ev(i, 20, "b"));
  a.push(ev(21, 20, "a")); // a logger holds `a` and logs again
  assert(buffers.snapshot().some((e) => e.num === 21));
  assert(buffers.total <= 10);
});

Deno.test("FacilityBuffers bounds the rings of a facility that logs at ever new levels", () => {
  const buffers = new EventBuffers({ default: 10, total: 1_000_000 });
  for (let level = 0; level < 10_000; level++) {
    buffers.facility("x").push(ev(level, level, "x"));
  }
  assert(buffers.total <= 64 * 10, String(buffers.total));
});

Deno.test("EventBuffers never holds more estimated bytes than maxBufferedBytes, over seeded random pushes", () => {
  for (let round = 0; round < 10; round++) {
    const prng = new Prng();
    const maxBytes = prng.int(2_000, 50_000);
    const b = new EventBuffers({ default: prng.int(1, 20) }, {
      maxBufferedBytes: maxBytes,
    });
    const facilities = prng.int(1, 200);
    for (let num = 0; num < 3000; num++) {
      const bytes = prng.int(50, 1500);
      const f = `f/${prng.int(0, facilities)}`;
      b.push(ev(num, prng.pick([10, 20, 23, 30]), f), bytes);
      const where = `seed ${prng.seed}, push ${num}`;
      assert.ok(b.bytes <= maxBytes, `${b.bytes} > ${maxBytes} (${where})`);
      assert.ok(b.bytes >= 0, where);
      // The newest event is always kept: only older ones make room.
      const all = b.snapshot();
      assert.equal(all.at(-1)?.num, num, where);
      assert.equal(all.length, b.total, where);
    }
    b.clear();
    assert.equal(b.bytes, 0);
    assert.equal(b.total, 0);
  }
});

Deno.test("EventBuffers drops the oldest events of the least recently used facility first for bytes", () => {
  const b = new EventBuffers({ default: 100 }, { maxBufferedBytes: 5000 });
  b.push(ev(0, 20, "a"), 500);
  b.push(ev(1, 20, "a"), 500);
  b.push(ev(2, 20, "b"), 500);
  b.push(ev(3, 20, "a"), 500); // "a" is now more recent than "b"
  for (let num = 4; num < 10; num++) b.push(ev(num, 20, "c"), 500);
  const kept = b.snapshot().map((e) => e.num);
  assert.ok(!kept.includes(2), `b went first: ${kept}`);
  assert.ok(kept.includes(3) && kept.includes(9), `${kept}`);
  assert.ok(b.droppedForBytes >= 1);
  assert.ok(b.evictedFacilities >= 1);
});

Deno.test("EventBuffers drops events older than maxAgeMs behind the newest", () => {
  const b = new EventBuffers({ default: 100 }, { maxAgeMs: 10_000 });
  for (let num = 0; num < 30; num++) {
    b.push({ ...ev(num, 20, num < 10 ? "old" : "new"), time: num });
  }
  // Times are 0..29 s: those before 19 s are over 10 s behind the newest.
  assert.deepEqual(
    b.snapshot().map((e) => e.num),
    [19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29],
  );
  assert.equal(b.droppedForAge, 19);
  assert.equal(b.total, 11);
});

Deno.test("EventBuffers forgets facilities whose events all went, so new names cannot grow it", () => {
  const b = new EventBuffers({ default: 10 }, { maxBufferedBytes: 10_000 });
  for (let num = 0; num < 100_000; num++) {
    b.push(ev(num, 20, `req/${num}`), 100);
  }
  assert.ok(b.bytes <= 10_000);
  assert.ok(b.total < 100, String(b.total));
  assert.ok(b.evictedFacilities > 99_900);
});

Deno.test("EventBuffers refuses a byte or age bound that is not a number > 0, naming it", () => {
  assert.throws(
    () => new EventBuffers({}, { maxBufferedBytes: 0 }),
    /maxBufferedBytes: expected a number > 0, got 0/,
  );
  assert.throws(
    () => new EventBuffers({}, { maxAgeMs: -1 }),
    /maxAgeMs: expected a number > 0, got -1/,
  );
});
