// The HTTP guard under hostile clients: idle connections past the cap, past
// the descriptor limit, and left open forever.
import assert from "node:assert/strict";
import { Proc, ROOT, tempDir } from "./_util.ts";

/** A sidecar; `limited`: under a limit of 64 open files. */
async function startSidecar(dir: string, limited: boolean, ...flags: string[]) {
  const sidecar = new Proc([
    "run",
    "-A",
    ...(limited ? [`${ROOT}tests/apps/fd_limited.ts`] : []),
    `${ROOT}cli/sidecar.ts`,
    "--dir",
    `${dir}/store`,
    "--listen",
    "127.0.0.1:0",
    "--quiet",
    ...flags,
  ]);
  const url = await sidecar.waitFor("flightlog sidecar listening on ");
  const { hostname, port } = new URL(url);
  const token = (await Deno.readTextFile(`${dir}/store/token`)).trim();
  return {
    sidecar,
    url,
    async [Symbol.asyncDispose]() {
      await sidecar.stop(); // already stopped: returns its status again
    },
    connect: () => Deno.connect({ hostname, port: Number(port) }),
    /** /metrics, once a connection is free again (bounded wait). */
    async metrics(): Promise<string> {
      const stop = Date.now() + 10_000;
      for (;;) {
        const res = await fetch(`${url}/metrics`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const text = await res.text();
        if (res.ok || Date.now() > stop) return text;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

async function healthz(url: string): Promise<number> {
  const res = await fetch(`${url}/healthz`);
  await res.body?.cancel();
  return res.status;
}

Deno.test("flightlog sidecar answers /healthz with its connections at the cap, and turns the rest away", async () => {
  await using dir = await tempDir();
  await using s = await startSidecar(dir.path, false, "--max-connections", "8");
  const conns: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 30; i++) conns.push(await s.connect());
    assert.equal(await healthz(s.url), 200);
    const res = await fetch(`${s.url}/v1/incidents`);
    assert.equal(res.status, 503);
    await res.body?.cancel();
  } finally {
    for (const c of conns) c.close();
  }
  assert.match(
    await s.metrics(),
    /flightlog_http_connections_refused_total(\{[^}]*\})? [1-9]/,
  );
  assert.equal((await s.sidecar.stop()).code, 0, "alive until told to stop");
});

Deno.test("flightlog sidecar lives through running out of descriptors, and serves again", async () => {
  await using dir = await tempDir();
  await using s = await startSidecar(
    dir.path,
    true,
    "--max-connections",
    "1000",
  );
  const conns: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 100; i++) conns.push(await s.connect());
    await new Promise((r) => setTimeout(r, 300)); // let it try to accept them
  } finally {
    for (const c of conns) c.close();
  }
  const stop = Date.now() + 15_000;
  let status = 0;
  while (status !== 200 && Date.now() < stop) {
    status = await healthz(s.url).catch(() => 0);
    if (status !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 200);
  assert.match(
    await s.metrics(),
    /flightlog_http_accept_failures_total(\{[^}]*\})? [1-9]/,
  );
  assert.equal((await s.sidecar.stop()).code, 0, "alive until told to stop");
});

Deno.test("flightlog sidecar closes a connection that stays idle past --idle-timeout-ms", async () => {
  await using dir = await tempDir();
  await using s = await startSidecar(
    dir.path,
    false,
    "--idle-timeout-ms",
    "300",
  );
  const conn = await s.connect();
  try {
    const read = await Promise.race([
      conn.read(new Uint8Array(16)),
      new Promise((r) => setTimeout(() => r("still open"), 10_000)),
    ]);
    assert.equal(read, null, "closed by the sidecar");
  } finally {
    conn.close();
  }
  assert.match(
    await s.metrics(),
    /flightlog_http_connections_idle_closed_total(\{[^}]*\})? [1-9]/,
  );
  await s.sidecar.stop();
});
