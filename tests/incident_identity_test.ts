// An incident's identity is its name and content: the same bytes again are
// taken once; other bytes under a stored name are a conflict (409, counted,
// reported), never stored over the first nor dropped in silence; a name's
// time agrees with its trigger's.
import assert from "node:assert/strict";
import { gunzipSync, gzipSync } from "node:zlib";
import { IncidentStore } from "../store/sqlite/store.ts";
import {
  IncidentConflictError,
  SHA256_HEADER,
  sha256Hex,
} from "../store/incident_identity.ts";
import { InvalidIncidentError } from "../store/errors.ts";
import { Pull } from "../gather/source.ts";
import { deadline, tempDir } from "./_util.ts";
import {
  baseName,
  client,
  makeIncident,
  startSidecar,
  testApi,
} from "./_server_util.ts";

/** An incident's name and bytes, and other bytes under the same name. */
async function realAndForged(dir: string) {
  const path = await makeIncident(`${dir}/src`, { template: "real bug" });
  const bytes = await Deno.readFile(path);
  const text = new TextDecoder().decode(gunzipSync(bytes));
  const forged = new Uint8Array(
    gzipSync(new TextEncoder().encode(
      text.replaceAll("real bug", "squatted, a much longer text"),
    )),
  );
  return { name: baseName(path), bytes, forged };
}

Deno.test("IncidentStore takes the same name with the same bytes once (idempotent)", async () => {
  await using dir = await tempDir();
  const { name, bytes } = await realAndForged(dir.path);
  await using store = await IncidentStore.open(`${dir.path}/store`);
  assert.equal((await store.import(name, bytes)).created, true);
  assert.equal((await store.import(name, bytes)).created, false);
  assert.equal(store.conflicts, 0);
});

Deno.test("IncidentStore refuses a stored name with other bytes, counts it, and keeps the first", async () => {
  await using dir = await tempDir();
  const { name, bytes, forged } = await realAndForged(dir.path);
  await using store = await IncidentStore.open(`${dir.path}/store`);
  await store.import(name, forged);
  await assert.rejects(
    store.import(name, bytes),
    (e: Error) =>
      e instanceof IncidentConflictError &&
      e.message.includes(`${name} is stored already with other content`),
  );
  assert.equal(store.conflicts, 1);
  assert.deepEqual(await Deno.readFile(store.get(name)!.path), forged);
});

Deno.test("A push of a stored name with other bytes is answered 409 and counted in the metrics", async () => {
  await using dir = await tempDir();
  const { name, bytes, forged } = await realAndForged(dir.path);
  await using sidecar = await startSidecar(`${dir.path}/sidecar`);
  const c = client(sidecar);
  const push = async (body: Uint8Array<ArrayBuffer>) => {
    const res = await c.post(`/v1/incidents?name=${name}`, body);
    await res.body?.cancel();
    return res.status;
  };
  const errors: string[] = [];
  const error = console.error;
  console.error = (...a: unknown[]) => errors.push(a.join(" "));
  try {
    assert.equal(await push(forged), 201);
    assert.equal(await push(bytes), 409);
    assert.equal(await push(forged), 200);
  } finally {
    console.error = error;
  }
  assert.match(errors.join("\n"), /stored already with other content/);
  const metrics = await (await c.get("/metrics")).text();
  assert.match(metrics, /^flightlog_incident_conflicts_total(\{[^}]*\})? 1$/m);
});

Deno.test("A pull of a name stored with other bytes reports the conflict, counts it refused, and goes on", async () => {
  await using dir = await tempDir();
  const { name, bytes, forged } = await realAndForged(dir.path);
  await using source = await startSidecar(`${dir.path}/source`);
  await source.store.import(name, bytes);
  await using store = await IncidentStore.open(`${dir.path}/gathered`);
  await store.import(name, forged); // a squatter pushed first
  const said = Promise.withResolvers<string>();
  const abort = new AbortController();
  const p = new Pull({ url: source.url, token: source.token }, store, {
    onError: (_u, e) => said.resolve(String(e)),
  });
  const running = p.run(abort.signal);
  try {
    assert.match(
      await deadline(said.promise, "the report", 15_000),
      /stored already with other content/,
    );
  } finally {
    abort.abort();
    await running;
  }
  assert.equal(p.stats.refused, 1);
  assert.equal(store.conflicts, 1);
});

Deno.test("An incident whose name's time is not its trigger's is refused", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const { name, bytes } = await realAndForged(dir.path);
  const renamed = name.replace(/^incident-\d{4}/, "incident-1999");
  await assert.rejects(
    t.store.import(renamed, bytes),
    (e: Error) =>
      e instanceof InvalidIncidentError &&
      /the time in its name \(1999-.*\) is not its trigger's/.test(e.message),
  );
});

Deno.test("HEAD of an incident gives the SHA-256 of its bytes", async () => {
  await using dir = await tempDir();
  const { name, bytes } = await realAndForged(dir.path);
  await using sidecar = await startSidecar(`${dir.path}/sidecar`);
  await sidecar.store.import(name, bytes);
  const res = await fetch(`${sidecar.url}/v1/incidents/${name}`, {
    method: "HEAD",
    headers: { authorization: `Bearer ${sidecar.token}` },
  });
  await res.body?.cancel();
  assert.equal(res.headers.get(SHA256_HEADER), sha256Hex(bytes));
  assert.equal(res.headers.get("content-length"), String(bytes.length));
});

Deno.test("An outbox whose incident's name a peer holds with other bytes does not take it as delivered", async () => {
  await using dir = await tempDir();
  const { name, bytes, forged } = await realAndForged(dir.path);
  await using peer = await startSidecar(`${dir.path}/peer`);
  await peer.store.import(name, forged); // a squatter was first
  await using sender = await startSidecar(`${dir.path}/sender`, {
    peers: [{ url: peer.url, token: peer.token }],
    outbox: { baseDelayMs: 20, maxDelayMs: 200 },
  });
  const error = console.error;
  console.error = () => {};
  try {
    await sender.store.import(name, bytes, { origin: "local" });
    await deadline(
      (async () => {
        while (sender.outbox.stats.pending > 0) {
          await new Promise((r) => setTimeout(r, 10));
        }
      })(),
      "the outcome",
      15_000,
    );
  } finally {
    console.error = error;
  }
  assert.equal(sender.outbox.stats.delivered, 0);
  assert.equal(sender.outbox.stats.rejected, 1);
  assert.equal(peer.store.conflicts, 1, "the peer counted it");
});
