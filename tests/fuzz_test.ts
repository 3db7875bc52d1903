// Seeded fuzzing of what flightlog reads from outside: flogfiles (reader
// and dump), the socket protocol as the sidecar reads it, and the HTTP API.
// Every input ends in a result or a clear error: no crash, no hang, no 500.
// A failure names its seed: FLIGHTLOG_SEED=<seed> reruns it.
import assert from "node:assert/strict";
import { dumpLines } from "../lib/dump.ts";
import { FlogFileError, type FlogRecord, readFlog } from "../lib/flogfile.ts";
import { checkedHello, eventProblem } from "../lib/protocol_checks.ts";
import { readMessages } from "../lib/protocol.ts";
import { forAll, Prng } from "./_prng.ts";
import { testApi, TOKEN } from "./_server_util.ts";
import { deadline, tempDir } from "./_util.ts";

const RUNS = 10_000;
// One seed for the file, printed, so that any failure reruns exactly.
const SEED = new Prng().seed;
console.log(`fuzz seed: FLIGHTLOG_SEED=${SEED}`);
const replay = `(FLIGHTLOG_SEED=${SEED})`;
const enc = new TextEncoder();

const trigger = {
  num: 2,
  time: 1.5,
  incarnation: ["ab", null],
  level: 30,
  format: "disk %(pct)d%% full",
  pct: 97,
};
const SEED_FILE = [
  "# foolscap flogfile v1",
  JSON.stringify({
    header: { type: "incident", trigger, pid: 1, versions: { a: "1" } },
  }),
  JSON.stringify({
    from: "local",
    rx_time: 1,
    d: {
      num: 1,
      time: 1,
      incarnation: ["ab", null],
      level: 20,
      message: "m",
      args: [1, "x"],
    },
  }),
  JSON.stringify({ from: "local", rx_time: 1, d: trigger }),
  JSON.stringify({
    from: "local",
    rx_time: 1,
    d: { ...trigger, num: 3, failure: { "@": "Failure", str: "E" } },
  }),
].join("\n") + "\n";

const JUNK = [
  "{",
  "}",
  "[",
  "]",
  '"',
  ",",
  ":",
  "%",
  "%(",
  ")s",
  "\\",
  "\n",
  "\u0000",
  "\ud800",
  "null",
  "1e999",
  "-0",
  '{"d":',
  '{"header":',
  "[[[[[[",
  "%(x)d",
  "%*d",
  "%.f",
];

/** A mutated copy of `text`: cuts, inserted junk, swapped and repeated slices. */
function mutate(rng: Prng, text: string): string {
  let s = text;
  for (let i = rng.int(1, 4); i > 0; i--) {
    const at = rng.int(0, s.length);
    switch (rng.int(0, 4)) {
      case 0:
        s = s.slice(0, at); // cut
        break;
      case 1:
        s = s.slice(0, at) + rng.pick(JUNK) + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + s.slice(at + rng.int(1, 20));
        break;
      case 3:
        s = s.slice(0, at) + "[".repeat(rng.int(1, 3000)) + s.slice(at);
        break;
      default:
        s = s.slice(0, at) + s.slice(rng.int(0, s.length)).slice(0, 80) +
          s.slice(at);
    }
  }
  return s;
}

Deno.test("readFlog() and dumpLines() end in records or a FlogFileError on 10,000 mutated files", async () => {
  const inputs: string[] = [];
  forAll(RUNS, (rng) => {
    inputs.push(mutate(rng, SEED_FILE));
  }, SEED);
  await deadline(
    (async () => {
      for (const text of inputs) {
        const records: FlogRecord[] = [];
        try {
          for await (
            const r of readFlog(ReadableStream.from([enc.encode(text)]), {
              onDamage: () => {},
            })
          ) {
            records.push(r);
          }
        } catch (e) {
          assert(
            e instanceof FlogFileError,
            `${e} for ${JSON.stringify(text.slice(0, 200))}`,
          );
        }
        for await (const _ of dumpLines(records, { onBadRecord: () => {} })) {
          /* rendered */
        }
        for await (
          const _ of dumpLines(records, {
            flogtool: true,
            verbose: true,
            onBadRecord: () => {},
          })
        ) { /* rendered */ }
      }
    })(),
    "fuzzing the reader",
    120_000,
  );
});

