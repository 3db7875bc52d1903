/**
 * Real ClickHouse servers for the tests: Debian's `clickhouse-server`
 * (installed by `.ci/run`) from a config in a temp dir, on free loopback
 * ports; one node, or a two-shard cluster of two nodes (no replicas, so no
 * ZooKeeper). Each can be stopped and started again on the same data.
 */

import { deadline, freePort } from "./_util.ts";

/** Whether `clickhouse-server` is installed. */
export function hasClickHouse(): boolean {
  try {
    return Deno.statSync("/usr/sbin/clickhouse-server").isFile ||
      Deno.statSync("/usr/bin/clickhouse-server").isFile;
  } catch {
    return false;
  }
}

/** One node. */
export class ClickHouseNode {
  readonly dir: string;
  readonly httpPort = freePort();
  readonly tcpPort = freePort();
  #child: Deno.ChildProcess | undefined;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Its HTTP interface. */
  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** Writes its config; `cluster` lists the TCP ports of every shard. */
  async configure(cluster?: { name: string; tcpPorts: number[] }) {
    await Deno.mkdir(this.dir, { recursive: true });
    const shards =
      cluster?.tcpPorts.map((p) =>
        `<shard><replica><host>127.0.0.1</host><port>${p}</port></replica></shard>`
      ).join("") ?? "";
    await Deno.writeTextFile(
      `${this.dir}/config.xml`,
      `<yandex>
  <logger><level>error</level><console>1</console></logger>
  <http_port>${this.httpPort}</http_port>
  <tcp_port>${this.tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${this.dir}/data/</path>
  <tmp_path>${this.dir}/tmp/</tmp_path>
  <user_files_path>${this.dir}/user_files/</user_files_path>
  <format_schema_path>${this.dir}/format_schemas/</format_schema_path>
  <users_config>${this.dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  ${
        cluster
          ? `<remote_servers><${cluster.name}>${shards}</${cluster.name}></remote_servers>`
          : ""
      }
</yandex>`,
    );
    await Deno.writeTextFile(
      `${this.dir}/users.xml`,
      `<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>`,
    );
  }

  /** Starts it and waits until it answers `/ping`. */
  async start(): Promise<void> {
    this.#child = new Deno.Command("clickhouse-server", {
      args: [`--config-file=${this.dir}/config.xml`],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await deadline(
      (async () => {
        for (let i = 0; i < 400; i++) {
          try {
            const res = await fetch(`${this.url}/ping`);
            await res.body?.cancel();
            if (res.ok) return;
          } catch { /* not yet */ }
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error("clickhouse-server did not answer");
      })(),
      "clickhouse-server to start",
      15_000,
    );
  }

  /** Stops it at once (SIGKILL: its clean shutdown takes 10 s), then waits. */
  async stop(): Promise<void> {
    if (this.#child === undefined) return;
    try {
      this.#child.kill("SIGKILL");
    } catch { /* gone */ }
    await this.#child.status;
    this.#child = undefined;
  }
}

/** One node, or a cluster of two shards named `flightlog_test`. */
export async function startClickHouse(
  { shards = 0 }: { shards?: 0 | 2 } = {},
): Promise<
  AsyncDisposable & { nodes: ClickHouseNode[]; url: string; cluster?: string }
> {
  const dir = await Deno.makeTempDir({ prefix: "flightlog-ch-test-" });
  const nodes = shards === 0
    ? [new ClickHouseNode(`${dir}/node`)]
    : [new ClickHouseNode(`${dir}/a`), new ClickHouseNode(`${dir}/b`)];
  const cluster = shards === 0 ? undefined : "flightlog_test";
  for (const n of nodes) {
    await n.configure(
      cluster && { name: cluster, tcpPorts: nodes.map((x) => x.tcpPort) },
    );
  }
  try {
    await Promise.all(nodes.map((n) => n.start()));
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw e;
  }
  return {
    nodes,
    url: nodes[0].url,
    cluster,
    async [Symbol.asyncDispose]() {
      await Promise.all(nodes.map((n) => n.stop()));
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
