/**
 * The coarse clock: the time in ms, kept in a `SharedArrayBuffer` by one
 * background thread that writes it every millisecond, so that reading it is
 * a memory load instead of a `Date.now()` call. Opt-in (`clock: "coarse"`).
 *
 * @module
 */

import { Worker } from "node:worker_threads";

/**
 * How far behind `Date.now()` a coarse reading may be, in ms, when the
 * machine is not starved: the thread writes every ms, and the main thread's
 * own work cannot delay it.
 */
export const COARSE_CLOCK_BOUND_MS = 5;

// Runs in the worker (CommonJS, as node:worker_threads evaluates it).
const TICKER = `
const { workerData } = require("node:worker_threads");
const now = new Float64Array(workerData);
now[0] = Date.now();
setInterval(() => { now[0] = Date.now(); }, 1);
`;

let view: Float64Array | undefined;
let failed = false;
let last = 0;

/**
 * The time in ms from the coarse clock, starting its thread on first use.
 * Never goes backwards. Falls back to `Date.now()` (saying so once, on
 * stderr) where the thread cannot start.
 */
export function coarseNow(): number {
  if (view === undefined && !failed) start();
  if (view === undefined) return Date.now();
  // Monotonic, whatever the ticker does (a wall-clock step back, say).
  const t = view[0];
  if (t > last) last = t;
  return last;
}

function start(): void {
  try {
    const shared = new SharedArrayBuffer(8);
    const v = new Float64Array(shared);
    v[0] = Date.now(); // valid before the thread's first tick
    const worker = new Worker(TICKER, { eval: true, workerData: shared });
    worker.unref(); // never keeps the process alive
    worker.on("error", () => {
      view = undefined;
      fail("its thread stopped");
    });
    view = v;
  } catch (e) {
    fail(String(e));
  }
}

function fail(why: string): void {
  if (failed) return;
  failed = true;
  console.error(
    `flightlog: the coarse clock is not available (${why}); using Date.now()`,
  );
}
