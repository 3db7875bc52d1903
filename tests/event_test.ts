import assert from "node:assert/strict";
import { renderMessage } from "../mod.ts";
import {
  encodeJSON,
  fieldKey,
  toFailure,
  toFoolscapFormat,
  toJSONable,
} from "../lib/event.ts";
import { pyRepr } from "../lib/format.ts";

Deno.test("templates become foolscap formats; % and braces are escaped", () => {
  assert.equal(toFoolscapFormat("plain"), "plain");
  assert.equal(toFoolscapFormat("{a} and {b}"), "%(a)s and %(b)s");
  assert.equal(toFoolscapFormat("100% of {x}"), "100%% of %(x)s");
  assert.equal(toFoolscapFormat("{{literal}} {x}"), "{literal} %(x)s");
  assert.equal(toFoolscapFormat("at {time}"), "at %(_time)s");
  assert.equal(fieldKey("level"), "_level");
});

Deno.test("renderMessage follows Python's % rules like flogtool", () => {
  const r = (d: Record<string, unknown>) => renderMessage(d);
  assert.equal(r({ format: "%(n)d items", n: 5.9 }), "5 items");
  assert.equal(
    r({ format: "%(f).2f|%(f)8.1f|%(f)-6.1f|", f: 3.14159 }),
    "3.14|     3.1|3.1   |",
  );
  assert.equal(r({ format: "%(x)r %(x)s", x: "it's" }), `"it's" it's`);
  assert.equal(
    r({ format: "%(b)s %(n)s %(l)s", b: true, n: null, l: [1, "a"] }),
    "True None [1, 'a']",
  );
  assert.equal(r({ format: "%(h)x %(h)05d %(h)+d", h: 255 }), "ff 00255 +255");
  assert.equal(
    r({ format: "%(e)e %(g)g", e: 12345.678, g: 0.0001 }),
    "1.234568e+04 0.0001",
  );
  assert.equal(r({ format: "100%% sure" }), "100% sure");
  assert.equal(r({ message: "user %s", args: ["alice"] }), "user ['alice']");
  assert.equal(
    r({ message: "a %s b %s", args: ["x", "y"] }),
    "a %s b %s [formatting failed]",
  );
  assert.equal(r({ message: "no args" }), "no args");
  assert.equal(
    r({ format: "hi %(who)s" }),
    "hi %(who)s [formatting failed: missing key 'who']",
  );
  assert.equal(
    r({ format: "%(n)d", n: "x" }),
    "%(n)d [formatting failed: %d format: a number is required]",
  );
  assert.equal(r({}), "");
});

Deno.test("pyRepr quotes and escapes like Python", () => {
  assert.equal(pyRepr("a\nb\t'"), `"a\\nb\\t'"`);
  assert.equal(pyRepr({ k: [true, 1.5, "s"] }), "{'k': [True, 1.5, 's']}");
});

Deno.test("toJSONable: cycles, BigInt, functions, symbols, Maps become UnJSONable", () => {
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

Deno.test("toFailure keeps name, message, stack and the cause chain", () => {
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
