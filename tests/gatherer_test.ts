// The gatherer in-process: pushes in, rules applied (and applied again when
// they change), health and metrics, and the sidecar's API plus groups.
import assert from "node:assert/strict";
import { Gatherer, type GathererOptions } from "../gather/gatherer.ts";
import { deadline, tempDir } from "./_util.ts";
import { baseName, type Bug, makeIncident } from "./_server_util.ts";

async function start(dir: string, extra: Partial<GathererOptions> = {}) {
  const problems: string[] = [];
  const gatherer = await Gatherer.start({
    dir: `${dir}/gathered`,
    listen: { hostname: "127.0.0.1", port: 0 },
    report: (line) => problems.push(line),
    ...extra,
  });
  return { gatherer, problems };
}

async function push(g: Gatherer, dir: string, bug: Bug): Promise<Response> {
  const p = await makeIncident(`${dir}/src-${crypto.randomUUID()}`, bug);
  return await fetch(`${g.url}/v1/incidents?name=${baseName(p)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${g.token}` },
    body: await Deno.readFile(p),
  });
}

async function get<T>(g: Gatherer, path: string): Promise<T> {
  const res = await fetch(g.url + path, {
    headers: { authorization: `Bearer ${g.token}` },
  });
  assert.equal(res.status, 200, path);
  return await res.json();
}

async function writeRules(dir: string, files: Record<string, string>) {
  await Deno.mkdir(dir, { recursive: true });
  for (const name of [...Deno.readDirSync(dir)].map((e) => e.name)) {
    await Deno.remove(`${dir}/${name}`);
  }
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
}

Deno.test("Gatherer takes pushes and classifies them with its rules", async () => {
  await using dir = await tempDir();
  const rules = `${dir.path}/rules`;
  await writeRules(rules, {
    "10-throws.ts":
      `export function classify() { throw new Error("rule bug"); }`,
    "20-db.json": JSON.stringify([{
      match: { facility: "db" },
      category: "database",
    }]),
  });
  const { gatherer, problems } = await start(dir.path, { rules });
  await using _g = gatherer;
  const res = await push(gatherer, dir.path, {
    facility: "db",
    template: "pool empty",
  });
  assert.equal(res.status, 201);
  const { incidents } = await get<
    { incidents: { category: string; source: string }[] }
  >(
    gatherer,
    "/v1/incidents",
  );
  assert.deepEqual(incidents.map((i) => [i.category, i.source]), [[
    "database",
    "push",
  ]]);
  assert.ok(
    problems.some((p) => /10-throws\.ts.*rule bug/s.test(p)),
    `the throwing rule is reported: ${problems.join("; ")}`,
  );
});

Deno.test("Gatherer classifies stored incidents again when its rules change", async () => {
  await using dir = await tempDir();
  const rules = `${dir.path}/rules`;
  await writeRules(rules, {
    "a.json": JSON.stringify([{ match: { app: "shop" }, category: "shop" }]),
  });
  {
    const { gatherer } = await start(dir.path, { rules });
    await using _g = gatherer;
    await push(gatherer, dir.path, { app: "shop", template: "x" });
    await push(gatherer, dir.path, { app: "bank", template: "y" });
  }
  await writeRules(rules, {
    "a.json": JSON.stringify([{
      match: { app: "bank" },
      category: "bank",
      fingerprint: "all-bank",
    }]),
  });
  const { gatherer } = await start(dir.path, { rules });
  await using _g = gatherer;
  await deadline(gatherer.store.flush(), "reclassifying", 10_000);
  const { incidents } = await get<
    { incidents: { app: string; category: string }[] }
  >(
    gatherer,
    "/v1/incidents",
  );
  assert.deepEqual(incidents.map((i) => [i.app, i.category]).sort(), [
    ["bank", "bank"],
    ["shop", "unknown"],
  ]);
  const { groups } = await get<
    { groups: { title: string; category: string }[] }
  >(
    gatherer,
    "/v1/groups",
  );
  assert.equal(groups.length, 2, "the bank incident moved to the rule's group");
  const health = await get<{ reclassifying: number }>(gatherer, "/healthz");
  assert.equal(health.reclassifying, 0);
});

