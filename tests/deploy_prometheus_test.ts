// deploy/prometheus: the alert rules pass promtool's checks and their unit
// tests, and use only metric names that a running sidecar and gatherer
// (SQLite, and ClickHouse) really export, so they cannot drift from the code.
import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import { parse } from "npm:yaml@2.8.1";
import { hasClickHouse, startClickHouse } from "./_clickhouse.ts";
import { deadline, nextSse, Proc, ROOT, sseEvents, tempDir } from "./_util.ts";

const DIR = `${ROOT}deploy/prometheus`;
const RULES = `${DIR}/flightlog.rules.yml`;
const CLI = `${ROOT}cli/flightlog.ts`;
/** Series Prometheus makes itself, not scraped. */
const SYNTHETIC = new Set(["up"]);

const hasPromtool = (() => {
  try {
    return new Deno.Command("promtool", { args: ["--version"] }).outputSync()
      .success;
  } catch {
    return false;
  }
})();

async function promtool(...args: string[]) {
  const out = await new Deno.Command("promtool", { args, cwd: DIR }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    output: dec.decode(out.stdout) + dec.decode(out.stderr),
  };
}

/** The metric names the rules' expressions use. */
async function ruleMetrics(): Promise<Set<string>> {
  const doc = parse(await Deno.readTextFile(RULES)) as {
    groups: { rules: { expr: string }[] }[];
  };
  const names = new Set<string>();
  for (const g of doc.groups) {
    for (const r of g.rules) {
      // Identifiers not followed by "(" (functions) nor inside [] or {}.
      const bare = r.expr.replace(
        /\{[^}]*\}|\[[^\]]*\]|"[^"]*"|\b(?:by|without|on|ignoring)\s*\([^)]*\)/g,
        " ",
      );
      for (
        const m of bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)
      ) {
        if (!/^(and|or|unless|by|without|on|ignoring)$/.test(m[1])) {
          names.add(m[1]);
        }
      }
    }
  }
  return names;
}

