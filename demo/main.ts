/**
 * `deno task demo`: the main job, end to end. It starts
 *
 * 1. a webhook receiver, standing for the team's chat, that checks each
 *    alert's signature;
 * 2. sidecar B next to the "shop-eu" app, which the gatherer pulls from;
 * 3. the gatherer, with the demo's rules (`demo/rules/`) and the webhook;
 * 4. sidecar A next to the "shop" app, pushing its incidents to the gatherer;
 * 5. the two apps, publishing their events on Unix sockets.
 *
 * Both apps hit the same payment failure (each an incident, one pulled and
 * one pushed, grouped as one problem), then the demo kills both with
 * SIGKILL (two crash incidents: a second group). It prints the incidents as
 * they reach the gatherer, the groups, the alerts received, commands to try,
 * the dump of one incident, and the web viewers' login links. On a terminal
 * everything then runs until Ctrl-C; otherwise it stops. Files stay in
 * ./demo-output/ to look at, until the next run starts afresh.
 *
 * @module
 */

import { dumpLines, readFlog } from "../mod.ts";
import { LineSplitter } from "../lib/lines.ts";
import { hmac } from "../gather/webhooks.ts";

const root = new URL("..", import.meta.url).pathname;
const out = Deno.args[0] ?? "./demo-output";
// A fresh start: what an earlier run left goes, in a folder the demo marked
// as its own (or the default one holding only what the demo makes, as older
// demos left it), never in another.
const MARK = ".flightlog-demo";
const MADE = [
  "incidents",
  "incidents-eu",
  "gathered",
  "webhook.secret",
  "shop.sock",
  "shop-eu.sock",
];
const entries = (await Array.fromAsync(Deno.readDir(out)).catch(() => []))
  .map((e) => e.name);
const ours = entries.includes(MARK) ||
  (Deno.args[0] === undefined && entries.every((name) => MADE.includes(name)));
