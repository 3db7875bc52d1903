/**
 * The cost of a buffered log call (one that does not trigger), with and
 * without an active OpenTelemetry span, beside its
 * floor, a bare ring push, and two peers from npm: pino writing to a no-op
 * destination and LogTape's `fingersCrossed` sink (its flight-recorder
 * mode). `deno task bench` prints each as a ratio to the floor.
 */
// Peers from npm, in bench/ only (the product has no npm dependency).
// deno-lint-ignore no-import-prefix
import pino from "npm:pino@9";
// deno-lint-ignore no-import-prefix
import * as logtape from "npm:@logtape/logtape@2";
import { createLogger, type FlogEvent } from "../mod.ts";
import { RingBuffer } from "../lib/ring_buffer.ts";

const FIELDS = { id: 0, user: "alice" };
// Calls per measured iteration: one call is too short to time on its own
// (a per-call timer rounds to 10 ns and adds its own cost).
const CALLS = 1000;
const incarnation: [string, null] = ["0123456789abcdef", null];

// Floor: build the same flat event (with its clock read) and store it in a
// preallocated ring.
const floorRing: FlogEvent[] = new Array(100).fill(undefined);
let floorNext = 0;
let floorNum = 0;
Deno.bench({
  name: "floor: 1,000 flat events built + stored in a preallocated ring",
  group: "log call",
  baseline: true,
  fn() {
    for (let i = 0; i < CALLS; i++) {
      const e: FlogEvent = {
        num: floorNum++,
        time: Date.now() / 1000,
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

const ring = new RingBuffer<FlogEvent>(100);
const prebuilt: FlogEvent = { num: 0, time: 0, incarnation, level: 20 };
Deno.bench({
  name: "1,000 bare RingBuffer.push (prebuilt event)",
  group: "log call",
  fn() {
    for (let i = 0; i < CALLS; i++) {
      ring.push(prebuilt);
    }
  },
});

const log = createLogger({ facility: "app" }).child("http");
Deno.bench({
  name: "flightlog: 1,000 log.info(template, fields), buffered",
  group: "log call",
  fn() {
    for (let i = 0; i < CALLS; i++) {
      log.info("request {id} from {user}", FIELDS);
    }
  },
});

// Inside a span, as Deno.serve has one with OTEL_DENO=true: the span is set
// through Deno.telemetry's context manager, as Deno's own is, so that this
// runs without an OTLP endpoint. Each event then carries trace_id/span_id.
const otel = (Deno as unknown as {
  telemetry: {
    contextManager: {
      active(): { setValue(k: symbol, v: unknown): unknown };
      with<T>(ctx: unknown, fn: () => T): T;
    };
  };
}).telemetry.contextManager;
const spanContext = otel.active().setValue(
  Symbol.for("OpenTelemetry Context Key SPAN"),
  {
    spanContext: () => ({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
    }),
  },
);
Deno.bench({
  name: "flightlog: 1,000 log.info(template, fields) in an OpenTelemetry span",
  group: "log call",
  fn() {
    otel.with(spanContext, () => {
      for (let i = 0; i < CALLS; i++) {
        log.info("request {id} from {user}", FIELDS);
      }
    });
  },
});

const templates = [
  "request {id} from {user}",
  "cache miss for {user}",
  "request {id} done",
  "user {user} logged in",
];
let t = 0;
Deno.bench({
  name: "flightlog: 1,000 log.info, 4 templates in turn",
  group: "log call",
  fn() {
    for (let i = 0; i < CALLS; i++) {
      log.info(templates[t++ & 3], FIELDS);
    }
  },
});

const noop = { write(_s: string) {} };
const p = pino({ level: "debug" }, noop);
Deno.bench({
  name: "pino: 1,000 info(fields, msg) to a no-op destination",
  group: "log call",
  fn() {
    for (let i = 0; i < CALLS; i++) {
      p.info(FIELDS, "request");
    }
  },
});

logtape.resetSync();
logtape.configureSync({
  sinks: {
    crossed: logtape.fingersCrossed(() => {}, {
      triggerLevel: "error",
      maxBufferSize: 100,
    }),
  },
  loggers: [{ category: ["app"], lowestLevel: "debug", sinks: ["crossed"] }, {
    category: ["logtape", "meta"],
    lowestLevel: "error",
    sinks: [],
  }],
});
const lt = logtape.getLogger(["app", "http"]);
Deno.bench({
  name: "LogTape: 1,000 buffered info() to a fingersCrossed sink",
  group: "log call",
  fn() {
    for (let i = 0; i < CALLS; i++) {
      lt.info("request {id} from {user}", FIELDS);
    }
  },
});
