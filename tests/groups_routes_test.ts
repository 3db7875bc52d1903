// The group routes: list with filters, one group, triage, and the stream.
import assert from "node:assert/strict";
import { baseName, makeIncident, testApi } from "./_server_util.ts";
import { nextSse, sseEvents, tempDir } from "./_util.ts";

async function withGroups(dir: string) {
  const api = await testApi(`${dir}/s`);
  for (
    const [app, template] of [["shop", "a {x}"], ["shop", "a {x}"], [
      "bank",
      "b",
    ]]
  ) {
    const p = await makeIncident(`${dir}/src-${crypto.randomUUID()}`, {
      app,
      template,
      fields: { x: Math.random() },
    });
    await api.store.import(baseName(p), await Deno.readFile(p));
  }
  return api;
}

Deno.test("GET /v1/groups lists groups, sorted and filtered", async () => {
  await using dir = await tempDir();
  await using api = await withGroups(dir.path);
  const all = await (await api.fetch("/v1/groups?sort=count")).json();
  assert.deepEqual(
    all.groups.map((g: { title: string; count: number }) => [g.title, g.count]),
    [
      ["a {x}", 2],
      ["b", 1],
    ],
  );
  const bank = await (await api.fetch("/v1/groups?app=bank")).json();
  assert.deepEqual(bank.groups.map((g: { title: string }) => g.title), ["b"]);
  const resolved = await (await api.fetch("/v1/groups?status=resolved")).json();
  assert.equal(resolved.groups.length, 0);
  const bad = await api.fetch("/v1/groups?status=nope");
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /status must be one of/);
});

Deno.test("GET /v1/groups/{id} adds the group's latest incidents", async () => {
  await using dir = await tempDir();
  await using api = await withGroups(dir.path);
  const [g] = api.store.groups.list({ sort: "count" });
  const one = await (await api.fetch(`/v1/groups/${g.id}`)).json();
  assert.equal(one.group.id, g.id);
  assert.equal(one.incidents.length, 2);
  assert.ok(one.incidents.every((i: { group: string }) => i.group === g.id));
  assert.equal((await api.fetch("/v1/groups/0123456789abcdef")).status, 404);
  assert.equal((await api.fetch("/v1/groups/..%2Fx")).status, 400);
});

Deno.test("PATCH /v1/groups/{id} sets the status, and refuses others", async () => {
  await using dir = await tempDir();
  await using api = await withGroups(dir.path);
  const [g] = api.store.groups.list();
  const patch = (body: string) =>
    api.fetch(`/v1/groups/${g.id}`, { method: "PATCH", body });
  const res = await patch(JSON.stringify({ status: "ignored" }));
  assert.equal((await res.json()).group.status, "ignored");
  assert.equal(api.store.groups.get(g.id)?.status, "ignored");
  for (const body of ['{"status":"done"}', "not json", "{}"]) {
    const r = await patch(body);
    assert.equal(r.status, 400, body);
    await r.body?.cancel();
  }
});

Deno.test("GET /v1/groups/stream resumes after Last-Event-ID and goes on live", async () => {
  await using dir = await tempDir();
  await using api = await withGroups(dir.path);
  const res = await api.fetch("/v1/groups/stream", {
    headers: { "last-event-id": "1" },
  });
  const events = sseEvents(res);
  const second = await nextSse(events, "a group event");
  assert.equal(second.id, "2");
  assert.equal(second.event, "count");
  assert.equal(JSON.parse(second.data).group.count, 2);
  const third = await nextSse(events, "a group event");
  assert.equal(third.event, "new_group");
  const [g] = api.store.groups.list({ app: "bank" });
  api.store.groups.setStatus(g.id, "resolved");
  const live = await nextSse(events, "a group event");
  assert.equal(live.event, "status");
  assert.equal(JSON.parse(live.data).group.status, "resolved");
  await events.cancel();
});
