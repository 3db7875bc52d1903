import assert from "node:assert/strict";
import {
  encodeJSON,
  fieldKey,
  toFailure,
  toFoolscapFormat,
  toJSONable,
} from "../lib/event.ts";

Deno.test("toFoolscapFormat() turns {name} into %(name)s and escapes % and braces", () => {
  assert.equal(toFoolscapFormat("plain"), "plain");
  assert.equal(toFoolscapFormat("{a} and {b}"), "%(a)s and %(b)s");
  assert.equal(toFoolscapFormat("100% of {x}"), "100%% of %(x)s");
  assert.equal(toFoolscapFormat("{{literal}} {x}"), "{literal} %(x)s");
  assert.equal(toFoolscapFormat("at {time}"), "at %(_time)s");
  assert.equal(fieldKey("level"), "_level");
});

Deno.test("toJSONable() turns cycles, BigInt, functions, symbols and Maps into UnJSONable", () => {
  const cyc: Record<string, unknown> = { a: 1 };
  cyc.self = cyc;
  const value = {
    cyc,
    big: 12n,
    fn: function named() {},
    sym: Symbol("s"),
    map: new Map([["k", 1]]),
    nan: NaN,
    date: new Date(0),
    nested: [1, { ok: "yes" }],
  };
  const safe = toJSONable(value) as Record<string, Record<string, unknown>>;
  for (const k of ["big", "fn", "sym", "map", "nan"]) {
    assert.equal(safe[k]["@"], "UnJSONable", k);
    assert.equal(typeof safe[k].repr, "string");
  }
  assert.equal(safe.big.repr, "12n");
  assert.match(String(safe.fn.repr), /named/);
  assert.equal((safe.cyc.self as Record<string, unknown>)["@"], "UnJSONable");
  assert.deepEqual(safe.nested, [1, { ok: "yes" }]);
  const json = JSON.parse(encodeJSON(value));
  assert.equal(json.date, "1970-01-01T00:00:00.000Z");
  assert.equal(json.big["@"], "UnJSONable");
});

Deno.test("toFailure() keeps name, message, stack and the cause chain", () => {
  const inner = new TypeError("inner problem");
  const outer = new Error("outer problem", { cause: inner });
  const f = toFailure(outer);
  assert.equal(f["@"], "Failure");
  assert.equal(f.name, "Error");
  assert.equal(f.message, "outer problem");
  assert.match(f.str, /^Error: outer problem\n\s+at /);
  assert.match(f.str, /Caused by: TypeError: inner problem/);
  assert.equal((f.cause as { name: string }).name, "TypeError");
  assert.equal(toFailure("just a string").message, "just a string");
});
