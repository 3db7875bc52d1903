// The store contract on the ClickHouse store, against a real
// Skipped cases: the release rules (its groups are computed by a query
// that does not know them yet; resolving in a release is refused).
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
    }), {
    "a group records its first release and the releases seen, with counts":
      "ClickHouse groups list versions, not release counts",
    "resolved in 2.0.0, an older release's incident is counted, a 2.0.0 one reopens":
      "ClickHouse refuses inRelease for now",
  });
});
