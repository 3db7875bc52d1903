// Pulling from a source: catch-up from the cursor, live incidents, restarts
// of either side, exactly once.
import assert from "node:assert/strict";
import { Pull, type PullOptions } from "../gather/source.ts";
import { IncidentStore } from "../store/sqlite/store.ts";
import { MemoryStore } from "../store/memory/store.ts";
import { deadline, tempDir } from "./_util.ts";
import { baseName, makeIncident, startSidecar } from "./_server_util.ts";
import type { Sidecar } from "../sidecar/sidecar.ts";

/** Where pulled incidents go: memory (this tests pulling, not SQLite), or
 * SQLite where a test restarts the gatherer's side. */
type Gathered = IncidentStore | MemoryStore;

async function feed(sidecar: Sidecar, dir: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const p = await makeIncident(`${dir}/src-${crypto.randomUUID()}`, {
      template: "bug {i}",
      fields: { i },
    });
    await sidecar.store.import(baseName(p), await Deno.readFile(p));
  }
}

/** Resolves once `store` holds `n` incidents. */
function holding(store: Gathered, n: number): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  const check = () => store.totals().count >= n && resolve();
  const off = store.subscribe(check);
  check();
  return deadline(promise, `${n} incidents`, 15_000).finally(off);
}

/** Resolves once the pull of `url` into `store` has moved its cursor to `id`. */
function cursorAt(
  store: Gathered,
  url: string,
  id: number,
): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  if (store.cursor(url) >= id) resolve();
  const setCursor = store.setCursor.bind(store);
  store.setCursor = (source, cursor) => {
    setCursor(source, cursor);
    if (source === url && cursor >= id) resolve();
  };
  return deadline(promise, `the cursor at ${id}`, 15_000);
}

function pull(store: Gathered, sidecar: Sidecar) {
  const abort = new AbortController();
  const p = new Pull({ url: sidecar.url, token: sidecar.token }, store, {
    baseDelayMs: 20,
    maxDelayMs: 100,
  });
  const running = p.run(abort.signal);
  return {
    p,
    async [Symbol.asyncDispose]() {
      abort.abort();
      await running;
    },
  };
}

Deno.test("Pull catches up from the start, then takes new incidents live", async () => {
  await using dir = await tempDir();
  await using sidecar = await startSidecar(`${dir.path}/sidecar`);
  await feed(sidecar, dir.path, 3);
  await using store = new MemoryStore();
  {
    await using pulling = pull(store, sidecar);
    await holding(store, 3);
    await feed(sidecar, dir.path, 2);
    await holding(store, 5);
    await cursorAt(store, sidecar.url, sidecar.store.latestId());
    assert.equal(pulling.p.stats.pulled, 5);
  }
  assert.ok(store.list().every((s) => s.source === sidecar.url));
  assert.equal(store.cursor(sidecar.url), sidecar.store.latestId());
});

Deno.test("Pull goes on from its stored cursor after its own restart, with no duplicate", async () => {
  await using dir = await tempDir();
  await using sidecar = await startSidecar(`${dir.path}/sidecar`);
  await feed(sidecar, dir.path, 2);
  const gathered = `${dir.path}/gathered`;
  {
    await using store = await IncidentStore.open(gathered);
    await using _pulling = pull(store, sidecar);
    await holding(store, 2);
  }
  await feed(sidecar, dir.path, 2);
  await using store = await IncidentStore.open(gathered);
  await using pulling = pull(store, sidecar);
  await holding(store, 4);
  await cursorAt(store, sidecar.url, sidecar.store.latestId());
  assert.equal(pulling.p.stats.pulled, 2, "only the two new ones");
  assert.equal(store.totals().count, 4);
});

Deno.test("Pull survives the source's restart and takes what came meanwhile", async () => {
  await using dir = await tempDir();
  const first = await startSidecar(`${dir.path}/sidecar`);
  const port = Number(new URL(first.url).port);
  const token = first.token;
  await feed(first, dir.path, 2);
  await using store = new MemoryStore();
  await using pulling = pull(store, first);
  await holding(store, 2);
  await first.close();
  await using second = await startSidecar(`${dir.path}/sidecar`, {
    listen: { hostname: "127.0.0.1", port },
    token,
  });
  await feed(second, dir.path, 3);
  await holding(store, 5);
  await cursorAt(store, second.url, second.store.latestId());
  assert.equal(store.totals().count, 5);
  assert.equal(pulling.p.stats.pulled, 5);
});

Deno.test("Pull reports a wrong token and keeps trying", async () => {
  await using dir = await tempDir();
  await using sidecar = await startSidecar(`${dir.path}/sidecar`);
  await using store = new MemoryStore();
  const abort = new AbortController();
  const failed = Promise.withResolvers<string>();
  const p = new Pull({ url: sidecar.url, token: "wrong" }, store, {
    baseDelayMs: 10,
    onError: (_url, e) => failed.resolve(String(e)),
  });
  const running = p.run(abort.signal);
  assert.match(await deadline(failed.promise, "an error", 10_000), /HTTP 401/);
  abort.abort();
  await running;
  assert.ok(p.stats.failures >= 1);
  assert.match(p.stats.lastError!, /401/);
});