Deno.test("the protocol reader and its checks never throw on 10,000 mutated streams", async () => {
  const hello = JSON.stringify({
    t: "hello",
    v: 1,
    app: "a",
    pid: 1,
    incarnation: ["ab", null],
    versions: { a: "1" },
    heartbeatMs: 1000,
    writesIncidents: false,
    time: 1,
  });
  const events = JSON.stringify({
    t: "events",
    history: true,
    events: [trigger, { num: 3, time: 2 }],
  });
  const base =
    `${hello}\n${events}\n{"t":"heartbeat","time":1}\n{"t":"goodbye","reason":"x"}\n`;
  const inputs: string[] = [];
  forAll(RUNS, (rng) => {
    inputs.push(mutate(rng, base));
  }, SEED);
  await deadline(
    (async () => {
      for (const text of inputs) {
        for await (
          const m of readMessages(ReadableStream.from([enc.encode(text)]), {
            onBadLine: () => {},
            maxLineLength: 4096,
            onOversized: () => {},
          })
        ) {
          if (m.t === "hello") {
            checkedHello(
              m as unknown as Record<string, unknown>,
            );
          }
          if (m.t === "events" && Array.isArray(m.events)) {
            m.events.forEach(
              eventProblem,
            );
          }
        }
      }
    })(),
    "fuzzing the protocol",
    120_000,
  );
});

Deno.test("Api.handle() answers 10,000 odd requests without a 500", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const gz = async (text: string) =>
    new Uint8Array(
      await new Response(
        new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
      ).arrayBuffer(),
    );
  const paths = [
    "/v1/incidents",
    "/v1/incidents/",
    "/v1/incidents/stream",
    "/v1/events/stream",
    "/healthz",
    "/metrics",
    "/v1/incidents/incident-2026-01-01--00-00-00Z-aaaaaaa.flog.gz",
    "/v1/incidents/..%2F..%2Ftoken",
    "/v1/groups",
    "/",
    "//",
    "/v1/incidents/%00",
  ];
  const queries = [
    "",
    "?format=json",
    "?since=abc",
    "?since=2026-01-01",
    "?limit=-1",
    "?limit=99999999999",
    "?after=x",
    "?level=LOUD",
    "?level=30&facility=db",
    "?name=incident-2026-01-01--00-00-00Z-bbbbbbb.flog.gz",
    "?name=../../x",
    "?lastEventId=%FF",
  ];
  const methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
  const requests: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: Uint8Array;
  }[] = [];
  const bodies: Uint8Array[] = [
    new Uint8Array(),
    enc.encode("not gzip"),
    await gz(SEED_FILE),
    await gz("junk\n"),
    await gz("# foolscap flogfile v1\n" + '{"header":[1,2]}\n'),
  ];
  forAll(RUNS, (rng) => {
    const method = rng.pick(methods);
    const headers: Record<string, string> = {};
    const auth = rng.int(0, 3);
    if (auth === 0) headers.authorization = `Bearer ${TOKEN}`;
    else if (auth === 1) {
      headers.authorization = rng.pick([
        "Bearer",
        "Basic x",
        "Bearer " + "a".repeat(5000),
        "Bearer test-token ",
      ]);
    }
    if (rng.chance(0.2)) {
      headers["last-event-id"] = rng.pick([
        "1",
        "-1",
        "x",
        "99999999999999999999",
      ]);
    }
    if (rng.chance(0.1)) {
      headers["content-length"] = rng.pick(["0", "-5", "99999999999", "x"]);
    }
    const body = method === "POST" ? rng.pick(bodies) : undefined;
    requests.push({
      method,
      url: `http://x${rng.pick(paths)}${rng.pick(queries)}`,
      headers,
      body,
    });
  });
  await deadline(
    (async () => {
      for (const r of requests) {
        let req: Request;
        try {
          req = new Request(r.url, {
            method: r.method,
            headers: r.headers,
            body: r.body as BodyInit | undefined,
          });
        } catch {
          continue; // not a request a client could send
        }
        const res = await t.api.handle(req);
        await res.body?.cancel();
        assert(
          res.status < 500 || res.status === 503,
          `${res.status} for ${r.method} ${r.url} ${
            JSON.stringify(r.headers)
          } ${replay}`,
        );
      }
    })(),
    "fuzzing the API",
    120_000,
  );
  t.api.closeStreams();
});
