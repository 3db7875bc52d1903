import assert from "node:assert/strict";
import {
  ConsoleSink,
  type ConsoleTarget,
  jsonLine,
  parseConsoleEnv,
  prettyLine,
} from "../lib/console_sink.ts";
import { encodeJSON, jsonableEvent } from "../lib/event.ts";
import type { FlogEvent } from "../lib/flog_event.ts";
import { renderMessage } from "../lib/format.ts";
import { forAll } from "./_prng.ts";
import { ROOT, runDeno } from "./_util.ts";

const ev = (
  level: number,
  fields: Record<string, unknown> = {},
): FlogEvent => ({
  num: 1,
  time: 1795555320.5,
  incarnation: ["ab", null],
  level,
  facility: "shop/db",
  format: "query took %(ms)d ms",
  ms: 12,
  ...fields,
});

function memoryTarget(chunkLimit = Infinity) {
  const chunks: Uint8Array[] = [];
  let release: (() => void) | undefined;
  const target: ConsoleTarget & { text(): string; hold(): void; go(): void } = {
    async write(bytes) {
      if (release === undefined && chunkLimit === 0) {
        await new Promise<void>((r) => release = r);
      }
      chunks.push(bytes.slice());
      return bytes.length;
    },
    isTerminal: () => false,
    text: () =>
      new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c]))),
    hold() {
      chunkLimit = 0;
    },
    go() {
      release?.();
    },
  };
  return target;
}

Deno.test("prettyLine() shows time, level, facility, text and the other fields in brief", () => {
  const line = prettyLine(ev(20, { requestId: "r1" }), false);
  assert.match(
    line,
    /^\d\d:\d\d:\d\d\.\d{3} OPERATIONAL shop\/db: query took 12 ms \{requestId=r1\}\n$/,
  );
});

Deno.test("prettyLine() colours the level only when asked", () => {
  assert(prettyLine(ev(35), true).includes("\x1b[31mSCARY"));
  assert(!prettyLine(ev(35), false).includes("\x1b"));
});

Deno.test("jsonLine() writes the event's fields with the rendered text", () => {
  const obj = JSON.parse(jsonLine(ev(20)));
  assert.equal(obj.text, "query took 12 ms");
  assert.equal(obj.ms, 12);
  assert.equal(obj.format, "query took %(ms)d ms");
});

Deno.test("jsonLine() is the JSON of the event with its text, byte for byte, on a seeded corpus", () => {
  const odd = [
    "\u2028",
    "\ud800",
    "\udfff",
    "\x00",
    "\x1f",
    '"',
    "\\",
    "é",
    "😀",
  ];
  forAll(300, (rng) => {
    const value = (): unknown => {
      switch (rng.int(0, 7)) {
        case 0:
          return rng.pick([
            0,
            -0,
            1e21,
            -1e-7,
            2 ** 53,
            Number.MIN_VALUE,
            12.5,
          ]);
        case 1:
          return rng.string(rng.int(0, 12), "ab {}%()s\n\t") + rng.pick(odd);
        case 2:
          return rng.chance(0.5);
        case 3:
          return null;
        case 4:
          return { nested: [rng.int(0, 9), rng.pick(odd)] };
        case 5:
          return rng.pick([NaN, Infinity, () => 1, Symbol("s"), 10n]);
        case 6:
          return new Map([["k", 1]]);
        default:
          return rng.pick(odd).repeat(rng.int(1, 3));
      }
    };
    const fields: Record<string, unknown> = {};
    for (let i = rng.int(0, 5); i > 0; i--) fields[`f${i}`] = value();
    const e = ev(rng.pick([10, 20, 30]), fields);
    e.format = rng.pick(["plain", "%(f1)s and %(f2)r", "%(missing)s"]);
    const expected = encodeJSON({
      ...jsonableEvent(e),
      text: renderMessage(e),
    });
    assert.equal(jsonLine(e), expected + "\n");
  });
});

/** The `json` line as the encoder before prepared prefixes wrote it. */
function oldJsonLine(event: FlogEvent): string {
  const text = renderMessage(event);
  if (event.text !== undefined) {
    return encodeJSON({ ...jsonableEvent(event), text }) + "\n";
  }
  const json = encodeJSON(jsonableEvent(event));
  return `${json.slice(0, -1)},"text":${JSON.stringify(text)}}\n`;
}

