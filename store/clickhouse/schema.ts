/**
 * flightlog's tables in ClickHouse, created and migrated on start (a
 * `migrations` table per node), on one node or a cluster. Written for
 * ClickHouse 18.16 (Debian's) and current releases alike, so it avoids what
 * 18.16 lacks: no `DateTime64` (times are integer ms beside a `Date`), no
 * table `TTL` (retention drops day partitions), no query parameters.
 *
 * @module
 */

import { ClickHouse, type ClickHouseOptions, sqlInt } from "./client.ts";

/** One table: its columns, order key, sharding key, and version column. */
interface Table {
  name: string;
  columns: string;
  orderBy: string;
  shardBy: string;
  partitionBy?: string;
  version: string;
}

const TABLES: readonly Table[] = [
  {
    name: "incidents",
    columns: `name String, seq UInt64, source String, app String, host String,
      version String, pid Int64, time Int64, day Date, level Int32,
      facility String, summary String, trigger_id String, category String,
      group_id String, title String, rule String, events UInt32, bytes UInt64,
      recovered UInt8, damage String, body String`,
    orderBy: "name",
    shardBy: "cityHash64(name)",
    partitionBy: "toYYYYMMDD(day)",
    version: "seq",
  },
  {
    name: "events",
    columns: `incident String, seq UInt64, app String, num Int64, time Int64,
      day Date, level Int32, facility String, text String, fields String`,
    orderBy: "(incident, num)",
    shardBy: "cityHash64(incident)",
    partitionBy: "toYYYYMMDD(day)",
    version: "seq",
  },
  {
    name: "group_status",
    columns: "group_id String, status String, changed Int64, seq UInt64",
    orderBy: "group_id",
    shardBy: "cityHash64(group_id)",
    version: "seq",
  },
  {
    name: "cursors",
    columns: "url String, cursor UInt64, updated Int64",
    orderBy: "url",
    shardBy: "cityHash64(url)",
    version: "updated",
  },
];

/** Each migration: the tables it creates (all of them, at version 1). */
const MIGRATIONS: readonly (readonly Table[])[] = [TABLES];

/** The tables' names to query: `Distributed` ones on a cluster. */
export interface Layout {
  /** The client of the node queries go to. */
  ch: ClickHouse;
  /** `database.table` of each table, as queries name them. */
  incidents: string;
  events: string;
  groupStatus: string;
  cursors: string;
  /** The local (sharded) tables, for dropping partitions. */
  local: string[];
  /** Every node, for dropping partitions on each. */
  nodes: ClickHouse[];
  /** Settings of inserts (synchronous on a cluster, so a 200 means stored). */
  insertSettings: Record<string, string>;
}

function engine(t: Table, replicated: boolean, db: string): string {
  const e = replicated
    ? `ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/${db}/${t.name}', '{replica}', ${t.version})`
    : `ReplacingMergeTree(${t.version})`;
  return `ENGINE = ${e}${
    t.partitionBy ? ` PARTITION BY ${t.partitionBy}` : ""
  } ORDER BY ${t.orderBy}`;
}

/**
 * Creates or migrates the tables, on `options.url` or on every node of
 * `options.cluster`; returns where queries and inserts go.
 */
