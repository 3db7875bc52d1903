import assert from "node:assert/strict";
import { Proc, ROOT, tempDir } from "./_util.ts";

Deno.test("flightlog sidecar survives running out of descriptors under idle connections, and serves again", async () => {
  await using dir = await tempDir();
  const sidecar = new Proc([
    "run",
    "-A",
    `${ROOT}tests/apps/fd_limited.ts`,
    `${ROOT}sidecar/main.ts`,
    "--dir",
    `${dir.path}/store`,
    "--listen",
    "127.0.0.1:0",
    "--quiet",
  ]);
  try {
    const url = await sidecar.waitFor("flightlog sidecar listening on ");
    const { hostname, port } = new URL(url);
    const conns: Deno.Conn[] = [];
    for (let i = 0; i < 200; i++) {
      try {
        conns.push(await Deno.connect({ hostname, port: Number(port) }));
      } catch {
        break; // the listener is gone for now: out of descriptors
      }
    }
    assert(conns.length < 200, "the descriptor limit was reached");
    for (const c of conns) c.close();
    // It comes back by itself (restart with backoff, at most 2 s).
    const stop = Date.now() + 15_000;
    let ok = false;
    while (!ok && Date.now() < stop) {
      ok = await fetch(`${url}/healthz`).then(async (r) => {
        await r.body?.cancel();
        return r.ok;
      }, () => false);
      if (!ok) await new Promise((r) => setTimeout(r, 100));
    }
    assert(ok, "/healthz answers again");
    const metrics = await fetch(`${url}/metrics`, {
      headers: {
        authorization: `Bearer ${
          (await Deno.readTextFile(`${dir.path}/store/token`)).trim()
        }`,
      },
    }).then((r) => r.text());
    assert.match(
      metrics,
      /flightlog_http_accept_failures_total(\{[^}]*\})? [1-9]/,
    );
  } finally {
    assert.equal(
      (await sidecar.stop()).code,
      0,
      "still alive until told to stop",
    );
  }
});
