// Token scopes: push may only POST /v1/incidents, read may GET (and log in
// to the viewer), admin may do everything; a wrong scope is a 403. The
// open /healthz says only that the server is alive.
import assert from "node:assert/strict";
import { grants, neededScope } from "../http/scopes.ts";
import { Gatherer } from "../gather/gatherer.ts";
import { parseGatherArgs } from "../cli/gather.ts";
import { parseSidecarArgs } from "../cli/sidecar.ts";
import { Pull } from "../gather/source.ts";
import { Webhooks } from "../gather/webhooks.ts";
import { NodeState } from "../store/sqlite/node_state.ts";
import { IncidentStore } from "../store/sqlite/store.ts";
import { deadline, tempDir } from "./_util.ts";
import {
  baseName,
  makeIncident,
  startSidecar,
  testApi,
  TOKEN,
} from "./_server_util.ts";

const READ = "read-token-0123456789";
const PUSH = "push-token-0123456789";
const BASE = "http://127.0.0.1:7477";

Deno.test("neededScope() asks push for a push, read for a GET, admin for a change", () => {
  assert.equal(neededScope("POST", "/v1/incidents"), "push");
  assert.equal(neededScope("GET", "/v1/incidents"), "read");
  assert.equal(neededScope("HEAD", "/v1/incidents/x"), "read");
  assert.equal(neededScope("PATCH", "/v1/groups/abc"), "admin");
  assert.equal(neededScope("POST", "/v1/other"), "admin");
  assert.ok(grants("admin", "push") && grants("admin", "read"));
  assert.ok(!grants("read", "push") && !grants("push", "read"));
  assert.ok(!grants("read", "admin") && !grants(undefined, "read"));
});

async function scopedApi(dir: string) {
  const t = await testApi(dir, {
    tokens: { read: READ, push: PUSH },
    health: () => ({ ok: true, sources: [{ url: "http://10.0.0.7:7477" }] }),
  });
  const p = await makeIncident(`${dir}/src`, { template: "scoped" });
  const call = async (
    token: string | undefined,
    method: string,
    path: string,
    body?: BodyInit,
  ) => {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const res = await t.api.handle(
      new Request(BASE + path, { method, headers, body }),
    );
    const text = await res.text();
    return { status: res.status, text };
  };
  return { t, call, name: baseName(p), bytes: await Deno.readFile(p) };
}

Deno.test("A push token may push and nothing else", async () => {
  await using dir = await tempDir();
  const { t, call, name, bytes } = await scopedApi(dir.path);
  await using _t = t;
  assert.equal(
    (await call(PUSH, "POST", `/v1/incidents?name=${name}`, bytes)).status,
    201,
  );
  for (
    const path of [
      "/v1/incidents",
      `/v1/incidents/${name}`,
      "/metrics",
      "/v1/groups",
    ]
  ) {
    const { status, text } = await call(PUSH, "GET", path);
    assert.equal(status, 403, path);
    assert.match(text, /needs a token of scope read/);
  }
  const group = t.store.list()[0].group;
  assert.equal(
    (await call(PUSH, "PATCH", `/v1/groups/${group}`, '{"status":"resolved"}'))
      .status,
    403,
  );
});

Deno.test("A read token may read but not push or change state", async () => {
  await using dir = await tempDir();
  const { t, call, name, bytes } = await scopedApi(dir.path);
  await using _t = t;
  await t.store.import(name, bytes);
  assert.equal((await call(READ, "GET", "/v1/incidents")).status, 200);
  assert.equal((await call(READ, "GET", "/metrics")).status, 200);
  assert.equal(
    (await call(READ, "POST", `/v1/incidents?name=${name}`, bytes)).status,
    403,
  );
  const group = t.store.list()[0].group;
  const patch = await call(
    READ,
    "PATCH",
    `/v1/groups/${group}`,
    '{"status":"resolved"}',
  );
  assert.equal(patch.status, 403);
  assert.match(patch.text, /needs a token of scope admin/);
  assert.equal(
    (await call(TOKEN, "PATCH", `/v1/groups/${group}`, '{"status":"resolved"}'))
      .status,
    200,
    "the admin token may",
  );
});

Deno.test("The viewer's login takes a read token (a read session) but not a push token", async () => {
  await using dir = await tempDir();
  const { t, name, bytes } = await scopedApi(dir.path);
  await using _t = t;
  await t.store.import(name, bytes);
  const login = async (token: string) => {
    const res = await t.api.handle(
      new Request(`${BASE}/login`, {
        method: "POST",
        headers: {
          origin: BASE,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ token, next: "/" }).toString(),
      }),
    );
    await res.body?.cancel();
    return res;
  };
  assert.equal((await login(PUSH)).status, 401);
  const ok = await login(READ);
  assert.equal(ok.status, 303);
  const cookie = ok.headers.get("set-cookie")!.split(";")[0];
  const as = async (method: string, path: string, body?: string) => {
    const res = await t.api.handle(
      new Request(BASE + path, {
        method,
        headers: { cookie, origin: BASE },
        body,
      }),
    );
    await res.body?.cancel();
    return res.status;
  };
  assert.equal(await as("GET", "/v1/incidents"), 200);
  const group = t.store.list()[0].group;
  assert.equal(
    await as("PATCH", `/v1/groups/${group}`, '{"status":"resolved"}'),
    403,
  );
});

