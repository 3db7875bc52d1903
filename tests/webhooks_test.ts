// Webhooks: one delivery per alert and receiver, signed, durable, retried
// with the same id, filtered; ignored groups never alert.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  hmac,
  type Webhook,
  type WebhookOptions,
  Webhooks,
} from "../gather/webhooks.ts";
import { IncidentStore } from "../store/sqlite/store.ts";
import { NODE_FILE, NodeState } from "../store/sqlite/node_state.ts";
import { MemoryStore } from "../store/memory/store.ts";
import type { Store } from "../store/store.ts";
import { deadline, freePort, tempDir } from "./_util.ts";
import { baseName, type Bug, makeIncident } from "./_server_util.ts";

interface Received {
  id: string;
  signature: string | null;
  body: string;
  alert: { type: string; group: { id: string; title: string }; url?: string };
}

/** A receiver on a free port; `refuse` answers 503 while positive (and counts down). */
function receiver(refuse = 0, port = 0) {
  const got: Received[] = [];
  const waiters: (() => void)[] = [];
  let refusals = refuse;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen: () => {} },
    async (req) => {
      const body = await req.text();
      if (refusals > 0) {
        refusals--;
        got.push({
          id: req.headers.get("x-flightlog-delivery")!,
          signature: null,
          body: "",
          alert: null!,
        });
        waiters.splice(0).forEach((w) => w());
        return new Response("down", { status: 503 });
      }
      got.push({
        id: req.headers.get("x-flightlog-delivery")!,
        signature: req.headers.get("x-flightlog-signature"),
        body,
        alert: JSON.parse(body),
      });
      waiters.splice(0).forEach((w) => w());
      return new Response("ok");
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    got,
    /** Waits until `n` requests came. */
    async until(n: number) {
      await deadline(
        (async () => {
          while (got.length < n) {
            await new Promise<void>((r) => waiters.push(r));
          }
        })(),
        `${n} webhook requests`,
        10_000,
      );
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/** The folder of each store's node state. */
const stateDirs = new WeakMap<Store, string>();

/** A memory store: these tests test alerting, not SQLite. */
function store(dir: string): MemoryStore {
  const s = new MemoryStore();
  stateDirs.set(s, `${dir}/node`);
  return s;
}

/** A SQLite store, for the tests that restart the gatherer. */
async function durable(dir: string): Promise<IncidentStore> {
  const s = await IncidentStore.open(`${dir}/store`);
  stateDirs.set(s, s.dir);
  return s;
}

async function add(s: Store, dir: string, bug: Bug) {
  const p = await makeIncident(`${dir}/src-${crypto.randomUUID()}`, bug);
  await s.import(baseName(p), await Deno.readFile(p));
}

async function hooks(
  s: Store,
  list: Webhook[],
  onError: (m: string) => void = () => {},
  options: Partial<WebhookOptions> = {},
) {
  // The node owns its state; here the webhooks' closing closes it too.
  const state = await NodeState.open(stateDirs.get(s)!);
  const w = new Webhooks(s, list, {
    state,
    publicUrl: "http://gatherer.example",
    baseDelayMs: 20,
    maxDelayMs: 50,
    onError,
    ...options,
  });
  await w.start();
  const close = w.close.bind(w);
  w.close = async () => {
    await close();
    state.close();
  };
  return w;
}

Deno.test("Webhooks POST one new_group per group, signed with the secret", async () => {
  await using dir = await tempDir();
  await using rx = receiver();
  await using s = store(dir.path);
  await using _w = await hooks(s, [{ url: rx.url, secret: "k3y" }]);
  await add(s, dir.path, { template: "a {n}", fields: { n: 1 } });
  await add(s, dir.path, { template: "a {n}", fields: { n: 2 } });
  await add(s, dir.path, { template: "b" });
  await rx.until(2);
  assert.deepEqual(rx.got.map((r) => [r.alert.type, r.alert.group.title]), [
    ["new_group", "a {n}"],
    ["new_group", "b"],
  ]);
  for (const r of rx.got) {
    assert.equal(r.signature, `sha256=${await hmac("k3y", r.body)}`);
    assert.match(
      r.alert.url!,
      /^http:\/\/gatherer\.example\/groups\/[0-9a-f]{16}$/,
    );
  }
});

Deno.test("Webhooks send a regression when a resolved group recurs", async () => {
  await using dir = await tempDir();
  await using rx = receiver();
  await using s = store(dir.path);
  await using _w = await hooks(s, [{ url: rx.url }]);
  await add(s, dir.path, { template: "boom" });
  await rx.until(1);
  s.groups.setStatus(s.groups.list()[0].id, "resolved");
  await add(s, dir.path, { template: "boom" });
  await rx.until(2);
  assert.deepEqual(rx.got.map((r) => r.alert.type), [
    "new_group",
    "regression",
  ]);
  assert.equal(rx.got[1].signature, null, "no secret: unsigned");
});

Deno.test("Webhooks send a regression only for a release at or after the fix", async () => {
  await using dir = await tempDir();
  await using rx = receiver();
  await using s = await store(dir.path);
  await using _w = await hooks(s, [{ url: rx.url }]);
  await add(s, dir.path, { template: "boom", release: "1.9.0" });
  await rx.until(1);
  s.groups.setStatus(s.groups.list()[0].id, "resolved", { inRelease: "2.0.0" });
  await add(s, dir.path, { template: "boom", release: "1.9.0" });
  await add(s, dir.path, { template: "boom", release: "2.0.0" });
  await rx.until(2);
  assert.deepEqual(rx.got.map((r) => r.alert.type), [
    "new_group",
    "regression",
  ]);
  assert.equal(s.groups.list()[0].olderReleases, 1);
});

Deno.test("Webhooks retry a refused delivery with the same id", async () => {
  await using dir = await tempDir();
  await using rx = receiver(2);
  await using s = store(dir.path);
  await using w = await hooks(s, [{ url: rx.url }]);
  await add(s, dir.path, { template: "flaky" });
  await rx.until(3);
  assert.equal(new Set(rx.got.map((r) => r.id)).size, 1, "one id on every try");
  assert.equal(rx.got[2].alert.type, "new_group");
  assert.equal(w.stats.failedAttempts, 2);
});

Deno.test("Webhooks deliver after a restart what was pending (durable)", async () => {
  await using dir = await tempDir();
  // A port where nothing listens until the receiver starts, after the restart.
  const port = freePort();
  const url = `http://127.0.0.1:${port}/hook`;
  const s = await durable(dir.path);
  const failed = Promise.withResolvers<string>();
  const first = await hooks(s, [{ url }], failed.resolve);
  await add(s, dir.path, { template: "while down" });
  assert.match(
    await deadline(failed.promise, "a failed attempt", 10_000),
    /retrying/,
  );
  await first.close();
  await s.close();
  await using rx = receiver(0, port);
  await using again = await durable(dir.path);
  await using _w = await hooks(again, [{ url }]);
  await rx.until(1);
  assert.equal(rx.got[0].alert.type, "new_group");
  assert.equal(rx.got[0].alert.group.title, "while down");
});

Deno.test("Webhooks to one URL each sign with their own secret", async () => {
  await using dir = await tempDir();
  await using rx = receiver();
  await using s = store(dir.path);
  await using _w = await hooks(s, [
    { url: rx.url, secret: "first" },
    { url: rx.url, secret: "second" },
  ]);
  await add(s, dir.path, { template: "boom" });
  await rx.until(2);
  const signers = await Promise.all(
    rx.got.map(async (r) =>
      r.signature === `sha256=${await hmac("first", r.body)}`
        ? "first"
        : r.signature === `sha256=${await hmac("second", r.body)}`
        ? "second"
        : "neither"
    ),
  );
  assert.deepEqual(signers.sort(), ["first", "second"]);
  assert.notEqual(rx.got[0].id, rx.got[1].id);
});

Deno.test("Webhooks deliver what was pending for a hook after another hook leaves the list", async () => {
  await using dir = await tempDir();
  await using other = receiver();
  const port = freePort();
  const url = `http://127.0.0.1:${port}/hook`;
  const s = await durable(dir.path);
  const failed = Promise.withResolvers<string>();
  const first = await hooks(
    s,
    [{ url: other.url }, { url, secret: "k" }],
    (m) => m.includes(String(port)) && failed.resolve(m),
  );
  await add(s, dir.path, { template: "while down" });
  await deadline(failed.promise, "a failed attempt", 10_000);
  await first.close();
  await s.close();
  await using rx = receiver(0, port);
  await using again = await durable(dir.path);
  await using _w = await hooks(again, [{ url, secret: "k" }]);
  await rx.until(1);
  assert.equal(rx.got[0].alert.group.title, "while down");
  assert.equal(
    rx.got[0].signature,
    `sha256=${await hmac("k", rx.got[0].body)}`,
  );
});

Deno.test("Webhooks never alert for an ignored group", async () => {
  await using dir = await tempDir();
  await using rx = receiver();
  await using s = store(dir.path);
  await add(s, dir.path, { template: "noise" });
  s.groups.setStatus(s.groups.list()[0].id, "ignored");
  await using _w = await hooks(s, [{
    url: rx.url,
    types: ["regression", "spike", "new_group"],
  }]);
  await add(s, dir.path, { template: "noise" });
  await add(s, dir.path, { template: "signal" });
  await rx.until(1);
  assert.deepEqual(rx.got.map((r) => r.alert.group.title), ["signal"]);
});

Deno.test("Webhooks filter by type, app and level, and speak slack", async () => {
  await using dir = await tempDir();
  await using rx = receiver();
  await using s = store(dir.path);
  await using _w = await hooks(s, [
    { url: rx.url, apps: ["bank"], format: "slack" },
    { url: rx.url + "?high", minLevel: 40 },
  ]);
  await add(s, dir.path, { app: "shop", template: "shop bug" });
  await add(s, dir.path, { app: "bank", template: "bank bug" });
  await rx.until(1);
  assert.equal(rx.got.length, 1, "WEIRD is below 40; shop is not bank");
  const slack = JSON.parse(rx.got[0].body);
  assert.match(
    slack.text,
    /^New problem: bank bug \[unknown\] in bank, seen 1×\nhttp:\/\/gatherer\.example\/groups\//,
  );
});

Deno.test("Webhooks deliver to a healthy receiver while another never answers", async () => {
  await using dir = await tempDir();
  await using rx = receiver();
  // A receiver that takes the connection and never answers.
  using hung = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of hung) held.push(conn);
  })().catch(() => {});
  await using s = store(dir.path);
  const w = await hooks(
    s,
    [
      { url: `http://127.0.0.1:${hung.addr.port}/hook` },
      { url: rx.url },
    ],
    () => {},
    {
      timeoutMs: 600_000, // the hung receiver's attempt outlasts the test
    },
  );
  try {
    for (let i = 0; i < 30; i++) {
      await add(s, dir.path, { template: `bug ${i}` });
    }
    await rx.until(30);
  } finally {
    await w.close();
    for (const c of held) c.close();
    hung.close();
    await accepting;
  }
  assert.equal(new Set(rx.got.map((r) => r.alert.group.title)).size, 30);
});

