import assert from "node:assert/strict";
import { RingBuffer } from "../lib/ring_buffer.ts";
import { forAll } from "./_prng.ts";

Deno.test("RingBuffer.push() overwrites the oldest when full", () => {
  const ring = new RingBuffer<number>(3);
  assert.deepEqual(ring.toArray(), []);
  for (let i = 0; i < 7; i++) ring.push(i);
  assert.equal(ring.size, 3);
  assert.deepEqual(ring.toArray(), [4, 5, 6]);
  ring.clear();
  assert.deepEqual([...ring], []);
});

Deno.test("RingBuffer of capacity 0 keeps nothing; bad capacities throw", () => {
  const ring = new RingBuffer<number>(0);
  ring.push(1);
  assert.deepEqual(ring.toArray(), []);
  assert.throws(() => new RingBuffer(-1), /capacity/);
  assert.throws(() => new RingBuffer(1.5), /capacity/);
});

Deno.test("RingBuffer holds the last `capacity` pushes, oldest first, like an array model", () => {
  forAll(300, (rng) => {
    const capacity = rng.int(0, 12);
    const ring = new RingBuffer<number>(capacity);
    const model: number[] = [];
    for (let i = rng.int(0, 60); i > 0; i--) {
      if (rng.chance(0.05)) {
        ring.clear();
        model.length = 0;
        continue;
      }
      const v = rng.int(0, 1000);
      ring.push(v);
      model.push(v);
    }
    const expected = capacity === 0 ? [] : model.slice(-capacity);
    assert.deepEqual(ring.toArray(), expected);
    assert.equal(ring.size, expected.length);
  });
});

Deno.test("RingBuffer hands back the weight of what it overwrites or sheds", () => {
  const ring = new RingBuffer<string>(2);
  assert.equal(ring.push("a", 10), -1);
  assert.equal(ring.push("b", 20), -1);
  assert.equal(ring.weight(), 30);
  assert.equal(ring.push("c", 5), 10); // "a" went
  assert.equal(ring.oldest(), "b");
  assert.equal(ring.shift(), 20);
  assert.deepEqual(ring.toArray(), ["c"]);
  assert.equal(ring.weight(), 5);
  assert.equal(new RingBuffer<string>(0).push("x", 7), 7);
});
