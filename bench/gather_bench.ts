/**
 * The gatherer and its SQLite index, each figure beside its floor in one run:
 * - ingest: incidents pulled from three sidecars, stored, classified and
 *   grouped, beside writing the same bytes (synced) plus one SQLite insert
 *   each;
 * - with 100,000 stored incidents: `GET /v1/groups` and
 *   `GET /v1/incidents?q=` over HTTP, beside the bare SQL query;
 * - start-up time and RSS with 100,000 stored incidents, beside an empty
 *   store (the index should cost no RAM per incident).
 *
 * Run: `deno run -A bench/gather_bench.ts [INCIDENTS]` (part of
 * `deno task bench`).
 */
import { DatabaseSync } from "node:sqlite";
import { createLogger } from "../mod.ts";
import { Gatherer } from "../gather/gatherer.ts";
import { Sidecar } from "../sidecar/sidecar.ts";
import type { IncidentStore } from "../store/sqlite/store.ts";
import { writeFileSynced } from "../lib/_io.ts";

const STORED = Number(Deno.args[0] ?? 100_000);
const PER_SOURCE = 300;
const ROUNDS = 30;
let root = "";
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

/** Real incidents with varied templates, apps and facilities. */
async function sampleIncidents(n: number): Promise<Uint8Array[]> {
  const dir = `${root}/samples`;
  const out: Uint8Array[] = [];
  const apps = ["shop", "bank", "search", "mail"];
  for (let i = 0; i < n; i++) {
    const log = createLogger({
      incidentDir: dir,
      trailingMs: 0,
      rateLimit: false,
      announce: false, // thousands of incidents: no line each
      app: apps[i % apps.length],
      console: false,
    });
    const sub = log.child(["db", "http", "payments", "cache"][i % 4]);
    for (let j = 0; j < 5; j++) sub.info("step {j} of order {i}", { i, j });
    sub.weird(`failure kind ${i % 60}: order {i} timed out after {ms} ms`, {
      i,
      ms: 100 + i,
    });
    await log.close();
    const path = log.incidents[0].path;
    out.push(await Deno.readFile(path));
    // "incident-<its trigger's time>Z-": a store checks a name's time.
    stamps.push(/incident-[^/]*Z-/.exec(path)![0]);
  }
  await Deno.remove(dir, { recursive: true });
  return out;
}

/** Each sample's name up to its random part (its trigger's time). */
const stamps: string[] = [];
let counter = 0;
/** A fresh incident file name for sample `i` (unique, valid). */
function freshName(i: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let id = "";
  for (let n = counter++; id.length < 7; n = Math.floor(n / 32)) {
    id = alphabet[n % 32] + id;
  }
  return `${stamps[i]}${id}.flog.gz`;
}

async function ingest(samples: Uint8Array[]) {
  const sidecars: Sidecar[] = [];
  for (let s = 0; s < 3; s++) {
    const sidecar = await Sidecar.start({
      dir: `${root}/source-${s}`,
      listen: { hostname: "127.0.0.1", port: 0 },
    });
    for (let i = 0; i < PER_SOURCE; i++) {
      await sidecar.store.import(
        freshName((s * PER_SOURCE + i) % samples.length),
        samples[(s * PER_SOURCE + i) % samples.length] as Uint8Array<
          ArrayBuffer
        >,
      );
    }
    sidecars.push(sidecar);
  }
  const total = 3 * PER_SOURCE;
  const rules = `${root}/rules`;
  await Deno.mkdir(rules);
  await Deno.writeTextFile(
    `${rules}/10-db.json`,
    JSON.stringify([{ match: { facility: "db" }, category: "database" }]),
  );
  await Deno.writeTextFile(
    `${rules}/20-pay.ts`,
    `export const classify = (i) => i.trigger?.facility === "payments" ? "payments" : undefined;`,
  );
  const timeGather = async (dir: string, withRules: boolean) => {
    const t0 = performance.now();
    const g = await Gatherer.start({
      dir,
      listen: { hostname: "127.0.0.1", port: 0 },
      sources: sidecars.map((s) => ({ url: s.url, token: s.token })),
      rules: withRules ? rules : undefined,
      report: () => {},
    });
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const count = () => (g.store as IncidentStore).totals().count;
    const off = g.store.subscribe(() => {
      if (count() >= total) resolve();
    });
    // A deadline, so a stalled pull fails the bench instead of a rate.
    const timer = setTimeout(
      () => reject(new Error(`gathered ${count()} of ${total} in 120 s`)),
      120_000,
    );
    try {
      await promise;
      return performance.now() - t0;
    } finally {
      clearTimeout(timer);
      off();
      await g.close();
    }
  };
  // Alternated, the best of two each (the first run warms the sources up).
  const runs: { plain: number[]; ruled: number[] } = { plain: [], ruled: [] };
  try {
    for (let i = 0; i < 2; i++) {
      runs.plain.push(await timeGather(`${root}/gathered-${i}`, false));
      runs.ruled.push(await timeGather(`${root}/gathered-rules-${i}`, true));
    }
  } finally {
    for (const s of sidecars) await s.close();
  }
  const gathered = Math.min(...runs.plain);
  const ruled = Math.min(...runs.ruled);
  // The floor: the same bytes written to files, each synced before it
  // counts (as the store syncs what it takes), and one insert each, with
  // the index's own durability (WAL, synchronous = normal; the default,
  // full, would fsync every insert and flatter the ratio 2-3x).
  // The best of two, like the gatherer's.
  const timeFloor = async (floorDir: string) => {
    const t0 = performance.now();
    await Deno.mkdir(floorDir);
    const db = new DatabaseSync(`${floorDir}/index.sqlite`);
    db.exec("pragma journal_mode = wal");
    db.exec("pragma synchronous = normal");
    db.exec("create table t (name text primary key, bytes int)");
    const insert = db.prepare("insert into t values (?, ?)");
    for (let i = 0; i < total; i++) {
      const name = freshName(i % samples.length);
      const bytes = samples[i % samples.length];
      await writeFileSynced(`${floorDir}/${name}`, bytes);
      insert.run(name, bytes.length);
    }
    db.close();
    return performance.now() - t0;
  };
  const floor = Math.min(
    await timeFloor(`${root}/floor-0`),
    await timeFloor(`${root}/floor-1`),
  );
  const rate = (t: number) => `${Math.round(total / (t / 1000))}/s`;
  console.log(
    `ingest, ${total} incidents from 3 sources    ${rate(gathered)}   floor ${
      rate(floor)
    }   ${(gathered / floor).toFixed(1)}x floor`,
  );
  console.log(
    `  with a .json and a .ts rule              ${rate(ruled)}   ${
      (ruled / gathered).toFixed(2)
    }x without rules`,
  );
}

