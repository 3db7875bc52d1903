/**
 * `flightlog web FILE|DIR...`: the web viewer for incident files on disk,
 * with no sidecar to run (foolscap's `flogtool web-viewer`). The files are
 * copied into a temporary store, served until Ctrl-C, and left unchanged.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { randomHex } from "../lib/_random.ts";
import { incidentBaseName } from "../lib/_incident_name.ts";
import { summarizeIncident } from "../lib/incidents.ts";
import { STORED_NAME } from "../store/store.ts";
import { parseListen } from "./_config_fields.ts";
import { flagProblem } from "./_did_you_mean.ts";
import { startupProblem } from "./_startup.ts";
import { Sidecar } from "../sidecar/sidecar.ts";
import { traceUrlOf } from "./_otlp_flags.ts";

/** The usage text of `flightlog web`. */
export const WEB_USAGE = `Usage: flightlog web [--listen HOST:PORT] FILE|DIR...

Serves the web viewer for incident files (.flog, .flog.gz, foolscap's .flog;
a folder: every such file in it) and prints its URL with a login link.

  --listen HOST:PORT   address (default 127.0.0.1:0, a free port)
  --trace-url TEMPLATE link trace ids to a URL with {trace_id} in it
  -h, --help           show this help
`;

/** The incident files named by `paths` (folders are read, one level). */
async function incidentFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if (!(await Deno.stat(path)).isDirectory) {
      files.push(path);
      continue;
    }
    const names = (await Array.fromAsync(Deno.readDir(path)))
      .filter((e) => e.isFile && /\.flog(\.gz)?$/.test(e.name))
      .map((e) => e.name)
      .sort();
    files.push(...names.map((n) => `${path.replace(/\/$/, "")}/${n}`));
  }
  return files;
}

/** The file's bytes gzipped (as they are when they already are). */
async function gzipped(path: string): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = await Deno.readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return bytes;
  return await new Response(
    new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")),
  ).bytes();
}

/**
 * Runs `flightlog web ARGS` until SIGINT or SIGTERM; returns the exit code:
 * 0, 1 when no file could be read, 2 for bad usage.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { web } from "@flightlog/flightlog/cli";
 * assert.equal(await web(["--help"]), 0);
 * ```
 */
export async function web(args: string[]): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        listen: { type: "string", default: "127.0.0.1:0" },
        "trace-url": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
    if (values.help) {
      console.log(WEB_USAGE);
      return 0;
    }
    if (positionals.length === 0) throw new TypeError("expected FILE or DIR");
    parseListen("--listen", values.listen);
    traceUrlOf("--trace-url", values["trace-url"]);
  } catch (e) {
    const problem = flagProblem((e as Error).message, WEB_USAGE);
    console.error(`flightlog web: ${problem}\n\n${WEB_USAGE}`);
    return 2;
  }
  let files: string[];
  try {
    files = await incidentFiles(positionals);
  } catch (e) {
    console.error(`flightlog web: ${(e as Error).message}`);
    return 1;
  }
  const dir = await Deno.makeTempDir({ prefix: "flightlog-web-" });
  const token = randomHex(32);
  let sidecar: Sidecar | undefined;
  const listen = parseListen("--listen", values.listen);
  try {
    try {
      sidecar = await Sidecar.start({
        dir,
        listen,
        token,
        traceUrl: values["trace-url"],
      });
    } catch (e) {
      console.error(startupProblem("web", e, listen, 0));
      return 1;
    }
    const shown: [string, string][] = [];
    for (const file of files) {
      try {
        const base = file.slice(file.lastIndexOf("/") + 1);
        const name = [base, `${base}.gz`].find((n) => STORED_NAME.test(n)) ??
          `${
            incidentBaseName(new Date((await summarizeIncident(file)).time))
          }.flog.gz`;
        await sidecar.store.import(name, await gzipped(file), {
          origin: "local",
        });
        shown.push([file, name]);
      } catch (e) {
        console.error(`flightlog web: ${file}: ${(e as Error).message}`);
      }
    }
    if (shown.length === 0) {
      console.error("flightlog web: no incident to show");
      return 1;
    }
    const url = sidecar.url;
    console.log(`flightlog web: ${url}/?token=${token}`);
    for (const [file, name] of shown) {
      console.log(`  ${file}: ${url}/incidents/${name}`);
    }
    const stopped = Promise.withResolvers<void>();
    const stop = () => stopped.resolve();
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(sig, stop);
    }
    await stopped.promise;
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      Deno.removeSignalListener(sig, stop);
    }
    return 0;
  } finally {
    await sidecar?.close();
    await Deno.remove(dir, { recursive: true });
  }
}
