/**
 * The performance table of the README, measured side by side: each row's
 * floor and candidates run in one process, interleaved round by round (the
 * order alternating), and each ratio is the median of the rounds' own
 * ratios, so that a loaded machine slows both sides of a ratio alike. Each
 * group runs in a process of its own: one app has one configuration, and a
 * call site that sees several (redaction on and off, two clocks) would
 * measure none of them.
 *
 *     deno run -A bench/side_by_side.ts            # every group
 *     deno run -A bench/side_by_side.ts call ...   # some groups
 */
// Peers from npm, in bench/ only (the product has no npm dependency).
// deno-lint-ignore no-import-prefix
import pino from "npm:pino@9";
import { createLogger } from "../lib/create_logger.ts";
import { withContext } from "../lib/context.ts";
import type { FlogEvent } from "../lib/flog_event.ts";
import { ConsoleSink } from "../lib/console_sink.ts";
import { publish } from "../lib/publisher.ts";
import { eventLine, FLOG_MAGIC, headerLine } from "../lib/flogfile.ts";
import { IncidentReporter } from "../lib/reporter.ts";
import { fieldPreparer } from "../lib/_fields.ts";
import { redactionRules } from "../lib/redact.ts";

type Run = () => void | Promise<void>;
interface Group {
  rounds: number;
  /** The candidates, the first being what the others are compared to. */
  runs: () => Promise<Record<string, Run>>;
  /** Ratios to print: [numerator, denominator]. */
  ratios: [string, string][];
}

const CALLS = 1000;
const FIELDS = { id: 0, user: "alice" };
const incarnation: [string, null] = ["0123456789abcdef", null];

/** The floor: the flat event, built with its clock read, into a ring. */
function floor(now: () => number): Run {
  const ring: FlogEvent[] = new Array(100).fill(undefined);
  let next = 0;
  let num = 0;
  return () => {
    for (let i = 0; i < CALLS; i++) {
      const e: FlogEvent = {
        num: num++,
        time: now() / 1000,
        incarnation,
        level: 20,
        facility: "app/http",
        format: "request %(id)s from %(user)s",
      };
      e.id = FIELDS.id;
      e.user = FIELDS.user;
      ring[next] = e;
      next = next === 99 ? 0 : next + 1;
    }
  };
}

function calls(
  log: { info(t: string, f: Record<string, unknown>): unknown },
): Run {
  return () => {
    for (let i = 0; i < CALLS; i++) {
      log.info("request {id} from {user}", FIELDS);
    }
  };
}