Deno.test("Gatherer's health and metrics show its store, groups, sources and webhooks", async () => {
  await using dir = await tempDir();
  const { gatherer } = await start(dir.path, {
    sources: [{ url: "http://127.0.0.1:9" }, { url: "http://127.0.0.1:10" }],
    webhooks: [{ url: "http://127.0.0.1:9/hook" }],
  });
  await using _g = gatherer;
  await push(gatherer, dir.path, { template: "z" });
  const health = await (await fetch(`${gatherer.url}/healthz`, {
    headers: { authorization: `Bearer ${gatherer.token}` },
  })).json();
  assert.equal(health.role, "gatherer");
  assert.equal(health.incidents, 1);
  assert.equal(health.groups, 1);
  assert.deepEqual(health.sources.map((s: { url: string }) => s.url), [
    "http://127.0.0.1:9",
    "http://127.0.0.1:10",
  ]);
  const metrics = await (await fetch(`${gatherer.url}/metrics`, {
    headers: { authorization: `Bearer ${gatherer.token}` },
  })).text();
  assert.match(metrics, /^flightlog_incidents_stored 1$/m);
  assert.match(metrics, /^flightlog_groups 1$/m);
  assert.match(
    metrics,
    /^flightlog_source_connected\{source="http:\/\/127\.0\.0\.1:9"\} 0$/m,
  );
  assert.match(metrics, /^flightlog_webhook_deliveries_pending \d+$/m);
  assert.match(metrics, /^flightlog_http_connections [1-9]\d*$/m);
  assert.match(metrics, /^flightlog_http_accept_failures_total 0$/m);
  assert.match(metrics, /^flightlog_http_connections_refused_total 0$/m);
  assert.equal(
    metrics.match(/^# HELP flightlog_source_connected /gm)?.length,
    1,
  );
});

Deno.test("Gatherer refuses a push without the token, and a bad one", async () => {
  await using dir = await tempDir();
  const { gatherer } = await start(dir.path);
  await using _g = gatherer;
  const anonymous = await fetch(`${gatherer.url}/v1/incidents?name=x`, {
    method: "POST",
    body: "x",
  });
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
  const bad = await fetch(
    `${gatherer.url}/v1/incidents?name=incident-2026-01-01--00-00-00Z-abc.flog.gz`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${gatherer.token}` },
      body: "not gzip",
    },
  );
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
});

Deno.test("Gatherer loads changed rules while running and classifies stored incidents again", async () => {
  await using dir = await tempDir();
  const rules = `${dir.path}/rules`;
  await writeRules(rules, {
    "a.json": JSON.stringify([{ match: { app: "shop" }, category: "shop" }]),
  });
  const said: string[] = [];
  const changed = Promise.withResolvers<void>();
  const refused = Promise.withResolvers<void>();
  const { gatherer } = await start(dir.path, {
    rules,
    rulesPollMs: 20,
    report: (line) => {
      said.push(line);
      if (/cannot be loaded \(the previous ones stay\)/.test(line)) {
        refused.resolve();
      }
      if (/changed: 1 loaded/.test(line)) changed.resolve();
    },
  });
  await using _g = gatherer;
  await push(gatherer, dir.path, { app: "bank", template: "y" });
  // A rule file that does not load is said, and the old rules stay.
  await writeRules(rules, { "a.json": "{" });
  await deadline(refused.promise, "the bad rules refused", 10_000);
  await writeRules(rules, {
    "a.json": JSON.stringify([{ match: { app: "bank" }, category: "bank" }]),
  });
  await deadline(changed.promise, "the new rules loaded", 10_000);
  await gatherer.store.flush(); // classified again
  const categories = () =>
    (gatherer.store.list() as { category: string }[]).map((s) => s.category);
  assert.deepEqual(categories(), ["bank"], said.join("\n"));
  // New incidents take the new rules at once.
  await push(gatherer, dir.path, { app: "bank", template: "z" });
  assert.deepEqual(categories(), ["bank", "bank"]);
});
