// Deliveries to peers: real sidecars on loopback as the peers, real files
// as the outbox.
import assert from "node:assert/strict";
import { deadline, freePort, tempDir } from "./_util.ts";
import {
  baseName,
  client,
  makeIncidents,
  startSidecar,
} from "./_server_util.ts";
import { Outbox } from "../http/outbox.ts";
import { IncidentStore } from "../store/sqlite/store.ts";

Deno.test("Outbox delivers to a peer that was down, after it starts, across a restart, once", async () => {
  await using dir = await tempDir();
  // A port for the peer, where nothing listens yet: the peer is down.
  const port = freePort();
  const peerUrl = `http://127.0.0.1:${port}`;
  const peerToken = "peer-token-0123456789";
  const options = {
    peers: [{ url: peerUrl, token: peerToken }],
    outbox: { baseDelayMs: 20, maxDelayMs: 200 },
  };
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  const name = path.slice(path.lastIndexOf("/") + 1);
  let sender = await startSidecar(`${dir.path}/sender`, options);
  const res = await client(sender).post(
    `/v1/incidents?name=${name}`,
    await Deno.readFile(path),
  );
  assert.equal(res.status, 201);
  await res.body?.cancel();
  assert.equal(sender.outbox.stats.pending, 1);
  await sender.close(); // the sender restarts while the peer is still down
  sender = await startSidecar(`${dir.path}/sender`, options);
  assert.equal(
    sender.outbox.stats.pending,
    1,
    "the outbox survived the restart",
  );

  await using peer = await startSidecar(`${dir.path}/peer`, {
    listen: { hostname: "127.0.0.1", port },
    token: peerToken,
  });
  const arrived = Promise.withResolvers<string>();
  peer.store.subscribe((s) => arrived.resolve(s.name));
  assert.equal(await deadline(arrived.promise, "the delivery"), name);
  await deadline(
    (async () => {
      while (sender.outbox.stats.pending > 0) {
        await new Promise((r) => setTimeout(r, 10));
      }
    })(),
    "the acknowledgement",
  );
  assert.equal(sender.outbox.stats.delivered, 1);
  assert.ok(sender.outbox.stats.failed > 0, "it did retry");
  assert.equal(peer.store.list().length, 1);
  assert.equal(peer.store.list()[0].origin, "peer");
  await sender.close();
});

Deno.test({
  name: "Outbox pushes to an HTTPS peer whose CA it is given",
  ignore: !(() => {
    try {
      return Deno.statSync("/usr/bin/openssl").isFile;
    } catch {
      return false;
    }
  })(),
  async fn() {
    await using dir = await tempDir();
    // A throwaway CA, and a certificate for 127.0.0.1 signed by it.
    const openssl = async (...args: string[]) => {
      const out = await new Deno.Command("/usr/bin/openssl", {
        args,
        cwd: dir.path,
        stdout: "null",
        stderr: "piped",
      })
        .output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    };
    await openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=flightlog test CA",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
    );
    await openssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=localhost",
      "-keyout",
      "key.pem",
      "-out",
      "req.csr",
    );
    await Deno.writeTextFile(
      `${dir.path}/ext.cnf`,
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
    );
    await openssl(
      "x509",
      "-req",
      "-in",
      "req.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      "ext.cnf",
      "-out",
      "cert.pem",
    );
    const ca = await Deno.readTextFile(`${dir.path}/ca.pem`);
    const tls = {
      cert: await Deno.readTextFile(`${dir.path}/cert.pem`),
      key: await Deno.readTextFile(`${dir.path}/key.pem`),
    };
    await using peer = await startSidecar(`${dir.path}/peer`, {
      tls,
      token: "peer-secret-token",
    });
    assert.match(peer.url, /^https:/);
    await using sender = await startSidecar(`${dir.path}/sender`, {
      peers: [{ url: peer.url, token: "peer-secret-token" }],
      outbox: { caCerts: [ca], baseDelayMs: 20 },
    });
    const arrived = Promise.withResolvers<string>();
    peer.store.subscribe((s) => arrived.resolve(s.name));
    const [path] = await makeIncidents(`${dir.path}/src`, 1);
    const name = path.slice(path.lastIndexOf("/") + 1);
    const res = await client(sender).post(
      `/v1/incidents?name=${name}`,
      await Deno.readFile(path),
    );
    assert.equal(res.status, 201);
    await res.body?.cancel();
    assert.equal(
      await deadline(arrived.promise, "the delivery over TLS"),
      name,
    );
    using http = Deno.createHttpClient({ caCerts: [ca] });
    const list = await fetch(`${peer.url}/v1/incidents`, {
      client: http,
      headers: { authorization: "Bearer peer-secret-token" },
    });
    assert.equal((await list.json()).incidents.length, 1);
  },
});

