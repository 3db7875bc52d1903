/** Small helpers shared by the tests (stand-ins for `@std/testing`). */

import { type FlogEventRecord, type FlogHeader, readFlog } from "../mod.ts";
import { LineSplitter } from "../lib/lines.ts";

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

/**
 * The file operations `fn` makes, in order: `rename TO` and `sync PATH` (a
 * file's or a folder's, by the path it was opened with).
 */
export async function fileOps(fn: () => Promise<unknown>): Promise<string[]> {
  const ops: string[] = [];
  const paths = new WeakMap<Deno.FsFile, string>();
  const { open, rename } = Deno;
  const sync = Deno.FsFile.prototype.sync;
  Deno.open = async (path, options) => {
    const f = await open(path, options);
    paths.set(f, String(path));
    return f;
  };
  Deno.rename = async (from, to) => {
    await rename(from, to);
    ops.push(`rename ${to}`);
  };
  Deno.FsFile.prototype.sync = function (this: Deno.FsFile) {
    ops.push(`sync ${paths.get(this)}`);
    return sync.call(this);
  };
  try {
    await fn();
  } finally {
    Object.assign(Deno, { open, rename });
    Deno.FsFile.prototype.sync = sync;
  }
  return ops;
}

/** A loopback port nothing listens on (free when this returns). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
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

/** `promise`, or a rejection naming `what` after `ms` (tests never hang). */
export async function deadline<T>(
  promise: Promise<T>,
  what: string,
  ms = 15_000,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${ms} ms: ${what}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** One server-sent event. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Reads server-sent events from a fetch response. */
export function sseEvents(
  res: Response,
): AsyncGenerator<SseEvent> & { cancel(): Promise<void> } {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const gen = (async function* () {
    for (;;) {
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const e: SseEvent = { event: "message", data: "" };
        let any = false;
        for (const line of block.split("\n")) {
          const m = /^([a-z]+): ?(.*)$/i.exec(line);
          if (m === null) continue;
          any = true;
          if (m[1] === "id") e.id = m[2];
          else if (m[1] === "event") e.event = m[2];
          else if (m[1] === "data") e.data += m[2];
        }
        if (any && e.data !== "") yield e;
      }
      const { done, value } = await reader.read();
      if (done) return;
      buffer += value;
    }
  })();
  return Object.assign(gen, { cancel: () => reader.cancel() });
}

/** Pulls SSE events until one matches, within `ms`. */
export async function nextSse(
  events: AsyncGenerator<SseEvent>,
  what: string,
  match: (e: SseEvent) => boolean = () => true,
  ms = 20_000,
): Promise<SseEvent> {
  return await deadline(
    (async () => {
      for (let i = 0; i < 100_000; i++) {
        const r = await events.next();
        if (r.done) throw new Error(`stream ended waiting for ${what}`);
        if (match(r.value)) return r.value;
      }
      throw new Error(`no ${what}`);
    })(),
    what,
    ms,
  );
}

/** A subprocess whose stdout is read line by line. */
export class Proc {
  readonly child: Deno.ChildProcess;
  readonly #reader: ReadableStreamDefaultReader<string>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  readonly #splitter = new LineSplitter();
  #lines: string[] = [];
  readonly output: string[] = [];

  constructor(args: string[], stdin = false, cwd?: string) {
    this.child = new Deno.Command(Deno.execPath(), {
      args,
      cwd,
      stdin: stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "inherit",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.#reader = this.child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    this.#stdin = stdin ? this.child.stdin.getWriter() : undefined;
  }

  /** The rest of the first line that starts with `prefix`. */
  async waitFor(prefix: string, ms = 60_000): Promise<string> {
    return await deadline(
      (async () => {
        for (;;) {
          const i = this.#lines.findIndex((l) => l.startsWith(prefix));
          if (i >= 0) {
            const line = this.#lines[i];
            this.#lines = this.#lines.slice(i + 1);
            return line.slice(prefix.length);
          }
          const { done, value } = await this.#reader.read();
          if (done) {
            throw new Error(
              `process ended before printing "${prefix}"; it printed:\n${
                this.output.join("\n")
              }`,
            );
          }
          const lines = this.#splitter.push(value);
          this.output.push(...lines);
          this.#lines.push(...lines);
        }
      })(),
      `"${prefix}" from ${Deno.inspect(this.child.pid)}`,
      ms,
    );
  }

  /** Sends a command line and waits for its `OK` (test apps). */
  async command(line: string): Promise<void> {
    await this.#stdin!.write(new TextEncoder().encode(line + "\n"));
    await this.waitFor(`OK ${line}`);
  }

  /** Sends `signal` and waits for the exit; returns the status. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch { /* already gone */ }
    const status = await deadline(this.child.status, `exit after ${signal}`);
    await this.#reader.cancel().catch(() => {});
    await this.#stdin?.close().catch(() => {});
    return status;
  }
}
