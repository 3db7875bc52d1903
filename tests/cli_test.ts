import assert from "node:assert/strict";
import { createLogger } from "../mod.ts";
import { FIXTURE, ROOT, runDeno, tempDir } from "./_util.ts";

const CLI = `${ROOT}cli/flightlog.ts`;
const dump = (args: string[], stdin?: Uint8Array) =>
  runDeno(["run", "--allow-read", CLI, "dump", ...args], {
    stdin,
    env: { TZ: "UTC" },
  });

Deno.test("flightlog dump --flogtool prints exactly what flogtool dump prints", async () => {
  const expected = await Deno.readTextFile(
    `${ROOT}tests/fixtures/foolscap-incident.flogtool-dump.txt`,
  );
  const { code, stdout } = await dump(["--flogtool", FIXTURE]);
  assert.equal(code, 0);
  assert.equal(stdout, expected);
});

Deno.test("flightlog dump adds levels and facilities, marks the trigger, prints failures", async () => {
  const { code, stdout } = await dump([FIXTURE]);
  assert.equal(code, 0);
  const lines = stdout.split("\n");
  assert.ok(
    lines.includes(
      "local#0 21:22:00.376 OPERATIONAL app/req: request 0 for alice",
    ),
  );
  assert.ok(
    lines.includes(
      "local#300 21:22:00.378 WEIRD app/disk: disk /dev/sda1 is 97% full [INCIDENT-TRIGGER]",
    ),
  );
  assert.ok(lines.includes(" FAILURE:"));
});

Deno.test("flightlog dump reads .flog.gz and stdin; --json prints records with their text", async () => {
  await using dir = await tempDir();
  const log = createLogger({
    incidentDir: dir.path,
    trailingMs: 0,
    app: "cli-test",
  });
  log.info("warming up {n}", { n: 1 });
  log.weird("odd value {v}", { v: 42 });
  await log.close();
  const path = log.incidents[0].path;
  const fromFile = await dump(["-t", "epoch", path]);
  assert.equal(fromFile.code, 0);
  assert.match(fromFile.stdout, /App: cli-test/);
  assert.match(
    fromFile.stdout,
    /local#0 \d+\.\d{3} OPERATIONAL: warming up 1\n/,
  );
  assert.match(
    fromFile.stdout,
    /local#1 \d+\.\d{3} WEIRD: odd value 42 \[INCIDENT-TRIGGER\]/,
  );
  const fromStdin = await dump(["-t", "epoch", "-"], await Deno.readFile(path));
  assert.equal(fromStdin.stdout, fromFile.stdout);
  const json = await dump(["--json", path]);
  const records = json.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(records[0].header.type, "incident");
  assert.equal(records[2].d.v, 42);
  assert.equal(typeof records[2].text, "string");
});

Deno.test("flightlog dump exits 1 on damage after the good events, 2 on bad usage", async () => {
  await using dir = await tempDir();
  const text = await Deno.readTextFile(FIXTURE);
  await Deno.writeTextFile(
    `${dir.path}/cut.flog`,
    text.slice(0, text.length - 100),
  );
  const cut = await dump([`${dir.path}/cut.flog`]);
  assert.equal(cut.code, 1);
  assert.match(cut.stderr, /damaged: .*cut\.flog:299: bad JSON/);
  assert.match(cut.stdout, /local#315 /);
  const usage = await dump([]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /expected one FILE/);
  const missing = await dump([`${dir.path}/none.flog`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /none\.flog: cannot open/);
});

Deno.test("flightlog --version matches deno.json; unknown commands exit 2", async () => {
  const { version } = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const v = await runDeno(["run", "--allow-read", CLI, "--version"]);
  const [first, deno, protocol, schema] = v.stdout.trim().split("\n");
  assert.equal(first, `flightlog ${version}`);
  assert.match(deno, new RegExp(`^deno ${Deno.version.deno} `));
  assert.match(protocol, /^protocol \d+ /);
  assert.match(schema, /^store schema \d+ /);
  const bad = await runDeno(["run", "--allow-read", CLI, "frobnicate"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown command "frobnicate"/);
});

Deno.test("flightlog help lists every command; each command's --help is its own", async () => {
  const help = await runDeno(["run", "--allow-read", CLI, "help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /flightlog dump \[options\] FILE/);
  assert.match(help.stdout, /flightlog sidecar \[options\]/);
  assert.match(help.stdout, /flightlog web \[options\] FILE\|DIR/);
  const dumpHelp = await runDeno(["run", "--allow-read", CLI, "dump", "-h"]);
  assert.match(dumpHelp.stdout, /^Usage: flightlog dump/);
  const sidecarHelp = await runDeno([
    "run",
    "--allow-read",
    CLI,
    "sidecar",
    "--help",
  ]);
  assert.match(sidecarHelp.stdout, /^Usage: flightlog sidecar/);
});

Deno.test("flightlog dump prints every other record when one is 3000 deep or malformed, naming its line", async () => {
  await using dir = await tempDir();
  let deep: unknown = "bottom";
  for (let i = 0; i < 3000; i++) deep = [deep];
  const event = (num: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      from: "local",
      rx_time: 1,
      d: {
        num,
        time: 1,
        incarnation: ["x", null],
        level: 20,
        message: `ok ${num}`,
        ...extra,
      },
    });
  const lines = ["# foolscap flogfile v1", '{"header":{"type":"incident"}}'];
  for (let i = 0; i < 200; i++) lines.push(event(i));
  lines.push(event(200, { message: deep }));
  lines.push(JSON.stringify({ from: "local", rx_time: 1, d: { time: 1 } }));
  lines.push(event(201));
  const path = `${dir.path}/deep.flog`;
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  const out = await dump(["-t", "epoch", path]);
  assert.equal(out.code, 1);
  assert.match(out.stdout, /local#199 1\.000 OPERATIONAL: ok 199/);
  assert.match(out.stdout, /local#200 1\.000 OPERATIONAL: \[\[\[/); // bounded
  assert.match(out.stdout, /local#201 1\.000 OPERATIONAL: ok 201/);
  assert.match(
    out.stderr,
    /deep\.flog:204: cannot be printed: the event has no numeric "num"/,
  );
});

Deno.test("flightlog dump names a folder and exits 2", async () => {
  await using dir = await tempDir();
  const out = await dump([dir.path]);
  assert.equal(out.code, 2);
  assert.match(out.stderr, new RegExp(`${dir.path}: is a folder`));
});
