// Retention: which incidents go when the store is over its bounds.
import assert from "node:assert/strict";
import { expired, type Retained } from "../store/sqlite/retention.ts";
import { forAll } from "./_prng.ts";

const at = (id: number, time: number, bytes = 10): Retained => ({
  id,
  time,
  bytes,
});

Deno.test("expired() drops nothing without bounds", () => {
  assert.deepEqual(
    expired([at(1, 0), at(2, 1)], { retention: {}, now: 1e12 }),
    [],
  );
});

Deno.test("expired() drops the oldest first, ties by id", () => {
  const all = [at(3, 5), at(1, 5), at(2, 9)];
  assert.deepEqual(
    expired(all, { retention: { maxCount: 1 }, now: 0 }).map((s) => s.id),
    [1, 3],
  );
});

Deno.test("expired() leaves what is kept within every bound (seeded)", () => {
  forAll(200, (rng) => {
    const all = Array.from(
      { length: rng.int(0, 20) },
      (_, i) => at(i + 1, rng.int(0, 1000), rng.int(1, 100)),
    );
    const retention = {
      maxCount: rng.chance(0.5) ? rng.int(0, 20) : undefined,
      maxAgeMs: rng.chance(0.5) ? rng.int(0, 1000) : undefined,
      maxBytes: rng.chance(0.5) ? rng.int(0, 1000) : undefined,
    };
    const now = 1000;
    const doomed = new Set(expired(all, { retention, now }));
    const kept = all.filter((s) => !doomed.has(s));
    const { maxCount, maxAgeMs, maxBytes } = retention;
    if (maxCount !== undefined) assert.ok(kept.length <= maxCount);
    if (maxAgeMs !== undefined) {
      assert.ok(kept.every((s) => now - s.time <= maxAgeMs));
    }
    if (maxBytes !== undefined) {
      assert.ok(kept.reduce((n, s) => n + s.bytes, 0) <= maxBytes);
    }
    // Nothing newer is dropped while something older is kept.
    for (const d of doomed) {
      for (const k of kept) {
        assert.ok(d.time < k.time || (d.time === k.time && d.id < k.id));
      }
    }
  });
});
