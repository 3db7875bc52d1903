/** Small helpers shared by the tests (stand-ins for `@std/testing`). */

import { type FlogEventRecord, type FlogHeader, readFlog } from "../mod.ts";

/** A temporary folder, removed on dispose. */
export async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix: "flightlog-test-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** Every record of a flogfile: the header and the events. */
export async function readIncident(
  path: string,
): Promise<{ header: FlogHeader; events: FlogEventRecord[] }> {
  let header: FlogHeader | undefined;
  const events: FlogEventRecord[] = [];
  for await (const r of readFlog(path)) {
    if ("header" in r) header = r.header;
    else events.push(r);
  }
  if (header === undefined) throw new Error(`${path}: no header`);
  return { header, events };
}

/** The names in a folder, sorted. */
export async function ls(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

/** Runs `deno` with `args`; returns its exit code and output. */
export async function runDeno(
  args: string[],
  options: { stdin?: Uint8Array; env?: Record<string, string>; cwd?: string } =
    {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
    cwd: options.cwd,
  }).spawn();
  if (options.stdin) {
    const w = child.stdin.getWriter();
    await w.write(options.stdin);
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

/** Whether foolscap's `flogtool` is installed (interop tests need it). */
export function hasFlogtool(): boolean {
  try {
    return Deno.statSync("/usr/bin/flogtool").isFile;
  } catch {
    return false;
  }
}

/** The repository's root folder. */
export const ROOT = new URL("..", import.meta.url).pathname;

/** The foolscap-written incident in `../shared/fixtures`, or its copy here. */
export const FIXTURE = new URL(
  "./fixtures/foolscap-incident.flog",
  import.meta.url,
).pathname;
