import assert from "node:assert/strict";
import { readIncident, ROOT, runDeno, tempDir } from "./_util.ts";
import { Proc } from "./_util.ts";

const CLI = `${ROOT}cli/flightlog.ts`;
const APP = `${ROOT}tests/apps/publishing_app.ts`;

async function startApp(socket: string): Promise<Proc> {
  const app = new Proc(["run", "-A", APP, socket], true);
  await app.waitFor("READY ");
  return app;
}

Deno.test("flightlog tail --catch-up --save prints an app's history and live events and saves a flogfile", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/app.sock`;
  const app = await startApp(socket);
  const saved = `${dir.path}/tail.flog.gz`;
  const tail = new Proc([
    "run",
    "-A",
    CLI,
    "tail",
    "--catch-up",
    "--save",
    saved,
    socket,
  ]);
  try {
    await tail.waitFor(""); // the history: "testapp started"
    await app.command("wait-reader");
    await app.command("log UNUSUAL cache cold");
    await tail.waitFor("");
    await app.command("close"); // goodbye: tail ends by itself
    assert.equal((await tail.stop("SIGCONT")).code, 0);
    const text = tail.output.join("\n");
    assert.match(text, /OPERATIONAL testapp started/);
    assert.match(text, /UNUSUAL {5}cache cold/);
    const { header, events } = await readIncident(saved);
    assert.equal(header.type, "tail");
    assert.deepEqual(events.map((r) => r.d.format), [
      "testapp started",
      "cache cold",
    ]);
  } finally {
    await tail.stop();
    await app.stop();
  }
});

Deno.test("flightlog tail --level --json prints matching live events only, as JSON", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/app.sock`;
  const app = await startApp(socket);
  const tail = new Proc([
    "run",
    "-A",
    CLI,
    "tail",
    "--level",
    "WEIRD",
    "--json",
    socket,
  ]);
  try {
    await app.command("wait-reader");
    await app.command("log info not shown");
    await app.command("log BAD shown");
    const line = JSON.parse("{" + await tail.waitFor("{"));
    assert.equal(line.text, "shown");
  } finally {
    await tail.stop();
    await app.stop();
  }
});

Deno.test("flightlog tail refuses --catch-up with a URL and exits 1 on an unreachable socket", async () => {
  const usage = await runDeno([
    "run",
    "-A",
    CLI,
    "tail",
    "--catch-up",
    "http://127.0.0.1:9",
  ]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--catch-up works with an app's SOCKET only/);
  const gone = await runDeno([
    "run",
    "-A",
    CLI,
    "tail",
    "/nonexistent/app.sock",
  ]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /\/nonexistent\/app.sock/);
});