Deno.test("jsonLine() writes what the old encoder wrote, byte for byte, for events shaped as the logger builds them", () => {
  const incarnations: [string, string | null][] = [["ab", null], ["cd", "x"]];
  forAll(500, (rng) => {
    const value = (): unknown => {
      switch (rng.int(0, 6)) {
        case 0:
          return rng.pick([0, -0, 7, 12.5, 1e21, -1e-7, 2 ** 53]);
        case 1:
          return rng.string(rng.int(0, 10), 'ab:@ "\\\n\u2028\ud800é');
        case 2:
          return rng.chance(0.5);
        case 3:
          return rng.pick([null, undefined]);
        case 4:
          return { nested: [rng.int(0, 9), "x"], n: rng.pick([1, 10n]) };
        case 5:
          return rng.pick([NaN, () => 1, new Date(0), [1, "a"]]);
        default:
          return "plain";
      }
    };
    const fields: Record<string, unknown> = {};
    const names = ["user", "id", "0", "12", "__proto__", "_num", "ms"];
    for (let i = rng.int(0, 5); i > 0; i--) fields[rng.pick(names)] = value();
    const e = {
      ...fields,
      num: rng.int(0, 1e9),
      time: rng.int(1e12, 2e12) / 1000 + rng.pick([0, 1e-4]),
      incarnation: rng.chance(0.8)
        ? incarnations[0]
        : [...rng.pick(incarnations)],
      level: rng.pick([10, 20, 30]),
      facility: rng.pick([undefined, "app", "app/db"]),
      format: rng.pick(["plain", "%(user)s and %(id)r", "%(missing)s"]),
    } as FlogEvent;
    if (rng.chance(0.1)) e.extra = "after the event's own keys";
    assert.equal(jsonLine(e), oldJsonLine(e));
  });
});

Deno.test("jsonLine() with a field called text writes one text key, the rendered one", () => {
  const line = jsonLine(ev(20, { text: "mine" }));
  assert.equal(line.split('"text"').length, 2, line);
  assert.equal(JSON.parse(line).text, "query took 12 ms");
});

Deno.test("ConsoleSink prints events at or above its level only", async () => {
  const target = memoryTarget();
  const sink = new ConsoleSink({ level: "UNUSUAL", format: "json" }, target);
  sink.offer(ev(20));
  sink.offer(ev(23));
  await sink.flush();
  assert.equal(target.text().trim().split("\n").length, 1);
});

Deno.test("ConsoleSink drops and counts past its queue limit, then says how many", async () => {
  const target = memoryTarget();
  target.hold();
  const sink = new ConsoleSink({ format: "json", queueLimit: 2 }, target);
  for (let i = 0; i < 10; i++) sink.offer(ev(20)); // the call never waits
  await Promise.resolve();
  await Promise.resolve();
  sink.offer(ev(20)); // while the first write hangs
  target.go();
  await sink.flush();
  assert(sink.dropped > 0);
  assert.match(target.text(), /flightlog: \d+ console lines dropped/);
});

Deno.test("parseConsoleEnv() reads format and level, refuses nonsense naming the variable", () => {
  assert.deepEqual(parseConsoleEnv("pretty"), { format: "pretty" });
  assert.deepEqual(parseConsoleEnv("json:UNUSUAL"), {
    format: "json",
    level: 23,
  });
  assert.equal(parseConsoleEnv("off"), false);
  assert.throws(() => parseConsoleEnv("yaml"), /FLIGHTLOG_CONSOLE="yaml"/);
});

const APP = `import { createLogger } from "${ROOT}mod.ts";
const log = createLogger(JSON.parse(Deno.args[0] ?? "{}"));
log.debug("hidden {n}", { n: 1 });
log.info("order {id} placed", { id: 7, requestId: "r9" });
log.warn("stock low");
await log.close();
`;

async function runApp(options: unknown, env: Record<string, string> = {}) {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(file, APP);
  try {
    return await runDeno(["run", "-A", file, JSON.stringify(options)], { env });
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("createLogger({ console: pretty }) prints lines on stdout from OPERATIONAL up", async () => {
  const out = await runApp({ console: { format: "pretty" } });
  const lines = out.stdout.trim().split("\n");
  assert.equal(lines.length, 2, out.stdout + out.stderr);
  assert.match(lines[0], /OPERATIONAL order 7 placed \{requestId=r9\}$/);
  assert.match(lines[1], /UNUSUAL {5}stock low$/);
});

Deno.test("FLIGHTLOG_CONSOLE=json:UNUSUAL prints JSON lines from UNUSUAL up", async () => {
  const out = await runApp({}, { FLIGHTLOG_CONSOLE: "json:UNUSUAL" });
  const lines = out.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.text), ["stock low"]);
});
