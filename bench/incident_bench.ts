/**
 * Writing an incident to `.flog.gz`, beside its honest floor: the same JSON
 * lines fed to one CompressionStream in 64 KiB batches, written to a file
 * and synced once (the same bytes flightlog writes, durable as flightlog's
 * are). Sizes: 10,000 and 100,000 events (plus trigger).
 */
import type { FlogEvent } from "../mod.ts";
import { eventLine, FLOG_MAGIC, headerLine } from "../lib/flogfile.ts";
import { IncidentReporter } from "../lib/reporter.ts";

const dir = await Deno.makeTempDir({ prefix: "flightlog-bench-" });
const incarnation: [string, null] = ["0123456789abcdef", null];

function events(n: number): FlogEvent[] {
  const out: FlogEvent[] = [];
  const t0 = Date.now() / 1000;
  for (let i = 0; i < n; i++) {
    out.push({
      num: i,
      time: t0 + i / 1000,
      incarnation,
      level: i % 10 === 0 ? 23 : 20,
      facility: i % 3 === 0 ? "app/db" : "app/http",
      format: "request %(id)s from %(user)s took %(ms)s ms",
      id: i,
      user: `user${i % 50}`,
      ms: (i * 7) % 300,
    });
  }
  return out;
}

let file = 0;
async function floor(history: FlogEvent[], trigger: FlogEvent) {
  const path = `${dir}/floor-${file++}.flog.gz`;
  const out = await Deno.open(path, {
    write: true,
    create: true,
    truncate: true,
  });
  const gzip = new CompressionStream("gzip");
  const piping = (async () => {
    for await (const bytes of gzip.readable) {
      for (let off = 0; off < bytes.length;) {
        off += await out.write(bytes.subarray(off));
      }
    }
    await out.sync();
    out.close();
  })();
  const writer = gzip.writable.getWriter();
  const enc = new TextEncoder();
  let batch = FLOG_MAGIC + headerLine({ type: "incident", trigger });
  const rx = Date.now() / 1000;
  for (const e of history) {
    batch += eventLine(e, { from: "local", rxTime: rx });
    if (batch.length >= 65536) {
      await writer.write(enc.encode(batch));
      batch = "";
    }
  }
  batch += eventLine(trigger, { from: "local", rxTime: rx });
  await writer.write(enc.encode(batch));
  await writer.close();
  await piping;
  await Deno.remove(path);
}

async function flightlog(history: FlogEvent[], trigger: FlogEvent) {
  const reporter = new IncidentReporter({
    dir,
    header: { type: "incident", trigger },
    history,
    from: "local",
    trailingEvents: 0,
    trailingMs: 5000,
  });
  const info = await reporter.finish();
  await Deno.remove(info.path);
}

for (const n of [10_000, 100_000]) {
  const history = events(n);
  const trigger = { ...history[0], num: n, level: 30 };
  const group = `incident of ${n.toLocaleString("en")} events`;
  Deno.bench({
    name: `floor: JSON lines -> CompressionStream -> file, synced once`,
    group,
    baseline: true,
    n: n > 50_000 ? 20 : 60,
    warmup: 3,
    async fn() {
      await floor(history, trigger);
    },
  });
  Deno.bench({
    name: `flightlog: IncidentReporter -> .flog + .flog.gz`,
    group,
    n: n > 50_000 ? 20 : 60,
    warmup: 3,
    async fn() {
      await flightlog(history, trigger);
    },
  });
}

globalThis.addEventListener(
  "unload",
  () => Deno.removeSync(dir, { recursive: true }),
);
