import assert from "node:assert/strict";
import { fieldPreparer, FieldShape } from "../lib/_fields.ts";
import { redactionRules } from "../lib/redact.ts";
import { encodeJSON } from "../lib/event.ts";
import { forAll, type Prng } from "./_prng.ts";

const KEY_LISTS = [
  ["id", "user"],
  ["user", "id"],
  ["password", "user"],
  ["time", "user", "apiKey"],
  ["0", "path", "err"],
  ["nested"],
  [],
];

function value(rng: Prng): unknown {
  switch (rng.int(0, 8)) {
    case 0:
      return rng.int(-5, 5);
    case 1:
      return rng.pick(["alice", "Bearer abc.def", "4111 1111 1111 1111"]);
    case 2:
      return rng.pick(["pg://u:pw@h/x", "/cart/17", "", "a b"]);
    case 3:
      return rng.pick([true, null, undefined]);
    case 4:
      return { token: "t", url: "https://u:p@h/", n: [1, "x y"] };
    case 5:
      return new Error("GET https://u:pw@h/ failed");
    case 6:
      return [rng.int(0, 9), { password: "p" }];
    case 7:
      return rng.pick([() => 1, 10n, Symbol("s")]);
    default:
      return 12.5;
  }
}

/** Random calls from a few call sites, whose keys now and then change. */
function calls(rng: Prng) {
  return Array.from({ length: rng.int(1, 30) }, () => {
    const site = rng.int(0, 3);
    const keys = rng.chance(0.8) ? KEY_LISTS[site] : rng.pick(KEY_LISTS);
    const fields: Record<string, unknown> = {};
    for (const k of keys) fields[k] = value(rng);
    return { site, fields };
  });
}

for (
  const [name, rules] of [["redaction on", redactionRules()], [
    "redaction off",
    undefined,
  ]] as const
) {
  Deno.test(`fieldPreparer() with a call site's shape prepares what it prepares without one, size included (${name})`, () => {
    forAll(300, (rng) => {
      const shaped = fieldPreparer(rules);
      const plain = fieldPreparer(rules);
      const shapes = [0, 1, 2, 3].map((i) => shaped.shape(`site ${i}`));
      for (const { site, fields } of calls(rng)) {
        const a = shaped.fields(fields, shapes[site]);
        const b = plain.fields(fields);
        assert.equal(encodeJSON(a), encodeJSON(b));
        assert.deepEqual(Object.keys(a), Object.keys(b));
        assert.equal(shaped.bytes, plain.bytes);
        assert.equal(a === fields, b === fields, "copied only when changed");
      }
    });
  });
}

Deno.test("fieldPreparer().shape() is one shape per template, learnt from the first call", () => {
  const prepare = fieldPreparer(redactionRules());
  const shape = prepare.shape("login {user}");
  assert.equal(prepare.shape("login {user}"), shape);
  assert(shape instanceof FieldShape);
  prepare.fields({ user: "a", password: "p" }, shape);
  assert.deepEqual(shape.keys, ["user", "password"]);
  assert.deepEqual(shape.secret, [false, true]);
  assert.deepEqual(prepare.fields({ user: "b", password: "q" }, shape), {
    user: "b",
    password: "[REDACTED]",
  });
});