export async function openSchema(options: ClickHouseOptions): Promise<Layout> {
  const db = options.database ?? "flightlog";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(db)) {
    throw new TypeError(
      `ClickHouse database name ${
        JSON.stringify(db)
      }: letters, digits and _ only`,
    );
  }
  const auth = {
    user: options.user,
    password: options.password,
    timeoutMs: options.timeoutMs,
  };
  const ch = new ClickHouse(options.url, auth);
  const cluster = options.cluster;
  if (cluster !== undefined && !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(cluster)) {
    throw new TypeError(
      `ClickHouse cluster name ${JSON.stringify(cluster)} is not valid`,
    );
  }
  const nodes = [options.url, ...(options.nodes ?? [])]
    .filter((u, i, all) => all.indexOf(u) === i)
    .map((u) => new ClickHouse(u, auth));
  let replicated = false;
  if (cluster !== undefined) {
    const shape = await ch.query<{ n: number; replicas: number }>(
      `SELECT count() AS n, max(replica_num) AS replicas FROM system.clusters WHERE cluster = '${cluster}'`,
    );
    if (shape[0]?.n === 0) {
      throw new TypeError(
        `ClickHouse at ${ch.url} has no cluster "${cluster}" in its remote_servers`,
      );
    }
    replicated = shape[0].replicas > 1;
  }
  const suffix = cluster === undefined ? "" : "_local";
  // With ZooKeeper, ON CLUSTER runs each statement on every node; without,
  // each node named is told itself.
  const zk = cluster !== undefined && (await ch.query<{ n: number }>(
        "SELECT count() AS n FROM system.tables WHERE database = 'system' AND name = 'zookeeper'",
      ))[0]?.n > 0;
  const on = zk ? ` ON CLUSTER ${cluster}` : "";
  for (const node of cluster === undefined || zk ? [ch] : nodes) {
    await migrate(
      node,
      db,
      on,
      (t) =>
        `CREATE TABLE IF NOT EXISTS ${db}.${t.name}${suffix}${on} (${t.columns}) ${
          engine(t, replicated, db)
        }`,
    );
    if (cluster === undefined) continue;
    for (const t of TABLES) {
      await node.exec(
        `CREATE TABLE IF NOT EXISTS ${db}.${t.name}${on} AS ${db}.${t.name}_local ENGINE = Distributed(${cluster}, ${db}, ${t.name}_local, ${t.shardBy})`,
      );
    }
  }
  return {
    ch,
    incidents: `${db}.incidents`,
    events: `${db}.events`,
    groupStatus: `${db}.group_status`,
    cursors: `${db}.cursors`,
    local: TABLES.filter((t) => t.partitionBy).map((t) =>
      `${db}.${t.name}${suffix}`
    ),
    nodes: cluster === undefined ? [ch] : nodes,
    insertSettings: cluster === undefined
      ? {}
      : { insert_distributed_sync: "1" },
  };
}

/** Applies on `node` the migrations it has not had. */
async function migrate(
  node: ClickHouse,
  db: string,
  onCluster: string,
  create: (t: Table) => string,
): Promise<void> {
  await node.exec(`CREATE DATABASE IF NOT EXISTS ${db}${onCluster}`);
  await node.exec(
    `CREATE TABLE IF NOT EXISTS ${db}.migrations${onCluster} (version UInt32, applied DateTime) ENGINE = MergeTree ORDER BY version`,
  );
  const [{ v }] = await node.query<{ v: number }>(
    `SELECT max(version) AS v FROM ${db}.migrations`,
  );
  if (v > MIGRATIONS.length) {
    throw new Error(
      `ClickHouse at ${node.url}: database ${db} is at schema version ${v}, newer than this flightlog's ${MIGRATIONS.length}`,
    );
  }
  for (let version = v + 1; version <= MIGRATIONS.length; version++) {
    for (const t of MIGRATIONS[version - 1]) await node.exec(create(t));
    await node.exec(
      `INSERT INTO ${db}.migrations VALUES (${sqlInt(version)}, now())`,
    );
  }
}

/** Drops, on every node, the day partitions older than `maxAgeMs`. */
export async function dropOldPartitions(
  layout: Layout,
  maxAgeMs: number,
): Promise<number> {
  const cutoff = new Date(Date.now() - maxAgeMs).toISOString().slice(0, 10)
    .replaceAll("-", "");
  let dropped = 0;
  for (const node of layout.nodes) {
    for (const table of layout.local) {
      const [db, name] = table.split(".");
      const parts = await node.query<{ partition: string }>(
        `SELECT DISTINCT partition FROM system.parts WHERE active AND database = '${db}' AND table = '${name}' AND partition < '${cutoff}'`,
      );
      for (const { partition } of parts) {
        if (!/^\d{8}$/.test(partition)) continue;
        await node.exec(`ALTER TABLE ${table} DROP PARTITION ${partition}`);
        dropped++;
      }
    }
  }
  return dropped;
}
