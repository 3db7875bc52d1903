// deploy/systemd: the units pass `systemd-analyze verify`, their hardening
// scores at most 2.0 with `systemd-analyze security` ("OK"), and the command
// line each starts is one flightlog accepts, stopping with 0 on SIGTERM.
import assert from "node:assert/strict";
import { Proc, ROOT, tempDir } from "./_util.ts";

const DIR = `${ROOT}deploy/systemd`;
const BINARY = "/usr/local/bin/flightlog";
/** `systemd-analyze security`'s exposure a unit may have, out of 10. */
const MAX_EXPOSURE = 2.0;

/** The units as files to check, `%i` given as "shop" by the file name. */
const UNITS = [
  { file: "flightlog-gather.service", as: "flightlog-gather.service" },
  { file: "flightlog-sidecar@.service", as: "flightlog-sidecar@shop.service" },
];

const hasSystemdAnalyze = (() => {
  try {
    return new Deno.Command("systemd-analyze", { args: ["--version"] })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/**
 * The units in a temp folder, their binary a stub there (verify requires
 * ExecStart's program to exist).
 */
async function staged() {
  const dir = await tempDir();
  const stub = `${dir.path}/flightlog`;
  await Deno.writeTextFile(stub, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  for (const u of UNITS) {
    const text = await Deno.readTextFile(`${DIR}/${u.file}`);
    assert.ok(text.includes(`ExecStart=${BINARY} `), u.file);
    await Deno.writeTextFile(
      `${dir.path}/${u.as}`,
      text.replaceAll(`ExecStart=${BINARY} `, `ExecStart=${stub} `),
    );
  }
  return dir;
}

async function analyze(cwd: string, ...args: string[]) {
  const out = await new Deno.Command("systemd-analyze", { args, cwd })
    .output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    output: dec.decode(out.stdout) + dec.decode(out.stderr),
  };
}

Deno.test({
  name: "systemd-analyze verify accepts the units, without a warning",
  ignore: !hasSystemdAnalyze,
  async fn() {
    await using dir = await staged();
    const { code, output } = await analyze(
      dir.path,
      "verify",
      ...UNITS.map((u) => `./${u.as}`),
    );
    assert.equal(code, 0, output);
    assert.equal(output.trim(), "");
  },
});

Deno.test({
  name:
    `systemd-analyze security rates each unit's exposure at most ${MAX_EXPOSURE}`,
  ignore: !hasSystemdAnalyze,
  async fn() {
    await using dir = await staged();
    for (const u of UNITS) {
      const { code, output } = await analyze(
        dir.path,
        "security",
        "--offline=true",
        `--threshold=${MAX_EXPOSURE * 10}`,
        `./${u.as}`,
      );
      const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(output);
      assert.ok(m, output);
      assert.ok(Number(m[1]) <= MAX_EXPOSURE, `${u.as}: ${m[0]}`);
      assert.equal(code, 0, output);
    }
  },
});

/** ExecStart's arguments after the binary, as systemd would pass them. */
async function execArgs(file: string, state: string): Promise<string[]> {
  const text = await Deno.readTextFile(`${DIR}/${file}`);
  const line = /^ExecStart=(.*)$/m.exec(text)![1];
  return line
    .replaceAll("%S", state)
    .replaceAll("%i", "shop")
    .replace("$FLIGHTLOG_ARGS", "--listen 127.0.0.1:0")
    .split(" ")
    .slice(1);
}

for (
  const [file, role] of [
    ["flightlog-sidecar@.service", "sidecar"],
    ["flightlog-gather.service", "gather"],
  ]
) {
  Deno.test(`${file} starts a ${role} that stops with 0 on SIGTERM`, async () => {
    await using dir = await tempDir();
    const args = await execArgs(file, dir.path);
    assert.equal(args[0], role);
    const proc = new Proc(["run", "-A", `${ROOT}cli/flightlog.ts`, ...args]);
    try {
      const url = await proc.waitFor(`flightlog ${role} listening on `);
      // Serving: past the start, where SIGTERM is the clean stop.
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      assert.equal(res.status, 200);
    } finally {
      assert.equal((await proc.stop("SIGTERM")).code, 0);
    }
    // Its store and token are in the state directory.
    const state = role === "sidecar"
      ? `${dir.path}/flightlog/shop`
      : `${dir.path}/flightlog-gather`;
    assert.ok((await Deno.stat(`${state}/token`)).isFile);
  });
}
