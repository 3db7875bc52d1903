import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { NODE_FILE, NodeState } from "../store/sqlite/node_state.ts";
import { INDEX_FILE, SCHEMA_VERSION } from "../store/sqlite/_index_db.ts";
import { IncidentStore } from "../store/sqlite/store.ts";
import { tempDir } from "./_util.ts";

const FIXTURE = new URL("./fixtures/store-v1/", import.meta.url);

/** A copy of the version-1 store folder, to migrate. */
async function oldStore(dir: string): Promise<string> {
  const to = `${dir}/store`;
  await Deno.mkdir(to);
  for await (const e of Deno.readDir(FIXTURE)) {
    await Deno.copyFile(new URL(e.name, FIXTURE), `${to}/${e.name}`);
  }
  return to;
}

/** The tables of the index in `dir`, and its schema version. */
function indexOf(dir: string): { tables: string[]; version: number } {
  const db = new DatabaseSync(`${dir}/${INDEX_FILE}`);
  try {
    const tables = (db.prepare(
      "select name from sqlite_master where type = 'table'",
    ).all() as { name: string }[]).map((r) => r.name);
    const { user_version } = db.prepare("pragma user_version").get() as {
      user_version: number;
    };
    return { tables, version: user_version };
  } finally {
    db.close();
  }
}

function assertMoved(dir: string, state: NodeState): void {
  assert.equal(state.countDeliveries("pending"), 1);
  assert.equal(state.get("webhook_cursor"), "1");
  assert.equal(state.get("clickhouse_export_cursor"), "1");
  const index = indexOf(dir);
  assert.equal(index.version, SCHEMA_VERSION);
  assert.ok(!index.tables.includes("deliveries"), index.tables.join());
  assert.ok(!index.tables.includes("meta"), index.tables.join());
}

Deno.test("NodeState.open() on a version-1 store moves its deliveries and checkpoints out of the index", async () => {
  await using tmp = await tempDir();
  const dir = await oldStore(tmp.path);
  assert.equal(indexOf(dir).version, 1);
  using state = await NodeState.open(dir);
  assertMoved(dir, state);
});

Deno.test("IncidentStore.open() on a version-1 store keeps its incidents and moves the node's tables", async () => {
  await using tmp = await tempDir();
  const dir = await oldStore(tmp.path);
  await using store = await IncidentStore.open(dir);
  assert.equal(store.list().length, 1);
  assert.equal(store.list()[0].app, "shop");
  using state = await NodeState.open(dir);
  assertMoved(dir, state);
});

Deno.test("NodeState keeps checkpoints and deliveries across a reopen", async () => {
  await using tmp = await tempDir();
  {
    using state = await NodeState.open(tmp.path);
    state.addDeliveries(
      [{ id: "d1", url: "http://127.0.0.1:9/", type: "spike", body: "{}" }],
      "cursor",
      "5",
    );
  }
  using state = await NodeState.open(tmp.path);
  assert.equal(state.get("cursor"), "5");
  const [due] = state.dueDeliveries(Date.now(), 10, 0);
  assert.equal(due.id, "d1");
  state.delivered("d1");
  assert.equal(state.countDeliveries("done"), 1);
  assert.equal(state.nextDeliveryAt(), Infinity);
});

Deno.test("A new store's index gets no node tables and no node file", async () => {
  await using tmp = await tempDir();
  await (await IncidentStore.open(tmp.path)).close();
  const index = indexOf(tmp.path);
  assert.ok(!index.tables.includes("deliveries"));
  await assert.rejects(
    Deno.stat(`${tmp.path}/${NODE_FILE}`),
    Deno.errors.NotFound,
  );
});
