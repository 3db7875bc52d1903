import assert from "node:assert/strict";
import { createLogger } from "../lib/create_logger.ts";
import { ROOT, runDeno, tempDir } from "./_util.ts";

const CLI = `${ROOT}cli/flightlog.ts`;

Deno.test("flightlog list prints incidents newest first with level, app, events and summary", async () => {
  await using dir = await tempDir();
  const log = createLogger({
    incidentDir: dir.path,
    app: "shop",
    trailingMs: 0,
    rateLimit: false,
  });
  log.info("a");
  log.weird("first {n}", { n: 1 });
  log.scary("second");
  await log.close();
  const out = await runDeno(["run", "-A", CLI, "list", dir.path]);
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.trim().split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[0], /SCARY\s+shop\s+\d+\s+incident-\S+\s+second$/);
  assert.match(lines[1], /WEIRD\s+shop\s+2\s+incident-\S+\s+first 1$/);
});

Deno.test("flightlog list shows each incident's file name, which dump opens", async () => {
  await using dir = await tempDir();
  const log = createLogger({ incidentDir: dir.path, trailingMs: 0 });
  log.bad("boom");
  await log.close();
  const out = await runDeno(["run", "-A", CLI, "list", dir.path]);
  const name = /(incident-\S+\.flog\.gz)/.exec(out.stdout)?.[1];
  assert.ok(name, out.stdout);
  const files = [...Deno.readDirSync(dir.path)].map((e) => e.name);
  assert.ok(files.includes(name), `${name} not in ${files}`);
  const dumped = await runDeno([
    "run",
    "-A",
    CLI,
    "dump",
    `${dir.path}/${name}`,
  ]);
  assert.equal(dumped.code, 0, dumped.stderr);
  assert.match(dumped.stdout, /boom/);
});

Deno.test("flightlog list --json prints one summary object per incident", async () => {
  await using dir = await tempDir();
  const log = createLogger({ incidentDir: dir.path, trailingMs: 0 });
  log.bad("boom");
  await log.close();
  const out = await runDeno(["run", "-A", CLI, "list", "--json", dir.path]);
  const [summary] = out.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(summary.summary, "boom");
  assert.equal(summary.complete, true);
});

Deno.test("flightlog list exits 1 naming a folder it cannot read", async () => {
  const out = await runDeno(["run", "-A", CLI, "list", "/nonexistent/x"]);
  assert.equal(out.code, 1);
  assert.match(out.stderr, /\/nonexistent\/x/);
});
