/**
 * `deno task tests`: formatting, lint, type checks, the JSDoc lint of the
 * public API, and the test suite
 * (doc tests and README included), ending with one
 * `N passed, N failed, N skipped` line that counts each check as a test.
 * Arguments, if any, replace the test paths (`deno task tests tests/x.ts`).
 *
 * @module
 */

const deno = Deno.execPath();
const exists = (p: string) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
};
const SOURCES = [
  "mod.ts",
  "lib/",
  "cli/",
  "sidecar/",
  "store/",
  "http/",
  "gather/",
  "ui/",
  "tests/",
  "demo/",
  "tools/",
]
  .filter(exists);
const TESTED = [
  "mod.ts",
  "lib/",
  "cli/",
  "sidecar/",
  "store/",
  "http/",
  "gather/",
  "tests/",
  "README.md",
  "docs/",
]
  .filter(exists);

/** Runs deno with `args`, echoing its output; returns it and whether it passed. */
async function run(name: string, args: string[]) {
  console.log(`\n=== ${name}: deno ${args.join(" ")}`);
  const child = new Deno.Command(deno, {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const decoder = new TextDecoder();
  let out = "";
  const pump = async (
    from: ReadableStream<Uint8Array>,
    to: typeof Deno.stdout,
  ) => {
    for await (const chunk of from) {
      out += decoder.decode(chunk, { stream: true });
      await to.write(chunk);
    }
  };
  await Promise.all([
    pump(child.stdout, Deno.stdout),
    pump(child.stderr, Deno.stderr),
  ]);
  return { out, ok: (await child.status).success };
}

let passed = 0;
let failed = 0;
let skipped = 0;
const failures: string[] = [];
for (
  const [name, args] of [
    ["fmt", ["fmt", "--check"]],
    ["lint", ["lint"]],
    ["check", ["check", ...SOURCES]],
    [
      "doc",
      [
        "doc",
        "--lint",
        "mod.ts",
        "sidecar/mod.ts",
        "gather/mod.ts",
        "store/mod.ts",
        "cli/flightlog.ts",
      ],
    ],
  ] as const
) {
  if ((await run(name, [...args])).ok) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

const junit = await Deno.makeTempFile({ suffix: ".xml" });
const tests = await run("test", [
  "test",
  "-A",
  "--doc",
  "--parallel",
  `--junit-path=${junit}`,
  ...(Deno.args.length > 0 ? Deno.args : TESTED),
]);
printPerModule(await Deno.readTextFile(junit).catch(() => ""));
await Deno.remove(junit).catch(() => {});

/** Prints a table of tests per test file (doc tests grouped by source). */
function printPerModule(xml: string): void {
  const rows = new Map<
    string,
    { passed: number; failed: number; skipped: number }
  >();
  for (
    const m of xml.matchAll(
      /<testsuite name="([^"]*)" tests="(\d+)" disabled="(\d+)" errors="(\d+)" failures="(\d+)"/g,
    )
  ) {
    const [, name, total, disabled, errors, failures] = m;
    // Doc tests are named "./lib/x.ts#12-20.ts": count them under their file.
    const file = name.replace(/^\.\//, "").replace(/\$[\d-]+\.ts$/, "").replace(
      /#.*$/,
      "",
    ) + (name.includes("#") ? " (doc)" : "");
    const row = rows.get(file) ?? { passed: 0, failed: 0, skipped: 0 };
    const bad = Number(errors) + Number(failures);
    row.failed += bad;
    row.skipped += Number(disabled);
    row.passed += Number(total) - bad - Number(disabled);
    rows.set(file, row);
  }
  if (rows.size === 0) return;
  console.log("\n=== tests per module");
  const width = Math.max(...[...rows.keys()].map((k) => k.length));
  for (const [file, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(
      `${file.padEnd(width)}  ${
        String(r.passed).padStart(3)
      } passed  ${r.failed} failed${r.skipped ? `  ${r.skipped} skipped` : ""}`,
    );
  }
}
const summary = [
  ...tests.out.matchAll(
    /(?:ok|FAILED) \| (\d+) passed.*?\| (\d+) failed(?: \| (\d+) ignored)?/g,
  ),
].at(-1);
if (summary === undefined) {
  failed++;
  failures.push("test (no summary: the run did not finish)");
} else {
  passed += Number(summary[1]);
  failed += Number(summary[2]);
  skipped += Number(summary[3] ?? 0);
  if (Number(summary[2]) > 0) failures.push("test");
  else if (!tests.ok) {
    failed++;
    failures.push("test (exit code)");
  }
}
if (failures.length > 0) console.log(`\nfailed: ${failures.join(", ")}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
Deno.exit(failed > 0 ? 1 : 0);
