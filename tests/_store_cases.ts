/**
 * The store contract: one set of cases every {@linkcode Store} backend runs
 * (memory, SQLite, ClickHouse), each as a step of one test. A backend that
 * differs lists the case in `skip`, with the reason.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Store } from "../store/store.ts";
import type { Classifier } from "../store/classify.ts";
import type { GroupEvent } from "../store/groups.ts";
import { InvalidIncidentError, StoreInputError } from "../store/errors.ts";
import { deadline, tempDir } from "./_util.ts";
import { baseName, type Bug, makeIncident } from "./_server_util.ts";

/** A fresh, empty store of the backend under test. */
export type OpenStore = (
  options: { classifier?: Classifier },
) => Promise<Store & AsyncDisposable>;

interface Ctx {
  store: Store;
  /** Writes an incident triggered by `bug`; its name and bytes. */
  incident(
    bug?: Bug,
  ): Promise<{ name: string; bytes: Uint8Array<ArrayBuffer> }>;
  /** Imports an incident triggered by `bug`, and waits for it to show. */
  add(bug?: Bug): Promise<string>;
}

type Case = (c: Ctx) => Promise<void>;

const byApp = (app: string): Classifier => ({
  hash: `by-${app}`,
  classify: (i) =>
    Promise.resolve(
      i.header.app === app ? { category: `${app}-bug`, rule: "r" } : undefined,
    ),
});

