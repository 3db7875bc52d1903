/**
 * A sample app for the demo: a small "shop" that handles orders, logs at
 * mixed levels, and after a while hits a failure (a payment provider that
 * stops answering), which triggers an incident.
 *
 * Usage: deno run -A demo/shop_app.ts INCIDENT_DIR [ORDERS]
 *
 * @module
 */

import { createLogger, installGlobalHandlers, type Logger } from "../mod.ts";

/** Runs `orders` orders through `log`; the last one fails. */
export async function runShop(log: Logger, orders = 40): Promise<void> {
  const http = log.child("http");
  const db = log.child("db");
  const pay = log.child("payments");
  log.info("shop starting, {n} workers", { n: 4 });
  db.info("connected to {host}", { host: "db1.internal" });
  for (let id = 1; id <= orders; id++) {
    const req = http.info("POST /orders user={user}", {
      user: `user${id % 7}`,
    });
    db.debug("select cart for order {id}", { id, parent: req });
    const ms = 5 + ((id * 37) % 50);
    db.debug("query took {ms} ms", { ms, parent: req });
    if (ms > 45) {
      db.warn("slow query: {ms} ms for order {id}", { ms, id, parent: req });
    }
    if (id === orders) {
      pay.curious("provider answered 503, retrying order {id}", {
        id,
        parent: req,
      });
      pay.err(
        new Error("payment provider timed out", {
          cause: new Error("connect ETIMEDOUT 10.0.0.7:443"),
        }),
        {
          why: "charging order {id} failed".replace("{id}", String(id)),
          level: 35,
          order: id,
          parent: req,
        },
      );
      http.warn("POST /orders -> 502 for order {id}", { id });
      log.info("shop keeps serving");
    } else {
      pay.info("charged order {id}: {amount} EUR", {
        id,
        amount: (id * 13) % 90 + 10,
        parent: req,
      });
      http.info("POST /orders -> 201 in {ms} ms", { ms: ms + 3, parent: req });
    }
    await Promise.resolve();
  }
}

if (import.meta.main) {
  const [dir = "./demo-output/incidents", orders = "40"] = Deno.args;
  await using log = createLogger({
    incidentDir: dir,
    app: "shop",
    versions: { shop: "1.0.0" },
    trailingMs: 500,
  });
  using _handlers = installGlobalHandlers(log);
  await runShop(log, Number(orders));
}
