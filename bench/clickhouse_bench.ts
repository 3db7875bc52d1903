/**
 * The fleet store on a real ClickHouse (Debian's clickhouse-server, started
 * from a temp config), each figure beside its floor in one run:
 * - event rows inserted per second through flightlog (incidents imported,
 *   classified, spooled and sent), beside the same rows POSTed as
 *   `JSONEachRow` straight to ClickHouse;
 * - with 1,000,000 stored events: `GET /v1/groups` and a fleet search
 *   (`GET /v1/events?q=`) through a gatherer, beside the bare SQL query
 *   through the HTTP interface.
 *
 * Run: `deno run -A bench/clickhouse_bench.ts [EVENTS]` (part of
 * `deno task bench`).
 */
import { createLogger } from "../mod.ts";
import { Gatherer } from "../gather/gatherer.ts";
import { ClickHouse } from "../store/clickhouse/client.ts";
import { incidentRows } from "../store/clickhouse/rows.ts";
import { ClickHouseStore } from "../store/clickhouse/store.ts";
import { hasClickHouse, startClickHouse } from "../tests/_clickhouse.ts";

const EVENTS = Number(Deno.args[0] ?? 1_000_000);
const PER_INCIDENT = 5_000;
const INGESTED = 20; // incidents timed through flightlog: 100,000 events
const ROUNDS = 15;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** One incident of `n` events (app and template vary with `i`). */
async function bigIncident(dir: string, i: number, n: number) {
  const log = createLogger({
    incidentDir: dir,
    trailingMs: 0,
    rateLimit: false,
    announce: false, // thousands of incidents: no line each
    app: ["shop", "bank", "search", "mail"][i % 4],
    console: false,
    bufferSizes: { default: n, total: n * 2 },
    maxBufferedBytes: Infinity,
  });
  const db = log.child("db");
  for (let j = 0; j < n - 1; j++) {
    db.info("query {j} for order {i} took {ms} ms", { i, j, ms: j % 300 });
  }
  db.weird(`kind ${i % 25}: order {i} timed out`, { i });
  await log.close();
  const path = log.incidents[0].path;
  return { path, name: path.slice(path.lastIndexOf("/") + 1) };
}

