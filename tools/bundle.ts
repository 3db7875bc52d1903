/**
 * `deno task bundle`: writes `dist/flightlog.js`, one self-contained file
 * with every subcommand, the viewer's assets (embedded in `ui/_assets.ts`)
 * and the rule worker, that runs with
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-net --allow-sys=hostname --unstable-worker-options flightlog.js COMMAND
 * ```
 *
 * `deno bundle` cannot follow `new Worker(url)`, so the worker's entry
 * (`gather/_rule_worker_main.ts`) is bundled first, on its own, and an import
 * map swaps `gather/_rule_worker_url.ts` for a module whose URL is that
 * bundle as a `data:` URL. Works offline (no npm, no remote imports).
 *
 * Usage: deno task bundle [OUTPUT]   (default dist/flightlog.js)
 *
 * @module
 */

const ROOT = new URL("..", import.meta.url);

async function denoBundle(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform", "deno", "--no-check", ...args],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `deno bundle ${args.join(" ")} failed:\n${
        new TextDecoder().decode(stderr)
      }`,
    );
  }
}

function base64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/** Writes the bundle to `output` (made absolute against the repository). */
export async function bundle(output = "dist/flightlog.js"): Promise<string> {
  const out = new URL(output, ROOT).pathname;
  const tmp = await Deno.makeTempDir({ prefix: "flightlog-bundle-" });
  try {
    const worker = `${tmp}/rule_worker.js`;
    await denoBundle(["-o", worker, "gather/_rule_worker_main.ts"]);
    const url = "data:text/javascript;base64," +
      base64(await Deno.readFile(worker));
    const swapped = `${tmp}/rule_worker_url.js`;
    await Deno.writeTextFile(
      swapped,
      `export const RULE_WORKER_URL = ${JSON.stringify(url)};\n`,
    );
    const importMap = `${tmp}/import_map.json`;
    await Deno.writeTextFile(
      importMap,
      JSON.stringify({
        imports: {
          [new URL("gather/_rule_worker_url.ts", ROOT).href]:
            new URL(`file://${swapped}`).href,
        },
      }),
    );
    await Deno.mkdir(new URL(".", `file://${out}`), { recursive: true });
    await denoBundle([
      "--import-map",
      importMap,
      "-o",
      out,
      "cli/flightlog.ts",
    ]);
    const text = await Deno.readTextFile(out);
    if (!text.includes(url.slice(0, 64))) {
      throw new Error(
        `${out}: the rule worker was not swapped in (import map ignored?)`,
      );
    }
    return out;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  console.log(`wrote ${await bundle(Deno.args[0])}`);
}
