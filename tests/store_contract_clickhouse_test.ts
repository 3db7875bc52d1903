// The store contract on the ClickHouse store, against a real
// Skipped cases: none (this backend passes every case).
// clickhouse-server started for this file (one database per case).
import { ClickHouseStore } from "../store/clickhouse/store.ts";
import { runStoreCases } from "./_store_cases.ts";
import { startClickHouse } from "./_clickhouse.ts";
import { tempDir } from "./_util.ts";

Deno.test("ClickHouseStore passes the store contract", async (t) => {
  await using ch = await startClickHouse();
  await using dir = await tempDir();
  let n = 0;
  await runStoreCases(t, async (o) =>
    await ClickHouseStore.open({
      ...o,
      clickhouse: { url: ch.url, database: `contract_${++n}` },
      spool: {
        dir: `${dir.path}/spool-${n}`,
        flushMs: 20,
        baseDelayMs: 20,
        maxDelayMs: 200,
      },
      pollMs: 50,
    }), {});
});
