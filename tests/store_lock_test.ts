// One store, one owner: the lock on a store's folder, in-process and
// between `flightlog sidecar` / `gather` processes (a second one refused
// with the first one's pid; a SIGKILLed owner's lock taken over).
import assert from "node:assert/strict";
import { StoreLock, StoreLockedError } from "../store/lock.ts";
import { IncidentStore } from "../store/sqlite/store.ts";
import { Spool } from "../store/clickhouse/spool.ts";
import { reindex } from "../store/sqlite/reindex.ts";
import type { Layout } from "../store/clickhouse/schema.ts";
import { Proc, ROOT, runDeno, tempDir } from "./_util.ts";

const CLI = `${ROOT}cli/flightlog.ts`;

Deno.test("StoreLock.take() refuses a folder already locked, naming this pid", async () => {
  await using dir = await tempDir();
  const lock = await StoreLock.take(dir.path);
  try {
    const e = await StoreLock.take(dir.path).then(
      () => assert.fail("taken twice"),
      (e) => e,
    );
    assert.ok(e instanceof StoreLockedError);
    assert.equal(e.owner?.pid, Deno.pid);
    assert.match(e.message, new RegExp(`pid ${Deno.pid}\\b.*kill ${Deno.pid}`));
  } finally {
    lock.release();
  }
  (await StoreLock.take(dir.path)).release();
});

Deno.test("IncidentStore.open() refuses a folder another store has open, and takes it once closed", async () => {
  await using dir = await tempDir();
  const first = await IncidentStore.open(dir.path);
  await assert.rejects(IncidentStore.open(dir.path), StoreLockedError);
  await first.close();
  const second = await IncidentStore.open(dir.path);
  await second.close();
});

Deno.test("reindex() of a folder a store has open is refused, and moves no file", async () => {
  await using dir = await tempDir();
  const store = await IncidentStore.open(dir.path);
  try {
    await assert.rejects(reindex(dir.path), StoreLockedError);
    await Deno.stat(`${dir.path}/index.sqlite`);
    await assert.rejects(
      Deno.stat(`${dir.path}/index.sqlite.old`),
      Deno.errors.NotFound,
    );
  } finally {
    await store.close();
  }
  assert.equal((await reindex(dir.path)).hadIndex, true);
});

Deno.test("Spool.open() refuses a spool folder another spool has (a gatherer on ClickHouse)", async () => {
  await using dir = await tempDir();
  // Nothing is spooled: the layout is never used.
  const layout = {} as Layout;
  const first = await Spool.open(layout, { dir: dir.path });
  await assert.rejects(Spool.open(layout, { dir: dir.path }), StoreLockedError);
  await first.close();
  const second = await Spool.open(layout, { dir: dir.path });
  await second.close();
});

function serverArgs(command: string, dir: string): string[] {
  return ["run", "-A", CLI, command, "--dir", dir, "--listen", "127.0.0.1:0"];
}

for (const command of ["sidecar", "gather"]) {
  Deno.test(`a second flightlog ${command} on one --dir exits 1 with one line naming the first one's pid`, async () => {
    await using dir = await tempDir();
    const first = new Proc(serverArgs(command, `${dir.path}/store`));
    try {
      await first.waitFor(`flightlog ${command} listening on `);
      const second = await runDeno(serverArgs(command, `${dir.path}/store`));
      assert.equal(second.code, 1, second.stderr);
      const lines = second.stderr.trim().split("\n");
      assert.equal(lines.length, 1, second.stderr);
      assert.match(
        lines[0],
        new RegExp(
          `^flightlog ${command}: .*store is in use by pid ${first.child.pid}\\b.*kill ${first.child.pid}`,
        ),
      );
      assert.equal(second.stdout, "");
    } finally {
      assert.equal((await first.stop()).code, 0);
    }
  });
}

Deno.test("a sidecar's lock left by SIGKILL does not block the next sidecar on its --dir", async () => {
  await using dir = await tempDir();
  const store = `${dir.path}/store`;
  const killed = new Proc(serverArgs("sidecar", store));
  await killed.waitFor("flightlog sidecar listening on ");
  await killed.stop("SIGKILL");
  // The dead owner's line is still in the file: only the lock is gone.
  const left = JSON.parse(await Deno.readTextFile(`${store}/lock`));
  assert.equal(left.pid, killed.child.pid);
  const next = new Proc(serverArgs("sidecar", store));
  try {
    await next.waitFor("flightlog sidecar listening on ");
    const now = JSON.parse(await Deno.readTextFile(`${store}/lock`));
    assert.equal(now.pid, next.child.pid);
  } finally {
    assert.equal((await next.stop()).code, 0);
  }
});