/** A store of `n` incidents: the files, then indexed by opening it. */
async function bigStore(samples: Uint8Array[], n: number): Promise<string> {
  const dir = `${root}/big`;
  await Deno.mkdir(dir);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await Deno.writeFile(
      `${dir}/${freshName(i % samples.length)}`,
      samples[i % samples.length],
    );
  }
  const t1 = performance.now();
  const { IncidentStore } = await import("../store/sqlite/store.ts");
  const store = await IncidentStore.open(dir);
  const groups = store.groups.list({ limit: 1000 }).length;
  await store.close();
  const s = (x: number) => `${(x / 1000).toFixed(1)} s`;
  console.log(
    `(building: ${n} files written in ${s(t1 - t0)}, indexed on open in ${
      s(performance.now() - t1)
    }; ${groups} groups)`,
  );
  return dir;
}

async function queries(dir: string) {
  const g = await Gatherer.start({
    dir,
    listen: { hostname: "127.0.0.1", port: 0 },
    report: () => {},
  });
  const db = new DatabaseSync(`${dir}/index.sqlite`, { readOnly: true });
  const http = async (path: string) => {
    const res = await fetch(g.url + path, {
      headers: { authorization: `Bearer ${g.token}` },
    });
    await res.arrayBuffer();
  };
  const time = async (fn: () => unknown) => {
    await fn();
    const xs = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      await fn();
      xs.push(performance.now() - t0);
    }
    return median(xs);
  };
  const groups = await time(() => http("/v1/groups"));
  // The bare SQL: the same two queries (the groups, then their hours).
  const groupsSql = await time(() => {
    const rows = db.prepare(
      "select * from groups order by last_seen desc limit 100",
    ).all();
    return db.prepare(
      `select group_id, hour, count from group_hours where hour >= ?
       and group_id in (select value from json_each(?))`,
    ).all(
      Math.floor(Date.now() / 3_600_000) - 167,
      JSON.stringify(rows.map((r) => r.id)),
    );
  });
  const search = await time(() => http("/v1/incidents?q=timed%20order"));
  const searchSql = await time(() =>
    db.prepare(
      `select i.* from incidents i where i.id in (select rowid from incident_text
       where incident_text match '"timed"* "order"*') order by time desc limit 100`,
    ).all()
  );
  db.close();
  await g.close();
  console.log(
    `GET /v1/groups, ${STORED} incidents         ${ms(groups)}   bare SQL ${
      ms(groupsSql)
    }   ${(groups / groupsSql).toFixed(1)}x`,
  );
  console.log(
    `GET /v1/incidents?q=, ${STORED} incidents   ${ms(search)}   bare SQL ${
      ms(searchSql)
    }   ${(search / searchSql).toFixed(1)}x`,
  );
}

/**
 * Opening a store in a fresh process: time (with the module load, and the
 * open alone) and RSS.
 */
async function startup(
  dir: string,
): Promise<{ ms: number; open: number; rss: number }> {
  const script = `
    const t0 = performance.now();
    const { IncidentStore } = await import(${
    JSON.stringify(new URL("../store/sqlite/store.ts", import.meta.url).href)
  });
    const t1 = performance.now();
    const store = await IncidentStore.open(${JSON.stringify(dir)});
    const ms = performance.now() - t0, open = performance.now() - t1;
    store.list({ limit: 100 });
    console.log(JSON.stringify({ ms, open, rss: Deno.memoryUsage().rss }));
    await store.close();`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`opening ${dir} in a subprocess failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

async function main() {
  root = await Deno.makeTempDir({ prefix: "flightlog-gather-bench-" });
  try {
    const samples = await sampleIncidents(240);
    await ingest(samples);
    const big = await bigStore(samples, STORED);
    await queries(big);
    const empty = `${root}/empty`;
    await Deno.mkdir(empty);
    await (await import("../store/sqlite/store.ts")).IncidentStore.open(empty)
      .then((
        s,
      ) => s.close());
    const a = await startup(empty);
    const b = await startup(big);
    console.log(
      `start-up, ${STORED} incidents                ${ms(b.ms)}   empty ${
        ms(a.ms)
      }   ${(b.ms / a.ms).toFixed(1)}x`,
    );
    console.log(
      `  the open alone (no module load)          ${ms(b.open)}   empty ${
        ms(a.open)
      }   ${(b.open / a.open).toFixed(1)}x`,
    );
    console.log(
      `RSS after start-up, ${STORED} incidents      ${
        (b.rss / 2 ** 20).toFixed(0)
      } MiB   empty ${(a.rss / 2 ** 20).toFixed(0)} MiB   ${
        ((b.rss - a.rss) / STORED).toFixed(0)
      } bytes/incident`,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

if (import.meta.main) await main();
