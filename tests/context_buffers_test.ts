import assert from "node:assert/strict";
import { ContextBuffers } from "../lib/context_buffers.ts";
import type { FlogEvent } from "../lib/flog_event.ts";
import { Prng } from "./_prng.ts";

const ev = (num: number): FlogEvent => ({
  num,
  time: 0,
  incarnation: ["x", null],
  level: 20,
});

Deno.test("ContextBuffers keeps the newest maxEvents per value", () => {
  const b = new ContextBuffers({ key: "rid", maxEvents: 2 });
  for (let i = 0; i < 5; i++) b.push("a", ev(i), 0);
  assert.deepEqual(b.events("a").map((e) => e.num), [3, 4]);
  assert.deepEqual(b.events("b"), []);
});

Deno.test("ContextBuffers evicts the least recently used value past maxContexts", () => {
  const b = new ContextBuffers({ key: "rid", maxContexts: 2 });
  b.push("a", ev(0), 0);
  b.push("b", ev(1), 0);
  b.push("a", ev(2), 0); // a is now the most recent
  b.push("c", ev(3), 0);
  assert.equal(b.events("b").length, 0);
  assert.equal(b.events("a").length, 2);
  assert.equal(b.evicted, 1);
});

Deno.test("ContextBuffers drops a value's buffer ttlMs after its last event", () => {
  const b = new ContextBuffers({ key: "rid", ttlMs: 100 });
  b.push("old", ev(0), 0);
  b.push("new", ev(1), 150);
  assert.equal(b.events("old").length, 0);
  assert.equal(b.size, 1);
  assert.equal(b.evicted, 1);
});

Deno.test("ContextBuffers refuses bad bounds naming the option", () => {
  assert.throws(
    () => new ContextBuffers({ key: "rid", maxEvents: 0 }),
    /isolateBy\.maxEvents/,
  );
  assert.throws(() => new ContextBuffers({ key: "" }), /isolateBy\.key/);
});

Deno.test("ContextBuffers starts a value afresh after it was cleared or released, even right after its last event", () => {
  const b = new ContextBuffers({ key: "rid" });
  b.push("a", ev(0), 0);
  b.clear();
  b.push("a", ev(1), 0);
  assert.deepEqual(b.events("a").map((e) => e.num), [1]);
  b.release("a");
  b.push("a", ev(2), 0);
  assert.deepEqual(b.events("a").map((e) => e.num), [2]);
  assert.equal(b.size, 1);
});

Deno.test("ContextBuffers keeps runs of one value and interleaved values apart", () => {
  const b = new ContextBuffers({ key: "rid" });
  for (let i = 0; i < 6; i++) b.push(i % 3 === 2 ? "b" : "a", ev(i), 0);
  assert.deepEqual(b.events("a").map((e) => e.num), [0, 1, 3, 4]);
  assert.deepEqual(b.events("b").map((e) => e.num), [2, 5]);
});

Deno.test("ContextBuffers keeps its estimated bytes under maxBytes, the least recently used value going first", () => {
  const prng = new Prng();
  const b = new ContextBuffers({ key: "rid", maxEvents: 50 }, 20_000);
  for (let i = 0; i < 5000; i++) {
    const value = `r${prng.int(0, 100)}`;
    b.push(value, ev(i), 0, prng.int(10, 2000));
    assert.ok(b.bytes <= 20_000, `seed ${prng.seed}: ${b.bytes}`);
    assert.equal(b.events(value).at(-1)?.num, i);
  }
  assert.ok(b.evicted > 0);
  b.clear();
  assert.equal(b.bytes, 0);
});
