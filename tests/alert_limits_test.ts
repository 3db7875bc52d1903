// A webhook's alert rate limit: at most max per window, the rest held back
// by type and summed in one digest once the window has room.
import assert from "node:assert/strict";
import { AlertLimits, digestText } from "../gather/_alert_limits.ts";

Deno.test("AlertLimits admits max alerts per window, then holds the rest back", () => {
  const l = new AlertLimits([{ key: "k", max: 2 }], 1000);
  assert.deepEqual(
    [1, 2, 3, 4].map((t) => l.admit("k", "new_group", t)),
    [true, true, false, false],
  );
  assert.equal(l.heldBack, 2);
});

Deno.test("AlertLimits gives one digest of what it held once the window has room", () => {
  const l = new AlertLimits([{ key: "k", max: 1 }], 1000);
  l.admit("k", "new_group", 0);
  l.admit("k", "new_group", 10);
  l.admit("k", "spike", 20);
  assert.deepEqual(l.digest("k", 500), { retryAt: 1000 });
  assert.deepEqual(l.digest("k", 1000), {
    held: { new_group: 1, spike: 1 },
    total: 2,
  });
  assert.equal(l.digest("k", 3000), undefined, "nothing held any more");
});

Deno.test("AlertLimits lets nothing jump ahead of what it holds back", () => {
  const l = new AlertLimits([{ key: "k", max: 1 }], 1000);
  l.admit("k", "new_group", 0);
  l.admit("k", "new_group", 1);
  assert.equal(l.admit("k", "new_group", 2000), false, "held: digest first");
  assert.deepEqual(l.digest("k", 2000), { held: { new_group: 2 }, total: 2 });
  assert.equal(l.admit("k", "new_group", 4000), true);
});

Deno.test("AlertLimits keeps each webhook's limit apart", () => {
  const l = new AlertLimits([{ key: "a", max: 1 }, { key: "b", max: 1 }], 1000);
  assert.equal(l.admit("a", "new_group", 0), true);
  assert.equal(l.admit("a", "new_group", 0), false);
  assert.equal(l.admit("b", "new_group", 0), true);
});

Deno.test("digestText sums what was held back in words", () => {
  assert.equal(
    digestText({ new_group: 312, regression: 1, spike: 2 }),
    "and 312 more new groups, 1 more regression, 2 more spikes",
  );
});

Deno.test("AlertLimits refuses a limit below 1", () => {
  assert.throws(
    () => new AlertLimits([{ key: "k", max: 0 }], 1000),
    /maxAlertsPerMinute must be a whole number above 0, got 0/,
  );
});
