// Release rules: the order of releases, and what an incident does to a
// group resolved in a release.
import assert from "node:assert/strict";
import {
  checkRelease,
  compareReleases,
  countRelease,
  verdict,
} from "../store/releases.ts";
import { forAll } from "./_prng.ts";

Deno.test("compareReleases orders semver releases by semver", () => {
  const sorted = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0"]
    .concat(["1.2.0", "1.10.0", "v2.0.0-rc.1", "2.0.0", "10.0.0"]);
  const shuffled = [...sorted].reverse();
  assert.deepEqual(
    shuffled.sort((a, b) => compareReleases(a, b, [])),
    sorted,
  );
});

Deno.test("compareReleases orders other releases by when first seen", () => {
  const seen = ["blue", "green", "2024-06"];
  assert.ok(compareReleases("green", "blue", seen) > 0);
  assert.ok(compareReleases("blue", "2024-06", seen) < 0);
  assert.ok(compareReleases("unseen", "2024-06", seen) > 0, "unseen is new");
  assert.equal(compareReleases("green", "green", seen), 0);
});

Deno.test("compareReleases is antisymmetric over random releases", () => {
  forAll(200, (rng) => {
    const r = () =>
      rng.int(0, 3 - 1) === 0
        ? `build-${rng.int(0, 5 - 1)}`
        : `${rng.int(0, 3 - 1)}.${rng.int(0, 3 - 1)}.${rng.int(0, 3 - 1)}${
          rng.int(0, 3 - 1) === 0 ? `-rc.${rng.int(0, 2 - 1)}` : ""
        }`;
    const seen = Array.from({ length: 4 }, r);
    const a = r(), b = r();
    assert.equal(
      Math.sign(compareReleases(a, b, seen)) +
        Math.sign(compareReleases(b, a, seen)),
      0,
      `${a} vs ${b} seen ${seen}`,
    );
  });
});

Deno.test("verdict keeps a group resolved in 2.0.0 for an older release", () => {
  const fix = { inRelease: "2.0.0" };
  assert.equal(verdict("resolved", fix, "1.9.3", []), "older");
  assert.equal(verdict("resolved", fix, "2.0.0", []), "regression");
  assert.equal(verdict("resolved", fix, "2.1.0", []), "regression");
});

Deno.test("verdict without a release is a regression of a resolved group", () => {
  assert.equal(verdict("resolved", undefined, "1.0.0", []), "regression");
  assert.equal(
    verdict("resolved", { inRelease: "2" }, undefined, []),
    "regression",
  );
  assert.equal(verdict("open", { inRelease: "2" }, "1", []), "count");
  assert.equal(verdict("ignored", undefined, "1", []), "count");
});

Deno.test("verdict of next: a release known at the resolve is older, a new one regresses", () => {
  const next = { inRelease: "next", known: ["1.0.0", "1.1.0"] };
  assert.equal(verdict("resolved", next, "1.1.0", []), "older");
  assert.equal(verdict("resolved", next, "1.0.5", []), "older");
  assert.equal(verdict("resolved", next, "1.2.0", []), "regression");
  const named = { inRelease: "next", known: ["blue"] };
  assert.equal(verdict("resolved", named, "blue", ["blue"]), "older");
  assert.equal(verdict("resolved", named, "green", ["blue"]), "regression");
});

Deno.test("countRelease counts in the order first seen, up to a limit", () => {
  let c = countRelease([], "b", 2);
  c = countRelease(c, "a", 2);
  c = countRelease(c, "b", 2);
  c = countRelease(c, "z", 2);
  c = countRelease(c, undefined, 2);
  assert.deepEqual(c, [["b", 2], ["a", 1]]);
});

Deno.test("checkRelease refuses blanks, spaces and long names", () => {
  assert.equal(checkRelease("2.0.0"), "2.0.0");
  for (const bad of ["", "a b", "x".repeat(101), 2]) {
    assert.throws(() => checkRelease(bad), /inRelease must be/);
  }
});
