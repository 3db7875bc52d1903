import assert from "node:assert/strict";
import { currentContext, withContext } from "../lib/context.ts";

Deno.test("withContext() makes its fields current across awaits and timers", async () => {
  await withContext({ requestId: "r1" }, async () => {
    await Promise.resolve();
    await new Promise((r) => setTimeout(r, 1));
    assert.deepEqual(currentContext(), { requestId: "r1" });
  });
  assert.equal(currentContext(), undefined);
});

Deno.test("withContext() merges nested contexts, inner fields winning", () => {
  withContext({ a: 1, b: 1 }, () => {
    withContext({ b: 2 }, () => {
      assert.deepEqual(currentContext(), { a: 1, b: 2 });
    });
    assert.deepEqual(currentContext(), { a: 1, b: 1 });
  });
});

Deno.test("withContext() keeps concurrent contexts apart", async () => {
  const seen: unknown[] = [];
  await Promise.all(["x", "y"].map((id) =>
    withContext({ id }, async () => {
      await new Promise((r) => setTimeout(r, id === "x" ? 5 : 1));
      seen.push(currentContext()?.id);
    })
  ));
  assert.deepEqual(seen.sort(), ["x", "y"]);
});
