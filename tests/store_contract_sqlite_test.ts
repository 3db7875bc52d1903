// The store contract on the SQLite store.
// Skipped cases: none (this backend passes every case).
import { IncidentStore } from "../store/sqlite/store.ts";
import { runStoreCases } from "./_store_cases.ts";

Deno.test("IncidentStore (SQLite) passes the store contract", async (t) => {
  const dirs: string[] = [];
  try {
    await runStoreCases(t, async (o) => {
      const dir = await Deno.makeTempDir({ prefix: "flightlog-contract-" });
      dirs.push(dir);
      return await IncidentStore.open(dir, o);
    });
  } finally {
    for (const d of dirs) await Deno.remove(d, { recursive: true });
  }
});