Deno.test("Pull starts over from a source whose store was reset", async () => {
  await using dir = await tempDir();
  const first = await startSidecar(`${dir.path}/sidecar`);
  const port = Number(new URL(first.url).port);
  const token = first.token;
  await feed(first, dir.path, 3);
  await using store = new MemoryStore();
  const reported: string[] = [];
  const abort = new AbortController();
  const p = new Pull({ url: first.url, token }, store, {
    baseDelayMs: 20,
    maxDelayMs: 100,
    onError: (_u, e) => reported.push(String(e)),
  });
  const running = p.run(abort.signal);
  try {
    await holding(store, 3);
    await first.close();
    await Deno.remove(`${dir.path}/sidecar`, { recursive: true });
    await using fresh = await startSidecar(`${dir.path}/sidecar`, {
      listen: { hostname: "127.0.0.1", port },
      token,
    });
    await feed(fresh, dir.path, 1);
    await holding(store, 4);
    assert.ok(
      reported.some((r) => /store was reset/.test(r)),
      reported.join("\n"),
    );
  } finally {
    abort.abort();
    await running;
  }
});

Deno.test("Pull retries an incident it could not fetch, even on a quiet stream", async () => {
  await using dir = await tempDir();
  const path = await makeIncident(`${dir.path}/src`, {
    template: "flaky fetch",
  });
  const name = baseName(path);
  const bytes = await Deno.readFile(path);
  let fetches = 0;
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  // A source whose stream tells of one incident, then stays open and
  // quiet; the first fetch of that incident fails.
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/v1/incidents/stream") {
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            streams.add(c);
            c.enqueue(new TextEncoder().encode(
              `id: 1\nevent: incident\ndata: ${JSON.stringify({ name })}\n\n`,
            ));
          },
          cancel() {},
        });
        return new Response(body, {
          headers: {
            "content-type": "text/event-stream",
            "x-flightlog-latest-id": "1",
          },
        });
      }
      if (fetches++ === 0) return new Response("busy", { status: 500 });
      return new Response(bytes);
    },
  );
  await using store = new MemoryStore();
  const abort = new AbortController();
  const p = new Pull({ url: `http://127.0.0.1:${server.addr.port}` }, store, {
    baseDelayMs: 10,
    maxDelayMs: 50,
  });
  const running = p.run(abort.signal);
  try {
    await cursorAt(store, `http://127.0.0.1:${server.addr.port}`, 1);
    assert.equal(p.stats.failures, 1);
    assert.equal(p.stats.cursor, 1);
  } finally {
    abort.abort();
    await running;
    for (const c of streams) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
  }
});

Deno.test("Pull refuses an incident larger than its limit, says so, and goes on", async () => {
  await using dir = await tempDir();
  await using sidecar = await startSidecar(`${dir.path}/sidecar`);
  await feed(sidecar, dir.path, 2);
  await using store = new MemoryStore();
  const said: string[] = [];
  const both = Promise.withResolvers<void>();
  const abort = new AbortController();
  const p = new Pull({ url: sidecar.url, token: sidecar.token }, store, {
    maxBytes: 100,
    onError: (_u, e) => {
      said.push(String(e));
      if (said.length === 2) both.resolve();
    },
  });
  const running = p.run(abort.signal);
  try {
    await deadline(both.promise, "both refusals", 10_000);
  } finally {
    abort.abort();
    await running;
  }
  assert.equal(store.totals().count, 0);
  assert.equal(p.stats.refused, 2, "refused, not retried");
  assert.match(said[0], /larger than 100 bytes/);
});

Deno.test("Pull skips an incident its source lists but no longer has, says so, and takes the rest", async () => {
  await using dir = await tempDir();
  await using sidecar = await startSidecar(`${dir.path}/sidecar`);
  await feed(sidecar, dir.path, 12); // more than the window of fetches
  const [gone] = sidecar.store.list({}).sort((a, b) => a.id - b.id);
  await Deno.remove(gone.path);
  await using store = new MemoryStore();
  const said: string[] = [];
  const abort = new AbortController();
  const p = new Pull({ url: sidecar.url, token: sidecar.token }, store, {
    baseDelayMs: 20,
    maxDelayMs: 100,
    onError: (_u, e) => said.push(String(e)),
  });
  const latest = sidecar.store.latestId();
  const running = p.run(abort.signal);
  try {
    await cursorAt(store, sidecar.url, latest);
  } finally {
    abort.abort();
    await running;
  }
  assert.equal(store.totals().count, 11);
  assert.equal(store.get(gone.name), undefined);
  assert.equal(p.stats.refused, 1);
  assert.match(said[0], /HTTP 404: gone at the source, skipped/);
});

