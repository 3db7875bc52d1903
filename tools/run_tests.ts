/**
 * `deno task tests`: formatting, lint, type checks and the test suite
 * (doc tests included), ending with one `N passed, N failed` line that
 * counts each check as one test.
 *
 * @module
 */

const deno = Deno.execPath();
const CHECKED = [
  "mod.ts",
  "lib/",
  "cli/",
  "sidecar/",
  "tests/",
  "demo/",
  "tools/",
]
  .filter((p) => {
    try {
      Deno.statSync(p);
      return true;
    } catch {
      return false;
    }
  });

async function run(name: string, args: string[]): Promise<string> {
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
    s: ReadableStream<Uint8Array>,
    to: typeof Deno.stdout,
  ) => {
    for await (const chunk of s) {
      out += decoder.decode(chunk, { stream: true });
      await to.write(chunk);
    }
  };
  await Promise.all([
    pump(child.stdout, Deno.stdout),
    pump(child.stderr, Deno.stderr),
  ]);
  const { success } = await child.status;
  return success ? out : `${out}\n__FAILED__`;
}

let passed = 0;
let failed = 0;
const failures: string[] = [];
for (
  const [name, args] of [
    ["fmt", ["fmt", "--check"]],
    ["lint", ["lint"]],
    ["check", ["check", ...CHECKED]],
  ] as const
) {
  const out = await run(name, [...args]);
  if (out.endsWith("__FAILED__")) {
    failed++;
    failures.push(name);
  } else passed++;
}

const extra = Deno.args;
const out = await run("test", [
  "test",
  "-A",
  "--doc",
  "--parallel",
  ...(extra.length > 0
    ? extra
    : ["mod.ts", "lib/", "cli/", "sidecar/", "tests/", "README.md"]
      .filter((p) => {
        try {
          Deno.statSync(p);
          return true;
        } catch {
          return false;
        }
      })),
]);
const summary = [
  ...out.matchAll(/(ok|FAILED) \| (\d+) passed.*?\| (\d+) failed/g),
].at(-1);
if (summary) {
  passed += Number(summary[2]);
  failed += Number(summary[3]);
  if (Number(summary[3]) > 0) failures.push("test");
} else {
  failed++;
  failures.push("test (no summary: the run did not finish)");
}
if (out.endsWith("__FAILED__") && !failures.some((f) => f.startsWith("test"))) {
  failed++;
  failures.push("test (exit code)");
}
if (failures.length > 0) console.log(`\nfailed: ${failures.join(", ")}`);
console.log(`\n${passed} passed, ${failed} failed`);
Deno.exit(failed > 0 ? 1 : 0);
