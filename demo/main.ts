/**
 * `deno task demo`: the main job, end to end. It starts
 *
 * 1. a peer sidecar (B), standing for a central collector;
 * 2. a sidecar (A) next to the app, pushing its incidents to B;
 * 3. the sample shop app, publishing its events on a Unix socket.
 *
 * The app hits a failure (an incident written by A), then the demo kills it
 * with SIGKILL (a crash incident). It prints both incidents, the URLs to
 * list, fetch and subscribe, the dump of one, and the web viewer's login
 * links for A and B. On a terminal the sidecars then run until Ctrl-C;
 * otherwise everything stops. Files stay in ./demo-output/ to look at.
 *
 * @module
 */

import { dumpLines, readFlog } from "../mod.ts";
import { LineSplitter } from "../lib/lines.ts";

const root = new URL("..", import.meta.url).pathname;
const out = Deno.args[0] ?? "./demo-output";
await Deno.mkdir(out, { recursive: true });
const socket = `${await Deno.realPath(out)}/shop.sock`;
const LIMIT_MS = 60_000;

/** A child process with its stdout read line by line. */
class Child {
  readonly proc: Deno.ChildProcess;
  readonly #lines: string[] = [];
  readonly #reader: ReadableStreamDefaultReader<string>;
  readonly #splitter = new LineSplitter();
  constructor(readonly name: string, args: string[]) {
    this.proc = new Deno.Command(Deno.execPath(), {
      args,
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#reader = this.proc.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
  }
  async line(prefix: string): Promise<string> {
    for (;;) {
      const i = this.#lines.findIndex((l) => l.startsWith(prefix));
      if (i >= 0) {
        return this.#lines.splice(0, i + 1).at(-1)!.slice(prefix.length);
      }
      const { done, value } = await this.#reader.read();
      if (done) throw new Error(`${this.name} ended before saying "${prefix}"`);
      this.#lines.push(...this.#splitter.push(value));
    }
  }
  async stop(signal: Deno.Signal) {
    try {
      this.proc.kill(signal);
    } catch { /* gone */ }
    await this.proc.status;
    await this.#reader.cancel().catch(() => {});
  }
}

const sidecarArgs = (dir: string, ...more: string[]) => [
  "run",
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-sys=hostname",
  `${root}sidecar/main.ts`,
  "--dir",
  dir,
  "--listen",
  "127.0.0.1:0",
  ...more,
];

async function incidentStream(url: string, token: string) {
  const res = await fetch(`${url}/v1/incidents/stream`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    async next(): Promise<
      { name: string; summary: string; events: number; bytes: number }
    > {
      for (;;) {
        const m = /(?:^|\n)data: (.*)\n/.exec(buffer);
        if (m) {
          buffer = buffer.slice(m.index + m[0].length);
          return JSON.parse(m[1]);
        }
        const { done, value } = await reader.read();
        if (done) throw new Error("incident stream ended");
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

/** Resolves at the first SIGINT (Ctrl-C). */
function interrupted(): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  const on = () => {
    Deno.removeSignalListener("SIGINT", on);
    resolve();
  };
  Deno.addSignalListener("SIGINT", on);
  return promise;
}

const children: Child[] = [];
const timer = setTimeout(() => {
  console.error(`demo: not done after ${LIMIT_MS / 1000} s, giving up`);
  for (const c of children) c.proc.kill("SIGKILL");
  Deno.exit(1);
}, LIMIT_MS);

try {
  console.log("flightlog demo: a shop app, its sidecar, and a peer sidecar\n");
  const peer = new Child("peer sidecar", sidecarArgs(`${out}/peer`));
  children.push(peer);
  const peerUrl = await peer.line("flightlog sidecar listening on ");
  const peerTokenFile = await peer.line("token file: ");
  const peerToken = (await Deno.readTextFile(peerTokenFile)).trim();

  const sidecar = new Child(
    "sidecar",
    sidecarArgs(
      `${out}/incidents`,
      "--socket",
      socket,
      "--peer",
      peerUrl,
      "--peer-token-file",
      peerTokenFile,
      "--trailing-ms",
      "1000",
      "--isolate-by",
      "requestId", // the failed order's incident: its own events only
    ),
  );
  children.push(sidecar);
  const url = await sidecar.line("flightlog sidecar listening on ");
  const tokenFile = await sidecar.line("token file: ");
  const token = (await Deno.readTextFile(tokenFile)).trim();
  console.log(
    `sidecar A:  ${url}  (store ${out}/incidents, token in ${tokenFile})`,
  );
  console.log(`sidecar B:  ${peerUrl}  (peer: A pushes every incident here)`);

  const fromA = await incidentStream(url, token);
  const atB = await incidentStream(peerUrl, peerToken);
  const app = new Child("shop", [
    "run",
    "-A",
    `${root}demo/shop_app.ts`,
    "--socket",
    socket,
  ]);
  children.push(app);
  await app.line("shop: failure logged");
  console.log(`shop app:   pid ${app.proc.pid}, publishing on ${socket}\n`);

  const failure = await fromA.next();
  console.log(`1. the payment failure -> incident ${failure.name}`);
  console.log(
    `   "${failure.summary}", ${failure.events} events, ${failure.bytes} bytes`,
  );
  await app.stop("SIGKILL");
  const crash = await fromA.next();
  console.log(`2. kill -9 of the app   -> incident ${crash.name}`);
  console.log(`   "${crash.summary}", ${crash.events} events\n`);
  const delivered = [(await atB.next()).name, (await atB.next()).name];
  console.log(`both delivered to peer B: ${delivered.sort().join(", ")}\n`);
  await fromA.cancel();
  await atB.cancel();

  console.log("Look at them over HTTP (token in the file):");
  const auth = `-H "Authorization: Bearer $(cat ${tokenFile})"`;
  console.log(`  curl ${auth} ${url}/v1/incidents`);
  console.log(
    `  curl ${auth} ${url}/v1/incidents/${failure.name} | zcat | head`,
  );
  console.log(
    `  curl ${auth} '${url}/v1/incidents/${failure.name}?format=json'`,
  );
  console.log(
    `  curl -N ${auth} ${url}/v1/incidents/stream      # push, one event per new incident`,
  );
  console.log(`  curl -N ${auth} '${url}/v1/events/stream?level=UNUSUAL'`);
  console.log(`  curl ${url}/healthz; curl ${auth} ${url}/metrics`);
  console.log(
    "(on a terminal the sidecars run until Ctrl-C; otherwise they stop when the demo ends)\n",
  );

  const path = `${out}/incidents/${failure.name}`;
  console.log(`--- deno task dump ${path} (last 14 lines)`);
  const lines = await Array.fromAsync(dumpLines(readFlog(path)));
  console.log(lines.slice(-14).join("\n"));
  console.log(`\n--- and the end of the crash incident:`);
  const crashLines = await Array.fromAsync(
    dumpLines(readFlog(`${out}/incidents/${crash.name}`)),
  );
  console.log(crashLines.slice(-3).join("\n"));

  console.log(
    `\nIncidents are in ${out}/incidents/ (and the peer's copies in ${out}/peer/).`,
  );
  // On a terminal someone can follow the links and commands above; in CI or
  // a pipe nobody can, and the demo must end by itself.
  const interactive = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
  if (interactive) clearTimeout(timer);
  console.log("\nThe web viewer: open a link once, it logs you in:");
  console.log(`  sidecar A: ${url}/?token=${token}`);
  console.log(`  peer B:    ${peerUrl}/?token=${peerToken}`);
  if (interactive) {
    console.log("\nThe sidecars keep running; Ctrl-C stops them.");
    await interrupted();
  }
  await sidecar.stop("SIGTERM");
  await peer.stop("SIGTERM");
} finally {
  clearTimeout(timer);
  for (const c of children) await c.stop("SIGKILL");
}
