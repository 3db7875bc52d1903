/**
 * The log call with the coarse clock (`clock: "coarse"`) beside its floor
 * (the flat event built with the time read from a shared buffer) and pino.
 * Kept apart from `log_call_bench.ts`: one process uses one clock, and a
 * call site that sees both would measure neither.
 */
// deno-lint-ignore no-import-prefix
import pino from "npm:pino@9";
import { createLogger } from "../lib/create_logger.ts";
import type { FlogEvent } from "../lib/flog_event.ts";

const FIELDS = { id: 0, user: "alice" };
// Calls per measured iteration: one call is too short to time on its own
// (a per-call timer rounds to 10 ns and adds its own cost).
const CALLS = 1000;
const incarnation: [string, null] = ["0123456789abcdef", null];
const floorRing: FlogEvent[] = new Array(100).fill(undefined);
let floorNext = 0;
let floorNum = 0;

// The coarse floor: the same, with the time read from a shared buffer.
const coarseTime = new Float64Array(new SharedArrayBuffer(8));
coarseTime[0] = Date.now();
Deno.bench({
  baseline: true,
  name: "coarse floor: 1,000 events, the time read from a shared buffer",
  group: "coarse clock",
  fn() {
    for (let i = 0; i < CALLS; i++) {
      const e: FlogEvent = {
        num: floorNum++,
        time: coarseTime[0] / 1000,
        incarnation,
        level: 20,
        facility: "app/http",
        format: "request %(id)s from %(user)s",
      };
      e.id = FIELDS.id;
      e.user = FIELDS.user;
      floorRing[floorNext] = e;
      floorNext = floorNext === 99 ? 0 : floorNext + 1;
    }
  },
});

const coarse = createLogger({ facility: "app", clock: "coarse" }).child("http");
Deno.bench({
  name: 'flightlog: 1,000 log.info(template, fields), clock: "coarse"',
  group: "coarse clock",
  fn() {
    for (let i = 0; i < CALLS; i++) {
      coarse.info("request {id} from {user}", FIELDS);
    }
  },
});

const p = pino({ level: "debug" }, { write(_s: string) {} });
Deno.bench({
  name: "pino: 1,000 info(fields, msg) to a no-op destination",
  group: "coarse clock",
  fn() {
    for (let i = 0; i < CALLS; i++) {
      p.info(FIELDS, "request");
    }
  },
});
