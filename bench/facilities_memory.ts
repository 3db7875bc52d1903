/**
 * Peak RSS of a sidecar fed 300,000 events, each on a facility of its own
 * (`req/0`, `req/1`...), beside its floor: the same events on one facility.
 * The ratio is what facilities cost beyond their events.
 *
 * ```sh
 * deno run -A bench/facilities_memory.ts                    # this checkout
 * deno run -A bench/facilities_memory.ts --baseline DIR     # and another one, side by side
 * ```
 *
 * `DIR` is another checkout (say `git archive main | tar -x -C DIR`); each
 * case runs in a fresh sidecar process, alternating the checkouts.
 */
import { parseArgs } from "node:util";

const EVENTS = 300_000;
const BATCH = 1000;
const enc = new TextEncoder();

const { values } = parseArgs({
  args: Deno.args,
  options: {
    baseline: { type: "string" },
    runs: { type: "string", default: "2" },
  },
});
const here = new URL("..", import.meta.url).pathname;

function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** The sidecar's entry in `root` (it moved to `cli/` at some point). */
function sidecarEntry(root: string): string {
  for (const p of ["cli/sidecar.ts", "sidecar/main.ts"]) {
    try {
      const text = Deno.readTextFileSync(`${root}/${p}`);
      if (text.includes("import.meta.main")) return `${root}/${p}`;
    } catch { /* next */ }
  }
  throw new Error(`${root}: no sidecar entry`);
}

/** Reads the child's stdout until a line starts with `prefix`. */
async function waitFor(
  reader: ReadableStreamDefaultReader<string>,
  prefix: string,
): Promise<string> {
  let text = "";
  const stop = Date.now() + 60_000;
  while (Date.now() < stop) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    const line = text.split("\n").find((l) => l.startsWith(prefix));
    if (line !== undefined) return line.slice(prefix.length).trim();
  }
  throw new Error(`no "${prefix}" from the sidecar: ${text}`);
}

/** Peak RSS (MiB) of one sidecar of `root` fed the events. */
async function peakRss(root: string, distinct: boolean): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "flightlog-bench-" });
  const socket = `${dir}/app.sock`;
  const listener = Deno.listen({ transport: "unix", path: socket });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      sidecarEntry(root),
      "--dir",
      `${dir}/store`,
      "--socket",
      socket,
      "--listen",
      "127.0.0.1:0",
      "--trailing-ms",
      "0",
      "--quiet",
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const url = await waitFor(reader, "flightlog sidecar listening on ");
    const conn = await listener.accept();
    const write = async (bytes: Uint8Array) => {
      let off = 0;
      while (off < bytes.length) off += await conn.write(bytes.subarray(off));
    };
    const incarnation = ["bench", null];
    await write(enc.encode(
      JSON.stringify({
        t: "hello",
        v: 1,
        app: "bench",
        pid: 1,
        incarnation,
        heartbeatMs: 60_000,
      }) + "\n",
    ));
    let peak = 0;
    let num = 0;
    for (let b = 0; b < EVENTS / BATCH; b++) {
      const events = [];
      for (let i = 0; i < BATCH; i++, num++) {
        events.push({
          num,
          time: Date.now() / 1000,
          incarnation,
          level: 20,
          facility: distinct ? `req/${num}` : "req",
          message: "m",
        });
      }
      await write(enc.encode(JSON.stringify({ t: "events", events }) + "\n"));
      if (b % 10 === 0) peak = Math.max(peak, rssMiB(child.pid));
    }
    // Wait until the sidecar has read everything: its received count.
    const token = (await Deno.readTextFile(`${dir}/store/token`)).trim();
    const stop = Date.now() + 120_000;
    while (Date.now() < stop) {
      peak = Math.max(peak, rssMiB(child.pid));
      const res = await fetch(`${url}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await res.text();
      const m = /^flightlog_events_received_total(?:\{[^}]*\})? (\d+)/m
        .exec(text);
      if (Number(m?.[1]) >= EVENTS) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    peak = Math.max(peak, rssMiB(child.pid));
    conn.close();
    return peak;
  } finally {
    listener.close();
    child.kill("SIGTERM");
    await child.status;
    await reader.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
}

const roots: [string, string][] = [["this checkout", here]];
if (values.baseline !== undefined) roots.unshift(["baseline", values.baseline]);
const runs = Number(values.runs);
const results = new Map<string, number[]>();
for (let r = 0; r < runs; r++) {
  for (const [name, root] of roots) {
    for (const distinct of [false, true]) {
      const key = `${name}|${distinct}`;
      const peak = await peakRss(root, distinct);
      results.set(key, [...(results.get(key) ?? []), peak]);
    }
  }
}

const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join("–");
console.log(
  `\nsidecar peak RSS, ${
    EVENTS.toLocaleString("en")
  } events (MiB, ${runs} runs)`,
);
for (const [name] of roots) {
  const one = results.get(`${name}|false`)!;
  const many = results.get(`${name}|true`)!;
  const ratio = Math.min(...many) / Math.min(...one);
  console.log(
    `${name.padEnd(14)} one facility ${fmt(one).padStart(9)}   ` +
      `distinct facilities ${fmt(many).padStart(9)}   ${
        ratio.toFixed(2)
      }x the floor`,
  );
}
