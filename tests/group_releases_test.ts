// The release rules through the API: resolved in a release, an incident of
// an older release is counted and does not reopen; a newer one does; the
// group page's data (releases, apps, hosts, history with who).
import assert from "node:assert/strict";
import { baseName, makeIncident, testApi } from "./_server_util.ts";
import { tempDir } from "./_util.ts";

async function setup(dir: string) {
  const api = await testApi(`${dir}/s`);
  const add = async (release: string, app = "shop") => {
    const p = await makeIncident(`${dir}/src-${crypto.randomUUID()}`, {
      app,
      release,
      template: "charging failed",
    });
    await api.store.import(baseName(p), await Deno.readFile(p));
  };
  return { api, add };
}

const patch = (
  api: Awaited<ReturnType<typeof testApi>>,
  id: string,
  body: unknown,
) =>
  api.fetch(`/v1/groups/${id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

Deno.test("a group records its first release and the releases seen, with counts", async () => {
  await using dir = await tempDir();
  const { api, add } = await setup(dir.path);
  await using _ = api;
  await add("1.0.0");
  await add("1.1.0");
  await add("1.0.0", "shop-eu");
  const [g] = api.store.groups.list();
  assert.equal(g.firstRelease, "1.0.0");
  assert.deepEqual(g.releases, [["1.0.0", 2], ["1.1.0", 1]]);
  const page = await (await api.fetch(`/v1/groups/${g.id}`)).json();
  assert.deepEqual(page.apps, [["shop", 2], ["shop-eu", 1]]);
  assert.equal(page.hosts[0][1], 3);
  assert.equal(page.history.at(-1).type, "new_group");
});

Deno.test("resolved in 2.0.0: an incident of 1.9.0 is counted and does not reopen", async () => {
  await using dir = await tempDir();
  const { api, add } = await setup(dir.path);
  await using _ = api;
  await add("1.9.0");
  const [g] = api.store.groups.list();
  const res = await patch(api, g.id, {
    status: "resolved",
    inRelease: "2.0.0",
  });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).group.resolvedIn, "2.0.0");
  await add("1.9.0");
  const after = api.store.groups.get(g.id)!;
  assert.equal(after.status, "resolved");
  assert.equal(after.olderReleases, 1);
  assert.equal(after.count, 2);
  assert.equal(after.regressions, 0);
});

Deno.test("resolved in 2.0.0: an incident of 2.0.0 reopens it as a regression", async () => {
  await using dir = await tempDir();
  const { api, add } = await setup(dir.path);
  await using _ = api;
  await add("1.9.0");
  const [g] = api.store.groups.list();
  await patch(api, g.id, { status: "resolved", inRelease: "2.0.0" });
  const seen: string[] = [];
  const stop = api.store.groups.subscribe((e) => seen.push(e.type));
  await add("2.0.0");
  stop();
  const after = api.store.groups.get(g.id)!;
  assert.equal(after.status, "open");
  assert.equal(after.regressedIn, "2.0.0");
  assert.equal(after.resolvedIn, undefined);
  assert.deepEqual(seen, ["regression"]);
});

Deno.test("resolved in the next release: known releases stay resolved, a new one regresses", async () => {
  await using dir = await tempDir();
  const { api, add } = await setup(dir.path);
  await using _ = api;
  await add("1.0.0");
  const [g] = api.store.groups.list();
  await patch(api, g.id, { status: "resolved", inRelease: "next" });
  await add("1.0.0");
  assert.equal(api.store.groups.get(g.id)!.status, "resolved");
  await add("1.0.1");
  assert.equal(api.store.groups.get(g.id)!.status, "open");
  assert.equal(api.store.groups.get(g.id)!.regressedIn, "1.0.1");
});

Deno.test("PATCH records who changed the status, and in which release", async () => {
  await using dir = await tempDir();
  const { api, add } = await setup(dir.path);
  await using _ = api;
  await add("1.0.0");
  const [g] = api.store.groups.list();
  await patch(api, g.id, { status: "resolved", inRelease: "1.0.1" });
  const page = await (await api.fetch(`/v1/groups/${g.id}`)).json();
  assert.deepEqual(
    { ...page.history[0], time: 0 },
    {
      time: 0,
      type: "status",
      status: "resolved",
      inRelease: "1.0.1",
      by: "token",
    },
  );
});

Deno.test("PATCH refuses inRelease with another status, or a bad release", async () => {
  await using dir = await tempDir();
  const { api, add } = await setup(dir.path);
  await using _ = api;
  await add("1.0.0");
  const [g] = api.store.groups.list();
  const a = await patch(api, g.id, { status: "ignored", inRelease: "2.0.0" });
  assert.equal(a.status, 400);
  assert.match((await a.json()).error, /only with status resolved/);
  const b = await patch(api, g.id, { status: "resolved", inRelease: "a b" });
  assert.equal(b.status, 400);
  assert.match((await b.json()).error, /inRelease must be/);
});