if (entries.length > 0 && !ours) {
  console.error(
    `demo: ${out} is not a folder the demo made; give a new or empty one`,
  );
  Deno.exit(2);
}
for (const name of MADE) {
  await Deno.remove(`${out}/${name}`, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}
await Deno.mkdir(out, { recursive: true });
await Deno.writeTextFile(
  `${out}/${MARK}`,
  "made by deno task demo: emptied at each run\n",
);
const socket = `${await Deno.realPath(out)}/shop.sock`;
const socketEu = `${await Deno.realPath(out)}/shop-eu.sock`;
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

const serverArgs = (main: string, dir: string, ...more: string[]) => [
  "run",
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-sys=hostname",
  `${root}${main}`,
  "--dir",
  dir,
  "--listen",
  "127.0.0.1:0",
  ...more,
];
const sidecarArgs = (dir: string, socket: string, ...more: string[]) =>
  serverArgs(
    "cli/sidecar.ts",
    dir,
    "--socket",
    socket,
    "--trailing-ms",
    "1000",
    "--isolate-by",
    "requestId", // the failed order's incident: its own events only
    "--quiet",
    ...more,
  );

interface Listed {
  name: string;
  summary: string;
  events: number;
  bytes: number;
  app: string;
  source: string;
  category: string;
  group: string;
}

async function incidentStream(url: string, token: string) {
  const res = await fetch(`${url}/v1/incidents/stream`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    async next(): Promise<Listed> {
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
  for (const c of children) {
    try {
      c.proc.kill("SIGKILL");
    } catch { /* already exited */ }
  }
  Deno.exit(1);
}, LIMIT_MS);

/** The team's chat: takes alerts, checks their signature, prints them. */
const secret = crypto.randomUUID();
await Deno.writeTextFile(`${out}/webhook.secret`, secret);
const alerts: string[] = [];
let alerted = () => {};
const chat = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  async (req) => {
    const body = await req.text();
    const signed = req.headers.get("x-flightlog-signature") ===
      `sha256=${await hmac(secret, body)}`;
    const a = JSON.parse(body);
    alerts.push(
      `  ${a.type.padEnd(10)} "${a.group.title}" [${a.group.category}] ` +
        `(delivery ${req.headers.get("x-flightlog-delivery")}, signature ${
          signed ? "ok" : "BAD"
        })`,
    );
    alerted();
    return new Response("thanks");
  },
);

try {
  console.log(
    "flightlog demo: two shop apps, a sidecar each, and a gatherer that groups and alerts\n",
  );
  const b = new Child(
    "sidecar B",
    sidecarArgs(`${out}/incidents-eu`, socketEu),
  );
  children.push(b);
  const bUrl = await b.line("flightlog sidecar listening on ");
  const bTokenFile = await b.line("token file: ");

  const gatherer = new Child(
    "gatherer",
    serverArgs(
      "cli/gather.ts",
      `${out}/gathered`,
      "--source",
      bUrl,
      "--source-token-file",
      bTokenFile,
      "--rules",
      `${root}demo/rules`,
      "--webhook",
      `http://127.0.0.1:${chat.addr.port}/hook`,
      "--webhook-secret-file",
      `${out}/webhook.secret`,
    ),
  );
  children.push(gatherer);
  const gUrl = await gatherer.line("flightlog gather listening on ");
  const gTokenFile = await gatherer.line("token file: ");
  const gToken = (await Deno.readTextFile(gTokenFile)).trim();

  const a = new Child(
    "sidecar A",
    sidecarArgs(
      `${out}/incidents`,
      socket,
      "--peer",
      gUrl,
      "--peer-token-file",
      gTokenFile,
    ),
  );
  children.push(a);
  const aUrl = await a.line("flightlog sidecar listening on ");
  const aToken = (await Deno.readTextFile(await a.line("token file: ")))
    .trim();
  const bToken = (await Deno.readTextFile(bTokenFile)).trim();
  console.log(
    `gatherer:   ${gUrl}  (store ${out}/gathered, rules demo/rules/)`,
  );
  console.log(`sidecar A:  ${aUrl}  (app "shop"; pushes to the gatherer)`);
  console.log(`sidecar B:  ${bUrl}  (app "shop-eu"; the gatherer pulls)`);

  const atG = await incidentStream(gUrl, gToken);
  const app = (name: string, sock: string, orders: string) =>
    new Child(name, [
      "run",
      "-A",
      `${root}demo/shop_app.ts`,
      "--socket",
      sock,
      "--app",
      name,
      "--orders",
      orders,
    ]);
  const shop = app("shop", socket, "40");
  const shopEu = app("shop-eu", socketEu, "25");
  children.push(shop, shopEu);
  await shop.line("shop: failure logged");
  await shopEu.line("shop: failure logged");
  console.log(
    `apps:       shop (pid ${shop.proc.pid}), shop-eu (pid ${shopEu.proc.pid})\n`,
  );

  const show = (i: Listed) =>
    console.log(
      `   ${i.app.padEnd(8)} ${i.source === "push" ? "pushed" : "pulled"}  ` +
        `[${i.category}] group ${i.group}  "${i.summary}" (${i.events} events)`,
    );
  console.log("1. both apps' payments fail -> incidents at the gatherer:");
  const failures = [await atG.next(), await atG.next()];
  failures.forEach(show);
  await shop.stop("SIGKILL");
  await shopEu.stop("SIGKILL");
  console.log("2. kill -9 of both apps -> crash incidents:");
  const crashes = [await atG.next(), await atG.next()];
  crashes.forEach(show);
  await atG.cancel();

  const { groups } = await (await fetch(`${gUrl}/v1/groups?sort=count`, {
    headers: { authorization: `Bearer ${gToken}` },
  })).json();
  console.log("\n3. the gatherer's groups (4 incidents, 2 problems):");
  for (const g of groups) {
    console.log(
      `   ${String(g.count).padStart(3)}x  [${g.category}] ${g.title}  (${
        g.apps.join(", ")
      })`,
    );
  }
  for (let i = 0; i < 100 && alerts.length < 2; i++) {
    await new Promise<void>((r) => alerted = r);
  }
  console.log("\n4. alerts the webhook received (one per new problem):");
  console.log(alerts.join("\n"));

  const auth = `-H "Authorization: Bearer $(cat ${gTokenFile})"`;
  console.log("\nTry (the gatherer's API; sidecars answer the same):");
  console.log(`  curl ${auth} '${gUrl}/v1/groups?status=open'`);
  console.log(
    `  curl ${auth} '${gUrl}/v1/incidents?q=ETIMEDOUT'       # full-text search`,
  );
  console.log(
    `  curl ${auth} -X PATCH -d '{"status":"resolved"}' ${gUrl}/v1/groups/${
      groups[0].id
    }`,
  );
  console.log(
    `  curl -N ${auth} ${gUrl}/v1/groups/stream               # live`,
  );
  console.log(
    `  deno run -A cli/flightlog.ts groups ${gUrl} --token-file ${gTokenFile}`,
  );
  console.log(
    `  deno run -A cli/flightlog.ts incidents watch ${gUrl} --token-file ${gTokenFile}`,
  );

  const path = `${out}/gathered/${failures[0].name}`;
  console.log(`\n--- deno task dump ${path} (around the trigger)`);
  const lines = await Array.fromAsync(dumpLines(readFlog(path)));
  const at = lines.findIndex((l) => l.includes("charging order"));
  console.log(lines.slice(Math.max(0, at - 8), at + 4).join("\n"));

  // On a terminal someone can follow the links and commands above; in CI or
  // a pipe nobody can, and the demo must end by itself.
  const interactive = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
  if (interactive) clearTimeout(timer);
  console.log("\nThe web viewers: open a link once, it logs you in:");
  console.log(`  gatherer:  ${gUrl}/?token=${gToken}`);
  console.log(`  sidecar A: ${aUrl}/?token=${aToken}`);
  console.log(`  sidecar B: ${bUrl}/?token=${bToken}`);
  console.log(
    `\nFiles: ${out}/incidents/ (A), ${out}/incidents-eu/ (B), ${out}/gathered/ (the gatherer).`,
  );
  if (interactive) {
    console.log("\nEverything keeps running; Ctrl-C stops it.");
    await interrupted();
  }
  await gatherer.stop("SIGTERM");
  await a.stop("SIGTERM");
  await b.stop("SIGTERM");
} finally {
  clearTimeout(timer);
  for (const c of children) await c.stop("SIGKILL");
  await chat.shutdown();
}
