import assert from "node:assert/strict";
import { COMPILE_PERMISSIONS } from "../tools/compile.ts";
import { FIXTURE, Proc, ROOT, runDeno, tempDir } from "./_util.ts";

/** Where a `denort` runtime can be had without the network, if anywhere. */
function localDenort(): string | undefined {
  const env = Deno.env.get("DENORT_BIN");
  if (env) return env;
  const denoDir = Deno.env.get("DENO_DIR") ??
    `${Deno.env.get("HOME")}/.cache/deno`;
  const zip =
    `${denoDir}/dl/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`;
  try {
    Deno.statSync(zip);
    return zip;
  } catch {
    return undefined;
  }
}

const denort = localDenort();

Deno.test({
  name: denort
    ? "deno task compile builds a flightlog binary from the bundle that has a --version and dumps"
    : "deno task compile (SKIPPED: no denort runtime here and its download is blocked; run it with DENORT_BIN=/path/to/denort deno test -A tests/compile_test.ts)",
  ignore: denort === undefined,
  async fn() {
    await using dir = await tempDir();
    const bin = `${dir.path}/flightlog`;
    const built = await runDeno(["run", "-A", `${ROOT}tools/compile.ts`, bin]);
    assert.equal(built.code, 0, built.stdout + built.stderr);
    const version = await new Deno.Command(bin, { args: ["--version"] })
      .output();
    assert.match(
      new TextDecoder().decode(version.stdout),
      /^flightlog \d+\.\d+\.\d+\ndeno .*\nprotocol \d+ /,
    );
    const out = await new Deno.Command(bin, {
      args: ["dump", "--flogtool", FIXTURE],
      env: { TZ: "UTC" },
    }).output();
    assert.equal(out.code, 0);
    assert.equal(
      new TextDecoder().decode(out.stdout),
      await Deno.readTextFile(
        `${ROOT}tests/fixtures/foolscap-incident.flogtool-dump.txt`,
      ),
    );
  },
});

Deno.test("the binary's permissions are enough: dump and sidecar under exactly those", async () => {
  const dump = await runDeno([
    "run",
    ...COMPILE_PERMISSIONS,
    `${ROOT}cli/flightlog.ts`,
    "dump",
    FIXTURE,
  ]);
  assert.equal(dump.code, 0, dump.stderr);
  await using dir = await tempDir();
  const sidecar = new Proc([
    "run",
    "--no-prompt",
    ...COMPILE_PERMISSIONS,
    `${ROOT}cli/flightlog.ts`,
    "sidecar",
    "--dir",
    `${dir.path}/store`,
    "--socket",
    `${dir.path}/app.sock`,
    "--listen",
    "127.0.0.1:0",
  ]);
  const url = await sidecar.waitFor("flightlog sidecar listening on ");
  const res = await fetch(`${url}/healthz`);
  assert.equal(res.status, 200);
  await res.body?.cancel();
  assert.equal((await sidecar.stop("SIGINT")).code, 0);
});
