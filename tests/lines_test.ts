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
