// A store tracks its imports under way so that closing it waits for them.
import assert from "node:assert";
import { PendingImports } from "../store/_pending_imports.ts";

Deno.test("settled() waits for a tracked run, and a rejected run does not reject it", async () => {
  const pending = new PendingImports();
  const order: string[] = [];
  let finish!: () => void;
  const run = pending.track(
    new Promise<void>((resolve) => finish = resolve).then(() => {
      order.push("run");
    }),
  );
  const failed = pending.track(Promise.reject(new Error("refused")));
  await assert.rejects(failed, /refused/);
  const settled = pending.settled().then(() => order.push("settled"));
  finish();
  await settled;
  await run;
  assert.deepStrictEqual(order, ["run", "settled"]);
});

Deno.test("track() returns the run's own result", async () => {
  const pending = new PendingImports();
  assert.equal(await pending.track(Promise.resolve(7)), 7);
  await pending.settled();
});
