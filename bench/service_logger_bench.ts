/**
 * The service logger's features beside the plain buffered call (the call as
 * users get it: default redaction on), in batches of 100 calls with four
 * typical fields: through `log.with(...)`, inside `withContext`, with
 * `isolateBy` on, and with redaction off. Then the console `json` writer
 * beside pino's JSON output to the same no-op sink, 1,000 events a round.
 */
// Peers from npm, in bench/ only (the product has no npm dependency).
// deno-lint-ignore no-import-prefix
import pino from "npm:pino@9";
import { ConsoleSink, type ConsoleTarget } from "../lib/console_sink.ts";
import { withContext } from "../lib/context.ts";
import type { FlogEvent } from "../lib/flog_event.ts";
import { createLogger } from "../lib/create_logger.ts";

const FIELDS = { method: "GET", path: "/cart/17", status: 200, ms: 12.5 };
const N = 100;

const floorRing: FlogEvent[] = new Array(100).fill(undefined);
let floorNext = 0;
let floorNum = 0;
Deno.bench({
  name: "floor: 100 flat events (clock read) into a preallocated ring",
  group: "service logger",
  fn() {
    for (let i = 0; i < N; i++) {
      const e: FlogEvent = {
        ...FIELDS,
        num: floorNum++,
        time: Date.now() / 1000,
        incarnation: ["0123456789abcdef", null],
        level: 20,
        facility: "app/http",
        format: "%(method)s %(path)s",
      };
      floorRing[floorNext] = e;
      floorNext = floorNext === 99 ? 0 : floorNext + 1;
    }
  },
});

const plain = createLogger({ facility: "app" }).child("http");
Deno.bench({
  name: "plain: 100 log.info calls (default redaction on)",
  group: "service logger",
  baseline: true,
  fn() {
    for (let i = 0; i < N; i++) plain.info("{method} {path}", FIELDS);
  },
});

const bare = createLogger({ facility: "app", redact: false }).child("http");
Deno.bench({
  name: "redaction off: 100 log.info calls",
  group: "service logger",
  fn() {
    for (let i = 0; i < N; i++) bare.info("{method} {path}", FIELDS);
  },
});

const bound = createLogger({ facility: "app" }).child("http").with({
  service: "shop",
  region: "eu",
});
Deno.bench({
  name: "log.with({ service, region }): 100 calls",
  group: "service logger",
  fn() {
    for (let i = 0; i < N; i++) bound.info("{method} {path}", FIELDS);
  },
});

const inContext = createLogger({ facility: "app" }).child("http");
let request = 0;
Deno.bench({
  name: "inside withContext({ requestId }): 100 calls",
  group: "service logger",
  fn() {
    withContext({ requestId: `r${request++}` }, () => {
      for (let i = 0; i < N; i++) inContext.info("{method} {path}", FIELDS);
    });
  },
});

const isolated = createLogger({ facility: "app", isolateBy: "requestId" })
  .child("http");
Deno.bench({
  name: "isolateBy: requestId, inside withContext: 100 calls",
  group: "service logger",
  fn() {
    withContext({ requestId: `r${request++}` }, () => {
      for (let i = 0; i < N; i++) isolated.info("{method} {path}", FIELDS);
    });
  },
});

// Console JSON: both write to a sink that takes the bytes and does nothing.
const ROUND = 1000;
const noopTarget: ConsoleTarget = {
  write: (bytes) => Promise.resolve(bytes.length),
  isTerminal: () => false,
};
const consoleLog = createLogger({ facility: "app", console: false });
const sink = new ConsoleSink({ format: "json" }, noopTarget);
consoleLog.onEvent((e) => sink.offer(e));
Deno.bench({
  name: "flightlog console json: 1,000 events written",
  group: "console json",
  baseline: true,
  async fn() {
    for (let i = 0; i < ROUND; i++) consoleLog.info("{method} {path}", FIELDS);
    await sink.flush();
  },
});

const p = pino({ level: "info" }, { write(_s: string) {} });
Deno.bench({
  name: "pino: 1,000 info() JSON lines to a no-op destination",
  group: "console json",
  fn() {
    for (let i = 0; i < ROUND; i++) p.info(FIELDS, "GET /cart/17");
  },
});
