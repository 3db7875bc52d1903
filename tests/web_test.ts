// `flightlog web` as a subprocess: its usage errors, and an API over the
// files given (no browser needed).
import assert from "node:assert/strict";
import { COMPILE_PERMISSIONS } from "../tools/compile.ts";
import { FIXTURE, Proc, ROOT, runDeno, tempDir } from "./_util.ts";

const CLI = `${ROOT}cli/flightlog.ts`;

Deno.test("web refuses bad usage with exit code 2", async () => {
  const none = await runDeno(["run", "-A", CLI, "web"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /expected FILE or DIR/);
  const listen = await runDeno([
    "run",
    "-A",
    CLI,
    "web",
    "--listen",
    "x",
    FIXTURE,
  ]);
  assert.equal(listen.code, 2);
  assert.match(listen.stderr, /--listen: expected HOST:PORT, got "x"/);
});

Deno.test("web says which files it cannot read, exit code 1 when none is left", async () => {
  await using dir = await tempDir();
  const missing = await runDeno([
    "run",
    "-A",
    CLI,
    "web",
    `${dir.path}/nope.flog`,
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.flog/);
  const bz2 = await runDeno(["run", "-A", CLI, "web", `${FIXTURE}.bz2`]);
  assert.equal(bz2.code, 1);
  assert.match(bz2.stderr, /bunzip2/);
});

Deno.test("web serves the incidents of its files until SIGINT, with the binary's permissions", async () => {
  const web = new Proc([
    "run",
    "--no-prompt",
    ...COMPILE_PERMISSIONS,
    CLI,
    "web",
    FIXTURE,
  ]);
  try {
    const login = new URL(await web.waitFor("flightlog web: "));
    const page = await web.waitFor(`  ${FIXTURE}: `);
    const token = login.searchParams.get("token")!;
    const res = await fetch(`${login.origin}/v1/incidents`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { incidents } = await res.json();
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0].summary, "disk /dev/sda1 is 97% full");
    assert.equal(page, `${login.origin}/incidents/${incidents[0].name}`);
  } finally {
    assert.equal((await web.stop("SIGINT")).code, 0);
  }
});
