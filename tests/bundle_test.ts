// `deno task bundle` as a user would run its output: one file in an
// otherwise empty folder, `deno run` with the documented permissions, every
// subcommand (sidecar, gather with a `.ts` rule in the rule worker, web,
// tail, the clients and the offline tools), with a real app and its incident.
import assert from "node:assert/strict";
import { bundle } from "../tools/bundle.ts";
import { COMPILE_PERMISSIONS } from "../tools/compile.ts";
import {
  deadline,
  FIXTURE,
  freePort,
  ls,
  nextSse,
  Proc,
  ROOT,
  runDeno,
  sseEvents,
  tempDir,
} from "./_util.ts";

/** A folder holding nothing but a fresh bundle. */
async function bundled(): Promise<AsyncDisposable & { path: string }> {
  const dir = await tempDir();
  await bundle(`${dir.path}/flightlog.js`);
  assert.deepEqual(await ls(dir.path), ["flightlog.js"]);
  return dir;
}

/** `deno run` of the bundle, in its folder, with the permissions of the docs. */
function runArgs(...args: string[]): string[] {
  return [
    "run",
    "--no-prompt",
    ...COMPILE_PERMISSIONS,
    "flightlog.js",
    ...args,
  ];
}

Deno.test("the bundle prints its versions and dumps an incident from an empty folder", async () => {
  await using dir = await bundled();
  const version = await runDeno(runArgs("--version"), { cwd: dir.path });
  assert.equal(version.code, 0, version.stderr);
  assert.match(
    version.stdout,
    /^flightlog \d+\.\d+\.\d+\ndeno \S+ .*\nprotocol \d+ .*\nstore schema \d+ /,
  );
  const dump = await runDeno(runArgs("dump", "--flogtool", FIXTURE), {
    cwd: dir.path,
    env: { TZ: "UTC" },
  });
  assert.equal(dump.code, 0, dump.stderr);
  assert.equal(
    dump.stdout,
    await Deno.readTextFile(
      `${ROOT}tests/fixtures/foolscap-incident.flogtool-dump.txt`,
    ),
  );
});

Deno.test("the bundle runs every other subcommand: a sidecar for an app, a gatherer with a .ts rule, the viewer, the clients", async () => {
  await using dir = await bundled();
  await using work = await tempDir();
  const w = work.path;
  const token = `${w}/token`;
  const sidecarPort = freePort();
  const procs: Proc[] = [];
  try {
    const sidecar = new Proc(
      runArgs(
        "sidecar",
        ...["--dir", `${w}/sidecar`, "--socket", `${w}/app.sock`],
        ...["--listen", `127.0.0.1:${sidecarPort}`, "--token-file", token],
        ...["--trailing-ms", "0", "--quiet"],
      ),
      false,
      dir.path,
    );
    procs.push(sidecar);
    const sidecarUrl = await sidecar.waitFor("flightlog sidecar listening on ");

    await Deno.mkdir(`${w}/rules`);
    await Deno.writeTextFile(
      `${w}/rules/10-bundle.ts`,
      `export function classify({ trigger }) {
        if (trigger?.format?.includes("bundled")) return "from-the-bundle";
      }\n`,
    );
    const gather = new Proc(
      runArgs(
        "gather",
        ...["--dir", `${w}/gathered`, "--listen", "127.0.0.1:0"],
        ...["--token-file", token, "--rules", `${w}/rules`],
        ...["--source", sidecarUrl, "--source-token-file", token],
      ),
      false,
      dir.path,
    );
    procs.push(gather);
    const gatherUrl = await gather.waitFor("flightlog gather listening on ");
    const secret = (await Deno.readTextFile(token)).trim();
    const res = await fetch(`${gatherUrl}/v1/incidents/stream`, {
      headers: { authorization: `Bearer ${secret}`, "last-event-id": "0" },
    });
    const events = sseEvents(res);
    const tail = new Proc(
      runArgs("tail", sidecarUrl, "--token-file", token, "--json"),
      false,
      dir.path,
    );
    procs.push(tail);
    // The tail shows live events only: the app starts once the tail holds its
    // stream (the gatherer's stream, this request and the tail's).
    await deadline(
      (async () => {
        for (let i = 0; i < 1200; i++) {
          const res = await fetch(`${sidecarUrl}/metrics`, {
            headers: { authorization: `Bearer ${secret}` },
          });
          const m = /^flightlog_http_connections(?:\{[^}]*\})? (\d+)$/m.exec(
            await res.text(),
          );
          if (Number(m?.[1]) >= 3) return;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error("the tail did not connect");
      })(),
      "the tail's stream",
      60_000,
    );
    try {
      const app = new Proc(
        ["run", "-A", `${ROOT}tests/apps/publishing_app.ts`, `${w}/app.sock`],
        true,
      );
      procs.push(app);
      await app.waitFor("READY ");
      await app.command("wait-reader");
      await app.command("log WEIRD a bundled sidecar saw this");
      await app.command("close");
      const stored = await nextSse(
        events,
        "the incident at the gatherer",
        (e) => e.event === "incident",
        60_000,
      );
      assert.equal(JSON.parse(stored.data).category, "from-the-bundle");
      for (let i = 0; i < 100; i++) {
        const line = await tail.waitFor("{");
        if (line.includes("a bundled sidecar saw this")) break;
      }
    } finally {
      await events.cancel();
    }
    const run = async (...args: string[]) => {
      const out = await runDeno(runArgs(...args), { cwd: dir.path });
      assert.equal(out.code, 0, `${args.join(" ")}: ${out.stderr}`);
      return out.stdout;
    };

    const files = (await ls(`${w}/sidecar`)).filter((n) =>
      n.endsWith(".flog.gz")
    );
    assert.equal(files.length, 1, `incident files: ${files}`);
    const file = `${w}/sidecar/${files[0]}`;
    const name = files[0];
    assert.match(
      await run("list", `${w}/sidecar`),
      /a bundled sidecar saw this/,
    );
    assert.match(
      await run("incidents", "ls", gatherUrl, "--token-file", token),
      /a bundled sidecar saw this/,
    );
    assert.match(
      await run("groups", gatherUrl, "--token-file", token),
      /a bundled sidecar saw this/,
    );
    assert.match(
      await run("classify", "--rules", `${w}/rules`, file),
      /from-the-bundle/,
    );
    await run("filter", "--above", "WEIRD", file, `${w}/filtered.flog`);
    assert.match(
      await run("dump", `${w}/filtered.flog`),
      /a bundled sidecar saw this/,
    );
    await Deno.mkdir(`${w}/copy`);
    await Deno.copyFile(file, `${w}/copy/${name}`);
    await run("reindex", `${w}/copy`);
    const web = new Proc(
      runArgs("web", file),
      false,
      dir.path,
    );
    procs.push(web);
    const login = new URL(await web.waitFor("flightlog web: "));
    const page = await fetch(`${login.origin}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const list = await fetch(`${login.origin}/v1/incidents`, {
      headers: {
        authorization: `Bearer ${login.searchParams.get("token")}`,
      },
    });
    const { incidents } = await list.json();
    assert.equal(incidents[0].summary, "a bundled sidecar saw this");
  } finally {
    for (const p of procs.reverse()) await p.stop("SIGINT");
  }
});
