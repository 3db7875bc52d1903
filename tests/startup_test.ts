// Start-up mistakes get one clear line, and the servers say where things
// went: an address in use, a mistyped flag or command, a socket no app has
// created, each incident a gatherer receives, the viewer's login link.
import assert from "node:assert/strict";
import { Proc, ROOT, runDeno, tempDir } from "./_util.ts";
import { baseName, makeIncident } from "./_server_util.ts";
import { FIXTURE } from "./_util.ts";

const CLI = `${ROOT}cli/flightlog.ts`;

/** The lines of `proc`'s stdout, read until one matches `re`. */
async function lineMatching(proc: Proc, re: RegExp): Promise<string> {
  for (let i = 0; i < 1000; i++) {
    const line = await proc.waitFor("");
    if (re.test(line)) return line;
  }
  throw new Error(`no line matching ${re}`);
}

const IN_USE = [
  ["sidecar", (dir: string) => ["--dir", dir]],
  ["gather", (dir: string) => ["--dir", dir]],
  ["web", (_: string) => [FIXTURE]],
] as const;

for (const [command, rest] of IN_USE) {
  Deno.test(`flightlog ${command} on a --listen address in use exits 1 with one line naming it and the flag`, async () => {
    await using dir = await tempDir();
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (taken.addr as Deno.NetAddr).port;
    const out = await runDeno([
      "run",
      "-A",
      CLI,
      command,
      "--listen",
      `127.0.0.1:${port}`,
      ...rest(`${dir.path}/store`),
    ]);
    assert.equal(out.code, 1, out.stderr);
    const lines = out.stderr.trim().split("\n");
    assert.equal(lines.length, 1, out.stderr);
    assert.match(
      lines[0],
      new RegExp(
        `^flightlog ${command}: 127\\.0\\.0\\.1:${port} is in use .*--listen HOST:PORT`,
      ),
    );
  });
}

Deno.test("a mistyped flag gets 'did you mean' and exit code 2", async () => {
  for (
    const [command, typo, meant] of [
      ["sidecar", "--lisen", "--listen"],
      ["gather", "--sorce", "--source"],
      ["list", "--jsno", "--json"],
      ["dump", "--verbos", "--verbose"],
    ]
  ) {
    const out = await runDeno(["run", "-A", CLI, command, typo, "x"]);
    assert.equal(out.code, 2, `${command}: ${out.stderr}`);
    assert.match(
      out.stderr.split("\n")[0],
      new RegExp(
        `^flightlog ${command}: unknown option ${typo}; did you mean ${meant}\\?$`,
      ),
    );
  }
});

Deno.test("a mistyped command gets 'did you mean' and exit code 2", async () => {
  const out = await runDeno(["run", "-A", CLI, "sidcar"]);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /unknown command "sidcar"; did you mean sidecar\?/);
});

Deno.test("a sidecar whose --socket has not appeared says so once", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/app.sock`;
  const sidecar = new Proc([
    "run",
    "-A",
    CLI,
    "sidecar",
    "--dir",
    `${dir.path}/store`,
    "--listen",
    "127.0.0.1:0",
    "--socket",
    socket,
  ]);
  try {
    const line = await lineMatching(sidecar, /waiting for /);
    assert.match(
      line,
      new RegExp(`^\\S+ waiting for ${socket}, no app has created it yet$`),
    );
  } finally {
    assert.equal((await sidecar.stop()).code, 0);
  }
  const said = sidecar.output.filter((l) => l.includes("waiting for"));
  assert.equal(said.length, 1, sidecar.output.join("\n"));
});

Deno.test("flightlog gather prints one line per incident received, with its group and whether it is new", async () => {
  await using dir = await tempDir();
  const gatherer = new Proc([
    "run",
    "-A",
    CLI,
    "gather",
    "--dir",
    `${dir.path}/store`,
    "--listen",
    "127.0.0.1:0",
  ]);
  try {
    const url = await gatherer.waitFor("flightlog gather listening on ");
    const token = (await Deno.readTextFile(`${dir.path}/store/token`)).trim();
    const push = async (n: number) => {
      const path = await makeIncident(`${dir.path}/src-${n}`, {
        template: "payment failed",
      });
      const res = await fetch(`${url}/v1/incidents?name=${baseName(path)}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: await Deno.readFile(path),
      });
      await res.body?.cancel();
      assert.equal(res.status, 201);
      return baseName(path);
    };
    const first = await push(1);
    const firstLine = await lineMatching(gatherer, /incident received/);
    assert.match(
      firstLine,
      new RegExp(
        `incident received: ${first} from push, new group \\w+ .*payment failed`,
      ),
    );
    const second = await push(2);
    const secondLine = await lineMatching(gatherer, /incident received/);
    assert.match(
      secondLine,
      new RegExp(`incident received: ${second} from push, group of 2 \\w+`),
    );
    const group = (s: string) => /group (?:of \d+ )?(\w+)/.exec(s)?.[1];
    assert.equal(group(firstLine), group(secondLine));
  } finally {
    assert.equal((await gatherer.stop()).code, 0);
  }
});

/** Whether `script` (util-linux) can give a command a terminal. */
function hasScript(): boolean {
  try {
    return Deno.statSync("/usr/bin/script").isFile;
  } catch {
    return false;
  }
}

for (const command of ["sidecar", "gather"]) {
  Deno.test({
    name:
      `flightlog ${command} prints the viewer's login link on a terminal, not in a log`,
    ignore: !hasScript(),
    fn: async () => {
      await using dir = await tempDir();
      const args = (store: string) =>
        `${Deno.execPath()} run -A ${CLI} ${command} --dir ${store} --listen 127.0.0.1:0`;
      // On a terminal (a pseudo-terminal from `script`).
      const onTty = new Deno.Command("script", {
        args: ["-qfec", args(`${dir.path}/a`), "/dev/null"],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).spawn();
      const reader = onTty.stdout.pipeThrough(new TextDecoderStream())
        .getReader();
      let text = "";
      for (let i = 0; i < 1000 && !/viewer: .*\r?\n/.test(text); i++) {
        const { done, value } = await reader.read();
        if (done) break;
        text += value;
      }
      const token = (await Deno.readTextFile(`${dir.path}/a/token`)).trim();
      assert.match(
        text,
        new RegExp(`viewer: http://127\\.0\\.0\\.1:\\d+/\\?token=${token}`),
      );
      onTty.kill("SIGTERM");
      await reader.cancel();
      await onTty.stderr.cancel();
      await onTty.status;
      // To a pipe (a log): no token.
      const piped = new Proc([
        "run",
        "-A",
        CLI,
        command,
        "--dir",
        `${dir.path}/b`,
        "--listen",
        "127.0.0.1:0",
      ]);
      try {
        const line = await piped.waitFor("viewer: ");
        assert.match(line, /^http:\/\/127\.0\.0\.1:\d+\/ \(log in/);
        assert.doesNotMatch(line, /token=/);
      } finally {
        await piped.stop();
      }
    },
  });
}
