// `flightlog incidents` and `flightlog groups` against a real sidecar,
// through the command in a subprocess.
import assert from "node:assert/strict";
import { Proc, ROOT, runDeno, tempDir } from "./_util.ts";
import { baseName, makeIncident, startSidecar } from "./_server_util.ts";
import type { Sidecar } from "../sidecar/sidecar.ts";

const CLI = `${ROOT}cli/flightlog.ts`;

async function seeded(dir: string): Promise<Sidecar> {
  const sidecar = await startSidecar(`${dir}/s`);
  for (
    const [app, template] of [["shop", "disk {d} full"], [
      "shop",
      "disk {d} full",
    ], ["bank", "ledger stuck"]]
  ) {
    const p = await makeIncident(`${dir}/src-${crypto.randomUUID()}`, {
      app,
      template,
      fields: { d: "sda" },
    });
    await sidecar.store.import(baseName(p), await Deno.readFile(p));
  }
  await Deno.writeTextFile(`${dir}/token`, sidecar.token);
  return sidecar;
}

const cli = (...args: string[]) => runDeno(["run", "-A", CLI, ...args]);

Deno.test("flightlog incidents ls lists, filters and searches a server's incidents", async () => {
  await using dir = await tempDir();
  await using sidecar = await seeded(dir.path);
  const t = ["--token-file", `${dir.path}/token`];
  const all = await cli("incidents", "ls", sidecar.url, ...t);
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stdout.trim().split("\n").length, 3);
  assert.match(
    all.stdout,
    /WEIRD\s+bank\s+unknown\s+ledger stuck {2}incident-/,
  );
  const found = await cli(
    "incidents",
    "ls",
    sidecar.url,
    ...t,
    "--q",
    "ledger",
    "--json",
  );
  const rows = found.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((r) => r.app), ["bank"]);
});

Deno.test("flightlog incidents get saves the file, or prints it with --dump", async () => {
  await using dir = await tempDir();
  await using sidecar = await seeded(dir.path);
  const [first] = sidecar.store.list();
  const t = ["--token-file", `${dir.path}/token`];
  const saved = await runDeno([
    "run",
    "-A",
    CLI,
    "incidents",
    "get",
    sidecar.url,
    first.name,
    ...t,
  ], { cwd: dir.path });
  assert.equal(saved.code, 0, saved.stderr);
  assert.deepEqual(
    await Deno.readFile(`${dir.path}/${first.name}`),
    await Deno.readFile(first.path),
  );
  const dumped = await cli(
    "incidents",
    "get",
    sidecar.url,
    first.name,
    "--dump",
    ...t,
  );
  assert.match(dumped.stdout, /before the bug/);
  const bad = await cli(
    "incidents",
    "get",
    sidecar.url,
    "../../etc/passwd",
    ...t,
  );
  assert.equal(bad.code, 2);
});

Deno.test("flightlog incidents watch --after 0 prints the stored incidents, then each new one", async () => {
  await using dir = await tempDir();
  await using sidecar = await seeded(dir.path);
  const watch = new Proc([
    "run",
    "-A",
    CLI,
    "incidents",
    "watch",
    sidecar.url,
    "--after",
    "0",
    "--token-file",
    `${dir.path}/token`,
  ]);
  try {
    for (let i = 0; i < 3; i++) await watch.waitFor("20");
    const p = await makeIncident(`${dir.path}/late`, {
      app: "late",
      template: "late bug",
    });
    await sidecar.store.import(baseName(p), await Deno.readFile(p));
    assert.match(await watch.waitFor("20"), /late\s+unknown\s+late bug/);
  } finally {
    await watch.stop();
  }
});

Deno.test("flightlog groups prints the open groups as a table", async () => {
  await using dir = await tempDir();
  await using sidecar = await seeded(dir.path);
  const t = ["--token-file", `${dir.path}/token`];
  const out = await cli("groups", sidecar.url, ...t);
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.trim().split("\n");
  assert.match(
    lines[0],
    /COUNT\s+LAST SEEN\s+STATUS\s+CATEGORY\s+GROUP\s+TITLE/,
  );
  assert.equal(lines.length, 3);
  assert.ok(
    lines.some((l) =>
      /^\s+2 .* open\s+unknown\s+[0-9a-f]{16} {2}disk \{d\} full$/.test(l)
    ),
  );
  const [g] = sidecar.store.groups.list({ app: "bank" });
  sidecar.store.groups.setStatus(g.id, "resolved");
  const open = await cli("groups", sidecar.url, ...t, "--json");
  assert.deepEqual(
    open.stdout.trim().split("\n").map((l) => JSON.parse(l).title),
    ["disk {d} full"],
  );
});

Deno.test("flightlog groups resolve --in-release resolves a group in a release", async () => {
  await using dir = await tempDir();
  await using sidecar = await seeded(dir.path);
  const t = ["--token-file", `${dir.path}/token`];
  const [g] = sidecar.store.groups.list({ app: "bank" });
  const out = await cli(
    "groups",
    "resolve",
    sidecar.url,
    g.id,
    ...t,
    "--in-release",
    "2.0.0",
  );
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, `${g.id} resolved in 2.0.0: ledger stuck\n`);
  assert.equal(sidecar.store.groups.get(g.id)!.resolvedIn, "2.0.0");
  const back = await cli("groups", "reopen", sidecar.url, g.id, ...t);
  assert.equal(back.code, 0, back.stderr);
  assert.equal(sidecar.store.groups.get(g.id)!.status, "open");
  const bad = await cli(
    "groups",
    "ignore",
    sidecar.url,
    g.id,
    ...t,
    "--in-release",
    "2",
  );
  assert.equal(bad.code, 2);
});

Deno.test("flightlog groups and incidents name the URL and the server's error", async () => {
  await using dir = await tempDir();
  await using sidecar = await seeded(dir.path);
  await Deno.writeTextFile(`${dir.path}/wrong`, "nope");
  const out = await cli(
    "groups",
    sidecar.url,
    "--token-file",
    `${dir.path}/wrong`,
  );
  assert.equal(out.code, 1);
  assert.match(out.stderr, new RegExp(`${sidecar.url}/v1/groups.*HTTP 401`));
  const usage = await cli("incidents", "rm", sidecar.url);
  assert.equal(usage.code, 2);
});