async function main() {
  if (!hasClickHouse()) {
    console.log(
      "clickhouse bench: skipped, clickhouse-server is not installed",
    );
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "flightlog-ch-bench-" });
  await using ch = await startClickHouse();
  try {
    const samples = [];
    for (let i = 0; i < INGESTED; i++) {
      samples.push(await bigIncident(`${dir}/samples`, i, PER_INCIDENT));
    }
    // Through flightlog: the best of two, each into a database of its own.
    const throughs = [];
    for (const database of ["flightlog", "flightlog_again"]) {
      const store = await ClickHouseStore.open({
        clickhouse: { url: ch.url, database },
        spool: { dir: `${dir}/spool-${database}`, flushMs: 50 },
      });
      const t = performance.now();
      for (const s of samples) {
        await store.import(s.name, await Deno.readFile(s.path));
      }
      await store.flush();
      throughs.push(performance.now() - t);
      await store.close();
    }
    const through = Math.min(...throughs);
    let t0 = 0;
    // The floor: the same event rows, POSTed as JSONEachRow.
    const client = new ClickHouse(ch.url);
    const bodies = [];
    for (const s of samples) {
      const rows = await incidentRows(s.path, await Deno.readFile(s.path), {
        source: "floor",
      });
      bodies.push(
        rows.events.map((e) => JSON.stringify({ ...e, seq: 1 })).join("\n"),
      );
    }
    // The best of three into a fresh table each (ClickHouse's own merges
    // make single runs vary a lot).
    const floors = [];
    for (let round = 0; round < 3; round++) {
      await client.exec("DROP TABLE IF EXISTS flightlog.floor");
      await client.exec("CREATE TABLE flightlog.floor AS flightlog.events");
      t0 = performance.now();
      for (const b of bodies) await client.insert("flightlog.floor", b);
      floors.push(performance.now() - t0);
    }
    const floor = Math.min(...floors);
    const events = INGESTED * PER_INCIDENT;
    const rate = (t: number) => `${Math.round(events / (t / 1000))} rows/s`;
    console.log(
      `event rows into ClickHouse, ${events}     ${rate(through)}   floor ${
        rate(floor)
      }   ${(through / floor).toFixed(1)}x floor`,
    );

    // Fill to EVENTS events the fast way (rows of fresh incidents), then
    // time the queries through a gatherer.
    const fill = new ClickHouse(ch.url);
    let have = events;
    for (let k = 0; have < EVENTS; k++) {
      const s = samples[k % samples.length];
      const rows = await incidentRows(s.path, await Deno.readFile(s.path), {
        source: "fill",
      });
      const name = `incident-2026-11-25--00-00-00Z-fill${
        String.fromCharCode(97 + (k % 26))
      }${String.fromCharCode(97 + Math.floor(k / 26) % 26)}${
        String.fromCharCode(97 + Math.floor(k / 676) % 26)
      }.flog.gz`;
      const seq = (Date.now() - 3_600_000) * 1000 + k;
      await fill.insert(
        "flightlog.events",
        rows.events.map((e) => JSON.stringify({ ...e, incident: name, seq }))
          .join("\n"),
      );
      await fill.insert(
        "flightlog.incidents",
        JSON.stringify({ ...rows.incident, name, seq }),
      );
      have += rows.events.length;
    }
    const g = await Gatherer.start({
      dir: `${dir}/g`,
      listen: { hostname: "127.0.0.1", port: 0 },
      clickhouse: { url: ch.url },
      report: () => {},
    });
    const http = async (path: string) => {
      const res = await fetch(g.url + path, {
        headers: { authorization: `Bearer ${g.token}` },
      });
      await res.arrayBuffer();
    };
    const time = async (fn: () => Promise<unknown>) => {
      await fn();
      const xs = [];
      for (let i = 0; i < ROUNDS; i++) {
        const t = performance.now();
        await fn();
        xs.push(performance.now() - t);
      }
      return median(xs);
    };
    const groups = await time(() => http("/v1/groups"));
    // The same query the gatherer runs: incidents once by name, grouped,
    // with their status (its hourly counts are a second, smaller query).
    const groupsSql = await time(() =>
      client.query(
        `SELECT * FROM (
           SELECT group_id AS id, argMax(title, time) AS title, count() AS count,
             min(time) AS first_seen, max(time) AS last_seen,
             groupUniqArray(app) AS apps, max(first_seq) AS last_seq
           FROM (SELECT name, argMax(group_id, seq) AS group_id,
                   argMax(title, seq) AS title, any(time) AS time,
                   any(app) AS app, min(seq) AS first_seq
                 FROM flightlog.incidents GROUP BY name)
           GROUP BY group_id
         ) ANY LEFT JOIN (
           SELECT group_id AS id, argMax(status, seq) AS status
           FROM flightlog.group_status GROUP BY group_id
         ) USING id ORDER BY last_seen DESC LIMIT 100`,
      )
    );
    const search = await time(() => http("/v1/events?q=kind%2017&limit=100"));
    const searchSql = await time(() =>
      client.query(
        `SELECT incident, app, num, time, level, facility, text, fields
         FROM flightlog.events WHERE positionCaseInsensitiveUTF8(text, 'kind 17') > 0
         ORDER BY time DESC LIMIT 100`,
      )
    );
    await g.close();
    console.log(
      `GET /v1/groups, ${have} events           ${ms(groups)}   bare SQL ${
        ms(groupsSql)
      }   ${(groups / groupsSql).toFixed(1)}x`,
    );
    console.log(
      `GET /v1/events?q= (fleet search), ${have}   ${ms(search)}   bare SQL ${
        ms(searchSql)
      }   ${(search / searchSql).toFixed(1)}x`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