Deno.test("Pull retries an incident a proxy answers 404 for (not the source's own answer)", async () => {
  await using dir = await tempDir();
  const path = await makeIncident(`${dir.path}/src`, {
    template: "behind a proxy",
  });
  const name = baseName(path);
  const bytes = await Deno.readFile(path);
  let fetches = 0;
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => {
      if (new URL(req.url).pathname === "/v1/incidents/stream") {
        return new Response(
          `id: 1\nevent: incident\ndata: ${JSON.stringify({ name })}\n\n`,
          {
            headers: {
              "content-type": "text/event-stream",
              "x-flightlog-latest-id": "1",
            },
          },
        );
      }
      // The proxy's page while the source restarts, then the source.
      if (fetches++ === 0) {
        return new Response("<h1>Not Found</h1>", {
          status: 404,
          headers: { "content-type": "text/html" },
        });
      }
      return new Response(bytes);
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  await using store = new MemoryStore();
  const abort = new AbortController();
  const p = new Pull({ url }, store, { baseDelayMs: 10, maxDelayMs: 50 });
  const running = p.run(abort.signal);
  try {
    await cursorAt(store, url, 1);
  } finally {
    abort.abort();
    await running;
  }
  assert.equal(store.get(name)?.name, name);
  assert.equal(p.stats.refused, 0);
  assert.equal(p.stats.failures, 1);
});

/** A pull of `url` into `store` whose reports go to `said`; disposed, it stops. */
function pullOf(
  url: string,
  store: IncidentStore,
  options: PullOptions,
  said: string[],
  onSaid = () => {},
) {
  const abort = new AbortController();
  const p = new Pull({ url }, store, {
    baseDelayMs: 10,
    maxDelayMs: 50,
    ...options,
    onError: (_u, e) => {
      said.push(String(e));
      onSaid();
    },
  });
  const running = p.run(abort.signal);
  return {
    p,
    async [Symbol.asyncDispose]() {
      abort.abort();
      await running;
    },
  };
}

Deno.test("Pull gives up on a source that takes the connection but sends no headers, counts it, and connects again", async () => {
  await using dir = await tempDir();
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const twice = Promise.withResolvers<void>();
  const accepting = (async () => {
    for await (const conn of listener) {
      held.push(conn); // read nothing, answer nothing
      if (held.length === 2) twice.resolve();
    }
  })().catch(() => {});
  const url = `http://127.0.0.1:${listener.addr.port}`;
  await using store = await IncidentStore.open(`${dir.path}/gathered`);
  const said: string[] = [];
  {
    await using pulling = pullOf(url, store, { headerTimeoutMs: 100 }, said);
    await deadline(twice.promise, "a second connection", 15_000);
    assert.ok(pulling.p.stats.failures >= 1);
    assert.match(pulling.p.stats.lastError ?? "", /no response headers/);
  }
  for (const c of held) c.close();
  listener.close();
  await accepting;
  assert.match(said[0], /no response headers in 100 ms/);
});

Deno.test("Pull gives up on a stream that goes silent past the idle limit, counts it, and connects again", async () => {
  await using dir = await tempDir();
  const streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  const twice = Promise.withResolvers<void>();
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          streams.push(c);
          if (streams.length === 2) twice.resolve();
          c.enqueue(new TextEncoder().encode(": connected\n\n"));
        },
      });
      return new Response(body, {
        headers: {
          "content-type": "text/event-stream",
          "x-flightlog-latest-id": "0",
        },
      });
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  await using store = await IncidentStore.open(`${dir.path}/gathered`);
  const said: string[] = [];
  {
    await using pulling = pullOf(url, store, { idleTimeoutMs: 150 }, said);
    await deadline(twice.promise, "a second stream", 15_000);
    assert.ok(pulling.p.stats.failures >= 1);
  }
  for (const c of streams) {
    try {
      c.close();
    } catch { /* already closed */ }
  }
  assert.match(said[0], /the stream was silent in 150 ms/);
});

Deno.test("Pull reports an event whose data is not JSON once, skips it, and takes what follows", async () => {
  await using dir = await tempDir();
  const path = await makeIncident(`${dir.path}/src`, { template: "after" });
  const name = baseName(path);
  const bytes = await Deno.readFile(path);
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => {
      if (new URL(req.url).pathname === "/v1/incidents/stream") {
        const after = Number(req.headers.get("last-event-id") ?? 0);
        const events = [
          "id: 1\nevent: incident\ndata: {not json\n\n",
          `id: 2\nevent: incident\ndata: ${JSON.stringify({ name })}\n\n`,
        ].slice(after);
        return new Response(events.join(""), {
          headers: {
            "content-type": "text/event-stream",
            "x-flightlog-latest-id": "2",
          },
        });
      }
      return new Response(bytes);
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  await using store = await IncidentStore.open(`${dir.path}/gathered`);
  const said: string[] = [];
  {
    await using pulling = pullOf(url, store, {}, said);
    await cursorAt(store, url, 2);
    assert.equal(pulling.p.stats.refused, 1);
  }
  assert.equal(store.get(name)?.name, name);
  assert.equal(said.length, 1);
  assert.match(said[0], /event 1: its data is not \{"name": "…"\}: skipped/);
});
