// The store contract on the memory store.
// Skipped cases: none (this backend passes every case).
import { MemoryStore } from "../store/memory/store.ts";
import { runStoreCases } from "./_store_cases.ts";

Deno.test("MemoryStore passes the store contract", async (t) => {
  await runStoreCases(t, (o) => Promise.resolve(new MemoryStore(o)));
});