/** The cases, by name. */
export const STORE_CASES: Record<string, Case> = {
  "import() stores an incident once by name": async ({ store, incident }) => {
    const x = await incident({ app: "shop" });
    assert.equal((await store.import(x.name, x.bytes)).created, true);
    await store.flush();
    assert.equal((await store.import(x.name, x.bytes)).created, false);
    assert.equal((await store.totals()).count, 1);
  },

  "import() refuses a bad name with an InvalidIncidentError": async (
    { store, incident },
  ) => {
    const x = await incident();
    await assert.rejects(
      Promise.resolve().then(() => store.import("x.flog.gz", x.bytes)),
      InvalidIncidentError,
    );
  },

  "import() refuses bytes that are not gzip with an InvalidIncidentError":
    async ({ store, incident }) => {
      const x = await incident();
      await assert.rejects(
        Promise.resolve().then(() =>
          store.import(x.name, new TextEncoder().encode("plain text"))
        ),
        InvalidIncidentError,
      );
      assert.equal((await store.totals()).count, 0);
    },

  "get() and read() give the incident and its exact bytes": async (
    { store, incident },
  ) => {
    const x = await incident({ app: "shop", template: "order failed" });
    await store.import(x.name, x.bytes);
    await store.flush();
    const got = await store.get(x.name);
    assert.equal(got?.app, "shop");
    assert.equal(got?.summary, "order failed");
    const body = await store.read(x.name);
    assert.ok(body);
    assert.deepEqual(
      new Uint8Array(await new Response(body).arrayBuffer()),
      x.bytes,
    );
    assert.equal(await store.get("incident-none.flog.gz"), undefined);
  },

  "list() filters by app and limits, newest first": async ({ store, add }) => {
    await add({ app: "shop", template: "a" });
    await add({ app: "bank", template: "b" });
    const newest = await add({ app: "shop", template: "c" });
    const shop = await store.list({ app: "shop" });
    assert.equal(shop.length, 2);
    assert.equal(shop[0].name, newest);
    assert.equal((await store.list({ limit: 1 })).length, 1);
  },

  "list() finds incidents by words of their event text": async (
    { store, add },
  ) => {
    const hit = await add({ template: "payment declined by bank" });
    await add({ template: "disk almost full" });
    assert.deepEqual((await store.list({ q: "declin" })).map((s) => s.name), [
      hit,
    ]);
  },

  "after() and latestId() page by id, oldest first": async ({ store, add }) => {
    const a = await add({ template: "one" });
    const b = await add({ template: "two" });
    const all = await store.after(0);
    assert.deepEqual(all.map((s) => s.name).sort(), [a, b].sort());
    const top = await store.latestId();
    assert.ok(top >= Math.max(...all.map((s) => s.id)));
    assert.deepEqual(await store.after(top), []);
  },

  "subscribe() tells of each new incident": async ({ store, incident }) => {
    const x = await incident();
    const told = Promise.withResolvers<string>();
    const off = store.subscribe((s) => told.resolve(s.name));
    try {
      await store.import(x.name, x.bytes);
      await store.flush();
      assert.equal(await deadline(told.promise, "the new incident"), x.name);
    } finally {
      off();
    }
  },

  "incidents of one trigger make one group, with a new_group event": async (
    { store, add },
  ) => {
    const events: GroupEvent[] = [];
    const off = store.groups.subscribe((e) => events.push(e));
    try {
      await add({ template: "order {n} failed", fields: { n: 1 } });
      await add({ template: "order {n} failed", fields: { n: 2 } });
      await add({ template: "something else" });
      const groups = await store.groups.list({ sort: "count" });
      assert.equal(groups.length, 2);
      assert.equal(groups[0].count, 2);
      assert.equal(await store.groups.count(), 2);
      const logged = await store.groups.eventsAfter(0);
      assert.equal(logged.filter((e) => e.type === "new_group").length, 2);
      assert.ok(await store.groups.lastEventId() >= logged.at(-1)!.id);
    } finally {
      off();
    }
  },

  "a resolved group that comes back is open again, as a regression": async (
    { store, add },
  ) => {
    await add({ template: "flaky {n}", fields: { n: 1 } });
    const [g] = await store.groups.list();
    assert.equal(
      (await store.groups.setStatus(g.id, "resolved"))?.status,
      "resolved",
    );
    await add({ template: "flaky {n}", fields: { n: 2 } });
    await deadline(
      (async () => {
        for (let i = 0; i < 300; i++) {
          if ((await store.groups.get(g.id))?.status === "open") return;
          await new Promise((r) => setTimeout(r, 20));
        }
      })(),
      "the group reopened",
    );
    const after = await store.groups.get(g.id);
    assert.equal(after?.regressions, 1);
    const types = (await store.groups.eventsAfter(0)).map((e) => e.type);
    assert.ok(types.includes("regression"), types.join());
  },

  "setStatus() refuses an unknown status with a StoreInputError": async (
    { store, add },
  ) => {
    await add();
    const [g] = await store.groups.list();
    await assert.rejects(
      Promise.resolve().then(() =>
        // deno-lint-ignore no-explicit-any
        store.groups.setStatus(g.id, "gone" as any)
      ),
      StoreInputError,
    );
    assert.equal(
      await store.groups.setStatus("no-such-group", "resolved"),
      undefined,
    );
  },

  "a group records its first release and the releases seen, with counts":
    async ({ store, add }) => {
      await add({ template: "r", release: "1.0.0" });
      await add({ template: "r", release: "1.1.0" });
      await add({ template: "r", release: "1.0.0" });
      const [g] = await store.groups.list();
      assert.equal(g.firstRelease, "1.0.0");
      assert.deepEqual(g.releases, [["1.0.0", 2], ["1.1.0", 1]]);
    },

  "resolved in 2.0.0, an older release's incident is counted, a 2.0.0 one reopens":
    async ({ store, add }) => {
      await add({ template: "fixed", release: "1.9.0" });
      const [g] = await store.groups.list();
      const resolved = await store.groups.setStatus(g.id, "resolved", {
        inRelease: "2.0.0",
      });
      assert.equal(resolved?.resolvedIn, "2.0.0");
      await add({ template: "fixed", release: "1.9.0" });
      const still = await store.groups.get(g.id);
      assert.equal(still?.status, "resolved");
      assert.equal(still?.olderReleases, 1);
      await add({ template: "fixed", release: "2.0.0" });
      const back = await store.groups.get(g.id);
      assert.equal(back?.status, "open");
      assert.equal(back?.regressedIn, "2.0.0");
    },

  "detail() gives the apps and hosts with counts, and the history": async (
    { store, add },
  ) => {
    await add({ app: "shop", template: "d" });
    await add({ app: "shop", template: "d" });
    await add({ app: "bank", template: "d" });
    const [g] = await store.groups.list();
    await store.groups.setStatus(g.id, "ignored", { by: "token" });
    const d = await store.groups.detail(g.id);
    assert.deepEqual(d?.apps, [["shop", 2], ["bank", 1]]);
    assert.equal(d?.hosts[0][1], 3);
    assert.equal(d?.history[0].status, "ignored");
    assert.equal(await store.groups.detail("0123456789abcdef"), undefined);
  },

  "cursor() remembers where pulling a source got to": async ({ store }) => {
    assert.equal(await store.cursor("http://a"), 0);
    await store.setCursor("http://a", 42);
    assert.equal(await store.cursor("http://a"), 42);
    assert.equal(await store.cursor("http://b"), 0);
  },

  "setClassifier() classifies new incidents with the new rules": async (
    { store, add },
  ) => {
    const before = await add({ app: "shop", template: "x" });
    await store.setClassifier(byApp("shop"));
    const after = await add({ app: "shop", template: "y" });
    assert.equal((await store.get(after))?.category, "shop-bug");
    assert.ok((await store.get(before))?.category !== undefined);
  },

  "status() names the backend and counts the incidents": async (
    { store, add },
  ) => {
    await add();
    const s = await store.status();
    assert.ok(["sqlite", "clickhouse", "memory"].includes(s.backend));
    const stored = s.metrics.find((m) =>
      m.name === "flightlog_incidents_stored"
    );
    assert.equal(stored?.value, 1);
  },

  "maintain() runs until its signal aborts": async ({ store }) => {
    const abort = new AbortController();
    const running = store.maintain(abort.signal, (m) => assert.fail(m));
    abort.abort();
    await deadline(running, "maintain() to end");
  },
};

/**
 * Runs every case on stores from `open`, each as a step of `t`; the cases
 * in `skip` are skipped, for the reason given.
 */
export async function runStoreCases(
  t: Deno.TestContext,
  open: OpenStore,
  skip: Record<string, string> = {},
): Promise<void> {
  for (const name of Object.keys(skip)) {
    assert.ok(name in STORE_CASES, `no store case named ${name}`);
  }
  for (const [name, run] of Object.entries(STORE_CASES)) {
    await t.step({
      name: skip[name] === undefined
        ? name
        : `${name} (skipped: ${skip[name]})`,
      ignore: skip[name] !== undefined,
      fn: async () => {
        await using dir = await tempDir();
        await using store = await open({});
        const incident = async (bug: Bug = {}) => {
          const p = await makeIncident(
            `${dir.path}/src-${crypto.randomUUID()}`,
            bug,
          );
          return { name: baseName(p), bytes: await Deno.readFile(p) };
        };
        const add = async (bug: Bug = {}) => {
          const x = await incident(bug);
          await store.import(x.name, x.bytes);
          await store.flush();
          return x.name;
        };
        await run({ store, incident, add });
      },
    });
  }
}
