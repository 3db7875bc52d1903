// `flightlog classify` and `flightlog reindex` through the command.
import assert from "node:assert/strict";
import { ROOT, runDeno, tempDir } from "./_util.ts";
import { makeIncident } from "./_server_util.ts";

const CLI = `${ROOT}cli/flightlog.ts`;
const cli = (...args: string[]) => runDeno(["run", "-A", CLI, ...args]);

async function rules(dir: string): Promise<string> {
  await Deno.mkdir(`${dir}/rules`);
  await Deno.writeTextFile(
    `${dir}/rules/10-db.json`,
    JSON.stringify([{
      name: "db",
      match: { facility: "db" },
      category: "database",
    }]),
  );
  await Deno.writeTextFile(
    `${dir}/rules/20-bank.ts`,
    `export const classify = (i) => i.header.app === "bank" ? "money" : undefined;`,
  );
  return `${dir}/rules`;
}

Deno.test("flightlog classify prints category, fingerprint, title and rule of each incident", async () => {
  await using dir = await tempDir();
  await makeIncident(`${dir.path}/in`, {
    facility: "db",
    template: "pool {n} empty",
    fields: { n: 1 },
  });
  await makeIncident(`${dir.path}/in`, {
    app: "bank",
    template: "ledger stuck",
  });
  await makeIncident(`${dir.path}/in`, { template: "other" });
  const out = await cli(
    "classify",
    "--rules",
    await rules(dir.path),
    `${dir.path}/in`,
  );
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.trim().split("\n").sort();
  assert.equal(lines.length, 3);
  assert.match(
    lines[0],
    /^database\s+[0-9a-f]{16} {2}pool \{n\} empty {2}incident-.*\(10-db\.json#db\)$/,
  );
  assert.match(
    lines[1],
    /^money\s+[0-9a-f]{16} {2}ledger stuck {2}incident-.*\(20-bank\.ts\)$/,
  );
  assert.match(lines[2], /^unknown\s+[0-9a-f]{16} {2}other {2}incident-/);
});

Deno.test("flightlog classify names a bad rule file and exits 1", async () => {
  await using dir = await tempDir();
  const path = await makeIncident(dir.path, { template: "x" });
  await Deno.mkdir(`${dir.path}/rules`);
  await Deno.writeTextFile(`${dir.path}/rules/bad.json`, "{");
  const out = await cli("classify", "--rules", `${dir.path}/rules`, path);
  assert.equal(out.code, 1);
  assert.match(out.stderr, /bad\.json/);
});

Deno.test("flightlog reindex rebuilds a store's index with the rules", async () => {
  await using dir = await tempDir();
  await makeIncident(`${dir.path}/store`, { facility: "db", template: "slow" });
  const out = await cli(
    "reindex",
    "--rules",
    await rules(dir.path),
    `${dir.path}/store`,
  );
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^indexed 1 incidents in 1 groups\n$/);
  const missing = await cli("reindex", `${dir.path}/nope`);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope/);
});