Deno.test("Webhooks send at most maxAlertsPerMinute, then one digest summing the rest", async () => {
  await using dir = await tempDir();
  await using rx = receiver();
  await using s = store(dir.path);
  const w = await hooks(s, [{ url: rx.url, maxAlertsPerMinute: 3 }], () => {}, {
    alertWindowMs: 1000,
  });
  try {
    for (let i = 0; i < 10; i++) {
      await add(s, dir.path, { template: `flood ${i}` });
    }
    const told = () =>
      rx.got.reduce(
        (n, r) =>
          n + (r.alert.type === "digest"
            ? (r.alert as unknown as { held: { new_group: number } }).held
              .new_group
            : 1),
        0,
      );
    for (let n = 1; told() < 10; n++) await rx.until(n);
    assert.equal(told(), 10, "each alert sent or summed once");
    assert.ok(w.stats.heldBack >= 7 - 3, "held back, counted");
  } finally {
    await w.close();
  }
  const digests = rx.got.filter((r) => r.alert.type === "digest");
  assert.ok(digests.length >= 1);
  for (const d of digests) {
    assert.match(
      (d.alert as unknown as { text: string }).text,
      /^and \d+ more new groups?$/,
    );
  }
});

Deno.test("Webhooks prune given-up deliveries past keepGivenUpMs, keeping their count", async () => {
  await using dir = await tempDir();
  await using s = store(dir.path);
  const gaveUp = Promise.withResolvers<void>();
  const w = await hooks(
    s,
    [{ url: `http://127.0.0.1:${freePort()}/hook` }],
    (m) => m.includes("gave up") && gaveUp.resolve(),
    { giveUpAfterMs: 0, keepGivenUpMs: 0 },
  );
  try {
    await add(s, dir.path, { template: "lost" });
    await deadline(gaveUp.promise, "giving up", 10_000);
    await add(s, dir.path, { template: "lost" }); // no alert; the loop prunes
    await deadline(
      (async () => {
        while (givenUpRows(dir.path) > 0) {
          await new Promise((r) => setTimeout(r, 10));
        }
      })(),
      "the pruning",
      10_000,
    );
    assert.ok(w.stats.givenUp >= 1, "still counted");
  } finally {
    await w.close();
  }
});

function givenUpRows(dir: string): number {
  const db = new DatabaseSync(`${dir}/node/${NODE_FILE}`);
  try {
    return (db.prepare(
      "select count(*) as n from deliveries where state = 'given_up'",
    ).get() as { n: number }).n;
  } finally {
    db.close();
  }
}
