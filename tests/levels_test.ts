import assert from "node:assert/strict";
import { ALIASES, Level, levelName, parseLevel } from "../lib/levels.ts";
import { forAll } from "./_prng.ts";

Deno.test("Level holds foolscap's values", () => {
  assert.deepEqual(Level, {
    NOISY: 10,
    OPERATIONAL: 20,
    UNUSUAL: 23,
    INFREQUENT: 25,
    CURIOUS: 28,
    WEIRD: 30,
    SCARY: 35,
    BAD: 40,
  });
});

Deno.test("levelName() names foolscap's levels and labels any other integer", () => {
  assert.equal(levelName(30), "WEIRD");
  assert.equal(levelName(31), "LEVEL31");
});

Deno.test("parseLevel() accepts names, aliases and integers, any case", () => {
  assert.equal(parseLevel("weird"), Level.WEIRD);
  assert.equal(parseLevel("SCARY"), Level.SCARY);
  assert.equal(parseLevel("error"), Level.SCARY);
  assert.equal(parseLevel("warn"), ALIASES.warn);
  assert.equal(parseLevel(" 31 "), 31);
  assert.equal(parseLevel(-5), -5);
});

Deno.test("parseLevel() refuses unknown names with a RangeError listing the choices", () => {
  assert.throws(() => parseLevel("loud"), (e: unknown) => {
    assert(e instanceof RangeError);
    assert.match(e.message, /unknown level "loud".*NOISY.*debug/);
    return true;
  });
});

Deno.test("parseLevel() round-trips every integer through levelName()", () => {
  forAll(500, (rng) => {
    const level = rng.int(-100, 100);
    const name = levelName(level);
    assert.equal(
      parseLevel(name.startsWith("LEVEL") ? name.slice(5) : name),
      level,
    );
  });
});
