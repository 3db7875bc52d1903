/**
 * `deno task compile`: builds the `flightlog` binary (every subcommand) with
 * `deno compile` from the one-file bundle of `tools/bundle.ts` (which holds
 * the viewer's assets and the rule worker), with the narrowest permissions
 * that work: read and write (incident folders, the app socket), net (the
 * HTTP API and peers), and the host name for incident headers.
 *
 * `deno compile` needs the `denort` runtime for the target; it downloads it
 * unless `DENORT_BIN` names a local copy (honoured by Deno itself).
 *
 * Usage: deno task compile [OUTPUT]   (default dist/flightlog)
 *
 * @module
 */

import { bundle } from "./bundle.ts";

/** The permissions baked into the binary (and documented for the bundle). */
export const COMPILE_PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-sys=hostname",
  // The .ts rules' worker may read its rules folder and nothing else.
  "--unstable-worker-options",
];

/** Compiles the binary to `output`; returns deno compile's exit code and output. */
export async function compile(
  output = "dist/flightlog",
): Promise<{ code: number; output: string }> {
  const root = new URL("..", import.meta.url).pathname;
  const tmp = await Deno.makeTempDir({ prefix: "flightlog-compile-" });
  try {
    const js = await bundle(`${tmp}/flightlog.js`);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "compile",
        ...COMPILE_PERMISSIONS,
        "--no-check",
        "--no-config",
        "--output",
        new URL(output, `file://${root}`).pathname,
        js,
      ],
      cwd: tmp,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return { code, output: dec.decode(stdout) + dec.decode(stderr) };
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

if (import.meta.main) {
  const { code, output } = await compile(Deno.args[0]);
  console.log(output.trim());
  if (code !== 0 && !Deno.env.get("DENORT_BIN")) {
    console.error(
      "\ndeno compile failed; if it could not download the denort runtime, set DENORT_BIN to a local denort binary",
    );
  }
  Deno.exit(code);
}
