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

Deno.test("withContext(fields, fn, { logger }) records what fn throws, in its context, and re-throws it", async () => {
  const { createLogger } = await import("../lib/create_logger.ts");
  const log = createLogger();
  const boom = new Error("boom");
  assert.throws(
    () =>
      withContext({ job: "sync" }, () => {
        throw boom;
      }, { logger: log }),
    (e) => e === boom,
  );
  await assert.rejects(
    withContext({ job: "async" }, async () => {
      await Promise.resolve();
      throw new TypeError("later");
    }, { logger: log, level: 40 }),
    TypeError,
  );
  const failures = log.snapshot().filter((e) => e.isError === 1);
  assert.deepEqual(
    failures.map((
      e,
    ) => [e.job, e.level, (e.failure as { message: string }).message]),
    [["sync", 35, "boom"], ["async", 40, "later"]],
  );
  await log.close();
});

Deno.test("nested withContext({ logger }) records one error once", async () => {
  const { createLogger } = await import("../lib/create_logger.ts");
  const log = createLogger();
  assert.throws(() =>
    withContext({ a: 1 }, () =>
      withContext({ b: 2 }, () => {
        throw new Error("once");
      }, { logger: log }), { logger: log })
  );
  assert.equal(log.snapshot().filter((e) => e.isError === 1).length, 1);
  await log.close();
});
