// "did you mean": the edit distance it rests on, and which flag it offers.
import assert from "node:assert/strict";
import { editDistance, flagProblem, nearest } from "../cli/_did_you_mean.ts";
import { SIDECAR_USAGE } from "../cli/sidecar.ts";
import { forAll } from "./_prng.ts";

Deno.test("editDistance() is a distance: zero only to itself, symmetric, triangular", () => {
  forAll(300, (rng) => {
    const word = () => rng.string(rng.int(0, 8), "abc-");
    const [a, b, c] = [word(), word(), word()];
    assert.equal(editDistance(a, a), 0);
    assert.equal(editDistance(a, b) === 0, a === b);
    assert.equal(editDistance(a, b), editDistance(b, a));
    assert.ok(editDistance(a, c) <= editDistance(a, b) + editDistance(b, c));
    assert.ok(editDistance(a, b) <= Math.max(a.length, b.length));
  });
});

Deno.test("editDistance() counts one typo as one: a letter missing, extra, wrong or swapped", () => {
  assert.equal(editDistance("--listen", "--lisen"), 1);
  assert.equal(editDistance("--listen", "--listten"), 1);
  assert.equal(editDistance("--listen", "--lastén"), 2);
  assert.equal(editDistance("--listen", "--litsen"), 1);
});

Deno.test("nearest() offers a near flag, and nothing for a word unlike any", () => {
  const flags = ["--dir", "--socket", "--listen", "--token-file"];
  assert.equal(nearest("--sokcet", flags), "--socket");
  assert.equal(nearest("--tokenfile", flags), "--token-file");
  assert.equal(nearest("--banana", flags), undefined);
  assert.equal(nearest("--x", flags), undefined);
});

Deno.test("flagProblem() turns parseArgs's unknown option into one short line with the nearest flag of the usage", () => {
  const message =
    "Unknown option '--retention-dyas'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--retention-dyas\"";
  assert.equal(
    flagProblem(message, SIDECAR_USAGE),
    "unknown option --retention-dyas; did you mean --retention-days?",
  );
  assert.equal(
    flagProblem("some other problem", SIDECAR_USAGE),
    "some other problem",
  );
});
