// The HTTP layer's one translator of storage errors: a store that is busy
// (StoreBusyError) answers 503 with Retry-After; refused input answers 400.
// On the memory store: what is tested here is HTTP, not SQLite.
import assert from "node:assert/strict";
import { createLogger } from "../mod.ts";
import { Api } from "../http/api.ts";
import { MemoryStore } from "../store/memory/store.ts";
import { StoreBusyError, StoreInputError } from "../store/errors.ts";
import type { ImportOptions } from "../store/store.ts";
import type { StoredIncident } from "../store/_store_rows.ts";
import { makeIncidents, TOKEN } from "./_server_util.ts";
import { tempDir } from "./_util.ts";

/** A memory store whose imports fail with `error`. */
class Refusing extends MemoryStore {
  constructor(readonly error: Error) {
    super();
  }
  override import(
    _name: string,
    _bytes: Uint8Array<ArrayBuffer>,
    _options?: ImportOptions,
  ): Promise<{ incident: StoredIncident; created: boolean }> {
    return Promise.reject(this.error);
  }
}

async function push(store: MemoryStore): Promise<Response> {
  await using dir = await tempDir();
  const [path] = await makeIncidents(dir.path, 1);
  const log = createLogger({ app: "api-test" });
  const api = new Api({
    store,
    recorder: log.recorder,
    token: TOKEN,
    maxBodyBytes: 1 << 20,
    metrics: () => "",
    health: () => ({ ok: true }),
  });
  try {
    const name = path.slice(path.lastIndexOf("/") + 1);
    return await api.handle(
      new Request(`http://api/v1/incidents?name=${name}`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
        body: await Deno.readFile(path),
      }),
    );
  } finally {
    api.closeStreams();
    await log.close();
  }
}

Deno.test("Api answers a StoreBusyError with 503 and its Retry-After", async () => {
  await using store = new Refusing(new StoreBusyError("spool is full", 17));
  const res = await push(store);
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "17");
  assert.match((await res.json()).error, /spool is full/);
});

Deno.test("Api answers a StoreInputError with 400", async () => {
  await using store = new Refusing(new StoreInputError("no such thing"));
  const res = await push(store);
  assert.equal(res.status, 400);
  assert.match((await res.json()).error, /no such thing/);
});
