import assert from "node:assert/strict";
import { LineSplitter, LineStream } from "../lib/lines.ts";
import { forAll } from "./_prng.ts";

Deno.test("LineSplitter.push() returns completed lines and keeps the rest", () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push("a\nb"), ["a"]);
  assert.deepEqual(s.push("c\n\nd"), ["bc", ""]);
  assert.equal(s.end(), "d");
});

Deno.test("LineSplitter.end() is undefined after a final newline", () => {
  const s = new LineSplitter();
  s.push("a\n");
  assert.equal(s.end(), undefined);
});

Deno.test("LineStream splits a text stream into lines, the cut last one included", async () => {
  const lines = await Array.fromAsync(
    ReadableStream.from(["x\ny", "y\nz"]).pipeThrough(new LineStream()),
  );
  assert.deepEqual(lines, ["x", "yy", "z"]);
});

Deno.test("LineSplitter gives the same lines however the text is chunked", () => {
  forAll(300, (rng) => {
    const text = rng.string(rng.int(0, 80), "ab\n\né");
    const expected = text.split("\n");
    const last = expected.pop()!;
    const s = new LineSplitter();
    const got: string[] = [];
    let i = 0;
    while (i < text.length) {
      const n = rng.int(1, 10);
      got.push(...s.push(text.slice(i, i + n)));
      i += n;
    }
    assert.deepEqual(got, expected);
    assert.equal(s.end(), last === "" ? undefined : last);
  });
});

Deno.test("LineSplitter drops a line over maxLength, keeping line numbers and bounded memory", () => {
  const over: [number, number][] = [];
  const s = new LineSplitter({
    maxLength: 10,
    onOversized: (line, length) => over.push([line, length]),
  });
  const lines = [
    ...s.push("short\n" + "x".repeat(8)),
    ...s.push("y".repeat(1000)),
    ...s.push("z\nok\nalso ok"),
  ];
  assert.deepEqual(lines, ["short", "", "ok"]);
  assert.deepEqual(over, [[2, 1009]]);
  assert.equal(s.end(), "also ok");
});

Deno.test("LineSplitter with a limit gives the same lines as without, for lines within it", () => {
  forAll(300, (rng) => {
    const text = rng.string(rng.int(0, 80), "ab\n\n");
    const bounded = new LineSplitter({ maxLength: 1000 });
    const plain = new LineSplitter();
    let i = 0;
    const a: string[] = [];
    const b: string[] = [];
    while (i < text.length) {
      const n = rng.int(1, 10);
      a.push(...bounded.push(text.slice(i, i + n)));
      b.push(...plain.push(text.slice(i, i + n)));
      i += n;
    }
    assert.deepEqual(a, b);
    assert.equal(bounded.end(), plain.end());
  });
});