Deno.test("The open /healthz says only ok; its detail needs a read token", async () => {
  await using dir = await tempDir();
  const { t, call } = await scopedApi(dir.path);
  await using _t = t;
  const open = await call(undefined, "GET", "/healthz");
  assert.equal(open.status, 200);
  assert.deepEqual(JSON.parse(open.text), { ok: true });
  assert.deepEqual(JSON.parse((await call(PUSH, "GET", "/healthz")).text), {
    ok: true,
  });
  const detail = JSON.parse((await call(READ, "GET", "/healthz")).text);
  assert.equal(detail.sources[0].url, "http://10.0.0.7:7477");
});

Deno.test("A sidecar pushes to a gatherer with a push-only token", async () => {
  await using dir = await tempDir();
  const gatherer = await Gatherer.start({
    dir: `${dir.path}/gathered`,
    listen: { hostname: "127.0.0.1", port: 0 },
    tokens: { push: PUSH },
    report: () => {},
  });
  await using _g = gatherer;
  await using sidecar = await startSidecar(`${dir.path}/sidecar`, {
    peers: [{ url: gatherer.url, token: PUSH }],
    outbox: { baseDelayMs: 20, maxDelayMs: 200 },
  });
  const arrived = Promise.withResolvers<string>();
  gatherer.store.subscribe((s) => arrived.resolve(s.name));
  const p = await makeIncident(`${dir.path}/src`, { template: "pushed" });
  await sidecar.store.import(baseName(p), await Deno.readFile(p), {
    origin: "local",
  });
  assert.equal(
    await deadline(arrived.promise, "the push", 15_000),
    baseName(p),
  );
});

Deno.test("Source and webhook URLs with user:password@ are refused", async () => {
  await using dir = await tempDir();
  await using store = await IncidentStore.open(`${dir.path}/store`);
  assert.throws(
    () => new Pull({ url: "http://u:secret@127.0.0.1:7477" }, store),
    (e: Error) =>
      e instanceof TypeError && /user:password@ is refused/.test(e.message) &&
      !e.message.includes("secret"),
  );
  using state = await NodeState.open(`${dir.path}/node`);
  assert.throws(
    () =>
      new Webhooks(store, [{ url: "https://bot:secret@hooks.example/x" }], {
        publicUrl: "http://g",
        state,
      }),
    /webhook https:\/\/…@hooks\.example: a URL with user:password@ is refused/,
  );
  await assert.rejects(
    parseGatherArgs(["--dir", dir.path, "--source", "http://u:p@10.0.0.7:1"]),
    /--source: a URL with user:password@ is refused/,
  );
});

Deno.test("parseGatherArgs() reads the read and push tokens from their files", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/read`, `${READ}\n`);
  await Deno.writeTextFile(`${dir.path}/push`, `${PUSH}\n`);
  await Deno.writeTextFile(`${dir.path}/empty`, "\n");
  const o = await parseGatherArgs([
    "--dir",
    dir.path,
    "--read-token-file",
    `${dir.path}/read`,
    "--push-token-file",
    `${dir.path}/push`,
  ]);
  assert.deepEqual(o.tokens, { read: READ, push: PUSH });
  await assert.rejects(
    parseGatherArgs([
      "--dir",
      dir.path,
      "--push-token-file",
      `${dir.path}/empty`,
    ]),
    /--push-token-file: .*empty is empty/,
  );
});

Deno.test("A sidecar takes a read token (--read-token-file) that may read and not push", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/read`, READ);
  const o = await parseSidecarArgs([
    "--dir",
    `${dir.path}/sidecar`,
    "--read-token-file",
    `${dir.path}/read`,
  ]);
  assert.deepEqual(o.tokens, { read: READ });
  await using sidecar = await startSidecar(`${dir.path}/sidecar`, {
    tokens: o.tokens,
  });
  const as = async (method: string, path: string) => {
    const res = await fetch(sidecar.url + path, {
      method,
      headers: { authorization: `Bearer ${READ}` },
    });
    await res.body?.cancel();
    return res.status;
  };
  assert.equal(await as("GET", "/v1/incidents"), 200);
  assert.equal(await as("POST", "/v1/incidents?name=x"), 403);
});
