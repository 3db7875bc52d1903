/**
 * Incidents for the viewer's tests and bench, written by the library itself:
 * a small one with the parts the viewer shows (fields, a failure, parent
 * links, trailing events), and a large one of any number of events.
 */

import { createLogger, listIncidents } from "../mod.ts";

/**
 * Writes the small incident into `dir` and returns its file name. Its
 * trigger is "payment provider timed out after 3000 ms" (SCARY, facility
 * `shop/pay`); it holds one failure, a parent chain, and trailing events.
 */
export async function writeShopIncident(
  dir: string,
  { app = "shop", release = "1.4.2" }: { app?: string; release?: string } = {},
): Promise<string> {
  const log = createLogger({
    incidentDir: dir,
    app,
    release,
    trailingMs: 50,
    trailingEvents: 3,
    recover: false,
  });
  const http = log.child("http");
  const db = log.child("db");
  const pay = log.child("shop/pay");
  for (let i = 0; i < 20; i++) {
    // Spread over time, so the timeline's relative times mean something.
    await new Promise((r) => setTimeout(r, 10));
    const req = http.info("GET {path} from {user}", {
      path: `/cart/${i}`,
      user: `user${i % 4}`,
    });
    db.debug("query took {ms} ms", { ms: i % 7, parent: req });
  }
  const order = http.info("POST /order {order}", { order: 1042 });
  db.warn("pool is {pct}% used", { pct: 93, parent: order });
  const call = pay.info("charging {amount} EUR", {
    amount: 12.5,
    parent: order,
  });
  const cause = new Error("socket hang up");
  log.err(new Error("provider unreachable", { cause }), {
    why: "charge failed",
    level: 25,
    parent: call,
  });
  pay.error("payment provider timed out after {ms} ms", {
    ms: 3000,
    parent: call,
  });
  http.info("503 for POST /order {order}", {
    order: 1042,
    parent: order,
    upstream: new Error("gateway timeout from the provider"),
  });
  http.info("GET /health");
  await log.close();
  const [incident] = await listIncidents(dir);
  return incident.name;
}

/**
 * Writes an incident of `events` history events (plus its trigger) into
 * `dir`, and returns its file name. Facilities and levels vary; one event in
 * ten has a parent.
 */
export async function writeBigIncident(
  dir: string,
  events: number,
): Promise<string> {
  const log = createLogger({
    incidentDir: dir,
    app: "bulk",
    bufferSizes: { default: events, total: events + 100 },
    maxBufferedBytes: Infinity,
    trailingMs: 0,
    trailingEvents: 0,
    recover: false,
  });
  const facilities = ["net", "net/http", "db", "cache", "jobs"].map((f) =>
    log.child(f)
  );
  let last = -1;
  for (let i = 0; i < events; i++) {
    const f = facilities[i % facilities.length];
    const fields = i % 10 === 0 && last >= 0
      ? { i, key: `k${i % 97}`, parent: last }
      : { i, key: `k${i % 97}` };
    last = i % 50 === 0
      ? f.info("request {i} started", fields)
      : f.debug("step {i} of the work, key {key}", fields);
  }
  log.weird("the big one: {n} events before this", { n: events });
  await log.close();
  const [incident] = await listIncidents(dir);
  return incident.name;
}