/** A peer on loopback that has nothing and answers each POST with `status(name)`. */
function fakePeer(status: (name: string) => number) {
  const posted: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      await req.body?.cancel();
      if (req.method === "HEAD") return new Response(null, { status: 404 });
      const name = new URL(req.url).searchParams.get("name")!;
      posted.push(name);
      return new Response(null, { status: status(name) });
    },
  );
  return {
    posted,
    url: `http://127.0.0.1:${server.addr.port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** Resolves once `check()` holds (polled; bounded by `deadline`). */
async function until(check: () => boolean, what: string) {
  await deadline(
    (async () => {
      while (!check()) await new Promise((r) => setTimeout(r, 5));
    })(),
    what,
  );
}

Deno.test("Outbox queues at start what the store indexed from its folder since the last one it queued", async () => {
  await using dir = await tempDir();
  await using peer = fakePeer(() => 201);
  const [first, second] = await makeIncidents(`${dir.path}/src`, 2);
  const store = await IncidentStore.open(`${dir.path}/store`);
  await store.add(await copyInto(first, store.dir));
  let outbox = await Outbox.open(`${dir.path}/outbox`, {
    store,
    peers: [{ url: peer.url }],
  });
  await outbox.close();
  await store.close();
  // A crash between the recorder's rename and the store's commit: a whole
  // file in the folder that the index does not list.
  await copyInto(second, `${dir.path}/store`);
  await using reopened = await IncidentStore.open(`${dir.path}/store`);
  assert.equal(reopened.totals().count, 2, "indexed on open");
  outbox = await Outbox.open(`${dir.path}/outbox`, {
    store: reopened,
    peers: [{ url: peer.url }],
  });
  await until(() => outbox.stats.delivered === 1, "the delivery");
  await outbox.close();
  assert.deepEqual(peer.posted, [baseName(second)]);
});

Deno.test("a new Outbox pushes what is stored from then on, not what was stored before", async () => {
  await using dir = await tempDir();
  await using peer = fakePeer(() => 201);
  const [before, after] = await makeIncidents(`${dir.path}/src`, 2);
  await using store = await IncidentStore.open(`${dir.path}/store`);
  await store.add(await copyInto(before, store.dir));
  await using outbox = await Outbox.open(`${dir.path}/outbox`, {
    store,
    peers: [{ url: peer.url }],
  });
  await store.add(await copyInto(after, store.dir));
  await until(() => outbox.stats.delivered === 1, "the delivery");
  assert.deepEqual(peer.posted, [baseName(after)]);
});

Deno.test("Outbox goes on to the next incident while a peer keeps failing one", async () => {
  await using dir = await tempDir();
  const paths = await makeIncidents(`${dir.path}/src`, 3);
  const poison = baseName(paths[0]);
  await using peer = fakePeer((name) => name === poison ? 500 : 201);
  await using store = await IncidentStore.open(`${dir.path}/store`);
  await using outbox = await Outbox.open(`${dir.path}/outbox`, {
    store,
    peers: [{ url: peer.url }],
    baseDelayMs: 1,
    maxDelayMs: 5,
  });
  for (const p of paths) await store.add(await copyInto(p, store.dir));
  // delivered counts at the answer, pending at the marker's removal: await both
  await until(
    () => outbox.stats.delivered === 2 && outbox.stats.pending === 1,
    "the other two delivered, the failing one still queued",
  );
  assert(peer.posted.filter((n) => n === poison).length >= 1);
});

Deno.test("Outbox tells onError when it cannot queue on disk, and still delivers", async () => {
  await using dir = await tempDir();
  await using peer = fakePeer(() => 201);
  const [path] = await makeIncidents(`${dir.path}/src`, 1);
  await using store = await IncidentStore.open(`${dir.path}/store`);
  const errors: string[] = [];
  await using outbox = await Outbox.open(`${dir.path}/outbox`, {
    store,
    peers: [{ url: peer.url }],
    onError: (m) => errors.push(m),
  });
  // The peer's queue folder is gone: its marker cannot be written.
  for await (const e of Deno.readDir(`${dir.path}/outbox`)) {
    if (e.isDirectory) {
      await Deno.remove(`${dir.path}/outbox/${e.name}`, { recursive: true });
    }
  }
  await store.add(await copyInto(path, store.dir));
  await until(() => outbox.stats.delivered === 1, "the delivery");
  assert.equal(errors.length, 1);
  assert.match(errors[0], /cannot queue incident-.*\.flog\.gz on disk/);
});

async function copyInto(path: string, dir: string): Promise<string> {
  const to = `${dir}/${baseName(path)}`;
  await Deno.copyFile(path, to);
  return to;
}

Deno.test("Outbox whose mark is damaged says so and queues the latest incidents again", async () => {
  await using dir = await tempDir();
  await using peer = fakePeer(() => 201);
  const [before, after] = await makeIncidents(`${dir.path}/src`, 2);
  await using store = await IncidentStore.open(`${dir.path}/store`);
  await store.add(await copyInto(before, store.dir));
  await Deno.mkdir(`${dir.path}/outbox`);
  await Deno.writeFile(`${dir.path}/outbox/queued`, new Uint8Array(4)); // NULs
  const errors: string[] = [];
  await using outbox = await Outbox.open(`${dir.path}/outbox`, {
    store,
    peers: [{ url: peer.url }],
    onError: (m) => errors.push(m),
  });
  assert.match(
    errors.join(),
    /holds no incident id.*the last 1000 incidents again/,
  );
  await store.add(await copyInto(after, store.dir));
  await until(() => outbox.stats.delivered === 2, "the deliveries");
  assert.deepEqual(
    peer.posted.sort(),
    [baseName(before), baseName(after)].sort(),
  );
  assert.equal(
    await Deno.readTextFile(`${dir.path}/outbox/queued`),
    String(store.latestId()),
  );
});
