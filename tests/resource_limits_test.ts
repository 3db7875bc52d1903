// A sidecar under hostile input from its app: a 1 GiB line, and 300,000
// distinct facilities. Its memory stays bounded and it lives on.
import assert from "node:assert/strict";
import { Proc, ROOT, tempDir } from "./_util.ts";

const enc = new TextEncoder();

function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** A fake app: listens on `socket`; the sidecar connects to it. */
async function fakeApp(dir: string) {
  const socket = `${dir}/app.sock`;
  const listener = Deno.listen({ transport: "unix", path: socket });
  const sidecar = new Proc([
    "run",
    "-A",
    `${ROOT}cli/sidecar.ts`,
    "--dir",
    `${dir}/store`,
    "--socket",
    socket,
    "--listen",
    "127.0.0.1:0",
    "--trailing-ms",
    "0",
  ]);
  const url = await sidecar.waitFor("flightlog sidecar listening on ");
  const conn = await listener.accept();
  const write = async (bytes: Uint8Array) => {
    let off = 0;
    while (off < bytes.length) off += await conn.write(bytes.subarray(off));
  };
  const hello = {
    t: "hello",
    v: 1,
    app: "hostile",
    pid: 1,
    incarnation: ["bad", null],
    heartbeatMs: 60_000,
  };
  await write(enc.encode(JSON.stringify(hello) + "\n"));
  const token = (await Deno.readTextFile(`${dir}/store/token`)).trim();
  return {
    sidecar,
    write,
    async healthy() {
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      return res.ok;
    },
    async incidents(): Promise<{ events: number; name: string }[]> {
      const res = await fetch(`${url}/v1/incidents`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return (await res.json()).incidents;
    },
    async [Symbol.asyncDispose]() {
      try {
        conn.close();
      } catch { /* closed */ }
      listener.close();
      await sidecar.stop();
    },
  };
}

Deno.test("flightlog sidecar reads past a 1 GiB line from its app with bounded memory", async () => {
  await using dir = await tempDir();
  await using app = await fakeApp(dir.path);
  const pid = app.sidecar.child.pid;
  const chunk = enc.encode("x".repeat(1024 * 1024));
  let peak = 0;
  for (let i = 0; i < 1024; i++) {
    await app.write(chunk);
    if (i % 64 === 0) peak = Math.max(peak, rssMiB(pid));
  }
  const event = {
    num: 0,
    time: Date.now() / 1000,
    incarnation: ["bad", null],
    level: 30,
    message: "after the long line",
  };
  await app.write(
    enc.encode(`\n${JSON.stringify({ t: "events", events: [event] })}\n`),
  );
  // The WEIRD event after it still becomes an incident.
  const stop = Date.now() + 20_000;
  let incidents: { events: number }[] = [];
  while (incidents.length === 0 && Date.now() < stop) {
    incidents = await app.incidents();
    if (incidents.length === 0) await new Promise((r) => setTimeout(r, 50));
  }
  peak = Math.max(peak, rssMiB(pid));
  assert.equal(incidents.length, 1);
  assert(await app.healthy());
  assert(peak < 400, `peak RSS ${peak.toFixed(0)} MiB`);
});

Deno.test("flightlog sidecar keeps its buffers bounded under 300,000 distinct facilities", async () => {
  await using dir = await tempDir();
  await using app = await fakeApp(dir.path);
  const pid = app.sidecar.child.pid;
  let num = 0;
  let peak = 0;
  for (let batch = 0; batch < 300; batch++) {
    const events = [];
    for (let i = 0; i < 1000; i++, num++) {
      events.push({
        num,
        time: Date.now() / 1000,
        incarnation: ["bad", null],
        level: 20,
        facility: `req/${num}`,
        message: "m",
      });
    }
    await app.write(enc.encode(JSON.stringify({ t: "events", events }) + "\n"));
    if (batch % 50 === 0) peak = Math.max(peak, rssMiB(pid));
  }
  const trigger = {
    num,
    time: Date.now() / 1000,
    incarnation: ["bad", null],
    level: 30,
    message: "now",
  };
  await app.write(
    enc.encode(JSON.stringify({ t: "events", events: [trigger] }) + "\n"),
  );
  const stop = Date.now() + 30_000;
  let incidents: { events: number }[] = [];
  while (incidents.length === 0 && Date.now() < stop) {
    incidents = await app.incidents();
    if (incidents.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  peak = Math.max(peak, rssMiB(pid));
  assert.equal(incidents.length, 1);
  // The incident is bounded by the byte budget (8 MiB, facilities' own
  // cost counted: some 15,000 such events), not 300,001 events.
  assert(incidents[0].events <= 30_000, `${incidents[0].events} events`);
  // 325-345 MiB before facilities were made small and counted in bytes;
  // 170-220 after, by GC timing (bench/facilities_memory.ts).
  assert(peak < 250, `peak RSS ${peak.toFixed(0)} MiB`);
  assert(await app.healthy());
});

Deno.test("flightlog sidecar refuses four concurrent decompression bombs with bounded memory", async () => {
  await using dir = await tempDir();
  const sidecar = new Proc([
    "run",
    "-A",
    `${ROOT}cli/sidecar.ts`,
    "--dir",
    `${dir.path}/store`,
    "--listen",
    "127.0.0.1:0",
    "--quiet",
  ]);
  try {
    const url = await sidecar.waitFor("flightlog sidecar listening on ");
    const token = (await Deno.readTextFile(`${dir.path}/store/token`)).trim();
    // A valid start, then 1 GiB of zeros: about 1 MB gzipped.
    const head = enc.encode(
      "# foolscap flogfile v1\n" +
        JSON.stringify({
          header: {
            type: "incident",
            trigger: {
              num: 0,
              time: 1,
              incarnation: ["b", null],
              level: 30,
              message: "t",
            },
          },
        }) + "\n",
    );
    const zeros = new Uint8Array(16 * 1024 * 1024);
    const bomb = new Uint8Array(
      await new Response(
        ReadableStream.from((function* () {
          yield head;
          for (let i = 0; i < 64; i++) yield zeros;
        })()).pipeThrough(new CompressionStream("gzip")),
      ).arrayBuffer(),
    );
    assert(bomb.length < 4 * 1024 * 1024, `${bomb.length} bytes`);
    let peak = 0;
    const sampler = setInterval(
      () => peak = Math.max(peak, rssMiB(sidecar.child.pid)),
      20,
    );
    const statuses = await Promise.all(["a", "b", "c", "d"].map(async (s) => {
      const name = `incident-2026-01-01--00-00-00Z-bomb${s}aa.flog.gz`;
      const res = await fetch(`${url}/v1/incidents?name=${name}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: bomb,
      });
      await res.body?.cancel();
      return res.status;
    }));
    clearInterval(sampler);
    assert.deepEqual(statuses, [400, 400, 400, 400]);
    assert(peak < 600, `peak RSS ${peak.toFixed(0)} MiB`);
  } finally {
    assert.equal((await sidecar.stop()).code, 0);
  }
});
