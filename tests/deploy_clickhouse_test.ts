// deploy/clickhouse/local.sh, the README's way to start a ClickHouse for a
// fleet: it starts Debian's clickhouse-server on the port given, with the
// `fleet` cluster the README's gatherer command names.
import assert from "node:assert/strict";
import { deadline, freePort, ROOT, tempDir } from "./_util.ts";

const SCRIPT = `${ROOT}deploy/clickhouse/local.sh`;

async function query(url: string, sql: string): Promise<string> {
  const res = await fetch(url, { method: "POST", body: sql });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return text;
}

Deno.test("local.sh starts a ClickHouse that answers with the fleet cluster", async () => {
  await using dir = await tempDir();
  const port = freePort();
  const child = new Deno.Command("bash", {
    args: [SCRIPT, `${dir.path}/ch`, String(port)],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    const url = `http://127.0.0.1:${port}/`;
    await deadline(
      (async () => {
        for (let i = 0; i < 600; i++) {
          try {
            if ((await query(url, "SELECT 1")).trim() === "1") return;
          } catch { /* not yet */ }
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error("no answer");
      })(),
      "clickhouse from local.sh",
      30_000,
    );
    const clusters = await query(
      url,
      "SELECT DISTINCT cluster FROM system.clusters",
    );
    assert.match(clusters, /^fleet$/m);
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await child.stderr.cancel();
  }
});

Deno.test("local.sh without a folder prints its usage and exits 2", async () => {
  const out = await new Deno.Command("bash", { args: [SCRIPT] }).output();
  assert.equal(out.code, 2);
  assert.match(new TextDecoder().decode(out.stderr), /^usage: /);
});
