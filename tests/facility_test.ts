import assert from "node:assert/strict";
import { matchFacility } from "../lib/facility.ts";
import { forAll, type Prng } from "./_prng.ts";

Deno.test("matchFacility() picks the longest slash-separated prefix", () => {
  const table = { "": 0, net: 1, "net/http": 2 };
  assert.equal(matchFacility(table, "net/http/client"), 2);
  assert.equal(matchFacility(table, "net/tcp"), 1);
  assert.equal(matchFacility(table, "network"), 0);
  assert.equal(matchFacility(table, undefined), 0);
});

Deno.test("matchFacility() is undefined without a table or a match", () => {
  assert.equal(matchFacility(undefined, "net"), undefined);
  assert.equal(matchFacility({ db: 1 }, "net"), undefined);
});

function facility(rng: Prng): string {
  const parts = rng.int(1, 4);
  return Array.from({ length: parts }, () => rng.pick(["a", "b", "ab", "c"]))
    .join("/");
}

/** The model: the key that equals the facility or is a prefix up to a slash. */
function model<T>(table: Record<string, T>, f: string): T | undefined {
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    const covers = key === "" || f === key || f.startsWith(key + "/");
    if (covers && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table[best];
}

Deno.test("matchFacility() agrees with a brute-force prefix model", () => {
  forAll(500, (rng) => {
    const table: Record<string, number> = {};
    for (let i = rng.int(0, 5); i > 0; i--) table[facility(rng)] = i;
    if (rng.chance(0.3)) table[""] = -1;
    const f = facility(rng);
    assert.equal(
      matchFacility(table, f),
      model(table, f),
      `${f} in ${JSON.stringify(table)}`,
    );
  });
});
