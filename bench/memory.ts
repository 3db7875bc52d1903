/**
 * Memory and disk per event, beside their floors, reported as ratios:
 * - heap per buffered event vs the same flat event objects held in an array;
 * - gzip bytes per event in an incident file.
 *
 * Run by `deno task bench` (needs `--v8-flags=--expose-gc`).
 */
import { createLogger, type FlogEvent, listIncidents } from "../mod.ts";
import { IncidentReporter } from "../lib/reporter.ts";

const N = 100_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");
const heap = () => {
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
};
const incarnation: [string, null] = ["0123456789abcdef", null];
const users = Array.from({ length: 50 }, (_, i) => `user${i}`);

// Floor: the event objects themselves.
let before = heap();
const floor: FlogEvent[] = new Array(N);
for (let i = 0; i < N; i++) {
  const e: FlogEvent = {
    id: i,
    user: users[i % 50],
    num: i,
    time: Date.now() / 1000,
    incarnation,
    level: 20,
    facility: "app/http",
    format: "request %(id)s from %(user)s",
  };
  floor[i] = e;
}
const floorBytes = (heap() - before) / N;

// flightlog: the same events logged into one ring of N slots.
before = heap();
const log = createLogger({
  bufferSizes: { default: N },
  maxBufferedBytes: Infinity,
});
const http = log.child("app").child("http");
for (let i = 0; i < N; i++) {
  http.info("request {id} from {user}", { id: i, user: users[i % 50] });
}
const loggedBytes = (heap() - before) / N;
if (floor.length !== N || log.snapshot().length !== N) {
  throw new Error("lost events");
}
await log.close();

// Disk: gzip bytes per event of a 100,000-event incident of typical events.
const dir = await Deno.makeTempDir();
const history = floor.map((e, i) => ({
  ...e,
  ms: (i * 7) % 300,
  level: i % 10 === 0 ? 23 : 20,
}));
await new IncidentReporter({
  dir,
  header: { type: "incident", trigger: { ...history[0], num: N, level: 30 } },
  history,
  from: "local",
  trailingEvents: 0,
  trailingMs: 1,
}).finish();
const [incident] = await listIncidents(dir);
await Deno.remove(dir, { recursive: true });

const row = (name: string, value: number, unit: string, ratio?: number) =>
  console.log(
    `${name.padEnd(52)} ${value.toFixed(1).padStart(8)} ${unit}${
      ratio === undefined ? "" : `   ${ratio.toFixed(2)}x the floor`
    }`,
  );
console.log(`\nmemory and disk per event (${N.toLocaleString("en")} events)`);
row("floor: flat event object held in an array", floorBytes, "B heap");
row(
  "flightlog: buffered event (ring of 100,000)",
  loggedBytes,
  "B heap",
  loggedBytes / floorBytes,
);
row(
  "flightlog: incident .flog.gz on disk",
  incident.bytes / (N + 1),
  "B/event",
);