const groups: Record<string, Group> = {
  call: {
    rounds: 400,
    runs: () =>
      Promise.resolve({
        floor: floor(Date.now),
        call: calls(createLogger({ facility: "app" }).child("http")),
      }),
    ratios: [["call", "floor"]],
  },
  "call-redact-off": {
    rounds: 400,
    runs: () =>
      Promise.resolve({
        floor: floor(Date.now),
        "call, redact: false": calls(
          createLogger({ facility: "app", redact: false }).child("http"),
        ),
      }),
    ratios: [["call, redact: false", "floor"]],
  },
  coarse: {
    rounds: 400,
    runs: () =>
      Promise.resolve({
        floor: floor(Date.now),
        'call, clock: "coarse"': calls(
          createLogger({ facility: "app", clock: "coarse" }).child("http"),
        ),
        pino: pinoCalls(),
      }),
    ratios: [['call, clock: "coarse"', "floor"], [
      "pino",
      'call, clock: "coarse"',
    ]],
  },
  "coarse-redact-off": {
    rounds: 400,
    runs: () =>
      Promise.resolve({
        floor: floor(Date.now),
        'call, clock: "coarse", redact: false': calls(
          createLogger({ facility: "app", clock: "coarse", redact: false })
            .child("http"),
        ),
      }),
    ratios: [['call, clock: "coarse", redact: false', "floor"]],
  },
  // Where the call's time goes, each part in a process of its own beside
  // the floor: the event built as the logger builds it (its fields first,
  // for the key order files keep), then with its fields prepared (the walk
  // that redacts, renames and converts errors), redaction on and off.
  "part-event": part("event, fields spread first", () => (f) => f),
  "part-prepared": part(
    "event + fields prepared, redaction on",
    () => {
      const prepare = fieldPreparer(redactionRules());
      return (f) => prepare.fields(f);
    },
  ),
  "part-prepared-shape": part(
    "event + fields prepared, redaction on, as a call site does",
    () => {
      const prepare = fieldPreparer(redactionRules());
      const shape = prepare.shape("request {id} from {user}");
      return (f) => prepare.fields(f, shape);
    },
  ),
  "part-prepared-off": part(
    "event + fields prepared, redaction off",
    () => {
      const prepare = fieldPreparer(undefined);
      return (f) => prepare.fields(f);
    },
  ),
  context: {
    rounds: 400,
    runs: () => {
      const plain = createLogger({ facility: "app" }).child("http");
      const bound = createLogger({ facility: "app" }).child("http").with({
        service: "shop",
        region: "eu",
      });
      const ctx = createLogger({ facility: "app" }).child("http");
      const iso = createLogger({ facility: "app", isolateBy: "requestId" })
        .child("http");
      let request = 0;
      return Promise.resolve({
        call: calls(plain),
        "log.with": calls(bound),
        withContext: () =>
          withContext({ requestId: `r${request++}` }, calls(ctx)),
        isolateBy: () =>
          withContext({ requestId: `r${request++}` }, calls(iso)),
      });
    },
    ratios: [["log.with", "call"], ["withContext", "call"], [
      "isolateBy",
      "call",
    ]],
  },
  publish: {
    rounds: 200,
    runs: async () => {
      const dir = await Deno.makeTempDir({ prefix: "flightlog-bench-" });
      const out: Record<string, Run> = {
        call: calls(createLogger({ facility: "app" }).child("http")),
      };
      for (const v of [1, 2]) {
        const log = createLogger({ facility: "app" }).child("http");
        const publisher = await publish(log, {
          socketPath: `${dir}/v${v}.sock`,
          queueLimit: 100_000,
        });
        // The reader is another process, as a sidecar is: the app's cost
        // is measured, not the reader's.
        drain(publisher.socketPath, v);
        await publisher.connected();
        out[`published v${v}, until written`] = async () => {
          calls(log)();
          await publisher.flush(5000);
        };
      }
      return out;
    },
    ratios: [["published v1, until written", "call"], [
      "published v2, until written",
      "call",
    ]],
  },
  console: {
    rounds: 200,
    runs: () => {
      const log = createLogger({ facility: "app", console: false });
      const sink = new ConsoleSink({ format: "json" }, {
        write: (bytes) => Promise.resolve(bytes.length),
        isTerminal: () => false,
      });
      log.onEvent((e) => sink.offer(e));
      const p = pinoLogger();
      const fields = { method: "GET", path: "/cart/17", status: 200, ms: 12.5 };
      const quiet = createLogger({ facility: "app", console: false });
      return Promise.resolve({
        "console json": async () => {
          for (let i = 0; i < CALLS; i++) log.info("{method} {path}", fields);
          await sink.flush();
        },
        "the calls alone (no console)": () => {
          for (let i = 0; i < CALLS; i++) quiet.info("{method} {path}", fields);
        },
        "pino json": () => {
          for (let i = 0; i < CALLS; i++) p.info(fields, "GET /cart/17");
        },
      });
    },
    ratios: [["console json", "pino json"], [
      "the calls alone (no console)",
      "pino json",
    ]],
  },
  incident: {
    rounds: 16,
    runs: async () => {
      const dir = await Deno.makeTempDir({ prefix: "flightlog-bench-" });
      const n = 100_000;
      const history = incidentEvents(n);
      const trigger = { ...history[0], num: n, level: 30 };
      let file = 0;
      const plainBytes = plainChunks(history, trigger);
      return {
        "floor: same bytes, synced once": async () => {
          const path = `${dir}/floor-${file++}.flog.gz`;
          await honestFloor(path, history, trigger);
          await Deno.remove(path);
        },
        // What flightlog adds for crash safety: the plain copy, written
        // before the log call returns and removed once the gzip is in
        // place (the same bytes, encoded beforehand: this is the I/O alone).
        "the plain copy alone, written and removed": async () => {
          const plain = `${dir}/plain-${file++}.flog`;
          const f = Deno.openSync(plain, { write: true, createNew: true });
          for (const bytes of plainBytes) writeSync(f, bytes);
          f.close();
          await Deno.remove(plain);
        },
        "incident of 100k events": async () => {
          const info = await new IncidentReporter({
            dir,
            header: { type: "incident", trigger },
            history,
            from: "local",
            trailingEvents: 0,
            trailingMs: 5000,
          }).finish();
          await Deno.remove(info.path);
        },
      };
    },
    ratios: [
      ["incident of 100k events", "floor: same bytes, synced once"],
      [
        "the plain copy alone, written and removed",
        "floor: same bytes, synced once",
      ],
    ],
  },
};

/** pino's calls, as the other benches make them. */
function pinoCalls(): Run {
  const p = pinoLogger();
  return () => {
    for (let i = 0; i < CALLS; i++) p.info(FIELDS, "request");
  };
}

/** A reader in a process of its own that reads and drops everything. */
function drain(path: string, version: number): void {
  const code = `
    const conn = await Deno.connect({ transport: "unix", path: ${
    JSON.stringify(path)
  } });
    if (${version} === 2) await conn.write(new TextEncoder().encode('{"t":"pick","v":2}\\n'));
    const buffer = new Uint8Array(1 << 16);
    while (await conn.read(buffer) !== null) {}`;
  new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "null",
    stderr: "inherit",
  }).spawn().unref();
}