/** The names with at least one sample in a /metrics answer. */
async function scrape(url: string, tokenFile: string): Promise<Set<string>> {
  const token = (await Deno.readTextFile(tokenFile)).trim();
  const res = await fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
  const names = new Set<string>();
  for (const line of (await res.text()).split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

function serve(args: string[]): Proc {
  return new Proc(["run", "-A", CLI, ...args, "--listen", "127.0.0.1:0"]);
}

Deno.test({
  name: "promtool check rules accepts deploy/prometheus/flightlog.rules.yml",
  ignore: !hasPromtool,
}, async () => {
  const { code, output } = await promtool("check", "rules", RULES);
  assert.equal(code, 0, output);
  assert.match(output, /SUCCESS: \d+ rules found/);
});

Deno.test({
  name: "promtool test rules passes the rules' unit tests",
  ignore: !hasPromtool,
}, async () => {
  const { code, output } = await promtool(
    "test",
    "rules",
    "flightlog.rules.test.yml",
  );
  assert.equal(code, 0, output);
});

Deno.test("the rules' metric names are in the rules' own words", async () => {
  const names = await ruleMetrics();
  assert.ok(names.has("flightlog_app_deaths_total"));
  assert.ok(names.has("up"));
  assert.ok(!names.has("increase") && !names.has("type") && !names.has("and"));
});

Deno.test({
  name:
    "every metric a rule uses is in the /metrics of a running sidecar or gatherer",
  ignore: !hasClickHouse(),
  async fn() {
    await using dir = await tempDir();
    await using ch = await startClickHouse();
    const d = dir.path;
    const token = `${d}/token`;
    const procs: Proc[] = [];
    try {
      const sidecar = serve([
        "sidecar",
        ...["--dir", `${d}/sidecar`, "--token-file", token, "--quiet"],
      ]);
      procs.push(sidecar);
      const sidecarUrl = await sidecar.waitFor(
        "flightlog sidecar listening on ",
      );
      const gather = serve([
        "gather",
        ...["--dir", `${d}/gathered`, "--token-file", token],
        ...["--source", sidecarUrl, "--source-token-file", token],
      ]);
      procs.push(gather);
      const gatherUrl = await gather.waitFor("flightlog gather listening on ");
      const clickhouse = serve([
        "gather",
        ...["--dir", `${d}/ch`, "--token-file", token],
        ...["--clickhouse", ch.url],
      ]);
      procs.push(clickhouse);
      const clickhouseUrl = await clickhouse.waitFor(
        "flightlog gather listening on ",
      );
      const exported = new Set([
        ...await scrape(sidecarUrl, token),
        ...await scrape(gatherUrl, token),
        ...await scrape(clickhouseUrl, token),
      ]);
      const missing = [...await ruleMetrics()].filter((n) =>
        !SYNTHETIC.has(n) && !exported.has(n)
      );
      assert.deepEqual(missing, [], "metrics the rules use but none exports");
    } finally {
      for (const p of procs.reverse()) await p.stop();
    }
  },
});

Deno.test("a gatherer's /metrics counts the new groups it opened", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  const token = `${d}/token`;
  const gather = serve(["gather", "--dir", `${d}/g`, "--token-file", token]);
  try {
    const url = await gather.waitFor("flightlog gather listening on ");
    const secret = (await Deno.readTextFile(token)).trim();
    const newGroups = async () => {
      const res = await fetch(`${url}/metrics`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      const m = /^flightlog_group_events_total\{type="new_group"\} (\d+)$/m
        .exec(await res.text());
      return Number(m?.[1]);
    };
    assert.equal(await newGroups(), 0);
    const events = sseEvents(
      await fetch(`${url}/v1/incidents/stream`, {
        headers: { authorization: `Bearer ${secret}`, "last-event-id": "0" },
      }),
    );
    try {
      const name = "incident-2026-01-01--00-00-00Z-aaaaaaa.flog.gz";
      const flog = await Deno.open(
        `${ROOT}tests/fixtures/foolscap-incident.flog`,
      );
      const push = await fetch(`${url}/v1/incidents?name=${name}`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}` },
        body: await new Response(
          flog.readable.pipeThrough(new CompressionStream("gzip")),
        ).bytes(),
      });
      assert.equal(push.status, 201, await push.text());
      await nextSse(
        events,
        "the pushed incident",
        (e) => e.event === "incident",
      );
    } finally {
      await events.cancel();
    }
    assert.equal(await newGroups(), 1);
  } finally {
    await gather.stop();
  }
});

Deno.test("a sidecar's /metrics counts an app refused for its protocol version", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  const token = `${d}/token`;
  const listener = Deno.listen({ transport: "unix", path: `${d}/app.sock` });
  const sidecar = serve([
    "sidecar",
    ...["--dir", `${d}/s`, "--token-file", token, "--quiet"],
    ...["--socket", `${d}/app.sock`],
  ]);
  try {
    const url = await sidecar.waitFor("flightlog sidecar listening on ");
    const conn = await deadline(listener.accept(), "the sidecar's connection");
    const hello = {
      t: "hello",
      v: 99,
      app: "future",
      pid: 1,
      incarnation: ["feed", null],
      versions: {},
      heartbeatMs: 1000,
      writesIncidents: false,
      time: 0,
    };
    await conn.write(new TextEncoder().encode(JSON.stringify(hello) + "\n"));
    // The sidecar hangs up on it.
    assert.equal(
      await deadline(conn.read(new Uint8Array(16)), "the hang-up"),
      null,
    );
    conn.close();
    const secret = (await Deno.readTextFile(token)).trim();
    const res = await fetch(`${url}/metrics`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.match(
      await res.text(),
      /^flightlog_app_protocol_refused_total\{[^}]*\} 1$/m,
    );
  } finally {
    listener.close();
    await sidecar.stop();
  }
});
