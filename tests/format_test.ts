import assert from "node:assert/strict";
import { toFoolscapFormat } from "../lib/event.ts";
import { pyRepr, renderMessage } from "../lib/format.ts";
import { forAll } from "./_prng.ts";

Deno.test("renderMessage() follows Python's % rules as flogtool does", () => {
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

Deno.test("pyRepr() quotes and escapes like Python", () => {
  assert.equal(pyRepr("a\nb\t'"), `"a\\nb\\t'"`);
  assert.equal(pyRepr({ k: [true, 1.5, "s"] }), "{'k': [True, 1.5, 's']}");
});

Deno.test("renderMessage() of a converted template equals plain {name} substitution", () => {
  forAll(500, (rng) => {
    const fields: Record<string, string> = {};
    let template = "";
    let expected = "";
    for (let i = rng.int(0, 8); i > 0; i--) {
      const piece = rng.int(0, 4);
      if (piece === 0) {
        const name = rng.pick(["a", "b", "user_id", "x2"]);
        fields[name] ??= rng.string(rng.int(0, 5), "xyz %{}é");
        template += `{${name}}`;
        expected += fields[name];
      } else if (piece === 1) {
        template += "{{";
        expected += "{";
      } else if (piece === 2) {
        template += "}}";
        expected += "}";
      } else {
        const text = rng.string(rng.int(1, 6), "ab %sd()é");
        template += text;
        expected += text;
      }
    }
    const event = {
      num: 0,
      time: 0,
      incarnation: ["x", null] as [string, null],
      level: 20,
      format: toFoolscapFormat(template),
      ...fields,
    };
    assert.equal(renderMessage(event), expected, template);
  });
});