/** A group: the floor beside the event built from `prepare(FIELDS)`. */
function part(
  name: string,
  make: () => (f: Record<string, unknown>) => Record<string, unknown>,
): Group {
  return {
    rounds: 400,
    runs: () => {
      const prepare = make();
      const ring: FlogEvent[] = new Array(100).fill(undefined);
      let next = 0;
      let num = 0;
      return Promise.resolve({
        floor: floor(Date.now),
        [name]: () => {
          for (let i = 0; i < CALLS; i++) {
            ring[next] = {
              ...prepare(FIELDS),
              num: num++,
              time: Date.now() / 1000,
              incarnation,
              level: 20,
              facility: "app/http",
              format: "request %(id)s from %(user)s",
            } as FlogEvent;
            next = next === 99 ? 0 : next + 1;
          }
        },
      });
    },
    ratios: [[name, "floor"]],
  };
}

function pinoLogger() {
  return pino({ level: "debug" }, { write(_s: string) {} });
}

function incidentEvents(n: number): FlogEvent[] {
  const t0 = Date.now() / 1000;
  return Array.from({ length: n }, (_, i) => ({
    num: i,
    time: t0 + i / 1000,
    incarnation,
    level: i % 10 === 0 ? 23 : 20,
    facility: i % 3 === 0 ? "app/db" : "app/http",
    format: "request %(id)s from %(user)s took %(ms)s ms",
    id: i,
    user: `user${i % 50}`,
    ms: (i * 7) % 300,
  }));
}

/** The incident's plain bytes, in 64 KiB chunks. */
function plainChunks(history: FlogEvent[], trigger: FlogEvent): Uint8Array[] {
  const out: Uint8Array[] = [];
  const enc = new TextEncoder();
  const rx = Date.now() / 1000;
  let batch = FLOG_MAGIC + headerLine({ type: "incident", trigger });
  for (const e of [...history, trigger]) {
    batch += eventLine(e, { from: "local", rxTime: rx });
    if (batch.length >= 65536) {
      out.push(enc.encode(batch));
      batch = "";
    }
  }
  out.push(enc.encode(batch));
  return out;
}

function writeSync(file: Deno.FsFile, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length;) {
    off += file.writeSync(bytes.subarray(off));
  }
}

/** JSON lines, gzipped as they are made, written, synced once. */
async function honestFloor(
  path: string,
  history: FlogEvent[],
  trigger: FlogEvent,
) {
  const out = await Deno.open(path, { write: true, create: true });
  const gzip = new CompressionStream("gzip");
  const writing = (async () => {
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
  const rx = Date.now() / 1000;
  let batch = FLOG_MAGIC + headerLine({ type: "incident", trigger });
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
  await writing;
}

/** Runs one group in this process; returns the median ratio of each pair. */
async function measure(group: Group): Promise<Record<string, number[]>> {
  const runs = await group.runs();
  const names = Object.keys(runs);
  const times: Record<string, number[]> = {};
  for (const n of names) times[n] = [];
  const warmup = Math.max(2, Math.floor(group.rounds / 10));
  for (let r = 0; r < group.rounds + warmup; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const n of order) {
      const t0 = performance.now();
      await runs[n]();
      const t = performance.now() - t0;
      if (r >= warmup) times[n].push(t);
    }
  }
  const out: Record<string, number[]> = {};
  for (const [a, b] of group.ratios) {
    const paired = times[a].map((t, i) => t / times[b][i]).sort((x, y) =>
      x - y
    );
    const q = (p: number) => paired[Math.floor(p * (paired.length - 1))];
    const median = (xs: number[]) =>
      [...xs].sort((x, y) => x - y)[xs.length >> 1];
    out[`${a} / ${b}`] = [
      q(0.5),
      q(0.25),
      q(0.75),
      median(times[a]) * 1000,
      median(times[b]) * 1000,
    ];
  }
  return out;
}

const [first, ...rest] = Deno.args;
if (first === "--one") {
  const result = await measure(groups[rest[0]]);
  console.log(JSON.stringify(result));
  Deno.exit(0); // loggers and publishers left open on purpose
}
const chosen = first === undefined ? Object.keys(groups) : [first, ...rest];
console.log(
  "| ratio | median of the rounds' ratios (p25-p75) | medians (µs) |\n|---|---|---|",
);
for (const name of chosen) {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, "--one", name],
    stderr: "inherit",
  }).output();
  if (!success) throw new Error(`group ${name} failed`);
  const result = JSON.parse(new TextDecoder().decode(stdout)) as Record<
    string,
    number[]
  >;
  for (const [pair, [m, lo, hi, a, b]] of Object.entries(result)) {
    console.log(
      `| ${pair} | ${m.toFixed(2)}x (${lo.toFixed(2)}-${hi.toFixed(2)}) | ${
        a.toFixed(0)
      } / ${b.toFixed(0)} |`,
    );
  }
}
