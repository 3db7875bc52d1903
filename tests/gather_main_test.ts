// `flightlog gather` arguments and config file: each error names the flag or
// the file and field; per-source tokens and per-webhook filters.
import assert from "node:assert/strict";
import { parseGatherArgs, runGather } from "../cli/gather.ts";
import { tempDir } from "./_util.ts";

Deno.test("parseGatherArgs() takes sources, rules, webhooks and spikes from flags", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/t`, "tok\n");
  await Deno.writeTextFile(`${dir.path}/s`, "sec\n");
  const o = await parseGatherArgs([
    "--dir",
    dir.path,
    "--listen",
    "127.0.0.1:0",
    "--source",
    "http://10.0.0.1:7477",
    "--source",
    "http://10.0.0.2:7477",
    "--source-token-file",
    `${dir.path}/t`,
    "--rules",
    `${dir.path}/rules`,
    "--webhook",
    "https://hooks.example/x",
    "--webhook-secret-file",
    `${dir.path}/s`,
    "--webhook-format",
    "slack",
    "--spike-count",
    "3",
    "--spike-minutes",
    "2",
  ]);
  assert.deepEqual(o.sources, [
    { url: "http://10.0.0.1:7477", token: "tok" },
    { url: "http://10.0.0.2:7477", token: "tok" },
  ]);
  assert.equal(o.webhooks?.[0].secret, "sec");
  assert.equal(o.webhooks?.[0].format, "slack");
  assert.deepEqual(o.spike, { count: 3, windowMs: 120_000 });
  assert.equal(o.listen?.port, 0);
});

Deno.test("parseGatherArgs() reads per-source tokens and per-webhook filters from --config", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.token`, "aaa");
  await Deno.writeTextFile(`${dir.path}/shared.token`, "shared");
  const config = `${dir.path}/gather.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      dir: dir.path,
      sources: [
        { url: "http://a:7477", tokenFile: `${dir.path}/a.token` },
        "http://b:7477",
      ],
      sourceTokenFile: `${dir.path}/shared.token`,
      webhooks: [{
        url: "https://hooks.example/pay",
        types: ["new_group", "regression"],
        categories: ["payments"],
        apps: ["shop"],
        minLevel: "SCARY",
      }],
      retention: { maxAgeDays: 30 },
    }),
  );
  const o = await parseGatherArgs(["--config", config]);
  assert.deepEqual(o.sources?.map((s) => s.token), ["aaa", "shared"]);
  assert.deepEqual(o.webhooks?.[0], {
    url: "https://hooks.example/pay",
    secret: undefined,
    format: undefined,
    types: ["new_group", "regression"],
    categories: ["payments"],
    apps: ["shop"],
    minLevel: 35,
  });
  assert.equal(o.retention?.maxAgeMs, 30 * 86_400_000);
});

Deno.test("parseGatherArgs() names the flag or config field that is wrong", async () => {
  await using dir = await tempDir();
  const config = (o: unknown) => {
    const path = `${dir.path}/c${crypto.randomUUID()}.json`;
    Deno.writeTextFileSync(path, JSON.stringify(o));
    return ["--config", path];
  };
  const cases: [string[], RegExp][] = [
    [[], /--dir is required/],
    [["--dir", "x", "--source", "ftp://x"], /--source: not an http\(s\) URL/],
    [
      ["--dir", "x", "--webhook-format", "xml"],
      /--webhook-format: expected json or slack/,
    ],
    [
      ["--dir", "x", "--spike-count", "many"],
      /--spike-count: expected a number >= 0/,
    ],
    [config({ dir: "x", colour: 1 }), /unknown field "colour"/],
    [
      config({ dir: "x", webhooks: [{ url: "http://h", types: ["boom"] }] }),
      /webhooks\[0\]"\.types: "boom" is not one of/,
    ],
    [
      config({ dir: "x", webhooks: [{ url: "http://h", minLevel: "LOUD" }] }),
      /webhooks\[0\]"\.minLevel: unknown level/,
    ],
    [
      config({ dir: "x", sources: [{ url: "http://a", tokenFile: "/nope" }] }),
      /sources\[0\]"\.tokenFile: cannot read \/nope/,
    ],
  ];
  for (const [args, message] of cases) {
    await assert.rejects(() => parseGatherArgs(args), message, args.join(" "));
  }
});

Deno.test("runGather() exits 2 on bad arguments, before starting anything", async () => {
  const original = console.error;
  const printed: string[] = [];
  console.error = (m: string) => printed.push(m);
  try {
    assert.equal(await runGather(["--listen", "nope"]), 2);
  } finally {
    console.error = original;
  }
  assert.match(printed.join("\n"), /Usage: flightlog gather/);
});

Deno.test("parseGatherArgs() takes ClickHouse from flags or the config file, naming bad fields", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/pw`, "secret\n");
  const o = await parseGatherArgs([
    "--dir",
    dir.path,
    "--clickhouse",
    "http://ch1:8123",
    "--clickhouse",
    "http://ch2:8123",
    "--clickhouse-cluster",
    "fleet",
    "--clickhouse-user",
    "flightlog",
    "--clickhouse-password-file",
    `${dir.path}/pw`,
  ]);
  assert.deepEqual(o.clickhouse, {
    url: "http://ch1:8123",
    nodes: ["http://ch2:8123"],
    database: undefined,
    user: "flightlog",
    password: "secret",
    cluster: "fleet",
  });
  const config = `${dir.path}/g.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      dir: dir.path,
      clickhouse: { url: "http://ch:8123", database: "fl" },
    }),
  );
  assert.equal(
    (await parseGatherArgs(["--config", config])).clickhouse?.database,
    "fl",
  );
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      dir: dir.path,
      clickhouse: { url: "http://ch:8123", database: "no-dashes" },
    }),
  );
  await assert.rejects(
    () => parseGatherArgs(["--config", config]),
    /clickhouse\.database"?: letters, digits and _ only/,
  );
  await assert.rejects(
    () => parseGatherArgs(["--dir", "x", "--clickhouse", "ch:8123"]),
    /--clickhouse: not an http\(s\) URL/,
  );
});
