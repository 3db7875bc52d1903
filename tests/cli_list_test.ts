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
  assert.match(lines[0], /SCARY\s+shop\s+\d+\s+second$/);
  assert.match(lines[1], /WEIRD\s+shop\s+2\s+first 1$/);
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

Deno.test("flightlog list exits 2 naming a folder it cannot read", async () => {
  const out = await runDeno(["run", "-A", CLI, "list", "/nonexistent/x"]);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /\/nonexistent\/x/);
});
